"""Choosing among the scenarios: efficient frontier, risk appetite, and the two named rules.

The study, ch. 2 §3: the efficient strategies give the best profit (retention result) for a level of
risk (premium and reserve SCR); among them the cedant's risk appetite decides. Ch. 3 §2, Tableau 26
and the list after it: an SCR of "about" the SCR without reinsurance (274 275 thousand DA), an S/P
below the one without reinsurance (33.5 %), a rate on line acceptable to reinsurers (ch. 3 §5: above
12 % in a soft market, 20 % in a hard one), a higher retention than the current treaty's.

Rules, both available and reported side by side:

* ``"max"`` — the constrained maximum: the feasible scenario with the highest retention result;
* ``"marginal"`` — the study's marginal rule (Tableaux 27–28): along the retention, the growth rate of
  the retention result over each step, ``result_k / result_{k−1} − 1``, is highest at the chosen
  retention; its slope ``Δresult / Δretention`` is reported beside it (the study's 500 000: growth
  2.7 %, slope 0.74 — the slope closest to 1). A step from a non-positive result has no growth rate.
  The step into a feasible retention may start from an infeasible one (Tableau 28's first row,
  250 000, steps from 200 000).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.optimise.seed004 import MIN_ROL

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "RULES",
    "Choice",
    "RiskAppetite",
    "choose",
    "constrained_maximum",
    "efficient_frontier",
    "feasibility",
    "marginal_rule",
    "marginal_steps",
]

Rule = Literal["max", "marginal"]
RULES: tuple[Rule, ...] = ("max", "marginal")
Market = Literal["soft", "hard"]


def efficient_frontier(
    table: pd.DataFrame, *, result: str = "retention_result", risk: str = "scr", mask: npt.ArrayLike | None = None
) -> pd.DataFrame:
    """The non-dominated scenarios: no other has a result at least as high for an SCR at most as high,
    one of the two strictly (the study, ch. 2 §3, Figure 36). Rows of ``table`` (only those of ``mask``
    when given), sorted by rising risk; scenarios with a missing result or risk are left out."""
    for column in (result, risk):
        if column not in table.columns:
            raise EngineError(f"efficient_frontier: the table has no column {column!r}")
    r = table[result].to_numpy(dtype=np.float64)
    s = table[risk].to_numpy(dtype=np.float64)
    keep = np.isfinite(r) & np.isfinite(s)
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return table.iloc[[]]
    # By rising risk, and for equal risk by falling result: a scenario is efficient when its result
    # beats every result of lower (or equal) risk before it.
    order = idx[np.lexsort((-r[idx], s[idx]))]
    best_before = np.maximum.accumulate(np.r_[-np.inf, r[order][:-1]])
    efficient = order[r[order] > best_before]
    return table.iloc[efficient]


@dataclass(frozen=True)
class RiskAppetite:
    """Risk-appetite constraints (the study, Tableau 26 and ch. 3 §2, §5).

    ``scr_ceiling``: the highest SCR accepted (``None``: the SCR without reinsurance, the study's
    "environ 274 275"); ``loss_ratio_ceiling``: the highest S/P (``None``: the S/P without
    reinsurance, the study's 33.5 %); ``market``: ``"soft"`` or ``"hard"`` gives the minimum rate on
    line, 12 % or 20 % (``min_rol`` overrides it; ``0`` disables it); ``min_retention`` /
    ``max_retention``: bounds on the retention (the study wants more than the current 300 000).
    """

    scr_ceiling: float | None = None
    loss_ratio_ceiling: float | None = None
    market: Market = "hard"
    min_rol: float | None = None
    min_retention: float | None = None
    max_retention: float | None = None

    def __post_init__(self) -> None:
        if self.market not in MIN_ROL:
            raise EngineError(f"market must be 'soft' or 'hard', got {self.market!r}")
        for name in ("scr_ceiling", "loss_ratio_ceiling", "min_rol", "min_retention", "max_retention"):
            value = getattr(self, name)
            if value is not None and (np.isnan(value) or value < 0):
                raise EngineError(f"{name} must be a number >= 0 (inf: no bound), got {value!r}")

    @property
    def minimum_rol(self) -> float:
        return float(MIN_ROL[self.market] if self.min_rol is None else self.min_rol)


def feasibility(
    table: pd.DataFrame, appetite: RiskAppetite, reference: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One boolean column per constraint and ``feasible`` (all of them), indexed like ``table``.

    ``reference``: the situation without reinsurance (``table.attrs["no_reinsurance"]`` by default),
    which gives the default SCR and S/P ceilings. A missing rate on line (no capacity) fails the ROL
    constraint only when a minimum is set.
    """
    ref = reference if reference is not None else table.attrs.get("no_reinsurance")
    scr_cap, lr_cap = appetite.scr_ceiling, appetite.loss_ratio_ceiling
    if (scr_cap is None or lr_cap is None) and ref is None:
        raise EngineError("feasibility: give the ceilings or the situation without reinsurance (reference)")
    if scr_cap is None:
        scr_cap = float(ref["scr"]) if ref is not None else np.inf
    if lr_cap is None:
        lr_cap = float(ref["loss_ratio"]) if ref is not None else np.inf
    tol = 1e-9
    out = pd.DataFrame(index=table.index)
    out["scr"] = table["scr"].to_numpy() <= scr_cap * (1 + tol)
    out["loss_ratio"] = table["loss_ratio"].to_numpy() <= lr_cap * (1 + tol)
    rol = table["rate_on_line"].to_numpy(dtype=np.float64) if "rate_on_line" in table.columns else None
    minimum = appetite.minimum_rol
    if rol is None or minimum <= 0:
        out["rate_on_line"] = True
    else:
        out["rate_on_line"] = np.nan_to_num(rol, nan=-np.inf) >= minimum * (1 - tol)
    retention = table["retention"].to_numpy(dtype=np.float64) if "retention" in table.columns else None
    ok = np.ones(len(table), dtype=bool)
    if retention is not None:
        if appetite.min_retention is not None:
            ok &= retention >= appetite.min_retention * (1 - tol)
        if appetite.max_retention is not None:
            ok &= retention <= appetite.max_retention * (1 + tol)
    elif appetite.min_retention is not None or appetite.max_retention is not None:
        raise EngineError("feasibility: retention bounds need a 'retention' column")
    out["retention"] = ok
    out["feasible"] = out[["scr", "loss_ratio", "rate_on_line", "retention"]].all(axis=1)
    return out


def marginal_steps(
    table: pd.DataFrame,
    *,
    along: str = "retention",
    result: str = "retention_result",
    by: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tableaux 27–28: per scenario, the step from the previous value of ``along`` with the other grid
    columns ``by`` fixed (default: ``table.attrs["grid"]`` as :func:`scenarios` sets it):
    ``previous`` value of ``along``, ``slope`` = Δresult / Δ``along``, ``growth_rate`` = result /
    previous result − 1. NaN for the first value of each line and after a non-positive result."""
    if along not in table.columns or result not in table.columns:
        raise EngineError(f"marginal rule: the table needs the columns {along!r} and {result!r}")
    grid = list(by) if by is not None else list(table.attrs.get("grid", []))
    others = [c for c in grid if c != along]
    missing = [c for c in others if c not in table.columns]
    if missing:
        raise EngineError(f"marginal rule: the table has no grid column(s) {missing}")
    frame = table[[*others, along, result]].copy()
    frame["_row"] = np.arange(len(frame))
    frame = frame.sort_values([*others, along], kind="stable")
    if others:
        prev_x = frame.groupby(others, sort=False, dropna=False)[along].shift(1)
        prev_y = frame.groupby(others, sort=False, dropna=False)[result].shift(1)
    else:
        prev_x, prev_y = frame[along].shift(1), frame[result].shift(1)
    x, y = frame[along].to_numpy(dtype=np.float64), frame[result].to_numpy(dtype=np.float64)
    px, py = prev_x.to_numpy(dtype=np.float64), prev_y.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(x > px, (y - py) / (x - px), np.nan)
        growth = np.where(py > 0, y / py - 1.0, np.nan)
    steps = pd.DataFrame({"previous": px, "slope": slope, "growth_rate": growth}, index=frame["_row"].to_numpy())
    steps = steps.sort_index()
    steps.index = table.index
    return steps


def constrained_maximum(
    table: pd.DataFrame, feasible: npt.ArrayLike, *, result: str = "retention_result"
) -> int | None:
    """The position (row number) of the feasible scenario with the highest result (the first on
    ties), or None."""
    ok = np.asarray(feasible, dtype=bool) & np.isfinite(table[result].to_numpy(dtype=np.float64))
    if not ok.any():
        return None
    values = np.where(ok, table[result].to_numpy(dtype=np.float64), -np.inf)
    return int(np.argmax(values))


def marginal_rule(
    table: pd.DataFrame, feasible: npt.ArrayLike, *, along: str = "retention", result: str = "retention_result"
) -> int | None:
    """The position (row number) of the feasible scenario whose step has the highest growth rate of
    the result (the study, Tableau 28; the first on ties), or None when no feasible scenario has a step."""
    steps = marginal_steps(table, along=along, result=result)
    growth = steps["growth_rate"].to_numpy(dtype=np.float64)
    ok = np.asarray(feasible, dtype=bool) & np.isfinite(growth)
    if not ok.any():
        return None
    return int(np.argmax(np.where(ok, growth, -np.inf)))


@dataclass(frozen=True)
class Choice:
    """The outcome of the rules: ``constraints`` (per scenario, :func:`feasibility`), ``steps``
    (:func:`marginal_steps`), ``frontier`` (efficient feasible scenarios) and ``chosen``
    (rule → position of the row in the table, or None when nothing is feasible)."""

    constraints: pd.DataFrame
    steps: pd.DataFrame
    frontier: pd.DataFrame
    chosen: dict[str, int | None]

    def rows(self, table: pd.DataFrame) -> pd.DataFrame:
        """The chosen scenarios side by side (one row per rule) with their step figures."""
        found = {rule: pos for rule, pos in self.chosen.items() if pos is not None}
        out = table.iloc[list(found.values())].join(self.steps)
        out.index = pd.Index(list(found), name="rule")
        return out


def choose(
    table: pd.DataFrame,
    appetite: RiskAppetite | None = None,
    rules: Sequence[Rule] = RULES,
    *,
    along: str = "retention",
    reference: Mapping[str, float] | None = None,
) -> Choice:
    """Apply the risk appetite and the named ``rules`` to the scenario table (see the module notes)."""
    appetite = appetite or RiskAppetite()
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise EngineError(f"rule must be among {', '.join(RULES)}, got {unknown}")
    if "marginal" in rules and along not in table.columns:
        raise EngineError(f"the marginal rule steps along {along!r}, which is not a column of the table")
    constraints = feasibility(table, appetite, reference)
    feasible = constraints["feasible"].to_numpy()
    steps = marginal_steps(table, along=along) if along in table.columns else pd.DataFrame(index=table.index)
    chosen: dict[str, int | None] = {}
    for rule in rules:
        if rule == "max":
            chosen[rule] = constrained_maximum(table, feasible)
        else:
            chosen[rule] = marginal_rule(table, feasible, along=along)
    return Choice(
        constraints=constraints, steps=steps, frontier=efficient_frontier(table, mask=feasible), chosen=chosen
    )
