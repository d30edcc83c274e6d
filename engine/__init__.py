"""The reinsurance engine: treaties, treaty accounts, reserving, Solvency II, optimisation.

Pure, vectorised computations on numpy arrays and pandas frames. The engine never
imports a DBMS library or a generated backend: it reads a portfolio handed to it as frames, or
the business stored in a database through :class:`assurdb.engine.stored.StoredBusiness`, which
receives a session and reads through the access interface's contract only.
"""

from __future__ import annotations

from assurdb.engine.errors import EngineError

__all__ = ["EngineError"]
