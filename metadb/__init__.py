"""The meta-database: the typed model of a schema, its codes and contract, its files.

Importing ``metadb`` never imports a DBMS library: the generator, the generated interfaces,
the domain layer and Alembic all build on it.
"""

from __future__ import annotations

from assurdb.metadb.contract import CONTRACT_VERSION, RC, Action, Mode, Reply, Session
from assurdb.metadb.errors import MetaDBError, SchemaError

__all__ = [
    "CONTRACT_VERSION",
    "RC",
    "Action",
    "MetaDBError",
    "Mode",
    "Reply",
    "SchemaError",
    "Session",
]
