"""A schema back to its file: the inverse of :mod:`assurdb.metadb.loader`.

``load(to_yaml(schema))`` has the schema's fingerprint. Used where a schema comes from a database
rather than a file (``assurdb dump`` writes the schema a database holds) and by ``schema show``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import yaml

from assurdb.metadb.loader import FORMAT_VERSION, snake
from assurdb.metadb.model import IDENTIFIER_KEY, Item, PathType, RecordType, Schema


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value == value.to_integral_value() or len(value.as_tuple().digits) <= 15 else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    return value


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.decomposable:
        out["items"] = {s.name: _item(s) for s in item.sub_items}
    else:
        out["type"] = item.type
        if item.length is not None:
            out["length"] = item.length
        if item.type == "decimal":
            out["scale"] = item.scale
    for attribute in ("label", "description", "display", "combine", "changed_by"):
        if getattr(item, attribute):
            out[attribute] = getattr(item, attribute)
    if item.mandatory and not item.decomposable:
        out["mandatory"] = True
    if item.repetitive:
        out["repetitive"] = item.repetitive
    if item.default is not None:
        out["default"] = _value(item.default)
    return out


def _added_by_loader(rt: RecordType, item: Item, schema: Schema) -> bool:
    """An item the loader adds for a path (``<snake(path)>_<origin item>``): not written back."""
    if item.path is None or item.identifying:
        return False
    path = schema.path_types[item.path]
    return any(t == item.name and t == f"{snake(path.name)}_{o}" for o, t in path.origin_items)


def _record_type(rt: RecordType, schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rt.label:
        out["label"] = rt.label
    if rt.description:
        out["description"] = rt.description
    out["items"] = {i.name: _item(i) for i in rt.items if not _added_by_loader(rt, i, schema)}
    out["identifier"] = list(rt.identifier_items)
    keys = {k.name: list(k.items) for k in rt.keys if k.name != IDENTIFIER_KEY}
    if keys:
        out["keys"] = keys
    return out


def _path(path: PathType) -> dict[str, Any]:
    out: dict[str, Any] = {"origin": path.origin, "target": path.target, "class": path.cls}
    for flag in ("target_needs_origin", "origin_needs_target", "identifying"):
        if getattr(path, flag):
            out[flag] = True
    if path.sort:
        out["sort"] = list(path.sort)
    for attribute in ("inverse", "label", "description"):
        if getattr(path, attribute):
            out[attribute] = getattr(path, attribute)
    if path.origin_items and any(t != f"{snake(path.name)}_{o}" for o, t in path.origin_items):
        out["origin_items"] = dict(path.origin_items)
    if path.items:
        out["items"] = {i.name: _item(i) for i in path.items}
    return out


def to_yaml(schema: Schema, *, header: str = "") -> str:
    """The schema file of ``schema`` (the meta-schema's record and path types left out)."""
    document: dict[str, Any] = {"format": FORMAT_VERSION, "schema": schema.name, "version": schema.version}
    if schema.label:
        document["label"] = schema.label
    document["record_types"] = {name: _record_type(rt, schema) for name, rt in schema.record_types.items()}
    if schema.path_types:
        document["path_types"] = {name: _path(p) for name, p in schema.path_types.items()}
    if schema.statistics:
        document["statistics"] = {
            name: {"count": s.count, **({"key_costs": dict(s.key_costs)} if s.key_costs else {})}
            for name, s in schema.statistics.items()
        }
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=None, width=110)
    return (header + text) if header else text
