"""PostgreSQL (``postgresql://user@host/db``, psycopg 3).

* Alphanumeric columns are ``COLLATE "C"``: code-point order, as on every DBMS.
* Proof of life: the holder's server connection, ``pg_backend_pid()`` with its
  ``backend_start`` (a reused pid has another start time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine.interfaces import Dialect

from assurdb.metadb.physical import Column
from assurdb.runtime.backends.relational import RelationalBackend
from assurdb.runtime.connection import Connection


class PostgreSQLConnection(Connection):
    name = "postgresql"

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        dbapi_connection.autocommit = True
        super().__init__(raw, dbapi_connection)
        row = self.one(
            "SELECT pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"
        )
        self._server = f"pg:{row[0]}:{row[1].timestamp():.6f}"

    def server_part(self) -> str:
        return self._server

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        pids = sorted({int(p.split(":")[1]) for p in parts if p.startswith("pg:")})
        if not pids:
            return set()
        rows = self.all("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
        return {f"pg:{pid}:{start.timestamp():.6f}" for pid, start in rows if start is not None}


class PostgreSQLBackend(RelationalBackend):
    name = "postgresql"
    label = "PostgreSQL"
    schemes: ClassVar[Mapping[str, str]] = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
    connection_class = PostgreSQLConnection

    @classmethod
    def retryable(cls, exc: BaseException) -> bool:
        # 40P01: deadlock detected; 40001: serialization failure
        return getattr(exc, "sqlstate", None) in ("40P01", "40001")

    @classmethod
    def after_rebuild(cls, temporary: str, final: str) -> list[str]:
        # the primary key of a swapped table keeps the temporary table's name: give it the final one
        return [f'ALTER INDEX "{temporary}_pkey" RENAME TO "{final}_pkey"']

    @classmethod
    def dialect(cls) -> Dialect:
        return postgresql.psycopg.dialect(paramstyle="format")  # type: ignore[no-untyped-call]

    @classmethod
    def text_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        return sa.String(column.length, collation="C")
