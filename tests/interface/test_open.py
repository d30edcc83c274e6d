"""OPEN DB, CLOSE RT, CLOSE DB and openings between sessions (thesis VII.3)."""

from __future__ import annotations

from typing import Any

import pytest

from assurdb import RC, Mode
from tests.interface.helpers import ok


def test_open_answers_zero_and_opens(admin: Any) -> None:
    reply = admin.open_db([("Insured", Mode.MODIFY_SHARED), "PRA"])
    assert reply.rc == RC.OK and reply.position is None
    assert admin.read_direct("PRA", {"policy_no": "X", "renewal_no": 0, "endorsement_no": 0}).rc == RC.NOT_FOUND


@pytest.mark.parametrize(("position", "code"), [(1, 10), (2, 20), (3, 30), (49, 490)])
def test_unknown_record_type_is_ten_times_its_position(admin: Any, position: int, code: int) -> None:
    openings: list[Any] = ["Insured"] * 49
    openings[position - 1] = "Nope"
    reply = admin.open_db(openings[: max(position, 3)])
    assert reply.rc == code and reply.position == position
    assert "Nope" in reply.message


def test_more_than_49_record_types_is_refused(admin: Any) -> None:
    reply = admin.open_db(["Insured"] * 50)
    assert reply.rc == RC.RT_MISMATCH and "49" in reply.message


def test_unknown_comes_before_permission_and_conflict(db: Any, admin: Any) -> None:
    ok(admin.add_user("bob", "pw"))
    ok(admin.grant("bob", "Insured", 1))
    bob = db.login("bob", "pw")
    try:
        # PRA (position 1) is not allowed to bob, "Nope" (position 2) is unknown: 20 wins.
        reply = bob.open_db([("PRA", 1), ("Nope", 1)])
        assert reply.rc == 20 and reply.position == 2
        reply = bob.open_db([("Insured", 1), ("PRA", 1)])
        assert reply.rc == 502 and reply.position == 2
        reply = bob.open_db([("Insured", 2)])
        assert reply.rc == 501 and reply.position == 1
        assert bob.open_db([("Insured", 1)]).rc == RC.OK
    finally:
        bob.close()


@pytest.mark.parametrize("mode", [0, 4, "2", None, True])
def test_bad_mode_is_a_value_error(admin: Any, mode: Any) -> None:
    reply = admin.open_db([("Insured", 1), ("PRA", mode)])
    assert reply.rc == RC.VALUE_INVALID and reply.position == 2


@pytest.mark.parametrize("bad", ["Insured", None, 42, {"Insured": 1}, [("Insured", 1, 2)], []])
def test_malformed_open_input_is_refused(admin: Any, bad: Any) -> None:
    reply = admin.open_db(bad)
    assert reply.rc == RC.RT_MISMATCH


COMPAT = [
    (1, 1, True),
    (1, 2, True),
    (2, 1, True),
    (2, 2, False),
    (1, 3, False),
    (3, 1, False),
    (2, 3, False),
    (3, 3, False),
]


@pytest.mark.parametrize(("first", "second", "compatible"), COMPAT)
def test_compatibility_between_sessions(db: Any, first: int, second: int, compatible: bool) -> None:
    a = db.login("admin", "admin-secret")
    b = db.login("admin", "admin-secret")
    try:
        ok(a.open_db([("Loss", 1), ("Insured", first)]))
        reply = b.open_db([("Loss", 1), ("Insured", second)])
        if compatible:
            assert reply.rc == RC.OK
        else:
            assert reply.rc == 602 and reply.position == 2
            # nothing was opened: Loss is still closed for b
            assert b.read_direct("Loss", {"code": "L1"}).rc == RC.MODE_FORBIDS
    finally:
        a.close()
        b.close()


def test_reopen_in_another_mode_and_close(db: Any) -> None:
    a = db.login("admin", "admin-secret")
    b = db.login("admin", "admin-secret")
    try:
        ok(a.open_db([("Insured", 1)]))
        ok(a.open_db([("Insured", 2)]))  # upgrade its own opening
        assert b.open_db([("Insured", 2)]).rc == 601  # 2 excludes 2
        ok(a.close_rt("Insured"))
        ok(b.open_db([("Insured", 2)]))
        assert a.open_db([("Insured", 3)]).rc == 601
        ok(b.close_db())
        ok(a.open_db([("Insured", 3)]))
    finally:
        a.close()
        b.close()


def test_close_codes(admin: Any) -> None:
    assert admin.close_rt("Nope").rc == RC.RT_UNKNOWN
    assert admin.close_rt("Insured").rc == RC.ALREADY_CLOSED
    ok(admin.open_db(["Insured"]))
    ok(admin.begin())
    assert admin.close_rt("Insured").rc == RC.ALREADY_OPEN
    assert admin.close_db().rc == RC.ALREADY_OPEN
    assert admin.open_db(["PRA"]).rc == RC.ALREADY_OPEN
    ok(admin.rollback())
    ok(admin.close_rt("Insured"))
    assert admin.read_direct("Insured", {"code": 1}).rc == RC.MODE_FORBIDS
    ok(admin.close_db())


def test_a_dropped_session_releases_its_openings(db: Any) -> None:
    a = db.login("admin", "admin-secret")
    ok(a.open_db([("Insured", 3)]))
    b = db.login("admin", "admin-secret")
    try:
        assert b.open_db([("Insured", 1)]).rc == 601
        a.close()
        ok(b.open_db([("Insured", 1)]))
    finally:
        b.close()


def test_open_db_runs_again_when_the_dbms_breaks_a_deadlock(admin: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """MariaDB rolls one of two OPEN DB back to break a deadlock on the openings table (error 1213):
    nothing was written, so OPEN DB tries again instead of answering 999."""
    openings = type(admin.database.openings)
    real = openings._acquire_locked
    failures = iter([RuntimeError("deadlock"), RuntimeError("deadlock")])

    def flaky(self: Any, session: Any, wanted: Any) -> Any:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(self, session, wanted)

    monkeypatch.setattr(openings, "_acquire_locked", flaky)
    monkeypatch.setattr(type(admin.backend), "retryable", classmethod(lambda cls, exc: "deadlock" in str(exc)))
    ok(admin.open_db([("Insured", Mode.MODIFY_SHARED)]))
    assert admin.opened == {"Insured": 2}
    # anything else the DBMS raises is a failure (999), as before
    failures = iter([RuntimeError("disk full")])
    reply = admin.open_db([("PRA", Mode.CONSULT)])
    assert reply.rc == RC.DBMS_FAILURE and "disk full" in reply.message


def test_which_dbms_errors_are_deadlocks() -> None:
    import psycopg.errors
    import pymysql.err

    from assurdb.runtime.backends.mariadb import MariaDBBackend
    from assurdb.runtime.backends.postgresql import PostgreSQLBackend

    assert MariaDBBackend.retryable(pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"))
    assert MariaDBBackend.retryable(pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"))
    assert not MariaDBBackend.retryable(pymysql.err.OperationalError(2013, "Lost connection"))
    assert PostgreSQLBackend.retryable(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert PostgreSQLBackend.retryable(psycopg.errors.SerializationFailure("could not serialize"))
    assert not PostgreSQLBackend.retryable(psycopg.errors.UniqueViolation("duplicate"))
