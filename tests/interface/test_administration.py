"""User administration as requests of an admin session, on every DBMS: who may administer, what
each request answers, that no request answers a password hash, and that revocation and
deactivation reach live sessions at their next OPEN DB."""

from __future__ import annotations

from typing import Any

import pytest

import assurdb
from assurdb import RC, Action, Mode
from assurdb.runtime import administration
from tests.conftest import ADMIN_PASSWORD
from tests.interface.helpers import ok

CLERK = ("clerk", "clerk-secret")


@pytest.fixture
def clerk(db: Any, admin: Any) -> Any:
    """A session of ``clerk``, who may consult Insured and nothing else."""
    ok(admin.add_user(*CLERK))
    ok(admin.grant("clerk", "Insured", 1))
    session = db.login(*CLERK)
    yield session
    session.close()


def users(admin: Any) -> dict[str, tuple[bool, dict[str, int]]]:
    frame = ok(admin.list_users()).batch
    return {r.name: (bool(r.active), dict(r.permissions)) for r in frame.itertuples()}


def test_only_a_session_with_the_admin_right_administers(db: Any, admin: Any, clerk: Any) -> None:
    before = users(admin)
    for reply in (
        clerk.add_user("eve", "pw"),
        clerk.grant("clerk", "Insured", 3),
        clerk.revoke("clerk", "Insured"),
        clerk.revoke("admin"),
        clerk.set_password("admin", "mine-now"),
        clerk.deactivate("admin"),
        clerk.activate("clerk"),
        clerk.list_users(),
    ):
        assert reply.rc == administration.NOT_AUTHORISED == 501, repr(reply)
        assert "admin right" in reply.message and reply.batch is None
    assert users(admin) == before  # nothing changed
    db.login("admin", ADMIN_PASSWORD).close()


def test_the_admin_right_is_mode_3_on_user_and_can_be_handed_on(db: Any, admin: Any, clerk: Any) -> None:
    ok(admin.grant("clerk", "User", 3))
    ok(clerk.add_user("eve", "eve-pw"))  # the live session holds it now (read at each request)
    ok(clerk.revoke("clerk", "User"))
    assert clerk.add_user("mallory", "pw").rc == 501
    assert set(users(admin)) == {"admin", "clerk", "eve"}


def test_what_each_request_answers(db: Any, admin: Any, clerk: Any) -> None:
    assert admin.add_user("clerk", "other").rc == RC.ALREADY_EXISTS
    assert admin.add_user("eve", "").rc == RC.VALUE_INVALID
    assert admin.add_user("eve", "pw", active="yes").rc == RC.VALUE_INVALID
    assert admin.grant("clerk", "Nope", 1).rc == RC.RT_UNKNOWN
    assert admin.grant("clerk", "Insured", 4).rc == RC.VALUE_INVALID
    assert admin.grant("clerk", "Insured", True).rc == RC.VALUE_INVALID
    assert admin.grant("clerk", "LoginAttempt", 1).rc == RC.VALUE_INVALID  # the system's own
    assert admin.grant("nobody", "Insured", 1).rc == RC.NOT_FOUND
    assert admin.revoke("clerk", "PRA").rc == RC.NOT_FOUND  # a right it does not hold
    assert admin.revoke("nobody").rc == RC.NOT_FOUND
    assert admin.set_password("nobody", "pw").rc == RC.NOT_FOUND
    assert admin.deactivate("nobody").rc == RC.NOT_FOUND
    assert admin.set_password("clerk", "p\x00w").rc == RC.VALUE_INVALID
    ok(admin.add_user("eve", "eve-pw", active=False))
    with pytest.raises(assurdb.AuthenticationError):
        db.login("eve", "eve-pw")
    ok(admin.grant("clerk", "PRA", Mode.MODIFY_SHARED))
    ok(admin.grant("clerk", "PRA", 1))  # again: replaced
    listed = users(admin)
    assert listed["clerk"] == (True, {"Insured": 1, "PRA": 1})
    assert listed["eve"] == (False, {})
    assert "LoginAttempt" not in listed["admin"][1] and listed["admin"][1]["User"] == 3
    reply = ok(admin.revoke("clerk"))  # every right
    assert "2 right(s)" in reply.message and users(admin)["clerk"] == (True, {})
    assert admin.list_users().batch.columns.tolist() == ["name", "active", "permissions"]


def test_administration_is_refused_inside_a_unit_and_while_this_session_holds_user(admin: Any) -> None:
    ok(admin.begin())
    assert admin.add_user("eve", "pw").rc == RC.ALREADY_OPEN
    ok(admin.rollback())
    ok(admin.open_db([("User", 2)]))
    assert admin.add_user("eve", "pw").rc == RC.MODE_FORBIDS
    ok(admin.close_db())
    ok(admin.add_user("eve", "pw"))


def test_administration_waits_for_another_session_then_answers_600_i(
    db: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(administration, "ADMIN_WAIT", 0.2)
    other = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(other.open_db([("User", 3)]))
        reply = admin.add_user("eve", "pw")
        assert reply.rc == 601 and not isinstance(reply.rc, RC)
    finally:
        other.close()
    ok(admin.add_user("eve", "pw"))


def test_the_last_active_administrator_stays(db: Any, admin: Any) -> None:
    for reply in (admin.deactivate("admin"), admin.revoke("admin", "User"), admin.revoke("admin")):
        assert reply.rc == RC.VALUE_INVALID and "last active administrator" in reply.message
    assert admin.grant("admin", "User", 2).rc == RC.VALUE_INVALID
    ok(admin.add_user("root", "root-pw"))
    ok(admin.grant("root", "User", 3))
    ok(admin.deactivate("root"))  # an inactive administrator does not count
    assert admin.deactivate("admin").rc == RC.VALUE_INVALID
    ok(admin.activate("root"))
    ok(admin.revoke("admin", "User"))  # another active one remains
    assert admin.list_users().rc == 501


def test_passwords_are_changed_by_their_owner_with_the_old_one_or_by_an_admin(db: Any, admin: Any, clerk: Any) -> None:
    assert clerk.set_password("clerk", "new-secret").rc == 501  # the old one is needed
    assert clerk.set_password("clerk", "new-secret", old="wrong").rc == 501
    ok(clerk.set_password("clerk", "new-secret", old=CLERK[1]))
    with pytest.raises(assurdb.AuthenticationError):
        db.login(*CLERK)
    db.login("clerk", "new-secret").close()
    ok(admin.set_password("clerk", "third"))  # an administrator needs no old password
    db.login("clerk", "third").close()


def test_no_request_answers_a_password_hash(db: Any, admin: Any) -> None:
    ok(admin.add_user("eve", "eve-pw"))
    ok(admin.grant("eve", "Insured", 1))
    ok(admin.open_db([("User", 2), ("Permission", 2)]))
    replies = [
        admin.read_direct("User", {"name": "eve"}),
        admin.read_sequential("User", {"name": "admin"}),
        admin.call(Action.READ_DIRECT, "User", {"name": "eve"}),
        admin.read_origin_via_path("User", "Granting", "Permission", {"user": "eve", "record_type": "Insured"}),
        admin.rewrite("User", {"name": "eve", "active": False}),
    ]
    for reply in replies:
        ok(reply)
        assert set(reply.article) == {"name", "active"}, reply.article
    frame = ok(admin.read_selection("User", {})).batch
    assert list(frame.columns) == ["name", "active"] and len(frame) == 2
    frame = ok(admin.read_selection("User", {"name": "eve"})).batch
    assert "password_hash" not in frame.columns
    assert admin.read_selection("User", {"password_hash": "scrypt$"}).rc in (RC.RT_MISMATCH, RC.KEY_NOT_ACCESS)
    # a hash is never given to a request either: add_user and set_password write it
    article = {"name": "mallory", "password_hash": "scrypt$1$1$1$AA==$AA==", "active": True}
    assert admin.write("User", article).rc == RC.RT_MISMATCH
    batch = admin.write_batch("User", [{"name": "x", "active": True}, article])
    assert batch.rc == RC.RT_MISMATCH and batch.position == 1
    assert admin.rewrite("User", {"name": "eve", "password_hash": "x"}).rc == RC.RT_MISMATCH
    perm = {"record_type": "Insured", "mode": 1}
    assert admin.write_origin_and_target("User", article, "Permission", perm, "Granting").rc == RC.RT_MISMATCH
    ok(admin.delete("Permission", {"user": "eve", "record_type": "Insured"}))
    deleted = ok(admin.delete("User", {"name": "eve"}))
    assert deleted.article is None or "password_hash" not in deleted.article
    assert "password_hash" not in str(ok(admin.list_users()).batch.to_dict())
    ok(admin.close_db())
    db.login("admin", ADMIN_PASSWORD).close()  # the refused writes left admin's hash alone


def test_revocation_and_deactivation_reach_live_sessions_at_their_next_open_db(db: Any, admin: Any, clerk: Any) -> None:
    ok(clerk.open_db([("Insured", 1)]))
    ok(admin.revoke("clerk", "Insured"))
    ok(clerk.read_selection("Insured", {}))  # what it holds open stays open…
    ok(clerk.close_db())
    assert clerk.open_db([("Insured", 1)]).rc == 501  # …but it opens nothing it lost
    ok(admin.grant("clerk", "Insured", 1))
    ok(clerk.open_db([("Insured", 1)]))
    ok(clerk.close_db())
    ok(admin.deactivate("clerk"))
    refused = clerk.open_db([("Insured", 1)])
    assert refused.rc == 501 and "deactivated" in refused.message
    with pytest.raises(assurdb.AuthenticationError):
        db.login(*CLERK)
    ok(admin.activate("clerk"))
    ok(clerk.open_db([("Insured", 1)]))
    db.login(*CLERK).close()


def test_no_user_opens_the_systems_own_record_type(admin: Any) -> None:
    refused = admin.open_db([("Insured", 1), ("LoginAttempt", 1)])
    assert refused.rc == 502 and "system's own" in refused.message
