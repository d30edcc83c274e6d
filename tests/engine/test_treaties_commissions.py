"""Commission schemes and premium schemes (the study §3.1–3.2 define them; figures by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.treaties import (
    DepositPremium,
    FixedCommission,
    FlatPremium,
    MinimumDepositPremium,
    ProfitCommission,
    SlidingScaleCommission,
    payback,
    rate_on_line,
)


def scale(step: float | None = None) -> SlidingScaleCommission:
    return SlidingScaleCommission(
        provisional=0.30,
        minimum=0.25,
        maximum=0.35,
        loss_ratio_at_maximum=0.55,
        loss_ratio_at_minimum=0.65,
        loss_ratio_step=step,
    )


def test_fixed_commission() -> None:
    # the study, Tableau 23: 38 % of the ceded premium.
    np.testing.assert_allclose(FixedCommission(0.38).amount(np.array([1_000.0]), np.array([0.0])), [380.0])


def test_sliding_scale_one_for_one() -> None:
    # 35 % at a loss ratio ≤ 55 %, 25 % at ≥ 65 %: one point of commission per point of loss ratio.
    np.testing.assert_allclose(
        scale().rate([0.40, 0.55, 0.60, 0.625, 0.65, 0.90]), [0.35, 0.35, 0.30, 0.275, 0.25, 0.25]
    )
    premium, claims = np.array([1_000.0]), np.array([600.0])
    assert scale().amount(premium, claims)[0] == pytest.approx(300.0)
    assert scale().adjustment(premium, np.array([500.0]))[0] == pytest.approx(50.0)  # 35 % − 30 % provisional


def test_sliding_scale_full_steps() -> None:
    # "for each full 1 % of loss ratio": 62.5 % counts as 62 %.
    assert scale(step=0.01).rate(0.625)[0] == pytest.approx(0.28)
    assert scale(step=0.01).rate(0.62)[0] == pytest.approx(0.28)


def test_sliding_scale_checks() -> None:
    with pytest.raises(EngineError, match="provisional"):
        SlidingScaleCommission(0.5, 0.25, 0.35, 0.55, 0.65)
    with pytest.raises(EngineError, match="loss_ratio_at_minimum"):
        SlidingScaleCommission(0.3, 0.25, 0.35, 0.65, 0.55)


def test_profit_commission_with_deficit_carried_forward() -> None:
    pc = ProfitCommission(rate=0.20, expense_allowance=0.05)
    table = pc.compute(premium=[1_000.0, 1_000.0, 1_000.0], claims=[1_200.0, 500.0, 500.0], commission=[300.0] * 3)
    # result = premium − claims − commission − 5 % expenses: −550, 150, 150.
    np.testing.assert_allclose(table["result"], [-550.0, 150.0, 150.0])
    np.testing.assert_allclose(table["deficit_carried_forward"], [550.0, 400.0, 250.0])
    np.testing.assert_allclose(table["profit_commission"], [0.0, 0.0, 0.0])
    later = pc.compute(premium=[1_000.0, 1_000.0], claims=[1_200.0, 0.0], commission=[300.0, 300.0])
    np.testing.assert_allclose(later["profit_commission"], [0.0, 0.20 * (650.0 - 550.0)])


def test_profit_commission_deficit_lapses() -> None:
    pc = ProfitCommission(rate=0.5, carry_forward_years=1)
    table = pc.compute(premium=[0.0, 0.0, 100.0], claims=[100.0, 0.0, 0.0])
    # The year-1 deficit may be used in year 2 only; year 3's profit is free of it.
    np.testing.assert_allclose(table["profit_commission"], [0.0, 0.0, 50.0])
    none = ProfitCommission(rate=0.5, carry_forward_years=0).compute(premium=[0.0, 100.0], claims=[100.0, 0.0])
    np.testing.assert_allclose(none["profit_commission"], [0.0, 50.0])


def test_premium_schemes() -> None:
    # the study §3.2: PD adjusted both ways, PMD upward only, PF never.
    assert DepositPremium(100_000, 0.02).final(4_000_000) == pytest.approx(80_000)
    assert DepositPremium(100_000, 0.02).adjustment(4_000_000) == pytest.approx(-20_000)
    assert MinimumDepositPremium(100_000, 0.02).final(4_000_000) == pytest.approx(100_000)
    assert MinimumDepositPremium(100_000, 0.02).adjustment(6_000_000) == pytest.approx(20_000)
    assert FlatPremium(100_000).final(6_000_000) == 100_000
    assert FlatPremium(100_000).adjustment(6_000_000) == 0.0


def test_rate_on_line_and_payback() -> None:
    # the study §3.2: ROL = ceded premium / capacity; payback = capacity / ceded premium.
    # the study, Tableau 30: ROL 22.01 % for a 4 500 000 capacity (premium 990 450 implied).
    assert rate_on_line(990_450.0, 4_500_000.0) == pytest.approx(0.2201)
    assert payback(990_450.0, 4_500_000.0) == pytest.approx(1 / 0.2201)
    assert payback(0.0, 1.0) == float("inf")
    with pytest.raises(EngineError, match="capacity"):
        rate_on_line(1.0, 0.0)
