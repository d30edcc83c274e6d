"""The domain layer's root exception (one per package, as SQLAlchemy's ``exc.py``).

Primitives do not raise for bad input: they return a result carrying the interface's return
code and a message. ``DomainError`` is for misuse outside requests (e.g. a primitive called on
a session of another schema) and for the CLI to map to an exit code.
"""

from __future__ import annotations

from assurdb.metadb.errors import AssurdbError


class DomainError(AssurdbError):
    """Root of every error raised by ``domain``."""
