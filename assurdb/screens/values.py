"""Between what a user types in a zone and an item's value, both ways.

Reading is lenient and checks nothing: a text that is not a number stays a text, and the access
interface answers 13 (invalid value) with its message — one place checks values, the
meta-database's. An empty zone is an absent value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from assurdb.metadb.contract import Value
from assurdb.metadb.model import Item, RecordType
from assurdb.screens.model import FieldKind

_INTEGER = re.compile(r"^[+-]?\d+$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TRUE_TEXTS = frozenset({"on", "true", "yes", "1"})


def kind_of(item: Item) -> FieldKind:
    """How an item's value is typed in."""
    return {"numeric": "number", "decimal": "decimal", "date": "date", "boolean": "boolean"}.get(str(item.type), "text")  # type: ignore[return-value]


def width_of(item: Item) -> int:
    """How many characters the item's zone needs (a sign and a point included)."""
    if item.type == "date":
        return 10
    if item.type == "boolean":
        return 1
    if item.type == "decimal":
        return (item.length or 18) + 2
    if item.type == "numeric":
        return (item.length or 18) + 1
    return item.length or 20


def parse(kind: FieldKind, text: str) -> object:
    """The value a user typed: an int, a Decimal, a date, a bool — or the text itself when it is
    none of them (the interface then says why it is invalid)."""
    text = text.strip()
    if kind == "boolean":
        return text.lower() in TRUE_TEXTS
    if kind == "number" and _INTEGER.match(text):
        return int(text)
    if kind == "decimal":
        try:
            number = Decimal(text.replace(" ", ""))
        except InvalidOperation:
            return text
        return number if number.is_finite() else text
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            found = _DMY.match(text)
            if found:
                day, month, year = (int(g) for g in found.groups())
                try:
                    return dt.date(year, month, day)
                except ValueError:
                    return text
            return text
    return text


def show(value: object) -> str:
    """A value as a zone holds it (dates in ISO form, what a date zone takes)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def field_names(item: Item) -> list[str]:
    """The fields of an item: its own name, ``phone.1``… for a repetitive item, ``address.street``…
    for a decomposable one."""
    if item.decomposable:
        return [f"{item.name}.{sub.name}" for sub in item.sub_items]
    if item.repetitive:
        return [f"{item.name}.{n}" for n in range(1, item.repetitive + 1)]
    return [item.name]


def article_fields(rt: RecordType, article: Mapping[str, Value]) -> dict[str, str]:
    """An article as field texts (the inverse of :func:`read_article`)."""
    out: dict[str, str] = {}
    for item in rt.items:
        value = article.get(item.name)
        if item.decomposable:
            parts = value if isinstance(value, dict) else {}
            for sub in item.sub_items:
                out[f"{item.name}.{sub.name}"] = show(parts.get(sub.name))
        elif item.repetitive:
            occurrences = value if isinstance(value, list) else []
            for n in range(1, item.repetitive + 1):
                out[f"{item.name}.{n}"] = show(occurrences[n - 1]) if n <= len(occurrences) else ""
        else:
            out[item.name] = show(value)
    return out


def read_article(
    rt: RecordType, texts: Mapping[str, str], fields: set[str], *, blanks_are_absent: bool
) -> dict[str, object]:
    """The article the user typed in ``fields`` (the zones they could change).

    An empty simple item is left out when ``blanks_are_absent`` (a new article takes its
    defaults), else it is ``None`` (a change clears it). A repetitive item keeps its filled
    occurrences in order; a decomposable item is ``None`` when every sub-item is empty.
    """
    out: dict[str, object] = {}
    for item in rt.items:
        names = field_names(item)
        if not any(n in fields for n in names):
            continue
        if item.decomposable:
            parts = {
                sub.name: parse(kind_of(sub), texts.get(f"{item.name}.{sub.name}", ""))
                for sub in item.sub_items
                if texts.get(f"{item.name}.{sub.name}", "").strip()
            }
            if parts or not blanks_are_absent:
                out[item.name] = parts or None
        elif item.repetitive:
            occurrences = [parse(kind_of(item), texts[n]) for n in names if texts.get(n, "").strip()]
            if occurrences or not blanks_are_absent:
                out[item.name] = occurrences
        else:
            text = texts.get(item.name, "")
            if text.strip() or kind_of(item) == "boolean":
                out[item.name] = parse(kind_of(item), text)
            elif not blanks_are_absent:
                out[item.name] = None
    return out
