"""Quota share and surplus: the worked examples of the study, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.treaties import FixedCommission, QuotaShare, SlidingScaleCommission, Surplus


def test_surplus_tableau_3_cessions() -> None:
    # the study, Tableau 3 (R = 500 000, 10 lines): sums insured and their cessions.
    tsi = np.array([400_000, 500_000, 1_000_000, 2_000_000, 5_000_000], dtype=float)
    rate = Surplus(retention=500_000, lines=10).cession_rate(tsi)
    np.testing.assert_allclose(rate, [0.0, 0.0, 0.50, 0.75, 0.90])  # the study, Tableau 3 "Taux de cession"
    np.testing.assert_allclose(rate * tsi, [0, 0, 500_000, 1_500_000, 4_500_000])  # the study, Tableau 3 "Cession"
    np.testing.assert_allclose(tsi - rate * tsi, [400_000, 500_000, 500_000, 500_000, 500_000])  # Tableau 3 "Rétention"


def test_surplus_tableau_3_capacity() -> None:
    s = Surplus(retention=500_000, lines=10)
    assert s.capacity == 5_000_000  # the study §2.1.2 example: capacité du traité 5 000 000
    assert s.underwriting_limit == 5_500_000  # the study §2.1.2 example: capacité de souscription 5 500 000


def test_surplus_tableau_11_losses() -> None:
    # the study, Tableau 11 (R = 300 000, 10 lines): claims 80 000, 200 000, 1 200 000.
    losses = pd.DataFrame(
        {"loss_id": [1, 2, 3], "tsi": [130_000.0, 700_000.0, 2_000_000.0], "amount": [80_000.0, 200_000.0, 1_200_000.0]}
    )
    out = Surplus(retention=300_000, lines=10).apply(losses)
    assert out["ceded_amount"].iloc[0] == 0.0  # the study, Tableau 11, police 01
    assert out["ceded_amount"].iloc[1] == pytest.approx(
        114_285.714286, abs=1e-5
    )  # Tableau 11: 114 286 (unrounded: 114 285.71)
    assert out["ceded_amount"].iloc[2] == pytest.approx(1_020_000.0)  # the study, Tableau 11, police 03
    assert round(out["ceded_amount"].iloc[1]) == 114_286  # the study, Tableau 11 as printed
    np.testing.assert_allclose(out["retained_amount"] + out["ceded_amount"], losses["amount"])


def test_surplus_tableau_12_premiums_unrounded() -> None:
    # the study, Tableau 12: premiums 10 000, 20 000, 100 000 cede 0, 11 400, 85 000 — the study rounds
    # the rate of police 02 to 57 % first; the engine does not, so 20 000 × 4/7.
    portfolio = pd.DataFrame({"tsi": [130_000.0, 700_000.0, 2_000_000.0], "premium": [10_000.0, 20_000.0, 100_000.0]})
    out = Surplus(300_000, 10).apply(portfolio)
    np.testing.assert_allclose(out["ceded_premium"], [0.0, 20_000 * 4 / 7, 85_000.0])  # Tableau 12, unrounded
    assert round(out["cession_rate"].iloc[1], 2) == 0.57  # the study, Tableau 12: 57 %
    assert out["cession_rate"].iloc[2] == pytest.approx(0.85)  # the study, Tableau 12: 85 %


def test_surplus_reasons_and_facultative() -> None:
    # Above (1+m)·R = 3 300 000 the surplus cedes m·R = 3 000 000 and the rest needs facultative cover.
    out = Surplus(300_000, 10).apply(
        pd.DataFrame({"tsi": [100_000.0, 2_000_000.0, 5_000_000.0], "premium": [1.0, 1.0, 1.0]})
    )
    assert out["cession_rate"].iloc[2] == pytest.approx(3_000_000 / 5_000_000)  # the study formula, capacity bound
    assert out["facultative_tsi"].tolist() == [0.0, 0.0, 1_700_000.0]
    reasons = out["reason"].astype(str).tolist()
    assert reasons[0].startswith("TSI ≤ R 300 000")
    assert "1 − 300 000/TSI" in reasons[1]
    assert "needs facultative cover" in reasons[2] and "3 300 000" in reasons[2]


def test_surplus_zero_sum_insured_cedes_nothing() -> None:
    out = Surplus(300_000, 10).apply(pd.DataFrame({"tsi": [0.0], "premium": [0.0]}))
    assert out["cession_rate"].iloc[0] == 0.0


def test_quota_share_seed_004_example() -> None:
    # the study §2.1.1 example: a 70 % quota share cedes 70 % of premiums and 70 % of every loss.
    frame = pd.DataFrame({"premium": [1_000.0, 250.0], "amount": [400.0, 0.0]})
    out = QuotaShare(share=0.70, commission=0.30).apply(frame)
    np.testing.assert_allclose(out["ceded_premium"], [700.0, 175.0])
    np.testing.assert_allclose(out["ceded_amount"], [280.0, 0.0])
    np.testing.assert_allclose(out["commission"], [210.0, 52.5])  # 30 % of the ceded premium
    assert set(out["reason"].astype(str)) == {"quota share: rate 70 %"}


def test_quota_share_limit_on_sum_insured() -> None:
    # The treaty notes, §1.3: a proportional limit refers to a policy's sum insured: 50 % QS, 1 000 000 per risk.
    frame = pd.DataFrame(
        {"tsi": [1_000_000.0, 4_000_000.0], "premium": [100.0, 400.0], "amount": [500_000.0, 4_000_000.0]}
    )
    out = QuotaShare(0.5, limit=1_000_000).apply(frame)
    np.testing.assert_allclose(out["cession_rate"], [0.5, 0.25])
    np.testing.assert_allclose(out["ceded_amount"], [250_000.0, 1_000_000.0])
    assert "capped at 1 000 000" in str(out["reason"].iloc[1])


def test_quota_share_limit_on_losses_without_sum_insured() -> None:
    frame = pd.DataFrame({"paid": [3_000_000.0, 100.0], "outstanding": [1_000_000.0, 0.0]})
    out = QuotaShare(0.5, limit=1_000_000).apply(frame)
    np.testing.assert_allclose(out["ceded_paid"], [1_000_000.0, 50.0])
    np.testing.assert_allclose(out["ceded_outstanding"], [0.0, 0.0])
    assert "accumulation" in str(out["reason"].iloc[0])


def test_settle_commissions_per_year() -> None:
    qs = QuotaShare(
        0.5,
        commission=SlidingScaleCommission(
            provisional=0.30, minimum=0.25, maximum=0.35, loss_ratio_at_maximum=0.50, loss_ratio_at_minimum=0.70
        ),
    )
    settled = qs.settle([1_000.0, 1_000.0], [400.0, 600.0])
    # loss ratio 40 % → 35 %, 60 % → 30 % (linear between 50 % and 70 %).
    np.testing.assert_allclose(settled["commission"], [350.0, 300.0])
    np.testing.assert_allclose(settled["commission_adjustment"], [50.0, 0.0])


def test_fixed_commission_object() -> None:
    out = Surplus(300_000, 10, commission=FixedCommission(0.38)).apply(
        pd.DataFrame({"tsi": [2_000_000.0], "premium": [100_000.0]})
    )
    assert out["commission"].iloc[0] == pytest.approx(0.38 * 85_000)  # the study, Tableaux 12 and 23 (38 %)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"retention": 0, "lines": 10}, "retention"),
        ({"retention": -1, "lines": 10}, "retention"),
        ({"retention": 300_000, "lines": 0}, "lines"),
        ({"retention": 300_000, "lines": float("nan")}, "lines"),
    ],
)
def test_surplus_refuses_bad_parameters(kwargs: dict[str, float], word: str) -> None:
    with pytest.raises(EngineError, match=word):
        Surplus(**kwargs)


@pytest.mark.parametrize("share", [0, -0.1, 1.5])
def test_quota_share_refuses_bad_share(share: float) -> None:
    with pytest.raises(EngineError, match="share"):
        QuotaShare(share)


def test_missing_and_negative_columns_are_named() -> None:
    with pytest.raises(EngineError, match="'tsi'"):
        Surplus(300_000, 10).apply(pd.DataFrame({"premium": [1.0]}))
    with pytest.raises(EngineError, match="at least one amount column"):
        Surplus(300_000, 10).apply(pd.DataFrame({"tsi": [1.0]}))
    with pytest.raises(EngineError, match=r"'premium'.*negative"):
        Surplus(300_000, 10).apply(pd.DataFrame({"tsi": [1.0], "premium": [-5.0]}))
    with pytest.raises(EngineError, match=r"'tsi'.*negative"):
        Surplus(300_000, 10).apply(pd.DataFrame({"tsi": [-1.0], "premium": [5.0]}))
    with pytest.raises(EngineError, match="DataFrame"):
        QuotaShare(0.5).apply([1, 2])  # type: ignore[arg-type]


def test_empty_portfolio() -> None:
    out = Surplus(300_000, 10).apply(pd.DataFrame({"tsi": pd.Series(dtype=float), "premium": pd.Series(dtype=float)}))
    assert out.empty and "ceded_premium" in out.columns and "reason" in out.columns


def test_input_index_and_columns_kept() -> None:
    frame = pd.DataFrame({"policy_id": ["p1", "p2"], "tsi": [1e6, 2e5], "premium": [10.0, 2.0]}, index=[10, 20])
    out = Surplus(300_000, 10).apply(frame)
    assert out.index.tolist() == [10, 20]
    assert out["policy_id"].tolist() == ["p1", "p2"]
