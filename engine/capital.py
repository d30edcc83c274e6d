"""Solvency II premium and reserve risk of the stored business, gross and net of the stored program.

``solvency(stored, as_of=…)`` maps each guaranty and each loss to a non-life segment (its class
of business, and for motor its peril: third party is motor vehicle liability, the rest other
motor — :data:`DEFAULT_SEGMENTS`, or a mapping of your own), measures the volumes of
Art. 116 of Delegated Regulation (EU) 2015/35 and hands them to
:func:`assurdb.engine.solvency.premium_reserve_scr`:

* premium volume ``V_prem,s = max(P_s, P_last,s) + FP_existing,s + FP_future,s``: ``P_last`` the
  premium earned in the twelve months to the valuation date (pro rata temporis, cancellations
  stopping the cover), ``P`` the premium of the guaranties in force at the valuation date over a
  year (they are assumed to renew on the same terms), ``FP_existing`` what existing contracts earn
  after the next twelve months, ``FP_future`` 0 (no contract is yet bound for a later start);
* reserve volume ``V_res,s``: the Best Estimate of claims provisions of the segment's losses (the
  chain ladder on their incurred movements; where the segment's triangle cannot be developed — too
  few losses — its case reserves, and the result says so).

*Net* deducts the stored program: each guaranty's quota share (its class and underwriting year)
and surplus cessions from its premiums, the excess-of-loss and stop-loss premiums (a flat amount,
or the rate on the subject premium retained by the proportional treaties, at least the minimum
premium of a minimum-and-deposit scheme) spread over the segments of the classes they cover in
proportion to that subject premium and earned over the treaty's period; and the Best Estimate net
of the proportional treaties and per-risk layers (:mod:`assurdb.engine.reserving.stored`).
Classes mapped to no segment (personal accident is health, not non-life, business) are left out
and listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.reserving.stored import case_reserves, net_shares, reserve
from assurdb.engine.solvency import SEGMENTS, PremiumReserveSCR, premium_reserve_scr
from assurdb.engine.stored import covered_by, covering

if TYPE_CHECKING:
    from assurdb.engine.stored import StoredBusiness

__all__ = ["DEFAULT_SEGMENTS", "Solvency", "segment_of", "solvency"]

#: Class of business (or ``(class, peril)``) → non-life segment; ``None``: not non-life business.
DEFAULT_SEGMENTS: dict[str | tuple[str, str], str | None] = {
    "FIRE": "fire_property",
    "ENGINEERING": "fire_property",
    "MARINE": "marine_aviation_transport",
    "LIABILITY": "general_liability",
    "MOTOR": "other_motor",
    ("MOTOR", "THIRD PARTY"): "motor_vehicle_liability",
    "ACCIDENT": None,
}


def segment_of(mapping: Mapping[str | tuple[str, str], str | None], klass: str, peril: str | None = None) -> str | None:
    """The segment of a class (and peril): the ``(class, peril)`` entry, else the class's; an
    :class:`EngineError` for a class the mapping does not know."""
    if peril is not None and (klass, peril) in mapping:
        return mapping[(klass, peril)]
    if klass in mapping:
        return mapping[klass]
    raise EngineError(f"solvency: class of business {klass!r} has no segment in the mapping; add it")


@dataclass(frozen=True)
class Solvency:
    """Premium and reserve risk, gross and net, with the volumes by segment and what was left out."""

    valuation_date: pd.Timestamp
    gross: PremiumReserveSCR
    net: PremiumReserveSCR
    #: by segment: earned_last, in_force, fp_existing, v_prem (gross and ceded), be_gross, be_net
    volumes: pd.DataFrame
    #: segment → why its reserve volume is the case reserves (its triangle could not be developed)
    case_reserves_only: dict[str, str] = field(default_factory=dict)
    #: classes of business mapped to no non-life segment, with their earned premium
    left_out: dict[str, float] = field(default_factory=dict)


def _earned(frame: pd.DataFrame, premium: pd.Series, low: pd.Timestamp, high: pd.Timestamp) -> pd.Series:
    """Premium earned pro rata temporis over the days of [low, high] each row's cover ran."""
    start, end = frame["cover_start"], frame["cover_end"]
    stop = frame["stop"]
    last = end.where(stop.isna() | (stop > end), stop - pd.Timedelta(days=1))
    days = (end - start).dt.days + 1
    first_in, last_in = start.where(start > low, low), last.where(last < high, high)
    inside = ((last_in - first_in).dt.days + 1).clip(lower=0)
    earned: pd.Series = (premium * inside / days).where(days > 0, 0.0)
    return earned


def _premiums(stored: StoredBusiness, at: pd.Timestamp) -> pd.DataFrame:
    """Every guaranty row (each term and endorsement) with its class, peril, cover, cancellation,
    underwriting year and its premium ceded by the proportional treaties (``ceded``)."""
    pra = stored.frame("PRA")[
        [
            "policy_no",
            "renewal_no",
            "endorsement_no",
            "class_of_business",
            "cover_start",
            "cover_end",
            "cancellation_date",
        ]
    ]
    rows = stored.guaranties()[
        ["policy_no", "renewal_no", "endorsement_no", "guaranty_no", "peril", "premium", "cancellation_date"]
    ].rename(columns={"cancellation_date": "guaranty_cancelled"})
    rows["premium"] = rows["premium"].fillna(0.0)
    rows = rows.merge(pra, on=["policy_no", "renewal_no", "endorsement_no"]).merge(
        stored.term_starts(), on=["policy_no", "renewal_no"], how="left"
    )
    stop = rows[["cancellation_date", "guaranty_cancelled"]].min(axis=1)
    rows["stop"] = stop.where(stop <= at)
    rows["year"] = rows["term_start"].dt.year.fillna(rows["cover_start"].dt.year).astype("int64")
    quota = covering(stored.treaties(), "quota_share", rows["class_of_business"], _years(rows))
    share = pd.to_numeric(quota["share_pct"], errors="coerce").fillna(0.0) / 100.0
    keyed = rows.set_index(["policy_no", "renewal_no", "guaranty_no"]).index
    surplus_share = pd.Series(stored.surplus_ceded().reindex(keyed).fillna(0.0).to_numpy() / 100.0, index=rows.index)
    rows["retained"] = (1.0 - share) * (1.0 - surplus_share)
    return rows


def _years(rows: pd.DataFrame) -> pd.DataFrame:
    """A guaranty row's underwriting year for a treaty attaching risks (its term's start) and for
    one attaching losses (the year its cover starts)."""
    return pd.DataFrame({"LORA": rows["year"], "LOD": rows["cover_start"].dt.year})


def _xl_premiums(
    stored: StoredBusiness, rows: pd.DataFrame, segments: pd.Series
) -> list[tuple[pd.Series, pd.Timestamp, pd.Timestamp]]:
    """Per non-proportional treaty: the subject premium by segment (retained by the proportional
    treaties, classes and year covered), its premium and its period."""
    treaties = stored.treaties()
    years = _years(rows)
    out = []
    for _, treaty in treaties[treaties["kind"].isin(["risk_xl", "event_xl", "stop_loss"])].iterrows():
        hit = covered_by(treaty, rows["class_of_business"], years)
        subject = (rows["premium"] * rows["retained"])[hit].groupby(segments[hit]).sum()
        rate, amount = treaty["premium_rate_pct"], treaty["premium_amount"]
        scheme = treaty["premium_scheme"]
        cost = float(subject.sum()) * float(rate) / 100.0 if pd.notna(rate) else 0.0
        if pd.notna(amount) and (scheme in ("flat", None) or pd.isna(rate) or scheme == "minimum_deposit"):
            cost = max(cost, float(amount)) if scheme == "minimum_deposit" else float(amount)
        if cost > 0 and subject.sum() > 0:
            out.append((subject / subject.sum() * cost, treaty["inception"], treaty["expiry"]))
    return out


def solvency(
    stored: StoredBusiness,
    *,
    as_of: dt.date | str | None = None,
    mapping: Mapping[str | tuple[str, str], str | None] | None = None,
    rate: float | None = None,
    curve: Mapping[float, float] | None = None,
) -> Solvency:
    """Premium and reserve risk SCR of the stored business (module docstring), gross and net of the
    stored program. ``as_of``: the valuation date (default: the last loss movement's date);
    ``mapping``: class (or ``(class, peril)``) → segment (default :data:`DEFAULT_SEGMENTS`);
    ``rate`` / ``curve``: the discounting of the Best Estimate (as :func:`reserve`)."""
    mapping = DEFAULT_SEGMENTS if mapping is None else mapping
    wrong = sorted({str(s) for s in mapping.values() if s is not None and s not in SEGMENTS})
    if wrong:
        raise EngineError(f"solvency: unknown segment(s) {wrong}; the segments are {', '.join(SEGMENTS)}")
    moves = stored.movements(as_of)
    if as_of is None and moves.empty:
        raise EngineError("solvency: no loss movement is stored: give the valuation date (as_of)")
    at = pd.Timestamp(as_of) if as_of is not None else moves["movement_date"].max()
    rows = _premiums(stored, at)
    rows["segment"] = [segment_of(mapping, k, p) for k, p in zip(rows["class_of_business"], rows["peril"], strict=True)]
    year_ago, year_on = at - pd.Timedelta(days=364), at + pd.Timedelta(days=365)
    earned_last = _earned(rows, rows["premium"], year_ago, at)
    in_force = (rows["cover_start"] <= at) & (rows["cover_end"] >= at) & rows["stop"].isna()
    days = (rows["cover_end"] - rows["cover_start"]).dt.days + 1
    annual = (rows["premium"] * 365.0 / days).where(in_force & (days > 0), 0.0)
    fp_existing = _earned(rows, rows["premium"], year_on + pd.Timedelta(days=1), pd.Timestamp.max.normalize())
    facts = pd.DataFrame(
        {"segment": rows["segment"], "earned_last": earned_last, "in_force": annual, "fp_existing": fp_existing}
    )
    for column in ("earned_last", "in_force", "fp_existing"):
        facts[f"ceded_{column}"] = facts[column] * (1.0 - rows["retained"])
    segmented = rows["segment"].notna()
    left_out = rows[~segmented].assign(earned=earned_last[~segmented]).groupby("class_of_business")["earned"].sum()
    volumes = facts[segmented].groupby("segment").sum()
    for part, start, end in _xl_premiums(stored, rows[segmented], rows.loc[segmented, "segment"]):
        span = (end - start).days + 1
        last = max(0.0, ((min(end, at) - max(start, year_ago)).days + 1) / span)
        volumes["ceded_earned_last"] = volumes["ceded_earned_last"].add(part * last, fill_value=0.0)
        if start <= at <= end:  # the cover in force renews: the next twelve months cost a year of it
            volumes["ceded_in_force"] = volumes["ceded_in_force"].add(part * 365.0 / span, fill_value=0.0)
    volumes = volumes.fillna(0.0)
    volumes["v_prem_gross"] = volumes[["in_force", "earned_last"]].max(axis=1) + volumes["fp_existing"]
    net_in_force = volumes["in_force"] - volumes["ceded_in_force"]
    net_last = volumes["earned_last"] - volumes["ceded_earned_last"]
    volumes["v_prem_net"] = (
        pd.concat([net_in_force, net_last], axis=1).max(axis=1) + volumes["fp_existing"] - volumes["ceded_fp_existing"]
    ).clip(lower=0.0)
    case_only: dict[str, str] = {}
    be_gross, be_net = {}, {}
    losses = _loss_segments(stored, mapping, at)
    shares = net_shares(stored)  # once for every segment
    for segment in volumes.index:
        codes = losses.index[losses["segment"] == segment]
        try:
            reserves = reserve(
                stored, basis="incurred", as_of=at.date(), rate=rate, curve=curve, loss_codes=codes, shares=shares
            )
            be_gross[segment], be_net[segment] = reserves.gross.best_estimate, reserves.net.best_estimate
        except EngineError as error:
            case_only[segment] = str(error)
            be_gross[segment], be_net[segment] = case_reserves(stored, as_of=at.date(), loss_codes=codes, shares=shares)
    volumes["be_gross"] = pd.Series(be_gross)
    volumes["be_net"] = pd.Series(be_net)
    volumes = volumes.reindex([s for s in SEGMENTS if s in volumes.index])
    gross = premium_reserve_scr({str(s): (v["v_prem_gross"], v["be_gross"]) for s, v in volumes.iterrows()})
    net = premium_reserve_scr({str(s): (v["v_prem_net"], v["be_net"]) for s, v in volumes.iterrows()})
    return Solvency(at, gross, net, volumes, case_only, {str(k): float(v) for k, v in left_out.items()})


def _loss_segments(
    stored: StoredBusiness, mapping: Mapping[str | tuple[str, str], str | None], at: pd.Timestamp
) -> pd.DataFrame:
    """Each loss known at ``at`` (index: its code) with its outstanding and its segment: its class's,
    or its class and the peril of the first guaranty it damaged where the mapping splits the class."""
    losses = stored.losses(at.date()).set_index("code")
    damaged = stored.frame("Guaranty")
    damaged = damaged[damaged["damage_code"].notna()].sort_values(["damage_code", "guaranty_no"], kind="stable")
    peril = damaged.groupby("damage_code")["peril"].first()
    losses["peril"] = peril.reindex(losses.index)
    losses["segment"] = [
        segment_of(mapping, k, None if pd.isna(p) else p)
        for k, p in zip(losses["class_of_business"], losses["peril"], strict=True)
    ]
    return losses
