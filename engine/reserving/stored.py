"""Reserves of the stored business: triangles from the loss movements, gross and net of the stored
reinsurance; chain ladder with Mack's standard errors; the discounted Best Estimate.

``reserve(stored, basis="paid"|"incurred", grain="year"|"quarter", as_of=…)`` reads the movements
through :class:`~assurdb.engine.stored.StoredBusiness` and answers a :class:`Reserves`: one
:class:`View` per side (``gross``, ``net``), each with its cumulative triangle, its chain-ladder fit
and the summary by accident period.

*Net* is net of what the stored program cedes on each loss as it develops:

- the proportional treaties, in rank order — a quota share of the loss's class and underwriting
  year (its ``share_pct``), then the surplus cessions of the guaranties the loss damaged (their
  ``ceded_pct``, weighted by the damage amounts);
- then the per-risk excess of loss of the class and year, on the retained loss: after each
  movement the layer takes ``min(limit, max(0, retained − priority))`` of the loss's retained paid
  (basis ``paid``) or incurred (basis ``incurred``), so recoveries follow the development.

The underwriting year is the year the loss's term began for a treaty attaching risks (LORA) and
the accident year for one attaching losses (LOD). The per-event excess of loss and the stop loss
cover a year's aggregate, not a loss's development: they are left out of the net triangles, and
their recoveries are ``assurdb reinsure``'s. Losses without movements cannot be placed in a
triangle: :attr:`Reserves.without_history` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.reserving.discount import discount_factors_from_curve
from assurdb.engine.reserving.ladder import ChainLadderResult, chain_ladder
from assurdb.engine.reserving.triangles import triangle_from_movements
from assurdb.engine.stored import covering

if TYPE_CHECKING:
    from assurdb.engine.stored import StoredBusiness

__all__ = ["Reserves", "View", "case_reserves", "net_shares", "reserve"]

Basis = Literal["paid", "incurred"]
Grain = Literal["year", "quarter"]
#: Years per development period.
YEARS = {"year": 1.0, "quarter": 0.25}


@dataclass(frozen=True)
class View:
    """One side (gross or net): the cumulative triangle on the basis, its chain-ladder fit, the
    future payments by calendar period, their discount factors and the Best Estimate."""

    side: str
    triangle: pd.DataFrame
    fit: ChainLadderResult
    best_estimate: float
    discount_factors: np.ndarray
    #: future payments by calendar period (1 … n after the valuation date), undiscounted
    cash_flows: np.ndarray

    @property
    def summary(self) -> pd.DataFrame:
        """By accident period: latest, ultimate, IBNR, Mack s.e., missing cells above the diagonal."""
        return self.fit.summary()

    @property
    def totals(self) -> dict[str, float]:
        fit = self.fit
        return {
            "latest": float(np.sum(fit.latest)),
            "ultimate": float(np.sum(fit.ultimate)),
            "ibnr": float(np.sum(fit.ibnr)),
            "mack_se": float(fit.total_mack_se) if fit.total_mack_se is not None else float("nan"),
            "best_estimate": self.best_estimate,
        }


@dataclass(frozen=True)
class Reserves:
    """Both sides, the basis and grain they were built on, and what could not be used."""

    basis: Basis
    grain: Grain
    valuation_date: pd.Timestamp
    gross: View
    net: View
    without_history: pd.DataFrame

    def views(self) -> tuple[View, View]:
        return (self.gross, self.net)


def net_shares(stored: StoredBusiness) -> pd.DataFrame:
    """Per loss with a history: ``retained`` (the share kept after the proportional treaties, 0–1),
    ``xl_priority`` and ``xl_limit`` (the per-risk layer covering it, NaN if none), and the treaty
    codes applied (``quota_share``, ``surplus_pct``, ``risk_xl``)."""
    losses = stored.losses()
    if losses.empty:
        return pd.DataFrame(columns=["retained", "xl_priority", "xl_limit"])
    starts = stored.term_starts().rename(
        columns={"policy_no": "accident_policy_no", "renewal_no": "accident_renewal_no"}
    )
    losses = losses.merge(starts, on=["accident_policy_no", "accident_renewal_no"], how="left").set_index("code")
    year = pd.DataFrame(
        {
            "LORA": losses["term_start"].dt.year.fillna(losses["loss_date"].dt.year),
            "LOD": losses["loss_date"].dt.year,
        }
    )
    treaties = stored.treaties()
    klass = losses["class_of_business"]
    qs = covering(treaties, "quota_share", klass, year)
    qs_share = pd.to_numeric(qs["share_pct"], errors="coerce").fillna(0.0) / 100.0
    # surplus: the damaged guaranties' cessions (over the term: the cessions are made on its policy
    # or renewal), weighted by the damage amounts (equally when none is given)
    guaranties = stored.guaranties()
    damaged = guaranties[guaranties["damage_code"].notna()]
    damaged = damaged[["policy_no", "renewal_no", "guaranty_no", "damage_code", "damage_amount"]]
    damaged = damaged.rename(columns={"damage_amount": "weight"})
    ceded = stored.surplus_ceded().rename("ceded_pct").reset_index()
    damaged = damaged.merge(ceded, on=["policy_no", "renewal_no", "guaranty_no"], how="left")
    damaged["ceded_pct"] = damaged["ceded_pct"].fillna(0.0)
    damaged["weight"] = damaged["weight"].where(damaged["weight"] > 0, 1.0)
    damaged["product"] = damaged["weight"] * damaged["ceded_pct"]
    by_loss = damaged.groupby("damage_code")[["product", "weight"]].sum()
    surplus = (by_loss["product"] / by_loss["weight"] / 100.0).reindex(losses.index).fillna(0.0)
    xl = covering(treaties, "risk_xl", klass, year)
    return pd.DataFrame(
        {
            "retained": (1.0 - qs_share) * (1.0 - surplus),
            "quota_share": qs["code"],
            "surplus_pct": surplus * 100.0,
            "risk_xl": xl["code"],
            "xl_priority": pd.to_numeric(xl["layer_priority"], errors="coerce"),
            "xl_limit": pd.to_numeric(xl["layer_limit"], errors="coerce"),
        },
        index=losses.index,
    )


def _net_movements(moves: pd.DataFrame, shares: pd.DataFrame, column: str) -> pd.Series:
    """The net increments of ``column`` (``paid`` or ``incurred``) movement by movement: each loss's
    level retained by the proportional treaties, less what its per-risk layer takes of that level."""
    joined = shares.reindex(moves["loss_code"]).reset_index(drop=True)
    level = moves.groupby("loss_code", sort=False)[column].cumsum().reset_index(drop=True)
    retained = level * joined["retained"].fillna(1.0)
    priority, limit = joined["xl_priority"], joined["xl_limit"]
    layered = (retained - priority).clip(lower=0.0).clip(upper=limit).fillna(0.0)
    net_level = retained - layered
    net = net_level - net_level.groupby(moves["loss_code"].reset_index(drop=True), sort=False).shift(1, fill_value=0.0)
    return net.round(2)


def _discount(n: int, grain: Grain, rate: float | None, curve: Mapping[float, float] | None) -> np.ndarray:
    """Discount factors of the future periods 1 … n, paid at each period's end."""
    times = np.arange(1, n + 1, dtype=np.float64) * YEARS[grain]
    if curve is not None:
        return discount_factors_from_curve(curve, times)
    return np.asarray((1.0 + (rate or 0.0)) ** -times, dtype=np.float64)


def _future_payments(paid: ChainLadderResult, owed: np.ndarray) -> np.ndarray:
    """What each accident period still owes (``owed``), paid out by calendar period along the paid
    chain ladder's projected pattern (all in the first future period when that pattern pays nothing)."""
    n_origins, n_devs = len(paid.origins), len(paid.developments)
    k = max(n_origins, n_devs) - 1
    increments = np.nan_to_num(np.asarray(paid.projected_incremental, dtype=np.float64))
    i, j = np.indices((n_origins, n_devs))
    future = (i + j) > k
    flows = np.zeros(len(paid.periods))
    for origin in range(n_origins):
        cells = future[origin]
        pattern = increments[origin][cells]
        periods = (origin + j[origin][cells]) - k - 1
        total = pattern.sum()
        if total > 0 and (pattern >= 0).all():
            np.add.at(flows, periods, owed[origin] * pattern / total)
        elif len(flows):
            flows[0] += owed[origin]
    return flows


def reserve(
    stored: StoredBusiness,
    *,
    basis: Basis = "paid",
    grain: Grain = "year",
    as_of: dt.date | str | None = None,
    rate: float | None = None,
    curve: Mapping[float, float] | None = None,
    classes: Collection[str] | None = None,
    loss_codes: Collection[str] | None = None,
    shares: pd.DataFrame | None = None,
) -> Reserves:
    """Triangles of the stored loss movements (module docstring), gross and net, chain ladder with
    Mack's standard errors, and the Best Estimate: what each accident period still has to pay (its
    ultimate on ``basis`` less what it paid), paid out along the paid triangle's chain-ladder pattern
    and discounted at a flat annual ``rate`` (0.03 = 3 %) or along a spot ``curve`` ({maturity in
    years: rate}); undiscounted without either. On the paid basis it is the chain ladder's own
    future cash flows; on the incurred basis it holds the case reserves as well as the IBNR.

    ``as_of``: the valuation date (default: the last movement's date); movements after it are left
    out. ``classes``: the classes of business to reserve, ``loss_codes`` the losses (default: all);
    ``shares``: :func:`net_shares` of ``stored`` when the caller has it already. Raises
    :class:`EngineError` when there is nothing to reserve (no movement) or the triangle has fewer
    than two diagonals.
    """
    if basis not in ("paid", "incurred"):
        raise EngineError(f"reserve: basis is 'paid' or 'incurred', not {basis!r}")
    if grain not in YEARS:
        raise EngineError(f"reserve: grain is 'year' or 'quarter', not {grain!r}")
    if rate is not None and curve is not None:
        raise EngineError("reserve: give a flat rate or a curve, not both")
    if rate is not None and not (np.isfinite(rate) and rate > -1):
        raise EngineError(f"reserve: rate is an annual rate above -100 % (0.03 = 3 %), not {rate!r}")
    moves = stored.movements(as_of)
    if classes is not None:
        moves = moves[moves["class_of_business"].isin(list(classes))].reset_index(drop=True)
    if loss_codes is not None:
        moves = moves[moves["loss_code"].isin(list(loss_codes))].reset_index(drop=True)
    if moves.empty:
        which = f" of {', '.join(sorted(classes))}" if classes is not None else ""
        which += " of the losses given" if loss_codes is not None else ""
        raise EngineError(f"reserve: no loss movement{which} is stored up to the valuation date: no triangle to build")
    valuation = pd.Timestamp(as_of) if as_of is not None else moves["movement_date"].max()
    shares = net_shares(stored) if shares is None else shares
    moves = moves.assign(
        net_paid=_net_movements(moves, shares, "paid"), net_incurred=_net_movements(moves, shares, "incurred")
    )
    first_date = moves["accident_date"].min()
    first: int | pd.Period = first_date.year if grain == "year" else pd.Period(first_date, freq="Q")

    def fitted(column: str) -> tuple[pd.DataFrame, ChainLadderResult]:
        triangle = triangle_from_movements(
            moves,
            accident_date="accident_date",
            movement_date="movement_date",
            amount=column,
            grain=grain,
            valuation_date=valuation,
            first_period=first,
        )
        if triangle.shape[1] < 2:
            raise EngineError(
                f"reserve: the movements up to {valuation.date()} span a single {grain} of development "
                f"(accident {grain} {triangle.index[0]}): a triangle needs at least two diagonals to develop"
            )
        return triangle, chain_ladder(triangle, mack=True)

    views = []
    for side, paid_column, basis_column in (("gross", "paid", basis), ("net", "net_paid", f"net_{basis}")):
        triangle, fit = fitted(basis_column)
        paid_fit = fit if basis == "paid" else fitted(paid_column)[1]
        paid_latest = np.asarray(paid_fit.latest, dtype=np.float64)
        flows = _future_payments(paid_fit, np.asarray(fit.ultimate, dtype=np.float64) - paid_latest)
        factors = _discount(len(flows), grain, rate, curve)
        views.append(View(side, triangle, fit, float(flows @ factors), factors, flows))
    return Reserves(basis, grain, valuation, views[0], views[1], stored.without_history())


def case_reserves(
    stored: StoredBusiness,
    *,
    as_of: dt.date | str | None = None,
    loss_codes: Collection[str] | None = None,
    shares: pd.DataFrame | None = None,
) -> tuple[float, float]:
    """The case reserves (outstanding) of the losses at ``as_of``, gross and net of the stored
    proportional treaties and per-risk layers (net incurred less net paid) — what a reserve
    volume falls back on when a triangle cannot be developed."""
    moves = stored.movements(as_of)
    if loss_codes is not None:
        moves = moves[moves["loss_code"].isin(list(loss_codes))].reset_index(drop=True)
    if moves.empty:
        return 0.0, 0.0
    shares = net_shares(stored) if shares is None else shares
    gross = float(moves["incurred"].sum() - moves["paid"].sum())
    net = float(_net_movements(moves, shares, "incurred").sum() - _net_movements(moves, shares, "paid").sum())
    return round(gross, 2), round(net, 2)
