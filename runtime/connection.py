"""One session's connection to its DBMS: statements, transactions, proof of life.

Each backend subclasses :class:`Connection` for its driver (``runtime/backends/<dbms>.py``).
A session keeps one connection for its life, in autocommit mode, and brackets writes with
explicit ``BEGIN``/``COMMIT``, so that requests outside a unit commit one by one and units span
requests. Every statement it runs was rendered at generation time, or is one of the constant
statements below.

A statement the DBMS refuses marks the connection: the next ROLLBACK (or ROLLBACK TO SAVEPOINT)
also resets what the driver keeps between statements (:meth:`Connection.reset`; psycopg's
prepared statements, audit D2), and a connection that saw an error goes back to the pool only
once it is reset — or is discarded (``discard_after_error``) — never in the state it was left in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from assurdb.runtime.liveness import process_token

#: The one savepoint a relational WRITE BATCH sets inside a unit of work.
BATCH_SAVEPOINT = "assurdb_batch"


class Connection:
    """A DB-API connection of one session (``raw``: what goes back to the pool when it ends)."""

    name: ClassVar[str] = "?"
    #: The DBMS rolls back to a savepoint (DuckDB cannot: a failed unit is rolled back whole).
    savepoints: ClassVar[bool] = True
    begin_sql: ClassVar[str] = "BEGIN"
    #: A connection that saw a DBMS error is closed rather than given back to the pool.
    discard_after_error: ClassVar[bool] = False
    #: A statement failed since the last reset (the driver's state may be stale).
    failed: bool = False
    #: A statement failed at some point in this connection's life.
    saw_error: bool = False

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        self.raw = raw
        self.cx = dbapi_connection
        self.cur = dbapi_connection.cursor()
        self.in_tx = False

    # -- statements ------------------------------------------------------------------
    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            self.cur.execute(sql, params)
            return self.cur.fetchone()
        except Exception:
            self.failed = self.saw_error = True
            raise

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            self.cur.execute(sql, params)
            return list(self.cur.fetchall())
        except Exception:
            self.failed = self.saw_error = True
            raise

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            self.cur.execute(sql, params)
            return int(self.cur.rowcount)
        except Exception:
            self.failed = self.saw_error = True
            raise

    def run_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """``executemany``; the rows it changed in all (-1 where the driver does not count them)."""
        try:
            self.cur.executemany(sql, rows)
            return int(self.cur.rowcount)
        except Exception:
            self.failed = self.saw_error = True
            raise

    # -- transactions ----------------------------------------------------------------
    def begin(self) -> None:
        if self.failed:
            self.reset()  # an error outside a transaction (nothing to roll back) is reset here
        self.cur.execute(self.begin_sql)
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
        if self.failed:
            self.reset()

    def savepoint(self) -> None:
        self.cur.execute(f"SAVEPOINT {BATCH_SAVEPOINT}")

    def release(self) -> None:
        self.cur.execute(f"RELEASE SAVEPOINT {BATCH_SAVEPOINT}")

    def rollback_to(self) -> None:
        self.cur.execute(f"ROLLBACK TO SAVEPOINT {BATCH_SAVEPOINT}")
        if self.failed:
            self.reset()

    def reset(self) -> None:
        """After a DBMS error, once the transaction (or the savepoint) is rolled back: bring what the
        driver keeps between statements back in line with the server (nothing, by default)."""
        self.failed = False

    # -- errors and liveness -------------------------------------------------------------
    def is_integrity_error(self, exc: BaseException) -> bool:
        """Whether the DBMS refused a write for a constraint (a duplicate, a missing origin…)."""
        return type(exc).__name__ in ("IntegrityError", "ConstraintException", "UniqueViolation", "ForeignKeyViolation")

    def server_part(self, session: str) -> str:
        """The proof of life of ``session``'s openings on the server, taken on this connection for
        as long as it lives ("" where the DBMS has none)."""
        return ""

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        """Which of ``parts`` (other holders' server parts) are alive; None: no server parts here."""
        return None

    def holder(self, session: str) -> str:
        return f"{self.server_part(session)}|{process_token()}"

    def release_proof(self) -> None:
        """Give up the proof of life this connection holds (before it goes back to the pool)."""

    def close(self) -> None:
        """Give the connection back to the pool — clean: no transaction, no proof of life, no stale
        driver state — or discard it when it cannot be made clean."""
        clean = True
        try:
            if self.in_tx:
                self.rollback()
            self.release_proof()
            if self.failed:
                self.reset()
        except Exception:  # noqa: BLE001 - any DBMS or driver failure: the connection is going anyway
            clean = False
        if self.saw_error and self.discard_after_error:
            clean = False
        try:
            self.cur.close()
        finally:
            if not clean:
                with contextlib.suppress(Exception):  # closed for good, whatever state it is in
                    self.raw.invalidate()
            self.raw.close()


class Borrowed(Connection):
    """A connection whose transaction someone else holds (a migration writing the meta-database
    through requests in its own transaction): BEGIN and COMMIT are the owner's, not the session's."""

    def __init__(self, dbapi_connection: Any, name: str, *, whole_results: bool = False) -> None:
        self.raw = None
        self.cx = dbapi_connection
        self.cur = dbapi_connection if whole_results else dbapi_connection.cursor()
        self.in_tx = True
        self.name = name  # type: ignore[misc]
        self._whole = whole_results

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if not self._whole:
            return super().one(sql, params)
        rows = self.cur.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        if not self._whole:
            return super().run(sql, params)
        rows = self.cur.execute(sql, params).fetchall()
        return int(rows[0][0]) if rows and rows[0] and isinstance(rows[0][0], int) else 0

    def begin(self) -> None:
        self.in_tx = True

    def commit(self) -> None:
        """The owner commits."""

    def rollback(self) -> None:
        raise RuntimeError("the borrowed connection's transaction is its owner's to roll back")

    def close(self) -> None:
        if not self._whole:
            self.cur.close()
