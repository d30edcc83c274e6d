"""Who is logged in, kept on the server: a random token → the user's session.

Decision: the password never leaves the login request. Logging in costs a scrypt hash (by
design), so it is done once per web session: the :class:`Session` it answers is kept here, in
memory, under a random token; the browser holds only that token, in a signed, http-only cookie.
Each request takes its user's session (one request at a time per user: a lock), opens what it
needs, does its work and closes it — the session holds no opening and no unit of work between
requests. A session idle for :data:`IDLE_SECONDS` is closed, and so is every session when the
application stops. Permissions are those read at login: a change is seen at the next login.
Restarting the server logs everybody out.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from assurdb.metadb.contract import Session

#: How long a login lives without a request.
IDLE_SECONDS = 30 * 60
#: What logs a user in: the database's ``login`` (raises an AssurdbError when it refuses).
LoginFunction = Callable[[str, str], Session]


@dataclass
class WebLogin:
    """One user's login: the session, and the lock that gives it to one request at a time."""

    user: str
    session: Session
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_seen: float = field(default_factory=time.monotonic)


class Logins:
    """The server-side table of logins."""

    def __init__(self, login: LoginFunction, *, idle_seconds: float = IDLE_SECONDS) -> None:
        self._login = login
        self._idle = idle_seconds
        self._table: dict[str, WebLogin] = {}
        self._guard = threading.Lock()

    def login(self, user: str, password: str) -> str:
        """Log in (the password is checked by the database) and answer the new login's token."""
        session = self._login(user, password)
        token = secrets.token_urlsafe(32)
        with self._guard:
            self._table[token] = WebLogin(user, session)
        return token

    def user(self, token: str | None) -> str | None:
        with self._guard:
            found = self._table.get(token or "")
        return found.user if found else None

    @contextmanager
    def session(self, token: str | None) -> Iterator[Session | None]:
        """The session of a token for the time of one request (``None``: not logged in)."""
        self.sweep()
        with self._guard:
            found = self._table.get(token or "")
        if found is None:
            yield None
            return
        with found.lock:
            with self._guard:
                live = self._table.get(token or "") is found  # not swept or logged out meanwhile
            if not live:
                yield None
                return
            found.last_seen = time.monotonic()
            yield found.session

    def logout(self, token: str | None) -> None:
        with self._guard:
            found = self._table.pop(token or "", None)
        if found is not None:
            with found.lock:
                found.session.close()

    def sweep(self, now: float | None = None) -> None:
        """Close the logins idle too long (at ``now``, a ``time.monotonic()`` reading)."""
        now = time.monotonic() if now is None else now
        with self._guard:
            stale = [t for t, w in self._table.items() if now - w.last_seen > self._idle and not w.lock.locked()]
            gone = [self._table.pop(t) for t in stale]
        for login in gone:
            login.session.close()

    def close(self) -> None:
        with self._guard:
            gone = list(self._table.values())
            self._table.clear()
        for login in gone:
            login.session.close()

    def __len__(self) -> int:
        return len(self._table)
