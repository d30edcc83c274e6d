"""Chain-ladder, Mack and the Best Estimate against the study's annexes and Mack (1993).

Every expected figure cites where it is printed. Amounts of annexes 01–08 are in DA; the worked
example of ch. 3 §4 (retention 300 000) is in thousands of DA.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assurdb.engine.errors import EngineError
from assurdb.engine.reserving import (
    ChainLadder,
    chain_ladder,
    discount_factors_from_curve,
    observed_mask,
    payment_times,
    to_cumulative,
    to_incremental,
    triangle_from_payments,
)

DATA = Path(__file__).resolve().parents[2] / "engine" / "data" / "seed004_annex_triangles.csv"

#: the study's discount factors for 2022–2025 (8 decimals).
SEED_DF = [0.95857058, 0.90444351, 0.85762326, 0.81864072]
#: The study, annex 09 (BTA curve at 31/12/2021): 1 y 4.322 %, 2 y 5.150 %, 3 y 5.253 %, 5 y 4.997 %;
#: the study's 4-year rate, 5.13 %, is the 3–5-year linear interpolation (5.125 %) rounded.
SEED_CURVE = {1: 0.04322, 2: 0.0515, 3: 0.05253, 4: 0.0513, 5: 0.04997}
ANNEX09_CURVE = {
    0.25: 0.02742,
    0.5: 0.02992,
    1: 0.04322,
    2: 0.0515,
    3: 0.05253,
    5: 0.04997,
    7: 0.068,
    10: 0.07321,
    15: 0.07962,
}

#: The study, annexes 01–08 as printed: factors ("Facture"), discounted future cash flows ("CFF
#: actualisées"), V. Réserves.
ANNEXES = {
    "01": (
        [3.69502, 1.05417, 1.03602, 1.00674],
        [36_077_723.436, 7_600_492.409, 1_893_469.723, 185_727.606],
        45_757_413,
    ),
    "02": (
        [3.70616, 1.05053, 1.03522, 1.00656],
        [37_847_932.479, 8_076_357.510, 1_976_923.322, 187_022.718],
        48_088_236,
    ),
    "03": (
        [3.66960, 1.04832, 1.03427, 1.00639],
        [38_961_938.904, 8_472_921.217, 2_036_256.077, 185_454.325],
        49_656_571,
    ),
    "04": (
        [3.56475, 1.04783, 1.03338, 1.00624],
        [39_301_735.768, 8_808_300.225, 2_077_014.063, 180_768.521],
        50_367_819,
    ),
    "05": (
        [3.47841, 1.04740, 1.03260, 1.00610],
        [39_771_066.231, 9_146_930.976, 2_121_957.407, 177_049.218],
        51_217_004,
    ),
    "06": (
        [3.42187, 1.04706, 1.03198, 1.00596],
        [40_467_196.225, 9_482_402.573, 2_171_899.488, 175_007.541],
        52_296_506,
    ),
    "07": (
        [3.38818, 1.04682, 1.03153, 1.00588],
        [41_332_394.959, 9_835_062.934, 2_233_349.727, 175_044.656],
        53_575_852,
    ),
    "08": (
        [3.35674, 1.04659, 1.03110, 1.00580],
        [42_201_011.113, 10_184_042.497, 2_294_765.221, 175_234.965],
        54_855_054,
    ),
}


def annex_incremental(annex: str) -> pd.DataFrame:
    long = pd.read_csv(DATA, dtype={"annex": str})
    rows = long[long["annex"] == annex]
    return rows.pivot(index="accident_year", columns="development", values="paid").astype(float)


def annex_cumulative(annex: str) -> pd.DataFrame:
    return to_cumulative(annex_incremental(annex))


# --- the study -----------------------------------------------------------------------------------------


def test_annex04_spec_figures() -> None:
    # the study, annex 04 (retention 500 000 000): factors 3.56475, 1.04783, 1.03338, 1.00624
    # as printed (5 decimals); Best Estimate 50 367 819 (50 367 818.6 unrounded).
    r = chain_ladder(annex_cumulative("04"))
    np.testing.assert_array_equal(np.round(r.factors, 5), [3.56475, 1.04783, 1.03338, 1.00624])
    be = r.best_estimate(SEED_DF)
    assert be == pytest.approx(50_367_818.6, abs=0.05)
    assert round(be) == 50_367_819
    assert list(r.periods) == [2022, 2023, 2024, 2025]


def test_annex04_printed_factors_would_not_give_the_best_estimate() -> None:
    # Computing with the printed (rounded) factors gives ~50 368 000, not 50 367 819 —
    # so the engine must not round them.
    c = annex_cumulative("04").to_numpy()
    f = np.array([3.56475, 1.04783, 1.03338, 1.00624])
    full = c.copy()
    for j in range(1, 5):
        future = np.isnan(full[:, j])
        full[future, j] = full[future, j - 1] * f[j - 1]
    inc = np.diff(full, axis=1, prepend=0.0)
    cash = [sum(inc[i, k - i] for i in range(5) if 0 <= k - i < 5) for k in range(5, 9)]
    rounded_be = float(np.dot(cash, SEED_DF))
    assert abs(rounded_be - 50_368_000) < 500
    assert abs(rounded_be - chain_ladder(annex_cumulative("04")).best_estimate(SEED_DF)) > 50


@pytest.mark.parametrize("annex", sorted(ANNEXES))
def test_annex_factors_cash_flows_and_best_estimate(annex: str) -> None:
    # The study, annexes 01–08: factors to the 5 printed decimals; discounted cash flows and V. Réserves
    # to the unit, with those discount factors and with the study's own curve (annex 09).
    factors, discounted, v_res = ANNEXES[annex]
    r = chain_ladder(annex_cumulative(annex))
    np.testing.assert_array_equal(np.round(r.factors, 5), factors)
    for df in (SEED_DF, None):
        got = r.discounted_cash_flows(df, spot_curve=None if df else SEED_CURVE)
        np.testing.assert_allclose(got, discounted, rtol=0, atol=0.5)
        be = r.best_estimate(df, spot_curve=None if df else SEED_CURVE)
        assert round(be) == v_res


@pytest.mark.parametrize("annex", ["02", "03", "04", "05", "06", "07", "08"])
def test_annex_discounted_cash_flows_to_the_thousandth_with_the_seed_curve(annex: str) -> None:
    # The study, annexes 02–08 print the discounted cash flows to 3 decimals; with 1/(1+r)^t on the
    # annex 09 rates they come out to the thousandth. (Annex 01's first two differ by 0.15 and 0.02:
    # its printed triangle is rounded to the DA, its cells carried decimals.)
    r = chain_ladder(annex_cumulative(annex))
    np.testing.assert_allclose(r.discounted_cash_flows(spot_curve=SEED_CURVE), ANNEXES[annex][1], rtol=0, atol=0.0015)


def test_annex04_projected_incremental_triangle() -> None:
    # The study, annex 04, "Règlements net de RE décumulés", lower triangle as printed (DA).
    r = chain_ladder(annex_cumulative("04"))
    inc = r.projected_incremental
    printed = {
        (1, 4): 380_662,
        (2, 3): 8_055_745,
        (2, 4): 1_556_373,
        (3, 2): 9_052_611,
        (3, 3): 6_619_505,
        (3, 4): 1_278_891,
        (4, 1): 23_511_339,
        (4, 2): 1_563_039,
        (4, 3): 1_142_935,
        (4, 4): 220_815,
    }
    for (i, j), value in printed.items():
        assert round(inc[i, j]) == value, (i, j)


def test_annex01_cumulative_and_projection() -> None:
    # The study, annex 01 ("Règlements net de RE cumulés", last column, and "décumulés").
    r = chain_ladder(annex_cumulative("01"))
    np.testing.assert_array_equal(np.round(r.ultimate), [89_115_052, 56_337_450, 206_446_634, 154_971_039, 33_911_126])
    np.testing.assert_array_equal(np.round(r.projected_incremental[4, 1:]), [22_495_356, 1_670_866, 1_171_019, 226_873])


def test_chapter3_example_in_thousands() -> None:
    # The study, ch. 3 §4, retention 300 000 thousand DA: the triangle is printed rounded to the
    # thousand DA, the study computed on DA. Printed: factors 3,68045 1,05853 1,03687; cash flows
    # 34 936, 7 800, 2 065, 217 (sum 45 018); discounted 33 488, 7 055, 1 771, 178; V_res 42 492.
    # From the rounded triangle the factors agree to 4 decimals, the cash flows within 1 and V_res
    # within 2 (42 490.8): the rounding of the cells, not the method.
    incremental = pd.DataFrame(
        [
            [17_360, 60_316, 8_158, 198, 596],
            [32_770, 9_072, 7_598, 4_789, np.nan],
            [23_172, 150_168, 1_386, np.nan, np.nan],
            [40_189, 84_653, np.nan, np.nan, np.nan],
            [7_764, np.nan, np.nan, np.nan, np.nan],
        ],
        index=range(2017, 2022),
    )
    r = chain_ladder(to_cumulative(incremental))
    np.testing.assert_allclose(r.factors[:3], [3.68045, 1.05853, 1.03687], atol=5e-5)
    np.testing.assert_allclose(r.cash_flows, [34_936, 7_800, 2_065, 217], atol=1.0)
    np.testing.assert_allclose(r.discounted_cash_flows(SEED_DF), [33_488, 7_055, 1_771, 178], atol=1.0)
    assert r.best_estimate(SEED_DF) == pytest.approx(42_492, abs=2.0)


def test_annex09_curve_interpolated_at_four_years() -> None:
    # Annex 09 has no 4-year point: linear interpolation gives 5.125 %, the study used 5.13 %
    # (printed DF 0.81864072). The first three factors are the curve's exactly.
    df = discount_factors_from_curve(ANNEX09_CURVE, [1, 2, 3, 4])
    np.testing.assert_allclose(df[:3], SEED_DF[:3], atol=5e-9)
    assert df[3] == pytest.approx(1.05125**-4)
    np.testing.assert_allclose(discount_factors_from_curve(SEED_CURVE, [4]), [SEED_DF[3]], atol=5e-9)
    r = chain_ladder(annex_cumulative("04"))
    # The rounding of the 4-year rate is worth 220 815 × (0.818796 − 0.818641) ≈ 34 DA of BE.
    assert r.best_estimate(spot_curve=ANNEX09_CURVE) - r.best_estimate(SEED_DF) == pytest.approx(34.4, abs=0.5)


def test_mid_year_timing() -> None:
    np.testing.assert_array_equal(payment_times(3, "mid"), [0.5, 1.5, 2.5])
    r = chain_ladder(annex_cumulative("04"))
    mid = r.best_estimate(spot_curve={1: 0.05}, timing="mid")
    expected = float(np.dot(r.cash_flows, 1.05 ** -(np.arange(1, 5) - 0.5)))
    assert mid == pytest.approx(expected)
    assert mid > r.best_estimate(spot_curve={1: 0.05})
    with pytest.raises(EngineError, match="exactly one"):
        r.best_estimate()
    with pytest.raises(EngineError, match="4 future periods"):
        r.best_estimate([0.9, 0.8])


# --- Mack (1993) --------------------------------------------------------------------------------------

#: Taylor & Ashe (1983) cumulative triangle, the example of Mack (1993), ASTIN Bulletin 23(2).
TAYLOR_ASHE = [
    [357848, 1124788, 1735330, 2218270, 2745596, 3319994, 3466336, 3606286, 3833515, 3901463],
    [352118, 1236139, 2170033, 3353322, 3799067, 4120063, 4647867, 4914039, 5339085],
    [290507, 1292306, 2218525, 3235179, 3985995, 4132918, 4628910, 4909315],
    [310608, 1418858, 2195047, 3757447, 4029929, 4381982, 4588268],
    [443160, 1136350, 2128333, 2897821, 3402672, 3873311],
    [396132, 1333217, 2180715, 2985752, 3691712],
    [440832, 1288463, 2419861, 3483130],
    [359480, 1421128, 2864498],
    [376686, 1363294],
    [344014],
]
#: RAA (Historical Loss Development Study 1991), the example of R ChainLadder's MackChainLadder.
RAA = [
    [5012, 8269, 10907, 11805, 13539, 16181, 18009, 18608, 18662, 18834],
    [106, 4285, 5396, 10666, 13782, 15599, 15496, 16169, 16704],
    [3410, 8992, 13873, 16141, 18735, 22214, 22863, 23466],
    [5655, 11555, 15766, 21266, 23425, 26083, 27067],
    [1092, 9565, 15836, 22169, 25955, 26180],
    [1513, 6445, 11702, 12935, 15852],
    [557, 4020, 10946, 12314],
    [1351, 6947, 13112],
    [3133, 5395],
    [2063],
]


def _square(rows: list[list[int]]) -> np.ndarray:
    out = np.full((len(rows), len(rows)), np.nan)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def test_mack_taylor_ashe() -> None:
    # Mack (1993), Taylor/Ashe data: reserves 18 680 856 in all; standard errors by accident year
    # 75 535, 121 699, 133 549, 261 406, 411 010, 558 317, 875 328, 971 258, 1 363 155; total 2 447 095.
    r = chain_ladder(_square(TAYLOR_ASHE), mack=True)
    assert round(r.ibnr.sum()) == 18_680_856
    assert r.mack_se is not None
    np.testing.assert_array_equal(
        np.round(r.mack_se[1:]),
        [75_535, 121_699, 133_549, 261_406, 411_010, 558_317, 875_328, 971_258, 1_363_155],
    )
    assert round(r.total_mack_se) == 2_447_095


def test_mack_raa() -> None:
    # R ChainLadder, MackChainLadder(RAA): IBNR 52 135, Mack S.E. of the total 26 909.
    r = chain_ladder(_square(RAA), mack=True)
    assert round(r.ibnr.sum()) == 52_135
    assert round(r.total_mack_se) == 26_909


# --- many triangles at once ---------------------------------------------------------------------------


def test_batch_matches_one_by_one() -> None:
    rng = np.random.default_rng(7)
    n = 6
    c = np.cumsum(rng.lognormal(8, 1, (20, n, n)), axis=2)
    c[:, ~observed_mask(n, n)] = np.nan
    batch = chain_ladder(c, mack=True)
    df = [0.97, 0.93, 0.9, 0.86, 0.83]
    be = batch.best_estimate(df)
    for k in range(20):
        one = chain_ladder(c[k], mack=True)
        np.testing.assert_allclose(batch.factors[k], one.factors)
        np.testing.assert_allclose(batch.ultimate[k], one.ultimate)
        np.testing.assert_allclose(batch.cash_flows[k], one.cash_flows)
        np.testing.assert_allclose(batch.mack_se[k], one.mack_se)
        assert be[k] == pytest.approx(one.best_estimate(df))


def test_estimator_form() -> None:
    model = ChainLadder(mack=True)
    assert model.fit(annex_cumulative("04")) is model
    assert model.mack is True
    np.testing.assert_array_equal(np.round(model.factors_, 5), ANNEXES["04"][0])
    assert round(model.best_estimate(SEED_DF)) == 50_367_819
    assert model.ibnr_.sum() == pytest.approx(model.cash_flows_.sum())


def test_rectangular_triangle_more_origins() -> None:
    # 4 origins × 3 developments: the oldest two are fully developed.
    c = np.array([[100, 150, 160], [110, 160, 170], [120, 180, np.nan], [130, np.nan, np.nan]], float)
    r = chain_ladder(c)
    np.testing.assert_allclose(r.factors, [(150 + 160 + 180) / (100 + 110 + 120), (160 + 170) / (150 + 160)])
    assert r.cash_flows.shape == (2,)
    assert r.ibnr.sum() == pytest.approx(r.cash_flows.sum())


# --- bad input ----------------------------------------------------------------------------------------


def test_not_triangular_names_the_cell() -> None:
    c = annex_cumulative("04")
    c.loc[2021, 2] = 1.0
    with pytest.raises(EngineError, match=r"origin 2021, development 2.*not triangular"):
        chain_ladder(c)


def test_missing_observed_cell_is_reported_not_refused() -> None:
    # Issue 11: a NaN above the diagonal is a missing cell, left out of the factors (see
    # test_triangles_missing.py); an infinite amount is still refused, naming the cell.
    c = annex_cumulative("04")
    c.loc[2019, 1] = np.nan
    assert chain_ladder(c).missing == [(2019, 1)]
    c.loc[2019, 1] = np.inf
    with pytest.raises(EngineError, match=r"origin 2019, development 1.*not finite"):
        chain_ladder(c)


def test_negative_names_the_cell() -> None:
    c = annex_cumulative("04")
    c.loc[2018, 3] = -5.0
    with pytest.raises(EngineError, match=r"origin 2018, development 3.*negative"):
        chain_ladder(c)


def test_batch_error_names_the_triangle() -> None:
    c = np.stack([annex_cumulative(a).to_numpy() for a in ("01", "02", "03")])
    c[2, 4, 3] = 7.0
    with pytest.raises(EngineError, match=r"triangle 2, cell \(origin 4, development 3\)"):
        chain_ladder(c)


def test_wrong_dimensions() -> None:
    with pytest.raises(EngineError, match="1-D"):
        chain_ladder(np.ones(5))


# --- triangles from a payment listing -----------------------------------------------------------------


def test_triangle_from_payments() -> None:
    payments = pd.DataFrame(
        {
            "accident_date": ["2019-05-01", "2019-05-01", "2020-02-10", "2021-07-01", "2016-01-01", "2020-02-10"],
            "payment_date": ["2019-06-01", "2021-03-01", "2020-12-31", "2021-08-01", "2018-01-01", "2022-01-05"],
            "amount": [100.0, 50.0, 70.0, 30.0, 999.0, 11.0],
        }
    )
    tri = triangle_from_payments(payments, valuation_date="2021-12-31", first_year=2019)
    # 2016 accident dropped (before first_year, as the study drops pre-2017 claims); 2022 payment is
    # after the valuation date.
    expected = pd.DataFrame(
        [[100.0, 100.0, 150.0], [70.0, 70.0, np.nan], [30.0, np.nan, np.nan]], index=[2019, 2020, 2021]
    )
    np.testing.assert_array_equal(tri.to_numpy(), expected.to_numpy())
    assert list(tri.index) == [2019, 2020, 2021]
    inc = triangle_from_payments(payments, valuation_date="2021-12-31", first_year=2019, cumulative=False)
    assert inc.loc[2019, 2] == 50.0
    half = triangle_from_payments(payments, valuation_date="2021-12-31", first_year=2019, weights=[0.5] * 6)
    np.testing.assert_array_equal(half.to_numpy(), expected.to_numpy() / 2)


def test_payment_before_accident_is_refused() -> None:
    payments = pd.DataFrame(
        {"accident_date": ["2020-05-01"], "payment_date": ["2020-04-01"], "amount": [1.0]}, index=["row-7"]
    )
    with pytest.raises(EngineError, match="row-7"):
        triangle_from_payments(payments)
    with pytest.raises(EngineError, match="'amount' is missing"):
        triangle_from_payments(payments.drop(columns="amount"))


# --- invariants ---------------------------------------------------------------------------------------

# Amounts in currency units: 0 or at least a cent (subnormal amounts overflow the factors, which
# chain_ladder refuses: test_factor_overflow_is_an_error).
_incremental = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(2, 7)).map(lambda s: (s[0], s[1], s[1])),
    elements=st.one_of(st.just(0.0), st.floats(0.01, 1e6)),
)


def test_factor_overflow_is_an_error() -> None:
    c = np.array([[5e-324, 1.0, 1.0], [5e-324, 5e-324, np.nan], [5e-324, np.nan, np.nan]])
    with pytest.raises(EngineError, match="overflow at development 0"):
        chain_ladder(c)


@settings(max_examples=60, deadline=None)
@given(_incremental)
def test_ultimate_at_least_latest_when_payments_positive(inc: np.ndarray) -> None:
    n = inc.shape[-1]
    c = np.cumsum(inc, axis=2)
    c[:, ~observed_mask(n, n)] = np.nan
    r = chain_ladder(c)
    assert (r.factors >= 1 - 1e-12).all()
    assert (r.ultimate >= r.latest * (1 - 1e-12) - 1e-9).all()
    np.testing.assert_allclose(r.ibnr.sum(axis=1), r.cash_flows.sum(axis=1), rtol=1e-9, atol=1e-6)
    # Discounting at positive rates never increases the reserve.
    assert (r.best_estimate(spot_curve={1: 0.03}) <= r.cash_flows.sum(axis=1) + 1e-6).all()


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 8)), elements=st.floats(-1e6, 1e6, allow_nan=False))
)
def test_incremental_cumulative_round_trip(inc: np.ndarray) -> None:
    n_o, n_d = inc.shape
    inc = np.where(np.add.outer(np.arange(n_o), np.arange(n_d)) <= max(n_o, n_d) - 1, inc, np.nan)
    back = to_incremental(to_cumulative(inc))
    np.testing.assert_allclose(back, inc, rtol=1e-9, atol=1e-6)
    frame = pd.DataFrame(inc)
    pd.testing.assert_frame_equal(to_incremental(to_cumulative(frame)), frame, rtol=1e-9, atol=1e-6)


def test_simple_average_factors() -> None:
    c = _square(RAA)
    r = chain_ladder(c, average="simple")
    assert r.factors[0] == pytest.approx(np.mean(c[:9, 1] / c[:9, 0]))
    assert r.factors[-1] == pytest.approx(c[0, 9] / c[0, 8])
    with pytest.raises(EngineError, match="average must be"):
        chain_ladder(c, average="median")  # type: ignore[arg-type]
