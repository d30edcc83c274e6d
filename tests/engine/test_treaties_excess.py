"""Excess of loss per risk and per event, AAD, aggregate limit, reinstatements, index clause."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.treaties import ExcessOfLoss, IndexClause, MinimumDepositPremium, Reinstatements


def losses_frame(
    amounts: list[float],
    *,
    paid: list[float] | None = None,
    events: list[object] | None = None,
    dates: list[str] | None = None,
) -> pd.DataFrame:
    n = len(amounts)
    frame = pd.DataFrame(
        {
            "loss_id": [chr(ord("A") + i) for i in range(n)],
            "date": pd.to_datetime(dates or [f"2018-{i + 1:02d}-15" for i in range(n)]),
            "amount": amounts,
        }
    )
    if paid is not None:
        frame["paid"] = paid
        frame["outstanding"] = np.asarray(amounts) - np.asarray(paid)
    if events is not None:
        frame["event_id"] = events
    return frame


def seed_001_losses() -> pd.DataFrame:
    # the treaty notes: A 2 000 000 OS, B 500 000 OS, C 4 000 000 OS, D 5 000 000 paid, in that order.
    return losses_frame([2_000_000, 500_000, 4_000_000, 5_000_000], paid=[0, 0, 0, 5_000_000])


def test_seed_004_per_risk() -> None:
    # the study §2.2.1, cas 01: 9 000 000 xs 1 000 000, risks of 4, 6 and 11 million.
    out = ExcessOfLoss(limit=9_000_000, priority=1_000_000).apply(losses_frame([4e6, 6e6, 11e6]))
    assert out["ceded"].tolist() == [3e6, 5e6, 9e6]
    assert out["ceded"].sum() == 17_000_000  # the study cas 01: le réassureur, 17 millions
    assert out["retained"].sum() == 4_000_000  # the study cas 01: charge nette de l'assureur, 4 millions
    assert "capped at the limit 9 000 000" in str(out["reason"].iloc[2])


def test_seed_004_per_event() -> None:
    # the study §2.2.1, cas 02: the three losses come from one event.
    out = ExcessOfLoss(limit=9_000_000, priority=1_000_000, basis="event").apply(
        losses_frame([4e6, 6e6, 11e6], events=["E", "E", "E"])
    )
    assert out["ceded"].sum() == pytest.approx(9_000_000)  # the study cas 02: le réassureur, 9 millions
    assert out["retained"].sum() == pytest.approx(12_000_000)  # the study cas 02: l'assureur, 12 millions
    np.testing.assert_allclose(out["ceded"], np.array([4, 6, 11]) / 21 * 9e6)  # shared pro rata
    assert (out["event_amount"] == 21e6).all()
    assert "per event" in str(out["reason"].iloc[0])


def test_seed_001_aad_paid_first() -> None:
    xl = ExcessOfLoss(limit=5e6, priority=1e6, aad=3e6, aggregate_limit=5e6)
    out = xl.apply(seed_001_losses())
    # the treaty notes: layer amounts before the AAD: A 1 000 000 OS, B 0, C 3 000 000 OS, D 4 000 000 paid.
    assert out["layer_outstanding"].tolist() == [1e6, 0, 3e6, 0]
    assert out["layer_paid"].tolist() == [0, 0, 0, 4e6]
    # the treaty notes, "priorité des Paid sur l'OS": A 1 000 000 OS, B 0, C 3 000 000 OS, D 1 000 000 paid.
    assert out["ceded_outstanding"].tolist() == [1e6, 0, 3e6, 0]
    assert out["ceded_paid"].tolist() == [0, 0, 0, 1e6]
    assert out["absorbed_by_aad"].tolist() == [0, 0, 0, 3e6]  # the AAD of 3 000 000 falls on D's payment
    assert out["absorbed_by_aad_paid"].sum() == 3e6
    assert out["ceded"].sum() == 5e6  # the treaty notes: "nous atteignons la limite (5.000.000 €)"
    assert xl.summary_.loc[2018, "aggregate_remaining"] == 0.0


def test_seed_001_fifth_loss_gets_nothing() -> None:
    # the treaty notes: "Si un nouveau sinistre survenait, par application de la limitation, nous ne le prendrions pas".
    frame = pd.concat(
        [seed_001_losses(), losses_frame([3e6], paid=[3e6], dates=["2018-09-01"]).assign(loss_id="E")],
        ignore_index=True,
    )
    out = ExcessOfLoss(limit=5e6, priority=1e6, aad=3e6, aggregate_limit=5e6).apply(frame)
    assert out["ceded"].iloc[4] == 0.0
    assert "aggregate limit 5 000 000 exhausted" in str(out["reason"].iloc[4])
    # E is paid too, but D's earlier payment already took the whole AAD; A, C and D fill the limit.
    assert out["absorbed_by_aad"].tolist() == [0, 0, 0, 3e6, 0]
    assert out["ceded"].tolist() == [1e6, 0, 3e6, 1e6, 0]
    assert out["ceded"].sum() == pytest.approx(5e6)


def test_seed_001_aad_in_date_order() -> None:
    # the treaty notes, before paid priority: "le montant du sinistre A, de 1.000.000 € et 2.000.000 € pour le
    # sinistre C, tombe dans l'AAD … uniquement les sinistres C (1.000.000 €) et D (4.000.000 €)".
    out = ExcessOfLoss(limit=5e6, priority=1e6, aad=3e6, aggregate_limit=5e6, aad_priority="date").apply(
        seed_001_losses()
    )
    assert out["absorbed_by_aad"].tolist() == [1e6, 0, 2e6, 0]
    assert out["ceded"].tolist() == [0, 0, 1e6, 4e6]


def test_paid_and_outstanding_split_of_one_loss() -> None:
    # The priority is consumed by payments first: 4 000 000 incurred of which 2 000 000 paid.
    out = ExcessOfLoss(limit=5e6, priority=1e6).apply(losses_frame([4e6], paid=[2e6]))
    assert out["ceded_paid"].iloc[0] == 1e6
    assert out["ceded_outstanding"].iloc[0] == 2e6


def test_aggregate_limit_cuts_the_last_loss_in_date_order() -> None:
    frame = losses_frame([3e6, 3e6, 3e6], dates=["2018-03-01", "2018-01-01", "2018-02-01"])
    out = ExcessOfLoss(limit=5e6, priority=1e6, aggregate_limit=5e6).apply(frame)
    # By date: B (Jan) 2 000 000, C (Feb) 2 000 000, A (Mar) cut to 1 000 000.
    assert out["ceded"].tolist() == [1e6, 2e6, 2e6]
    assert "cut at the aggregate limit 5 000 000" in str(out["reason"].iloc[0])


def test_aggregates_restart_each_treaty_year() -> None:
    frame = losses_frame([3e6, 3e6], dates=["2018-06-01", "2019-06-01"])
    xl = ExcessOfLoss(limit=5e6, priority=1e6, aad=1e6, aggregate_limit=1.5e6)
    out = xl.apply(frame)
    assert out["ceded"].tolist() == [1e6, 1e6]
    assert xl.summary_.index.tolist() == [2018, 2019]


def test_inception_month_moves_the_treaty_year() -> None:
    frame = losses_frame([3e6, 3e6], dates=["2018-06-30", "2018-07-01"])
    out = ExcessOfLoss(limit=5e6, priority=1e6, inception_month=7).apply(frame)
    assert out["treaty_year"].tolist() == [2017, 2018]


def test_reinstatements_pro_rata_capita() -> None:
    # 5 000 000 xs 1 000 000, one reinstatement at 100 %, annual premium 500 000 (hand computation).
    frame = losses_frame([4e6, 7e6, 8e6])
    xl = ExcessOfLoss(limit=5e6, priority=1e6, reinstatements=Reinstatements(count=1, rates=1.0), premium=500_000)
    out = xl.apply(frame)
    assert xl.effective_aggregate_limit == 10e6  # L·(1+k)
    assert out["ceded"].tolist() == [3e6, 5e6, 2e6]  # the third loss is cut at the aggregate 10 000 000
    # reinstated: 3 000 000 then 2 000 000 (the last 5 000 000 is not reinstated)
    np.testing.assert_allclose(out["reinstatement_premium"], [300_000.0, 200_000.0, 0.0])


def test_reinstatements_with_two_rates_and_pro_rata_temporis() -> None:
    xl = ExcessOfLoss(
        limit=1e6,
        priority=1e6,
        reinstatements=Reinstatements(count=2, rates=(1.0, 1.5), pro_rata_temporis=True),
        premium=100_000,
    )
    out = xl.apply(losses_frame([3e6, 3e6], dates=["2018-01-01", "2018-07-02"]))
    # Loss 1 on 1 January (whole year left) uses band 1 at 100 %; loss 2 on 2 July (183 of 365 days
    # left) uses band 2 at 150 %.
    np.testing.assert_allclose(out["reinstatement_premium"], [100_000.0, 150_000.0 * 183 / 365])


def test_reinstatement_premium_on_adjusted_premium() -> None:
    xl = ExcessOfLoss(
        limit=1e6, priority=1e6, reinstatements=Reinstatements(1, 1.0), premium=MinimumDepositPremium(50_000, 0.02)
    )
    out = xl.apply(losses_frame([2e6]), subject_premium=5_000_000)
    assert out["reinstatement_premium"].iloc[0] == pytest.approx(100_000.0)  # max(50 000, 2 % × 5 000 000)


def test_aggregate_limit_and_reinstatements_take_the_smaller() -> None:
    xl = ExcessOfLoss(limit=5e6, priority=1e6, aggregate_limit=7e6, reinstatements=Reinstatements(3, 0.0))
    assert xl.effective_aggregate_limit == 7e6


def test_index_clause_with_threshold() -> None:
    index = pd.Series({2018: 100.0, 2019: 110.0})
    frame = losses_frame([3e6], dates=["2019-05-01"])
    indexed = ExcessOfLoss(limit=5e6, priority=1e6, index_clause=IndexClause(index, base=100.0)).apply(frame)
    assert indexed["priority_applied"].iloc[0] == pytest.approx(1.1e6)
    assert indexed["ceded"].iloc[0] == pytest.approx(1.9e6)
    assert "indexed" in str(indexed["reason"].iloc[0])
    within = ExcessOfLoss(limit=5e6, priority=1e6, index_clause=IndexClause(index, base=100.0, threshold=0.10)).apply(
        frame
    )
    assert within["ceded"].iloc[0] == pytest.approx(2e6)


def test_index_clause_on_dates() -> None:
    index = pd.Series([100.0, 120.0], index=pd.to_datetime(["2018-01-01", "2018-07-01"]))
    out = ExcessOfLoss(limit=5e6, priority=1e6, index_clause=IndexClause(index, base=100.0)).apply(
        losses_frame([3e6, 3e6], dates=["2018-03-01", "2018-09-01"])
    )
    np.testing.assert_allclose(out["priority_applied"], [1e6, 1.2e6])
    with pytest.raises(EngineError, match="no value"):
        ExcessOfLoss(limit=5e6, priority=1e6, index_clause=IndexClause(index, base=100.0)).apply(
            losses_frame([3e6], dates=["2017-03-01"])
        )


def test_event_without_id_is_its_own_event() -> None:
    out = ExcessOfLoss(limit=9e6, priority=1e6, basis="event").apply(
        losses_frame([4e6, 6e6, 11e6], events=["E", "E", None])
    )
    np.testing.assert_allclose(out["ceded"], [3.6e6, 5.4e6, 9e6])


def test_zero_losses_are_listed() -> None:
    out = ExcessOfLoss(limit=5e6, priority=1e6).apply(losses_frame([0.0, 2e6]))
    assert out["ceded"].tolist() == [0.0, 1e6]


def test_empty_losses() -> None:
    xl = ExcessOfLoss(limit=5e6, priority=1e6, aad=1e6, basis="event")
    empty = losses_frame([1.0], events=["E"]).iloc[:0]
    out = xl.apply(empty)
    assert out.empty and {"ceded_paid", "ceded_outstanding", "absorbed_by_aad", "reason"} <= set(out.columns)
    assert xl.summary_.empty


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"limit": 0, "priority": 1e6}, "limit"),
        ({"limit": 5e6, "priority": 0}, "priority"),
        ({"limit": 5e6, "priority": -1}, "priority"),
        ({"limit": 5e6, "priority": 1e6, "aad": -1}, "aad"),
        ({"limit": 5e6, "priority": 1e6, "aggregate_limit": 0}, "aggregate_limit"),
        ({"limit": 5e6, "priority": 1e6, "basis": "year"}, "basis"),
        ({"limit": 5e6, "priority": 1e6, "reinstatements": Reinstatements(1, 1.0)}, "premium"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], word: str) -> None:
    with pytest.raises(EngineError, match=word):
        ExcessOfLoss(**kwargs)  # type: ignore[arg-type]


def test_bad_reinstatements() -> None:
    with pytest.raises(EngineError, match="count"):
        Reinstatements(count=-1)
    with pytest.raises(EngineError, match="rates"):
        Reinstatements(count=2, rates=(1.0,))


def test_bad_loss_frames() -> None:
    xl = ExcessOfLoss(limit=5e6, priority=1e6)
    with pytest.raises(EngineError, match="'loss_id'"):
        xl.apply(losses_frame([1.0]).drop(columns="loss_id"))
    with pytest.raises(EngineError, match="'date'"):
        xl.apply(losses_frame([1.0]).drop(columns="date"))
    with pytest.raises(EngineError, match="'amount'"):
        xl.apply(losses_frame([1.0]).drop(columns="amount"))
    with pytest.raises(EngineError, match="'event_id'"):
        ExcessOfLoss(limit=5e6, priority=1e6, basis="event").apply(losses_frame([1.0]))
    with pytest.raises(EngineError, match=r"'amount'.*negative"):
        xl.apply(losses_frame([-1.0]))
    with pytest.raises(EngineError, match=r"'paid' \+ 'outstanding'"):
        xl.apply(losses_frame([10.0], paid=[4.0]).assign(outstanding=1.0))
    with pytest.raises(EngineError, match="'paid' exceeds"):
        xl.apply(losses_frame([10.0]).assign(paid=11.0))


@pytest.mark.parametrize("given", ["amount", "paid", "both"])
def test_ceded_frame_owns_its_columns(given: str) -> None:
    # The new columns are handed to pandas without a copy: none may be the input frame's memory or
    # another column's, so that writing into the result leaves the input and the other columns alone.
    frame = losses_frame([2e6, 7e6, 0.0], paid=[1e6, 7e6, 0.0])
    if given == "amount":
        frame = frame.drop(columns=["paid", "outstanding"])
    elif given == "paid":
        frame = frame.drop(columns="outstanding")
    before = frame.copy()
    out, summary = ExcessOfLoss(limit=5e6, priority=1e6, aggregate_limit=8e6).cede(frame)
    # Written by the treaty: its own columns, and paid and outstanding unless both were given.
    written = {"paid", "outstanding"} if given != "both" else set()
    new = [c for c in out.columns if (c not in frame.columns or c in written) and c != "reason"]
    for i, name in enumerate(new):
        values = out[name].to_numpy()
        assert not any(np.shares_memory(values, frame[c].to_numpy()) for c in frame.columns), name
        assert not any(np.shares_memory(values, out[other].to_numpy()) for other in new[i + 1 :]), name
        out.loc[out.index[0], name] = -1
    pd.testing.assert_frame_equal(frame, before)
    assert (out[new].iloc[1:] >= 0).all().all()
    summary.loc[summary.index[0], "ceded"] = -1
    assert (summary[["units", "gross", "layer", "ceded_paid", "aggregate_remaining"]] >= 0).all().all()
