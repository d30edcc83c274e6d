"""The report screens: a report of thesis chapter III for a period, as a table and a bar chart.

The company is read through the session (``load_company``: READ SELECTION in mode 1, opened and
closed for the request); the chart shows the report's first money or ratio column that is not
all zero, row by row, the total row left out.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from decimal import Decimal

import pandas as pd

from assurdb.domain.reports import REPORTS, Period, ReportError, load_company, make_report
from assurdb.domain.reports.cells import cells
from assurdb.metadb.contract import Session
from assurdb.screens.interface import SCREEN, Display, Filled, Place, Table
from assurdb.screens.loader import shipped_screen
from assurdb.screens.model import Screen

#: Which field a report's refusal concerns, by its words.
_FIELDS = (("grouped by", "by"), (r"\bbasis\b", "basis"), (r"\bperiod\b|^a period", "period"))
#: The label of a report's total row: a chart leaves it out (it would dwarf the others).
TOTAL_LABEL = "(all)"
#: The most rows a chart draws (a long report keeps its table).
CHART_ROWS = 40


def report_screen(name: str) -> Screen:
    """The screen of report ``name``: the shipped report screen under the report's title."""
    kind = REPORTS[name]
    return replace(shipped_screen("report"), name=f"report.{name}", title=f"{kind.title} (thesis {kind.thesis})")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal | int | float):
        number = float(value)
        return None if math.isnan(number) else number
    return None


def table_of(frame: pd.DataFrame, title: str) -> Table:
    columns = tuple(str(c).replace("_", " ").capitalize() for c in frame.columns)
    numeric = tuple(any(_number(v) is not None for v in frame[c]) for c in frame.columns)
    rows = tuple(tuple(row) for row in cells(frame, grouped=True))
    label_at = next((i for i, n in enumerate(numeric) if not n), 0)
    for i, column in enumerate(frame.columns):
        values = [_number(v) for v in frame[column]]
        if numeric[i] and i != label_at and any(v for v in values):
            bars = tuple(
                (rows[r][label_at], v or 0.0)
                for r, v in enumerate(values[:CHART_ROWS])
                if rows[r][label_at] != TOTAL_LABEL
            )
            return Table(title, columns, rows, numeric, columns[i], bars)
    return Table(title, columns, rows, numeric)


def report(session: Session, name: str, filled: Filled | None) -> Display:
    screen = report_screen(name)
    target = Place("report", name)
    if filled is None or filled.action != "show":
        return Display(screen, filled.values if filled else {}, target=target)
    if filled.missing:
        return Display(screen, filled.values, {"period": "Period is required"}, target)
    texts = filled.values
    try:
        period = Period.parse(texts.get("period", "").strip())  # before the company is read
        company = load_company(session)
        frame = make_report(
            company,
            name,
            period,
            basis=texts.get("basis", "").strip() or None,
            by=texts.get("by", "").strip() or None,
        )
    except ReportError as exc:
        text = str(exc)
        field = next((f for pattern, f in _FIELDS if re.search(pattern, text)), SCREEN)
        return Display(screen, texts, {field: text}, target)
    return Display(screen, texts, target=target, table=table_of(frame, screen.title))


__all__ = ["REPORTS", "report", "report_screen", "table_of"]
