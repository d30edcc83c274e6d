"""A migration's physical operations on DuckDB, in its own DDL, in one transaction.

DuckDB renames, creates and drops tables inside a transaction, but refuses most in-place column
changes there (a constraint added after rows changed in the same transaction; columns of a table
with a primary key): a table whose columns change is copied and swapped — ``_new_<table>`` with
the new layout, filled through the two versions' codecs as one Arrow table, the old one dropped,
the new one renamed. DuckDB declares primary keys only, so indexes and foreign keys are nothing
to do here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from assurdb.metadb.physical import Table
from assurdb.runtime.backends.arrow import arrow_column
from assurdb.runtime.migration_ops import (
    CreateForeignKey,
    CreateIndex,
    CreateTable,
    CreateUnique,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    MoveRows,
    Operation,
    Rebuild,
    RenameTable,
    step_delay,
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBMigrator:
    """Runs (or prints, ``out``) operations on a DuckDB cursor."""

    def __init__(self, ddl: Callable[[Table, str], str], cursor: Any, out: list[str] | None = None) -> None:
        self.ddl = ddl
        self.cursor = cursor
        self.out = out

    def execute(self, sql: str) -> None:
        if self.out is not None:
            self.out.append(sql + ";")
        else:
            self.cursor.execute(sql).fetchall()

    def run(
        self, operations: Sequence[Operation], *, start: int = 0, done: Callable[[int], None] | None = None
    ) -> None:
        pause = step_delay()
        for number, operation in enumerate(operations):
            if number >= start:
                self.apply(operation)
                if done is not None:
                    done(number + 1)
                if pause:
                    time.sleep(pause)

    def apply(self, operation: Operation) -> None:
        if isinstance(operation, CreateTable):
            self.execute(self.ddl(operation.table, operation.table.name))
        elif isinstance(operation, DropTable):
            self.execute(f"DROP TABLE {_quote(operation.table.name)}")
        elif isinstance(operation, RenameTable):
            self.execute(f"ALTER TABLE {_quote(operation.old)} RENAME TO {_quote(operation.new)}")
        elif isinstance(operation, Rebuild):
            temporary = f"_new_{operation.new.name}"
            self.execute(self.ddl(operation.new, temporary))
            self._copy(operation.old, temporary, operation.new, operation.convert, operation.why)
            self.execute(f"DROP TABLE {_quote(operation.old.name)}")
            self.execute(f"ALTER TABLE {_quote(temporary)} RENAME TO {_quote(operation.new.name)}")
        elif isinstance(operation, MoveRows):
            self._move(operation)
        elif isinstance(
            operation, CreateIndex | DropIndex | CreateUnique | DropUnique | CreateForeignKey | DropForeignKey
        ):
            return  # DuckDB declares primary keys only: the interface checks paths and 1-1 itself
        else:
            raise TypeError(f"DuckDB alters no column in place: {operation} comes as a table rebuild")

    def _rows(self, table: Table) -> list[tuple[Any, ...]]:
        columns = ", ".join(_quote(c.name) for c in table.columns)
        return [tuple(r) for r in self.cursor.execute(f"SELECT {columns} FROM {_quote(table.name)}").fetchall()]

    def _insert(self, name: str, layout: Table, rows: list[tuple[Any, ...]]) -> None:
        import pyarrow as pa

        columns = [c.name for c in layout.columns]
        arrays = {c: arrow_column([r[n] for r in rows]) for n, c in enumerate(columns)}
        self.cursor.register("assurdb_migration_rows", pa.table(arrays))
        try:
            listed = ", ".join(_quote(c) for c in columns)
            self.cursor.execute(f"INSERT INTO {_quote(name)} ({listed}) SELECT {listed} FROM assurdb_migration_rows")
        finally:
            self.cursor.unregister("assurdb_migration_rows")

    def _copy(self, old: Table, target: str, new: Table, convert: Any, why: str) -> None:
        if self.out is not None:
            self.out.append(f"-- rows of {old.name} copied into {target}, converted by `assurdb migrate apply` ({why})")
            return
        rows = convert(self._rows(old))
        if rows:
            self._insert(target, new, rows)

    def _move(self, move: MoveRows) -> None:
        if self.out is not None:
            self.out.append(f"-- rows of {move.source.name} moved into {move.target.name} ({move.why})")
            return
        rows = move.convert(self._rows(move.source))
        if not rows:
            return
        if not move.keys:
            self._insert(move.target.name, move.target, rows)
            return
        sets = ", ".join(f"{_quote(c)} = ?" for c in move.columns)
        where = " AND ".join(f"{_quote(k)} = ?" for k in move.keys)
        statement = f"UPDATE {_quote(move.target.name)} SET {sets} WHERE {where}"
        width = len(move.keys)
        self.cursor.executemany(statement, [tuple(r[width:]) + tuple(r[:width]) for r in rows])
