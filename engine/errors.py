"""The engine's root exception (one per package, as SQLAlchemy's ``exc.py``)."""

from __future__ import annotations

from assurdb.metadb.errors import AssurdbError


class EngineError(AssurdbError, ValueError):
    """Bad input to an engine computation: the message names the column, cell or parameter."""
