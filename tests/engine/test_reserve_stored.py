"""Reserves of the stored business (engine/reserving/stored.py) on every backend: hand-computed
triangles gross and net of a quota share and a per-risk layer, the Best Estimate on both bases,
and the refusals. tests/engine/test_stored_commands.py runs the commands on a synthetic company."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assurdb.domain.primitives import (
    create_loss,
    create_loss_movement,
    create_renewal,
    create_treaty,
)
from assurdb.engine.errors import EngineError
from assurdb.engine.reserving.stored import reserve
from assurdb.engine.stored import StoredBusiness
from tests.domain.conftest import POLICY, D, fire_policy, ok

YEAR_86 = {"underwriting_year": 1986, "inception": dt.date(1986, 1, 1), "expiry": dt.date(1986, 12, 31)}
YEAR_87 = {"underwriting_year": 1987, "inception": dt.date(1987, 1, 1), "expiry": dt.date(1987, 12, 31)}


def _two_years(s: Any) -> None:
    """L1 (1986) paid 1 000 in 1986 and 500 in 1987; L2 (1987, on the renewal) paid 800 in 1987.
    A 30 % quota share of 1986 (risks attaching) and a 500 xs 500 per-risk layer of 1987 (losses
    occurring), both on fire."""
    fire_policy(s)
    ok(create_renewal(s, POLICY))
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1)}, policy_no=POLICY))
    ok(create_loss(s, {"code": "L2", "loss_date": dt.date(1987, 2, 1)}, policy_no=POLICY))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 6, 1), D(1000)))
    ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 6, 1), D(900)))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1987, 5, 1), D(500)))
    ok(create_loss_movement(s, "L2", "payment", dt.date(1987, 4, 1), D(800)))
    ok(create_treaty(s, {**YEAR_86, "code": "QS-86", "kind": "quota_share", "classes": ["FIRE"], "share_pct": D(30)}))
    xl = {
        "code": "XL-87",
        "kind": "risk_xl",
        "rank": 2,
        "attachment": "LOD",
        "layer": {"priority": D(500), "limit": D(500)},
    }
    ok(create_treaty(s, {**YEAR_87, **xl}))


def test_reserves_gross_and_net_by_hand(org: Any) -> None:
    _two_years(org)
    result = reserve(StoredBusiness(org), basis="paid", grain="year")
    assert result.valuation_date == dt.datetime(1987, 5, 1)
    gross, net = result.gross, result.net
    assert gross.triangle.fillna(-1).values.tolist() == [[1000, 1500], [800, -1]]
    assert gross.fit.factors.tolist() == [1.5]
    assert gross.totals["ibnr"] == pytest.approx(400) and gross.totals["ultimate"] == pytest.approx(2700)
    # net: 1986 keeps 70 %; L2's 800 gives 300 to the 500 xs 500 layer
    assert net.triangle.fillna(-1).values.tolist() == [[700, 1050], [500, -1]]
    assert net.totals["ibnr"] == pytest.approx(250)
    # incurred: L1's reserve counts from 1986 (1 000 paid + 900 outstanding), 1987 pays 500 of it
    incurred = reserve(StoredBusiness(org), basis="incurred")
    assert incurred.gross.triangle.fillna(-1).values.tolist() == [[1900, 1900], [800, -1]]
    # its Best Estimate is what is left to pay: L1's 400 outstanding (no IBNR: the factor is 1)
    assert incurred.gross.fit.factors.tolist() == [1.0] and incurred.gross.best_estimate == pytest.approx(400)
    # undiscounted by default; a flat 10 % discounts the one future year's 400 by 1/1.1
    assert gross.best_estimate == pytest.approx(400)
    discounted = reserve(StoredBusiness(org), rate=0.10).gross
    assert discounted.best_estimate == pytest.approx(400 / 1.1)
    curve = reserve(StoredBusiness(org), curve={1: 0.05, 5: 0.05}).gross
    assert curve.best_estimate == pytest.approx(400 / 1.05)


def test_what_reserve_refuses(org: Any) -> None:
    stored = StoredBusiness(org)
    with pytest.raises(EngineError, match="no loss movement"):
        reserve(stored)
    _two_years(org)
    with pytest.raises(EngineError, match="basis"):
        reserve(StoredBusiness(org), basis="earned")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="rate"):
        reserve(StoredBusiness(org), rate=float("nan"))
    # valued before 1987 the triangle has one diagonal: refused, never an IBNR of 0
    with pytest.raises(EngineError, match="diagonal"):
        reserve(StoredBusiness(org), as_of=dt.date(1986, 12, 31))
