"""Default screens, derived from the meta-database for every record type.

For each record type: a *find* screen per access key (the identifier and every secondary key; a
partial key — the leading items, a text's first letters — finds the first article at or after
it), an *article* screen (every zone protected; the paths lead to its targets and origins), a
*create* screen, a *modify* screen (the identifier protected) and a *delete* screen that asks for
confirmation. Each item takes one line: a label zone, then its field zone, as wide as the item
(a repetitive item one line per occurrence, a decomposable item one line per sub-item). Items
that only a primitive changes (``changed_by``) are protected on the modify screen, and on the
create screen unless the article cannot be written without them (mandatory, no default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assurdb.metadb.model import Item, PathType, RecordType, Schema
from assurdb.screens.model import Action, Attribute, Line, Screen, Zone
from assurdb.screens.values import field_names, kind_of, width_of

#: Columns of the label zone; the field zone starts after it.
LABEL_WIDTH = 32
#: The widest field zone (a longer text scrolls inside it).
FIELD_WIDTH = 60
Purpose = Literal["find", "view", "create", "modify", "delete"]
#: Items shown hidden (and never filled in from the article): a password's hash is nobody's business.
SECRET_ITEMS = frozenset({"password_hash"})


@dataclass(frozen=True)
class PathLink:
    """A path of an article's screen: from the article to the ``other`` record type's articles
    (``direction="target"``: READ TARGET VIA PATH; ``"origin"``: READ ORIGIN VIA PATH)."""

    path: str
    label: str
    other: str
    direction: Literal["target", "origin"]
    many: bool


@dataclass(frozen=True)
class RecordScreens:
    """The default screens of one record type."""

    record_type: str
    title: str
    find: dict[str, Screen]
    view: Screen
    create: Screen
    modify: Screen
    delete: Screen
    paths: tuple[PathLink, ...]
    #: field name → the item it belongs to (``address.street`` → ``address``)
    item_of: dict[str, str]


def _field_label(item: Item, name: str) -> str:
    if "." not in name:
        return item.title
    suffix = name.split(".", 1)[1]
    if item.decomposable:
        return f"{item.title}: {item.sub_items[suffix].title}"
    return f"{item.title} {suffix}"


def item_lines(rt: RecordType, items: list[Item], purpose: Purpose) -> list[Line]:
    lines: list[Line] = []
    identifier = set(rt.identifier_items)
    for item in items:
        for name in field_names(item):
            sub = item.sub_items[name.split(".", 1)[1]] if item.decomposable else item
            attrs: set[Attribute] = set()
            if purpose in ("view", "delete"):
                attrs.add("protected")
            if purpose == "modify" and item.name in identifier:
                attrs |= {"protected", "emphasis"}
            needed = item.mandatory and item.default is None
            if item.changed_by and (purpose == "modify" or (purpose == "create" and not needed)):
                attrs.add("protected")
            if purpose == "create" and needed:
                attrs.add("required")
            if item.name in identifier and purpose in ("view", "delete"):
                attrs.add("emphasis")
            if item.name in SECRET_ITEMS:
                attrs.add("hidden")
            label = _field_label(item, name)
            width = min(width_of(sub), FIELD_WIDTH)
            lines.append(
                Line(
                    len(lines) + 1,
                    (
                        Zone(1, LABEL_WIDTH, text=label[:LABEL_WIDTH], attributes=frozenset({"protected"})),
                        Zone(
                            LABEL_WIDTH + 2,
                            width,
                            field=name,
                            label=label,
                            kind=kind_of(sub),
                            attributes=frozenset(attrs),
                        ),
                    ),
                )
            )
    return lines


def _path_links(schema: Schema, rt: str) -> tuple[PathLink, ...]:
    links: list[PathLink] = []
    for path in schema.paths_from(rt):
        links.append(PathLink(path.name, path.label or path.name, path.target, "target", path.cls != "1-1"))
    for path in schema.paths_to(rt):
        links.append(PathLink(path.name, _inverse_label(path), path.origin, "origin", path.many_to_many))
    return tuple(links)


def _inverse_label(path: PathType) -> str:
    return path.inverse or f"{path.label or path.name} (origin)"


def record_screens(schema: Schema, rt: str) -> RecordScreens:
    """The default screens of record type ``rt``."""
    record = schema.record_types[rt]
    items = list(record.items)
    finds: dict[str, Screen] = {}
    for key in record.keys:
        key_items = [record.item(i) for i in key.items]
        label = "identifier" if key.identifying else f"key {key.name}"
        finds[key.name] = Screen(
            f"{rt}.find.{key.name}",
            f"Find {record.title} by {label}",
            tuple(item_lines(record, key_items, "find")),
            (Action("find", "Find"),),
            "Give the key, or its beginning: the first article at or after it is shown.",
        )
    item_of = {name: item.name for item in items for name in field_names(item)}
    return RecordScreens(
        rt,
        record.title,
        finds,
        Screen(f"{rt}.view", record.title, tuple(item_lines(record, items, "view")), (), record.description),
        Screen(
            f"{rt}.create",
            f"New {record.title}",
            tuple(item_lines(record, items, "create")),
            (Action("save", "Create"),),
        ),
        Screen(
            f"{rt}.modify",
            f"Modify {record.title}",
            tuple(item_lines(record, items, "modify")),
            (Action("save", "Save changes"),),
        ),
        Screen(
            f"{rt}.delete",
            f"Delete {record.title}?",
            tuple(item_lines(record, items, "delete")),
            (Action("delete", "Delete", confirm=True),),
            "This article will be deleted. Its paths must allow it (return code 900/901 otherwise).",
        ),
        _path_links(schema, rt),
        item_of,
    )
