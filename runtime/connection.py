"""One session's connection to its DBMS: statements, transactions, proof of life.

Each backend subclasses :class:`Connection` for its driver (``runtime/backends/<dbms>.py``).
A session keeps one connection for its life, in autocommit mode, and brackets writes with
explicit ``BEGIN``/``COMMIT``, so that requests outside a unit commit one by one and units span
requests. Every statement it runs was rendered at generation time, or is one of the constant
statements below.
"""

from __future__ import annotations

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

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        self.raw = raw
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

    def savepoint(self) -> None:
        self.cur.execute(f"SAVEPOINT {BATCH_SAVEPOINT}")

    def release(self) -> None:
        self.cur.execute(f"RELEASE SAVEPOINT {BATCH_SAVEPOINT}")

    def rollback_to(self) -> None:
        self.cur.execute(f"ROLLBACK TO SAVEPOINT {BATCH_SAVEPOINT}")

    # -- errors and liveness -------------------------------------------------------------
    def is_integrity_error(self, exc: BaseException) -> bool:
        """Whether the DBMS refused a write for a constraint (a duplicate, a missing origin…)."""
        return type(exc).__name__ in ("IntegrityError", "ConstraintException", "UniqueViolation", "ForeignKeyViolation")

    def server_part(self) -> str:
        """This connection's proof of life on the server ("" where the DBMS has none)."""
        return ""

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        """Which of ``parts`` (other holders' server parts) are alive; None: no server parts here."""
        return None

    def holder(self) -> str:
        return f"{self.server_part()}|{process_token()}"

    def close(self) -> None:
        try:
            if self.in_tx:
                self.rollback()
        except Exception:  # noqa: BLE001 - any DBMS or driver failure: the connection is going anyway
            pass
        try:
            self.cur.close()
        finally:
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
