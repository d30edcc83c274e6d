"""Claims reports of thesis III.2: the claims dictionary (III.2.7) and the monthly claims
activity by territory (III.2.8). Money comes from the journal (ACCOUNT LOSS): reserves and
payments have dates there, the loss records only their latest state."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assurdb.domain.reports.data import NONE, ZERO, Company, decimals, records
from assurdb.domain.reports.figures import dates, day64, inside
from assurdb.domain.reports.frames import report_frame
from assurdb.domain.reports.period import Basis, Period, ReportError

ALL = "(all)"


def _status(loss: dict[str, Any], at: dt.date) -> str:
    if loss["cancellation_date"] is not None and loss["cancellation_date"] <= at:
        return "cancelled"
    if loss["closing_date"] is not None and loss["closing_date"] <= at:
        return "closed"
    return "open"


def _selected(company: Company, basis: Basis, period: Period, at: dt.date, active: set[str]) -> np.ndarray[Any, Any]:
    """The claims of the dictionary (positions in ``company.losses``): notified by the period's end
    and notified in it, active in it or still reserved at its start (calendar); on the contracts of
    the period (underwriting); occurred in the period (accident) — known at the evaluation date."""
    losses = company.losses
    occurred = dates(losses, "loss_date")
    if basis is Basis.CALENDAR:
        notified = dates(losses, "notification_date")
        busy = losses["loss"].isin(active).to_numpy()
        keep = (notified <= day64(period.end)) & (inside(notified, period) | busy)
    elif basis is Basis.UNDERWRITING:
        keep = inside(dates(losses, "term_start"), period) & (occurred <= day64(at))
    else:
        keep = inside(occurred, period) & (occurred <= day64(at))
    return np.flatnonzero(keep)


def _as_dates(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A few rows as dicts, their dates as ``date`` (None for none)."""
    rows = records(frame)
    for column in frame.columns:
        if frame[column].dtype.kind == "M":
            days = frame[column].to_numpy(dtype="datetime64[D]").astype(object).tolist()
            for row, value in zip(rows, days, strict=True):
                row[column] = value
    return rows


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
    every = company.lines
    booked_all = dates(every, "booking_date")
    own = every[every["loss"].notna().to_numpy() & (booked_all <= day64(at))]
    booked = dates(own, "booking_date")
    kind, category = own["account_type"].to_numpy(), own["category"].to_numpy()
    reserve = kind == "reserve"
    active = set(own["loss"].to_numpy()[inside(booked, period)])
    before = own[reserve & (booked < day64(period.start))].groupby("loss", sort=False)["cents"].sum()
    active |= {str(code) for code, cents in before.items() if cents}
    # per loss: its payments (date, amount), paid, the reserve held, the adjusting costs
    payments: dict[str, list[tuple[dt.date, Decimal]]] = {}
    paid = own[kind == "claims"]
    paid_days = dates(paid, "booking_date").astype(object).tolist()
    for code, when, amount in zip(paid["loss"], paid_days, decimals(paid["cents"].to_numpy()), strict=True):
        payments.setdefault(code, []).append((when, amount))
    held = own[reserve].groupby("loss", sort=False)["cents"].sum()
    adjusted = own[(kind == "cost") & (category == "claims")].groupby("loss", sort=False)["cents"].sum()
    rows = []
    for loss in _as_dates(company.losses.iloc[_selected(company, basis, period, at, active)]):
        code = loss["loss"]
        history = payments.get(code, [])
        paid_total = sum((a for _, a in history), ZERO)
        reserve_held = -Decimal(int(held.get(code, 0))).scaleb(-2)
        adjusting = Decimal(int(adjusted.get(code, 0))).scaleb(-2)
        rows.append(
            {
                "branch": loss["branch"],
                "claim": code,
                "agent": loss["agent"],
                "agent_name": company.agents.get(loss["agent"], NONE),
                "policy": loss["pra"],
                "class_of_business": loss["class_of_business"],
                "territory": loss["territory"],
                "status": _status(loss, at),
                "loss_date": loss["loss_date"],
                "notification_date": loss["notification_date"],
                "payments": len(history),
                "paid": paid_total,
                "outstanding": reserve_held,
                "lae_allocated": adjusting,
                "incurred": paid_total + reserve_held + adjusting,
                "payment_history": "; ".join(f"{d.isoformat()} {a:.2f}" for d, a in sorted(history)),
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
    losses, lines = company.losses, company.lines
    occurred, closed = dates(losses, "loss_date"), dates(losses, "closing_date")
    moved = lines[np.isin(lines["account_type"].to_numpy(), ["claims", "reserve"])]
    booked = dates(moved, "booking_date")
    reserve = moved["account_type"].to_numpy() == "reserve"
    event = moved["event"].to_numpy()
    signed = moved["cents"].to_numpy()
    # territories as numbers, those of the losses and of the lines together
    codes, names = pd.factorize(np.concatenate([losses["territory"].to_numpy(), moved["territory"].to_numpy()]))
    of_loss, of_line = codes[: len(losses)], codes[len(losses) :]
    places = len(names)

    def count(where: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.bincount(of_loss[where], minlength=places)

    def total(where: np.ndarray[Any, Any], sign: int = 1) -> np.ndarray[Any, Any]:
        out = np.zeros(places, dtype=np.int64)
        np.add.at(out, of_line[where], sign * signed[where])
        return out

    rows: list[dict[str, Any]] = []
    for month in period.months():
        new, shut = inside(occurred, month), inside(closed, month)
        known = booked <= day64(month.end)  # every line booked by the month's end has its slot
        now = known & (booked >= day64(month.start))
        figures = {
            "new_claims": count(new),
            "closed_claims": count(shut),
            "new_reserves": total(now & reserve & (event == "creation"), -1),
            "payments": total(now & ~reserve),
            "corrections": total(now & reserve & (event != "creation") & (event != "payment"), -1),
            "reserves_end": total(known & reserve, -1),
            "change": total(now & reserve, -1),
        }
        present = count(new) + count(shut) + np.bincount(of_line[known], minlength=places)
        everything = {"new_claims": 0, "closed_claims": 0} | dict.fromkeys(ACTIVITY_MONEY, 0)
        for place in sorted(range(places), key=lambda p: str(names[p])):
            if not present[place]:
                continue
            row: dict[str, Any] = {"month": month.label, "territory": str(names[place])}
            for name, values in figures.items():
                row[name] = int(values[place])
                everything[name] += int(values[place])
            rows.append(row)
        rows.append({"month": month.label, "territory": ALL, **everything})
    for row in rows:
        for name in ACTIVITY_MONEY:
            row[name] = Decimal(row[name]).scaleb(-2)
    return report_frame(rows, keys=["month", "territory"], counts=["new_claims", "closed_claims"], money=ACTIVITY_MONEY)
