"""A layer developed over several evaluations (``develop``: a column each) gives, column for column,
to the bit, what ``cede`` gives on that column alone — on the paths the development takes without
the whole computation: events of one loss each, a layer no loss reaches, a stop loss of one treaty
year; and :class:`~assurdb.engine.grouping.Runs` adds its runs as pandas' ``groupby().sum()`` does, and
:func:`~assurdb.engine.grouping.index_of` finds keys as a hash of them would."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.grouping import Runs, index_of
from assurdb.engine.treaties import ExcessOfLoss, FlatPremium, Reinstatements, StopLoss

EVALUATIONS = 5


def _development(n: int, seed: int, *, scale: float = 1.0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``n`` losses over two treaty years, their paid and outstanding to the cent at each evaluation."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 700, n)
    dates = np.datetime64("2023-01-01") + days.astype("timedelta64[D]")
    incurred = np.round(rng.lognormal(9.0, 1.6, (n, 1)) * scale * np.linspace(0.6, 1.0, EVALUATIONS), 2)
    paid = np.round(incurred * np.clip(np.linspace(0.0, 1.2, EVALUATIONS) - rng.random((n, 1)) * 0.3, 0.0, 1.0), 2)
    frame = pd.DataFrame({"loss_id": [f"L{i:05d}" for i in range(n)], "date": dates.astype("datetime64[s]")})
    return frame, paid, np.round(incurred - paid, 2)


def _column_by_column(layer: ExcessOfLoss | StopLoss, frame: pd.DataFrame, paid: np.ndarray, os_: np.ndarray,
                      **given: object) -> list[tuple[np.ndarray, ...]]:  # fmt: skip
    columns = []
    for j in range(paid.shape[1]):
        alone = frame.assign(paid=paid[:, j], outstanding=os_[:, j], amount=paid[:, j] + os_[:, j])
        ceded, _ = layer.cede(alone, **given)  # type: ignore[arg-type]
        figures = [ceded["ceded_paid"].to_numpy(), ceded["ceded_outstanding"].to_numpy()]
        if isinstance(layer, ExcessOfLoss):
            figures.append(ceded["reinstatement_premium"].to_numpy())
        columns.append(tuple(figures))
    return columns


def _same_bits(developed: tuple[np.ndarray, ...], columns: list[tuple[np.ndarray, ...]]) -> None:
    for j, alone in enumerate(columns):
        for got, expected in zip(developed, alone, strict=False):
            # +0.0 and -0.0 alike (the engine rounds every figure to the cent, 0.0 + x), every other bit equal
            np.testing.assert_array_equal((got[:, j] + 0.0).view(np.uint64), (expected + 0.0).view(np.uint64))


def _layers(priority: float) -> list[ExcessOfLoss]:
    clause = Reinstatements(count=2, rates=[1.0, 0.5])
    return [
        ExcessOfLoss(40_000, priority, basis="risk", reinstatements=clause, premium=FlatPremium(30_000)),
        ExcessOfLoss(60_000, priority, aad=25_000, basis="event", reinstatements=clause, premium=FlatPremium(50_000)),
        ExcessOfLoss(60_000, priority, basis="event", aggregate_limit=150_000),
    ]


@pytest.mark.parametrize("events", ["none", "named"])
@pytest.mark.parametrize("priority", [20_000.0, 1e12])  # reached by some losses, by none
def test_excess_develop_is_cede_column_by_column(events: str, priority: float) -> None:
    frame, paid, os_ = _development(400, seed=11)
    if events == "named":  # two losses in three in one of nine events, the others on their own
        frame["event_id"] = [f"E{i % 9}" if i % 3 else None for i in range(len(frame))]
    else:  # no loss names an event: each an event of its own
        frame["event_id"] = pd.Series([None] * len(frame), dtype=object)
    for layer in _layers(priority):
        developed = layer.develop(frame[["date", "event_id"]], paid, os_)
        _same_bits(developed, _column_by_column(layer, frame, paid, os_))
        if priority > 1e11:  # out of reach: nothing ceded, no reinstatement
            assert all(not figures.any() for figures in developed)


@pytest.mark.parametrize("years", [1, 2])
def test_stop_loss_develop_is_cede_column_by_column(years: int) -> None:
    frame, paid, os_ = _development(300, seed=5, scale=0.2)
    if years == 1:  # one treaty year: one priority and one limit for every row
        frame["date"] = frame["date"].clip(upper=pd.Timestamp("2023-12-31"))
    income = {2023: 4_000_000.0, 2024: 3_000_000.0}
    layer = StopLoss(0.4, 0.8, terms="loss_ratio", premium_income=income)
    developed = layer.develop(frame[["date"]], paid, os_)
    _same_bits(developed, _column_by_column(layer, frame, paid, os_))


@pytest.mark.parametrize("longest", [2, 5])
@pytest.mark.parametrize("values", ["plain", "nulls", "signed zeros"])
def test_runs_add_as_pandas_groupby_sum(longest: int, values: str) -> None:
    rng = np.random.default_rng(longest)
    key = np.repeat(np.arange(2_000), rng.integers(1, longest + 1, 2_000))
    amounts = np.round(rng.lognormal(8.0, 3.0, key.size) * rng.choice([-1.0, 1.0], key.size), 2)
    if values == "nulls":
        amounts[rng.random(key.size) < 0.1] = np.nan
    if values == "signed zeros":
        amounts[rng.random(key.size) < 0.5] = -0.0
    expected = pd.Series(amounts).groupby(key, sort=False).sum().to_numpy(copy=True)
    expected[np.bincount(key) == 1] += 0.0  # a run of one row: 0.0 + its value (Runs.sum's one difference)
    np.testing.assert_array_equal(Runs(key).sum(amounts).view(np.uint64), expected.view(np.uint64))


@pytest.mark.parametrize("among", ["every key wanted", "some not wanted", "some missing", "unsorted"])
def test_index_of_finds_keys_as_a_hash_does(among: str) -> None:
    rng = np.random.default_rng(3)
    known = np.unique(rng.integers(0, 10**9, 5_000))
    wanted = np.repeat(known, rng.integers(1, 5, known.size))  # each key of ``known``, one to four times
    if among == "some not wanted":
        wanted = wanted[wanted % 3 != 0]
    if among == "some missing":
        wanted = np.sort(np.concatenate([wanted, known[::7] + 1]))
    if among == "unsorted":
        wanted = rng.permutation(wanted)
    expected = pd.Index(known).get_indexer(pd.Index(wanted))
    np.testing.assert_array_equal(index_of(wanted, known), expected)
