"""Results analysis (thesis chapter III), computed through the interface.

``load_company(session)`` reads the contracts, losses and journal (READ SELECTION, mode 1);
``make_report(company, name, period, basis=…)`` answers a DataFrame whose columns have the same
dtypes on every backend (``frames.report_frame``). The reports (``REPORTS``):

=================== ========== ==========================================================
name                thesis     bases
=================== ========== ==========================================================
ratios              III.1      calendar, underwriting, accident (``--by`` class/branch/agent)
production          III.2.1    calendar, underwriting, accident (``--by`` class/branch/agent)
agents              III.2.5    underwriting (policy year)
transactions        III.2.6    calendar, underwriting
claims-dictionary   III.2.7    calendar, underwriting, accident
claims-activity     III.2.8    calendar
=================== ========== ==========================================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from assurdb.domain.reports.claims import claims_activity, claims_dictionary
from assurdb.domain.reports.data import Company, load_company
from assurdb.domain.reports.period import Basis, Period, ReportError
from assurdb.domain.reports.production import agents_report, production_report, transactions_report
from assurdb.domain.reports.ratios import (
    breakeven_loss_ratio,
    earned_incurred,
    expense_ratio,
    profit_ratio,
    ratios_report,
    written_paid,
)
from assurdb.domain.reports.render import FORMATS, render

ALL_BASES = (Basis.CALENDAR, Basis.UNDERWRITING, Basis.ACCIDENT)
GROUPINGS = ("class", "branch", "agent")


@dataclass(frozen=True, slots=True)
class ReportKind:
    name: str
    title: str
    thesis: str
    make: Callable[..., pd.DataFrame]
    bases: tuple[Basis, ...]
    default_basis: Basis
    groupings: tuple[str, ...] = ()


REPORTS: dict[str, ReportKind] = {
    r.name: r
    for r in (
        ReportKind("ratios", "Loss, expense, profit and breakeven ratios", "III.1", ratios_report, ALL_BASES,
                   Basis.CALENDAR, GROUPINGS),
        ReportKind("production", "Production performance, period and year-to-date", "III.2.1", production_report,
                   ALL_BASES, Basis.CALENDAR, GROUPINGS),
        ReportKind("agents", "Agents' results by policy year", "III.2.5", agents_report, (Basis.UNDERWRITING,),
                   Basis.UNDERWRITING),
        ReportKind("transactions", "Premium transactions", "III.2.6", transactions_report,
                   (Basis.CALENDAR, Basis.UNDERWRITING), Basis.CALENDAR),
        ReportKind("claims-dictionary", "Claims dictionary", "III.2.7", claims_dictionary, ALL_BASES, Basis.CALENDAR),
        ReportKind("claims-activity", "Monthly claims activity by territory", "III.2.8", claims_activity,
                   (Basis.CALENDAR,), Basis.CALENDAR),
    )
}  # fmt: skip


def make_report(
    company: Company,
    name: str,
    period: Period | str,
    *,
    basis: Basis | str | None = None,
    by: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """The report ``name`` for ``period`` on ``basis`` (its default when None)."""
    kind = REPORTS.get(name)
    if kind is None:
        raise ReportError(f"no report {name!r}: one of {', '.join(REPORTS)}")
    if isinstance(period, str):
        period = Period.parse(period)
    try:
        chosen = kind.default_basis if basis is None else Basis(basis)
    except ValueError:
        raise ReportError(f"basis {basis!r}: one of {', '.join(b.value for b in Basis)}") from None
    if chosen not in kind.bases:
        shown = ", ".join(b.value for b in kind.bases)
        raise ReportError(f"report {name} is made on the {shown} basis, not {chosen.value} (thesis {kind.thesis})")
    if by is not None and by not in kind.groupings:
        allowed = ", ".join(kind.groupings) or "nothing"
        raise ReportError(f"report {name} is grouped by {allowed}, not {by!r}")
    return kind.make(company, period, chosen, by=by, as_of=as_of)


__all__ = [
    "FORMATS",
    "GROUPINGS",
    "REPORTS",
    "Basis",
    "Company",
    "Period",
    "ReportError",
    "ReportKind",
    "agents_report",
    "breakeven_loss_ratio",
    "claims_activity",
    "claims_dictionary",
    "earned_incurred",
    "expense_ratio",
    "load_company",
    "make_report",
    "production_report",
    "profit_ratio",
    "ratios_report",
    "render",
    "transactions_report",
    "written_paid",
]
