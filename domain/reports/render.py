"""A report frame as text: an aligned table, CSV or HTML (``assurdb report --format``)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

import pandas as pd

FORMATS = ("table", "csv", "html")


def _cell(value: Any, *, grouped: bool) -> str:
    if value is None or value is pd.NaT or (not isinstance(value, Decimal | str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return f"{value:,}" if grouped else str(value)  # keeps the scale: cents, or four places
    return str(value)


def cells(frame: pd.DataFrame, *, grouped: bool = False) -> list[list[str]]:
    """The frame's rows as strings (money keeps its cents, ratios their four places)."""
    return [[_cell(v, grouped=grouped) for v in row] for row in frame.itertuples(index=False, name=None)]


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    series = frame[column]
    if str(series.dtype) == "Int64":
        return True
    return str(series.dtype) == "object" and any(isinstance(v, Decimal) for v in series)


def render(frame: pd.DataFrame, fmt: str = "table", *, title: str | None = None) -> str:
    if fmt == "csv":
        rows = [list(map(str, frame.columns)), *cells(frame)]
        return "\n".join(",".join(_csv(c) for c in row) for row in rows) + "\n"
    if fmt == "html":
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n"
            for row in cells(frame, grouped=True)
        )
        caption = f"<caption>{html.escape(title)}</caption>" if title else ""
        table = f'<table class="assurdb-report">{caption}\n<thead><tr>{head}</tr></thead>\n'
        return f"{table}<tbody>\n{body}</tbody>\n</table>\n"
    if fmt != "table":
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    header = [str(c) for c in frame.columns]
    rows = cells(frame, grouped=True)
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    right = [_numeric(frame, c) for c in frame.columns]
    lines = [title] if title else []
    for row in [header, *rows]:
        lines.append(
            "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)).rstrip()
        )
    if not rows:
        lines.append("(no rows)")
    return "\n".join(lines) + "\n"


def _csv(value: str) -> str:
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
