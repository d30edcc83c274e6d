"""Login throttling: failed logins slowed down per name tried, in the meta-database.

The policy (:class:`ThrottlePolicy`, defaults):

* each failed login of a name — unknown, wrong password or inactive user alike — is counted in
  the meta-database's ``LoginAttempt`` record type, under the SHA-256 digest of the name (the name
  itself is not kept: a password typed into the name field is not stored in clear);
* failures count within a **window of 15 minutes** from the first one; a failure after the
  window starts a new count;
* the **5th failure within the window locks the name for 1 minute**, and every further lock in a
  row doubles it (2, 4, 8… minutes), up to **1 hour**; a lock in a row is one that follows the
  previous lock's failures within the window;
* while a name is locked, every login of it is refused at once — even with the right password —
  with :class:`~assurdb.runtime.errors.LoginLockedError`, which says until when; refused attempts
  during a lock neither count nor extend it;
* a **successful login resets** the name's record.

Known and unknown names are treated alike (the same record, the same lock), so the throttle
tells nothing of which names exist. The cost is the usual one of per-name locking: whoever knows
a name can keep it locked for up to an hour at a time; the administrator's remedy is another
administrator account. ``LoginAttempt`` is the system's own record type (no user may open it),
written by the login's system session without OPEN DB, so a login never waits on a session
holding ``User`` or ``Permission``. Two concurrent failures of the same name may count once (the
read and the write are two requests): the lock comes one attempt later, no more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assurdb.metadb.contract import RC

if TYPE_CHECKING:
    from assurdb.runtime.session import SessionCore

#: The record type holding the failures (meta-schema 4 on).
RECORD_TYPE = "LoginAttempt"

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """This moment, in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class ThrottlePolicy:
    """After ``failures`` failed logins of a name within ``window``, the name is locked for
    ``first_lock``, doubled at each lock in a row, never longer than ``longest_lock``."""

    failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    first_lock: dt.timedelta = dt.timedelta(minutes=1)
    longest_lock: dt.timedelta = dt.timedelta(hours=1)

    def lock(self, lockouts: int) -> dt.timedelta:
        """How long the ``lockouts``-th lock in a row lasts (0: the first)."""
        longer: dt.timedelta = self.first_lock * 2 ** min(lockouts, 32)
        return min(longer, self.longest_lock)


def name_digest(name: object) -> str:
    """The key a name tried is counted under: SHA-256 of its text (of its ``repr`` when it is not
    text, which no login accepts but which is counted all the same)."""
    text = name if isinstance(name, str) else repr(name)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _when(text: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if isinstance(text, str) and text else None


class LoginThrottle:
    """The policy applied to a database's ``LoginAttempt`` through a system session that holds it
    (``session.opened``), by requests; ``clock`` is replaceable (tests)."""

    def __init__(self, policy: ThrottlePolicy | None = None, clock: Clock = utc_now) -> None:
        self.policy = policy or ThrottlePolicy()
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock().astimezone(dt.UTC).replace(microsecond=0)

    def _state(self, session: SessionCore, key: str) -> dict[str, Any] | None:
        spec = session.records[RECORD_TYPE]
        return session.fetch(spec, {"name_digest": key})

    def locked_until(self, session: SessionCore, name: object) -> dt.datetime | None:
        """Until when ``name`` is locked, or None when it may try now."""
        state = self._state(session, name_digest(name))
        until = None if state is None else _when(state["locked_until"])
        return until if until is not None and self.now() < until else None

    def failed(self, session: SessionCore, name: object) -> dt.datetime | None:
        """Count a failed login of ``name``; until when it is locked when this failure locks it."""
        key, now, policy = name_digest(name), self.now(), self.policy
        state = self._state(session, key)
        start = None if state is None else _when(state["window_start"])
        last = None if state is None else _when(state["last_failure"])
        lockouts = 0 if state is None else int(state["lockouts"])
        if last is None or now - last > policy.window:
            lockouts = 0  # a quiet window: the next lock is a first one again
        if start is None or now - start > policy.window:
            failures, start = 1, now
        else:
            failures = int(state["failures"]) + 1 if state is not None else 1
        until = None
        if failures >= policy.failures:
            until = now + policy.lock(lockouts)
            failures, start, lockouts = 0, None, lockouts + 1
        article = {
            "name_digest": key,
            "failures": failures,
            "window_start": None if start is None else start.isoformat(),
            "locked_until": None if until is None else until.isoformat(),
            "lockouts": lockouts,
            "last_failure": now.isoformat(),
        }
        reply = session.rewrite(RECORD_TYPE, article) if state is not None else session.write(RECORD_TYPE, article)
        if reply.rc == RC.ALREADY_EXISTS:  # another login of the same name wrote it meanwhile
            session.rewrite(RECORD_TYPE, article)
        return until

    def succeeded(self, session: SessionCore, name: object) -> None:
        """A successful login: the name's failures are forgotten."""
        key = name_digest(name)
        if self._state(session, key) is not None:
            session.delete(RECORD_TYPE, {"name_digest": key})
