"""The scenario method's portfolio from the stored business, on a book computed by hand (every
DBMS), and the defaults taken from the data (grid, band width)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from assurdb.domain.primitives import create_loss, create_loss_movement, create_policy, create_treaties, damage
from assurdb.domain.primitives.treaties import NewTreaty
from assurdb.engine.errors import EngineError
from assurdb.engine.optimise.stored import (
    CurrentTreaty,
    band_width,
    nice_step,
    retention_grid,
    stored_portfolio,
)
from assurdb.engine.stored import StoredBusiness
from tests.domain.conftest import DUPONT, POLICY, D, fire_policy, guaranty, ok

OTHER = "654321-87"


def _surplus(year: int, retention: int, lines: int, commission: int) -> NewTreaty:
    return NewTreaty(
        {"code": f"SUR-{year % 100}", "underwriting_year": year, "inception": dt.date(year, 1, 1),
         "expiry": dt.date(year, 12, 31), "kind": "surplus", "rank": 2, "classes": ["FIRE"],
         "retention": D(retention), "lines": D(lines), "commission_pct": D(commission)},
        {"XRE": D(100)}, leader="XRE",
    )  # fmt: skip


def _book(s: Any) -> None:
    """1986: the FIRE policy of two guaranties (100 000 and 20 000); 1987: a FIRE policy of 40 000.
    L1 (1986) damages no guaranty: it spreads 5/6, 1/6 by the sums insured; paid 1 000 in 1986,
    2 000 in 1987, 500 recovered in 1988. L2 (1987) damages the 1987 guaranty, reserved 3 000."""
    fire_policy(s)
    ok(
        create_policy(
            s,
            {"policy_no": OTHER, "class_of_business": "FIRE", "territory": "BE", "cover_start": dt.date(1987, 1, 1),
             "cover_end": dt.date(1987, 12, 31), "sum_insured": D("40000.00"), "premium": D("300.00")},
            [{"peril": "FIRE", "sum_insured": D("40000.00"), "premium": D("300.00")}],
            insured=DUPONT,
            handling_cell="B1-DEP",
            intermediary="AG1",
        )
    )  # fmt: skip
    ok(create_treaties(s, [_surplus(1986, 50_000, 3, 20), _surplus(1987, 60_000, 4, 25)]))
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1)}, policy_no=POLICY))
    ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 3, 2), D(5000)))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 5, 10), D(1000)))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1987, 2, 1), D(2000)))
    ok(create_loss_movement(s, "L1", "recovery", dt.date(1988, 1, 10), D(500)))
    ok(create_loss(s, {"code": "L2", "loss_date": dt.date(1987, 6, 1)}, policy_no=OTHER))
    ok(damage(s, guaranty(OTHER, no=1), "L2", amount=D(3000)))
    ok(create_loss_movement(s, "L2", "reserve", dt.date(1987, 6, 2), D(3000)))


def test_the_stored_book_by_hand(org: Any) -> None:
    s = org
    _book(s)
    stored = StoredBusiness(s)
    book = stored_portfolio(stored)
    assert book.class_of_business == "FIRE" and book.as_of == dt.datetime(1988, 1, 10)
    assert book.current == CurrentTreaty("SUR-87", 1987, 60_000.0, 4.0, 0.25)
    currencies = set(stored.frame("PRA")["currency"].dropna())
    assert book.currency == (next(iter(currencies)) if currencies else None)
    data = book.data
    assert data.tsi.tolist() == [100_000.0, 20_000.0, 40_000.0]
    assert data.premium.tolist() == [600.0, 400.0, 300.0]
    assert data.years.tolist() == [1986, 1987] and data.policy_year.tolist() == [0, 0, 1]
    assert data.valuation_year == 1988 and data.origins.tolist() == [1986, 1987, 1988]
    incurred = stored.losses().set_index("code")["incurred"]
    claims = book.table[book.table["claim_amount"].notna()].set_index("policy_id")
    l1 = claims[claims["loss_code"] == "L1"]
    assert l1.index.tolist() == [f"{POLICY}/0/1", f"{POLICY}/0/2"]
    assert l1["claim_amount"].to_numpy() == pytest.approx(incurred["L1"] * np.array([5 / 6, 1 / 6]))
    # by development year: 1 000; 2 000 less the 500 recovered the year after; nothing left for 1988
    assert l1[["paid_0", "paid_1", "paid_2"]].sum().to_numpy() == pytest.approx([1000.0, 1500.0, 0.0])
    l2 = claims.loc[f"{OTHER}/0/1"]
    assert (l2["loss_code"], l2["claim_amount"], l2["accident_year"], l2["event_id"]) == ("L2", 3000.0, 1987, "L2")
    assert data.n_claims == 3 and data.shipments_per_event == 2  # L1's two guaranties: one event
    assert data.claim_amount.sum() == pytest.approx(incurred["L1"] + incurred["L2"])
    with pytest.raises(EngineError, match=r"one underwriting year \(1986\)"):
        stored_portfolio(stored, "FIRE", as_of=dt.date(1986, 12, 31))
    with pytest.raises(EngineError, match=r"no term of class 'MOTOR'.*FIRE"):
        stored_portfolio(stored, "MOTOR")


@pytest.mark.parametrize(
    ("value", "step"), [(1.0, 1.0), (1.2, 2.0), (2.2, 2.5), (3.0, 5.0), (7.0, 10.0), (41_000.0, 50_000.0)]
)
def test_nice_step(value: float, step: float) -> None:
    assert nice_step(value) == step


def test_retention_grid_from_the_sums_insured() -> None:
    tsi = np.geomspace(10_000, 2_000_000, 500)
    grid = retention_grid(tsi)
    assert 10 <= grid.size <= 21 and (np.diff(grid) == grid[1] - grid[0]).all()
    assert grid[0] <= np.quantile(tsi, 0.5) and grid[-1] >= np.quantile(tsi, 0.99)
    assert 3_000_000.0 in retention_grid(tsi, include=3_000_000.0)
    assert retention_grid(np.full(5, 80_000.0)).tolist()[-1] == 80_000.0  # one size: up to it
    with pytest.raises(EngineError):
        retention_grid([-1.0])


def test_band_width() -> None:
    assert band_width([1_000.0, 56_000.0], [50_000.0, 100_000.0]) == 20_000.0  # 56 000 / 5, rounded up
    assert band_width([5e6], [1e5, 2e5]) == 50_000.0  # capped at the largest retention
    assert band_width([], [1e5, 2e5, 3e5]) == 20_000.0  # a tenth of the middle retention, rounded up
