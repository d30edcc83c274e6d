"""DB-API drivers behind the generated interfaces: transactions, errors and proof of life.

Relational sessions run their pre-compiled statements on the pooled DB-API connection of a
SQLAlchemy engine (SPEC §4): no ORM, no per-call compilation. Each session keeps one
connection for its life, in autocommit mode, and brackets writes with explicit
``BEGIN``/``COMMIT`` so that requests outside a unit commit one by one and units span requests.

*Proof of life* (SPEC §3.3): an opening records who holds it, in a form another process can
test without heartbeats — the server connection on PostgreSQL (``pg_backend_pid()`` and
``backend_start``) and MariaDB (``CONNECTION_ID()``), host + pid + process start time on
SQLite and DuckDB — plus the holding session's id, checked against this process's registry
of live sessions when the holder is this very process (a pooled connection outlives a session).
"""

from __future__ import annotations

import os
import socket
import sqlite3

#: The sessions alive in this process, by id (weak: a dropped session is dead).
import weakref
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

LIVE_SESSIONS: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()


def _process_start(pid: int) -> str | None:
    """The start time of a process (clock ticks since boot, Linux ``/proc``), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


HOST = socket.gethostname()


def process_token() -> str:
    """``host:pid:start`` of this process (computed each time: a fork has a new pid)."""
    pid = os.getpid()
    return f"{HOST}:{pid}:{_process_start(pid) or '?'}"


def process_alive(token: str) -> bool:
    """Whether the process named by ``host:pid:start`` still runs (other hosts: assumed alive)."""
    try:
        host, pid_text, start = token.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != HOST:
        return True  # cannot see another host's processes: never reclaim what may be alive
    if start == "?":
        return _pid_alive(pid)
    return _process_start(pid) == start


def holder_alive(holder: str, session: str, servers_alive: set[str] | None) -> bool:
    """Whether the session that wrote an opening with ``holder`` is alive.

    ``holder`` is ``<server part>|<process token>``; ``servers_alive`` is the set of server
    parts the driver found alive (None when the driver has no server connections).
    """
    server, _, token = holder.partition("|")
    if servers_alive is not None and server not in servers_alive:
        return False
    if token == process_token():
        return session in LIVE_SESSIONS
    return process_alive(token)


class Driver:
    """One session's connection: statement execution, transactions, liveness."""

    name: ClassVar[str] = "?"
    #: Whether the DBMS rolls back to a savepoint (DuckDB cannot: SPEC §3.1).
    savepoints: ClassVar[bool] = True

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        self.raw = raw  # what to close / return to the pool
        self.cx = dbapi_connection
        self.cur = dbapi_connection.cursor()
        self.in_tx = False

    # -- statements ------------------------------------------------------------------
    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.cur.execute(sql, params)
        return self.cur.fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self.cur.execute(sql, params)
        return list(self.cur.fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(sql, params)
        return int(self.cur.rowcount)

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.cur.executemany(sql, rows)

    # -- transactions ----------------------------------------------------------------
    def begin(self) -> None:
        self.cur.execute("BEGIN")
        self.in_tx = True

    def begin_openings(self) -> None:
        """The transaction of an OPEN DB / CLOSE (SQLite: on the openings file only)."""
        self.begin()

    def commit(self) -> None:
        self.cur.execute("COMMIT")
        self.in_tx = False

    def rollback(self) -> None:
        self.in_tx = False
        self.cur.execute("ROLLBACK")

    def savepoint(self, name: str) -> None:
        self.cur.execute(f"SAVEPOINT {name}")

    def release(self, name: str) -> None:
        self.cur.execute(f"RELEASE SAVEPOINT {name}")

    def rollback_to(self, name: str) -> None:
        self.cur.execute(f"ROLLBACK TO SAVEPOINT {name}")

    # -- errors and liveness -------------------------------------------------------------
    def is_integrity_error(self, exc: BaseException) -> bool:
        return type(exc).__name__ in (
            "IntegrityError",
            "ConstraintException",
            "UniqueViolation",
            "ForeignKeyViolation",
        )

    def server_part(self) -> str:
        return ""

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        return None

    def holder(self) -> str:
        return f"{self.server_part()}|{process_token()}"

    def close(self) -> None:
        try:
            if self.in_tx:
                self.rollback()
        except Exception:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            pass
        try:
            self.cur.close()
        finally:
            self.raw.close()


class SQLiteDriver(Driver):
    name = "sqlite"

    def __init__(self, raw: Any, dbapi_connection: sqlite3.Connection) -> None:
        dbapi_connection.isolation_level = None  # we bracket transactions ourselves
        super().__init__(raw, dbapi_connection)

    # SQLite has one writer per file. The data's write lock is taken when a unit begins (what
    # BEGIN IMMEDIATE does, so a unit never fails later on SQLITE_BUSY when it first writes:
    # SPEC §4); but BEGIN IMMEDIATE would lock every attached file too, and the openings live in
    # a file of their own (schema "openings") precisely so that OPEN DB never waits for another
    # process's unit. So: BEGIN, then a write that changes nothing, on the one file to lock.
    _LOCK_MAIN = "UPDATE main.meta_schema_version SET name = name WHERE 0"
    _LOCK_OPENINGS = "UPDATE openings.meta_opening SET mode = mode WHERE 0"

    def begin(self) -> None:
        self.cur.execute("BEGIN")
        self.in_tx = True
        self.cur.execute(self._LOCK_MAIN)

    def begin_openings(self) -> None:
        self.cur.execute("BEGIN")
        self.in_tx = True
        self.cur.execute(self._LOCK_OPENINGS)


class PostgreSQLDriver(Driver):
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


class MariaDBDriver(Driver):
    name = "mariadb"
    #: The server's boot time moves by a second between readings (now − uptime).
    BOOT_TOLERANCE = 2

    _BOOT = (
        "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'"
    )

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        dbapi_connection.autocommit(True)
        super().__init__(raw, dbapi_connection)
        connection_id = self.one("SELECT CONNECTION_ID()")[0]
        # A connection id is reused after a server restart: the boot time tells the two apart.
        self._server = f"my:{connection_id}:{int(self.one(self._BOOT)[0])}"

    def begin(self) -> None:
        self.cur.execute("START TRANSACTION")
        self.in_tx = True

    def server_part(self) -> str:
        return self._server

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        candidates = [p for p in parts if p.startswith("my:")]
        if not candidates:
            return set()
        boot = int(self.one(self._BOOT)[0])
        ids = sorted({int(p.split(":")[1]) for p in candidates})
        placeholders = ", ".join(["%s"] * len(ids))
        rows = self.all(f"SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN ({placeholders})", ids)
        running = {int(r[0]) for r in rows}
        return {
            p
            for p in candidates
            if int(p.split(":")[1]) in running and abs(int(p.split(":")[2]) - boot) <= self.BOOT_TOLERANCE
        }


class DuckDBDriver(Driver):
    """A DuckDB cursor: a connection of its own to the process's database instance."""

    name = "duckdb"
    savepoints = False

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        self.raw = raw
        self.cx = dbapi_connection
        self.cur = dbapi_connection
        self.in_tx = False

    def begin(self) -> None:
        self.cur.execute("BEGIN TRANSACTION")
        self.in_tx = True

    # DuckDB refuses new work on a connection whose last result was not read to its end:
    # every statement's result is consumed whole.
    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.cur.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        rows = self.cur.execute(sql, params).fetchall()
        return int(rows[0][0]) if rows and rows[0] and isinstance(rows[0][0], int) else 0

    def close(self) -> None:
        try:
            if self.in_tx:
                self.rollback()
        except Exception:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            pass
        self.cx.close()


DRIVERS: dict[str, type[Driver]] = {
    "sqlite": SQLiteDriver,
    "postgresql": PostgreSQLDriver,
    "mariadb": MariaDBDriver,
    "duckdb": DuckDBDriver,
}
