"""PostgreSQL (``postgresql://user@host/db``, psycopg 3).

* Alphanumeric columns are ``COLLATE "C"``: code-point order, as on every DBMS.
* Proof of life: a session-level advisory lock keyed on the holder's session, taken on its own
  connection when it first opens a record type and released when it closes; a would-be taker
  tries the lock (and lets it go at once): if it gets it, the holder's connection is gone. This
  holds whatever DBMS accounts the processes log in as — an ordinary account does not see the
  others' connections in ``pg_stat_activity`` (audit D3). Openings written by an older assurdb
  name the holder's ``pg_backend_pid()`` and ``backend_start``, tested as before.
* A connection that saw a DBMS error forgets psycopg's prepared statements (``DEALLOCATE ALL``)
  once rolled back, and is not given back to the pool (audit D2: a WRITE BATCH the DBMS refused
  could leave psycopg naming prepared statements the server did not have).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine.interfaces import Dialect

from assurdb.metadb.physical import Column
from assurdb.runtime.backends.relational import RelationalBackend
from assurdb.runtime.connection import Connection
from assurdb.runtime.errors import BackendError


class PostgreSQLConnection(Connection):
    name = "postgresql"
    discard_after_error = True

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        dbapi_connection.autocommit = True
        super().__init__(raw, dbapi_connection)
        #: the advisory lock this connection holds as its session's proof of life
        self._proof: tuple[str, int] | None = None

    def reset(self) -> None:
        # psycopg prepares a statement run often enough (and every executemany) under a name it
        # remembers; after an error its memory and the server's may differ. Forget both.
        prepared = getattr(self.cx, "_prepared", None)
        if prepared is not None:
            prepared.clear()
        self.cur.execute("DEALLOCATE ALL")
        self.failed = False

    def server_part(self, session: str) -> str:
        if self._proof is None or self._proof[0] != session:
            self.release_proof()
            key = lock_key(session)
            if not self.one("SELECT pg_try_advisory_lock(%s)", [key])[0]:
                raise BackendError(f"the proof of life of session {session} is held by another connection")
            self._proof = (session, key)
        return f"pga:{self._proof[1]}"

    def release_proof(self) -> None:
        if self._proof is not None:
            key, self._proof = self._proof[1], None
            self.one("SELECT pg_advisory_unlock(%s)", [key])

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        alive = self._locks_held({p for p in parts if p.startswith("pga:")})
        pids = sorted({int(p.split(":")[1]) for p in parts if p.startswith("pg:")})
        if pids:  # an older assurdb's holder: its server connection, if this account can see it
            rows = self.all("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            alive |= {f"pg:{pid}:{start.timestamp():.6f}" for pid, start in rows if start is not None}
        return alive & parts

    def _locks_held(self, parts: set[str]) -> set[str]:
        """The parts whose advisory lock another connection holds: try each; one taken was free (its
        holder is dead) and is let go at once."""
        if not parts:
            return set()
        keys = sorted({int(p.split(":")[1]) for p in parts})
        rows = self.all("SELECT k, pg_try_advisory_lock(k) FROM unnest(%s::BIGINT[]) AS t(k)", [keys])
        free = [int(k) for k, taken in rows if taken]
        if free:
            self.all("SELECT pg_advisory_unlock(k) FROM unnest(%s::BIGINT[]) AS t(k)", [free])
        return {f"pga:{k}" for k in keys} - {f"pga:{k}" for k in free}


def lock_key(session: str) -> int:
    """The advisory lock key of a session: 63 bits of a hash of its id (a non-negative BIGINT)."""
    return int.from_bytes(hashlib.blake2b(session.encode(), digest_size=8).digest(), "big") >> 1


class PostgreSQLBackend(RelationalBackend):
    name = "postgresql"
    label = "PostgreSQL"
    schemes: ClassVar[Mapping[str, str]] = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}
    update_alike: ClassVar[bool] = False  # psycopg pipelines executemany (RelationalBackend.update_alike)
    connection_class = PostgreSQLConnection

    @classmethod
    def failure_reason(cls, exc: BaseException) -> str:
        # libpq's connection errors carry no SQLSTATE: its messages are all there is to tell them apart
        text = str(exc)
        if re.search(r'database ".*" does not exist', text):
            return "database"
        if re.search(r'role ".*" does not exist|password authentication failed|no password supplied|'
                     r"authentication failed|pg_hba.conf", text):  # fmt: skip
            return "login"
        if re.search(r"Connection refused|failed to resolve host|timeout expired|No route to host|"
                     r"could not translate host name|No such file or directory", text):  # fmt: skip
            return "server"
        return "other"

    @classmethod
    def failure_detail(cls, exc: BaseException) -> str:
        # "connection failed: connection to server at "h", port p failed: FATAL:  database "x" does not exist"
        text = str(exc).split(" failed: ")[-1]
        return text.removeprefix("FATAL:").strip()

    @classmethod
    def missing_database_advice(cls, url: str) -> str:
        name = sa.engine.make_url(url).database
        return f'create it first (createdb {name}, or in psql: CREATE DATABASE "{name}"), then run assurdb init'

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
