"""A schema as plain data and back: how a generated interface carries the schema it was built from.

:func:`assurdb.metadb.model.to_plain` writes it; :func:`from_plain` rebuilds the identical
:class:`~assurdb.metadb.model.Schema`, checking each default against its item.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from assurdb.metadb.model import AccessKey, Item, PathType, RecordType, Schema, Statistics, named
from assurdb.metadb.values import check_value


def item_from_plain(plain: Mapping[str, Any]) -> Item:
    item = Item(
        name=plain["name"],
        type=plain["type"],
        length=plain["length"],
        scale=plain["scale"],
        label=plain["label"],
        identifying=plain["identifying"],
        access_key=plain["access_key"],
        mandatory=plain["mandatory"],
        repetitive=plain["repetitive"],
        sub_items=named(item_from_plain(s) for s in plain["sub_items"]),
        display=plain["display"],
        combine=plain["combine"],
        description=plain["description"],
        path=plain["path"],
        changed_by=plain.get("changed_by"),
    )
    default = plain["default"]
    if isinstance(default, str) and item.type == "decimal":
        default = Decimal(default)
    elif isinstance(default, str) and item.type == "date":
        default = date.fromisoformat(default)
    if default is not None:
        default, error = check_value(item, default)
        if error:
            raise ValueError(f"default of {item.name}: {error}")
    return Item(**{**item.__dict__, "default": default})


def from_plain(plain: Mapping[str, Any]) -> Schema:
    """The inverse of :func:`to_plain` (how a generated package carries its schema)."""
    record_types = {
        name: RecordType(
            name=name,
            items=named(item_from_plain(i) for i in rt["items"]),
            keys=named(AccessKey(k["name"], tuple(k["items"]), k["identifying"]) for k in rt["keys"]),
            label=rt["label"],
            description=rt["description"],
        )
        for name, rt in plain["record_types"].items()
    }
    path_types = {
        name: PathType(
            name=name,
            origin=pt["origin"],
            target=pt["target"],
            cls=pt["class"],
            target_needs_origin=pt["target_needs_origin"],
            origin_needs_target=pt["origin_needs_target"],
            sort=tuple(pt["sort"]),
            inverse=pt["inverse"],
            label=pt["label"],
            description=pt["description"],
            identifying=pt["identifying"],
            origin_items=tuple((o, t) for o, t in pt["origin_items"]),
            items=named(item_from_plain(i) for i in pt["items"]),
        )
        for name, pt in plain["path_types"].items()
    }
    statistics = {
        name: Statistics(name, s["count"], tuple(sorted(s["key_costs"].items())))
        for name, s in plain.get("statistics", {}).items()
    }
    return Schema(
        name=plain["name"],
        version=plain["version"],
        record_types=record_types,
        path_types=path_types,
        label=plain.get("label", ""),
        statistics=statistics,
    )
