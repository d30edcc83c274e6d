"""The request algorithms of SPEC §3.1, shared by every generated interface.

A generated package gives, per record type and path type, its statements and codecs
(:mod:`generator.runtime.specs`); its router does the thesis' *partie préliminaire* (record
type known, opening mode) and calls one function per action code and record type, which
calls the algorithm with that record type's statements. :class:`Core` is the whole session,
assembled from one module per family of requests:

* :mod:`.core` — state, guards, units of work, openings, pending existence checks;
* :mod:`.reads` — READ DIRECT, READ SEQUENTIAL, READ SELECTION;
* :mod:`.writes` — WRITE, WRITE BATCH, REWRITE, DELETE;
* :mod:`.paths` — READ TARGET / ORIGIN VIA PATH, WRITE TARGET VIA PATH, WRITE ORIGIN AND TARGET,
  BOUND, DEBOUND.
"""

from __future__ import annotations

from assurdb.runtime.core import BULK_CHECK, MAX_OPEN, refuse
from assurdb.runtime.paths import Paths


class Core(Paths):
    """One user session: every request of SPEC §3.1."""


__all__ = ["BULK_CHECK", "MAX_OPEN", "Core", "refuse"]
