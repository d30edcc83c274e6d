"""A report as a standalone HTML page (``assurdb report --format html``).

One file, nothing to fetch: the style is in the page and the chart is inline SVG, drawn here
(horizontal bars; no plotting library, so the page is the same bytes for the same figures).
Columns are labelled as the meta-database labels the items of the record types a report reads
(``class_of_business`` is "Class of business", ``notification_date`` "Notified on"), and the
report's own figures in words (:data:`REPORT_LABELS`); ratios are shown as percentages. Jinja2
autoescapes every value and label. The table and CSV forms (``render``) are unchanged.

The chart shows one figure per report (:data:`CHARTS`): on the period's rows (``window`` =
``period``), summed per category where a category has several rows (a ratio is never summed),
in the report's order, the :data:`MAX_BARS` largest when there are more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from assurdb.domain.reports.cells import cell
from assurdb.domain.reports.data import READ
from assurdb.domain.reports.frames import column_kinds
from assurdb.metadb.model import Schema

#: The report's own figures (those that are not items of the schema), in words.
REPORT_LABELS = {
    "written_premium": "Written premium",
    "earned_premium": "Earned premium",
    "paid_losses": "Paid losses",
    "incurred_losses": "Incurred losses",
    "earned_incurred_ratio": "Loss ratio (incurred / earned)",
    "written_paid_ratio": "Paid / written ratio",
    "expense_ratio": "Expense ratio",
    "profit_ratio": "Profit ratio",
    "breakeven_loss_ratio": "Breakeven loss ratio",
    "premium_growth": "Premium growth",
    "lae_allocated": "Allocated loss adjustment expenses",
    "agent_name": "Agent's name",
    "policy_year": "Policy year",
    "evaluated_at": "Evaluated at",
    "average_premium": "Average premium",
    "average_cost": "Average acquisition cost",
    "new_claims": "New claims",
    "closed_claims": "Closed claims",
    "new_reserves": "New reserves",
    "corrections": "Reserve corrections",
    "reserves_end": "Reserves at the month's end",
    "change": "Change in reserves",
    "payment_history": "Payment history",
}
#: Values of the reports' own text columns, in words (production's ``window``).
VALUE_LABELS = {"period": "Period", "year_to_date": "Year to date"}

#: report → (the figure charted, the columns naming a bar; None: every text column).
CHARTS: dict[str, tuple[str, Sequence[str] | None]] = {
    "ratios": ("earned_incurred_ratio", None),
    "production": ("written_premium", None),
    "agents": ("written_premium", ("agent_name",)),
    "transactions": ("premium", ("transaction",)),
    "claims-dictionary": ("incurred", ("claim",)),
    "claims-activity": ("payments", ("month",)),
}
#: At most this many bars: the largest, when a report has more categories.
MAX_BARS = 30
_TEMPLATE = "page.html.j2"


def item_labels(schema: Schema, record_types: Sequence[str] = READ) -> dict[str, str]:
    """Item name → its label in the meta-database, from the record types a report reads (the first
    that has the item wins)."""
    labels: dict[str, str] = {}
    for name in record_types:
        rt = schema.record_types.get(name)
        if rt is None:
            continue
        for item in rt.items:
            if item.label and not item.path:
                labels.setdefault(item.name, item.label)
    return labels


def column_labels(columns: Sequence[str], items: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each column's header: the meta-database's label of the item, else the report's word for it,
    else its name made readable (``policy_no`` → "Policy no")."""
    items = items or {}
    return {c: items.get(c) or REPORT_LABELS.get(c) or c.replace("_", " ").capitalize() for c in columns}


def percent(value: Any) -> str:
    """A ratio (a fraction of 1) in percent with two places: ``0.2108`` → ``21.08 %``; blank for none."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return ""
    return f"{Decimal(value) * 100:,.2f} %"


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    #: geometry in the SVG's user units
    x: float
    width: float
    y: float
    negative: bool


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    zero: float
    label_width: int
    bar_height: int


def _value(value: Any) -> float | None:
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return None
    return float(value)


def chart(
    frame: pd.DataFrame,
    report: str | None,
    labels: Mapping[str, str],
    kinds: Mapping[str, str],
) -> Chart | None:
    """The bar chart of a report's figure (:data:`CHARTS`), or None when there is nothing to draw."""
    if frame.empty:
        return None
    measure, by = CHARTS.get(report or "", (None, None))
    rows = frame
    if "window" in rows.columns:  # production: the period, not the year to date
        rows = rows[rows["window"] == "period"]
    texts = [c for c in rows.columns if kinds.get(c) == "text" and c != "window"]
    values: list[tuple[str, float]] = []
    if not texts and measure is not None and kinds.get(measure) == "ratio":
        # one row of ratios (the company's): a bar per ratio
        ratios = [c for c in rows.columns if kinds[c] == "ratio"]
        first = rows.iloc[0]
        values = [(labels[c], v) for c in ratios if (v := _value(first[c])) is not None]
        measure_kind, title = "ratio", "Ratios"
    elif measure is not None and measure in rows.columns:
        keys = [c for c in (by if by is not None else texts) if c in rows.columns]
        measure_kind = kinds.get(measure, "money")
        sums: dict[str, float] = {}
        for record in rows.to_dict("records"):
            name = " · ".join(cell(record[k], grouped=False) for k in keys) or "(all)"
            found = _value(record[measure])
            if found is None:
                continue
            sums[name] = found if measure_kind == "ratio" else sums.get(name, 0.0) + found
        values = list(sums.items())
        title = labels.get(measure, measure) + (" by " + ", ".join(labels[k].lower() for k in keys) if keys else "")
    else:
        return None
    if not values:
        return None
    if len(values) > MAX_BARS:
        largest = sorted(values, key=lambda v: -abs(v[1]))[:MAX_BARS]
        title += f" (the {MAX_BARS} largest of {len(values)})"
        values = [v for v in values if v in largest]
    return _layout(title, values, ratio=measure_kind == "ratio")


def _layout(title: str, values: Sequence[tuple[str, float]], *, ratio: bool) -> Chart:
    label_width, plot, bar_height, gap, margin = 220, 440, 18, 6, 90
    low = min(0.0, *(v for _, v in values))
    high = max(0.0, *(v for _, v in values))
    span = (high - low) or 1.0

    def x(v: float) -> float:
        return round(label_width + (v - low) / span * plot, 1)

    zero = x(0.0)
    bars = []
    for i, (name, v) in enumerate(values):
        end = x(v)
        text = f"{v * 100:,.2f} %" if ratio else f"{v:,.2f}"
        y = i * (bar_height + gap) + gap
        bars.append(Bar(name, text, min(zero, end), round(abs(end - zero), 1), y, v < 0))
    height = len(values) * (bar_height + gap) + gap
    return Chart(title, tuple(bars), label_width + plot + margin, height, zero, label_width, bar_height)


def _shown(value: Any, kind: str) -> str:
    """A cell as the page shows it: a ratio in percent, money grouped with its cents, a report's
    own word in words."""
    if kind == "ratio":
        return percent(value)
    text = cell(value, grouped=True)
    return VALUE_LABELS.get(text, text) if kind == "text" else text


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def page(
    frame: pd.DataFrame,
    *,
    title: str,
    subtitle: str = "",
    report: str | None = None,
    items: Mapping[str, str] | None = None,
) -> str:
    """The report ``frame`` as a standalone HTML page: ``title``, ``subtitle`` (period, basis…),
    headers labelled (``items``: :func:`item_labels` of the database's schema), ratios in percent,
    numbers right-aligned, and the chart of ``report`` (a name of ``REPORTS``) as inline SVG."""
    kinds = column_kinds(frame)
    columns = [str(c) for c in frame.columns]
    labels = column_labels(columns, items)
    numeric = {c for c in columns if kinds[c] in ("money", "count", "ratio")}
    rows = [
        [_shown(v, kinds[c]) for c, v in zip(columns, row, strict=True)]
        for row in frame.itertuples(index=False, name=None)
    ]
    template = _environment().get_template(_TEMPLATE)
    return template.render(
        title=title,
        subtitle=subtitle,
        columns=[(labels[c], c, c in numeric) for c in columns],
        rows=[list(zip(cells, (c in numeric for c in columns), strict=True)) for cells in rows],
        chart=chart(frame, report, labels, kinds),
    )
