"""assurdb: a DBMS-independent database for an insurance company (SPEC §10).

>>> import assurdb
>>> db = assurdb.create("sqlite:///company.db", schema="insurance", admin_password="secret")
>>> s = db.login("admin", "secret")
>>> s.open_db([("Insured", assurdb.Mode.MODIFY_SHARED)]).rc
<RC.OK: 0>
"""

from __future__ import annotations

from assurdb._version import __version__
from assurdb.facade import backend_of, connect, create
from assurdb.metadb.contract import RC, Action, Mode, Reply, Session
from assurdb.metadb.errors import (
    AuthenticationError,
    DatabaseLockedError,
    MetaDBError,
    SchemaError,
    SchemaMismatchError,
)

__all__ = [
    "RC",
    "Action",
    "AuthenticationError",
    "DatabaseLockedError",
    "MetaDBError",
    "Mode",
    "Reply",
    "SchemaError",
    "SchemaMismatchError",
    "Session",
    "__version__",
    "backend_of",
    "connect",
    "create",
]
