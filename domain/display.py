"""DISPLAY and PRINT formatting (thesis V.1.1 d, e): an occurrence's items with the labels and the
display formats the meta-database gives them.

``Item.display`` is a Python format spec: ``",.2f"`` for an amount, ``"010d"`` for a ten-digit
code, ``"%d/%m/%Y"`` (a ``strftime`` pattern) for a date. Items without one show as themselves:
dates in ISO form, booleans as yes / no, repetitive items joined by commas, decomposable items
as their sub-items, each with its own label. Absent items show as nothing.

PRINT writes the same to a file, as text (one block per occurrence, as DISPLAY shows it), CSV
(one row per occurrence under a header of labels) or HTML (a table).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assurdb.domain.constraints import items_of
from assurdb.metadb.model import Item, RecordType

PrintFormat = Literal["text", "csv", "html"]
#: Labels are aligned up to this width; longer ones (a path item's) simply run on.
LABEL_WIDTH = 28
PRINT_FORMATS: tuple[PrintFormat, ...] = ("text", "csv", "html")


def format_scalar(item: Item, value: Any) -> str:
    """One value of a simple item, by its display format."""
    if value is None:
        return ""
    spec = item.display
    if isinstance(value, date):
        if spec:
            return value.strftime(spec)
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec:
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            return str(value)
    return str(value)


def format_value(item: Item, value: Any) -> str:
    """A value of any item: simple, repetitive (occurrences joined) or decomposable (sub-items)."""
    if value is None:
        return ""
    if item.decomposable and isinstance(value, Mapping):
        parts = []
        for sub in item.sub_items:
            shown = format_value(sub, value.get(sub.name))
            if shown:
                parts.append(f"{sub.title}: {shown}")
        return "; ".join(parts)
    if item.repetitive and isinstance(value, list | tuple):
        return ", ".join(format_scalar(item, v) for v in value if v is not None)
    return format_scalar(item, value)


def _shown_items(rt: RecordType, article: Mapping[str, Any]) -> list[Item]:
    """The record type's items, in the meta-database's order, that the article holds."""
    return [item for item in rt.items if item.name in article]


def format_article(rt: RecordType, article: Mapping[str, Any]) -> str:
    """DISPLAY OCCURRENCE's text: a title line, then one ``label : value`` line per item."""
    items = _shown_items(rt, article)
    ident = "/".join(format_value(items_of(rt)[i], article.get(i)) for i in rt.identifier_items if i in article)
    lines = [f"{rt.title} {ident}".rstrip()]
    width = min(LABEL_WIDTH, max((len(item.title) for item in items), default=0))
    for item in items:
        lines.append(f"  {item.title.ljust(width)} : {format_value(item, article.get(item.name))}".rstrip())
    return "\n".join(lines)


def render(rt: RecordType, articles: Sequence[Mapping[str, Any]], fmt: PrintFormat = "text") -> str:
    """PRINT's text for several occurrences in one of :data:`PRINT_FORMATS`."""
    if fmt == "text":
        return "\n\n".join(format_article(rt, a) for a in articles) + "\n"
    names: list[str] = []
    for article in articles:
        names.extend(n for n in article if n not in names and n in items_of(rt))
    items = [item for item in rt.items if item.name in names]
    rows = [[format_value(item, a.get(item.name)) for item in items] for a in articles]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([item.title for item in items])
        writer.writerows(rows)
        return out.getvalue()
    head = "".join(f"<th>{html.escape(item.title)}</th>" for item in items)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    title = html.escape(rt.title)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head><body>\n'
        f"<table>\n<caption>{title}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n"
        "</table>\n</body></html>\n"
    )


def write_file(path: str | Path, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")
