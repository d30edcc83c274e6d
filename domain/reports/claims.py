"""Claims reports of thesis III.2: the claims dictionary (III.2.7) and the monthly claims
activity by territory (III.2.8). Money comes from the journal (ACCOUNT LOSS): reserves and
payments have dates there, the loss records only their latest state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd

from assurdb.domain.reports.data import NONE, ZERO, Company, records
from assurdb.domain.reports.frames import report_frame
from assurdb.domain.reports.period import Basis, Period, ReportError

ALL = "(all)"


def _status(loss: dict[str, Any], at: dt.date) -> str:
    if loss["cancellation_date"] is not None and loss["cancellation_date"] <= at:
        return "cancelled"
    if loss["closing_date"] is not None and loss["closing_date"] <= at:
        return "closed"
    return "open"


def _selected(company: Company, basis: Basis, period: Period, at: dt.date, active: set[str]) -> list[dict[str, Any]]:
    """The claims of the dictionary: notified by the period's end and notified in it, active in
    it or still reserved at its start (calendar); on the contracts of the period (underwriting);
    occurred in the period (accident) — known at the evaluation date."""
    out = []
    for loss in records(company.losses):
        notified = loss["notification_date"]
        if basis is Basis.CALENDAR:
            keep = notified <= period.end and (notified in period or loss["loss"] in active)
        elif basis is Basis.UNDERWRITING:
            keep = loss["term_start"] is not None and loss["term_start"] in period and loss["loss_date"] <= at
        else:
            keep = loss["loss_date"] in period and loss["loss_date"] <= at
        if keep:
            out.append(loss)
    return out


def claims_dictionary(
    company: Company,
    period: Period,
    basis: Basis = Basis.CALENDAR,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Thesis III.2.7, per branch and claim: its agent, contract, dates and territory, its status,
    the history of its payments, what is paid, reserved, spent on adjusting it (allocated) and
    incurred at the evaluation date (the period's end for the calendar basis)."""
    at = period.end if basis is Basis.CALENDAR else (as_of or period.end)
    lines = [e for e in records(company.lines) if e["loss"] is not None and e["booking_date"] <= at]
    reserved_before: dict[str, Decimal] = {}
    active: set[str] = set()
    for e in lines:
        if e["booking_date"] in period:
            active.add(e["loss"])
        if e["account_type"] == "reserve" and e["booking_date"] < period.start:
            reserved_before[e["loss"]] = reserved_before.get(e["loss"], ZERO) - e["signed"]
    active |= {code for code, reserve in reserved_before.items() if reserve}
    rows = []
    for loss in _selected(company, basis, period, at, active):
        own = [e for e in lines if e["loss"] == loss["loss"]]
        payments = [(e["booking_date"], e["signed"]) for e in own if e["account_type"] == "claims"]
        paid = sum((a for _, a in payments), ZERO)
        reserve = -sum((e["signed"] for e in own if e["account_type"] == "reserve"), ZERO)
        adjusting = sum((e["signed"] for e in own if e["account_type"] == "cost" and e["category"] == "claims"), ZERO)
        rows.append(
            {
                "branch": loss["branch"],
                "claim": loss["loss"],
                "agent": loss["agent"],
                "agent_name": company.agents.get(loss["agent"], NONE),
                "policy": loss["pra"],
                "class_of_business": loss["class_of_business"],
                "territory": loss["territory"],
                "status": _status(loss, at),
                "loss_date": loss["loss_date"],
                "notification_date": loss["notification_date"],
                "payments": len(payments),
                "paid": paid,
                "outstanding": reserve,
                "lae_allocated": adjusting,
                "incurred": paid + reserve + adjusting,
                "payment_history": "; ".join(f"{d.isoformat()} {a:.2f}" for d, a in sorted(payments)),
            }
        )
    rows.sort(key=lambda r: (r["branch"], r["claim"]))
    return report_frame(
        rows,
        keys=["branch"],
        texts=["claim", "agent", "agent_name", "policy", "class_of_business", "territory", "status", "payment_history"],
        dates=["loss_date", "notification_date"],
        counts=["payments"],
        money=["paid", "outstanding", "lae_allocated", "incurred"],
        order=DICTIONARY,
    )


DICTIONARY = [
    "branch",
    "claim",
    "agent",
    "agent_name",
    "policy",
    "class_of_business",
    "territory",
    "status",
    "loss_date",
    "notification_date",
    "payments",
    "paid",
    "outstanding",
    "lae_allocated",
    "incurred",
    "payment_history",
]


ACTIVITY_MONEY = ("new_reserves", "payments", "corrections", "reserves_end", "change")


def claims_activity(
    company: Company,
    period: Period,
    basis: Basis = Basis.CALENDAR,
    *,
    by: str | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Thesis III.2.8, by month of the period and territory of the loss (not of the contract):
    new claims (occurred in the month) and the reserves opened for them, claims closed,
    payments, corrections (reserve movements other than openings and payments: cancellations,
    revaluations), the reserves left at the month's end and their change since the previous
    month's end. Each territory, then all (``(all)``)."""
    if basis is not Basis.CALENDAR:
        raise ReportError("the monthly claims activity is a calendar report (thesis III.2.8: the activity of a month)")
    losses = records(company.losses)
    lines = [e for e in records(company.lines) if e["account_type"] in ("claims", "reserve")]
    rows: list[dict[str, Any]] = []
    for month in period.months():
        slots: dict[str, dict[str, Any]] = {}

        def slot(territory: str, slots: dict[str, dict[str, Any]] = slots) -> dict[str, Any]:
            return slots.setdefault(
                territory, {"new_claims": 0, "closed_claims": 0} | dict.fromkeys(ACTIVITY_MONEY, ZERO)
            )

        for loss in losses:
            if loss["loss_date"] in month:
                slot(loss["territory"])["new_claims"] += 1
            if loss["closing_date"] is not None and loss["closing_date"] in month:
                slot(loss["territory"])["closed_claims"] += 1
        for e in lines:
            booked = e["booking_date"]
            if booked is None or booked > month.end:
                continue
            s = slot(e["territory"])
            if e["account_type"] == "reserve":
                s["reserves_end"] -= e["signed"]
            if booked < month.start:
                continue
            if e["account_type"] == "claims":
                s["payments"] += e["signed"]
                continue
            s["change"] -= e["signed"]
            if e["event"] == "creation":
                s["new_reserves"] -= e["signed"]
            elif e["event"] != "payment":
                s["corrections"] -= e["signed"]
        everything = {"new_claims": 0, "closed_claims": 0} | dict.fromkeys(ACTIVITY_MONEY, ZERO)
        for territory in sorted(slots):
            rows.append({"month": month.label, "territory": territory, **slots[territory]})
            for k in everything:
                everything[k] += slots[territory][k]
        rows.append({"month": month.label, "territory": ALL, **everything})
    return report_frame(rows, keys=["month", "territory"], counts=["new_claims", "closed_claims"], money=ACTIVITY_MONEY)
