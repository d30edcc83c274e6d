"""The scenario method (engine.optimise) against the study (chapter 3) and against the treaty objects.

The study's figures are in thousand DA as printed (Tableaux 22–34) or in DA (annexes 01–08); each cites
where it is printed. What the study's tables allow to recompute from its own inputs is recomputed
with the engine's functions; the rest is checked against the existing treaty objects (differential)
and by properties.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assurdb.engine.errors import EngineError
from assurdb.engine.optimise import (
    RiskAppetite,
    ScenarioData,
    ScenarioMethod,
    capacity_table,
    choose,
    efficient_frontier,
    evaluate_treaties,
    loss_ratio_profile,
    marginal_rule,
    marginal_steps,
    net_triangle,
    no_reinsurance,
    scenarios,
    scenarios_over,
    seed_surplus,
    size_capacity,
    xl_limits,
    xl_priority,
)
from assurdb.engine.optimise.kernel import (
    ceded_sums,
    cession_rates,
    facultative_rates,
    facultative_sums,
    prepare,
    scr_from_volumes,
)
from assurdb.engine.optimise.seed004 import CURRENT_RETENTION, SEED_CURVE, SEED_OPTIMUM
from assurdb.engine.portfolio import MarineCargoPortfolio, synthetic_marine_cargo
from assurdb.engine.reserving import chain_ladder, discount_factors_from_curve, payment_times, to_cumulative
from assurdb.engine.solvency import premium_reserve_scr, premium_volume
from assurdb.engine.treaties import ExcessOfLoss, Program, QuotaShare, Surplus

K = 1_000.0
MAT = "marine_aviation_transport"
DATA = Path(__file__).resolve().parents[2] / "engine" / "data" / "seed004_annex_triangles.csv"

#: The study, Tableau 27: retention (thousand DA; the first row "-") → retention result, printed slope.
TABLEAU_27 = [
    (0, 1_017_098, None),
    (50_000, 1_095_256, 1.56),
    (100_000, 1_137_547, 0.85),
    (150_000, 1_191_300, 1.08),
    (200_000, 1_231_405, 0.80),
    (250_000, 1_262_452, 0.62),
    (300_000, 1_289_548, 0.54),
    (350_000, 1_314_221, 0.49),
    (400_000, 1_336_872, 0.45),
    (450_000, 1_363_853, 0.54),
    (500_000, 1_400_812, 0.74),
    (550_000, 1_436_134, 0.71),
    (600_000, 1_470_311, 0.68),
    (650_000, 1_503_337, 0.66),
    (700_000, 1_533_522, 0.60),
    (750_000, 1_559_923, 0.53),
    (800_000, 1_582_310, 0.45),
    (850_000, 1_600_777, 0.37),
    (900_000, 1_619_509, 0.37),
    (950_000, 1_640_199, 0.41),
    (1_000_000, 1_657_733, 0.35),
]
#: The study, Tableau 28: retention → growth rate of the retention result (%, one decimal).
TABLEAU_28 = {
    250_000: 2.5,
    300_000: 2.1,
    350_000: 1.9,
    400_000: 1.7,
    450_000: 2.0,
    500_000: 2.7,
    550_000: 2.5,
    600_000: 2.4,
    650_000: 2.2,
    700_000: 2.0,
    750_000: 1.7,
    800_000: 1.4,
    850_000: 1.2,
    900_000: 1.2,
    950_000: 1.3,
    1_000_000: 1.1,
}
#: The study, Tableau 29: retention → SCR premium and reserve (thousand DA); annexes 01–08 in DA.
TABLEAU_29 = {
    300_000: 271_909,
    350_000: 272_490,
    400_000: 272_907,
    450_000: 273_189,
    500_000: 273_317,
    550_000: 273_469,
    600_000: 273_664,
    650_000: 273_895,
    700_000: 274_126,
}
ANNEX_SCR = {
    350_000_000: 272_490_434,
    400_000_000: 272_907_311,
    450_000_000: 273_188_675,
    500_000_000: 273_316_502,
    550_000_000: 273_469_306,
    600_000_000: 273_663_844,
    650_000_000: 273_894_817,
    700_000_000: 274_126_219,
}
#: The study, Tableau 22: SCR without reinsurance (thousand DA), the ceiling of Tableau 26.
SCR_WITHOUT = 274_275
#: The study, ch. 3 §4: the case of 300 000 thousand DA, net paid triangle (incremental, thousand DA).
CASE_300 = [
    [17_360, 60_316, 8_158, 198, 596],
    [32_770, 9_072, 7_598, 4_789, np.nan],
    [23_172, 150_168, 1_386, np.nan, np.nan],
    [40_189, 84_653, np.nan, np.nan, np.nan],
    [7_764, np.nan, np.nan, np.nan, np.nan],
]
#: The study, Tableau 30 (retention 500 000): capacity, underwriting limit, "pleins", ROL (%).
TABLEAU_30 = [
    (1_500_000, 2_000_000, 4, 61.11),
    (2_000_000, 2_500_000, 5, 47.49),
    (2_500_000, 3_000_000, 6, 38.75),
    (3_000_000, 3_500_000, 7, 32.61),
    (3_500_000, 4_000_000, 8, 28.09),
    (4_000_000, 4_500_000, 9, 24.68),
    (4_500_000, 5_000_000, 10, 22.01),
    (5_000_000, 5_500_000, 11, 19.86),
    (5_500_000, 6_000_000, 12, 18.07),
    (6_000_000, 6_500_000, 13, 16.58),
    (6_500_000, 7_000_000, 14, 15.31),
    (7_000_000, 7_500_000, 15, 14.22),
]


def tableau_27() -> pd.DataFrame:
    return pd.DataFrame(
        {"retention": [float(r) for r, _, _ in TABLEAU_27], "retention_result": [float(v) for _, v, _ in TABLEAU_27]}
    )


@pytest.fixture(scope="module")
def portfolio() -> MarineCargoPortfolio:
    return synthetic_marine_cargo(seed=0)


@pytest.fixture(scope="module")
def data(portfolio: MarineCargoPortfolio) -> ScenarioData:
    return ScenarioData.from_portfolio(portfolio)


# --- the study, from its own figures ---------------------------------------------------------------


def test_tableau_27_slopes() -> None:
    # The study, Tableau 27: the slope is Δ retention result / Δ retention over each 50 000 step,
    # printed to 2 decimals (1.56 at 50 000 … 0.74 at 500 000 … 0.35 at 1 000 000).
    steps = marginal_steps(tableau_27())
    printed = [s for _, _, s in TABLEAU_27]
    assert np.isnan(steps["slope"].iloc[0])
    assert steps["slope"].iloc[1:].round(2).tolist() == printed[1:]


def test_tableau_28_growth_rates() -> None:
    # The study, Tableau 28: growth rate of the retention result per step, % to 1 decimal.
    table = tableau_27()
    steps = marginal_steps(table)
    got = dict(zip(table["retention"].astype(int), (100 * steps["growth_rate"]).round(1), strict=True))
    assert {r: got[r] for r in TABLEAU_28} == TABLEAU_28


def test_marginal_rule_picks_the_seeds_500_000() -> None:
    # The study, Tableau 28 and ch. 3 §3: with a retention above the current 300 000 ("augmenter la
    # rétention", Tableau 26's list), the highest growth rate is 2.7 % at 500 000, slope 0.74 — the
    # slope closest to 1.
    table = tableau_27()
    floor = (table["retention"] >= 300_000).to_numpy()
    pos = marginal_rule(table, floor)
    assert pos is not None
    assert table["retention"].iloc[pos] == 500_000
    steps = marginal_steps(table)
    assert round(100 * steps["growth_rate"].iloc[pos], 1) == 2.7
    assert round(steps["slope"].iloc[pos], 2) == 0.74
    feasible_slopes = steps["slope"].where(floor)
    assert int(np.nanargmin(np.abs(feasible_slopes.to_numpy() - 1))) == pos
    # Without the floor the steepest growth is the first step (7.7 % at 50 000): the study's Tableau 28
    # starts at 250 000 for that reason.
    everything = np.ones(len(table), dtype=bool)
    assert table["retention"].iloc[marginal_rule(table, everything) or 0] == 50_000


def test_constrained_maximum_and_frontier_on_tableaux_27_29() -> None:
    # The study, Tableaux 27 and 29 (300 000 – 700 000, where both are printed) with Tableau 26's SCR
    # ceiling 274 275: every retention is efficient (result and SCR rise together, Figure 36), and the
    # constrained maximum is the largest, 700 000 (1 533 522); the marginal rule keeps 500 000.
    rows = [(r, v) for r, v, _ in TABLEAU_27 if r in TABLEAU_29]
    table = pd.DataFrame(
        {
            "retention": [float(r) for r, _ in rows],
            "retention_result": [float(v) for _, v in rows],
            "scr": [float(TABLEAU_29[r]) for r, _ in rows],
        }
    )
    assert len(efficient_frontier(table)) == len(table)
    appetite = RiskAppetite(scr_ceiling=SCR_WITHOUT, loss_ratio_ceiling=np.inf, min_rol=0, min_retention=300_000)
    table["loss_ratio"] = 0.0
    choice = choose(table, appetite)
    assert choice.chosen["max"] is not None and choice.chosen["marginal"] is not None
    assert table["retention"].iloc[choice.chosen["max"]] == 700_000
    assert table["retention_result"].iloc[choice.chosen["max"]] == 1_533_522
    assert table["retention"].iloc[choice.chosen["marginal"]] == 500_000
    # An SCR ceiling of 273 317 (Tableau 29 at 500 000) makes 500 000 the constrained maximum too.
    tight = choose(table, RiskAppetite(scr_ceiling=273_317, loss_ratio_ceiling=np.inf, min_rol=0))
    assert table["retention"].iloc[tight.chosen["max"] or 0] == 500_000


def _annex_cumulative() -> tuple[np.ndarray, list[int]]:
    long = pd.read_csv(DATA, dtype={"annex": str})
    triangles, retentions = [], []
    for retention, rows in long.groupby("retention"):
        inc = rows.pivot(index="accident_year", columns="development", values="paid").astype(float)
        triangles.append(to_cumulative(inc).to_numpy())
        retentions.append(int(retention))
    return np.stack(triangles), retentions


def test_tableau_29_annexes_scr_vectorised() -> None:
    # The study, annexes 01–08: the eight net triangles as one 3-D array → chain ladder → BE with the
    # annex 09 curve (4 years at the study's 5.13 %) → SCR with the gross V_prem 588 058 880 (the
    # annexes' premium volume). Annexes 01–04, 07, 08 to the DA, 05 and 06 within 1 DA (the printed
    # written premium rounds its decimals away: tests/engine/test_solvency.py explains); Tableau 29
    # to the thousand.
    cumulative, retentions = _annex_cumulative()
    df = discount_factors_from_curve(dict(SEED_CURVE), payment_times(4))
    be = chain_ladder(cumulative).cash_flows @ df
    _, scr = scr_from_volumes(np.full(len(be), 588_058_880.0), be)
    for retention, value in zip(retentions, scr, strict=True):
        assert abs(value - ANNEX_SCR[retention]) <= 1.0, retention
        if retention not in (550_000_000, 600_000_000):
            assert round(value) == ANNEX_SCR[retention], retention
        assert round(value / K) == TABLEAU_29[retention // 1000], retention


def test_case_300_000_of_chapter_3() -> None:
    # The study, ch. 3 §4 (retention 300 000, thousand DA): factors 3.68045, 1.05853, 1.03687, BE 42 492,
    # V 630 551, σ 14.374 %, SCR 271 909 (Tableau 24 and 29). The triangle is printed rounded to the
    # thousand, its cells carried decimals: the first factor comes out 3.68047 and the BE 42 490.8, so
    # these two are checked to the printed rounding; σ and the SCR land on the study's figures.
    tri = to_cumulative(np.array(CASE_300, dtype=float))
    fit = chain_ladder(tri[None])
    np.testing.assert_allclose(fit.factors[0][:3], [3.68045, 1.05853, 1.03687], atol=3e-5)
    be = fit.cash_flows @ discount_factors_from_curve(dict(SEED_CURVE), payment_times(4))
    assert abs(be[0] - 42_492) < 1.5
    sigma, scr = scr_from_volumes(np.array([588_059.0]), be)
    assert round(100 * sigma[0], 3) == 14.374
    assert round(scr[0]) == 271_909


def test_tableau_30_capacity_sizing() -> None:
    # The study, Tableau 30: at a retention of 500 000 the capacity is m·R, the underwriting limit
    # (m+1)·R and the study's "nombre de pleins" m + 1. A hard market (ROL ≥ 20 %) accepts up to
    # 4 500 000 (10 pleins, ROL 22.01 %); a soft one (≥ 12 %) the whole table, 7 000 000.
    retention = 500_000.0
    table = pd.DataFrame(
        {
            "capacity": [float(c) for c, _, _, _ in TABLEAU_30],
            "rate_on_line": [r / 100 for _, _, _, r in TABLEAU_30],
        }
    )
    lines = table["capacity"] / retention
    assert ((lines + 1) * retention).tolist() == [float(u) for _, u, _, _ in TABLEAU_30]
    assert (lines + 1).tolist() == [p for _, _, p, _ in TABLEAU_30]
    hard, soft = size_capacity(table, 0.20), size_capacity(table, 0.12)
    assert hard is not None and table["capacity"].iloc[hard] == 4_500_000
    assert soft is not None and table["capacity"].iloc[soft] == 7_000_000
    assert size_capacity(table, 0.70) is None


def test_tableaux_32_to_34_protection_rules() -> None:
    # Tableau 32: retained premiums and claims by year at 500 000 → S/P 21 %, 39 %, 65 %, 117 %, 9 %;
    # 40 % in all (the "all" row of the profile does not depend on the bands).
    premium = [564_867, 301_274, 388_017, 148_954, 311_335]
    claims = [120_869, 116_112, 252_745, 174_208, 27_050]
    profile = loss_ratio_profile(premium, claims, [2017, 2018, 2019, 2020, 2021], band_width=40_000, unit=1)
    assert (100 * profile.loss_ratio.loc["all"]).round().tolist() == [21, 39, 65, 117, 9, 40]
    # Tableau 33: S/P by band 22 %, 9 254 %, 5 403 % → the priority is the upper bound of the least
    # claimed band, 40 000 (ch. 3 §6.1).
    bands = pd.Series([0.22, 92.54, 54.03], index=["0-40 000", "40 000-80 000", "160 000-200 000"])
    upper = pd.Series([40_000.0, 80_000.0, 200_000.0], index=bands.index)
    assert xl_priority(bands, upper) == 40_000
    # Tableau 34: limit = 500 000 × 5, 10, 15, 20 shipments = 2 500 000 … 10 000 000.
    limits = xl_limits(500_000, 5)
    assert limits["shipments"].tolist() == [5, 10, 15, 20]
    assert limits["limit"].tolist() == [2_500_000, 5_000_000, 7_500_000, 10_000_000]


def test_tableau_11_12_through_the_kernel() -> None:
    # The study, Tableaux 11–12 (R = 300 000, 10 lines): TSI 130 000, 700 000, 2 000 000 cede 0, 4/7 and
    # 85 %: claims 200 000 → 114 285.71, 1 200 000 → 1 020 000; premiums 20 000 → 11 428.57 (the study
    # rounds the rate to 57 %: 11 400), 100 000 → 85 000.
    tsi = np.array([130_000.0, 700_000.0, 2_000_000.0])
    rate = cession_rates(1 / tsi, np.array([1.0]), np.array([300_000.0]), np.array([3_000_000.0]))[0]
    np.testing.assert_allclose(rate * [80_000, 200_000, 1_200_000], [0, 114_285.714286, 1_020_000])
    np.testing.assert_allclose(rate * [10_000, 20_000, 100_000], [0, 11_428.571429, 85_000])


# --- differential: the kernel against the treaty objects ------------------------------------------


@pytest.mark.parametrize("facultative", [0.12, None])
def test_kernel_matches_the_treaty_objects(portfolio: MarineCargoPortfolio, facultative: float | None) -> None:
    retentions = [40e6, 300e6, 500e6, 1.2e9]
    table = scenarios(portfolio, grid={"retention": retentions}, facultative_commission=facultative)
    net_table = scenarios(
        portfolio, grid={"retention": retentions}, facultative_commission=facultative, premium_basis="net"
    )
    pol = portfolio.policies.rename(columns={"sum_insured": "tsi"})[["tsi", "premium"]]
    claims = portfolio.claims.rename(columns={"sum_insured": "tsi"})[["tsi", "amount"]]
    df = discount_factors_from_curve(dict(SEED_CURVE), payment_times(4))
    v_prem = premium_volume(portfolio.premiums(2021), form="qis5", premium_basis="gross")
    for i, r in enumerate(retentions):
        treaty = Surplus(r, 8, commission=0.38)
        p, c = treaty.apply(pol), treaty.apply(claims)
        fac_p = (pol["premium"] * p["facultative_rate"]).sum() if facultative else 0.0
        fac_c = (claims["amount"] * c["facultative_rate"]).sum() if facultative else 0.0
        share = 1 - p["cession_rate"] - (p["facultative_rate"] if facultative else 0.0)
        be = chain_ladder(portfolio.paid_triangle(policy_share=share.to_numpy())).best_estimate(df)
        row = table.iloc[i]
        assert row["ceded_premium"] == pytest.approx(p["ceded_premium"].sum(), rel=1e-10)
        assert row["ceded_claims"] == pytest.approx(c["ceded_amount"].sum(), rel=1e-10)
        assert row["commission"] == pytest.approx(p["commission"].sum(), rel=1e-10)
        assert row["facultative_premium"] == pytest.approx(fac_p, rel=1e-10, abs=1e-6)
        assert row["facultative_claims"] == pytest.approx(fac_c, rel=1e-10, abs=1e-6)
        assert row["v_res"] == pytest.approx(be, rel=1e-10)
        assert row["scr"] == pytest.approx(premium_reserve_scr({MAT: (v_prem, be)}).scr, rel=1e-10)
        # premium_basis="net": V_prem = max(earned 2021, written 2021, written 2020) of the retained premiums.
        net = premium_volume(
            portfolio.premiums(2021, policy_share=share.to_numpy()), form="qis5", premium_basis="gross"
        )
        assert net_table["v_prem"].iloc[i] == pytest.approx(net, rel=1e-10)


def test_event_xl_matches_program(portfolio: MarineCargoPortfolio) -> None:
    # Surplus then a per-event XL on its retention: the kernel's ceded amounts equal Program.fit's.
    pol = portfolio.policies.rename(columns={"sum_insured": "tsi", "underwriting_year": "treaty_year"})
    losses = portfolio.claims.rename(columns={"claim_id": "loss_id", "accident_date": "date"})
    losses = losses[["loss_id", "policy_id", "event_id", "date", "amount"]]
    for priority, limit, basis in ((5e6, 2.5e9, "event"), (2e6, 1e7, "risk")):
        program = Program(
            [Surplus(300e6, 8, commission=0.38), ExcessOfLoss(limit, priority, basis=basis, name="xl")]
        ).fit(pol[["policy_id", "tsi", "premium", "treaty_year"]], losses)
        table = scenarios(
            portfolio,
            lambda p, lim, b: Program([seed_surplus(300e6), ExcessOfLoss(lim, p, basis=b)]),
            pd.DataFrame({"p": [priority], "lim": [limit], "b": [basis]}),
            facultative_commission=None,
        )
        assert table["xl_claims"].iloc[0] == pytest.approx(program.losses_["ceded_xl"].sum(), rel=1e-10)
        assert table["xl_claims"].iloc[0] > 0
        assert table["ceded_claims"].iloc[0] == pytest.approx(program.losses_["ceded_surplus"].sum(), rel=1e-10)


def test_quota_share_scales_everything(data: ScenarioData) -> None:
    # A 40 % quota share cedes 40 % of premiums and claims; the chain ladder is linear, so the net BE
    # is 60 % of the gross.
    table = scenarios(data, lambda q: QuotaShare(q, commission=0.3), {"q": [0.4]})
    gross = table.attrs["no_reinsurance"]
    row = table.iloc[0]
    assert row["ceded_premium"] == pytest.approx(0.4 * gross["gross_premium"], rel=1e-12)
    assert row["ceded_claims"] == pytest.approx(0.4 * gross["gross_claims"], rel=1e-12)
    assert row["commission"] == pytest.approx(0.3 * row["ceded_premium"], rel=1e-12)
    assert row["v_res"] == pytest.approx(0.6 * gross["v_res"], rel=1e-10)
    assert np.isnan(row["rate_on_line"])  # no capacity


# --- properties -----------------------------------------------------------------------------------

_amounts = st.floats(min_value=1e3, max_value=1e9, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    tsi=st.lists(_amounts, min_size=1, max_size=40),
    retention=st.lists(st.floats(min_value=1e3, max_value=2e9), min_size=1, max_size=6),
    lines=st.floats(min_value=0.5, max_value=20),
    share=st.floats(min_value=0.0, max_value=1.0),
)
def test_closed_form_sums_equal_the_dense_product(
    tsi: list[float], retention: list[float], lines: float, share: float
) -> None:
    # ceded_sums / facultative_sums (prefix sums over sorted sums insured) = rates @ columns.
    t = np.array(tsi)
    n = t.size
    frame = pd.DataFrame({"policy_id": range(n), "underwriting_year": 2021, "sum_insured": t, "premium": t * 0.001})
    p = prepare(ScenarioData.from_frame(frame))
    r = np.array(retention)
    q = np.r_[np.ones(r.size), np.full(r.size, share), 0.0]
    rr = np.r_[r, np.zeros(r.size), 0.0]
    cap = np.r_[lines * r, r * 3, 0.0]
    top = np.r_[(1 + lines) * r, np.full(r.size, np.inf), np.inf]
    inv = 1 / p.data.tsi
    dense = cession_rates(inv, q, rr, cap) @ p.columns
    np.testing.assert_allclose(ceded_sums(p, q, rr, cap), dense, rtol=1e-9, atol=1e-9 * t.sum())
    np.testing.assert_allclose(
        ceded_sums(p, q, rr, np.full(q.size, np.inf))[r.size : 2 * r.size],
        cession_rates(inv, q, rr, np.full(q.size, np.inf))[r.size : 2 * r.size] @ p.columns,
        rtol=1e-9,
        atol=1e-9 * t.sum(),
    )
    np.testing.assert_allclose(
        facultative_sums(p, top), facultative_rates(inv, top) @ p.columns, rtol=1e-9, atol=1e-9 * t.sum()
    )


_points = st.lists(
    st.tuples(st.integers(min_value=0, max_value=30), st.integers(min_value=-5, max_value=30)), min_size=1, max_size=30
)


@settings(max_examples=100, deadline=None)
@given(points=_points)
def test_frontier_is_non_dominated_and_dominates_the_rest(points: list[tuple[int, int]]) -> None:
    table = pd.DataFrame({"scr": [float(s) for s, _ in points], "retention_result": [float(r) for _, r in points]})
    front = efficient_frontier(table)
    f = front[["scr", "retention_result"]].to_numpy()
    allp = table[["scr", "retention_result"]].to_numpy()

    def dominates(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1]))

    assert not any(dominates(a, b) for a in allp for b in f)  # nothing dominates a frontier point
    on_front = set(front.index)
    for i, b in enumerate(allp):  # every other point is dominated by, or equal to, a frontier point
        if i not in on_front:
            assert any(dominates(a, b) or (a == b).all() for a in f)
    assert front["scr"].is_monotonic_increasing


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.floats(min_value=1, max_value=100),  # result
            st.floats(min_value=0, max_value=10),  # scr
            st.floats(min_value=0, max_value=1),  # loss ratio
            st.floats(min_value=0, max_value=1),  # rol
        ),
        min_size=2,
        max_size=25,
    ),
    caps=st.tuples(st.floats(0, 10), st.floats(0, 1), st.floats(0, 1), st.floats(0, 30)),
)
def test_rules_respect_the_constraints(
    rows: list[tuple[float, float, float, float]], caps: tuple[float, float, float, float]
) -> None:
    table = pd.DataFrame(rows, columns=["retention_result", "scr", "loss_ratio", "rate_on_line"])
    table.insert(0, "retention", np.arange(1, len(rows) + 1) * 10.0)
    appetite = RiskAppetite(scr_ceiling=caps[0], loss_ratio_ceiling=caps[1], min_rol=caps[2], min_retention=caps[3])
    choice = choose(table, appetite)
    ok = (
        (table["scr"] <= caps[0] * (1 + 1e-9))
        & (table["loss_ratio"] <= caps[1] * (1 + 1e-9))
        & (table["rate_on_line"] >= caps[2] * (1 - 1e-9))
        & (table["retention"] >= caps[3] * (1 - 1e-9))
    )
    assert (choice.constraints["feasible"] == ok).all()
    best = choice.chosen["max"]
    if ok.any():
        assert best is not None and ok.iloc[best]
        assert table["retention_result"].iloc[best] == table["retention_result"][ok].max()
    else:
        assert best is None and choice.chosen["marginal"] is None
    marginal = choice.chosen["marginal"]
    # The marginal rule: the feasible step with the highest growth rate, found here by a plain loop.
    growth = [np.nan] + [
        table["retention_result"].iloc[i] / table["retention_result"].iloc[i - 1] - 1 for i in range(1, len(table))
    ]
    candidates = [i for i in range(len(table)) if ok.iloc[i] and np.isfinite(growth[i])]
    if candidates:
        assert marginal is not None and ok.iloc[marginal]
        assert growth[marginal] == max(growth[i] for i in candidates)
    else:
        assert marginal is None
    assert set(choice.frontier.index) <= set(table.index[ok])


def test_results_add_up_and_scr_bounded(data: ScenarioData) -> None:
    # gross result = retention + treaty reinsurers' + facultative + XL results; with gross premiums
    # in V_prem, any reinsurance lowers (or keeps) the SCR of the situation without it.
    table = scenarios(
        data,
        lambda retention, priority: Program([seed_surplus(retention), ExcessOfLoss(2.5e9, priority, basis="event")]),
        {"retention": [100e6, 500e6, 900e6], "priority": [20e6, 40e6]},
        xl_loading=0.25,
    )
    parts = table[["retention_result", "reinsurer_result", "facultative_result", "xl_result"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["gross_result"], rtol=1e-12)
    assert (table["scr"] <= table.attrs["no_reinsurance"]["scr"] * (1 + 1e-12)).all()
    np.testing.assert_allclose(table["xl_premium"], 1.25 * table["xl_claims"], rtol=1e-12)
    assert table["xl_claims"].sum() > 0
    ref = no_reinsurance(data)
    assert ref["retention_result"] == pytest.approx(ref["gross_result"])
    assert ref["scr"] == pytest.approx(table.attrs["no_reinsurance"]["scr"])


def test_net_triangle_matches_the_portfolio(portfolio: MarineCargoPortfolio) -> None:
    treaty = Surplus(500e6, 8, commission=0.38)
    got = net_triangle(portfolio, treaty, facultative_commission=None)
    rate = treaty.cession_rate(portfolio.policies["sum_insured"].to_numpy())
    want = portfolio.paid_triangle(policy_share=1 - rate)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-10)


def test_bad_inputs_are_named(data: ScenarioData) -> None:
    with pytest.raises(EngineError, match="refused its parameters"):
        scenarios(data, seed_surplus, {"nope": [1.0]})
    with pytest.raises(EngineError, match="reinstatements"):
        scenarios(data, lambda r: ExcessOfLoss(1e6, r, aad=1e5), {"r": [1e6]})
    with pytest.raises(EngineError, match="not a treaty"):
        scenarios(data, lambda r: "surplus", {"r": [1e6]})
    with pytest.raises(EngineError, match="premium_basis"):
        scenarios(data, premium_basis="both")
    with pytest.raises(EngineError, match="'retention'"):
        choose(
            pd.DataFrame({"x": [1.0], "retention_result": [1.0], "scr": [1.0], "loss_ratio": [0.1]}),
            RiskAppetite(scr_ceiling=1, loss_ratio_ceiling=1),
        )
    with pytest.raises(EngineError, match="market"):
        RiskAppetite(market="calm")


def test_user_table(tmp_path: Path) -> None:
    # The --csv layout: one row per claim, the policy's columns repeated; payments by development year.
    frame = pd.DataFrame(
        {
            "policy_id": ["A", "A", "B", "C"],
            "underwriting_year": [2020, 2020, 2021, 2021],
            "sum_insured": [1e9, 1e9, 2e8, 5e7],
            "premium": [1e6, 1e6, 3e5, 1e5],
            "claim_amount": [4e5, 1e5, 2e5, np.nan],
            "accident_year": [2020, 2021, 2021, np.nan],
            "event_id": ["v1", None, "v1", None],
            "paid_0": [1e5, 1e5, 2e5, np.nan],
            "paid_1": [2e5, np.nan, np.nan, np.nan],
        }
    )
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    data = ScenarioData.read_csv(path)
    assert data.n_policies == 3 and data.n_claims == 3
    assert data.valuation_year == 2021 and data.origins.tolist() == [2020, 2021]
    assert data.shipments_per_event == 2  # event v1 touches policies A and B
    table = scenarios(data, grid={"retention": [1e8, 5e8]})
    # R = 100 000 000, 8 lines: A cedes min(1 − 0.1, 8 × 0.1) = 80 % (10 % facultative), B 50 %, C nothing.
    assert table["ceded_premium"].iloc[0] == pytest.approx(1e6 * 0.8 + 3e5 * 0.5)
    assert table["facultative_premium"].iloc[0] == pytest.approx(1e6 * 0.1)
    with pytest.raises(EngineError, match="two values of 'premium'"):
        ScenarioData.from_frame(frame.assign(premium=[1e6, 2e6, 3e5, 1e5]))
    with pytest.raises(EngineError, match="'sum_insured'"):
        ScenarioData.from_frame(frame.drop(columns="sum_insured"))
    # Without payments the claims follow the study, annex 08's pattern.
    spread = ScenarioData.from_frame(frame.drop(columns=["paid_0", "paid_1"]))
    assert spread.paid.sum() < spread.claim_amount.sum()


# --- end to end on the synthetic portfolio ----------------------------------------------------------


def test_method_end_to_end(portfolio: MarineCargoPortfolio, capsys: pytest.CaptureFixture[str]) -> None:
    # The whole method on synthetic_marine_cargo(seed=0) with the study's conditions (treaty X in force,
    # hard market, a retention not below the current 300 000). The retention it picks is reported,
    # next to the study's 500 000; the test checks the method's own logic, not a number.
    method = ScenarioMethod(
        current=seed_surplus(CURRENT_RETENTION), appetite=RiskAppetite(market="hard", min_retention=CURRENT_RETENTION)
    ).fit(portfolio)
    table, ok = method.scenarios_, method.constraints_["feasible"]
    assert set(method.chosen_.index) == {"max", "marginal"}
    for rule, row in method.chosen_.iterrows():
        assert ok.iloc[method.choice_.chosen[str(rule)] or 0], rule
        assert row["retention"] >= CURRENT_RETENTION
    assert method.chosen_.loc["max", "retention_result"] == table["retention_result"][ok].max()
    growth = method.steps_["growth_rate"][ok]
    assert method.chosen_.loc["marginal", "growth_rate"] == growth.max()
    assert method.retention_ == method.chosen_.loc["marginal", "retention"]
    # Tableau 30: the sized capacity is the largest with ROL ≥ 20 %.
    cap = method.capacity_
    if method.lines_ is not None:
        accepted = cap[cap["rate_on_line"] >= 0.20]
        assert method.lines_ == accepted["lines"].max()
    # Tableaux 33–34: the priority is a band bound, the limit the retention × the shipments on a vessel.
    protection = method.protection_
    assert protection.priority % 40e6 == 0
    assert protection.limit == method.retention_ * protection.shipments
    assert method.triangle_.shape == (5, 5)
    with capsys.disabled():
        marginal, best = (
            f"{method.chosen_.loc[r, 'retention'] / K:,.0f}".replace(",", " ") for r in ("marginal", "max")
        )
        seed = f"{SEED_OPTIMUM / K:,.0f}".replace(",", " ")
        print(
            f"\n[the study end to end] synthetic_marine_cargo(seed=0): marginal rule → {marginal}; constrained "
            f"maximum → {best} thousand DA; the study chose {seed}"
        )


def test_method_rules_and_capacity_table(data: ScenarioData) -> None:
    only_max = ScenarioMethod(rule="max", appetite=RiskAppetite(min_rol=0, loss_ratio_ceiling=1.0)).fit(data)
    assert list(only_max.chosen_.index) == ["max"]
    assert only_max.retention_ == only_max.scenarios_["retention"].max()  # no constraint binds the result
    cap = capacity_table(data, 500e6, [3.0, 9.0])
    assert cap["capacity"].tolist() == [1.5e9, 4.5e9]
    assert cap["pleins"].tolist() == [4.0, 10.0]
    assert cap["rate_on_line"].is_monotonic_decreasing
    named = evaluate_treaties(data, {"x": seed_surplus(300e6), "none": None})
    assert named.loc["none", "ceded_premium"] == 0
    with pytest.raises(EngineError, match="no scenario satisfies"):
        ScenarioMethod(appetite=RiskAppetite(scr_ceiling=1.0)).fit(data)
    with pytest.raises(EngineError, match="unknown option"):
        ScenarioMethod(colour="blue")


def test_both_rules_fall_back_to_the_maximum_without_a_step(data: ScenarioData) -> None:
    # The marginal rule needs a step into a feasible retention; when the only feasible one is the
    # grid's first, "both" reports the constrained maximum alone and lets it decide.
    method = ScenarioMethod(
        grid={"retention": [300e6, 400e6, 500e6]}, appetite=RiskAppetite(max_retention=300e6, min_rol=0)
    ).fit(data)
    assert list(method.chosen_.index) == ["max"]
    assert method.rule_ == "max" and method.retention_ == 300e6
    with pytest.raises(EngineError, match="no scenario satisfies"):
        ScenarioMethod(
            rule="marginal", grid={"retention": [300e6, 400e6]}, appetite=RiskAppetite(max_retention=300e6)
        ).fit(data)


def test_scenarios_over_simulated_histories() -> None:
    # Simulated loss histories: the same grid on each, stacked; each block is scenarios() on its own.
    rng = np.random.default_rng(7)
    frames = []
    for _ in range(3):
        tsi = rng.uniform(1e7, 2e9, 200)
        frame = pd.DataFrame(
            {"policy_id": range(200), "underwriting_year": rng.integers(2019, 2022, 200), "sum_insured": tsi}
        ).assign(premium=lambda f: f["sum_insured"] * 1e-3)
        hit = rng.random(200) < 0.2
        frame["claim_amount"] = np.where(hit, tsi * rng.uniform(0, 0.05, 200), np.nan)
        frame["accident_year"] = np.where(hit, frame["underwriting_year"], np.nan)
        frames.append(frame)
    grid = {"retention": [1e8, 4e8]}
    stacked = scenarios_over(frames, grid=grid)
    assert stacked["simulation"].tolist() == [0, 0, 1, 1, 2, 2]
    for k, frame in enumerate(frames):
        alone = scenarios(frame, grid=grid)
        block = stacked[stacked["simulation"] == k].reset_index(drop=True)
        pd.testing.assert_series_equal(block["scr"], alone["scr"])
    assert len(stacked.attrs["no_reinsurance"]) == 3
    spread = stacked.groupby("retention")["retention_result"].std()
    assert (spread > 0).all()
