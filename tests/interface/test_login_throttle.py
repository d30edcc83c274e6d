"""Login throttling on every DBMS, with a clock the test moves (no sleeping): 5 failures of a name
within 15 minutes lock it for 1 minute, doubling at each lock in a row up to an hour; known and
unknown names alike; a success resets (runtime/throttle.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

import assurdb
from assurdb.runtime.throttle import ThrottlePolicy, name_digest
from tests.conftest import ADMIN_PASSWORD
from tests.interface.helpers import ok


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(db: Any) -> Clock:
    clock = Clock()
    db.throttle.clock = clock
    return clock


def fail(db: Any, name: object, times: int = 1, password: str = "wrong") -> None:
    for _ in range(times):
        with pytest.raises(assurdb.AuthenticationError):
            db.login(name, password)


def attempts(db: Any, name: object) -> dict[str, Any] | None:
    with db.system_session() as system:
        system.opened["LoginAttempt"] = 1
        reply = system.read_direct("LoginAttempt", {"name_digest": name_digest(name)})
    return reply.article if reply.ok else None


def test_five_failures_lock_the_name_for_a_growing_while(db: Any, clock: Clock) -> None:
    fail(db, "admin", 4)
    with pytest.raises(assurdb.LoginLockedError) as locked:  # the 5th failure locks at once
        db.login("admin", "wrong")
    assert locked.value.until == clock.now + dt.timedelta(minutes=1)
    assert "locked until 2026-03-01 09:01:00 UTC" in str(locked.value)
    assert isinstance(locked.value, assurdb.AuthenticationError) and locked.value.exit_code == 3
    clock.advance(seconds=59)
    with pytest.raises(assurdb.LoginLockedError):  # the right password too, while locked
        db.login("admin", ADMIN_PASSWORD)
    clock.advance(seconds=1)
    fail(db, "admin", 4)  # the lock is over; the next lock in a row is twice as long
    with pytest.raises(assurdb.LoginLockedError) as locked:
        db.login("admin", "wrong")
    assert locked.value.until == clock.now + dt.timedelta(minutes=2)
    clock.advance(minutes=2)
    db.login("admin", ADMIN_PASSWORD).close()  # a success resets everything
    assert attempts(db, "admin") is None
    fail(db, "admin", 4)
    with pytest.raises(assurdb.LoginLockedError) as locked:
        db.login("admin", "wrong")
    assert locked.value.until == clock.now + dt.timedelta(minutes=1)


def test_failures_count_within_the_window_only(db: Any, clock: Clock) -> None:
    fail(db, "admin", 4)
    clock.advance(minutes=15, seconds=1)  # the window is over: a new count starts
    fail(db, "admin", 4)
    assert attempts(db, "admin")["failures"] == 4
    db.login("admin", ADMIN_PASSWORD).close()


def test_the_longest_lock_is_an_hour() -> None:
    policy = ThrottlePolicy()
    assert [policy.lock(n) for n in (0, 1, 2, 5, 6, 100)] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 32, 60, 60)]


def test_unknown_names_are_counted_and_locked_alike(db: Any, clock: Clock) -> None:
    """A name that does not exist is locked after as many failures as one that does, so the lock
    tells nothing of which names exist; the name is kept as its digest only."""
    fail(db, "ghost", 4)
    with pytest.raises(assurdb.LoginLockedError) as locked:
        db.login("ghost", "wrong")
    assert locked.value.until == clock.now + dt.timedelta(minutes=1)
    fail(db, "x" * 500, 5)  # a name no user can have is counted too
    with pytest.raises(assurdb.LoginLockedError):
        db.login("x" * 500, "wrong")
    fail(db, b"admin", 5)  # not even text: counted under its repr
    with pytest.raises(assurdb.LoginLockedError):
        db.login(b"admin", "wrong")
    kept = attempts(db, "ghost")
    assert kept is not None and kept["name_digest"] == hashlib.sha256(b"ghost").hexdigest()
    assert "ghost" not in str(kept.values())
    db.login("admin", ADMIN_PASSWORD).close()  # other names are not touched


def test_a_login_never_waits_on_a_session_holding_user(db: Any, clock: Clock, admin: Any) -> None:
    ok(admin.open_db([("User", 3), ("Permission", 3)]))
    fail(db, "admin", 2)  # failures are written while User and Permission are held exclusively
    db.login("admin", ADMIN_PASSWORD).close()
    assert attempts(db, "admin") is None


def test_an_administrators_password_change_does_not_lift_a_lock(db: Any, clock: Clock, admin: Any) -> None:
    ok(admin.add_user("clerk", "clerk-secret"))
    fail(db, "clerk", 5)
    with pytest.raises(assurdb.LoginLockedError):
        db.login("clerk", "clerk-secret")
    ok(admin.set_password("clerk", "new-secret"))  # an administrator's change does not lift the lock
    with pytest.raises(assurdb.LoginLockedError):
        db.login("clerk", "new-secret")
    clock.advance(minutes=1)
    db.login("clerk", "new-secret").close()


def test_a_session_guessing_its_old_password_is_throttled_as_a_login(db: Any, clock: Clock, admin: Any) -> None:
    """set_password's old password is checked as a login is: a live session cannot try passwords
    unhindered through it."""
    ok(admin.add_user("clerk", "clerk-secret"))
    clerk = db.login("clerk", "clerk-secret")
    try:
        for n in range(5):
            reply = clerk.set_password("clerk", "new-secret", old=f"guess-{n}")
            assert reply.rc == 501 and "old password does not match" in reply.message
        assert "locked until 2026-03-01 09:01:00 UTC" in reply.message
        refused = clerk.set_password("clerk", "new-secret", old="clerk-secret")
        assert refused.rc == 501 and "locked" in refused.message
        with pytest.raises(assurdb.LoginLockedError):
            db.login("clerk", "clerk-secret")
        clock.advance(minutes=1)
        ok(clerk.set_password("clerk", "new-secret", old="clerk-secret"))
    finally:
        clerk.close()
    db.login("clerk", "new-secret").close()
