"""The scenario method's portfolio from a database's stored business (``assurdb optimise --db``).

:func:`stored_portfolio` reads :class:`~assurdb.engine.stored.StoredBusiness` (READ SELECTION through
the contract, never SQL) for one class of business and builds the table of ``--csv``
(:data:`~assurdb.engine.optimise.data.CSV_COLUMNS`), which :meth:`ScenarioData.from_frame` turns into
arrays — one path for a user's CSV and for a database:

* one **policy** per term guaranty (a policy or a renewal, its endorsements composed by
  :meth:`StoredBusiness.terms`: sums insured and premiums added up, a cancelled part reduced to what
  it earned) whose term started by ``as_of``, with a positive sum insured: ``underwriting_year``
  the term's start year (what a surplus attaching risks sees), ``sum_insured``, ``premium``,
  ``inception_date`` the term's start, ``expiry_date`` its cover end;
* one **claim** per loss (not cancelled, with a history) of the class occurred by ``as_of`` and per
  guaranty it touches (:meth:`StoredBusiness.loss_weights`: the guaranties it damaged, weighted by
  the damage amounts, else its term's, weighted by their sums insured): ``claim_amount`` its share
  of the loss's incurred at ``as_of``, ``accident_year``, ``event_id`` the loss's event (or the loss
  itself: the guaranties one loss touches are one event), ``paid_0, paid_1, …`` its share of the
  payments less recoveries by development year (calendar year of the movement − accident year),
  a year's net recovery set against the claim's earlier payments.

The rest comes from the data too: the currency (the terms' ``PRA.currency`` and the class's surplus
treaties' ``Treaty.currency``: one, or an error naming them), the **current treaty** (the surplus
covering the class for the latest underwriting year stored: retention, lines, commission) and,
through :func:`retention_grid`, a grid of retentions from the sums insured.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.optimise.data import ScenarioData

if TYPE_CHECKING:
    import numpy.typing as npt

    from assurdb.engine.stored import StoredBusiness

__all__ = ["CurrentTreaty", "StoredPortfolio", "band_width", "nice_step", "retention_grid", "stored_portfolio"]

_GUARANTY = ["policy_no", "renewal_no", "guaranty_no"]


@dataclass(frozen=True)
class CurrentTreaty:
    """The stored surplus treaty in force for the class: ``code``, ``underwriting_year``,
    ``retention`` (currency units), ``lines``, ``commission`` (a fraction: 0.275 = 27.5 %)."""

    code: str
    underwriting_year: int
    retention: float
    lines: float
    commission: float


@dataclass(frozen=True)
class StoredPortfolio:
    """A class of business read from the database (see the module notes): ``data`` for the
    scenario method, ``table`` the ``--csv`` layout it was built from, ``currency`` (None when the
    data names none), ``as_of``, ``current`` (the surplus in force, or None), and ``left_out``:
    what could not enter the method, by reason (counts)."""

    class_of_business: str
    data: ScenarioData
    table: pd.DataFrame
    currency: str | None
    as_of: pd.Timestamp
    current: CurrentTreaty | None
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def sums_insured(self) -> npt.NDArray[np.float64]:
        return self.data.tsi


def _covers(classes: object, klass: str) -> bool:
    listed = list(classes) if isinstance(classes, list | tuple) else []
    return not listed or klass in listed


def _surplus_treaties(stored: StoredBusiness) -> pd.DataFrame:
    treaties = stored.treaties()
    return treaties[treaties["kind"] == "surplus"].reset_index(drop=True)


def default_class(stored: StoredBusiness, classes: pd.Series) -> str:
    """The class named by the most stored surplus treaties (a surplus naming no class counts for
    none); on a tie, or without surplus, the class with the most term guaranties (``classes``: the
    class of each)."""
    counts = classes.value_counts()
    if counts.empty:
        raise EngineError("no term is stored: the scenario method needs the business of at least two years")
    named: dict[str, int] = {}
    for listed in _surplus_treaties(stored)["classes"]:
        for klass in listed:
            named[klass] = named.get(klass, 0) + 1
    ranked = sorted(counts.index, key=lambda k: (-named.get(str(k), 0), -int(counts[k]), str(k)))
    return str(ranked[0])


def _current(surplus: pd.DataFrame, klass: str) -> CurrentTreaty | None:
    """The surplus of the latest underwriting year that covers ``klass`` (the first in rank order)."""
    covering = surplus[[_covers(c, klass) for c in surplus["classes"]]]
    covering = covering[covering["retention"].notna() & covering["lines"].notna()]
    if covering.empty:
        return None
    latest = covering.sort_values(["underwriting_year", "rank", "code"], ascending=[False, True, True], kind="stable")
    row = latest.iloc[0]
    commission = row.get("commission_pct")
    return CurrentTreaty(
        code=str(row["code"]),
        underwriting_year=int(row["underwriting_year"]),
        retention=float(row["retention"]),
        lines=float(row["lines"]),
        commission=0.0 if commission is None or pd.isna(commission) else float(commission) / 100.0,
    )


def _as_of(stored: StoredBusiness, as_of: dt.date | str | pd.Timestamp | None) -> pd.Timestamp:
    """``as_of``, or the last date the data knows: the latest movement or term start."""
    if as_of is not None:
        try:
            return pd.Timestamp(as_of).normalize()
        except (TypeError, ValueError) as error:
            raise EngineError(f"as_of is a date, not {as_of!r}") from error
    dates = [stored.movements()["movement_date"].max(), stored.term_starts()["term_start"].max()]
    known = [pd.Timestamp(d) for d in dates if not pd.isna(d)]
    if not known:
        raise EngineError("no term is stored: the scenario method needs the business of at least two years")
    return max(known).normalize()


def _currency(stored: StoredBusiness, terms: pd.DataFrame, surplus: pd.DataFrame, klass: str) -> str | None:
    pra = stored.frame("PRA")
    keys = terms[["policy_no", "renewal_no"]].drop_duplicates()
    used = pra.merge(keys, on=["policy_no", "renewal_no"])
    found = {str(c) for c in used["currency"].dropna()}
    covering = surplus[[_covers(c, klass) for c in surplus["classes"]]]
    if "currency" in covering.columns:
        found |= {str(c) for c in covering["currency"].dropna()}
    if len(found) > 1:
        raise EngineError(
            f"the {klass} business and its surplus treaties are in several currencies ({', '.join(sorted(found))}): "
            "the scenario method needs one"
        )
    return next(iter(found), None)


def _payments(stored: StoredBusiness, codes: pd.Index, accident_year: pd.Series, at: pd.Timestamp) -> pd.DataFrame:
    """Per loss (``codes``), its payments less recoveries by development year ``0 … n`` (columns),
    a year's net recovery set against the earlier years' payments (none below zero)."""
    moves = stored.movements(at)
    moves = moves[moves["loss_code"].isin(codes) & (moves["paid"] != 0)]
    dev = moves["movement_date"].dt.year.to_numpy() - accident_year.reindex(moves["loss_code"]).to_numpy()
    dev = np.maximum(dev, 0)
    frame = pd.DataFrame({"loss_code": moves["loss_code"].to_numpy(), "dev": dev, "paid": moves["paid"].to_numpy()})
    n = int(frame["dev"].max()) + 1 if len(frame) else 1
    table = frame.pivot_table(index="loss_code", columns="dev", values="paid", aggfunc="sum", fill_value=0.0)
    table = table.reindex(index=codes, columns=range(max(n, 1)), fill_value=0.0)
    values = table.to_numpy(dtype=np.float64, copy=True)
    values[:, 0] = np.maximum(values[:, 0], 0.0)  # a recovery before any payment: nothing paid
    for j in range(1, values.shape[1]):  # a net recovery reduces the payments before it, latest first
        owed = np.maximum(-values[:, j], 0.0)
        values[:, j] = np.maximum(values[:, j], 0.0)
        for k in range(j - 1, -1, -1):
            taken = np.minimum(owed, values[:, k])
            values[:, k] -= taken
            owed -= taken
    return pd.DataFrame(values, index=codes, columns=[f"paid_{j}" for j in range(values.shape[1])])


def stored_portfolio(
    stored: StoredBusiness,
    class_of_business: str | None = None,
    *,
    as_of: dt.date | str | pd.Timestamp | None = None,
) -> StoredPortfolio:
    """The portfolio of one class of business stored behind ``stored`` as at ``as_of`` (default: the
    latest movement or term start), as the scenario method reads it (module notes). The class
    defaults to :func:`default_class`. Raises :class:`EngineError` for a class with no stored
    business, business of fewer than two underwriting years, or several currencies."""
    at = _as_of(stored, as_of)
    terms = stored.terms(at)
    klass = default_class(stored, terms["class_of_business"]) if class_of_business is None else class_of_business
    stored_classes = sorted({str(c) for c in terms["class_of_business"].dropna()})
    mine = terms[terms["class_of_business"] == klass]
    if mine.empty:
        raise EngineError(
            f"no term of class {klass!r} started by {at.date()} (classes stored: {', '.join(stored_classes) or 'none'})"
        )
    left_out: dict[str, int] = {}
    positive = mine["sum_insured"] > 0
    if not positive.all():
        left_out["guaranties without a positive sum insured"] = int((~positive).sum())
    mine = mine[positive].sort_values(_GUARANTY, kind="stable").reset_index(drop=True)
    if mine.empty:
        raise EngineError(f"no guaranty of class {klass!r} has a positive sum insured")
    years = sorted(int(y) for y in mine["year"].unique())
    if len(years) < 2:
        raise EngineError(
            f"the {klass} business stored covers one underwriting year ({years[0]}): "
            "the scenario method needs at least two"
        )
    surplus = _surplus_treaties(stored)
    currency = _currency(stored, mine, surplus, klass)
    current = _current(surplus, klass)

    policy_id = (
        mine["policy_no"].astype(str) + "/" + mine["renewal_no"].astype(str) + "/" + mine["guaranty_no"].astype(str)
    )
    policies = pd.DataFrame(
        {
            "policy_id": policy_id,
            "underwriting_year": mine["year"].astype("int64"),
            "sum_insured": mine["sum_insured"].to_numpy(dtype=np.float64),
            "premium": mine["premium"].to_numpy(dtype=np.float64).clip(min=0.0),
            "inception_date": mine["term_start"].to_numpy(),
            "expiry_date": mine["term_end"].fillna(mine["term_start"]).to_numpy(),
        }
    )
    negative = int((mine["premium"] < 0).sum())
    if negative:
        left_out["negative premiums taken as 0"] = negative

    losses = stored.losses(at)
    losses = losses[losses["class_of_business"] == klass].reset_index(drop=True)
    unhistoried = int((stored.without_history()["class_of_business"] == klass).sum())
    if unhistoried:
        left_out["losses without history"] = unhistoried
    weights = stored.loss_weights(losses, mine).merge(mine[_GUARANTY].assign(policy_id=policy_id), on=_GUARANTY)
    spread = set(weights["loss_code"])
    unplaced = int((~losses["code"].isin(spread)).sum())
    if unplaced:
        left_out["losses on no guaranty kept"] = unplaced
    losses = losses[losses["code"].isin(spread)].set_index("code")
    weights["share"] = weights["weight"] / weights.groupby("loss_code")["weight"].transform("sum")
    accident_year = losses["loss_date"].dt.year.astype("int64")
    paid = _payments(stored, losses.index, accident_year, at)
    events = losses["event_id"].astype(object)
    event = pd.Series(np.where(events.notna(), events, losses.index.to_numpy()), index=losses.index, dtype=object)
    claims = weights[["loss_code", "policy_id", "share"]].sort_values(["loss_code", "policy_id"], kind="stable")
    share = claims["share"].to_numpy(dtype=np.float64)
    claims = claims.assign(
        claim_amount=losses["incurred"].reindex(claims["loss_code"]).to_numpy(dtype=np.float64).clip(min=0.0) * share,
        accident_year=accident_year.reindex(claims["loss_code"]).to_numpy(),
        event_id=event.reindex(claims["loss_code"]).to_numpy(),
    )
    for column in paid.columns:
        claims[column] = paid[column].reindex(claims["loss_code"]).to_numpy(dtype=np.float64) * share
    claims = claims[claims["claim_amount"] > 0].drop(columns=["share"])
    rows = claims.merge(policies, on="policy_id", how="left")
    table = pd.concat([policies, rows], ignore_index=True)
    table = table[[*policies.columns, *[c for c in rows.columns if c not in policies.columns]]]
    data = ScenarioData.from_frame(table.drop(columns=["loss_code"], errors="ignore"), valuation_year=at.year)
    return StoredPortfolio(klass, data, table, currency, at, current, left_out)


# --- defaults from the data ------------------------------------------------------------------------------


def nice_step(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ ``value`` (> 0)."""
    if not (value > 0 and math.isfinite(value)):
        raise EngineError(f"nice_step needs a positive number, got {value!r}")
    power = 10.0 ** math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mantissa * power >= value * (1 - 1e-12):
            return mantissa * power
    return 10.0 * power  # pragma: no cover (10 × power ≥ value always)


def retention_grid(
    sums_insured: npt.ArrayLike,
    *,
    low: float = 0.5,
    high: float = 0.99,
    steps: int = 20,
    include: float | None = None,
) -> npt.NDArray[np.float64]:
    """Retentions in steps of a round number (:func:`nice_step` of the span / ``steps``: between
    ``steps``/2 and ``steps`` steps) from the ``low`` to the ``high`` quantile of the sums insured,
    widened to ``include`` (the current retention) when given; every retention > 0."""
    tsi = np.asarray(sums_insured, dtype=np.float64)
    tsi = tsi[np.isfinite(tsi) & (tsi > 0)]
    if tsi.size == 0:
        raise EngineError("retention_grid: no positive sum insured")
    lo, hi = (float(q) for q in np.quantile(tsi, [low, high]))
    if include is not None and include > 0:
        lo, hi = min(lo, float(include)), max(hi, float(include))
    if hi <= lo * (1 + 1e-9):
        lo = hi / 10.0  # one size of risk: from a tenth of it
    step = nice_step((hi - lo) / steps)
    start = max(step, math.floor(lo / step) * step)
    stop = max(start, math.ceil(hi / step) * step)
    count = round((stop - start) / step) + 1
    return np.asarray(start + step * np.arange(count), dtype=np.float64)


def band_width(claim_amounts: npt.ArrayLike, retentions: npt.ArrayLike, *, bands: int = 5) -> float:
    """The width of the bands of retained claim charge (the priority of the XL protecting the
    retention is a band's upper bound): a round number near the claims' largest amount, capped at
    the largest retention, over ``bands`` (a tenth of the middle retention without claims)."""
    claims = np.asarray(claim_amounts, dtype=np.float64)
    grid = np.asarray(retentions, dtype=np.float64)
    top = float(grid.max()) if grid.size else 0.0
    largest = float(claims.max()) if claims.size else 0.0
    if largest > 0:
        return nice_step(min(largest, top) / bands if top > 0 else largest / bands)
    return nice_step(float(np.median(grid)) / 10.0 if grid.size else 1.0)
