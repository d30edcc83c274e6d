"""Issue 6, speed item (b): the scenario grid of 201 retentions on the 25 307-policy portfolio, < 1 s.

Ours: ``engine.optimise.scenarios`` on ``synthetic_marine_cargo(seed=0)`` — every retention in one
array computation (cession rates retentions × policies, net triangles as one 3-D array into
``chain_ladder``, ``premium_reserve_scr_array``). Baseline, measured in the same run: the same grid
scenario by scenario in a Python loop over the existing treaty objects — ``Surplus.apply`` on the
policies and on the claims, ``MarineCargoPortfolio.paid_triangle`` net of the treaty and the
facultative placement, ``chain_ladder`` → ``best_estimate`` → ``premium_reserve_scr``. Both give the
same retention results and SCRs (checked); times are the best of three (the baseline: one run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from assurdb.engine.optimise import ScenarioData, scenarios
from assurdb.engine.optimise.seed004 import COMMISSION, CURRENT_LINES, FACULTATIVE_COMMISSION, SEED_CURVE
from assurdb.engine.portfolio import MarineCargoPortfolio, synthetic_marine_cargo
from assurdb.engine.reserving import chain_ladder, discount_factors_from_curve, payment_times
from assurdb.engine.results import retention_result
from assurdb.engine.solvency import premium_reserve_scr, premium_volume
from assurdb.engine.treaties import Surplus

RETENTIONS = np.arange(1, 202) * 5_000_000.0  # 5 000 … 1 005 000 thousand DA: 201 retentions
TARGET = 1.0  # seconds (issue 6, item 8(b))
MAT = "marine_aviation_transport"


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def baseline(portfolio: MarineCargoPortfolio, retentions: np.ndarray) -> pd.DataFrame:
    """The grid scenario by scenario with the treaty objects (see the module notes)."""
    pol = portfolio.policies.rename(columns={"sum_insured": "tsi"})[["tsi", "premium"]]
    claims = portfolio.claims.rename(columns={"sum_insured": "tsi"})[["tsi", "amount"]]
    v_prem = premium_volume(portfolio.premiums(2021), form="qis5", premium_basis="gross")
    df = discount_factors_from_curve(dict(SEED_CURVE), payment_times(4))
    gp, gc = float(pol["premium"].sum()), float(claims["amount"].sum())
    rows = []
    for r in retentions:  # the loop the kernel replaces
        treaty = Surplus(float(r), CURRENT_LINES, commission=COMMISSION)
        p = treaty.apply(pol)
        c = treaty.apply(claims)
        fac_p = float((pol["premium"] * p["facultative_rate"]).sum())
        fac_c = float((claims["amount"] * c["facultative_rate"]).sum())
        cp, cc, com = float(p["ceded_premium"].sum()), float(c["ceded_amount"].sum()), float(p["commission"].sum())
        share = 1.0 - p["cession_rate"].to_numpy() - p["facultative_rate"].to_numpy()
        be = float(chain_ladder(portfolio.paid_triangle(policy_share=share)).best_estimate(df))
        scr = premium_reserve_scr({MAT: (v_prem, be)}).scr
        result = retention_result(gp, gc, cc + fac_c, cp + fac_p, com + FACULTATIVE_COMMISSION * fac_p)
        rows.append({"retention": r, "retention_result": result, "v_res": be, "scr": scr})
    return pd.DataFrame(rows)


def main() -> None:
    portfolio = synthetic_marine_cargo(seed=0)
    data = ScenarioData.from_portfolio(portfolio)
    grid = {"retention": RETENTIONS}
    n = len(portfolio.policies)
    sizes = f"{n:,} policies and {len(portfolio.claims):,} claims".replace(",", " ")
    print(f"{RETENTIONS.size} retentions × {sizes}")

    t_ours, ours = best_of(lambda: scenarios(data, grid=grid), 3)
    t_full, _ = best_of(lambda: scenarios(portfolio, grid=grid), 3)
    t_base, base = best_of(lambda: baseline(portfolio, RETENTIONS), 1)

    for column in ("retention_result", "v_res", "scr"):
        np.testing.assert_allclose(ours[column].to_numpy(), base[column].to_numpy(), rtol=1e-9, err_msg=column)
    verdict = "OK" if t_full < TARGET else "OVER TARGET"
    print(f"  scenarios (arrays prepared)      {t_ours * 1e3:8.1f} ms")
    print(f"  scenarios (from the portfolio)   {t_full * 1e3:8.1f} ms   target < {TARGET:.0f} s: {verdict}")
    print(f"  baseline: loop over Surplus      {t_base * 1e3:8.1f} ms")
    print(f"  ratio baseline / ours            {t_base / t_full:8.1f}×   (same results to 1e-9)")


if __name__ == "__main__":
    main()
