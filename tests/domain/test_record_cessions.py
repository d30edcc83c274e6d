"""What ``assurdb reinsure`` writes of a treaty's cessions (``record_cessions``), on every backend: a
new cession only where CREATE REINSURANCE would make one — a live guaranty of a live contract, a
reinsurer the handling cell shares risks with, the guaranty's live cessions within 100 % in the
order given (a cession refused adds nothing) — and the live cessions already linked to the treaty
keep it, the first in code order taking the difference."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from assurdb.domain.primitives import cancel_guaranty, cancel_pra, create_reinsurance, create_treaties
from assurdb.domain.primitives.reinsure import record_cessions
from assurdb.domain.primitives.treaties import NewTreaty
from assurdb.metadb.contract import RC
from tests.domain.conftest import POLICY, D, fire_policy, guaranty, ok, pra

YEAR = {"underwriting_year": 1986, "inception": dt.date(1986, 1, 1), "expiry": dt.date(1986, 12, 31)}
CODES = ["QS-86", "SUR-86", "QS2-86"]
PANELS = {code: ["XRE"] for code in CODES}


def _book(s: Any) -> None:
    fire_policy(s)  # B1-DEP shares risks with XRE
    fire_policy(s, "OTHER-86", cell="B2-DEP")  # a cell that shares risks with nobody
    fire_policy(s, "GONE-86")
    fire_policy(s, "HALF-86")
    ok(cancel_pra(s, pra("GONE-86"), "lapse", dt.date(1986, 6, 1)))
    ok(cancel_guaranty(s, guaranty("HALF-86", no=2), "sold", dt.date(1986, 6, 1)))
    treaties = [
        NewTreaty({**YEAR, "code": code, "kind": "quota_share", "share_pct": D(10)}, {"XRE": D(100)}) for code in CODES
    ]
    ok(create_treaties(s, treaties))


def _cession(policy_no: str, no: int, treaty: str, pct: str) -> dict[str, Any]:
    return {"guaranty": guaranty(policy_no, no=no), "treaty_code": treaty, "kind": "quota_share",
            "ceded_pct": D(pct), "commission_rate": D("25.00")}  # fmt: skip


def _stored(s: Any) -> list[tuple[Any, ...]]:
    frame = s.read_selection("ReinsuranceCession", {}).batch
    rows = frame.sort_values("code")[["code", "guaranty_sharing_policy_no", "guaranty_sharing_guaranty_no",
                                      "treaty_code", "ceded_pct", "reinsurance_code", "cancellation_date"]]  # fmt: skip
    return [tuple(None if pd.isna(v) else v for v in row) for row in rows.itertuples(index=False)]


def test_new_cessions_only_where_create_reinsurance_would_make_them(org: Any) -> None:
    s = org
    _book(s)
    ok(create_reinsurance(s, guaranty(no=2), "XRE", {"code": "FAC1", "treaty_ref": "FAC", "ceded_pct": D(80)}))
    wanted = [
        _cession(POLICY, 1, "QS-86", "30"),  # made: RT0000000001
        _cession(POLICY, 1, "SUR-86", "80"),  # 30 + 80 > 100: left unrecorded, adds nothing
        _cession(POLICY, 1, "QS2-86", "60.5"),  # 30 + 60.5 within 100: made
        _cession(POLICY, 2, "QS-86", "30"),  # the facultative 80 % + 30 > 100
        _cession("OTHER-86", 1, "QS-86", "30"),  # B2-DEP shares risks with no reinsurer
        _cession("GONE-86", 1, "QS-86", "30"),  # a cancelled contract
        _cession("HALF-86", 2, "QS-86", "30"),  # a cancelled guaranty
        _cession("HALF-86", 1, "QS-86", "30.1234"),  # made
        _cession("NONE-86", 1, "QS-86", "30"),  # no such guaranty
    ]
    written = record_cessions(s, CODES, wanted, PANELS)
    assert (written.rc, written.counts, written.unrecorded) == (RC.OK, (3, 0), 6)
    assert _stored(s) == [
        ("FAC1", POLICY, 2, None, D("80.0000"), "XRE", None),
        ("RT0000000001", POLICY, 1, "QS-86", D("30.0000"), "XRE", None),
        ("RT0000000002", POLICY, 1, "QS2-86", D("60.5000"), "XRE", None),
        ("RT0000000003", "HALF-86", 1, "QS-86", D("30.1234"), "XRE", None),
    ]
    again = record_cessions(s, CODES, wanted, PANELS)  # the same: nothing changes
    assert (again.rc, again.counts, again.unrecorded) == (RC.OK, (0, 0), 6)


def test_the_live_cessions_linked_to_the_treaty_keep_it(org: Any) -> None:
    s = org
    _book(s)
    ok(record_cessions(s, CODES, [_cession(POLICY, 1, "QS-86", "30")], PANELS))
    # a second live cession of the guaranty under the treaty (as an earlier run may have left), and
    # a cancelled one (ignored), written by the interface itself
    held = {f"guaranty_sharing_{i}": v for i, v in guaranty(no=1).items()}
    for code, cancelled in (("RT0000000007", None), ("RT0000000008", dt.date(1986, 5, 1))):
        article = {"code": code, "treaty_ref": "QS-86", "treaty_code": "QS-86", "ceded_pct": D(5),
                   "reinsurance_code": "XRE", "cancellation_date": cancelled, **held}  # fmt: skip
        assert s.write("ReinsuranceCession", article).ok
    # 40 % wanted: the first (in code order) takes 40 − 5, the other keeps its 5
    frame = pd.DataFrame(
        {"policy_no": [POLICY], "renewal_no": [0], "endorsement_no": [0], "guaranty_no": [1], "treaty_code": ["QS-86"],
         "kind": ["quota_share"], "ceded_pct": [D("40.0000")], "commission_rate": [D("25.00")]}
    )  # fmt: skip
    written = record_cessions(s, CODES, frame, PANELS)
    assert (written.rc, written.counts, written.unrecorded) == (RC.OK, (0, 1), 0)
    assert [(code, pct) for code, *_, pct, _, cancelled in _stored(s) if cancelled is None] == [
        ("RT0000000001", D("35.0000")),
        ("RT0000000007", D("5.0000")),
    ]
    assert record_cessions(s, CODES, frame, PANELS).counts == (0, 0)
    # a new cession numbers after every stored code
    made = record_cessions(s, CODES, frame.assign(guaranty_no=2), PANELS)
    assert made.counts == (1, 0) and _stored(s)[-1][0] == "RT0000000009"


def test_a_percentage_the_item_cannot_hold_changes_nothing(org: Any) -> None:
    s = org
    _book(s)
    for pct in (D("30.12345"), None, "30"):
        bad = [_cession(POLICY, 1, "QS-86", "30"), {**_cession(POLICY, 2, "QS-86", "1"), "ceded_pct": pct}]
        assert record_cessions(s, CODES, bad, PANELS).rc == RC.VALUE_INVALID
    assert _stored(s) == []
