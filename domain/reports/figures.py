"""The figures every report is made of, on a basis and a period (thesis II.5, III.1, III.2).

**Premiums** come from the contracts (``PRA``): *written* is the premium of the contracts whose
cover starts in the period less what cancellations in the period return (pro rata temporis,
the same amount ACCOUNT PRA books); *earned* is earned **pro rata temporis**: a contract earns
``premium × days / cover days`` for each day of its cover (both ends inclusive) until the day
before its cancellation — of the days inside the period (calendar), or up to the evaluation date
(underwriting). An endorsement earns its own difference over its own cover.

**Claims and expenses** come from the journal (thesis II.3, III.3.3), so they have dates:
*paid* is the debit on claims-paid accounts (type ``claims``); *outstanding* is the credit
balance of the claims-provision accounts (type ``reserve``) at a date; *incurred* is
paid + the change of outstanding + the loss adjustment expenses (cost lines of category
``claims``: thesis III.1.3 "généralement incluse dans les chiffres des sinistres encourus");
*expenses* are the commissions (type ``commission``) and the other costs (type ``cost``) but
investment charges (set against investment income, thesis II.5) and loss adjustment expenses
(already in incurred); *allocated* loss adjustment expenses are the claims costs that name their
loss (thesis III.1.3 "alloués").

On the **calendar** basis a figure counts what is booked in the period. On the **underwriting**
basis it counts what concerns the contracts whose term started in the period, booked up to the
evaluation date (``as_of``, default the period's end). On the **accident** basis the claims
figures count the losses that occurred in the period, up to ``as_of``; premiums and expenses stay
calendar, the usual accident-year loss ratio (thesis III.1.5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from assurdb.domain.accounting.account import cover_days, returned_premium
from assurdb.domain.reports.data import NONE, ZERO, Company, records
from assurdb.domain.reports.period import Basis, Period, ReportError

#: Report ``--by`` names → column.
GROUPS: Mapping[str, str] = {
    "class": "class_of_business",
    "class_of_business": "class_of_business",
    "branch": "branch",
    "agent": "agent",
    "territory": "territory",
}
#: Money figures, in the order reports show them.
MONEY = (
    "written_premium",
    "earned_premium",
    "commissions",
    "paid_losses",
    "outstanding",
    "incurred_losses",
    "lae_allocated",
    "expenses",
)
COUNTS = ("policies", "claims")
#: Costs that are not expenses of the expense ratio (thesis II.5, III.1.3).
NOT_EXPENSES = frozenset({"claims", "investment"})


def overlap(start: dt.date, end: dt.date, low: dt.date | None, high: dt.date | None) -> int:
    """Days of [start, end] inside [low, high] (both inclusive; None: unbounded)."""
    first = start if low is None else max(start, low)
    last = end if high is None else min(end, high)
    return max((last - first).days + 1, 0)


def earned(
    premium: Decimal,
    start: dt.date,
    end: dt.date,
    cancelled: dt.date | None,
    low: dt.date | None,
    high: dt.date | None,
) -> Decimal:
    """Premium earned pro rata temporis over the days of [low, high] the cover ran (unrounded)."""
    total = cover_days(start, end)
    if total <= 0:
        return ZERO
    last = end if cancelled is None else min(end, cancelled - dt.timedelta(days=1))
    return premium * overlap(start, last, low, high) / total


def group_column(by: str | None) -> str | None:
    if by is None:
        return None
    try:
        return GROUPS[by]
    except KeyError:
        raise ReportError(f"cannot group by {by!r}: one of {', '.join(sorted(GROUPS))}") from None


def _as_of(period: Period, as_of: dt.date | None) -> dt.date:
    return as_of or period.end


_ATTRS = ["pra", "class_of_business", "branch", "agent", "territory", "term_start"]


def policy_year(term_start: dt.date | None) -> str:
    """The policy year (thesis III.1.5 "année police"): the year the contract's term started."""
    return NONE if term_start is None else str(term_start.year)


def premium_facts(company: Company, basis: Basis, period: Period, as_of: dt.date | None = None) -> pd.DataFrame:
    """Per contract of the basis' selection: written, earned, and whether it counts as a policy."""
    at = _as_of(period, as_of)
    rows = []
    for r in records(company.pra):
        premium, start, end = r["premium"], r["cover_start"], r["cover_end"]
        cancelled = (
            r["cancellation_date"] if r["cancellation_date"] is not None and r["cancellation_date"] <= at else None
        )
        back = returned_premium(premium, start, end, cancelled) if cancelled is not None else ZERO
        if basis is Basis.UNDERWRITING:
            if r["term_start"] not in period:
                continue
            written, gained, counted = premium - back, earned(premium, start, end, cancelled, None, at), True
        else:
            starts = start in period
            written = (premium if starts else ZERO) - (back if cancelled in period else ZERO)
            gained = earned(premium, start, end, cancelled, period.start, period.end)
            counted = starts
            if not (starts or written or gained):
                continue
        rows.append(
            {
                **{g: r[g] for g in _ATTRS},
                "policy_year": policy_year(r["term_start"]),
                "written_premium": written,
                "earned_premium": gained,
                "policies": 1 if counted and r["kind"] != "endorsement" else 0,
            }
        )
    return pd.DataFrame(rows, columns=[*_ATTRS, "policy_year", "written_premium", "earned_premium", "policies"])


def _in_cohort(basis: Basis, period: Period, line: Mapping[str, Any]) -> bool:
    if basis is Basis.UNDERWRITING:
        return line["term_start"] is not None and line["term_start"] in period
    return line["loss_date"] is not None and line["loss_date"] in period


def line_facts(company: Company, basis: Basis, period: Period, as_of: dt.date | None = None) -> pd.DataFrame:
    """Per journal line of the basis' selection: its part of each money figure."""
    at = _as_of(period, as_of)
    rows = []
    for e in records(company.lines):
        kind, category, signed, booked = e["account_type"], e["category"], e["signed"], e["booking_date"]
        claims_line = kind in ("claims", "reserve") or (kind == "cost" and category == "claims")
        if basis is Basis.CALENDAR or (basis is Basis.ACCIDENT and not claims_line):
            flows = booked in period
        else:
            flows = booked is not None and booked <= at and _in_cohort(basis, period, e)
        # outstanding is a balance: everything booked up to the evaluation date, in the cohort
        if basis is Basis.CALENDAR:
            balance = kind == "reserve" and booked is not None and booked <= period.end
        else:
            balance = kind == "reserve" and booked is not None and booked <= at and _in_cohort(basis, period, e)
        if not (flows or balance):
            continue
        figures = dict.fromkeys(("paid_losses", "incurred_losses", "commissions", "expenses", "lae_allocated"), ZERO)
        if flows:
            if kind == "claims":
                figures["paid_losses"] = figures["incurred_losses"] = signed
            elif kind == "reserve":
                figures["incurred_losses"] = -signed
            elif kind == "commission":
                figures["commissions"] = figures["expenses"] = signed
            elif kind == "cost" and category == "claims":
                figures["incurred_losses"] = signed
                if e["loss"] is not None:
                    figures["lae_allocated"] = signed
            elif kind == "cost" and category not in NOT_EXPENSES:
                figures["expenses"] = signed
        if not balance and not any(figures.values()):
            continue  # premiums, balances, investment charges: in no figure of this module
        attrs = {g: e[g] for g in _ATTRS}
        rows.append(
            {
                **attrs,
                "policy_year": policy_year(e["term_start"]),
                **figures,
                "outstanding": -signed if balance else ZERO,
            }
        )
    columns = [
        *_ATTRS,
        "policy_year",
        "paid_losses",
        "incurred_losses",
        "commissions",
        "expenses",
        "lae_allocated",
        "outstanding",
    ]
    return pd.DataFrame(rows, columns=columns)


def claim_facts(company: Company, basis: Basis, period: Period, as_of: dt.date | None = None) -> pd.DataFrame:
    """The losses a basis counts: notified in the period (calendar), on the period's contracts
    (underwriting) or occurred in the period (accident) — known at the evaluation date."""
    at = _as_of(period, as_of)
    frame = company.losses
    if frame.empty:
        return frame.assign(claims=pd.Series(dtype="int64"), policy_year=pd.Series(dtype="object"))
    if basis is Basis.CALENDAR:
        keep = frame["notification_date"].map(lambda d: d in period)
    elif basis is Basis.UNDERWRITING:
        keep = frame["term_start"].map(lambda d: d is not None and d in period) & frame["loss_date"].map(
            lambda d: d <= at
        )
    else:
        keep = frame["loss_date"].map(lambda d: d in period and d <= at)
    kept = frame[keep.astype(bool)]
    return kept.assign(claims=1, policy_year=kept["term_start"].map(policy_year))


def _sum(values: Iterable[Any]) -> Decimal:
    return sum((v for v in values if isinstance(v, Decimal)), ZERO)


def aggregate(
    facts: Sequence[pd.DataFrame], keys: Sequence[str], columns: Sequence[str]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Sum ``columns`` of several fact frames by ``keys`` (Decimal sums; counts as ints)."""
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for frame in facts:
        present = [c for c in columns if c in frame]
        if frame.empty or not present:
            continue
        grouped = frame.groupby(list(keys), sort=False, dropna=False) if keys else [((), frame)]
        for key, part in grouped:
            key_tuple = tuple(
                NONE if k is None or k is pd.NA else str(k) for k in (key if isinstance(key, tuple) else (key,))
            )
            slot = out.setdefault(key_tuple[: len(keys)], {})
            for c in present:
                if c in COUNTS:
                    slot[c] = slot.get(c, 0) + int(part[c].sum())
                else:
                    slot[c] = slot.get(c, ZERO) + _sum(part[c])
    return out


def figures(
    company: Company,
    basis: Basis,
    period: Period,
    *,
    keys: Sequence[str] = (),
    as_of: dt.date | None = None,
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Every money figure and count by ``keys`` (unrounded), for the basis and period."""
    facts = [
        premium_facts(company, basis, period, as_of),
        line_facts(company, basis, period, as_of),
        claim_facts(company, basis, period, as_of),
    ]
    found = aggregate(facts, keys, [*MONEY, *COUNTS])
    for slot in found.values():
        for c in MONEY:
            slot.setdefault(c, ZERO)
        for c in COUNTS:
            slot.setdefault(c, 0)
    return found


def ordered(keys: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Group keys in order, ``(none)`` after the named groups."""
    return sorted(keys, key=lambda key: tuple((part == NONE, part) for part in key))


def total(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Column sums of figure rows (money and counts)."""
    out: dict[str, Any] = dict.fromkeys(MONEY, ZERO) | dict.fromkeys(COUNTS, 0)
    for row in rows:
        for c, value in out.items():
            out[c] = value + row.get(c, 0)
    return out
