"""Production reports of thesis III.2: production performance (III.2.1), agents' results (III.2.5)
and premium transactions (III.2.6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd

from assurdb.domain.reports.data import NONE, ZERO, Company, decimals
from assurdb.domain.reports.figures import COUNTS, MONEY, dates, day64, figures, group_column, inside, ordered, total
from assurdb.domain.reports.frames import report_frame
from assurdb.domain.reports.period import Basis, Period, ReportError
from assurdb.domain.reports.ratios import earned_incurred, rounded, written_paid

ALL = "(all)"


def _growth(now: Decimal, before: Decimal) -> Decimal | None:
    """Premium growth rate (thesis III.2.1 "taux d'accroissement"): now / a year earlier − 1."""
    return None if not before else rounded(now / before - 1)


def production_report(
    company: Company,
    period: Period,
    basis: Basis = Basis.CALENDAR,
    *,
    by: str | None = "class",
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Thesis III.2.1, by class of business, branch or agent, for the period and year-to-date:
    premiums written and earned, commissions, growth of written premium over the same days a
    year earlier, policies (new and renewed), claims, paid, outstanding, incurred, allocated loss
    adjustment expenses and the earned–incurred ratio. Each group, then the company (``(all)``)."""
    column = group_column(by or "class")
    assert column is not None
    rows: list[dict[str, Any]] = []
    for name, window in (("period", period), ("year_to_date", period.year_to_date())):
        found = figures(company, basis, window, keys=[column], as_of=as_of)
        before = figures(company, basis, window.year_earlier(), keys=[column], as_of=_earlier(as_of))
        for key in [*ordered(found), None]:
            now = found[key] if key is not None else total(found.values())
            then = before.get(key, {}) if key is not None else total(before.values())
            rows.append(
                {
                    column: key[0] if key is not None else ALL,
                    "window": name,
                    "start": window.start,
                    "end": window.end,
                    **now,
                    "premium_growth": _growth(now["written_premium"], then.get("written_premium", ZERO)),
                    "earned_incurred_ratio": rounded(earned_incurred(now["incurred_losses"], now["earned_premium"])),
                }
            )
    return report_frame(
        rows,
        keys=[column, "window"],
        dates=["start", "end"],
        counts=COUNTS,
        money=MONEY,
        ratios=["premium_growth", "earned_incurred_ratio"],
    )


def _earlier(day: dt.date | None) -> dt.date | None:
    return None if day is None else Period.between(day, day).year_earlier().end


def agents_report(
    company: Company,
    period: Period,
    basis: Basis = Basis.UNDERWRITING,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Thesis III.2.5: by agent and policy year (the contracts whose term started in the period),
    evaluated at the end of each calendar year from the policy year to ``as_of`` (default the
    period's end): premiums written and earned, paid, outstanding, incurred, allocated loss
    adjustment expenses and the usual ratios. Always on the underwriting basis (the thesis:
    "le rapport de résultats des agents a pour base l'année police")."""
    if basis is not Basis.UNDERWRITING:
        raise ReportError("agents' results are on the underwriting (policy year) basis (thesis III.2.5)")
    at = as_of or period.end
    rows: list[dict[str, Any]] = []
    for year in range(period.start.year, at.year + 1):
        evaluated = min(dt.date(year, 12, 31), at)
        found = figures(company, Basis.UNDERWRITING, period, keys=["agent", "policy_year"], as_of=evaluated)
        for (agent, policy_year), v in sorted(found.items()):
            if policy_year == NONE or int(policy_year) > year:
                continue
            rows.append(
                {
                    "agent": agent,
                    "agent_name": company.agents.get(agent, NONE),
                    "policy_year": int(policy_year),
                    "evaluated_at": evaluated,
                    **v,
                    "earned_incurred_ratio": rounded(earned_incurred(v["incurred_losses"], v["earned_premium"])),
                    "written_paid_ratio": rounded(written_paid(v["paid_losses"], v["written_premium"])),
                }
            )
    rows.sort(key=lambda r: (r["agent"], r["policy_year"], r["evaluated_at"]))
    return report_frame(
        rows,
        keys=["agent"],
        texts=["agent_name"],
        dates=["evaluated_at"],
        counts=["policy_year", *COUNTS],
        money=MONEY,
        ratios=["earned_incurred_ratio", "written_paid_ratio"],
        order=[
            "agent",
            "agent_name",
            "policy_year",
            "evaluated_at",
            *COUNTS,
            *MONEY,
            "earned_incurred_ratio",
            "written_paid_ratio",
        ],
    )


#: Premium transactions (thesis III.2.6), in the order shown.
TRANSACTIONS = ("new", "renewal", "endorsement", "cancellation")
_KIND = {"policy": "new", "renewal": "renewal", "endorsement": "endorsement"}


def _transactions(company: Company, basis: Basis, period: Period, at: dt.date) -> pd.DataFrame:
    """The period's transactions (branch, class, transaction, premium in cents), contract by
    contract: its own (new, renewal, endorsement) when dated, then its cancellation."""
    pra = company.pra
    start, cancellation = dates(pra, "cover_start"), dates(pra, "cancellation_date")
    if basis is Basis.UNDERWRITING:
        chosen = inside(dates(pra, "term_start"), period)
        dated = chosen & (start <= day64(at))
        cancelled = chosen & (cancellation <= day64(at))
    else:
        dated, cancelled = inside(start, period), inside(cancellation, period)
    own = pd.DataFrame(
        {
            "branch": pra["branch"],
            "class_of_business": pra["class_of_business"],
            "transaction": pra["kind"].map(_KIND),
            "cents": pra["premium_cents"],
        }
    )[dated]
    back = pd.DataFrame(
        {
            "branch": pra["branch"],
            "class_of_business": pra["class_of_business"],
            "transaction": "cancellation",
            "cents": -pra["returned_cents"],
        }
    )[cancelled]
    return pd.concat([own, back]).sort_index(kind="stable")


def _acquisition_costs(company: Company, basis: Basis, period: Period, at: dt.date) -> dict[str, Decimal]:
    """Acquisition costs (thesis II.5) by branch: booked in the period, or up to the evaluation
    date for the underwriting basis; ``(none)`` holds those of no branch."""
    lines = company.lines
    booked = dates(lines, "booking_date")
    inside_ = booked <= day64(at) if basis is Basis.UNDERWRITING else inside(booked, period)
    chosen = (lines["account_type"].to_numpy() == "cost") & (lines["category"].to_numpy() == "acquisition") & inside_
    sums = lines[chosen].groupby("branch", sort=False)["cents"].sum()
    return dict(zip((str(b) for b in sums.index), decimals(sums.to_numpy()), strict=True))


def transactions_report(
    company: Company,
    period: Period,
    basis: Basis = Basis.CALENDAR,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Thesis III.2.6, by branch, class of business and transaction (new policies, renewals,
    endorsements, cancellations): the number, the written premium (a cancellation returns it,
    pro rata temporis), the average premium and the average cost.

    The average cost of a transaction is the acquisition costs of its branch spread evenly over
    the branch's transactions, plus the costs of no branch spread over all transactions (thesis
    III.3.3: costs are allocated by keys; the journal holds no time per transaction kind).
    Calendar: transactions dated in the period; underwriting: those of the contracts whose term
    started in the period, up to the evaluation date.
    """
    if basis is Basis.ACCIDENT:
        raise ReportError("premium transactions have no accident basis (they concern contracts, thesis III.2.6)")
    at = as_of or period.end
    found = _transactions(company, basis, period, at)
    costs = _acquisition_costs(company, basis, period, at)
    per_branch = found.groupby("branch", sort=False).size()
    spread = costs.get(NONE, ZERO) / len(found) if len(found) else ZERO
    groups = found.groupby(["branch", "class_of_business", "transaction"], sort=False)["cents"].agg(["size", "sum"])
    order = {name: i for i, name in enumerate(TRANSACTIONS)}
    rows = []
    for (branch, cls, kind), count, premium in sorted(
        zip(groups.index, groups["size"], decimals(groups["sum"].to_numpy()), strict=True),
        key=lambda row: (row[0][0], row[0][1], order[row[0][2]]),
    ):
        own = costs.get(branch, ZERO) / int(per_branch[branch]) if branch != NONE else ZERO
        rows.append(
            {
                "branch": branch,
                "class_of_business": cls,
                "transaction": kind,
                "count": int(count),
                "premium": premium,
                "average_premium": premium / int(count),
                "average_cost": own + spread,
            }
        )
    return report_frame(
        rows,
        keys=["branch", "class_of_business", "transaction"],
        counts=["count"],
        money=["premium", "average_premium", "average_cost"],
    )
