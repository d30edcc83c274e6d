"""The adapter from a session to the engine (engine/stored.py) on every backend: the same stored
business gives the same frames, figures at any date come from the movements, guaranties in force
are composed over the term, the program's terms arrive flattened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from assurdb.domain.primitives import (
    create_endorsement,
    create_loss,
    create_loss_movement,
    create_occurrences,
    create_reinsurance,
    create_treaty,
)
from assurdb.domain.synthetic import load_synthetic_company
from assurdb.engine.errors import EngineError
from assurdb.engine.stored import StoredBusiness, _floats
from tests.domain.conftest import POLICY, D, fire_policy, guaranty, ok


def _history(s: Any) -> None:
    fire_policy(s)
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1)}, policy_no=POLICY))
    ok(create_loss(s, {"code": "L2", "loss_date": dt.date(1986, 11, 1)}, policy_no=POLICY))
    ok(create_loss(s, {"code": "L3", "loss_date": dt.date(1986, 6, 1), "amount": D(70)}, policy_no=POLICY))
    moves = [
        ("L1", "reserve", dt.date(1986, 3, 10), D(5000)),
        ("L1", "payment", dt.date(1986, 9, 1), D(2000)),
        ("L1", "reserve", dt.date(1987, 2, 1), D(1500)),
        ("L1", "payment", dt.date(1987, 6, 1), D(5000)),
        ("L1", "recovery", dt.date(1988, 1, 5), D(600)),
        ("L2", "payment", dt.date(1986, 12, 1), D(300)),
    ]
    for code, kind, when, amount in moves:
        ok(create_loss_movement(s, code, kind, when, amount))


def test_loss_figures_at_any_date_come_from_the_movements(org: Any) -> None:
    _history(org)
    stored = StoredBusiness(org)
    moves = stored.movements()
    assert list(moves["loss_code"]) == ["L1"] * 5 + ["L2"]
    assert moves["paid"].tolist() == [0, 2000, 0, 5000, -600, 300]
    # incurred = paid + outstanding − recovered, by increments: 5000, 0 (paid out of the reserve),
    # +1500, +500 (5000 paid against 4500 outstanding), −600, +300 (paid without a reserve)
    assert moves["incurred"].tolist() == [5000, 0, 1500, 500, -600, 300]
    assert (moves["class_of_business"] == "FIRE").all()
    assert moves["accident_date"].iloc[0] == pd.Timestamp("1986-03-01")
    end_86 = stored.losses("1986-12-31").set_index("code")
    assert end_86.loc["L1", ["paid", "outstanding", "recovered", "incurred"]].tolist() == [2000, 3000, 0, 5000]
    assert end_86.loc["L2", ["paid", "outstanding", "incurred"]].tolist() == [300, 0, 300]
    now = stored.losses().set_index("code")
    assert now.loc["L1", ["paid", "outstanding", "recovered", "incurred"]].tolist() == [7000, 0, 600, 6400]
    assert sorted(now.index) == ["L1", "L2"]  # L3 has no history
    before = stored.losses(dt.date(1986, 4, 30))
    assert before["code"].tolist() == ["L1"]  # L2 had not occurred; its movement is later
    # L3 was entered with an amount but no movement: reported apart, with its stored figures
    lost = stored.without_history()
    assert lost["code"].tolist() == ["L3"] and lost["outstanding"].tolist() == [70.0]


def test_guaranties_in_force_are_composed_over_the_term(org: Any) -> None:
    s = org
    fire_policy(s)
    ok(
        create_endorsement(
            s,
            POLICY,
            {"premium": D(1150), "sum_insured": D(170000)},
            guaranty_changes={1: {"sum_insured": D(150000), "premium": D(750)}},
            effective=dt.date(1986, 7, 1),
        )
    )
    stored = StoredBusiness(s)
    june = stored.guaranties_in_force("1986-06-30")
    assert june[["guaranty_no", "sum_insured", "premium"]].values.tolist() == [[1, 100000, 600], [2, 20000, 400]]
    assert (june["endorsement_no"] == 0).all()
    august = stored.guaranties_in_force(dt.date(1986, 8, 1))
    assert august[["guaranty_no", "sum_insured", "premium"]].values.tolist() == [[1, 150000, 750], [2, 20000, 400]]
    assert (august["endorsement_no"] == 1).all() and (august["class_of_business"] == "FIRE").all()
    assert stored.guaranties_in_force("1987-06-30").empty
    with pytest.raises(EngineError, match="as_of is a date"):
        stored.guaranties_in_force("the end of June")


def test_guaranties_arrive_as_stored_with_their_decimals_as_floats(org: Any) -> None:
    fire_policy(org)
    frame = StoredBusiness(org).guaranties()
    assert frame[["peril", "sum_insured", "premium", "share_pct"]].values.tolist() == [
        ["FIRE", 100000.0, 600.0, 100.0],
        ["THEFT", 20000.0, 400.0, 100.0],
    ]
    for item in ("share_pct", "sum_insured", "premium", "damage_amount", "damage_pct"):
        assert frame[item].dtype == "float64", item
    assert frame["damage_amount"].isna().all() and str(frame["damage_date"].dtype).startswith("datetime64")


def test_a_value_that_is_not_an_amount_is_named() -> None:
    frame = pd.DataFrame({"premium": [D("1.10"), None, 3], "rate": [D("0.5"), "half", None]})
    assert _floats(frame.copy(), ["premium"])["premium"].tolist()[::2] == [1.1, 3.0]
    with pytest.raises(EngineError, match="not an amount: 'half'"):
        _floats(frame, ["rate"])


def test_the_program_arrives_flattened(org: Any) -> None:
    s = org
    fire_policy(s)
    ok(
        create_occurrences(
            s, "ExtCompany", [{"code": "RMU", "name": "MUNICH RE", "country": "DE", "kind": "reinsurer"}]
        )
    )
    ok(create_reinsurance(s, guaranty(), "XRE", {"code": "RE1", "treaty_ref": "XL-86", "ceded_pct": D(20)}))
    xl = {
        "code": "XL-86",
        "underwriting_year": 1986,
        "kind": "risk_xl",
        "inception": dt.date(1986, 1, 1),
        "expiry": dt.date(1986, 12, 31),
        "layer": {"priority": D(50000), "limit": D(150000)},
        "reinstatements": 2,
        "reinstatement_rates": [D(100), D(50)],
        "premium": {"scheme": "flat", "amount": D(12000)},
    }
    ok(create_treaty(s, xl, {"RMU": D(70), "XRE": D(30)}, leader="RMU"))
    stored = StoredBusiness(s)
    [treaty] = stored.treaties(1986).to_dict("records")
    assert (treaty["layer_priority"], treaty["layer_limit"], treaty["premium_amount"]) == (50000, 150000, 12000)
    assert pd.isna(treaty["layer_aad"]) and treaty["reinstatement_rates"] == [100.0, 50.0] and treaty["classes"] == []
    assert stored.treaties(1987).empty
    assert stored.placements()[["reinsurer_code", "share_pct", "role"]].values.tolist() == [
        ["RMU", 70.0, "leader"],
        ["XRE", 30.0, "follower"],
    ]
    [cession] = stored.cessions().to_dict("records")
    assert (cession["policy_no"], cession["guaranty_no"], cession["reinsurer_code"]) == (POLICY, 1, "XRE")
    assert (cession["treaty_code"], cession["ceded_pct"]) == ("XL-86", 20.0)


def test_a_synthetic_company_s_movements_add_up_to_its_losses(admin: Any) -> None:
    load_synthetic_company(admin, seed=11, insured=150)
    stored = StoredBusiness(admin)
    assert stored.without_history().empty
    replayed = stored.losses().set_index("code").sort_index()
    kept = stored.frame("Loss").set_index("code").sort_index()
    kept = kept[kept["cancellation_date"].isna()]
    assert list(replayed.index) == list(kept.index) and len(kept) > 10
    for item in ("paid", "outstanding", "recovered"):
        assert replayed[item].tolist() == [float(v) for v in kept[item]], item
    assert len(stored.treaties()) == 8 * 6 and set(stored.cessions()["treaty_code"].dropna()) <= set(
        stored.treaties()["code"]
    )
