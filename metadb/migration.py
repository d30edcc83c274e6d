"""What changes between two versions of a schema: the plan of a migration (pure: no data, no DBMS).

:func:`plan` compares the schema a database holds with the schema file it is to hold. Elements
keep their identity through a version by name, or by ``renamed_from`` (declared in the new
file, never guessed). Each change is marked:

* ``safe`` — nothing is lost and nothing is needed (a new record type, an optional item, a
  rename, a wider item, a new key);
* ``needs a default`` — existing articles need a value the file must give (a new mandatory
  item; an item becoming mandatory) unless the table is empty;
* ``loses data`` — existing values or links would go (a dropped record type, item or path, a
  narrower item, fewer occurrences) unless there are none.

Whether a change really needs a default or loses data depends on the data: the plan lists the
checks (:attr:`Change.check`) that a database answers (``assurdb migrate plan``), and new
constraints (a path whose targets now need an origin) are checked against the data as well.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypedDict

from assurdb.metadb.errors import MetaDBError
from assurdb.metadb.model import DataStep, Item, PathType, RecordType, Schema
from assurdb.metadb.values import shown

Safety = Literal["safe", "needs a default", "loses data"]
#: What a change asks of the data before it is applied (see :class:`Change`).
Check = Literal["", "rows", "values", "nulls", "fits", "occurrences", "origins", "targets", "links", "single"]


class Facts(TypedDict, total=False):
    """The elements a change concerns (new names, and former ones)."""

    record_type: str | None
    old_record_type: str | None
    item: str | None
    old_item: str | None
    path: str | None
    old_path: str | None


@dataclass(frozen=True)
class Change:
    """One change of a plan, in words and in facts.

    ``check`` names what the data must be asked: ``rows`` (any article?), ``values`` (any value of
    the item?), ``nulls`` (any article without a value?), ``fits`` (does every value fit the new
    item?), ``occurrences`` (more occurrences than the new maximum?), ``origins`` (targets
    without an origin?), ``targets`` (origins without a target?), ``links`` (any link?),
    ``single`` (a target with several origins, or an origin with several targets?).
    """

    kind: str
    subject: str
    detail: str
    safety: Safety
    check: Check = ""
    #: the record type (new name) and item (new name) it concerns, and their former names
    record_type: str | None = None
    old_record_type: str | None = None
    item: str | None = None
    old_item: str | None = None
    path: str | None = None
    old_path: str | None = None

    def __str__(self) -> str:
        return f"{self.kind:<22} {self.subject:<40} {self.safety:<16} {self.detail}"


@dataclass(frozen=True)
class Plan:
    """From ``old`` to ``new``: the changes, in order, and how the elements correspond."""

    old: Schema
    new: Schema
    changes: tuple[Change, ...]
    #: new record type → old (those that exist in both); new path → old
    record_types: Mapping[str, str] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)
    #: (new record type, new item) → old item, for items in both versions (path items included)
    items: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: (new record type, new item) → how existing articles get the item's value
    steps: Mapping[tuple[str, str], DataStep] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.changes

    def by_safety(self, safety: Safety) -> list[Change]:
        return [c for c in self.changes if c.safety == safety]

    def old_item(self, rt: str, item: str) -> str | None:
        return self.items.get((rt, item))

    def describe(self) -> str:
        """The plan as a table, one change per line."""
        if not self.changes:
            return f"{self.old.name} v{self.old.version} → v{self.new.version}: nothing to change"
        head = (
            f"{self.old.name} v{self.old.version} → {self.new.name} v{self.new.version}: {len(self.changes)} change(s)"
        )
        columns = f"{'change':<22} {'subject':<40} {'safety':<16} detail"
        return "\n".join([head, columns, *(str(c) for c in self.changes)])


def _describe_item(item: Item) -> str:
    return item.shape + (", mandatory" if item.mandatory and not item.decomposable else "")


def _widens(old: Item, new: Item) -> bool | None:
    """True when every value of ``old`` fits ``new`` as it is; None when the type changes."""
    if old.type != new.type:
        if old.type == "numeric" and new.type == "decimal":
            return (new.length or 18) - new.scale >= (old.length or 18)
        return None
    if old.type in ("numeric", "alphanumeric"):
        return (new.length or 0) >= (old.length or 0)
    if old.type == "decimal":
        return new.scale >= old.scale and (new.length or 18) - new.scale >= (old.length or 18) - old.scale
    return True


class _Planner:
    def __init__(self, old: Schema, new: Schema) -> None:
        self.old, self.new = old, new
        self.hints = new.migration
        self.changes: list[Change] = []
        self.rts: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.items: dict[tuple[str, str], str] = {}

    def add(self, kind: str, subject: str, detail: str, safety: Safety, check: Check = "", **facts: str | None) -> None:
        self.changes.append(Change(kind, subject, detail, safety, check, **Facts(**facts)))  # type: ignore[typeddict-item]

    # -- correspondence -----------------------------------------------------------------------
    def _match(
        self, new_names: list[str], old_names: set[str], renames: Mapping[str, str], what: str
    ) -> dict[str, str]:
        matched: dict[str, str] = {}
        for name in new_names:
            old = renames.get(name)
            if old is not None:
                if old not in old_names:
                    raise MetaDBError(
                        f"{what} {name} says renamed_from: {old}, but version {self.old.version} has no {old}"
                    )
                matched[name] = old
            elif name in old_names and name not in renames.values():
                matched[name] = name
        return matched

    def run(self) -> Plan:
        old, new = self.old, self.new
        if old.name != new.name:
            raise MetaDBError(
                f"the database holds schema {old.name}, the file describes {new.name}: no migration between them"
            )
        self.rts = self._match(list(new.record_types), set(old.record_types), self.hints.record_types, "record type")
        self.paths = self._match(list(new.path_types), set(old.path_types), self.hints.paths, "path type")
        kept_old = set(self.rts.values())
        for name, rt in new.record_types.items():
            if name not in self.rts:
                self.add("add record type", name, f"{len(rt.items)} items", "safe", record_type=name)
            elif self.rts[name] != name:
                self.add(
                    "rename record type",
                    name,
                    f"from {self.rts[name]}",
                    "safe",
                    record_type=name,
                    old_record_type=self.rts[name],
                )
        for name in old.record_types:
            if name not in kept_old:
                self.add("drop record type", name, "its articles go", "loses data", "rows", old_record_type=name)
        for name, rt in new.record_types.items():
            if name in self.rts:
                self._record_type(old.record_types[self.rts[name]], rt)
        self._paths()
        self._statistics()
        steps = {k: v for k, v in self.hints.steps.items() if k[0] in new.record_types}
        for (rt_name, item_name), step in steps.items():
            if (
                self.rts.get(rt_name) is not None
                and (rt_name, item_name) in self.items
                and not any(c.record_type == rt_name and c.item == item_name for c in self.changes)
            ):
                self.add(
                    "compute item",
                    f"{rt_name}.{item_name}",
                    f"{step.kind}: {_source(step)}",
                    "safe",
                    record_type=rt_name,
                    item=item_name,
                )
        return Plan(old, new, tuple(self.changes), dict(self.rts), dict(self.paths), dict(self.items), steps)

    # -- record types ----------------------------------------------------------------------------
    def _record_type(self, old: RecordType, new: RecordType) -> None:
        name = new.name
        renames = {n: o for (rt, n), o in self.hints.items.items() if rt == name and "." not in n}
        own_new = [i.name for i in new.items if i.path is None or i.identifying]
        own_old = {i.name for i in old.items if i.path is None or i.identifying}
        matched = self._match(own_new, own_old, renames, f"item of {name}")
        for item_name, old_name in matched.items():
            self.items[(name, item_name)] = old_name
        steps = self.hints.steps
        for item_name in own_new:
            item = new.items[item_name]
            subject = f"{name}.{item_name}"
            facts: Facts = {"record_type": name, "old_record_type": old.name, "item": item_name}
            if item_name not in matched:
                step = steps.get((name, item_name))
                if step is not None or item.default is not None:
                    how = _source(step) if step is not None else f"default {shown(item.default)}"
                    self.add("add item", subject, f"{_describe_item(item)}; existing articles: {how}", "safe", **facts)
                elif item.mandatory:
                    self.add(
                        "add item",
                        subject,
                        f"{_describe_item(item)}: mandatory, no default",
                        "needs a default",
                        "rows",
                        **facts,
                    )
                else:
                    self.add("add item", subject, _describe_item(item), "safe", **facts)
                continue
            old_item = old.items[matched[item_name]]
            facts["old_item"] = old_item.name
            if old_item.name != item_name:
                self.add("rename item", subject, f"from {old_item.name}", "safe", **facts)
            self._item(subject, old_item, item, steps.get((name, item_name)), facts)
        for item_name in sorted(own_old - set(matched.values())):
            self.add(
                "drop item",
                f"{old.name}.{item_name}",
                "its values go",
                "loses data",
                "values",
                record_type=name,
                old_record_type=old.name,
                old_item=item_name,
            )
        self._keys(old, new)

    def _item(self, subject: str, old: Item, new: Item, step: DataStep | None, facts: Facts) -> None:
        if step is not None:
            self.add("compute item", subject, f"{step.kind}: {_source(step)}", "safe", **facts)
        elif old.decomposable != new.decomposable:
            self.add(
                "change item",
                subject,
                f"{_describe_item(old)} → {_describe_item(new)}",
                "loses data",
                "values",
                **facts,
            )
            return
        elif old.decomposable:
            self._sub_items(subject, old, new, facts)
        else:
            widens = _widens(old, new)
            if widens is not True:
                self.add(
                    "change item",
                    subject,
                    f"{_describe_item(old)} → {_describe_item(new)}",
                    "loses data",
                    "fits",
                    **facts,
                )
            elif (old.type, old.length, old.scale) != (new.type, new.length, new.scale):
                self.add("change item", subject, f"{_describe_item(old)} → {_describe_item(new)}", "safe", **facts)
            if (old.repetitive or 1) > (new.repetitive or 1):
                self.add(
                    "change item",
                    subject,
                    f"at most {new.repetitive or 1} occurrence(s), was {old.repetitive}",
                    "loses data",
                    "occurrences",
                    **facts,
                )
            elif old.repetitive != new.repetitive:
                self.add(
                    "change item",
                    subject,
                    f"occurrences: {old.repetitive or 1} → {new.repetitive or 1}",
                    "safe",
                    **facts,
                )
        if new.mandatory and not old.mandatory and step is None:
            if new.default is not None:
                self.add(
                    "make mandatory", subject, f"empty values get the default {shown(new.default)}", "safe", **facts
                )
            else:
                self.add(
                    "make mandatory",
                    subject,
                    "no default for the articles without a value",
                    "needs a default",
                    "nulls",
                    **facts,
                )

    def _sub_items(self, subject: str, old: Item, new: Item, facts: Facts) -> None:
        rt = str(facts["record_type"])
        renames = {
            n.split(".", 1)[1]: o for (r, n), o in self.hints.items.items() if r == rt and n.startswith(f"{new.name}.")
        }
        matched = self._match(list(new.sub_items.names), set(old.sub_items.names), renames, f"sub-item of {subject}")
        for sub in new.sub_items:
            where = f"{subject}.{sub.name}"
            if sub.name not in matched:
                self.add("add sub-item", where, _describe_item(sub), "safe", **facts)
                continue
            before = old.sub_items[matched[sub.name]]
            if before.name != sub.name:
                self.add("rename sub-item", where, f"from {before.name}", "safe", **facts)
            if _widens(before, sub) is not True:
                self.add(
                    "change sub-item",
                    where,
                    f"{_describe_item(before)} → {_describe_item(sub)}",
                    "loses data",
                    "fits",
                    **facts,
                )
            elif (before.type, before.length, before.scale) != (sub.type, sub.length, sub.scale):
                self.add("change sub-item", where, f"{_describe_item(before)} → {_describe_item(sub)}", "safe", **facts)
        for gone in sorted(set(old.sub_items.names) - set(matched.values())):
            self.add("drop sub-item", f"{subject}.{gone}", "its values go", "loses data", "values", **facts)

    def _keys(self, old: RecordType, new: RecordType) -> None:
        renames = {k: o for (rt, k), o in self.hints.keys.items() if rt == new.name}
        matched = self._match(list(new.keys.names), set(old.keys.names), renames, f"key of {new.name}")
        for key in new.keys:
            subject = f"{new.name}, key {key.name}"
            facts: Facts = {"record_type": new.name, "old_record_type": old.name}
            if key.name not in matched:
                self.add("add key", subject, ", ".join(key.items), "safe", **facts)
                continue
            before = old.keys[matched[key.name]]
            mapped = tuple(self.items.get((new.name, i), i) for i in key.items)
            if before.name != key.name:
                self.add("rename key", subject, f"from {before.name}", "safe", **facts)
            if mapped != before.items:
                what = "identifier" if key.identifying else "key"
                self.add(
                    f"change {what}", subject, f"{', '.join(before.items)} → {', '.join(key.items)}", "safe", **facts
                )
        for gone in sorted(set(old.keys.names) - set(matched.values())):
            self.add("drop key", f"{old.name}, key {gone}", "", "safe", record_type=new.name, old_record_type=old.name)

    # -- paths -------------------------------------------------------------------------------------
    def _paths(self) -> None:
        old, new = self.old, self.new
        kept_old = set(self.paths.values())
        for name, path in new.path_types.items():
            facts: Facts = {"path": name}
            if name not in self.paths:
                check: Check = "origins" if path.target_needs_origin else ""
                safety: Safety = "safe"
                self.add("add path", name, f"{path.origin} → {path.target} ({path.cls})", safety, check, **facts)
                if path.origin_needs_target:
                    self.add(
                        "add constraint", name, f"every {path.origin} needs a {path.target}", "safe", "targets", **facts
                    )
                continue
            before = old.path_types[self.paths[name]]
            facts["old_path"] = before.name
            self._path_items(path, before)
            if before.name != name:
                self.add("rename path", name, f"from {before.name}", "safe", **facts)
            ends = (self.rts.get(path.origin), self.rts.get(path.target))
            if ends != (before.origin, before.target):
                self.add(
                    "change path",
                    name,
                    f"{before.origin} → {before.target} becomes {path.origin} → {path.target}",
                    "loses data",
                    "links",
                    **facts,
                )
                continue
            if path.cls != before.cls:
                narrower = path.cls != "N-N" and (before.cls == "N-N" or path.cls == "1-1")
                self.add(
                    "change path",
                    name,
                    f"class {before.cls} → {path.cls}",
                    "loses data" if narrower else "safe",
                    "single" if narrower else "",
                    **facts,
                )
            if path.target_needs_origin and not before.target_needs_origin:
                self.add(
                    "add constraint", name, f"every {path.target} needs a {path.origin}", "safe", "origins", **facts
                )
            if path.origin_needs_target and not before.origin_needs_target:
                self.add(
                    "add constraint", name, f"every {path.origin} needs a {path.target}", "safe", "targets", **facts
                )
            if (before.target_needs_origin and not path.target_needs_origin) or (
                before.origin_needs_target and not path.origin_needs_target
            ):
                self.add("drop constraint", name, "an existence constraint goes", "safe", **facts)
            if tuple(self.items.get((path.target, s), s) for s in path.sort) != before.sort:
                self.add(
                    "change path",
                    name,
                    f"sort {', '.join(before.sort) or '-'} → {', '.join(path.sort) or '-'}",
                    "safe",
                    **facts,
                )
            if {i.name for i in path.items} != {i.name for i in before.items}:
                self.add(
                    "change path",
                    name,
                    "its own items change",
                    "loses data" if before.items else "safe",
                    "links" if before.items else "",
                    **facts,
                )
        for name in old.path_types:
            if name not in kept_old:
                self.add("drop path", name, "its links go", "loses data", "links", old_path=name)

    def _path_items(self, path: PathType, before: PathType) -> None:
        """A 1-N path's items in its target correspond to the former path's (through renames)."""
        if path.many_to_many or before.many_to_many:
            return
        origin_map = {
            o: o_old
            for o, o_old in zip([o for o, _ in path.origin_items], [o for o, _ in before.origin_items], strict=False)
        }
        old_targets = dict(before.origin_items)
        for o, t in path.origin_items:
            former = old_targets.get(origin_map.get(o, o))
            if former is not None and (path.target, t) not in self.items:
                self.items[(path.target, t)] = former

    def _statistics(self) -> None:
        if dict(self.old.statistics) != dict(self.new.statistics):
            self.add("change statistics", self.new.name, "counts and access costs (route finding)", "safe")


def _source(step: DataStep) -> str:
    if step.kind == "compute":
        return f"compute {getattr(step.source, 'text', step.source)}"
    if step.kind == "callable":
        return f"callable {step.source}"
    return f"value {shown(step.source)}"


def plan(old: Schema, new: Schema) -> Plan:
    """The plan from ``old`` (what a database holds) to ``new`` (a schema file)."""
    return _Planner(old, new).run()


def walk(plan: Plan) -> Iterator[tuple[RecordType, RecordType | None]]:
    """Each record type of the new version with its former self (None: new)."""
    for name, rt in plan.new.record_types.items():
        former = plan.record_types.get(name)
        yield rt, None if former is None else plan.old.record_types[former]
