"""DBMS failures answer 999 and roll the unit back; a request never raises."""

from __future__ import annotations

from typing import Any

import assurdb
from assurdb import RC
from tests.conftest import ADMIN_PASSWORD
from tests.interface.helpers import insured, ok


def test_a_lost_connection_answers_999_and_the_unit_is_gone(db: Any, admin: Any) -> None:
    ok(admin.open_db([("Insured", 2)]))
    ok(admin.begin())
    ok(admin.write("Insured", insured(1, "A")))
    admin.conn.cx.close()  # the connection dies under the session
    reply = admin.write("Insured", insured(2, "B"))
    assert reply.rc == RC.DBMS_FAILURE
    assert db.dbms in reply.message and "rolled back" in reply.message
    assert admin.commit().rc == RC.ALREADY_CLOSED  # the unit ended with the failure
    assert admin.read_direct("Insured", {"code": 1}).rc == RC.DBMS_FAILURE  # never an exception
    other = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(other.open_db([("Insured", 1)]))
        assert other.read_direct("Insured", {"code": 1}).rc == RC.NOT_FOUND  # nothing was kept
    finally:
        other.close()


def test_unknown_action_codes_and_wrong_inputs_through_the_router(admin: Any) -> None:
    assert admin.call(assurdb.Action.OPEN_DB, [("Insured", 2)]).rc == RC.OK
    assert admin.call(40, "Insured", insured(5, "E")).rc == RC.OK
    assert admin.call(20, "Insured", {"code": 5}).article["name"] == "E"
    unknown = admin.call(99)
    assert unknown.rc == RC.ACTION_UNKNOWN == 1 and "unknown action code 99" in unknown.message
    assert admin.call("open").rc == RC.ACTION_UNKNOWN
    assert admin.call(40, "Insured").rc == RC.RT_MISMATCH  # an input missing
