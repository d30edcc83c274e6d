"""Stop loss in loss-ratio terms and in amounts (the study §2.2.2: "40 % SL 80 %")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.treaties import StopLoss


def year_losses(amounts: list[float], year: int = 2021, paid: list[float] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "loss_id": range(len(amounts)),
            "date": pd.to_datetime([f"{year}-{i % 12 + 1:02d}-01" for i in range(len(amounts))]),
            "amount": amounts,
        }
    )
    if paid is not None:
        frame["paid"] = paid
        frame["outstanding"] = np.asarray(amounts) - np.asarray(paid)
    return frame


@pytest.mark.parametrize(
    ("annual_losses", "recovery"),
    [
        # the study §2.2.2: "40 % SL 80 %": the part of the loss ratio above 80 %, at most 40 %
        (700_000.0, 0.0),  # loss ratio 70 %: below the priority
        (1_000_000.0, 200_000.0),  # loss ratio 100 %: 20 points recovered
        (1_200_000.0, 400_000.0),  # loss ratio 120 %: exactly the 40 % limit
        (1_500_000.0, 400_000.0),  # loss ratio 150 %: capped at 40 %
    ],
)
def test_seed_004_forty_xs_eighty(annual_losses: float, recovery: float) -> None:
    sl = StopLoss(limit=0.40, priority=0.80, premium_income=1_000_000)
    out = sl.apply(year_losses([annual_losses / 2, annual_losses / 2]))
    assert out["ceded"].sum() == pytest.approx(recovery)
    assert sl.summary_.loc[2021, "recovery_ratio"] == pytest.approx(recovery / 1_000_000)
    assert sl.summary_.loc[2021, "loss_ratio"] == pytest.approx(annual_losses / 1_000_000)


def test_recovery_goes_to_the_losses_that_cross_the_priority() -> None:
    out = StopLoss(limit=0.40, priority=0.80, premium_income=1_000_000).apply(year_losses([500_000.0, 500_000.0]))
    assert out["ceded"].tolist() == [0.0, 200_000.0]
    assert "annual priority" in str(out["reason"].iloc[0])


def test_priority_absorbed_by_paid_first() -> None:
    out = StopLoss(limit=1e6, priority=600_000, terms="amount").apply(
        year_losses([500_000.0, 500_000.0], paid=[0.0, 500_000.0])
    )
    # 500 000 of the 600 000 priority falls on the paid second loss, 100 000 on the first one's OS.
    assert out["absorbed_by_priority_paid"].tolist() == [0.0, 500_000.0]
    assert out["absorbed_by_priority_outstanding"].tolist() == [100_000.0, 0.0]
    assert out["ceded_outstanding"].tolist() == [400_000.0, 0.0]


def test_amount_terms_and_limit_amount() -> None:
    out = StopLoss(limit=2e6, priority=3e6, terms="amount").apply(year_losses([4e6, 2e6]))
    assert out["ceded"].sum() == pytest.approx(2e6)
    capped = StopLoss(limit=0.4, priority=0.8, limit_amount=100_000, premium_income=1e6).apply(year_losses([2e6]))
    assert capped["ceded"].sum() == pytest.approx(100_000)


def test_premium_income_per_year() -> None:
    frame = pd.concat([year_losses([1e6], 2020), year_losses([1e6], 2021)], ignore_index=True)
    sl = StopLoss(limit=0.4, priority=0.8, premium_income={2020: 1e6, 2021: 2e6})
    out = sl.apply(frame)
    assert out["ceded"].tolist() == [200_000.0, 0.0]
    with pytest.raises(EngineError, match="2021"):
        StopLoss(limit=0.4, priority=0.8, premium_income={2020: 1e6}).apply(frame)


def test_errors() -> None:
    with pytest.raises(EngineError, match="premium_income"):
        StopLoss(limit=0.4, priority=0.8).apply(year_losses([1.0]))
    with pytest.raises(EngineError, match="priority"):
        StopLoss(limit=0.4, priority=0)
    with pytest.raises(EngineError, match="terms"):
        StopLoss(limit=0.4, priority=0.8, terms="ratio")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="'date'"):
        StopLoss(limit=1, priority=1, terms="amount").apply(year_losses([1.0]).drop(columns="date"))


def test_empty() -> None:
    sl = StopLoss(limit=0.4, priority=0.8, premium_income=1e6)
    assert sl.apply(year_losses([1.0]).iloc[:0]).empty
    assert sl.summary_.empty
