"""``assurdb reinsure`` on a book computed by hand, on every DBMS: a 1986 fire policy under a quota
share, a surplus and a per-risk excess of loss; one loss reserved, then paid. The cessions,
recoveries and quarterly treaty accounts per reinsurer are the hand's figures; the ledger's
reinsurers' current account holds the accounts' balances; a rerun writes nothing; a new payment
writes only its quarter's differences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from assurdb.domain.accounting import account_all, install_chart, journal_problems, read_journal
from assurdb.domain.openings import opened
from assurdb.domain.primitives import create_loss, create_loss_movement, create_treaties, damage
from assurdb.domain.primitives.treaties import NewTreaty
from assurdb.engine.errors import EngineError
from assurdb.engine.reinsure import record, reinsure
from assurdb.engine.stored import StoredBusiness
from assurdb.metadb.contract import Mode
from tests.domain.conftest import POLICY, D, fire_policy, guaranty, ok

YEAR = {"underwriting_year": 1986, "inception": dt.date(1986, 1, 1), "expiry": dt.date(1986, 12, 31)}
PROGRAM = [
    NewTreaty({**YEAR, "code": "QS-86", "kind": "quota_share", "rank": 1, "classes": ["FIRE"], "share_pct": D(30),
               "commission_pct": D(25)}, {"XRE": D(60), "XCO": D(40)}, leader="XRE"),
    NewTreaty({**YEAR, "code": "SUR-86", "kind": "surplus", "rank": 2, "classes": ["FIRE"], "retention": D(50000),
               "lines": D(3), "commission_pct": D(20)}, {"XRE": D(100)}, leader="XRE"),
    NewTreaty({**YEAR, "code": "XL-86", "kind": "risk_xl", "rank": 3, "attachment": "LOD",
               "layer": {"priority": D(2000), "limit": D(3000)}, "reinstatements": 1,
               "reinstatement_rates": [D(100)], "premium": {"scheme": "flat", "amount": D(120)}},
              {"XRE": D(100)}, leader="XRE"),
]  # fmt: skip


def _book(s: Any) -> None:
    fire_policy(s)  # FIRE guaranty 100 000 / premium 600, THEFT 20 000 / 400
    ok(create_treaties(s, PROGRAM))
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1)}, policy_no=POLICY))
    ok(damage(s, guaranty(no=1), "L1", amount=D(5000)))
    ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 3, 2), D(5000)))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 5, 10), D(1000)))
    assert install_chart(s, opened_on=dt.date(1986, 1, 1)).ok


def _ledger_balance(s: Any) -> Decimal:
    """Credit less debit on the reinsurers' current accounts (420000) of the treaty accounts' journals."""
    with opened(s, [("Entry", Mode.CONSULT)]):
        entries = read_journal(s).batch
    assert entries is not None
    mine = entries[(entries["source_rt"] == "TreatyAccount") & (entries["accounting_number"] == 420000)]
    sign = mine["side"].map({"C": 1, "D": -1})
    return sum((Decimal(a) * k for a, k in zip(mine["amount"], sign, strict=True)), Decimal(0))


def _stored_balance(s: Any) -> Decimal:
    with opened(s, [("TreatyAccount", Mode.CONSULT)]):
        accounts = ok(s.read_selection("TreatyAccount", {})).batch  # exact: the adapter's frames are floats
    return sum((Decimal(b) for b in accounts["balance"]), Decimal(0))


def test_the_program_on_a_book_computed_by_hand(org: Any) -> None:
    s = org
    _book(s)
    result = reinsure(StoredBusiness(s), 1986)
    assert result.as_of == pd.Timestamp("1986-12-31")

    # cessions: the quota share takes 30 % of both guaranties; the surplus works on the 70 000 the
    # quota share retains of the FIRE guaranty: 1 − 50 000/70 000 of 70 % = 20 % of the gross
    ceded = {(r.guaranty_no, r.treaty_code): (r.ceded_pct, r.ceded_premium, r.commission)
             for r in result.cessions.itertuples()}  # fmt: skip
    assert ceded == {(1, "QS-86"): (30.0, 180.0, 45.0), (2, "QS-86"): (30.0, 120.0, 30.0),
                     (1, "SUR-86"): (20.0, 120.0, 24.0)}  # fmt: skip

    # recoveries at 31/12: the loss is 1 000 paid + 4 000 outstanding; QS 30 %, SUR 20 %, and the
    # 2 500 retained is 500 into the 3 000 xs 2 000 layer, reinstated at 100 % × 500/3 000 × 120
    rec = result.recoveries.set_index("treaty_code")
    assert (rec.loc["QS-86", "ceded_paid"], rec.loc["QS-86", "ceded_outstanding"]) == (300.0, 1200.0)
    assert (rec.loc["SUR-86", "ceded_paid"], rec.loc["SUR-86", "ceded_outstanding"]) == (200.0, 800.0)
    xl = rec.loc["XL-86"]
    assert xl["subject_amount"] == 2500.0 and xl["ceded_paid"] + xl["ceded_outstanding"] == 500.0
    assert xl["reinstatement_premium"] == 20.0

    # the quota share's accounts at 100 %: premium and commission in Q1 (the term starts then), the
    # loss reserved in Q1 and paid in Q2; four quarters, Q3 and Q4 nil
    qs = result.accounts[result.accounts["treaty_code"] == "QS-86"].set_index("period")
    assert list(qs.index) == ["1986Q1", "1986Q2", "1986Q3", "1986Q4"]
    assert qs.loc["1986Q1", ["premium", "commission", "claims_paid", "outstanding", "balance"]].tolist() == [
        300.0, 75.0, 0.0, 1500.0, 225.0]  # fmt: skip
    assert qs.loc["1986Q2", ["claims_paid", "outstanding", "balance"]].tolist() == [300.0, 1200.0, -300.0]
    assert qs.loc["1986Q4", "balance"] == 0.0
    xl_acc = result.accounts[result.accounts["treaty_code"] == "XL-86"].set_index("period")
    assert xl_acc.loc["1986Q1", "premium"] == 120.0 and xl_acc.loc["1986Q1", "reinstatement_premium"] == 20.0

    # per reinsurer: 60 / 40 of each item, the leader taking the rounding
    shares = result.shares[(result.shares["treaty_code"] == "QS-86") & (result.shares["period"] == "1986Q1")]
    by = shares.set_index("reinsurer_code")
    assert by.loc["XRE", ["premium", "commission", "outstanding", "balance"]].tolist() == [180.0, 45.0, 900.0, 135.0]
    assert by.loc["XCO", ["premium", "commission", "outstanding", "balance"]].tolist() == [120.0, 30.0, 600.0, 90.0]

    done = record(s, result, writing_date=dt.date(1987, 1, 15))
    assert done.created == {"ReinsuranceCession": 3, "TreatyRecovery": 3, "TreatyAccount": 16}
    assert done.unrecorded == 0
    posted = {(j.source_id, j.event) for j in done.accounted.journals}
    assert ("QS-86/XCO/1986Q1", "settlement") in posted and not any("1986Q4" in p for p, _ in posted)
    assert journal_problems(s) == []
    # QS 225 − 300, SUR 96 − 200, XL 120 + 20 (the 500 retained paid lies under its priority)
    assert _ledger_balance(s) == _stored_balance(s) == Decimal("-39.00")
    # ACCOUNT posts the contract and the loss, not the cessions made under a treaty (nor the accounts again)
    everything = account_all(s, writing_date=dt.date(1987, 1, 15), payment_date=dt.date(1987, 1, 15))
    assert everything.ok and {j.source_rt for j in everything.journals} == {"PRA", "Guaranty", "Loss"}

    again = record(s, reinsure(StoredBusiness(s), 1986), writing_date=dt.date(1987, 1, 16))
    assert sum(again.created.values()) == sum(again.modified.values()) == 0 and again.accounted.journals == ()

    # a payment in Q3: only the Q3 accounts of the proportional treaties move, and their recoveries
    # (the loss's incurred is unchanged: the layer still holds 500, outstanding)
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 8, 20), D(2000)))
    later = record(s, reinsure(StoredBusiness(s), 1986), writing_date=dt.date(1987, 1, 17))
    assert later.created == {"ReinsuranceCession": 0, "TreatyRecovery": 0, "TreatyAccount": 0}
    # Q3 and Q4 of QS (two reinsurers) and SUR: the outstanding at each quarter's end is lower
    assert later.modified == {"ReinsuranceCession": 0, "TreatyRecovery": 2, "TreatyAccount": 6}
    assert sorted(j.source_id for j in later.accounted.journals) == ["QS-86/XCO/1986Q3", "QS-86/XRE/1986Q3",
                                                                     "SUR-86/XRE/1986Q3"]  # fmt: skip
    assert journal_problems(s) == []
    assert _ledger_balance(s) == _stored_balance(s)


def test_what_reinsure_refuses(org: Any) -> None:
    s = org
    fire_policy(s)
    with pytest.raises(EngineError, match="no treaty is stored for underwriting year 1986"):
        reinsure(StoredBusiness(s), 1986)
    ok(create_treaties(s, [NewTreaty({**YEAR, "code": "QS-86", "kind": "quota_share", "share_pct": D(30)})]))
    with pytest.raises(EngineError, match="QS-86 is placed with no reinsurer"):
        reinsure(StoredBusiness(s), 1986)
    with pytest.raises(EngineError, match="underwriting year is an integer"):
        reinsure(StoredBusiness(s), "1986")  # type: ignore[arg-type]
