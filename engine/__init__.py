"""The reinsurance engine: treaties, treaty accounts, reserving, Solvency II, optimisation.

Pure, vectorised computations on numpy arrays and pandas frames. The engine never
imports a DBMS library or a generated backend: it reads a portfolio handed to it as frames, or
through a domain-layer adapter that receives a session.
"""

from __future__ import annotations

from assurdb.engine.errors import EngineError

__all__ = ["EngineError"]
