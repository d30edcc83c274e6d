"""Schema files (YAML) → a validated :class:`~metadb.model.Schema`.

The loader checks everything and reports *every* problem with the file, the line and the
element, then raises :class:`~metadb.errors.SchemaError`; nothing is half-loaded. The format
is documented in ``metadb/schemas/README.md``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from assurdb.metadb.errors import SchemaError, SchemaProblem
from assurdb.metadb.expressions import Expression, ExpressionError
from assurdb.metadb.model import (
    COMBINE_RULES,
    IDENTIFIER_KEY,
    ITEM_TYPES,
    PATH_CLASSES,
    AccessKey,
    DataStep,
    Item,
    MigrationHints,
    PathClass,
    PathType,
    RecordType,
    Schema,
    Statistics,
    named,
)
from assurdb.metadb.values import MAX_DIGITS, check_value

#: The schema file format this loader reads (``format:`` at the top of a file).
FORMAT_VERSION = 1

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Longest name of a record type, item or path: MariaDB limits identifiers to 64 characters
#: and PostgreSQL to 63; generated column and constraint names add prefixes.
MAX_NAME = 40

_TOP_KEYS = {
    "format",
    "schema",
    "version",
    "label",
    "description",
    "record_types",
    "path_types",
    "statistics",
}
_RT_KEYS = {"label", "description", "items", "identifier", "keys", "renamed_from"}
_ITEM_KEYS = {
    "type",
    "length",
    "scale",
    "label",
    "mandatory",
    "repetitive",
    "items",
    "default",
    "display",
    "combine",
    "description",
    "changed_by",
    "renamed_from",
    "migrate",
}
#: A key written as a mapping (to say what it was called before).
_KEY_KEYS = {"items", "renamed_from"}
#: An item's data step: exactly one of these.
_MIGRATE_KEYS = {"value", "compute", "callable"}
CALLABLE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$")
_PATH_KEYS = {
    "origin",
    "target",
    "class",
    "target_needs_origin",
    "origin_needs_target",
    "sort",
    "inverse",
    "label",
    "description",
    "identifying",
    "origin_items",
    "items",
    "renamed_from",
}
_STAT_KEYS = {"count", "key_costs"}


class _Map(dict[str, Any]):
    """A YAML mapping that remembers its line (1-based) and those of its keys."""

    def __init__(self) -> None:
        super().__init__()
        self.line: int | None = None
        self.key_lines: dict[str, int] = {}


class _List(list[Any]):
    line: int | None = None


#: libyaml's parser when PyYAML was built with it (a schema parses about ten times faster)
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc]
    """SafeLoader keeping line numbers and refusing duplicate keys (they would hide a typo).

    A duplicate is recorded with the keys leading to it (``("record_types", "A")``), so that
    the problem names the element (``record type A``), not just the bare key.
    """

    duplicates: list[tuple[tuple[str, ...], int]]
    key_path: list[str]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = _Map()
        mapping.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            key = str(key)
            if key in mapping:
                self.duplicates.append(((*self.key_path, key), key_node.start_mark.line + 1))
            self.key_path.append(key)
            try:
                mapping[key] = self.construct_object(value_node, deep=True)
            finally:
                self.key_path.pop()
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        seq = _List(self.construct_object(child, deep=True) for child in node.value)
        seq.line = node.start_mark.line + 1
        return seq


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node),
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    lambda loader, node: loader.construct_sequence(node),
)
# YAML 1.1 reads yes/no/on/off/y/n as booleans: an item named `no` became "False" and a
# country default NO became false. Schema files keep YAML 1.2's booleans only: true and false.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _element_at(path: tuple[str, ...]) -> str:
    """Name the element at a key path as the other problems do (``record type A.code``)."""
    section, rest = (path[0], path[1:]) if path else ("", ())
    if section in ("record_types", "path_types", "statistics") and rest:
        kinds = {"record_types": "record type", "path_types": "path type", "statistics": "statistics of"}
        kind = kinds[section]
        element, rest = f"{kind} {rest[0]}", rest[1:]
        if len(rest) >= 2 and rest[0] == "keys" and section == "record_types":
            element, rest = f"{element}, key {rest[1]}", rest[2:]
        while len(rest) >= 2 and rest[0] == "items" and section != "statistics":
            element, rest = f"{element}.{rest[1]}", rest[2:]
    else:
        element, rest = "schema", path
    return f"{element}, attribute {'.'.join(rest)}" if rest else element


def snake(name: str) -> str:
    """``RenewalEndorsement`` → ``renewal_endorsement`` (default names of path items, tables)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@dataclass
class _Report:
    file: str
    problems: list[SchemaProblem] = field(default_factory=list)
    #: (element, item name) of items declared but invalid: already reported, so a key or a sort
    #: naming them must not add a false "missing item" problem.
    rejected: set[tuple[str, str]] = field(default_factory=set)

    def add(self, line: int | None, element: str, message: str) -> None:
        self.problems.append(SchemaProblem(self.file, line, element, message))


def _key_line(node: Any, key: str, default: int | None) -> int | None:
    """The line of ``key`` in ``node``; when absent, ``default`` (the element's name line)."""
    if isinstance(node, _Map) and key in node.key_lines:
        return node.key_lines[key]
    return default


def _line(node: Any, key: str | None = None) -> int | None:
    if isinstance(node, _Map):
        if key is not None and key in node.key_lines:
            return node.key_lines[key]
        return node.line
    if isinstance(node, _List):
        return node.line
    return None


def _check_keys(report: _Report, node: _Map, allowed: set[str], element: str) -> None:
    for key in node:
        if key not in allowed:
            report.add(
                _line(node, key),
                element,
                f"unknown attribute {key!r} (allowed: {', '.join(sorted(allowed))})",
            )


def _check_name(report: _Report, name: str, line: int | None, element: str) -> bool:
    if not NAME_RE.match(name):
        report.add(line, element, f"name {name!r} must start with a letter and hold only letters, digits and _")
        return False
    if len(name) > MAX_NAME:
        report.add(line, element, f"name {name!r} is longer than {MAX_NAME} characters")
        return False
    return True


def _bool(report: _Report, node: _Map, key: str, element: str) -> bool:
    value = node.get(key, False)
    if not isinstance(value, bool):
        report.add(_line(node, key), element, f"{key} must be true or false, not {value!r}")
        return False
    return value


def _names_list(report: _Report, node: Any, key: str, element: str) -> tuple[str, ...]:
    value = node.get(key) if isinstance(node, Mapping) else node
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        line = _line(node, key) if isinstance(node, _Map) else None
        report.add(line, element, f"{key} must be a list of item names, not {value!r}")
        return ()
    return tuple(value)


def _parse_item(
    report: _Report, name: str, spec: Any, line: int | None, element: str, *, depth: int = 0
) -> Item | None:
    where = f"{element}.{name}"
    if not _check_name(report, name, line, where):
        return None
    if not isinstance(spec, _Map):
        report.add(line, where, "an item is a mapping of its attributes (type, length, …)")
        return None
    _check_keys(report, spec, _ITEM_KEYS, where)
    sub_items: list[Item] = []
    raw_subs = spec.get("items")
    item_type = spec.get("type")
    if raw_subs is not None:
        if depth > 0:
            report.add(_line(spec, "items"), where, "sub-items may not be decomposable themselves")
            return None
        if not isinstance(raw_subs, _Map) or not raw_subs:
            report.add(_line(spec, "items"), where, "items of a decomposable item must be a non-empty mapping")
            return None
        for sub_name, sub_spec in raw_subs.items():
            sub = _parse_item(report, sub_name, sub_spec, _line(raw_subs, sub_name), where, depth=depth + 1)
            if sub is not None:
                sub_items.append(sub)
        if item_type is not None:
            report.add(_line(spec, "type"), where, "a decomposable item has sub-items, not a type of its own")
            return None
    elif item_type not in ITEM_TYPES:
        report.add(_line(spec, "type"), where, f"unknown type {item_type!r} (known: {', '.join(ITEM_TYPES)})")
        return None
    length = spec.get("length")
    scale = spec.get("scale", 0)
    if item_type in ("numeric", "decimal", "alphanumeric"):
        if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
            report.add(_line(spec, "length"), where, f"a {item_type} item needs a positive integer length")
            return None
        if item_type != "alphanumeric" and length > MAX_DIGITS:
            report.add(_line(spec, "length"), where, f"a {item_type} item has at most {MAX_DIGITS} digits")
            return None
    elif length is not None:
        report.add(_line(spec, "length"), where, f"a {item_type or 'decomposable'} item has no length")
        return None
    if item_type == "decimal":
        if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= (length or 0):
            report.add(_line(spec, "scale"), where, f"scale must be an integer between 0 and the length {length}")
            return None
    elif "scale" in spec:
        report.add(_line(spec, "scale"), where, "only a decimal item has a scale")
        return None
    repetitive = spec.get("repetitive")
    if repetitive is not None and (not isinstance(repetitive, int) or isinstance(repetitive, bool) or repetitive < 2):
        report.add(_line(spec, "repetitive"), where, "repetitive is the maximum number of occurrences (≥ 2)")
        return None
    if repetitive and sub_items:
        report.add(_line(spec, "repetitive"), where, "an item may be repetitive or decomposable, not both")
        return None
    combine = spec.get("combine")
    if combine is not None and combine not in COMBINE_RULES:
        report.add(
            _line(spec, "combine"),
            where,
            f"combine rule must be one of {', '.join(COMBINE_RULES)}, not {combine!r}",
        )
        return None
    if combine == "sum" and item_type not in ("numeric", "decimal"):
        report.add(_line(spec, "combine"), where, "only numeric and decimal items can be cumulated (combine: sum)")
        return None
    for key in ("label", "display", "description", "changed_by"):
        if key in spec and not _text_fits(report, spec, key, where):
            return None
    before = len(report.problems)
    mandatory = _bool(report, spec, "mandatory", where)
    if len(report.problems) > before:
        return None  # reject the item rather than guess it optional (a false "must be mandatory")
    item = Item(
        name=name,
        type=item_type,
        length=length,
        scale=scale if item_type == "decimal" else 0,
        label=spec.get("label", ""),
        mandatory=mandatory,
        repetitive=repetitive,
        sub_items=named(sub_items),
        display=spec.get("display"),
        combine=combine,
        description=spec.get("description", ""),
        changed_by=spec.get("changed_by") or None,
    )
    if "default" in spec:
        default = spec["default"]
        if isinstance(default, float) and item_type == "decimal":
            default = Decimal(repr(default))
        if item_type == "date" and isinstance(default, str):
            with contextlib.suppress(ValueError):
                default = date.fromisoformat(default)
        checked, error = check_value(item, default)
        if error:
            report.add(_line(spec, "default"), where, f"default {default!r} does not fit: {error}")
            return None
        item = replace(item, default=checked)
    return item


#: Longest label, description and display format: the meta-schema's items that store them
#: (``metadb/schemas/meta.yaml``), so that every loaded schema can be written to its meta-database.
TEXT_LIMITS = {"label": 120, "description": 600, "display": 40, "changed_by": 80}


def _text_fits(report: _Report, node: Any, key: str, element: str) -> bool:
    value = node.get(key) if isinstance(node, Mapping) else None
    if value is None:
        return True
    if not isinstance(value, str):
        report.add(_line(node, key), element, f"{key} must be text")
        return False
    if len(value) > TEXT_LIMITS[key]:
        report.add(_line(node, key), element, f"{key} holds at most {TEXT_LIMITS[key]} characters, got {len(value)}")
        return False
    return True


def _parse_items(report: _Report, node: Any, element: str, line: int | None = None) -> list[Item]:
    if not isinstance(node, _Map) or not node:
        message = "items must be a non-empty mapping of item name → attributes"
        report.add(_line(node) or line, element, message)
        return []
    items = []
    for name, spec in node.items():
        item = _parse_item(report, name, spec, _line(node, name), element)
        if item is None:
            report.rejected.add((element, name))
        if item is not None:
            items.append(item)
    return items


def _column_names(item: Item) -> list[str]:
    if item.decomposable:
        return [f"{item.name}_{s.name}" for s in item.sub_items]
    if item.repetitive:
        return [f"{item.name}_{i}" for i in range(1, item.repetitive + 1)]
    return [item.name]


def _parse_record_type(report: _Report, name: str, node: Any, line: int | None) -> RecordType | None:
    element = f"record type {name}"
    if not _check_name(report, name, line, element):
        return None
    if not isinstance(node, _Map):
        report.add(line, element, "a record type is a mapping (label, items, identifier, keys)")
        return None
    _check_keys(report, node, _RT_KEYS, element)
    items = _parse_items(report, node.get("items"), element, _key_line(node, "items", line))
    by_name = {i.name: i for i in items}
    columns: dict[str, str] = {}
    for item in items:
        for column in _column_names(item):
            if column in columns and columns[column] != item.name:
                report.add(
                    _line(node.get("items"), item.name),
                    f"{element}.{item.name}",
                    f"its column {column!r} clashes with item {columns[column]!r}",
                )
            columns[column] = item.name
    identifier = _names_list(report, node, "identifier", element)
    if not identifier:
        report.add(_key_line(node, "identifier", line), element, "an identifier (list of items) is required")
    keys = {IDENTIFIER_KEY: identifier}
    raw_keys = node.get("keys") or _Map()
    if not isinstance(raw_keys, _Map):
        report.add(_line(node, "keys"), element, "keys must be a mapping of key name → item list")
        raw_keys = _Map()
    for key_name in raw_keys:
        if key_name == IDENTIFIER_KEY:
            report.add(
                _line(raw_keys, key_name),
                f"{element}, key {key_name}",
                f"the key {IDENTIFIER_KEY!r} is the identifier; declare it with 'identifier:'",
            )
            continue
        if _check_name(report, key_name, _line(raw_keys, key_name), f"{element}, key {key_name}"):
            spec = raw_keys[key_name]
            if isinstance(spec, _Map):  # {items: [...], renamed_from: old}
                _check_keys(report, spec, _KEY_KEYS, f"{element}, key {key_name}")
                keys[key_name] = _names_list(report, spec, "items", f"{element}, key {key_name}")
            else:
                keys[key_name] = _names_list(report, raw_keys, key_name, f"{element}, key {key_name}")
    key_items: set[str] = set()
    ok = True
    for key_name, key in keys.items():
        where = f"{element}, key {key_name}"
        kline = _line(raw_keys, key_name) if key_name != IDENTIFIER_KEY else _line(node, "identifier")
        if key_name != IDENTIFIER_KEY and not key:
            report.add(kline, where, "an access key needs at least one item")
            ok = False
        if len(set(key)) != len(key):
            report.add(kline, where, "an item appears twice in the key")
            ok = False
        for item_name in key:
            key_item = by_name.get(item_name)
            if key_item is None:
                if (element, item_name) not in report.rejected:
                    report.add(kline, where, f"key on a missing item {item_name!r}")
                    ok = False
                elif key_name == IDENTIFIER_KEY:
                    ok = False  # paths need the identifier items; a secondary key can wait
            elif key_item.decomposable or key_item.repetitive:
                report.add(kline, where, f"item {item_name!r} is decomposable or repetitive: it cannot be in a key")
                ok = False
            elif not key_item.mandatory:
                kind = "identifier" if key_name == IDENTIFIER_KEY else "access-key"
                report.add(kline, where, f"{kind} item {item_name!r} must be mandatory (mandatory: true)")
                ok = False
            else:
                key_items.add(item_name)
    for text in ("label", "description"):
        if not _text_fits(report, node, text, element):
            ok = False
    if not ok or not identifier:
        return None
    items = [replace(i, identifying=i.name in identifier, access_key=i.name in key_items) for i in items]
    return RecordType(
        name=name,
        items=named(items),
        keys=named(AccessKey(k, v, identifying=(k == IDENTIFIER_KEY)) for k, v in keys.items()),
        label=node.get("label", ""),
        description=node.get("description", ""),
    )


@dataclass
class _PathDraft:
    path: PathType
    line: int | None
    explicit: frozenset[str] = frozenset()


def _parse_path(
    report: _Report,
    name: str,
    node: Any,
    line: int | None,
    rts: Mapping[str, RecordType],
    *,
    rejected: frozenset[str] = frozenset(),
) -> _PathDraft | None:
    element = f"path type {name}"
    if not _check_name(report, name, line, element):
        return None
    if not isinstance(node, _Map):
        report.add(line, element, "a path type is a mapping (origin, target, class, …)")
        return None
    _check_keys(report, node, _PATH_KEYS, element)
    ok = True
    ends: dict[str, RecordType] = {}
    for end in ("origin", "target"):
        rt_name = node.get(end)
        if not isinstance(rt_name, str):
            report.add(_key_line(node, end, line), element, f"{end} record type is required")
            ok = False
        elif rt_name in rejected:
            ok = False  # declared but invalid: its own problems are reported, don't add a false one
        elif rt_name not in rts:
            report.add(_line(node, end), element, f"{end} {rt_name!r} is not a record type of this schema")
            ok = False
        else:
            ends[end] = rts[rt_name]
    cls = node.get("class")
    if cls not in PATH_CLASSES:
        message = f"class must be one of {', '.join(PATH_CLASSES)}, not {cls!r}"
        report.add(_key_line(node, "class", line), element, message)
        ok = False
    tno = _bool(report, node, "target_needs_origin", element)
    ont = _bool(report, node, "origin_needs_target", element)
    identifying = _bool(report, node, "identifying", element)
    for key in ("label", "description"):
        if not _text_fits(report, node, key, element):
            ok = False
    sort = _names_list(report, node, "sort", element)
    if not ok:
        return None
    origin, target = ends["origin"], ends["target"]
    for item_name in sort:
        if item_name not in target.items.names:
            if (f"record type {target.name}", item_name) not in report.rejected:
                message = f"sort item {item_name!r} is not an item of the target {target.name}"
                report.add(_line(node, "sort"), element, message)
            ok = False
        elif target.items[item_name].decomposable or target.items[item_name].repetitive:
            report.add(_line(node, "sort"), element, f"sort item {item_name!r} is decomposable or repetitive")
            ok = False
        elif not target.items[item_name].mandatory:
            # DBMSs disagree on where NULLs sort: a path's order must never meet one.
            report.add(_line(node, "sort"), element, f"sort item {item_name!r} must be mandatory (mandatory: true)")
            ok = False
    link_items: list[Item] = []
    if "items" in node:
        if cls != "N-N":
            report.add(_line(node, "items"), element, "only an N-N path carries items of its own (its junction)")
            ok = False
        else:
            link_items = _parse_items(report, node["items"], element)
            for item in link_items:
                if item.name in target.items.names or item.name in origin.items.names:
                    report.add(
                        _line(node["items"], item.name),
                        f"{element}.{item.name}",
                        "a path item may not share its name with an item of the origin or target",
                    )
                    ok = False
    origin_items: list[tuple[str, str]] = []
    raw_map = node.get("origin_items")
    if cls == "N-N":
        if raw_map is not None or identifying:
            report.add(
                _line(node, "origin_items") or line,
                element,
                "an N-N path stores no origin items in its target and cannot be identifying",
            )
            ok = False
    else:
        if raw_map is not None and not isinstance(raw_map, _Map):
            report.add(
                _line(node, "origin_items"),
                element,
                "origin_items maps origin identifier items to target items",
            )
            return None
        raw_map = raw_map or _Map()
        for origin_item in raw_map:
            if origin_item not in origin.identifier_items:
                report.add(
                    _line(raw_map, origin_item),
                    element,
                    f"origin_items: {origin_item!r} is not an identifier item of {origin.name}",
                )
                ok = False
        for origin_item in origin.identifier_items:
            target_item = raw_map.get(origin_item, f"{snake(name)}_{origin_item}")
            if not isinstance(target_item, str):
                # Without this problem the path was dropped silently and the schema half-loaded.
                message = f"origin_items: {origin_item!r} must map to an item name"
                report.add(_line(raw_map, origin_item), element, message)
                ok = False
                continue
            if not _check_name(report, target_item, _line(raw_map, origin_item), element):
                ok = False
                continue
            origin_items.append((origin_item, target_item))
        if identifying:
            for _, target_item in origin_items:
                if target_item not in target.identifier_items:
                    report.add(
                        _line(node, "identifying"),
                        element,
                        f"an identifying path's item {target_item!r} must be in {target.name}'s identifier",
                    )
                    ok = False
            if cls != "1-N" or not tno:
                report.add(
                    _line(node, "identifying"),
                    element,
                    "an identifying path is 1-N and its target needs its origin",
                )
                ok = False
    if not ok:
        return None
    inverse = node.get("inverse", "")
    return _PathDraft(
        PathType(
            name=name,
            origin=origin.name,
            target=target.name,
            cls=cast(PathClass, cls),
            target_needs_origin=tno,
            origin_needs_target=ont,
            sort=sort,
            inverse=inverse if isinstance(inverse, str) else "",
            label=node.get("label", ""),
            description=node.get("description", ""),
            identifying=identifying,
            origin_items=tuple(origin_items),
            items=named(link_items),
        ),
        line,
        frozenset(raw_map or ()),
    )


def _attach_path_items(report: _Report, rts: dict[str, RecordType], drafts: list[_PathDraft]) -> None:
    """Add to each target the items holding its 1-N/1-1 origins' identifiers (thesis VI.4.1)."""
    for draft in drafts:
        path = draft.path
        if path.many_to_many:
            continue
        origin, target = rts[path.origin], rts[path.target]
        items = list(target.items)
        for origin_item, target_item in path.origin_items:
            source = origin.items[origin_item]
            existing = target.items.get(target_item)
            element = f"path type {path.name}"
            if existing is not None:
                if existing.path is not None:
                    report.add(
                        draft.line,
                        element,
                        f"target item {target_item!r} already carries path {existing.path}",
                    )
                elif (existing.type, existing.length, existing.scale) != (
                    source.type,
                    source.length,
                    source.scale,
                ):
                    report.add(
                        draft.line,
                        element,
                        f"target item {path.target}.{target_item} must have the type and length of "
                        f"{path.origin}.{origin_item} ({source.type} {source.length})",
                    )
                elif not path.identifying and origin_item not in draft.explicit:
                    report.add(
                        draft.line,
                        element,
                        f"target item {path.target}.{target_item} already exists; name the item that "
                        f"holds {path.origin}.{origin_item} in origin_items",
                    )
                else:
                    # Named on purpose (origin_items) or identifying: the declared item holds the origin.
                    items = [replace(i, path=path.name) if i.name == target_item else i for i in items]
                continue
            clash = next((i for i in items if target_item in _column_names(i)), None)
            if clash is not None:
                report.add(
                    draft.line,
                    element,
                    f"target item {target_item!r} clashes with {path.target}.{clash.name}",
                )
                continue
            items.append(
                Item(
                    name=target_item,
                    type=source.type,
                    length=source.length,
                    scale=source.scale,
                    label=f"{path.label or path.name}: {origin.title} {source.title.lower()}",
                    path=path.name,
                    description=f"Identifier item {origin_item} of the origin {path.origin} of path {path.name}.",
                )
            )
        rts[path.target] = replace(target, items=named(items))


def _parse_statistics(
    report: _Report, node: Any, rts: Mapping[str, RecordType], rejected: frozenset[str] = frozenset()
) -> dict[str, Statistics]:
    stats: dict[str, Statistics] = {}
    if node is None:
        return stats
    if not isinstance(node, _Map):
        report.add(_line(node), "statistics", "statistics must be a mapping of record type → {count, key_costs}")
        return stats
    for rt_name, spec in node.items():
        element = f"statistics of {rt_name}"
        if rt_name in rejected:
            continue  # declared but invalid: its own problems are reported
        if rt_name not in rts:
            report.add(_line(node, rt_name), element, f"{rt_name!r} is not a record type of this schema")
            continue
        if not isinstance(spec, _Map):
            report.add(_line(node, rt_name), element, "give count and key_costs")
            continue
        _check_keys(report, spec, _STAT_KEYS, element)
        count = spec.get("count", 1000)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            report.add(_line(spec, "count"), element, "count must be a non-negative integer")
            continue
        costs = spec.get("key_costs") or _Map()
        if not isinstance(costs, _Map):
            # A list or a number here used to crash the loader (AttributeError / TypeError).
            message = "key_costs must be a mapping of access key → mean cost"
            report.add(_line(spec, "key_costs"), element, message)
            continue
        bad = [k for k in costs if k not in rts[rt_name].keys.names]
        if bad:
            report.add(_line(spec, "key_costs"), element, f"{bad[0]!r} is not an access key of {rt_name}")
            continue
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in costs.values()):
            report.add(_line(spec, "key_costs"), element, "key costs must be positive numbers")
            continue
        stats[rt_name] = Statistics(rt_name, count, tuple(sorted((k, float(v)) for k, v in costs.items())))
    return stats


def _yaml_reason(exc: yaml.YAMLError) -> str:
    """PyYAML's explanation on one line (its ``str`` spans several, with carets), for one problem a line."""
    if not isinstance(exc, yaml.MarkedYAMLError) or not exc.problem:
        return " ".join(str(exc).split())
    reason = exc.problem
    if exc.context:
        started = f" on line {exc.context_mark.line + 1}" if exc.context_mark else ""
        reason = f"{exc.context}{started}: {reason}"
    if exc.problem_mark:
        reason += f" (column {exc.problem_mark.column + 1})"
    return reason


def parse(text: str, file: str = "<string>", *, reserved: Mapping[str, str] | None = None) -> Schema:
    """Parse and validate a schema file's text; raise :class:`SchemaError` listing every problem.

    ``reserved`` maps names the schema may not use for its record or path types to why (the
    meta-schema's own record types share the generated interface with the data's).
    """
    report = _Report(file)
    loader = _LineLoader(text)
    loader.duplicates = []
    loader.key_path = []
    try:
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        report.add(mark.line + 1 if mark else None, "file", f"not valid YAML: {_yaml_reason(exc)}")
        raise SchemaError(report.problems) from exc
    finally:
        loader.dispose()
    for key_path, key_line in loader.duplicates:
        message = "duplicate name (each name may appear once in its mapping)"
        report.add(key_line, _element_at(key_path), message)
    if not isinstance(doc, _Map):
        report.add(1, "file", "a schema file is a mapping (format, schema, version, record_types, path_types)")
        raise SchemaError(report.problems)
    _check_keys(report, doc, _TOP_KEYS, "schema")
    if doc.get("format") != FORMAT_VERSION:
        report.add(
            _line(doc, "format") or 1,
            "schema",
            f"format must be {FORMAT_VERSION} (this loader's format version)",
        )
    name = doc.get("schema")
    if not isinstance(name, str) or not NAME_RE.match(name):
        report.add(_line(doc, "schema") or 1, "schema", "schema: a name (letters, digits, _) is required")
        name = "?"
    elif reserved is not None and name == "meta":
        report.add(_line(doc, "schema") or 1, "schema", "the name meta is the meta-schema's: choose another")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        report.add(_line(doc, "version") or 1, "schema", "version must be a positive integer")
        version = 0
    rts: dict[str, RecordType] = {}
    raw_rts = doc.get("record_types")
    if not isinstance(raw_rts, _Map) or not raw_rts:
        report.add(_line(doc, "record_types") or 1, "schema", "record_types must be a non-empty mapping")
        raw_rts = _Map()
    # Tables and index names are the snake_case names (metadb.physical): OrgCell and Org_Cell, or
    # two such path types, would share a table or an index.
    tables: dict[str, str] = {}
    for rt_name, spec in raw_rts.items():
        if reserved and rt_name in reserved:
            report.add(
                _line(raw_rts, rt_name),
                f"record type {rt_name}",
                f"the name is reserved: {reserved[rt_name]}",
            )
            continue
        table = snake(rt_name)
        if tables.setdefault(table, rt_name) != rt_name:
            message = f"its table name {table!r} clashes with record type {tables[table]}'s"
            report.add(_line(raw_rts, rt_name), f"record type {rt_name}", message)
            continue
        rt = _parse_record_type(report, rt_name, spec, _line(raw_rts, rt_name))
        if rt is not None:
            rts[rt_name] = rt
    rejected = frozenset(raw_rts) - frozenset(rts)
    drafts: list[_PathDraft] = []
    raw_paths = doc.get("path_types") or _Map()
    if not isinstance(raw_paths, _Map):
        report.add(_line(doc, "path_types"), "schema", "path_types must be a mapping")
        raw_paths = _Map()
    for pt_name, spec in raw_paths.items():
        pline = _line(raw_paths, pt_name)
        if pt_name in raw_rts:
            report.add(pline, f"path type {pt_name}", "a path type may not share its name with a record type")
            continue
        if reserved and pt_name in reserved:
            report.add(pline, f"path type {pt_name}", f"the name is reserved: {reserved[pt_name]}")
            continue
        if any(snake(pt_name) == snake(r) for r in raw_rts):
            report.add(pline, f"path type {pt_name}", "its table name clashes with a record type's")
            continue
        table = f"path {snake(pt_name)}"
        if tables.setdefault(table, pt_name) != pt_name:
            message = f"its table name {snake(pt_name)!r} clashes with path type {tables[table]}'s"
            report.add(pline, f"path type {pt_name}", message)
            continue
        draft = _parse_path(report, pt_name, spec, pline, rts, rejected=rejected)
        if draft is not None:
            drafts.append(draft)
    inverses: dict[str, str] = {}
    for draft in drafts:
        inverse = draft.path.inverse
        if inverse:
            if inverse in inverses or inverse in raw_paths or inverse in raw_rts:
                report.add(draft.line, f"path type {draft.path.name}", f"inverse name {inverse!r} is already used")
            inverses[inverse] = draft.path.name
    _attach_path_items(report, rts, drafts)
    statistics = _parse_statistics(report, doc.get("statistics"), rts, rejected)
    path_types = {d.path.name: d.path for d in drafts}
    hints = _migration_hints(report, doc, rts, path_types) if not report.problems else MigrationHints()
    if report.problems:
        raise SchemaError(report.problems)
    return Schema(
        name=name,
        version=version,
        record_types=rts,
        path_types=path_types,
        label=doc.get("label", ""),
        statistics=statistics,
        source=file,
        migration=hints,
    )


def _renamed_from(report: _Report, node: _Map, element: str, own: str) -> str | None:
    old = node.get("renamed_from")
    if old is None:
        return None
    if not isinstance(old, str) or not NAME_RE.match(old) or len(old) > MAX_NAME:
        report.add(_line(node, "renamed_from"), element, f"renamed_from: the former name, not {old!r}")
        return None
    if old == own:
        report.add(_line(node, "renamed_from"), element, "renamed_from names the element's own name")
        return None
    return old


def _data_step(report: _Report, node: _Map, item: Item, element: str) -> DataStep | None:
    spec = node.get("migrate")
    if spec is None:
        return None
    line = _line(node, "migrate")
    if not isinstance(spec, _Map) or len(set(spec) & _MIGRATE_KEYS) != 1 or set(spec) - _MIGRATE_KEYS:
        report.add(line, element, "migrate: a mapping with one of value, compute or callable")
        return None
    if "value" in spec:
        value = spec["value"]
        if isinstance(value, float) and item.type == "decimal":
            value = Decimal(repr(value))
        if item.type == "date" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        checked, error = check_value(item, value)
        if error:
            report.add(line, element, f"migrate value {value!r} does not fit: {error}")
            return None
        return DataStep("value", checked)
    if "compute" in spec:
        try:
            return DataStep("compute", Expression(spec["compute"]))
        except ExpressionError as exc:
            report.add(line, element, f"migrate compute: {exc}")
            return None
    target = spec["callable"]
    if not isinstance(target, str) or not CALLABLE_RE.match(target):
        report.add(line, element, f"migrate callable: module:function, not {target!r}")
        return None
    return DataStep("callable", target)


def _migration_hints(
    report: _Report, doc: _Map, rts: Mapping[str, RecordType], paths: Mapping[str, PathType]
) -> MigrationHints:
    """The renames and data steps a schema file declares for migrating from its previous version."""
    record_types: dict[str, str] = {}
    items: dict[tuple[str, str], str] = {}
    keys: dict[tuple[str, str], str] = {}
    renamed_paths: dict[str, str] = {}
    steps: dict[tuple[str, str], DataStep] = {}
    for rt_name, node in (doc.get("record_types") or _Map()).items():
        element = f"record type {rt_name}"
        old = _renamed_from(report, node, element, rt_name)
        if old is not None:
            record_types[rt_name] = old
        rt = rts[rt_name]
        for item_name, spec in (node.get("items") or _Map()).items():
            where = f"{element}.{item_name}"
            old_item = _renamed_from(report, spec, where, item_name)
            if old_item is not None:
                items[(rt_name, item_name)] = old_item
            step = _data_step(report, spec, rt.items[item_name], where)
            if step is not None:
                steps[(rt_name, item_name)] = step
            for sub_name, sub_spec in (spec.get("items") or _Map()).items():
                if isinstance(sub_spec, _Map):
                    old_sub = _renamed_from(report, sub_spec, f"{where}.{sub_name}", sub_name)
                    if old_sub is not None:
                        items[(rt_name, f"{item_name}.{sub_name}")] = old_sub
        for key_name, spec in (node.get("keys") or _Map()).items():
            if isinstance(spec, _Map):
                old_key = _renamed_from(report, spec, f"{element}, key {key_name}", key_name)
                if old_key is not None:
                    keys[(rt_name, key_name)] = old_key
    for path_name, node in (doc.get("path_types") or _Map()).items():
        if path_name in paths:
            old_path = _renamed_from(report, node, f"path type {path_name}", path_name)
            if old_path is not None:
                renamed_paths[path_name] = old_path
    for mapping, what in ((record_types, "record type"), (renamed_paths, "path type")):
        olds = list(mapping.values())
        for twice in sorted({o for o in olds if olds.count(o) > 1}):
            report.add(None, what, f"two {what}s say renamed_from: {twice}")
    return MigrationHints(record_types, items, keys, renamed_paths, steps)


def load(path: str | Path) -> Schema:
    """Load a schema file from disk."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError([SchemaProblem(str(path), None, "file", f"cannot read: {exc.strerror}")]) from exc
    return parse(text, str(path), reserved=_reserved_for(path))


def _reserved_for(path: Path) -> dict[str, str] | None:
    # Only the built-in meta-schema may use its names: any other file called meta.yaml may not.
    # Its path types are reserved too, since with_meta() merges both namespaces.
    if path.resolve() in {builtin_path("meta").resolve(), *(p.resolve() for p in meta_history())}:
        return None
    return dict(_meta_names())


@cache
def _meta_names() -> tuple[tuple[str, str], ...]:
    """The meta-schema's record and path type names, read from its own file."""
    meta = load(builtin_path("meta"))
    names = [(n, "it is a path type of the meta-schema") for n in meta.path_types]
    names += [(n, "it is a record type of the meta-schema") for n in meta.record_types]
    return tuple(names)


def builtin_path(name: str) -> Path:
    """The path of a schema shipped with assurdb (``insurance``, ``meta``…)."""
    return Path(str(resources.files("assurdb.metadb").joinpath("schemas", f"{name}.yaml")))


def meta_history() -> list[Path]:
    """The files of the meta-schema's earlier versions (``schemas/history/meta-<n>.yaml``)."""
    folder = Path(str(resources.files("assurdb.metadb").joinpath("schemas", "history")))
    return sorted(folder.glob("meta-*.yaml"), key=lambda p: int(p.stem.split("-")[1]))


def builtin_versions(name: str) -> dict[int, Path]:
    """Every version of a shipped schema: its earlier ones (``schemas/history/<name>-<n>.yaml``) and
    the current one, by version number."""
    folder = Path(str(resources.files("assurdb.metadb").joinpath("schemas", "history")))
    versions = {
        int(p.stem.rsplit("-", 1)[1]): p for p in folder.glob(f"{name}-*.yaml") if p.stem.rsplit("-", 1)[1].isdigit()
    }
    current = builtin_path(name)
    if current.exists():
        versions[load(current).version] = current
    return dict(sorted(versions.items()))


def builtin_names() -> list[str]:
    folder = resources.files("assurdb.metadb").joinpath("schemas")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_schema(name_or_path: str | Path) -> Schema:
    """A built-in schema by name (``"insurance"``) or a schema file by path."""
    candidate = Path(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in builtin_names():
        candidate = builtin_path(name_or_path)
    return load(candidate)
