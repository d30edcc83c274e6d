"""Schema transformations (thesis VI.3–VI.4): the MAG schema → a neutral physical model.

Two families:

* ``relational`` (SQLite, PostgreSQL, MariaDB): a 1-N path stores the origin's identifier in
  items of the target; an N-N path becomes a junction table with two N-1 links; 1-1 is 1-N with
  a uniqueness rule; a repetitive item of maximum *n* becomes *n* numbered columns (thesis
  VI.4.1); a decomposable item becomes prefixed columns.
* ``columnar`` (DuckDB): the same, but a repetitive item is a LIST column and a decomposable
  item a STRUCT column.

In both, the existence constraints (the thesis' ``*``) are listed for the interface to check,
since no DBMS here can check "every origin has at least one target" at commit. Turning this
model into SQLAlchemy ``MetaData`` or DuckDB DDL is the generator's job (``generator/``), so
importing ``metadb`` never imports a DBMS library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assurdb.metadb.loader import snake
from assurdb.metadb.meta import META_RECORD_TYPES
from assurdb.metadb.model import Item, ItemType, PathType, RecordType, Schema

Family = Literal["relational", "columnar"]
ColumnKind = Literal["scalar", "list", "struct"]


@dataclass(frozen=True)
class Column:
    """A physical column: which item (and sub-item or occurrence) it holds, and its shape.

    ``kind`` is ``scalar`` for one value, ``list`` for a columnar repetitive item and
    ``struct`` for a columnar decomposable item (``fields`` then lists its sub-columns).
    """

    name: str
    item: str
    type: ItemType | None
    length: int | None = None
    scale: int = 0
    nullable: bool = True
    sub: str | None = None
    occurrence: int | None = None
    kind: ColumnKind = "scalar"
    fields: tuple[Column, ...] = ()
    key: bool = False


@dataclass(frozen=True)
class Index:
    """An index: an access key (key items then identifier, for keyset order) or a path's walk."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    key: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    """A link stored in a table: its columns reference the origin table's primary key."""

    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class Table:
    """A table for a record type, or a junction table for an N-N path type."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    uniques: tuple[Index, ...] = ()
    record_type: str | None = None
    path_type: str | None = None

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True)
class ExistenceConstraint:
    """One side of a path the interface checks when a unit ends: the thesis' ``*``.

    ``side == "target"``: every article of ``record_type`` (the target) needs an origin (901);
    ``side == "origin"``: every article of ``record_type`` (the origin) needs a target (900).
    """

    path: str
    side: Literal["origin", "target"]
    record_type: str
    code: int


@dataclass(frozen=True)
class PhysicalModel:
    family: Family
    schema: str
    tables: tuple[Table, ...]
    existence: tuple[ExistenceConstraint, ...]
    #: 1-1 paths: an origin has at most one target (checked by the interface, backed by a unique index).
    one_to_one: tuple[str, ...]

    def table_of(self, rt: str) -> Table:
        for table in self.tables:
            if table.record_type == rt:
                return table
        raise KeyError(rt)

    def junction_of(self, path: str) -> Table:
        for table in self.tables:
            if table.path_type == path:
                return table
        raise KeyError(path)


def table_name(rt: str) -> str:
    """Physical table of a record type: snake case, ``meta_`` for the meta-schema's."""
    return f"meta_{snake(rt)}" if rt in META_RECORD_TYPES else snake(rt)


def junction_name(path: str) -> str:
    return snake(path)


def junction_columns(origin: RecordType, target: RecordType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Columns of an N-N junction holding the origin's and the target's identifiers."""
    return (
        tuple(f"origin_{i}" for i in origin.identifier_items),
        tuple(f"target_{i}" for i in target.identifier_items),
    )


def item_columns(item: Item, family: Family, *, key_items: frozenset[str] = frozenset()) -> list[Column]:
    """The columns holding ``item`` in ``family``."""
    key = item.name in key_items
    if item.decomposable:
        subs = [
            Column(
                name=f"{item.name}_{sub.name}",
                item=item.name,
                sub=sub.name,
                type=sub.type,
                length=sub.length,
                scale=sub.scale,
                nullable=True,
            )
            for sub in item.sub_items
        ]
        if family == "relational":
            return subs
        fields = tuple(
            Column(name=s.sub or s.name, item=item.name, sub=s.sub, type=s.type, length=s.length, scale=s.scale)
            for s in subs
        )
        return [Column(name=item.name, item=item.name, type=None, kind="struct", fields=fields)]
    if item.repetitive:
        if family == "relational":
            return [
                Column(
                    name=f"{item.name}_{n}",
                    item=item.name,
                    occurrence=n,
                    type=item.type,
                    length=item.length,
                    scale=item.scale,
                )
                for n in range(1, item.repetitive + 1)
            ]
        return [
            Column(
                name=item.name,
                item=item.name,
                type=item.type,
                length=item.length,
                scale=item.scale,
                kind="list",
            )
        ]
    return [
        Column(
            name=item.name,
            item=item.name,
            type=item.type,
            length=item.length,
            scale=item.scale,
            nullable=not item.mandatory,
            key=key,
        )
    ]


def _record_table(schema: Schema, rt: RecordType, family: Family) -> Table:
    name = table_name(rt.name)
    key_items = frozenset(i for k in rt.keys for i in k.items)
    columns: list[Column] = []
    for item in rt.items:
        columns.extend(item_columns(item, family, key_items=key_items))
    ident = rt.identifier_items
    indexes: list[Index] = []
    for key in rt.keys:
        if key.identifying:
            continue
        # Keyset order is (key items, identifier): the index covers both.
        cols = key.items + tuple(i for i in ident if i not in key.items)
        indexes.append(Index(name=f"ix_{name}_{key.name}", columns=cols, key=key.name))
    foreign_keys: list[ForeignKey] = []
    uniques: list[Index] = []
    for path in schema.paths_to(rt.name):
        if path.many_to_many:
            continue
        origin = schema.record_types[path.origin]
        cols = path.target_items
        if not path.identifying:
            # an index names a column once (MariaDB refuses a repeat): the path's items may be
            # part of the identifier (Placement's reinsurer_code)
            walk = tuple(dict.fromkeys(cols + tuple(path.sort) + tuple(i for i in ident if i not in path.sort)))
            indexes.append(Index(name=f"ix_{name}_{snake(path.name)}", columns=walk, path=path.name))
        if family == "relational":
            foreign_keys.append(
                ForeignKey(
                    name=f"fk_{name}_{snake(path.name)}",
                    columns=cols,
                    ref_table=table_name(origin.name),
                    ref_columns=origin.identifier_items,
                    path=path.name,
                )
            )
        if path.cls == "1-1":
            uniques.append(Index(name=f"uq_{name}_{snake(path.name)}", columns=cols, unique=True, path=path.name))
    return Table(
        name=name,
        columns=tuple(columns),
        primary_key=ident,
        indexes=tuple(indexes),
        foreign_keys=tuple(foreign_keys),
        uniques=tuple(uniques),
        record_type=rt.name,
    )


def _junction_table(schema: Schema, path: PathType, family: Family) -> Table:
    origin = schema.record_types[path.origin]
    target = schema.record_types[path.target]
    origin_cols, target_cols = junction_columns(origin, target)
    columns: list[Column] = []
    for prefix, rt in (("origin_", origin), ("target_", target)):
        for item_name in rt.identifier_items:
            item = rt.items[item_name]
            columns.append(
                Column(
                    name=prefix + item_name,
                    item=prefix + item_name,
                    type=item.type,
                    length=item.length,
                    scale=item.scale,
                    nullable=False,
                    key=True,
                )
            )
    for item in path.items:
        columns.extend(item_columns(item, family))
    name = junction_name(path.name)
    foreign_keys: tuple[ForeignKey, ...] = ()
    if family == "relational":
        foreign_keys = (
            ForeignKey(f"fk_{name}_origin", origin_cols, table_name(origin.name), origin.identifier_items, path.name),
            ForeignKey(f"fk_{name}_target", target_cols, table_name(target.name), target.identifier_items, path.name),
        )
    return Table(
        name=name,
        columns=tuple(columns),
        primary_key=origin_cols + target_cols,
        # READ ORIGIN VIA PATH walks from the target side.
        indexes=(Index(name=f"ix_{name}_target", columns=target_cols + origin_cols, path=path.name),),
        foreign_keys=foreign_keys,
        path_type=path.name,
    )


def transform(schema: Schema, family: Family) -> PhysicalModel:
    """The physical model of ``schema`` for a backend family (pure; same input, same output)."""
    if family not in ("relational", "columnar"):
        raise ValueError(f"unknown backend family {family!r}")
    tables = [_record_table(schema, rt, family) for rt in schema.record_types.values()]
    tables += [_junction_table(schema, p, family) for p in schema.path_types.values() if p.many_to_many]
    existence: list[ExistenceConstraint] = []
    for path in schema.path_types.values():
        if path.target_needs_origin:
            existence.append(ExistenceConstraint(path.name, "target", path.target, 901))
        if path.origin_needs_target:
            existence.append(ExistenceConstraint(path.name, "origin", path.origin, 900))
    return PhysicalModel(
        family=family,
        schema=schema.name,
        tables=tuple(tables),
        existence=tuple(existence),
        one_to_one=tuple(p.name for p in schema.path_types.values() if p.cls == "1-1"),
    )
