"""Sizing around the chosen retention: the treaty's capacity, and a per-event XL protecting it.

The study, ch. 3 §5 (Tableau 30): for the chosen retention, capacities of m = 3 … 14 lines; the
reinsurer's result and rate on line of each; the treaty can go up to the largest capacity whose
rate on line a reinsurer still accepts (20 % in a hard market: 4 500 000 thousand DA, 10 "pleins",
ROL 22.01 %).

Ch. 3 §6 (Tableaux 32–34): an excess of loss per event protects the retention against the
accumulation of shipments on one vessel.

* Priority: the retained premiums and claims by year (Tableau 32); policies classed by their
  retained claim charge in bands of 40 000 thousand DA, the S/P of each band by year and overall
  (Tableau 33); the priority is the upper bound of the least-claimed band (the first, 0–40 000,
  22 %: priority 40 000).
* Limit ("portée"): the probable maximum loss = retention × the number of shipments one vessel may
  carry for different clients (Tableau 34: 5, 10, 15, 20 → 2 500 000 … 10 000 000; the study keeps 5).

Decisions where the study is silent: a policy's band is that of its total retained charge (no claim:
0, the first band); bands are ``[low, high)``; a policy's year is its underwriting year; the number
of shipments is, unless given, the most policies one event of the history touched, and Tableau 34's
scenarios are its multiples 1–4 (the study's 5, 10, 15, 20).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.optimise.kernel import cession_rates, facultative_rates
from assurdb.engine.optimise.scenarios import TreatyFactory, as_data, scenarios, seed_surplus, treaty_arrays
from assurdb.engine.optimise.seed004 import BAND_WIDTH, CAPACITY_LINES, COMMISSION, MIN_ROL, SHIPMENT_MULTIPLES
from assurdb.engine.results import loss_ratio
from assurdb.engine.treaties import ExcessOfLoss, Program, Surplus

if TYPE_CHECKING:
    import numpy.typing as npt

    from assurdb.engine.optimise.data import ScenarioData
    from assurdb.engine.portfolio import MarineCargoPortfolio

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "LossRatioProfile",
    "Protection",
    "capacity_table",
    "loss_ratio_profile",
    "protect_retention",
    "retained_by_policy",
    "size_capacity",
    "xl_limits",
    "xl_priority",
]


# --- capacity (Tableau 30) ------------------------------------------------------------------------------


def capacity_table(
    portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame,
    retention: float,
    lines: Sequence[float] = CAPACITY_LINES,
    *,
    treaty_factory: TreatyFactory = seed_surplus,
    **options: Any,
) -> pd.DataFrame:
    """Tableau 30: one row per number of lines m at ``retention``: ``capacity`` m·R,
    ``underwriting_limit`` (1+m)·R, ``pleins`` m + 1 (the study counts the retention line),
    ``reinsurer_result``, ``rate_on_line`` and the rest of the scenario table."""
    table = scenarios(portfolio, treaty_factory, {"retention": [float(retention)], "lines": list(lines)}, **options)
    table.insert(2, "underwriting_limit", table["retention"] * (1.0 + table["lines"]))
    table.insert(3, "pleins", table["lines"] + 1.0)
    return table


def size_capacity(table: pd.DataFrame, min_rol: float) -> int | None:
    """The position (row number) of the largest capacity whose rate on line is at least ``min_rol`` (the study
    ch. 3 §5: 4 500 000 at 22.01 % when the hard market asks 20 %), or None when none is."""
    if min_rol < 0:
        raise EngineError(f"min_rol must be >= 0, got {min_rol!r}")
    capacity = table["capacity"].to_numpy(dtype=np.float64)
    ok = np.nan_to_num(table["rate_on_line"].to_numpy(dtype=np.float64), nan=-np.inf) >= min_rol * (1 - 1e-9)
    ok &= np.isfinite(capacity)
    if not ok.any():
        return None
    return int(np.argmax(np.where(ok, capacity, -np.inf)))


# --- the XL protecting the retention (Tableaux 32–34) ---------------------------------------------------


def retained_by_policy(data: ScenarioData, treaty: Surplus) -> tuple[FloatArray, FloatArray]:
    """Per policy, the premium and the claim charge retained under ``treaty`` (and facultative
    placement of what exceeds its underwriting limit, as in the scenarios)."""
    arrays, _ = treaty_arrays([treaty])
    inv = 1.0 / data.tsi
    share = 1.0 - cession_rates(inv, arrays.share, arrays.retention, arrays.capacity)[0]
    share -= facultative_rates(inv, arrays.top)[0]
    premium = data.premium * share
    claims = np.bincount(
        data.claim_policy, weights=data.claim_amount * share[data.claim_policy], minlength=data.n_policies
    )
    return np.asarray(premium, dtype=np.float64), np.asarray(claims, dtype=np.float64)


@dataclass(frozen=True)
class LossRatioProfile:
    """Tableau 33: ``premium`` and ``claims`` per band × year (``all`` column: every year), and
    ``loss_ratio`` with an ``all`` row (the annual S/P, Tableau 32's). Bands are labelled by their
    bounds; ``upper`` gives each band's upper bound."""

    premium: pd.DataFrame
    claims: pd.DataFrame
    loss_ratio: pd.DataFrame
    upper: pd.Series


def loss_ratio_profile(
    premium: npt.ArrayLike,
    claims: npt.ArrayLike,
    years: npt.ArrayLike,
    *,
    band_width: float = BAND_WIDTH,
    unit: float = 1_000.0,
) -> LossRatioProfile:
    """Class policies by their retained claim charge in bands of ``band_width`` and give each band's
    S/P by year and overall (Tableau 33). Bands without a policy are left out, as the study prints
    none between 80 000 and 160 000. Labels are in ``unit`` (thousand DA, as the study prints)."""
    p = np.asarray(premium, dtype=np.float64)
    c = np.asarray(claims, dtype=np.float64)
    y = np.asarray(years)
    if not (p.shape == c.shape == y.shape) or p.ndim != 1:
        raise EngineError("loss_ratio_profile: premium, claims and years need one value per policy each")
    if not band_width > 0:
        raise EngineError(f"band_width must be > 0, got {band_width!r}")
    if (c < 0).any() or (p < 0).any():
        raise EngineError("loss_ratio_profile: premiums and claims must not be negative")
    band = np.floor(c / band_width).astype(np.int64)
    frame = pd.DataFrame({"band": band, "year": y, "premium": p, "claims": c})
    prem = frame.pivot_table(index="band", columns="year", values="premium", aggfunc="sum", fill_value=0.0)
    clm = frame.pivot_table(index="band", columns="year", values="claims", aggfunc="sum", fill_value=0.0)
    prem["all"], clm["all"] = prem.sum(axis=1), clm.sum(axis=1)
    lows = prem.index.to_numpy(dtype=np.float64) * band_width
    labels = [f"{_fmt(lo / unit)}-{_fmt((lo + band_width) / unit)}" for lo in lows]
    prem.index = clm.index = pd.Index(labels, name="band")
    ratios = pd.DataFrame(loss_ratio(clm.to_numpy(), prem.to_numpy()), index=prem.index, columns=prem.columns)
    ratios.loc["all"] = loss_ratio(clm.sum(axis=0).to_numpy(), prem.sum(axis=0).to_numpy())
    upper = pd.Series(lows + band_width, index=prem.index, name="upper")
    return LossRatioProfile(premium=prem, claims=clm, loss_ratio=ratios, upper=upper)


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def xl_priority(loss_ratios: pd.Series, upper: pd.Series) -> float:
    """The upper bound of the least-claimed band (the first on ties): the study, ch. 3 §6.1 takes
    "la borne supérieure de la première tranche de sinistre la moins sinistrée" (22 % → 40 000)."""
    lr = loss_ratios.reindex(upper.index).to_numpy(dtype=np.float64)
    if not np.isfinite(lr).any():
        raise EngineError("xl_priority: no band has a loss ratio (no retained premium)")
    return float(upper.iloc[int(np.nanargmin(lr))])


def xl_limits(retention: float, shipments: int, multiples: Sequence[int] = SHIPMENT_MULTIPLES) -> pd.DataFrame:
    """Tableau 34: per scenario, ``shipments`` × multiple on one vessel and the limit = retention × that."""
    if shipments < 1:
        raise EngineError(f"shipments must be >= 1, got {shipments!r}")
    count = np.array([shipments * int(k) for k in multiples], dtype=np.int64)
    return pd.DataFrame(
        {"retention": float(retention), "shipments": count, "limit": float(retention) * count},
        index=pd.RangeIndex(1, len(count) + 1, name="scenario"),
    )


@dataclass(frozen=True)
class Protection:
    """The per-event XL protecting a retention: ``by_year`` (Tableau 32: retained premium, claims and
    S/P by year), ``profile`` (Tableau 33), ``priority``, ``shipments``, ``limits`` (Tableau 34, with
    each scenario's XL evaluated on the history: ``xl_claims`` ceded, ``xl_premium``,
    ``retention_result``, ``scr``), and the chosen ``limit`` (the first scenario, as the study)."""

    retention: float
    by_year: pd.DataFrame
    profile: LossRatioProfile
    priority: float
    shipments: int
    limits: pd.DataFrame
    limit: float


def protect_retention(
    portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame,
    retention: float,
    lines: float,
    *,
    commission: float = COMMISSION,
    band_width: float = BAND_WIDTH,
    shipments: int | None = None,
    multiples: Sequence[int] = SHIPMENT_MULTIPLES,
    **options: Any,
) -> Protection:
    """Priority and limit of the per-event XL protecting ``retention`` (see the module notes)."""
    data = as_data(portfolio)
    surplus = Surplus(retention, lines, commission=commission)
    premium, claims = retained_by_policy(data, surplus)
    years = data.years[data.policy_year]
    profile = loss_ratio_profile(premium, claims, years, band_width=band_width)
    by_year = pd.DataFrame(
        {"premium": profile.premium.sum(axis=0), "claims": profile.claims.sum(axis=0)}, index=profile.premium.columns
    )
    by_year["loss_ratio"] = loss_ratio(by_year["claims"].to_numpy(), by_year["premium"].to_numpy())
    priority = xl_priority(profile.loss_ratio["all"].drop("all"), profile.upper)
    n = data.shipments_per_event if shipments is None else int(shipments)
    limits = xl_limits(retention, n, multiples)

    def program(limit: float) -> Program:
        return Program([surplus, ExcessOfLoss(limit, priority, basis="event")])

    evaluated = scenarios(data, program, {"limit": limits["limit"].tolist()}, **options)
    for column in ("xl_claims", "xl_premium", "retention_result", "scr"):
        limits[column] = evaluated[column].to_numpy()
    return Protection(
        retention=float(retention),
        by_year=by_year,
        profile=profile,
        priority=priority,
        shipments=n,
        limits=limits,
        limit=float(limits["limit"].iloc[0]),
    )


def minimum_rol(market: str) -> float:
    """12 % in a soft market, 20 % in a hard one (the study, ch. 3 §5)."""
    if market not in MIN_ROL:
        raise EngineError(f"market must be 'soft' or 'hard', got {market!r}")
    return float(MIN_ROL[market])
