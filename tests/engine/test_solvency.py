"""Premium and reserve risk SCR: Delegated Regulation (EU) 2015/35 art. 115–117 and the study."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assurdb.engine.errors import EngineError
from assurdb.engine.reserving import chain_ladder, to_cumulative
from assurdb.engine.solvency import (
    CORRELATION,
    SEGMENTS,
    SIGMA_PREMIUM,
    SIGMA_RESERVE,
    Premiums,
    diversification_factor,
    premium_reserve_scr,
    premium_reserve_scr_array,
    premium_volume,
)

MAT = "marine_aviation_transport"
DATA = Path(__file__).resolve().parents[2] / "engine" / "data" / "seed004_annex_triangles.csv"
SEED_DF = [0.95857058, 0.90444351, 0.85762326, 0.81864072]
#: The study, annex 09 rates (4 years: 5.13 %, the study's interpolation), discounted as 1/(1+r)^t.
SEED_CURVE = {1: 0.04322, 2: 0.0515, 3: 0.05253, 4: 0.0513}

#: The study, annexes 01–08: premiums earned 2021, written 2021, written 2020 (DA).
ANNEX_PREMIUMS = Premiums(earned_current=585_790_328, written_current=588_058_880, written_previous=446_279_322)


def test_seed_without_reinsurance() -> None:
    # The study, ch. 3 §2 / Tableau 22: V_prem 588 059, V_res 55 676, σ 14.202 %, SCR 274 275 (thousand
    # DA). The study prints V = 643 733, a slip: 588 059 + 55 676 = 643 735 (the SCR is the same).
    r = premium_reserve_scr({MAT: (588_059, 55_676)})
    assert r.volume == 643_735
    assert round(r.sigma * 100, 3) == 14.202
    assert round(r.scr) == 274_275
    assert r[MAT].div == 1.0
    assert r[MAT].scr == pytest.approx(r.scr)


def test_seed_treaty_x() -> None:
    # The study, ch. 3 §4 (retention 300 000, Tableau 24 / 29): V_res 42 492, V 630 551, σ 14.374 %,
    # SCR 271 909 (thousand DA).
    r = premium_reserve_scr({MAT: (588_059, 42_492)})
    assert r.volume == 630_551
    assert round(r.sigma * 100, 3) == 14.374
    assert round(r.scr) == 271_909


def test_seed_premium_volume_qis5_gross() -> None:
    # The study, ch. 3 §2: V_prem = max(585 790; 588 059; 446 279) = 588 059; annexes: 588 058 880 DA.
    assert premium_volume(ANNEX_PREMIUMS, form="qis5", premium_basis="gross") == 588_058_880
    # On a net basis the ceded part comes off field by field before the max.
    ceded = Premiums(earned_current=200_000_000, written_current=250_000_000, written_previous=10_000_000)
    assert premium_volume(ANNEX_PREMIUMS, ceded, form="qis5") == 446_279_322 - 10_000_000
    with pytest.raises(EngineError, match="needs the ceded"):
        premium_volume(ANNEX_PREMIUMS, form="qis5")


def test_premium_volume_regulation_form() -> None:
    # Art. 116(3): max(P_s, P_last,s) + FP_existing,s + FP_future,s, net of reinsurance.
    gross = Premiums(earned_next=120.0, earned_last=100.0, fp_existing=15.0, fp_future=5.0)
    ceded = Premiums(earned_next=30.0, earned_last=5.0, fp_existing=3.0, fp_future=1.0)
    assert premium_volume(gross, ceded) == max(90.0, 95.0) + 12.0 + 4.0
    assert premium_volume(gross, premium_basis="gross") == 140.0
    with pytest.raises(EngineError, match="fp_future is negative"):
        premium_volume(Premiums(fp_future=-1.0), Premiums())


#: The study, annexes 01–08: V. global, σ Global (%, 3 decimals), SCR réserve et prime (DA).
ANNEX_SCR = {
    "01": (633_816_294, 14.331, 272_490_434),
    "02": (636_147_116, 14.300, 272_907_311),
    "03": (637_715_451, 14.280, 273_188_675),
    "04": (638_426_699, 14.270, 273_316_502),
    "05": (639_275_884, 14.259, 273_469_306),
    "06": (640_355_386, 14.245, 273_663_844),
    "07": (641_634_733, 14.229, 273_894_817),
    "08": (642_913_934, 14.213, 274_126_219),
}
#: The study, annexes: their printed discounted cash flows ("CFF actualisées") summed, for the slip test.
ANNEX_01_PRINTED_CFF = 36_077_723.436 + 7_600_492.409 + 1_893_469.723 + 185_727.606


def _annex_best_estimate(annex: str, curve: bool = False) -> float:
    long = pd.read_csv(DATA, dtype={"annex": str})
    rows = long[long["annex"] == annex]
    incremental = rows.pivot(index="accident_year", columns="development", values="paid").astype(float)
    r = chain_ladder(to_cumulative(incremental))
    return float(r.best_estimate(spot_curve=SEED_CURVE) if curve else r.best_estimate(SEED_DF))


@pytest.mark.parametrize("annex", sorted(ANNEX_SCR))
def test_annex_scr_from_the_triangles(annex: str) -> None:
    # The study, annexes 01–08 / Tableau 29: triangle → BE → SCR. σ to the printed 3 decimals; SCR to
    # the unit for 01–04, 07, 08; annexes 05 and 06 land 0.56 and 0.52 below the printed unit
    # (273 469 305.44, 273 663 843.48): see test_annex_rounding_explained.
    v_global, sigma_pct, scr = ANNEX_SCR[annex]
    v_prem = premium_volume(ANNEX_PREMIUMS, form="qis5", premium_basis="gross")
    r = premium_reserve_scr({MAT: (v_prem, _annex_best_estimate(annex))})
    assert round(r.sigma * 100, 3) == sigma_pct
    assert abs(r.volume - v_global) <= 1.0
    assert abs(r.scr - scr) <= 1.0
    if annex not in ("05", "06"):
        assert round(r.scr) == scr
    # Tableau 29 prints the same SCRs in thousand DA.
    assert round(r.scr / 1000) == round(scr / 1000)


def test_annex_rounding_explained() -> None:
    # The off-by-one units of the study's annexes (V. global of 01 and 07, SCR of 05 and 06) all vanish
    # if the written premium 2021 carried decimals the annexes do not print: with the study's own
    # discount factors (1/(1+r)^t on annex 09), any value in [588 058 880.33, 588 058 880.47)
    # reproduces every V. global and SCR to the unit, given annex 01's own discounted cash flows (its
    # printed triangle is rounded to the DA, its cells were not).
    for v_prem in (588_058_880.33, 588_058_880.40, 588_058_880.46):
        for annex, (v_global, _, scr) in ANNEX_SCR.items():
            be = ANNEX_01_PRINTED_CFF if annex == "01" else _annex_best_estimate(annex, curve=True)
            r = premium_reserve_scr({MAT: (v_prem, be)})
            assert round(r.volume) == v_global, (v_prem, annex)
            assert round(r.scr) == scr, (v_prem, annex)


def test_annex_ii_factors() -> None:
    # Delegated Regulation 2015/35 Annex II (as amended by 2019/981), σ_prem / σ_res.
    expected = {
        "motor_vehicle_liability": (0.10, 0.09),
        "other_motor": (0.08, 0.08),
        MAT: (0.15, 0.11),
        "fire_property": (0.08, 0.10),
        "general_liability": (0.14, 0.11),
        "credit_suretyship": (0.19, 0.172),
        "legal_expenses": (0.083, 0.055),
        "assistance": (0.064, 0.22),
        "miscellaneous_financial_loss": (0.13, 0.20),
        "np_casualty": (0.17, 0.20),
        "np_marine_aviation_transport": (0.17, 0.20),
        "np_property": (0.17, 0.20),
    }
    assert tuple(expected) == SEGMENTS
    for s, (p, r) in expected.items():
        assert (SIGMA_PREMIUM[s], SIGMA_RESERVE[s]) == (p, r)


ANNEX_IV = """
1    .5   .5   .25  .5   .25  .5   .25  .5   .25  .25  .25
.5   1    .25  .25  .25  .25  .5   .5   .5   .25  .25  .25
.5   .25  1    .25  .25  .25  .25  .5   .5   .25  .5   .25
.25  .25  .25  1    .25  .25  .25  .5   .5   .25  .5   .5
.5   .25  .25  .25  1    .5   .5   .25  .5   .5   .25  .25
.25  .25  .25  .25  .5   1    .5   .25  .5   .5   .25  .25
.5   .5   .25  .25  .5   .5   1    .25  .5   .5   .25  .25
.25  .5   .5   .5   .25  .25  .25  1    .5   .25  .25  .5
.5   .5   .5   .5   .5   .5   .5   .5   1    .25  .5   .25
.25  .25  .25  .25  .5   .5   .5   .25  .25  1    .25  .25
.25  .25  .5   .5   .25  .25  .25  .25  .5   .25  1    .25
.25  .25  .25  .5   .25  .25  .25  .5   .25  .25  .25  1
"""


def test_annex_iv_matrix_as_in_spec() -> None:
    spec = np.array([[float(x) for x in line.split()] for line in ANNEX_IV.strip().splitlines()])
    np.testing.assert_array_equal(CORRELATION, spec)
    np.testing.assert_array_equal(CORRELATION, CORRELATION.T)
    assert (np.linalg.eigvalsh(CORRELATION) > 0).all()


def test_two_segments_by_hand() -> None:
    # Art. 117(1)–(2) computed by hand for MAT and fire (CorrS = 0.25), DIV = 1.
    vp1, vr1, vp2, vr2 = 100.0, 40.0, 300.0, 60.0
    s1 = np.sqrt((0.15 * vp1) ** 2 + 0.15 * vp1 * 0.11 * vr1 + (0.11 * vr1) ** 2) / (vp1 + vr1)
    s2 = np.sqrt((0.08 * vp2) ** 2 + 0.08 * vp2 * 0.10 * vr2 + (0.10 * vr2) ** 2) / (vp2 + vr2)
    v1, v2 = vp1 + vr1, vp2 + vr2
    sv = np.sqrt((s1 * v1) ** 2 + (s2 * v2) ** 2 + 2 * 0.25 * s1 * v1 * s2 * v2)
    r = premium_reserve_scr({MAT: (vp1, vr1), "fire_property": (vp2, vr2)})
    assert r.volume == v1 + v2
    assert r.sigma == pytest.approx(sv / (v1 + v2))
    assert r.scr == pytest.approx(3 * sv)
    assert r["fire_property"].sigma == pytest.approx(s2)
    table = r.to_frame()
    assert table.loc["total", "scr"] == pytest.approx(r.scr)


def test_np_reinsurance_adjustment() -> None:
    # Art. 117(3): 80 % for segments 1, 4, 5 only.
    r = premium_reserve_scr({"fire_property": (100, 0), MAT: (100, 0)}, np_reinsurance=True)
    assert r["fire_property"].sigma_prem == pytest.approx(0.064)
    assert r[MAT].sigma_prem == 0.15
    some = premium_reserve_scr(
        {"general_liability": (100, 0), "fire_property": (1, 0)}, np_reinsurance=["general_liability"]
    )
    assert some["general_liability"].sigma_prem == pytest.approx(0.112)
    assert some["fire_property"].sigma_prem == 0.08
    with pytest.raises(EngineError, match="applies only to"):
        premium_reserve_scr({MAT: (1, 0)}, np_reinsurance=[MAT])


def test_div_from_regions() -> None:
    # Annex III: two equal regions → DIV = ½ → V_s = (V_prem + V_res)·0.875.
    assert diversification_factor({"EEA": (10, 5), "Africa": (10, 5)}) == 0.5
    assert diversification_factor({"only": (3, 1)}) == 1.0
    r = premium_reserve_scr({MAT: (20, 10)}, div={MAT: {"EEA": (10, 5), "Africa": (10, 5)}})
    assert r[MAT].div == 0.5
    assert r.volume == pytest.approx(30 * 0.875)
    with pytest.raises(EngineError, match="add up to"):
        premium_reserve_scr({MAT: (20, 10)}, div={MAT: {"EEA": (10, 5)}})
    assert premium_reserve_scr({MAT: (20, 10)}, div={MAT: 0.6})[MAT].div == 0.6


def test_bad_input() -> None:
    with pytest.raises(EngineError, match="unknown segment"):
        premium_reserve_scr({"cargo": (1, 1)})
    with pytest.raises(EngineError, match="V_prem is negative"):
        premium_reserve_scr({MAT: (-1, 1)})
    with pytest.raises(EngineError, match="no segment"):
        premium_reserve_scr({})
    # Art. 116(6): a negative net Best Estimate counts as 0.
    assert premium_reserve_scr({MAT: (100, -50)}).scr == pytest.approx(premium_reserve_scr({MAT: (100, 0)}).scr)


def test_kernel_vectorised_over_scenarios() -> None:
    rng = np.random.default_rng(3)
    vp = rng.uniform(0, 100, (50, 12))
    vr = rng.uniform(0, 100, (50, 12))
    sp = [SIGMA_PREMIUM[s] for s in SEGMENTS]
    sr = [SIGMA_RESERVE[s] for s in SEGMENTS]
    *_, scr = premium_reserve_scr_array(vp, vr, sigma_prem=sp, sigma_res=sr)
    for k in (0, 17, 49):
        one = premium_reserve_scr({s: (vp[k, i], vr[k, i]) for i, s in enumerate(SEGMENTS)})
        assert scr[k] == pytest.approx(one.scr)


_volume = st.floats(0, 1e9, allow_nan=False)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(_volume, _volume), min_size=12, max_size=12),
    st.integers(0, 11),
    st.floats(0, 1e8),
    st.booleans(),
)
def test_scr_monotone_in_volume(vols: list[tuple[float, float]], seg: int, bump: float, reserve: bool) -> None:
    base = dict(zip(SEGMENTS, vols, strict=True))
    p, r = base[SEGMENTS[seg]]
    bigger = {**base, SEGMENTS[seg]: (p, r + bump) if reserve else (p + bump, r)}
    assert premium_reserve_scr(bigger).scr >= premium_reserve_scr(base).scr * (1 - 1e-12) - 1e-6
