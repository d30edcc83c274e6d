"""A migration's physical operations on a relational DBMS, as Alembic operations.

The same operations run online (on a connection, in one transaction where the DBMS's DDL is
transactional: SQLite, PostgreSQL), print as SQL (``assurdb migrate apply --sql``, Alembic's
offline mode), or render as the body of an Alembic revision (``assurdb migrate script``).
SQLite alters most things by recreating the table (Alembic's batch mode). Data moves in Python
through the two versions' codecs (:class:`~assurdb.runtime.migration_ops.Rebuild`), which an
offline script can only name.

On MariaDB, whose DDL commits by itself, every operation first looks whether it is already done
(the database's own catalogue), so a migration killed half-way is finished by running it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from assurdb.metadb.physical import Table
from assurdb.runtime.migration_ops import (
    AddColumn,
    CreateForeignKey,
    CreateIndex,
    CreateTable,
    CreateUnique,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    MoveRows,
    Operation,
    Rebuild,
    RenameColumn,
    RenameTable,
    SetNullable,
    SetValue,
    step_delay,
)

if TYPE_CHECKING:
    from assurdb.runtime.backends.relational import RelationalBackend

#: Rows copied per statement when a table is rebuilt.
CHUNK = 5_000


def typed(value: Any) -> Any:
    """A value as a literal of its Python type (an offline script renders it)."""
    kinds = (
        (bool, sa.Boolean()),
        (int, sa.BigInteger()),
        (Decimal, sa.Numeric()),
        (date, sa.Date()),
        (str, sa.String()),
    )
    for python, kind in kinds:
        if isinstance(value, python):
            return sa.literal(value, type_=kind)
    return sa.literal(value)


class AlembicMigrator:
    """Runs (or prints) operations through Alembic on one connection of a relational backend."""

    def __init__(self, backend: type[RelationalBackend], connection: sa.Connection | None, **offline: Any) -> None:
        self.backend = backend
        self.online = connection is not None
        if connection is not None:
            self.context = MigrationContext.configure(connection)
        else:
            # a script is run as it is printed: values written in it, not bound
            opts = {"literal_binds": True, **offline}
            self.context = MigrationContext.configure(dialect_name=opts.pop("dialect"), opts=opts)
        self.op = Operations(self.context)
        self.connection = connection
        # SQLite alters a table by recreating it (Alembic's batch mode), which reads the live table:
        # printed offline, the statements SQLite runs as they are, and a note for the others
        self.batch = backend.name == "sqlite" and connection is not None
        self.recreates = backend.name == "sqlite"
        self.inline_fks = backend.name == "sqlite"
        self.guarded = backend.name == "mariadb" and connection is not None
        self.created: set[str] = set()
        self.md = sa.MetaData()

    # -- shapes -------------------------------------------------------------------------------------
    def _columns(self, table: Table) -> list[sa.Column[Any]]:
        return [
            sa.Column(
                c.name,
                self.backend.column_type(c),
                primary_key=c.name in table.primary_key,
                nullable=c.nullable and c.name not in table.primary_key,
                autoincrement=False,
            )
            for c in table.columns
        ]

    def _constraints(self, table: Table) -> list[Any]:
        if not self.inline_fks:
            return []
        return [
            sa.ForeignKeyConstraint(list(fk.columns), [f"{fk.ref_table}.{c}" for c in fk.ref_columns], name=fk.name)
            for fk in table.foreign_keys
        ]

    def _light(self, name: str, columns: Sequence[str]) -> sa.TableClause:
        """A table for data statements: untyped columns, values bound as the codecs encoded them."""
        return sa.table(name, *[sa.column(c) for c in columns])

    def note(self, text: str) -> None:
        """A comment in the printed script (offline only)."""
        if not self.online:
            self.context.impl.static_output(f"-- {text}")

    # -- the catalogue (MariaDB reruns) ----------------------------------------------------------
    def _inspect(self) -> sa.Inspector:
        assert self.connection is not None
        return sa.inspect(self.connection)

    def _has_table(self, name: str) -> bool:
        return self.guarded and self._inspect().has_table(name)

    def _columns_of(self, table: str) -> set[str]:
        if not self.guarded:
            return set()
        inspector = self._inspect()
        return {c["name"] for c in inspector.get_columns(table)} if inspector.has_table(table) else set()

    def _indexes_of(self, table: str) -> set[str]:
        inspector = self._inspect()
        return {str(i["name"]) for i in inspector.get_indexes(table)} if inspector.has_table(table) else set()

    def _fks_of(self, table: str) -> set[str]:
        inspector = self._inspect()
        return {str(f["name"]) for f in inspector.get_foreign_keys(table)} if inspector.has_table(table) else set()

    @contextmanager
    def _alter(self, table: str) -> Iterator[Any]:
        if self.batch:
            with self.op.batch_alter_table(table, recreate="auto") as batch:
                yield batch
        else:
            yield self.op

    # -- operations ------------------------------------------------------------------------------
    def run(
        self, operations: Sequence[Operation], *, start: int = 0, done: Callable[[int], None] | None = None
    ) -> None:
        """Operations in order from ``start``; ``done(i)`` after each (a journal's step)."""
        pause = step_delay()
        for number, operation in enumerate(operations):
            if number < start:
                continue
            self.apply(operation)
            if done is not None:
                done(number + 1)
            if pause:
                time.sleep(pause)

    def apply(self, operation: Operation) -> None:
        op = self.op
        if isinstance(operation, CreateTable):
            table = operation.table
            if self._has_table(table.name):
                return
            op.create_table(
                table.name, *self._columns(table), *self._constraints(table), **self.backend.table_options()
            )
            self.created.add(table.name)
        elif isinstance(operation, DropTable):
            if self.guarded and not self._has_table(operation.table.name):
                return
            op.drop_table(operation.table.name)
        elif isinstance(operation, RenameTable):
            if self.guarded and self._has_table(operation.new) and not self._has_table(operation.old):
                return
            op.rename_table(operation.old, operation.new)
        elif isinstance(operation, AddColumn):
            if operation.column.name in self._columns_of(operation.table):
                return
            column = sa.Column(operation.column.name, self.backend.column_type(operation.column), nullable=True)
            op.add_column(operation.table, column)
        elif isinstance(operation, DropColumn):
            if self.guarded and operation.column.name not in self._columns_of(operation.table):
                return
            with self._alter(operation.table) as alter:
                alter.drop_column(operation.column.name) if self.batch else alter.drop_column(
                    operation.table, operation.column.name
                )
        elif isinstance(operation, RenameColumn):
            if self.guarded and operation.new in self._columns_of(operation.table):
                return
            kind = self.backend.column_type(operation.column)
            op.alter_column(
                operation.table,
                operation.old,
                new_column_name=operation.new,
                existing_type=kind,
                existing_nullable=operation.column.nullable,
            )
        elif isinstance(operation, SetNullable):
            if self.recreates and not self.batch:
                self.note(f"{operation}: SQLite recreates table {operation.table} (batch mode, when applied)")
                return
            kind = self.backend.column_type(operation.column)
            with self._alter(operation.table) as alter:
                if self.batch:
                    alter.alter_column(operation.column.name, nullable=operation.nullable, existing_type=kind)
                else:
                    alter.alter_column(
                        operation.table, operation.column.name, nullable=operation.nullable, existing_type=kind
                    )
        elif isinstance(operation, SetValue):
            light = self._light(operation.table, [operation.column.name])
            update = sa.update(light).values({operation.column.name: typed(operation.value)})
            if operation.only_nulls:
                update = update.where(light.c[operation.column.name].is_(None))
            op.execute(update)
        elif isinstance(operation, Rebuild):
            self._rebuild(operation)
        elif isinstance(operation, MoveRows):
            self._move(operation)
        elif isinstance(operation, CreateIndex | CreateUnique):
            index = operation.index
            if self.guarded and index.name in self._indexes_of(operation.table):
                return
            op.create_index(index.name, operation.table, list(index.columns), unique=index.unique)
        elif isinstance(operation, DropIndex | DropUnique):
            if self.guarded and operation.index.name not in self._indexes_of(operation.table):
                return
            op.drop_index(operation.index.name, table_name=operation.table)
        elif isinstance(operation, CreateForeignKey):
            key = operation.key
            if self.inline_fks and operation.table in self.created:
                return  # created with its table
            if self.guarded and key.name in self._fks_of(operation.table):
                return
            if self.recreates and not self.batch:
                self.note(f"{operation}: SQLite recreates table {operation.table} (batch mode, when applied)")
                return
            with self._alter(operation.table) as alter:
                args = (key.name, key.ref_table, list(key.columns), list(key.ref_columns))
                alter.create_foreign_key(*args) if self.batch else alter.create_foreign_key(
                    key.name, operation.table, key.ref_table, list(key.columns), list(key.ref_columns)
                )
        elif isinstance(operation, DropForeignKey):
            if self.inline_fks:
                return  # SQLite: a key goes with its table or column (batch mode recreates them)
            if self.guarded and operation.key.name not in self._fks_of(operation.table):
                return
            op.drop_constraint(operation.key.name, operation.table, type_="foreignkey")
        else:  # pragma: no cover - every operation is handled above
            raise TypeError(f"unknown operation {operation!r}")

    def _rebuild(self, rebuild: Rebuild) -> None:
        """Copy-and-swap: ``_new_<table>`` filled from the old table through the codecs."""
        new, old = rebuild.new, rebuild.old
        temporary = f"_new_{new.name}"[:60]
        if self.guarded:
            if not self._has_table(old.name) and self._has_table(new.name):
                return  # done before the rerun
            if self._has_table(temporary):
                self.op.drop_table(temporary)
        self.op.create_table(temporary, *self._columns(new), *self._constraints(new), **self.backend.table_options())
        if self.online:
            self._copy(old, temporary, [c.name for c in new.columns], rebuild.convert)
        else:
            self.note(
                f"rows of {old.name} copied into {temporary}, converted by `assurdb migrate apply` ({rebuild.why})"
            )
        self.op.drop_table(old.name)
        self.op.rename_table(temporary, new.name)
        for statement in self.backend.after_rebuild(temporary, new.name):
            self.op.execute(statement)
        self.created.add(new.name)

    def _copy(self, old: Table, target: str, columns: list[str], convert: Any) -> None:
        assert self.connection is not None
        source = self._light(old.name, [c.name for c in old.columns])
        rows = self.connection.execute(sa.select(*source.c)).fetchall()
        insert = sa.insert(self._light(target, columns))
        for start in range(0, len(rows), CHUNK):
            converted = convert([tuple(r) for r in rows[start : start + CHUNK]])
            if converted:
                self.connection.execute(insert, [dict(zip(columns, r, strict=True)) for r in converted])

    def _move(self, move: MoveRows) -> None:
        if not self.online:
            self.note(
                f"rows of {move.source.name} moved into {move.target.name} by `assurdb migrate apply` ({move.why})"
            )
            return
        assert self.connection is not None
        source = self._light(move.source.name, [c.name for c in move.source.columns])
        rows = [tuple(r) for r in self.connection.execute(sa.select(*source.c)).fetchall()]
        converted = move.convert(rows)
        if not converted:
            return
        if move.keys:
            target = self._light(move.target.name, [*move.keys, *move.columns])
            update = sa.update(target).where(*[target.c[k] == sa.bindparam(f"k_{k}") for k in move.keys])
            update = update.values({c: sa.bindparam(f"v_{c}") for c in move.columns})
            names = [f"k_{k}" for k in move.keys] + [f"v_{c}" for c in move.columns]
            self.connection.execute(update, [dict(zip(names, r, strict=True)) for r in converted])
            return
        columns = [c.name for c in move.target.columns]
        if self.guarded:
            self.connection.execute(sa.delete(self._light(move.target.name, columns)))
        self.connection.execute(
            sa.insert(self._light(move.target.name, columns)), [dict(zip(columns, r, strict=True)) for r in converted]
        )
