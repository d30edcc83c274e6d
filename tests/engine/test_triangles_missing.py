"""Missing cells above the diagonal (issue 11) and triangles built from dated loss movements.

The RAA reference figures with three cells removed come from chainladder-python 0.10.1; every other
expected figure is computed by hand beside the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.reserving import (
    ChainLadder,
    chain_ladder,
    missing_cells,
    observed_mask,
    present_mask,
    triangle_from_movements,
    validate_triangle,
)
from tests.engine.test_reserving import RAA, _square

MONTHS = [12, 24, 36, 48, 60, 72, 84, 96, 108, 120]


def raa_frame() -> pd.DataFrame:
    """RAA as chainladder-python's sample 'raa' lays it out: origins 1981–1990, ages 12–120 months."""
    return pd.DataFrame(
        _square(RAA),
        index=pd.Index(range(1981, 1991), name="origin"),
        columns=pd.Index(MONTHS, name="development"),
    )


# --- RAA less three cells, against chainladder-python -----------------------------------------------

#: Cells removed: 1982 at 12 months (the 106 whose link ratio 40.4 dominates σ²_0), 1983 at 48
#: months and 1986 at 24 months — all strictly above the latest diagonal.
RAA_GAPS = [(1982, 12), (1983, 48), (1986, 24)]

# Reference figures from chainladder-python 0.10.1, obtained as:
#     tri = cl.Triangle(long_raa_without_the_3_cells, origin="origin", development="dev",
#                       columns="paid", cumulative=True)
#     dev = cl.Development(average="volume", sigma_interpolation="mack").fit(tri)
#     mack = cl.MackChainladder().fit(dev.transform(tri))
# reading dev.ldf_, mack.ultimate_, mack.mack_std_err_ (at 120 months), mack.total_mack_std_err_.
# sigma_interpolation="mack" is Mack's rule for the last σ, as ours; with it the complete RAA gives
# R ChainLadder's total s.e. 26 909.011 (test_reserving.test_mack_raa).
CL_LDF = [
    2.7087085601187533,
    1.6004325695001211,
    1.2920074270406645,
    1.173919661090042,
    1.113384886206463,
    1.0419346379110106,
    1.033263553789384,
    1.0169364810075625,
    1.0092165898617511,
]
CL_ULTIMATE = [
    18834.0,
    16857.95391705069,
    24083.37092381492,
    28703.1421634209,
    28926.736343422213,
    19501.103183996383,
    17783.3117599059,
    24465.125260913275,
    16110.43744811568,
    16686.966427207477,
]
CL_IBNR = 50965.147427847434
#: Origins 1982–1990 (1981 is fully developed: chainladder reports NaN, we 0).
CL_MACK_SE = [
    206.2200594011151,
    623.3766726319659,
    747.1752250814925,
    1469.4571495894309,
    2001.8569309318539,
    2288.281164476062,
    5768.493461912903,
    6818.233330809007,
    16926.6630111475,
]
CL_TOTAL_MACK_SE = 20558.150431591916


def raa_with_gaps() -> pd.DataFrame:
    c = raa_frame()
    for origin, age in RAA_GAPS:
        c.loc[origin, age] = np.nan
    return c


def test_raa_three_missing_cells_match_chainladder_python() -> None:
    r = chain_ladder(raa_with_gaps(), mack=True)
    np.testing.assert_allclose(r.factors, CL_LDF, rtol=1e-13)
    np.testing.assert_allclose(r.ultimate, CL_ULTIMATE, rtol=1e-13)
    assert r.ibnr.sum() == pytest.approx(CL_IBNR, rel=1e-13)
    assert r.mack_se is not None
    assert r.mack_se[0] == 0.0
    np.testing.assert_allclose(r.mack_se[1:], CL_MACK_SE, rtol=1e-12)
    assert r.total_mack_se == pytest.approx(CL_TOTAL_MACK_SE, rel=1e-12)
    assert r.missing == RAA_GAPS


def test_raa_missing_cells_leave_their_link_ratios_out() -> None:
    c = raa_with_gaps().to_numpy()
    r = chain_ladder(c)
    # 12→24: origins 1981, 1983–1985, 1987–1989 (1982 lacks 12 months, 1986 lacks 24).
    pairs = [0, 2, 3, 4, 6, 7, 8]
    assert r.factors[0] == pytest.approx(c[pairs, 1].sum() / c[pairs, 0].sum(), rel=1e-15)
    # 36→48 and 48→60: 1983 takes part in neither.
    assert r.factors[2] == pytest.approx(c[[0, 1, 3, 4, 5, 6], 3].sum() / c[[0, 1, 3, 4, 5, 6], 2].sum(), rel=1e-15)
    assert r.factors[3] == pytest.approx(c[[0, 1, 3, 4, 5], 4].sum() / c[[0, 1, 3, 4, 5], 3].sum(), rel=1e-15)
    # The origins whose latest diagonal is present are projected from it as usual.
    np.testing.assert_array_equal(r.latest, [c[i, 9 - i] for i in range(10)])


def test_missing_cells_reported_on_result_estimator_and_summary() -> None:
    model = ChainLadder(mack=True).fit(raa_with_gaps())
    assert model.missing_ == RAA_GAPS
    summary = model.result_.summary()
    assert list(summary.columns) == ["latest", "ultimate", "ibnr", "mack_se", "missing"]
    assert summary["missing"].to_dict() == {o: int(o in (1982, 1983, 1986)) for o in range(1981, 1991)}
    # Helpers on the bare triangle.
    assert missing_cells(raa_with_gaps()) == RAA_GAPS
    assert missing_cells(raa_with_gaps().to_numpy()) == [(1, 0), (2, 3), (5, 1)]
    present = present_mask(raa_with_gaps().to_numpy())
    assert present.sum() == 55 - 3
    np.testing.assert_array_equal(
        present | ~observed_mask(10, 10), ~np.isin(np.arange(100), [10, 23, 51]).reshape(10, 10)
    )


def test_complete_triangle_gives_the_previous_results() -> None:
    # No missing cell: the shared observed mask, the figures of R ChainLadder's MackChainLadder(RAA)
    # (test_reserving.test_mack_raa), nothing reported missing.
    c = raa_frame()
    assert validate_triangle(c.to_numpy()).shape == (10, 10)
    np.testing.assert_array_equal(validate_triangle(c.to_numpy()), observed_mask(10, 10))
    r = chain_ladder(c, mack=True)
    assert round(r.ibnr.sum()) == 52_135
    assert round(r.total_mack_se) == 26_909
    assert r.missing == []
    assert (r.summary()["missing"] == 0).all()


def test_batch_with_missing_cells_matches_one_by_one_and_leaves_complete_triangles_exact() -> None:
    rng = np.random.default_rng(11)
    n = 6
    c = np.cumsum(rng.lognormal(8, 1, (8, n, n)), axis=2)
    c[:, ~observed_mask(n, n)] = np.nan
    complete = chain_ladder(c, mack=True)
    holed = c.copy()
    holed[2, 1, 2] = np.nan
    holed[5, 0, 3] = np.nan
    holed[5, 3, 2] = np.nan  # origin 3's latest diagonal: projected from development 1
    batch = chain_ladder(holed, mack=True)
    assert batch.missing == [(2, 1, 2), (5, 0, 3), (5, 3, 2)]
    np.testing.assert_array_equal(batch.missing_count[5], [1, 0, 0, 1, 0, 0])
    for k in range(8):
        one = chain_ladder(holed[k], mack=True)
        np.testing.assert_allclose(batch.factors[k], one.factors, rtol=1e-14)
        np.testing.assert_allclose(batch.ultimate[k], one.ultimate, rtol=1e-14)
        np.testing.assert_allclose(batch.mack_se[k], one.mack_se, rtol=1e-12)
        assert batch.total_mack_se[k] == pytest.approx(one.total_mack_se, rel=1e-12)
        np.testing.assert_allclose(batch.cash_flows[k], one.cash_flows, rtol=1e-12)
        if k not in (2, 5):  # same sums in the same order: bit for bit
            np.testing.assert_array_equal(batch.factors[k], complete.factors[k])
            np.testing.assert_array_equal(batch.mack_se[k], complete.mack_se[k])
            np.testing.assert_array_equal(batch.cash_flows[k], complete.cash_flows[k])


# --- a missing latest diagonal: projected from the latest present cell ------------------------------


def test_missing_diagonal_cell_projects_from_the_latest_present_one() -> None:
    c = np.array([[100.0, 150.0, 165.0], [110.0, np.nan, np.nan], [120.0, np.nan, np.nan]])
    r = chain_ladder(c)
    # Only origin 0 has a pair in either column: f = 150/100, 165/150.
    np.testing.assert_allclose(r.factors, [1.5, 1.1])
    # Origin 1 from its 110 at development 0: 110 · 1.5 · 1.1 = 181.5; origin 2: 120 · 1.65 = 198.
    np.testing.assert_allclose(r.latest, [165.0, 110.0, 120.0])
    np.testing.assert_allclose(r.ultimate, [165.0, 181.5, 198.0])
    np.testing.assert_allclose(r.ibnr, [0.0, 71.5, 78.0])
    np.testing.assert_allclose(r.full_triangle[1], [110.0, 165.0, 181.5])
    # Future calendar years: 16.5 + 60 then 18. Origin 1's 55 between development 0 and its
    # diagonal falls in a past year: in its IBNR, not in the cash flows.
    np.testing.assert_allclose(r.cash_flows, [76.5, 18.0])
    assert r.ibnr.sum() - r.cash_flows.sum() == pytest.approx(55.0)
    assert r.missing == [(1, 1)]


def test_an_interior_hole_stays_nan_in_the_full_triangle() -> None:
    r = chain_ladder(raa_with_gaps())
    assert np.isnan(r.full_triangle[2, 3]) and np.isnan(r.projected_incremental[2, 4])
    assert np.isfinite(r.cash_flows).all()
    assert r.ibnr.sum() == pytest.approx(r.cash_flows.sum(), rel=1e-12)  # every diagonal present


def _mack_by_the_book(c: np.ndarray) -> tuple[np.ndarray, float]:
    """Mack (1993) written out cell by cell: pairs with both cells present, each origin from its
    latest present cell, the covariance of two origins over the steps both still have to come."""
    n_o, n_d = c.shape
    ok = ~np.isnan(c)
    f, s, sigma2 = np.ones(n_d - 1), np.zeros(n_d - 1), np.zeros(n_d - 1)
    for k in range(n_d - 1):
        rows = [i for i in range(n_o) if ok[i, k] and ok[i, k + 1]]
        s[k] = sum(c[i, k] for i in rows)
        f[k] = sum(c[i, k + 1] for i in rows) / s[k]
        if len(rows) >= 2:
            sigma2[k] = sum(c[i, k] * (c[i, k + 1] / c[i, k] - f[k]) ** 2 for i in rows) / (len(rows) - 1)
        elif k >= 2:
            sigma2[k] = min(sigma2[k - 1] ** 2 / sigma2[k - 2], sigma2[k - 2], sigma2[k - 1])
    latest = [max(j for j in range(n_d) if ok[i, j]) for i in range(n_o)]
    path = np.zeros((n_o, n_d))
    for i in range(n_o):
        path[i, latest[i]] = c[i, latest[i]]
        for k in range(latest[i], n_d - 1):
            path[i, k + 1] = path[i, k] * f[k]
    ult = path[:, -1]
    w = sigma2 / f**2
    mse = np.array(
        [ult[i] ** 2 * sum(w[k] * (1 / path[i, k] + 1 / s[k]) for k in range(latest[i], n_d - 1)) for i in range(n_o)]
    )
    total = mse.sum()
    for i in range(n_o):
        for j in range(i + 1, n_o):
            total += 2 * ult[i] * ult[j] * sum(w[k] / s[k] for k in range(max(latest[i], latest[j]), n_d - 1))
    return np.sqrt(mse), float(np.sqrt(total))


def test_mack_with_missing_diagonal_cells_against_the_formula_written_out() -> None:
    rng = np.random.default_rng(5)
    n = 7
    c = np.cumsum(rng.lognormal(8, 1, (n, n)), axis=1)
    c[~observed_mask(n, n)] = np.nan
    # Origin 2 loses its diagonal and the cell before: latest present at 2, behind origin 3's 3, so the
    # origins are no longer in decreasing order of development — the covariance must follow the pairs.
    c[2, 3] = c[2, 4] = np.nan
    c[4, 1] = np.nan  # and an interior hole
    r = chain_ladder(c, mack=True)
    se, total = _mack_by_the_book(c)
    np.testing.assert_allclose(r.mack_se, se, rtol=1e-12)
    assert r.total_mack_se == pytest.approx(total, rel=1e-12)


def test_simple_average_uses_present_pairs_only() -> None:
    c = np.array([[100.0, 200.0, 210.0], [np.nan, 300.0, np.nan], [50.0, 75.0, np.nan], [40.0, np.nan, np.nan]])
    r = chain_ladder(c, average="simple")
    np.testing.assert_allclose(r.factors, [(2.0 + 1.5) / 2, 210.0 / 200.0])


# --- errors name what cannot be estimated ------------------------------------------------------------


def test_origin_with_no_present_cell_is_named() -> None:
    c = raa_frame()
    c.loc[1990, 12] = np.nan
    with pytest.raises(EngineError, match=r"origin 1990 has no present cell"):
        chain_ladder(c)
    batch = np.stack([raa_frame().to_numpy()] * 3)
    batch[1, 4, :6] = np.nan
    with pytest.raises(EngineError, match=r"triangle 1, origin 4 has no present cell"):
        chain_ladder(batch)


def test_a_single_diagonal_is_refused_not_an_ibnr_of_zero() -> None:
    only_diagonal = np.array([[np.nan, np.nan, 300.0], [np.nan, 200.0, np.nan], [100.0, np.nan, np.nan]])
    with pytest.raises(EngineError, match=r"one diagonal.*at least two diagonals"):
        chain_ladder(only_diagonal)
    batch = np.stack([_square(RAA)[:3, :3], only_diagonal])
    batch[0][~observed_mask(3, 3)] = np.nan
    with pytest.raises(EngineError, match=r"^triangle 1: .*one diagonal"):
        chain_ladder(batch)


def test_development_column_with_no_present_pair_is_named() -> None:
    c = raa_frame()
    c.loc[1981, 108] = np.nan  # 108→120 months: 1981 was the only origin with both
    with pytest.raises(EngineError, match=r"development 108 and development 120.*cannot be estimated"):
        chain_ladder(c)
    c = raa_frame()
    c.loc[1981, 96] = c.loc[1982, 108] = np.nan  # 96→108: 1981 and 1982 each lose a cell of the pair
    with pytest.raises(EngineError, match=r"factor from 96 to 108 cannot be estimated"):
        chain_ladder(c)


# --- triangles from dated movements -------------------------------------------------------------------


def test_movements_by_year() -> None:
    movements = pd.DataFrame(
        {
            "accident_date": ["2019-03-01", "2019-03-01", "2019-03-01", "2021-08-01", "2021-08-01", "2018-05-01"],
            "movement_date": ["2019-06-01", "2020-02-01", "2021-05-01", "2021-09-01", "2022-01-10", "2019-01-01"],
            "amount": [100.0, 40.0, -15.0, 60.0, 999.0, 7.0],
        }
    )
    tri = triangle_from_movements(movements, valuation_date="2021-12-31", first_period=2019)
    # 2019: 100, +40 a year on, −15 (a recovery) two years on; 2020: no movement, a row of zeros;
    # 2021: 60, its 2022 movement after the valuation date left out; the 2018 accident before
    # first_period dropped.
    expected = [[100.0, 140.0, 125.0], [0.0, 0.0, np.nan], [60.0, np.nan, np.nan]]
    np.testing.assert_array_equal(tri.to_numpy(), expected)
    assert tri.index.name == "accident_year" and list(tri.index) == [2019, 2020, 2021]
    assert tri.columns.name == "development" and list(tri.columns) == [0, 1, 2]
    inc = triangle_from_movements(movements, valuation_date="2021-12-31", first_period=2019, cumulative=False)
    np.testing.assert_array_equal(inc.to_numpy(), [[100.0, 40.0, -15.0], [0.0, 0.0, np.nan], [60.0, np.nan, np.nan]])
    # last_period before the valuation year: fewer origins, the same developments.
    short = triangle_from_movements(movements, valuation_date="2021-12-31", first_period=2019, last_period=2020)
    np.testing.assert_array_equal(short.to_numpy(), expected[:2])
    half = triangle_from_movements(movements, valuation_date="2021-12-31", first_period=2019, weights=[0.5] * 6)
    np.testing.assert_array_equal(half.to_numpy(), np.array(expected) / 2)
    # Without a valuation date, the last movement (2022-01-10) sets it, and 2018 opens the triangle.
    assert list(triangle_from_movements(movements).index) == [2018, 2019, 2020, 2021, 2022]


def test_movements_by_quarter() -> None:
    movements = pd.DataFrame(
        {
            "accident_date": ["2020-08-15", "2020-08-15", "2020-08-15", "2021-02-01", "2021-02-01"],
            "movement_date": ["2020-09-30", "2021-01-05", "2021-04-01", "2021-06-30", "2021-07-01"],
            "amount": [10.0, 5.0, -3.0, 8.0, 100.0],
        },
        index=["a", "b", "c", "d", "e"],
    )
    tri = triangle_from_movements(movements, grain="quarter", valuation_date="2021-06-30", first_period="2020Q3")
    # 2020Q3: 10 in its own quarter, 5 two quarters on (2021Q1), −3 three on (2021Q2);
    # 2020Q4 and 2021Q2: no accident, zeros; 2021Q1: 8 one quarter on; row "e" is after valuation.
    expected = [
        [10.0, 10.0, 15.0, 12.0],
        [0.0, 0.0, 0.0, np.nan],
        [0.0, 8.0, np.nan, np.nan],
        [0.0, np.nan, np.nan, np.nan],
    ]
    np.testing.assert_array_equal(tri.to_numpy(), expected)
    assert tri.index.name == "accident_quarter"
    assert list(tri.index) == list(pd.period_range("2020Q3", "2021Q2", freq="Q"))
    same = triangle_from_movements(
        movements, grain="quarter", valuation_date="2021-06-30", first_period=pd.Period("2020Q3", freq="Q")
    )
    pd.testing.assert_frame_equal(same, tri)
    # The quarterly triangle goes straight into the chain-ladder.
    r = chain_ladder(tri)
    assert r.factors[0] == pytest.approx((10.0 + 0.0 + 8.0) / (10.0 + 0.0 + 0.0))
    assert r.summary().index.name == "accident_quarter"


def test_movement_before_its_accident_names_the_row() -> None:
    movements = pd.DataFrame(
        {
            "accident_date": ["2020-05-01", "2020-05-01"],
            "movement_date": ["2020-06-01", "2020-04-01"],
            "amount": [1, 2],
        },
        index=["row-1", "row-2"],
    )
    with pytest.raises(EngineError, match=r"row 'row-2' is dated 2020-04-01, before its accident date 2020-05-01"):
        triangle_from_movements(movements)
    with pytest.raises(EngineError, match="grain must be 'year' or 'quarter'"):
        triangle_from_movements(movements.iloc[:1], grain="month")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match=r"first_period='soon' is not a quarter"):
        triangle_from_movements(movements.iloc[:1], grain="quarter", first_period="soon")
    with pytest.raises(EngineError, match=r"'movement_date' is missing"):
        triangle_from_movements(movements.drop(columns="movement_date"))
    with pytest.raises(EngineError, match=r"2021–2020 must run forward"):
        triangle_from_movements(movements.iloc[:1], first_period=2021, valuation_date="2020-12-31")
