"""The ratios of thesis III.1, and the ratios report.

* III.1.1 earned–incurred (loss ratio) = incurred losses / earned premiums;
* III.1.2 written–paid = paid losses / written premiums;
* III.1.3 expense ratio = expenses incurred / written premiums;
* III.1.4 profit ratio = 1 − earned–incurred − expense ratio (the thesis writes "100 − …", in
  percent; every ratio here is a fraction of 1, so 1);
* III.1.5 breakeven loss ratio = 1 − expense ratio − the profit ratio sought (0 by default: the
  thesis' "1.00 − 0.35 = 0.65"; with a profit of 0.05 and expenses of 0.5 it is 0.45).

A ratio is a ``Decimal`` rounded to four places (half up), computed from unrounded figures; it is
``None`` when its denominator is zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from assurdb.domain.reports.data import Company
from assurdb.domain.reports.figures import figures, group_column, ordered, total
from assurdb.domain.reports.frames import report_frame
from assurdb.domain.reports.period import Basis, Period

PLACES = Decimal("0.0001")
ONE = Decimal(1)
RATIOS = ("earned_incurred_ratio", "written_paid_ratio", "expense_ratio", "profit_ratio", "breakeven_loss_ratio")


def _divide(a: Decimal, b: Decimal) -> Decimal | None:
    return None if not b else a / b


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES, ROUND_HALF_UP)


def earned_incurred(incurred: Decimal, earned: Decimal) -> Decimal | None:
    """Thesis III.1.1: "Sinistres encourus / Primes acquises"."""
    return _divide(incurred, earned)


def written_paid(paid: Decimal, written: Decimal) -> Decimal | None:
    """Thesis III.1.2: "Sinistres payés / Primes souscrites"."""
    return _divide(paid, written)


def expense_ratio(expenses: Decimal, written: Decimal) -> Decimal | None:
    """Thesis III.1.3: "Dépenses encourues / Primes souscrites"."""
    return _divide(expenses, written)


def profit_ratio(loss_ratio: Decimal | None, expenses_ratio: Decimal | None) -> Decimal | None:
    """Thesis III.1.4: 1 − earned–incurred − expense ratio."""
    if loss_ratio is None or expenses_ratio is None:
        return None
    return ONE - loss_ratio - expenses_ratio


def breakeven_loss_ratio(expenses_ratio: Decimal | None, target_profit: Decimal = Decimal(0)) -> Decimal | None:
    """Thesis III.1.5: the loss ratio that leaves ``target_profit``: 1 − expense ratio − target."""
    return None if expenses_ratio is None else ONE - expenses_ratio - target_profit


def with_ratios(row: Mapping[str, Any], target_profit: Decimal = Decimal(0)) -> dict[str, Any]:
    """A figures row with the five ratios added (rounded)."""
    loss = earned_incurred(row["incurred_losses"], row["earned_premium"])
    cost = expense_ratio(row["expenses"], row["written_premium"])
    return {
        **row,
        "earned_incurred_ratio": rounded(loss),
        "written_paid_ratio": rounded(written_paid(row["paid_losses"], row["written_premium"])),
        "expense_ratio": rounded(cost),
        "profit_ratio": rounded(profit_ratio(loss, cost)),
        "breakeven_loss_ratio": rounded(breakeven_loss_ratio(cost, target_profit)),
    }


RATIO_FIGURES = ("written_premium", "earned_premium", "paid_losses", "outstanding", "incurred_losses", "expenses")


def ratios_report(
    company: Company,
    period: Period,
    basis: Basis = Basis.CALENDAR,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
    target_profit: Decimal = Decimal(0),
) -> pd.DataFrame:
    """The five ratios with their figures, for the company (one row) or by class, branch or agent
    (one row per group, then the company's, labelled ``(all)``)."""
    column = group_column(by)
    keys = [column] if column else []
    found = figures(company, basis, period, keys=keys, as_of=as_of)
    rows = [{**dict(zip(keys, key, strict=True)), **with_ratios(found[key], target_profit)} for key in ordered(found)]
    everything = with_ratios(total(found.values()), target_profit)
    if column:
        rows.append({column: "(all)", **everything})
    else:
        rows = [everything]
    return report_frame(rows, keys=keys, money=RATIO_FIGURES, ratios=RATIOS)
