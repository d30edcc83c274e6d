"""OPEN DB's computed codes read in the action's words: 500+i is "not authorised", 600+i "opened
elsewhere in an incompatible mode", naming entry i — never the fixed code sharing the number
(501 is not TARGET_ALREADY_EXISTS, 601 not "601 601"); ``str(reply)`` explains any code."""

from __future__ import annotations

from typing import Any

from assurdb.metadb.contract import RC, Reply, explain
from tests.conftest import ADMIN_PASSWORD


def test_explain_every_kind_of_code() -> None:
    assert explain(RC.VALUE_INVALID) == "value invalid"
    assert explain(501) == "not authorised (OPEN DB entry 1)"
    assert explain(602) == "opened elsewhere in an incompatible mode (OPEN DB entry 2)"
    assert explain(30) == "record type unknown (OPEN DB entry 3)"
    assert str(Reply(RC.NOT_FOUND, None, "no PRA 1")) == "400 not found: no PRA 1"
    assert str(Reply(RC.OK, None, "opened")) == "0 ok"


def test_refused_openings_are_computed_codes(db: Any) -> None:
    admin = db.login("admin", ADMIN_PASSWORD)
    assert admin.add_user("clerk", "clerk-secret-1").ok
    assert admin.grant("clerk", "PRA", 1).ok and admin.grant("clerk", "Insured", 1).ok
    clerk = db.login("clerk", "clerk-secret-1")
    try:
        refused = clerk.open_db([("PRA", 2)])
        assert refused.rc == 501 and not isinstance(refused.rc, RC) and refused.position == 1
        assert str(refused) == "501 not authorised (OPEN DB entry 1): user clerk may not open PRA in mode 2"
        assert "TARGET_ALREADY_EXISTS" not in repr(refused)
        unknown = clerk.open_db(["PRA", "Nothing"])
        assert unknown.rc == 20 and not isinstance(unknown.rc, RC)
        assert str(unknown).startswith("20 record type unknown (OPEN DB entry 2)")
        assert admin.open_db([("Insured", 3)]).ok
        busy = clerk.open_db([("PRA", 1), ("Insured", 1)])
        assert busy.rc == 602 and str(busy).startswith("602 opened elsewhere in an incompatible mode (OPEN DB entry 2)")
    finally:
        clerk.close()
        admin.close()
