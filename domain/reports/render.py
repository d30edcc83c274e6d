"""A report frame as text: an aligned table, CSV or a standalone HTML page (``assurdb report --format``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

from assurdb.domain.reports.cells import cells

FORMATS = ("table", "csv", "html")


def _numeric(frame: pd.DataFrame, column: str) -> bool:
    series = frame[column]
    if str(series.dtype) == "Int64":
        return True
    return str(series.dtype) == "object" and any(isinstance(v, Decimal) for v in series)


def render(
    frame: pd.DataFrame,
    fmt: str = "table",
    *,
    title: str | None = None,
    subtitle: str = "",
    report: str | None = None,
    items: Mapping[str, str] | None = None,
) -> str:
    """The report as an aligned table (``title`` above it), CSV, or a standalone HTML page
    (``page.page``: ``subtitle``, the chart of ``report``, headers from ``items``' labels)."""
    if fmt == "csv":
        rows = [list(map(str, frame.columns)), *cells(frame)]
        return "\n".join(",".join(_csv(c) for c in row) for row in rows) + "\n"
    if fmt == "html":
        from assurdb.domain.reports.page import page  # Jinja2 loads for pages only

        return page(frame, title=title or "Report", subtitle=subtitle, report=report, items=items)
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
