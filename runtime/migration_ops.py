"""The physical operations of a migration, neutral: each backend class executes them its own way
(Alembic operations on the relational DBMSs, batch mode on SQLite; DuckDB's DDL and copy-and-swap).

The operations come from the difference between two physical models (``assurdb.migrations``);
tables and columns are :class:`~assurdb.metadb.physical.Table` and ``Column`` of those models.
Data moves in Python, through the codecs of the two versions' interfaces (``Rebuild.convert``,
``Fill.compute``), so a value is converted exactly as the interfaces read and write it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assurdb.metadb.physical import Column, ForeignKey, Index, Table


def step_delay() -> float:
    """Seconds to wait after each operation: ``ASSURDB_MIGRATION_STEP_DELAY`` runs a migration in
    slow motion, to watch it (or to interrupt it, as the tests of resumed migrations do)."""
    try:
        return max(0.0, float(os.environ.get("ASSURDB_MIGRATION_STEP_DELAY", "0") or 0))
    except ValueError:
        return 0.0


#: Rows of a table, in its columns' order, to rows of another (``None`` drops a row).
Convert = Callable[[Sequence[tuple[Any, ...]]], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class CreateTable:
    table: Table

    def __str__(self) -> str:
        return f"create table {self.table.name}"


@dataclass(frozen=True)
class DropTable:
    table: Table

    def __str__(self) -> str:
        return f"drop table {self.table.name}"


@dataclass(frozen=True)
class RenameTable:
    old: str
    new: str

    def __str__(self) -> str:
        return f"rename table {self.old} to {self.new}"


@dataclass(frozen=True)
class AddColumn:
    table: str
    column: Column

    def __str__(self) -> str:
        return f"add column {self.table}.{self.column.name}"


@dataclass(frozen=True)
class DropColumn:
    table: str
    column: Column

    def __str__(self) -> str:
        return f"drop column {self.table}.{self.column.name}"


@dataclass(frozen=True)
class RenameColumn:
    table: str
    old: str
    new: str
    column: Column

    def __str__(self) -> str:
        return f"rename column {self.table}.{self.old} to {self.new}"


@dataclass(frozen=True)
class SetNullable:
    table: str
    column: Column
    nullable: bool

    def __str__(self) -> str:
        return f"{'allow' if self.nullable else 'forbid'} nulls in {self.table}.{self.column.name}"


@dataclass(frozen=True)
class SetValue:
    """Every row (``only_nulls``: every row where the column is null) gets one encoded value."""

    table: str
    column: Column
    value: Any
    only_nulls: bool = False
    shown: str = ""

    def __str__(self) -> str:
        where = " where empty" if self.only_nulls else ""
        return f"set {self.table}.{self.column.name} = {self.shown or repr(self.value)}{where}"


@dataclass(frozen=True)
class Rebuild:
    """Copy-and-swap: a new table with the new layout is filled from the old one, which goes.

    ``old`` is the table as it stands (its current name); ``new`` as it is to be; ``convert``
    turns old rows (in ``old``'s column order) into new rows (in ``new``'s).
    """

    old: Table
    new: Table
    convert: Convert = field(compare=False)
    why: str = ""

    def __str__(self) -> str:
        return f"rebuild table {self.old.name} as {self.new.name}" + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True)
class CreateIndex:
    table: str
    index: Index

    def __str__(self) -> str:
        return f"create index {self.index.name} on {self.table}"


@dataclass(frozen=True)
class DropIndex:
    table: str
    index: Index

    def __str__(self) -> str:
        return f"drop index {self.index.name}"


@dataclass(frozen=True)
class CreateForeignKey:
    table: str
    key: ForeignKey

    def __str__(self) -> str:
        return f"create foreign key {self.key.name} on {self.table}"


@dataclass(frozen=True)
class DropForeignKey:
    table: str
    key: ForeignKey

    def __str__(self) -> str:
        return f"drop foreign key {self.key.name}"


@dataclass(frozen=True)
class CreateUnique:
    table: str
    index: Index

    def __str__(self) -> str:
        return f"create unique constraint {self.index.name} on {self.table}"


@dataclass(frozen=True)
class DropUnique:
    table: str
    index: Index

    def __str__(self) -> str:
        return f"drop unique constraint {self.index.name}"


@dataclass(frozen=True)
class MoveRows:
    """Rows of one table (as they stand) become rows of another, or set columns of its rows (a
    path changing class: 1-N links held in a target's columns become a junction's rows, or back).

    ``convert`` turns source rows (in ``source``'s column order) into rows of ``target`` — whole
    rows; or, when ``keys`` is given, ``keys`` values then ``columns`` values of the rows to update.
    """

    source: Table
    target: Table
    convert: Convert = field(compare=False)
    why: str = ""
    keys: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"move rows of {self.source.name} into {self.target.name}" + (f" ({self.why})" if self.why else "")


Operation = (
    CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | SetNullable
    | SetValue
    | Rebuild
    | CreateIndex
    | DropIndex
    | CreateForeignKey
    | DropForeignKey
    | CreateUnique
    | DropUnique
    | MoveRows
)
