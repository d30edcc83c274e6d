"""From a plan to physical operations: the two versions' physical models compared table by table.

A table that keeps its layout is left alone (or renamed). One whose changes an in-place ALTER can
make — columns added (empty, or set to one value), renamed, dropped, a column becoming optional
or mandatory — is altered where the DBMS alters in place (``alters``: the relational ones). Any
other change — a value converted or computed, an identifier that changes, a LIST or STRUCT that
changes shape — rebuilds the table: a new one is filled from the old one through the two
versions' codecs, which goes. Indexes, unique constraints and foreign keys of the tables touched
are dropped first and created again last, so a table can be rebuilt or renamed under them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assurdb.metadb.migration import Plan
from assurdb.metadb.physical import Column, ForeignKey, PhysicalModel, Table
from assurdb.metadb.values import shown
from assurdb.migrations.transform import MigrationError, Transformer
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
)
from assurdb.runtime.specs import FULL, PathSpec, RecordSpec, Refusal


def _same(a: Column, b: Column) -> bool:
    """Two columns hold the same values (their names and nullability aside)."""
    return (a.type, a.length, a.scale, a.kind, a.fields) == (b.type, b.length, b.scale, b.kind, b.fields)


@dataclass
class Pairing:
    """A table of the new version and its former self (None: new), column by column."""

    new: Table
    old: Table | None
    #: new column → old column (absent: a new column)
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Physical:
    """The operations of a migration, and the transformers that convert its articles."""

    operations: list[Operation]
    transformers: dict[str, Transformer]
    rebuilt: list[str]


class _Builder:
    def __init__(
        self,
        plan: Plan,
        old_model: PhysicalModel,
        new_model: PhysicalModel,
        old_specs: Mapping[str, RecordSpec],
        new_specs: Mapping[str, RecordSpec],
        new_paths: Mapping[str, PathSpec],
        *,
        alters: bool,
    ) -> None:
        self.plan = plan
        self.old_model, self.new_model = old_model, new_model
        self.old_specs, self.new_specs, self.new_paths = old_specs, new_specs, new_paths
        self.alters = alters
        self.transformers: dict[str, Transformer] = {}

    # -- correspondence --------------------------------------------------------------------------
    def pairings(self) -> list[Pairing]:
        plan, out = self.plan, []
        for table in self.new_model.tables:
            if table.record_type is not None:
                former = plan.record_types.get(table.record_type)
                old = None if former is None else self.old_model.table_of(former)
                pairing = Pairing(table, old)
                if old is not None:
                    self._record_columns(pairing, table.record_type)
            else:
                assert table.path_type is not None
                former_path = plan.paths.get(table.path_type)
                old_path = None if former_path is None else plan.old.path_types[former_path]
                old = (
                    None if old_path is None or not old_path.many_to_many else self.old_model.junction_of(old_path.name)
                )
                pairing = Pairing(table, old)
                if old is not None:
                    self._junction_columns(pairing, table.path_type)
            out.append(pairing)
        return out

    def _record_columns(self, pairing: Pairing, rt: str) -> None:
        assert pairing.old is not None
        transformer = self._transformer(rt)
        for column in pairing.new.columns:
            former = transformer.sources.get(column.item)
            if former is None:
                continue
            sub = None
            if column.sub is not None:
                sub = transformer.subs.get(column.item, {}).get(column.sub)
                if sub is None:
                    continue
            for old in pairing.old.columns:
                if old.item == former and old.sub == sub and old.occurrence == column.occurrence:
                    pairing.columns[column.name] = old.name
                    break

    def _junction_columns(self, pairing: Pairing, path_name: str) -> None:
        assert pairing.old is not None
        path = self.plan.new.path_types[path_name]
        ends = {"origin_": path.origin, "target_": path.target}
        old_names = {c.name for c in pairing.old.columns}
        for column in pairing.new.columns:
            for prefix, rt in ends.items():
                if column.name.startswith(prefix):
                    item = column.name[len(prefix) :]
                    former = self.plan.items.get((rt, item), item)
                    if prefix + former in old_names:
                        pairing.columns[column.name] = prefix + former
            if column.name in old_names and column.name not in pairing.columns:
                pairing.columns[column.name] = column.name  # the path's own items

    def _transformer(self, rt: str) -> Transformer:
        if rt not in self.transformers:
            former = self.plan.record_types[rt]
            self.transformers[rt] = Transformer(
                self.plan, self.plan.new.record_types[rt], self.plan.old.record_types[former]
            )
        return self.transformers[rt]

    # -- what a table needs -------------------------------------------------------------------------
    def _alterable(self, pairing: Pairing) -> tuple[bool, str]:
        """Whether in-place ALTERs make the table (and why not)."""
        assert pairing.old is not None
        new, old = pairing.new, pairing.old
        if not self.alters:
            return False, "its columns change"
        if tuple(pairing.columns.get(c) for c in new.primary_key) != old.primary_key:
            return False, "its identifier changes"
        old_columns = {c.name: c for c in old.columns}
        rt = new.record_type
        for column in new.columns:
            former = pairing.columns.get(column.name)
            if former is not None:
                if not _same(column, old_columns[former]):
                    return False, f"{column.name} changes type"
                continue
            if rt is None:
                return False, f"junction column {column.name} is new"
            step = self.plan.steps.get((rt, column.item))
            item = self.plan.new.record_types[rt].items[column.item]
            if step is not None and step.kind != "value":
                return False, f"{column.item} is computed"
            if (step is not None or item.default is not None) and column.kind != "scalar":
                return False, f"{column.item} gets a value"
            if (step is not None or item.default is not None) and (column.sub is not None or column.occurrence):
                return False, f"{column.item} gets a value"
        if (
            rt is not None
            and self.plan.steps
            and any(
                (rt, c.item) in self.plan.steps and self.plan.steps[(rt, c.item)].kind != "value" for c in new.columns
            )
        ):
            return False, "an item is computed"
        return True, ""

    def _value(self, rt: str, column: Column) -> tuple[Any, str] | None:
        """The encoded value a new column takes in existing rows (None: it stays empty)."""
        item = self.plan.new.record_types[rt].items[column.item]
        step = self.plan.steps.get((rt, column.item))
        value = step.source if step is not None and step.kind == "value" else item.default
        if value is None:
            return None
        return self.new_specs[rt].encode_value(column.item, value), shown(value)

    # -- the operations ------------------------------------------------------------------------------
    def build(self) -> Physical:
        pairings = self.pairings()
        kept_old = {p.old.name for p in pairings if p.old is not None}
        touched: set[str] = set()  # new names of tables whose indexes and keys are dropped and made again
        renames: list[Operation] = []
        creates: list[Operation] = []
        alters: list[Operation] = []
        rebuilds: list[Operation] = []
        moves_before: list[Operation] = []
        moves_after: list[Operation] = []
        drops: list[Operation] = []
        rebuilt: list[str] = []
        for pairing in pairings:
            new, old = pairing.new, pairing.old
            if old is None:
                creates.append(CreateTable(new))
                touched.add(new.name)
                continue
            layout_same = (
                len(pairing.columns) == len(new.columns) == len(old.columns)
                and all(
                    pairing.columns[c.name] == c.name
                    and _same(c, old.column(c.name))
                    and c.nullable == old.column(c.name).nullable
                    for c in new.columns
                )
                and new.primary_key == old.primary_key
            )
            if layout_same and self._no_steps(new):
                if old.name != new.name:
                    renames.append(RenameTable(old.name, new.name))
                    touched.add(new.name)
                continue
            touched.add(new.name)
            alterable, why = self._alterable(pairing)
            if alterable:
                if old.name != new.name:
                    renames.append(RenameTable(old.name, new.name))
                alters.extend(self._alter(pairing))
            else:
                rebuilds.append(Rebuild(old, new, self._converter(pairing), why))
                rebuilt.append(new.name)
        # a path that changes class moves its links between a target's columns and a junction
        for path_name, former in self.plan.paths.items():
            path, before = self.plan.new.path_types[path_name], self.plan.old.path_types[former]
            if path.many_to_many == before.many_to_many:
                continue
            move = self._move_links(path_name, former)
            (moves_before if path.many_to_many else moves_after).append(move)
        for table in self.old_model.tables:
            if table.name not in kept_old:
                drops.append(DropTable(table))
        operations: list[Operation] = []
        operations += self._drop_keys(pairings, touched, {d.table.name for d in drops if isinstance(d, DropTable)})
        operations += creates + moves_before + renames + alters + rebuilds + moves_after + drops
        operations += self._create_keys(touched)
        return Physical(operations, self.transformers, rebuilt)

    def _no_steps(self, table: Table) -> bool:
        rt = table.record_type
        return rt is None or not any(r == rt for r, _ in self.plan.steps)

    def _alter(self, pairing: Pairing) -> Iterator[Operation]:
        new, old = pairing.new, pairing.old
        assert old is not None
        rt = new.record_type
        old_columns = {c.name: c for c in old.columns}
        kept = set(pairing.columns.values())
        for column in new.columns:
            if column.name not in pairing.columns:
                yield AddColumn(new.name, Column(**{**column.__dict__, "nullable": True}))
                value = None if rt is None else self._value(rt, column)
                if value is not None:
                    yield SetValue(new.name, column, value[0], shown=value[1])
        for column in new.columns:
            former = pairing.columns.get(column.name)
            if former is not None and former != column.name:
                yield RenameColumn(new.name, former, column.name, column)
        for name, column in old_columns.items():
            if name not in kept:
                yield DropColumn(new.name, column)
        for column in new.columns:
            former = pairing.columns.get(column.name)
            was_nullable = True if former is None else old_columns[former].nullable
            if former is not None and not column.nullable and was_nullable and rt is not None:
                value = self._value(rt, column)
                if value is not None:
                    yield SetValue(new.name, column, value[0], only_nulls=True, shown=value[1])
            if column.nullable != was_nullable:
                yield SetNullable(new.name, column, column.nullable)

    def _converter(self, pairing: Pairing) -> Any:
        new, old = pairing.new, pairing.old
        assert old is not None
        if new.record_type is None:  # a junction: columns in their new order, the link items kept
            index = {c.name: n for n, c in enumerate(old.columns)}
            sources = [index.get(pairing.columns.get(c.name, "")) for c in new.columns]

            def move(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
                return [tuple(None if i is None else row[i] for i in sources) for row in rows]

            return move
        rt = new.record_type
        old_spec = self.old_specs[self.plan.record_types[rt]]
        new_spec = self.new_specs[rt]
        transform = self._transformer(rt)

        def convert(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
            out = []
            for row in rows:
                article = transform(old_spec.decode(row))
                checked = new_spec.check(article, FULL, True)
                if isinstance(checked, Refusal):
                    shown = "/".join(str(article.get(i)) for i in new_spec.ident)
                    raise MigrationError(
                        f"{rt} {shown} does not fit version {self.plan.new.version}: {checked.message}"
                    )
                out.append(new_spec.encode(checked))
            return out

        return convert

    def _move_links(self, path_name: str, former: str) -> Operation:
        """Links of a 1-N path held in its target's columns become a junction's rows, or back."""
        path = self.plan.new.path_types[path_name]
        before = self.plan.old.path_types[former]
        target = path.target
        t_new = self.new_model.table_of(target)
        if path.many_to_many:  # 1-N → N-N: rows of the target table (as it stands) → junction rows
            old_table = self.old_model.table_of(self.plan.record_types[target])
            junction = self.new_model.junction_of(path_name)
            index = {c.name: n for n, c in enumerate(old_table.columns)}
            origin_columns = [index[t] for _, t in before.origin_items]
            old_target = self.plan.old.record_types[self.plan.record_types[target]]
            target_columns = [index[i] for i in old_target.identifier_items]

            def to_junction(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
                out = []
                width = len(junction.columns)
                for row in rows:
                    if row[origin_columns[0]] is None:
                        continue
                    values = [row[i] for i in origin_columns] + [row[i] for i in target_columns]
                    out.append(tuple(values + [None] * (width - len(values))))
                return out

            return MoveRows(old_table, junction, to_junction, f"path {path_name} becomes N-N")
        # N-N → 1-N (or 1-1): each junction row sets its target's path items to its origin
        old_junction = self.old_model.junction_of(former)
        index = {c.name: n for n, c in enumerate(old_junction.columns)}
        old_origin = self.plan.old.record_types[before.origin]
        old_target = self.plan.old.record_types[before.target]
        targets = [index[f"target_{i}"] for i in old_target.identifier_items]
        origins = [index[f"origin_{i}"] for i in old_origin.identifier_items]

        def to_columns(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
            seen: set[tuple[Any, ...]] = set()
            out = []
            for row in rows:
                key = tuple(row[i] for i in targets)
                if key in seen:
                    raise MigrationError(
                        f"{target} {key} has several origins on path {former}: it cannot become {path.cls}"
                    )
                seen.add(key)
                out.append(key + tuple(row[i] for i in origins))
            return out

        return MoveRows(
            old_junction,
            t_new,
            to_columns,
            f"path {path_name} becomes {path.cls}",
            keys=tuple(self.plan.new.record_types[target].identifier_items),
            columns=tuple(t for _, t in path.origin_items),
        )

    def _drop_keys(self, pairings: list[Pairing], touched: set[str], dropped: set[str]) -> list[Operation]:
        """Indexes, uniques and foreign keys of touched tables (and keys pointing at them) go first."""
        old_of = {p.new.name: p.old for p in pairings if p.old is not None}
        touched_old = {old_of[n].name for n in touched if n in old_of} | dropped
        ops: list[Operation] = []
        for table in self.old_model.tables:
            for fk in table.foreign_keys:
                if table.name in touched_old or fk.ref_table in touched_old or not self._keeps_fk(table, fk):
                    ops.append(DropForeignKey(table.name, fk))
        for table in self.old_model.tables:
            if table.name in touched_old and table.name not in dropped:
                ops.extend(DropUnique(table.name, u) for u in table.uniques)
                ops.extend(DropIndex(table.name, i) for i in table.indexes)
            elif table.name not in dropped:
                new = self._new_of(table, pairings)
                if new is not None:
                    names = {i.name: i for i in new.indexes}
                    ops.extend(DropIndex(table.name, i) for i in table.indexes if names.get(i.name) != i)
                    unames = {u.name: u for u in new.uniques}
                    ops.extend(DropUnique(table.name, u) for u in table.uniques if unames.get(u.name) != u)
        self._kept_keys = {(fk.name, fk.ref_table) for t in self.old_model.tables for fk in t.foreign_keys} - {
            (o.key.name, o.key.ref_table) for o in ops if isinstance(o, DropForeignKey)
        }
        self._touched_old = touched_old
        return ops

    def _new_of(self, old: Table, pairings: list[Pairing]) -> Table | None:
        return next((p.new for p in pairings if p.old is not None and p.old.name == old.name), None)

    def _keeps_fk(self, table: Table, fk: ForeignKey) -> bool:
        new = next((t for t in self.new_model.tables if t.name == table.name), None)
        return new is not None and fk in new.foreign_keys

    def _create_keys(self, touched: set[str]) -> list[Operation]:
        ops: list[Operation] = []
        for table in self.new_model.tables:
            old = next((t for t in self.old_model.tables if t.name == table.name), None)
            fresh = table.name in touched
            for index in table.indexes:
                if fresh or old is None or index not in old.indexes:
                    ops.append(CreateIndex(table.name, index))
            for unique in table.uniques:
                if fresh or old is None or unique not in old.uniques:
                    ops.append(CreateUnique(table.name, unique))
        for table in self.new_model.tables:
            for fk in table.foreign_keys:
                if (fk.name, fk.ref_table) not in self._kept_keys:
                    ops.append(CreateForeignKey(table.name, fk))
        return ops


def operations(
    plan: Plan,
    old_model: PhysicalModel,
    new_model: PhysicalModel,
    old_specs: Mapping[str, RecordSpec],
    new_specs: Mapping[str, RecordSpec],
    new_paths: Mapping[str, PathSpec],
    *,
    alters: bool,
) -> Physical:
    """The physical operations of ``plan`` on one DBMS (``alters``: it alters tables in place)."""
    if old_model.family != new_model.family:
        raise MigrationError("both versions' physical models must be of one family")
    return _Builder(plan, old_model, new_model, old_specs, new_specs, new_paths, alters=alters).build()
