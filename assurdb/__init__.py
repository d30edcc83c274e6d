"""assurdb: a DBMS-independent database framework for insurance companies.

>>> import assurdb
>>> db = assurdb.create("sqlite:///company.db", schema="insurance", admin_password="secret")
>>> s = db.login("admin", "secret")
>>> s.open_db([("Insured", assurdb.Mode.MODIFY_SHARED)]).rc
<RC.OK: 0>
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assurdb._version import __version__
from assurdb.facade import backend_of, connect, create, load_interface
from assurdb.metadb.contract import RC, Action, Article, Mode, Reply, Session, Value
from assurdb.metadb.errors import AssurdbError, MetaDBError, SchemaError
from assurdb.runtime.database import Database
from assurdb.runtime.errors import (
    AuthenticationError,
    BackendError,
    ConnectionFailedError,
    DatabaseExistsError,
    DatabaseLockedError,
    DatabaseNotFoundError,
    InterfaceNotFoundError,
    LoginLockedError,
    NotAdministratorError,
    SchemaMismatchError,
    SchemaVersion,
    ServerLoginError,
)

if TYPE_CHECKING:
    from assurdb.migrations import copy, dump, load, migrate_apply, migrate_plan, migrate_script, migrate_sql

#: Moving databases (``assurdb.migrations``), imported on first use: Alembic and PyArrow load then.
_MIGRATIONS = ("copy", "dump", "load", "migrate_apply", "migrate_plan", "migrate_script", "migrate_sql")


def __getattr__(name: str) -> object:
    if name in _MIGRATIONS:
        import assurdb.migrations

        return getattr(assurdb.migrations, name)
    raise AttributeError(f"module 'assurdb' has no attribute {name!r}")


__all__ = [
    "RC",
    "Action",
    "Article",
    "AssurdbError",
    "AuthenticationError",
    "BackendError",
    "ConnectionFailedError",
    "Database",
    "DatabaseExistsError",
    "DatabaseLockedError",
    "DatabaseNotFoundError",
    "InterfaceNotFoundError",
    "LoginLockedError",
    "MetaDBError",
    "Mode",
    "NotAdministratorError",
    "Reply",
    "SchemaError",
    "SchemaMismatchError",
    "SchemaVersion",
    "ServerLoginError",
    "Session",
    "Value",
    "__version__",
    "backend_of",
    "connect",
    "copy",
    "create",
    "dump",
    "load",
    "load_interface",
    "migrate_apply",
    "migrate_plan",
    "migrate_script",
    "migrate_sql",
]
