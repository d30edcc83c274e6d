"""The synthetic marine-cargo portfolio against the study's published marginals (Tableaux 13–21).

Table figures are in thousand DA as printed; the portfolio is in DA.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.portfolio import MarineCargoPortfolio, annex11_bands, payment_pattern, synthetic_marine_cargo
from assurdb.engine.reserving import chain_ladder
from assurdb.engine.solvency import premium_volume

K = 1_000.0  # the tables' thousand DA

#: Tableaux 14 and 15: lower bound of the band (thousand DA) → (policies, sum of sums insured).
TSI_BANDS = {
    0: (19_576, 223_532_362),
    50_000: (1_615, 113_524_249),
    100_000: (1_015, 122_839_349),
    150_000: (607, 105_150_565),
    200_000: (242, 52_778_502),
    250_000: (135, 36_871_581),
    300_000: (422, 181_967_185),
    600_000: (765, 584_557_628),
    900_000: (425, 432_986_442),
    1_200_000: (228, 303_937_156),
    1_500_000: (138, 221_195_214),
    1_800_000: (48, 92_657_653),
    2_100_000: (29, 65_686_870),
    2_400_000: (62, 212_402_643),
}
#: Tableaux 17, 18 and 21 (bands of Tableau 14, all above 300 000 together): premiums, claim counts,
#: claim charges.
CLAIM_BANDS = {
    0: (315_441, 640, 175_527),
    50_000: (120_570, 69, 103_151),
    100_000: (112_875, 241, 24_134),
    150_000: (91_493, 228, 18_936),
    200_000: (56_257, 57, 7_133),
    250_000: (33_624, 11, 6_052),
    300_000: (1_980_818, 224, 535_501),
}


@pytest.fixture(scope="module")
def portfolio() -> MarineCargoPortfolio:
    return synthetic_marine_cargo(seed=0)


def _band(tsi: pd.Series, lows: list[int]) -> np.ndarray:
    return np.asarray(lows)[np.searchsorted(np.asarray(lows, float) * K, tsi.to_numpy(), side="right") - 1]


def test_size_and_years(portfolio: MarineCargoPortfolio) -> None:
    # The study, ch. 3 §1.1: 25 307 policies/shipments written 2017–2021; Tableau 18: 1 470 claims.
    pol, claims = portfolio.policies, portfolio.claims
    assert len(pol) == 25_307
    assert pol["policy_id"].is_unique and claims["claim_id"].is_unique
    assert set(pol["underwriting_year"]) == {2017, 2018, 2019, 2020, 2021}
    assert len(claims) == 1_470
    assert set(claims["accident_year"]) == {2017, 2018, 2019, 2020, 2021}


def test_tableau_13_extremes(portfolio: MarineCargoPortfolio) -> None:
    # Tableau 13: sum 2 750 087 397, maximum 7 514 472, minimum 2 (thousand DA).
    tsi = portfolio.policies["sum_insured"]
    assert tsi.sum() / K == pytest.approx(2_750_087_397, rel=1e-6)
    assert tsi.max() == pytest.approx(7_514_472 * K, rel=1e-6)
    assert tsi.min() >= 2 * K


def test_tableaux_14_15_policies_and_sums_insured(portfolio: MarineCargoPortfolio) -> None:
    pol = portfolio.policies
    band = _band(pol["sum_insured"], list(TSI_BANDS))
    for low, (count, tsi) in TSI_BANDS.items():
        mine = pol["sum_insured"][band == low]
        assert len(mine) == count, low  # exact
        assert mine.sum() / K == pytest.approx(tsi, rel=0.02), low


def test_tableaux_17_18_21_premiums_and_claims(portfolio: MarineCargoPortfolio) -> None:
    pol, claims = portfolio.policies, portfolio.claims
    band = _band(pol["sum_insured"], list(CLAIM_BANDS))
    claim_band = _band(claims["sum_insured"], list(CLAIM_BANDS))
    for low, (premium, n_claims, charge) in CLAIM_BANDS.items():
        assert pol["premium"][band == low].sum() / K == pytest.approx(premium, rel=0.02), low
        assert (claim_band == low).sum() == pytest.approx(n_claims, rel=0.02), low
        assert claims["amount"][claim_band == low].sum() / K == pytest.approx(charge, rel=0.02), low
    # Totals: Tableau 16/17 premiums 2 711 078, Tableau 20/21 charge 870 434 (thousand DA).
    assert pol["premium"].sum() / K == pytest.approx(2_711_078, rel=0.02)
    assert claims["amount"].sum() / K == pytest.approx(870_434, rel=0.02)


def test_annex11_bands_exact(portfolio: MarineCargoPortfolio) -> None:
    # The study, annex 11 per 50-million band: policies, sums insured, premiums, claim counts and
    # amounts are reproduced to the DA (sums insured, premiums, amounts by construction).
    bands = annex11_bands()
    pol = portfolio.policies.merge(
        portfolio.claims.groupby("policy_id").agg(k=("claim_id", "size"), amount=("amount", "sum")),
        on="policy_id",
        how="left",
    ).fillna({"k": 0, "amount": 0.0})
    got = pol.groupby("band", sort=False).agg(
        policies=("policy_id", "size"),
        sum_insured=("sum_insured", "sum"),
        premium=("premium", "sum"),
        claims=("k", "sum"),
        claim_amount=("amount", "sum"),
    )
    assert len(got) == len(bands) == 79
    np.testing.assert_array_equal(got["policies"], bands["policies"])
    np.testing.assert_array_equal(got["claims"], bands["claims"])
    for col in ("sum_insured", "premium", "claim_amount"):
        np.testing.assert_allclose(got[col], bands[col], rtol=1e-9, atol=1e-3)


def test_claims_are_consistent(portfolio: MarineCargoPortfolio) -> None:
    pol = portfolio.policies.set_index("policy_id")
    claims = portfolio.claims
    own = pol.loc[claims["policy_id"]]
    assert (claims["accident_date"].to_numpy() >= own["inception_date"].to_numpy()).all()
    assert (claims["accident_date"].to_numpy() <= own["expiry_date"].to_numpy()).all()
    assert (claims["amount"].to_numpy() <= own["sum_insured"].to_numpy() * (1 + 1e-12)).all()
    assert (claims["amount"] > 0).all()
    np.testing.assert_allclose(claims["paid"] + claims["outstanding"], claims["amount"])
    assert (claims["outstanding"] >= -1e-6).all()
    # Tableau 34, scenario 01: at most 5 shipments (policies) per vessel event.
    assert claims.groupby("event_id")["policy_id"].nunique().max() <= 5


def test_payments(portfolio: MarineCargoPortfolio) -> None:
    pay, claims = portfolio.payments, portfolio.claims
    np.testing.assert_allclose(
        pay.groupby("claim_id")["amount"].sum().to_numpy(), claims.set_index("claim_id")["amount"].to_numpy()
    )
    assert (pay["payment_date"] >= pay["accident_date"]).all()
    assert (pay["payment_date"].dt.year - pay["accident_date"].dt.year == pay["development"]).all()
    # Claims are paid like the annex triangles: the mean share paid in each development year is the
    # annex 08 pattern (chain-ladder of the study, annex 08: 27 %, 65 %, 4 %, 3 %, 0.6 %).
    pattern = payment_pattern()
    np.testing.assert_allclose(pattern, [0.2745, 0.6468, 0.0429, 0.0300, 0.0058], atol=1e-4)
    share = pay.pivot_table(index="claim_id", columns="development", values="amount", aggfunc="sum", fill_value=0)
    share = share.div(share.sum(axis=1), axis=0).mean()
    np.testing.assert_allclose(share.to_numpy(), pattern, atol=0.03)


def test_triangles_and_surplus_net(portfolio: MarineCargoPortfolio) -> None:
    gross = portfolio.paid_triangle()
    assert list(gross.index) == [2017, 2018, 2019, 2020, 2021]
    assert gross.shape == (5, 5)
    r = chain_ladder(gross)
    assert (r.factors >= 1).all()
    # A surplus treaty, R = 500 000 thousand DA, 10 lines: retained share per policy.
    tsi = portfolio.policies["sum_insured"].to_numpy()
    retention, lines = 500_000 * K, 10
    cession = np.minimum(np.maximum(0.0, 1 - retention / tsi), lines * retention / tsi)
    net = portfolio.paid_triangle(policy_share=1 - cession)
    assert (net.fillna(0).to_numpy() <= gross.fillna(0).to_numpy() + 1e-6).all()
    assert np.nansum(net.to_numpy()) < np.nansum(gross.to_numpy())
    by_claim = portfolio.paid_triangle(share=1 - cession[portfolio.claims["policy_id"].to_numpy() - 1])
    pd.testing.assert_frame_equal(net, by_claim)


def test_premium_volume_like_the_annexes(portfolio: MarineCargoPortfolio) -> None:
    # Annexes 01–08: earned 2021 585 790 328, written 2021 588 058 880, written 2020 446 279 322 DA.
    p = portfolio.premiums(2021)
    assert p.written_current == pytest.approx(588_058_880, rel=0.02)
    assert p.written_previous == pytest.approx(446_279_322, rel=0.02)
    assert p.earned_current == pytest.approx(585_790_328, rel=0.02)
    assert premium_volume(p, form="qis5", premium_basis="gross") == pytest.approx(588_058_880, rel=0.02)


def test_reproducible(portfolio: MarineCargoPortfolio) -> None:
    again = synthetic_marine_cargo(seed=0)
    pd.testing.assert_frame_equal(again.policies, portfolio.policies)
    pd.testing.assert_frame_equal(again.claims, portfolio.claims)
    pd.testing.assert_frame_equal(again.payments, portfolio.payments)
    other = synthetic_marine_cargo(seed=1)
    assert not np.array_equal(other.policies["sum_insured"], portfolio.policies["sum_insured"])
    # The marginals hold for another seed too.
    band = _band(other.policies["sum_insured"], list(TSI_BANDS))
    assert [(band == low).sum() for low in TSI_BANDS] == [c for c, _ in TSI_BANDS.values()]
