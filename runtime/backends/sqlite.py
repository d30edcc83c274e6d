"""SQLite: the embedded default (``sqlite:///path/to/file.db``).

* No decimal type: a decimal is stored as a scaled 64-bit integer (``123.45`` at scale 2 is
  ``12345``), never a float, so it stays exact and sorts and sums right; dates are ISO text
  (which sorts as dates do); booleans 0/1.
* One writer per file, and ``BEGIN IMMEDIATE`` would lock every attached file too. So the
  openings live in a file of their own, ``<db>-openings``, attached to every connection as schema
  ``openings``; a unit of work takes the data file's write lock at BEGIN by a write that changes
  nothing, on that file only. OPEN DB therefore answers at once (0 or 600+i) while another
  process is inside a unit, instead of waiting for it. The openings are transient: a lost
  openings file only loses dead openings.
* Proof of life: host, pid and process start time (no server connection).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.interfaces import Dialect

from assurdb.metadb.model import Item
from assurdb.metadb.physical import Column, PhysicalModel, table_name
from assurdb.runtime.backends.base import file_advice
from assurdb.runtime.backends.relational import RelationalBackend
from assurdb.runtime.connection import Connection
from assurdb.runtime.errors import BackendError
from assurdb.runtime.specs import Stmt

#: Schema name of the attached openings file.
OPENINGS_SCHEMA = "openings"


class SQLiteConnection(Connection):
    name = "sqlite"

    def __init__(self, raw: Any, dbapi_connection: Any, locks: Mapping[str, Stmt]) -> None:
        """``locks``: statements that take one file's write lock without changing it (generated)."""
        dbapi_connection.isolation_level = None  # we bracket transactions ourselves
        super().__init__(raw, dbapi_connection)
        self._lock_data = locks["lock_data"].sql
        self._lock_openings = locks["lock_openings"].sql

    def begin(self) -> None:
        self.cur.execute("BEGIN")
        self.in_tx = True
        self.cur.execute(self._lock_data)

    def begin_openings(self) -> None:
        self.cur.execute("BEGIN")
        self.in_tx = True
        self.cur.execute(self._lock_openings)


class SQLiteBackend(RelationalBackend):
    name = "sqlite"
    label = "SQLite"
    schemes: ClassVar[Mapping[str, str]] = {"sqlite": "sqlite"}
    locks_rows = False  # BEGIN + the openings file's write lock serialise OPEN DB

    # -- generation time -------------------------------------------------------------------
    @classmethod
    def dialect(cls) -> Dialect:
        return sqlite.dialect(paramstyle="qmark")

    @classmethod
    def decimal_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger()  # a scaled integer (the codecs scale it)

    @classmethod
    def create_statements(cls, model: PhysicalModel) -> tuple[list[str], list[str]]:
        """The data file's DDL, and the openings table's, created in the attached openings file."""
        statements, _ = super().create_statements(model)
        opening = table_name("Opening")
        mine = [s for s in statements if f" {opening} " in f"{s} "]
        side = []
        for statement in mine:
            if statement.startswith(f"CREATE TABLE {opening} "):
                side.append(
                    statement.replace(
                        f"CREATE TABLE {opening} ", f"CREATE TABLE IF NOT EXISTS {OPENINGS_SCHEMA}.{opening} ", 1
                    )
                )
            elif statement.startswith("CREATE INDEX "):
                side.append(statement.replace("CREATE INDEX ", f"CREATE INDEX IF NOT EXISTS {OPENINGS_SCHEMA}.", 1))
            else:
                raise ValueError(f"unexpected statement on the openings table: {statement}")
        return [s for s in statements if s not in mine], side

    @classmethod
    def opening_extras(cls, tables: Mapping[str, sa.Table], render: Any) -> dict[str, Stmt]:
        """Write locks on one file each: a no-op UPDATE of a meta table in it."""
        data = tables[table_name("SchemaVersion")]
        openings = tables[table_name("Opening")]
        return {
            "lock_data": render(sa.update(data).values(name=data.c.name).where(sa.false())),
            "lock_openings": render(sa.update(openings).values(mode=openings.c.mode).where(sa.false())),
        }

    @classmethod
    def encode_expr(cls, item: Item, expr: str) -> str:
        if item.type == "decimal":
            return f"_d2i({expr}, {item.scale})"
        if item.type == "date":
            return f"_iso({expr})"
        return expr

    @classmethod
    def decode_expr(cls, item: Item, expr: str) -> str:
        if item.type == "decimal":
            return f"_i2d({expr}, {item.scale})"
        if item.type == "date":
            return f"_date({expr})"
        if item.type == "boolean":
            return f"_bool({expr})"
        return expr

    @classmethod
    def encode_column_expr(cls, item: Item, expr: str) -> str:
        # a batch's dates repeat (a journal's writing and booking dates): each distinct one written once
        if item.type == "date":
            return f"_iso_column({expr})"
        return super().encode_column_expr(item, expr)

    @classmethod
    def decode_column_expr(cls, item: Item, expr: str) -> str:
        # a whole column at once: each distinct scaled integer made a Decimal once, the ISO texts
        # parsed by Arrow straight into the frame's datetime64 (date.fromisoformat costs ~0.4 µs each)
        if item.type == "decimal":
            return f"_i2d_column({expr}, {item.scale})"
        if item.type == "date":
            return f"_dates_in({expr})"
        return super().decode_column_expr(item, expr)

    @classmethod
    def value_converter(cls, item: Item) -> str | None:
        if item.type == "decimal":
            return f"partial(_d2i, scale={item.scale})"
        if item.type == "date":
            return "_iso"
        return None

    # -- run time ------------------------------------------------------------------------------
    @classmethod
    def database_file(cls, url: str) -> str:
        path = sa.engine.make_url(url).database
        if not path or path == ":memory:":
            raise BackendError("SQLite needs a database file (sqlite:///path/to/file.db): sessions share it")
        return path

    def engine_options(self, url: str) -> dict[str, Any]:
        self.path = self.database_file(url)
        return {"connect_args": {"timeout": 60, "check_same_thread": False}}

    def prepare_engine(self) -> None:
        side = f"{self.path}-openings"
        ddl = list(self.compiled.side_ddl)
        sa.event.listen(self.engine, "connect", lambda cx, _record: _on_connect(cx, side, ddl))

    def begin_migration(self, cx: sa.Connection) -> None:
        # Foreign keys off (a table is swapped under the keys that name it), and one explicit
        # transaction: the sqlite3 module would otherwise commit before each DDL statement.
        raw = cx.connection.driver_connection
        assert raw is not None
        raw.isolation_level = None
        cx.exec_driver_sql("PRAGMA foreign_keys=OFF")
        cx.exec_driver_sql("BEGIN")

    def end_migration(self, cx: sa.Connection) -> None:
        broken = cx.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise BackendError(f"the migration would leave links to missing articles: {broken[:5]}")
        cx.exec_driver_sql("COMMIT")
        cx.exec_driver_sql("PRAGMA foreign_keys=ON")
        cx.commit()

    def abort_migration(self, cx: sa.Connection) -> None:
        with contextlib.suppress(Exception):
            cx.exec_driver_sql("ROLLBACK")
        cx.exec_driver_sql("PRAGMA foreign_keys=ON")
        cx.rollback()

    @classmethod
    def failure_reason(cls, exc: BaseException) -> str:
        text = str(exc)
        return "database" if "unable to open database file" in text or "not a database" in text else "other"

    @classmethod
    def missing_database_advice(cls, url: str) -> str:
        path = cls.database_file(url)
        if os.path.isfile(path):
            return f"{path} is not a SQLite database file: name another file (a new one for assurdb init)"
        return file_advice(path)

    def connect(self) -> Connection:
        raw = self.raw_connection()
        return SQLiteConnection(raw, raw.driver_connection, self.compiled.openings)


def _on_connect(dbapi_connection: Any, side: str, ddl: list[str]) -> None:
    """Every SQLite connection: foreign keys on, WAL, and the openings file attached (its table
    created if the file is new)."""
    isolation = dbapi_connection.isolation_level
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"ATTACH DATABASE ? AS {OPENINGS_SCHEMA}", (side,))
    cur.execute(f"PRAGMA {OPENINGS_SCHEMA}.journal_mode=WAL")
    cur.execute(f"PRAGMA {OPENINGS_SCHEMA}.synchronous=NORMAL")
    for statement in ddl:
        cur.execute(statement)
    cur.close()
    dbapi_connection.isolation_level = isolation
