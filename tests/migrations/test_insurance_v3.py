"""Version 2 → 3 of the insurance schema, on every DBMS: a database holding a program, a book and a
loss history takes TreatyRecovery and TreatyAccount in place, with safe changes only, and
``assurdb reinsure`` then writes and posts the program's figures there."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from assurdb.domain.accounting import install_chart
from assurdb.domain.primitives import create_loss, create_loss_movement, create_treaty
from assurdb.engine.reinsure import record, reinsure
from assurdb.engine.stored import StoredBusiness
from assurdb.metadb.loader import builtin_path, load
from assurdb.migrations import migrate_apply, migrate_plan
from assurdb.migrations.interfaces import interface_for
from assurdb.runtime.database import open_database
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import POLICY, D, build_org, fire_policy, ok

V2 = Path(str(builtin_path("insurance"))).parent / "history" / "insurance-2.yaml"
LOGIN = {"user": "admin", "password": ADMIN_PASSWORD}


def test_an_insurance_database_of_version_2_moves_to_version_3(make_url: Any, backend: str) -> None:
    url = make_url()
    old = load(V2)
    assert old.version == 2 and "TreatyAccount" not in old.record_types
    db = open_database(interface_for(old, backend)[0], url, create=True, admin_password=ADMIN_PASSWORD)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        build_org(s)
        fire_policy(s)
        treaty = {"code": "QS-86", "underwriting_year": 1986, "kind": "quota_share", "share_pct": D(30),
                  "inception": dt.date(1986, 1, 1), "expiry": dt.date(1986, 12, 31)}  # fmt: skip
        ok(create_treaty(s, treaty, {"XRE": D(100)}))
        ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1)}, policy_no=POLICY))
        ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 3, 2), D(900)))
        assert install_chart(s, opened_on=dt.date(1986, 1, 1)).ok
    finally:
        s.close()
        db.close()

    report = migrate_plan(url, **LOGIN)
    assert not report.refusals, report.text()
    assert {c.kind for c in report.plan.changes} == {"add record type", "add path", "change statistics"}, report.text()
    assert {c.safety for c in report.plan.changes} == {"safe"}, report.text()
    assert migrate_apply(url, **LOGIN).applied

    new = load(builtin_path("insurance"))
    db = open_database(interface_for(new, backend)[0], url)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        done = record(s, reinsure(StoredBusiness(s), 1986))
        assert done.created == {"ReinsuranceCession": 2, "TreatyRecovery": 1, "TreatyAccount": 4}
        assert [j.source_id for j in done.accounted.journals] == ["QS-86/XRE/1986Q1"]  # premium 300, commission 0
    finally:
        s.close()
        db.close()
