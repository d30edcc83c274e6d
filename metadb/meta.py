"""The meta-schema and the round trip between a :class:`Schema` and its meta-database articles.

Thesis VII.1.4: the meta-database is stored in the database and read with the same primitives
as the data. :func:`schema_to_articles` turns a schema into the articles of the meta-schema's
record types (``RecordType``, ``Item``, ``AccessKey``, ``PathType``, ``Statistics``,
``SchemaVersion``); :func:`schema_from_articles` rebuilds the identical schema from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from assurdb.metadb.errors import MetaDBError
from assurdb.metadb.loader import builtin_path, load, meta_history
from assurdb.metadb.model import (
    AccessKey,
    Item,
    PathType,
    RecordType,
    Schema,
    Statistics,
    named,
    to_plain,
)
from assurdb.metadb.plain import from_plain
from assurdb.metadb.values import check_value

#: The meta-schema's record types, in the order they are written (origins before targets).
META_RECORD_TYPES = (
    "SchemaVersion",
    "SchemaText",
    "RecordType",
    "Item",
    "AccessKey",
    "PathType",
    "User",
    "Permission",
    "Opening",
    "LoginAttempt",
    "Statistics",
)

#: The meta record types that are the system's own (meta-schema 4 on): no user may open them,
#: whatever the permissions say, and no permission is granted on them — login throttling writes
#: ``LoginAttempt`` for every name tried, so it must never wait on a session holding it.
SYSTEM_ONLY = ("LoginAttempt",)
#: Items no request answers, per record type (only the system's own sessions read them): a
#: password hash leaves the database by no request, whoever asks (``User.password_hash``).
HIDDEN_ITEMS = {"User": ("password_hash",)}

#: The meta record types that describe the current schema (the rest is history and run-time content).
DESCRIPTIVE = ("RecordType", "Item", "AccessKey", "PathType", "Statistics")
#: The name the meta-schema's own versions are kept under in ``SchemaVersion``.
META_NAME = "meta"
#: Characters per part of a version's description (``SchemaText.text``).
PART = 2000


@cache
def meta_schema(version: int | None = None) -> Schema:
    """The meta-schema (``metadb/schemas/meta.yaml``), or an earlier version of it."""
    current = load(builtin_path("meta")) if version is None else meta_schema()
    if version is None or version == current.version:
        return current
    for path in meta_history():
        found = load(path)
        if found.version == version:
            return found
    raise MetaDBError(f"no meta-schema version {version} (this assurdb knows 1 to {meta_schema().version})")


def with_meta(schema: Schema, meta_version: int | None = None) -> Schema:
    """The schema together with the meta-schema's record and path types (one interface for both)."""
    meta = meta_schema(meta_version)
    clash = sorted(
        (set(schema.record_types) | set(schema.path_types)) & (set(meta.record_types) | set(meta.path_types))
    )
    if clash:
        raise MetaDBError(f"schema {schema.name!r} uses names of the meta-schema: {', '.join(clash)}")
    return replace(
        schema,
        record_types={**schema.record_types, **meta.record_types},
        path_types={**schema.path_types, **meta.path_types},
    )


def without_meta(schema: Schema) -> Schema:
    """The schema without the meta-schema's record and path types (the inverse of :func:`with_meta`)."""
    names = set(META_RECORD_TYPES)
    meta_paths = {p for v in range(1, meta_schema().version + 1) for p in meta_schema(v).path_types}
    return replace(
        schema,
        record_types={n: rt for n, rt in schema.record_types.items() if n not in names},
        path_types={n: p for n, p in schema.path_types.items() if n not in meta_paths},
    )


def _encode_default(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return json.dumps({"decimal": str(value)})
    if isinstance(value, date):
        return json.dumps({"date": value.isoformat()})
    return json.dumps(value)


def _decode_default(text: str | None) -> Any:
    if text is None:
        return None
    value = json.loads(text)
    if isinstance(value, dict) and "decimal" in value:
        return Decimal(value["decimal"])
    if isinstance(value, dict) and "date" in value:
        return date.fromisoformat(value["date"])
    return value


def _item_articles(owner: str, items: Iterable[Item], *, path_owner: bool, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for position, item in enumerate(items, start=1):
        out.append(
            {
                "owner": owner,
                "name": prefix + item.name,
                "position": position,
                "type": item.type,
                "length": item.length,
                "scale": item.scale,
                "label": item.label or None,
                "identifying": item.identifying,
                "access_key": item.access_key,
                "mandatory": item.mandatory,
                "repetitive": item.repetitive,
                "default": _encode_default(item.default),
                "display": item.display,
                "combine": item.combine,
                "description": item.description or None,
                "path": item.path,
                "changed_by": item.changed_by,
                "record_type": None if path_owner or prefix else owner,
                "path_type": owner if path_owner and not prefix else None,
            }
        )
        if item.decomposable:
            out.extend(_item_articles(owner, item.sub_items, path_owner=path_owner, prefix=f"{prefix}{item.name}."))
    return out


def describe(schema: Schema) -> str:
    """A schema's description as the history keeps it: its canonical JSON (``from_plain`` reads it)."""
    return json.dumps(to_plain(schema), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def version_articles(
    schema: Schema,
    *,
    state: str = "current",
    applied_at: str | None = None,
    applied_by: str | None = None,
    generator: str | None = None,
    described: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A version's ``SchemaVersion`` article and the ``SchemaText`` parts of its description
    (none for the meta-schema, whose versions ship with assurdb)."""
    text = describe(schema) if described else ""
    parts = [
        {"name": schema.name, "version": schema.version, "part": n, "text": text[start : start + PART]}
        for n, start in enumerate(range(0, len(text), PART), start=1)
    ]
    head = {
        "name": schema.name,
        "version": schema.version,
        "fingerprint": schema.fingerprint,
        "generator": generator,
        "label": schema.label or None,
        "state": state,
        "applied_at": applied_at,
        "applied_by": applied_by,
        "parts": len(parts),
    }
    return head, parts


def schema_from_parts(parts: Iterable[Mapping[str, Any]]) -> Schema:
    """A version rebuilt from its ``SchemaText`` parts (any order)."""
    text = "".join(p["text"] for p in sorted(parts, key=lambda p: int(p["part"])))
    return from_plain(json.loads(text))


def schema_to_articles(schema: Schema, meta_version: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """The meta-database articles describing ``schema`` (its record types, items, keys, paths and
    statistics), per meta record type, in write order — with the items the meta-schema's
    ``meta_version`` has (default: the current one; an older one lacks ``Item.changed_by``)."""
    articles = _articles(schema)
    if meta_version is None or meta_version == meta_schema().version:
        return articles
    meta = meta_schema(meta_version)
    for rt, rows in articles.items():
        kept = {i.name for i in meta.record_types[rt].items} if rt in meta.record_types else set()
        articles[rt] = [{k: v for k, v in row.items() if k in kept} for row in rows]
    return articles


def _articles(schema: Schema) -> dict[str, list[dict[str, Any]]]:
    articles: dict[str, list[dict[str, Any]]] = {name: [] for name in DESCRIPTIVE}
    for position, rt in enumerate(schema.record_types.values(), start=1):
        articles["RecordType"].append(
            {
                "name": rt.name,
                "label": rt.label or None,
                "description": rt.description or None,
                "position": position,
            }
        )
        articles["Item"].extend(_item_articles(rt.name, rt.items, path_owner=False))
        stats = schema.statistics.get(rt.name)
        for key in rt.keys:
            cost = stats.cost(key.name) if stats and key.name in dict(stats.key_costs) else None
            articles["AccessKey"].append(
                {
                    "record_type": rt.name,
                    "name": key.name,
                    "items": list(key.items),
                    "identifying": key.identifying,
                    "cost": None if cost is None else Decimal(repr(cost)),
                }
            )
        if stats is not None:
            articles["Statistics"].append({"record_type": rt.name, "count": stats.count})
    for pt in schema.path_types.values():
        articles["PathType"].append(
            {
                "name": pt.name,
                "origin": pt.origin,
                "target": pt.target,
                "class": pt.cls,
                "target_needs_origin": pt.target_needs_origin,
                "origin_needs_target": pt.origin_needs_target,
                "sort": list(pt.sort),
                "inverse": pt.inverse or None,
                "label": pt.label or None,
                "description": pt.description or None,
                "identifying": pt.identifying,
                "origin_items": [o for o, _ in pt.origin_items],
                "target_items": [t for _, t in pt.origin_items],
            }
        )
        articles["Item"].extend(_item_articles(pt.name, pt.items, path_owner=True))
    return articles


def _item_from(article: Mapping[str, Any], subs: list[Item]) -> Item:
    name = str(article["name"]).rsplit(".", 1)[-1]
    item = Item(
        name=name,
        type=article["type"],
        length=article["length"],
        scale=article["scale"] or 0,
        label=article["label"] or "",
        identifying=bool(article["identifying"]),
        access_key=bool(article["access_key"]),
        mandatory=bool(article["mandatory"]),
        repetitive=article["repetitive"],
        sub_items=named(subs),
        display=article["display"],
        combine=article["combine"],
        description=article["description"] or "",
        path=article["path"],
        changed_by=article.get("changed_by"),  # meta-schema 3 on
    )
    default = _decode_default(article["default"])
    if default is not None:
        default, error = check_value(item, default)
        if error:
            raise MetaDBError(f"meta-database item {article['owner']}.{article['name']}: default {error}")
    return replace(item, default=default)


def _items_of(owner: str, rows: list[Mapping[str, Any]]) -> list[Item]:
    mine = sorted((r for r in rows if r["owner"] == owner), key=lambda r: r["position"])
    top = [r for r in mine if "." not in r["name"]]
    return [_item_from(r, [_item_from(s, []) for s in mine if s["name"].startswith(r["name"] + ".")]) for r in top]


def schema_from_articles(articles: Mapping[str, list[Mapping[str, Any]]]) -> Schema:
    """Rebuild a :class:`Schema` from its meta-database articles (inverse of :func:`schema_to_articles`)."""
    current = [v for v in articles.get("SchemaVersion") or [] if v.get("state", "current") == "current"]
    if len(current) > 1:  # the meta-schema's own version beside the schema's
        current = [v for v in current if v["name"] != META_NAME]
    if len(current) != 1:
        raise MetaDBError(f"the meta-database holds {len(current)} current schema versions; expected exactly one")
    head = current[0]
    items = list(articles.get("Item") or [])
    keys = list(articles.get("AccessKey") or [])
    counts = {s["record_type"]: s["count"] for s in articles.get("Statistics") or []}
    record_types: dict[str, RecordType] = {}
    statistics: dict[str, Statistics] = {}
    for row in sorted(articles.get("RecordType") or [], key=lambda r: r["position"]):
        name = row["name"]
        rt_keys = [k for k in keys if k["record_type"] == name]
        record_types[name] = RecordType(
            name=name,
            items=named(_items_of(name, items)),
            keys=named(
                AccessKey(k["name"], tuple(k["items"] or ()), bool(k["identifying"])) for k in _key_order(rt_keys)
            ),
            label=row["label"] or "",
            description=row["description"] or "",
        )
        costs = tuple(sorted((k["name"], float(k["cost"])) for k in rt_keys if k["cost"] is not None))
        if name in counts:
            statistics[name] = Statistics(name, counts[name], costs)
    path_types: dict[str, PathType] = {}
    for row in articles.get("PathType") or []:
        path_types[row["name"]] = PathType(
            name=row["name"],
            origin=row["origin"],
            target=row["target"],
            cls=row["class"],
            target_needs_origin=bool(row["target_needs_origin"]),
            origin_needs_target=bool(row["origin_needs_target"]),
            sort=tuple(row["sort"] or ()),
            inverse=row["inverse"] or "",
            label=row["label"] or "",
            description=row["description"] or "",
            identifying=bool(row["identifying"]),
            origin_items=tuple(zip(row["origin_items"] or (), row["target_items"] or (), strict=True)),
            items=named(_items_of(row["name"], items)),
        )
    return Schema(
        name=head["name"],
        version=head["version"],
        record_types=record_types,
        path_types=path_types,
        label=head["label"] or "",
        statistics=statistics,
        source="meta-database",
    )


def _key_order(keys: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The identifier first, then secondary keys by name (as :func:`metadb.model.to_plain` orders them)."""
    return sorted(keys, key=lambda k: (not k["identifying"], k["name"]))
