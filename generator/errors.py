"""The generator's root exception."""

from __future__ import annotations

from assurdb.metadb.errors import AssurdbError


class GeneratorError(AssurdbError):
    """The generator cannot produce an interface: the message names the template or element."""
