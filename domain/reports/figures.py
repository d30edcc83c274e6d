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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assurdb.domain.reports.data import NONE, ZERO, Company, decimals
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


def group_column(by: str | None) -> str | None:
    if by is None:
        return None
    try:
        return GROUPS[by]
    except KeyError:
        raise ReportError(f"cannot group by {by!r}: one of {', '.join(sorted(GROUPS))}") from None


def _as_of(period: Period, as_of: dt.date | None) -> dt.date:
    return as_of or period.end


# -- facts: which rows of the company's frames count, and their part of each figure -----------------
# Computed column by column on numpy arrays (dates as ``datetime64``, money as integer cents, exact),
# the rows kept in the frames' order; only the earned premium, a fraction of a cent, is a Decimal
# per contract, summed in that order as before.
@dataclass(frozen=True)
class Facts:
    """The rows of one frame a basis selects (``rows``: positions in it, in order) and their parts."""

    frame: pd.DataFrame
    rows: np.ndarray[Any, Any]
    cents: Mapping[str, np.ndarray[Any, Any]]
    exact: Mapping[str, list[Decimal]] = field(default_factory=dict)
    counts: Mapping[str, np.ndarray[Any, Any]] = field(default_factory=dict)


def day64(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


def dates(frame: pd.DataFrame, column: str) -> np.ndarray[Any, Any]:
    """A date column as ``datetime64[D]`` (NaT for none: every comparison with it is False)."""
    return frame[column].to_numpy(dtype="datetime64[D]")


def inside(days: np.ndarray[Any, Any], period: Period) -> np.ndarray[Any, Any]:
    """Whether each day lies in the period (False for none)."""
    return (days >= day64(period.start)) & (days <= day64(period.end))


def _spans(
    start: np.ndarray[Any, Any], last: np.ndarray[Any, Any], low: dt.date | None, high: dt.date | None
) -> np.ndarray[Any, Any]:
    """The days of each [start, last] inside [low, high] (both inclusive; None: unbounded), at least 0."""
    first = start if low is None else np.maximum(start, day64(low))
    end = last if high is None else np.minimum(last, day64(high))
    days: np.ndarray[Any, Any] = np.maximum((end - first).astype(np.int64) + 1, 0)
    return days


def premium_facts(company: Company, basis: Basis, period: Period, as_of: dt.date | None = None) -> Facts:
    """Per contract of the basis' selection: written, earned, and whether it counts as a policy."""
    at = day64(_as_of(period, as_of))
    pra = company.pra
    start, end = dates(pra, "cover_start"), dates(pra, "cover_end")
    cancellation = dates(pra, "cancellation_date")
    cancelled = cancellation <= at
    premium = pra["premium_cents"].to_numpy()
    back = np.where(cancelled, pra["returned_cents"].to_numpy(), 0)
    total = (end - start).astype(np.int64) + 1
    # the cover runs until the day before the cancellation
    last = np.where(cancelled, np.minimum(end, cancellation - np.timedelta64(1, "D")), end)
    if basis is Basis.UNDERWRITING:
        keep = inside(dates(pra, "term_start"), period)
        written = premium - back
        days = _spans(start, last, None, _as_of(period, as_of))
        counted = np.ones(len(pra), dtype=bool)
    else:
        starts = inside(start, period)
        written = np.where(starts, premium, 0) - np.where(cancelled & inside(cancellation, period), back, 0)
        days = _spans(start, last, period.start, period.end)
        counted = starts
        keep = starts | (written != 0) | ((premium != 0) & (days > 0) & (total > 0))
    rows = np.flatnonzero(keep)
    amounts = pra["premium"].to_numpy()
    gained = [amounts[n] * int(days[n]) / int(total[n]) if total[n] > 0 else ZERO for n in rows]
    policies = (counted & (pra["kind"].to_numpy() != "endorsement")).astype(np.int64)
    return Facts(
        pra, rows, {"written_premium": written[rows]}, {"earned_premium": gained}, {"policies": policies[rows]}
    )


def _in_cohort(basis: Basis, period: Period, lines: pd.DataFrame) -> np.ndarray[Any, Any]:
    if basis is Basis.UNDERWRITING:
        return inside(dates(lines, "term_start"), period)
    return inside(dates(lines, "loss_date"), period)


def line_facts(company: Company, basis: Basis, period: Period, as_of: dt.date | None = None) -> Facts:
    """Per journal line of the basis' selection: its part of each money figure."""
    lines = company.lines
    at = day64(_as_of(period, as_of))
    kind, category = lines["account_type"].to_numpy(), lines["category"].to_numpy()
    signed = lines["cents"].to_numpy()
    booked = dates(lines, "booking_date")
    claims, reserve, commission = kind == "claims", kind == "reserve", kind == "commission"
    adjusting = (kind == "cost") & (category == "claims")
    expense = (kind == "cost") & (category != "claims") & (category != "investment")
    claims_line = claims | reserve | adjusting
    if basis is Basis.CALENDAR:
        flows = inside(booked, period)
        # outstanding is a balance: everything booked up to the end of the period
        balance = reserve & (booked <= day64(period.end))
    else:
        cohort = (booked <= at) & _in_cohort(basis, period, lines)
        flows = np.where(claims_line, cohort, inside(booked, period)) if basis is Basis.ACCIDENT else cohort
        balance = reserve & cohort
    figured = claims_line | commission | expense
    rows = np.flatnonzero(balance | (flows & figured & (signed != 0)))
    flows, balance, signed = flows[rows], balance[rows], signed[rows]
    claims, reserve, commission = claims[rows], reserve[rows], commission[rows]
    adjusting, expense = adjusting[rows], expense[rows]
    allocated = adjusting & lines["loss"].notna().to_numpy()[rows]

    def part(where: np.ndarray[Any, Any], sign: int = 1) -> np.ndarray[Any, Any]:
        return np.where(flows & where, sign * signed, 0)

    money = {
        "paid_losses": part(claims),
        "incurred_losses": part(claims) + part(reserve, -1) + part(adjusting),
        "commissions": part(commission),
        "expenses": part(commission) + part(expense),
        "lae_allocated": part(allocated),
        "outstanding": np.where(balance, -signed, 0),
    }
    return Facts(lines, rows, money)


def claim_facts(company: Company, basis: Basis, period: Period, as_of: dt.date | None = None) -> Facts:
    """The losses a basis counts: notified in the period (calendar), on the period's contracts
    (underwriting) or occurred in the period (accident) — known at the evaluation date."""
    at = day64(_as_of(period, as_of))
    losses = company.losses
    occurred = dates(losses, "loss_date")
    if basis is Basis.CALENDAR:
        keep = inside(dates(losses, "notification_date"), period)
    elif basis is Basis.UNDERWRITING:
        keep = inside(dates(losses, "term_start"), period) & (occurred <= at)
    else:
        keep = inside(occurred, period) & (occurred <= at)
    rows = np.flatnonzero(keep)
    return Facts(losses, rows, {}, counts={"claims": np.ones(len(rows), dtype=np.int64)})


def aggregate(
    facts: Sequence[Facts], keys: Sequence[str], columns: Sequence[str]
) -> dict[tuple[str, ...], dict[str, Any]]:
    """Sum ``columns`` of several facts by ``keys`` (exact Decimal sums; counts as ints); the groups
    in the order they first appear, the facts' rows in order."""
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for fact in facts:
        present = [c for c in columns if c in fact.cents or c in fact.exact or c in fact.counts]
        if not len(fact.rows) or not present:
            continue
        parts = [[NONE if k is None or k is pd.NA else str(k) for k in fact.frame[key].to_numpy()[fact.rows]]
                 for key in keys]  # fmt: skip
        index: dict[tuple[str, ...], int] = {}
        codes = np.array([index.setdefault(label, len(index)) for label in zip(*parts, strict=True)]
                         if keys else np.zeros(len(fact.rows), dtype=np.int64), dtype=np.int64)  # fmt: skip
        if not keys:
            index[()] = 0
        groups = list(index)
        for c in present:
            if c in fact.exact:
                sums: list[Decimal] = [ZERO] * len(groups)
                for code, value in zip(codes, fact.exact[c], strict=True):
                    sums[code] += value
                totals: list[Any] = sums
            else:
                values = fact.cents[c] if c in fact.cents else fact.counts[c]
                whole = np.zeros(len(groups), dtype=np.int64)
                np.add.at(whole, codes, values)
                totals = [int(v) for v in whole] if c in COUNTS else decimals(whole)
            for key, value in zip(groups, totals, strict=True):
                slot = out.setdefault(key, {})
                slot[c] = slot.get(c, 0 if c in COUNTS else ZERO) + value
        for key in groups:
            out.setdefault(key, {})
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
