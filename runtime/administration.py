"""User administration as requests of a logged-in session (thesis VII.1.4).

``admin = db.login("admin", pw); admin.add_user("alice", "secret"); admin.grant("alice",
"Insured", Mode.MODIFY_SHARED)``. The admin right is mode 3 on the meta-database's ``User``
record type, read from the meta-database at each request (a right revoked meanwhile is gone).
Like every request these answer a :class:`~assurdb.metadb.contract.Reply` and never raise:

* 501 — not authorised: the session does not hold the admin right (what OPEN DB of ``User`` in
  mode 3 would answer); ``set_password`` of one's own password with a wrong or missing old one;
* 700 — inside a unit of work (administration commits on its own, so it is refused there);
* 600 — this session holds ``User`` or ``Permission`` in mode 2 or 3 (close them first); 600+i
  — another session holds them in an incompatible mode for longer than :data:`ADMIN_WAIT`;
* 10 — unknown record type; 13 — a bad name, password or mode, a record type no user may hold,
  or a change that would leave no active administrator; 400 — unknown user or right;
  500 — the user exists already.

Each runs in one unit of work of a system session that opens ``User`` and ``Permission``: a
failed request changes nothing. Passwords are kept as salted scrypt hashes only, and no reply
carries a hash (``list_users`` gives names, active flags and permissions).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from assurdb.metadb.contract import RC, Mode, Reply
from assurdb.metadb.meta import SYSTEM_ONLY
from assurdb.runtime.core import SYSTEM_USER, SessionBase, refuse
from assurdb.runtime.passwords import hash_password, usable_text, verify_password
from assurdb.runtime.throttle import RECORD_TYPE

if TYPE_CHECKING:
    from assurdb.runtime.session import SessionCore

#: How long administration waits for ``User`` / ``Permission`` held elsewhere (then 600+i).
ADMIN_WAIT = 10.0
#: A user name's longest length (``User.name``).
NAME_LENGTH = 40
#: What refuses a session without the admin right: OPEN DB's answer to ``[("User", 3)]``.
NOT_AUTHORISED = 501

Work = Callable[["SessionCore"], Reply]


def _bad_name(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return f"a user name is non-empty text, not {name!r}"
    if not usable_text(name, limit=NAME_LENGTH):
        return f"a user name is text of at most {NAME_LENGTH} characters without NUL characters or lone surrogates"
    if name == SYSTEM_USER:
        return f"{SYSTEM_USER!r} is the system's own name"
    return None


def _bad_password(password: object) -> str | None:
    if not isinstance(password, str) or not password:
        return "a password is non-empty text"
    if not usable_text(password):
        return "a password is text without NUL characters or lone surrogates"
    return None


class Administration(SessionBase):
    """Adding, granting, revoking, password changes, deactivation and listing of users."""

    # -- the requests --------------------------------------------------------------------
    def add_user(self, name: str, password: str, *, active: bool = True) -> Reply:
        """A new user (its password kept only as a salted scrypt hash), with no rights yet."""
        refused = self._admin_only()
        if refused is not None:
            return refused
        problem = _bad_name(name) or _bad_password(password)
        if problem is None and not isinstance(active, bool):
            problem = f"active is True or False, not {active!r}"
        if problem is not None:
            return refuse(RC.VALUE_INVALID, problem)
        article = {"name": name, "password_hash": hash_password(password), "active": active}

        def work(s: SessionCore) -> Reply:
            if s.read_direct("User", {"name": name}).ok:
                return refuse(RC.ALREADY_EXISTS, f"user {name!r} already exists")
            reply = s.write("User", article)
            return Reply(RC.OK, None, f"user {name} added") if reply.ok else reply

        return self._administer(work)

    def grant(self, user: str, rt: str, mode: int) -> Reply:
        """Allow ``user`` to open ``rt`` up to ``mode`` (1, 2 or 3); granting again replaces it."""
        refused = self._admin_only()
        if refused is not None:
            return refused
        problem = self._bad_rt(rt)
        if problem is not None:
            return problem
        if isinstance(mode, bool) or mode not in (1, 2, 3):
            return refuse(RC.VALUE_INVALID, f"mode must be 1, 2 or 3, not {mode!r}")
        article = {"user": user, "record_type": rt, "mode": int(mode)}

        def work(s: SessionCore) -> Reply:
            missing = self._no_user(s, user)
            if missing is not None:
                return missing
            found = s.read_direct("Permission", {"user": user, "record_type": rt})
            if found.ok and rt == "User" and int(mode) < Mode.MODIFY_EXCLUSIVE:
                lone = self._last_admin(s, user)
                if lone is not None:
                    return lone
            reply = s.rewrite("Permission", article) if found.ok else s.write("Permission", article)
            return Reply(RC.OK, None, f"{user} may open {rt} up to mode {int(mode)}") if reply.ok else reply

        return self._administer(work)

    def revoke(self, user: str, rt: str | None = None) -> Reply:
        """Take back ``user``'s right on ``rt``; without ``rt``, every right it holds."""
        refused = self._admin_only()
        if refused is not None:
            return refused
        if rt is not None:
            problem = self._bad_rt(rt, granting=False)
            if problem is not None:
                return problem

        def work(s: SessionCore) -> Reply:
            missing = self._no_user(s, user)
            if missing is not None:
                return missing
            held = self._rights(s, user)
            gone = list(held) if rt is None else [rt]
            if rt is not None and rt not in held:
                return refuse(RC.NOT_FOUND, f"user {user} holds no right on {rt}")
            if "User" in gone and held.get("User") == Mode.MODIFY_EXCLUSIVE:
                lone = self._last_admin(s, user)
                if lone is not None:
                    return lone
            for name in gone:
                reply = s.delete("Permission", {"user": user, "record_type": name})
                if not reply.ok:
                    return reply
            return Reply(RC.OK, None, f"{len(gone)} right(s) of {user} revoked")

        return self._administer(work)

    def set_password(self, user: str, password: str, *, old: str | None = None) -> Reply:
        """A new password for ``user``: an administrator sets anyone's; a user changes its own,
        giving the ``old`` one."""
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "administration is refused inside a unit of work")
        own = isinstance(user, str) and user == self.user and not self.is_system
        admin = self._admin_only()
        if admin is not None and not own:
            return admin
        problem = _bad_password(password)
        if problem is not None:
            return refuse(RC.VALUE_INVALID, problem)
        if old is not None and not isinstance(old, str):
            return refuse(RC.VALUE_INVALID, "the old password is text")
        if admin is not None:  # one's own password, without the admin right: the old one first
            checked = self._old_password(user, old)
            if checked is not None:
                return checked
        new_hash = hash_password(password)

        def work(s: SessionCore) -> Reply:
            if not s.read_direct("User", {"name": user}).ok:
                return refuse(RC.NOT_FOUND, f"no user {user!r}")
            reply = s.rewrite("User", {"name": user, "password_hash": new_hash})
            return Reply(RC.OK, None, f"password of {user} changed") if reply.ok else reply

        return self._administer(work)

    def _old_password(self, user: str, old: str | None) -> Reply | None:
        """501 unless ``old`` is ``user``'s password — checked as a login is: throttled per name,
        a wrong one counted as a failed login (a session must not guess passwords unhindered)."""
        if old is None:
            return refuse(NOT_AUTHORISED, "changing one's own password needs the old one", 1, computed=True)
        db = self.database
        try:
            with db.system_session() as system:
                if db.throttled:
                    system.opened[RECORD_TYPE] = int(Mode.MODIFY_EXCLUSIVE)
                    until = db.throttle.locked_until(system, user)
                    if until is not None:
                        return refuse(
                            NOT_AUTHORISED, f"{user} is locked until {until:%Y-%m-%d %H:%M:%S} UTC", 1, computed=True
                        )
                found = system.fetch(system.records["User"], {"name": user})
                if found is None or not found["active"]:
                    return refuse(NOT_AUTHORISED, f"user {user} is deactivated", 1, computed=True)
                if not verify_password(old, str(found["password_hash"])):
                    until = db.throttle.failed(system, user) if db.throttled else None
                    locked = "" if until is None else f"; {user} is locked until {until:%Y-%m-%d %H:%M:%S} UTC"
                    return refuse(NOT_AUTHORISED, f"the old password does not match{locked}", 1, computed=True)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed: {type(exc).__name__}: {exc}")
        return None

    def deactivate(self, user: str) -> Reply:
        """``user`` may no longer log in, and its live sessions open nothing more."""
        return self._set_active(user, False)

    def activate(self, user: str) -> Reply:
        """``user`` may log in again (with its rights as they are)."""
        return self._set_active(user, True)

    def list_users(self) -> Reply:
        """Every user: ``batch`` has the columns ``name``, ``active`` and ``permissions`` (record
        type → mode), by name — never a password hash."""
        refused = self._admin_only()
        if refused is not None:
            return refused

        def work(s: SessionCore) -> Reply:
            users = _read_all(s, "User")
            grants = _read_all(s, "Permission")
            rows = [
                {
                    "name": u["name"],
                    "active": bool(u["active"]),
                    "permissions": {g["record_type"]: int(g["mode"]) for g in grants if g["user"] == u["name"]},
                }
                for u in sorted(users, key=lambda u: str(u["name"]))
            ]
            frame = pd.DataFrame.from_records(rows, columns=["name", "active", "permissions"])
            frame = frame.astype({"name": "string", "active": "boolean", "permissions": "object"})
            return Reply(RC.OK, None, f"{len(rows)} user(s)", None, frame)

        return self._administer(work, mode=Mode.CONSULT)

    # -- shared steps ---------------------------------------------------------------------
    def _set_active(self, user: str, active: bool) -> Reply:
        refused = self._admin_only()
        if refused is not None:
            return refused

        def work(s: SessionCore) -> Reply:
            missing = self._no_user(s, user)
            if missing is not None:
                return missing
            if not active:
                lone = self._last_admin(s, user)
                if lone is not None:
                    return lone
            reply = s.rewrite("User", {"name": user, "active": active})
            return Reply(RC.OK, None, f"user {user} {'activated' if active else 'deactivated'}") if reply.ok else reply

        return self._administer(work)

    def _admin_only(self) -> Reply | None:
        """None when this session may administer now; else the refusal (700, 999, 501)."""
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "administration is refused inside a unit of work")
        if self.is_system:
            return None
        try:
            self.active, self.permissions = self.read_rights(self.user)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        if self.permissions.get("User", 0) != Mode.MODIFY_EXCLUSIVE:
            return refuse(
                NOT_AUTHORISED,
                f"user {self.user} does not hold the admin right (mode 3 on the meta-database's User)",
                1,
                computed=True,
            )
        return None

    def _bad_rt(self, rt: object, *, granting: bool = True) -> Reply | None:
        if not isinstance(rt, str) or rt not in self.records:
            return refuse(RC.RT_UNKNOWN, f"record type {rt!r} is unknown")
        if rt in SYSTEM_ONLY and granting:
            return refuse(RC.VALUE_INVALID, f"{rt} is the system's own: no user may hold a right on it")
        return None

    @staticmethod
    def _no_user(s: SessionCore, user: object) -> Reply | None:
        if not isinstance(user, str) or not s.read_direct("User", {"name": user}).ok:
            return refuse(RC.NOT_FOUND, f"no user {user!r}")
        return None

    @staticmethod
    def _rights(s: SessionCore, user: str) -> dict[str, int]:
        return {str(g["record_type"]): int(g["mode"]) for g in _read_all(s, "Permission") if g["user"] == user}

    @staticmethod
    def _last_admin(s: SessionCore, user: str) -> Reply | None:
        """13 when ``user`` is the last active administrator (the change would lock everyone out)."""
        admins = {g["user"] for g in _read_all(s, "Permission") if g["record_type"] == "User" and int(g["mode"]) == 3}
        active = {u["name"] for u in _read_all(s, "User") if u["active"]}
        if (admins & active) <= {user}:
            return refuse(
                RC.VALUE_INVALID, f"{user} is the last active administrator: grant the admin right to another first"
            )
        return None

    def _administer(self, work: Work, *, mode: int = Mode.MODIFY_SHARED) -> Reply:
        """Run ``work`` in one unit of work of a system session holding ``User`` and ``Permission``
        (in ``mode``), waiting a while for other sessions; anything but 0 rolls the unit back."""
        held = [
            rt
            for rt in ("User", "Permission")
            if rt in self.opened and not Mode(self.opened[rt]).compatible_with(Mode(mode))
        ]
        if held and not self.is_system:
            return refuse(RC.MODE_FORBIDS, f"this session holds {', '.join(held)} in a writing mode: close it first")
        deadline = time.monotonic() + ADMIN_WAIT
        delay = 0.01
        with self.database.system_session() as system:
            while True:
                reply = system.open_db([("User", mode), ("Permission", mode)])
                if reply.ok:
                    break
                if not 600 < reply.rc < 700 or time.monotonic() > deadline:
                    return reply
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
            begun = system.begin()
            if not begun.ok:
                return begun
            try:
                result = work(system)
            except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
                return system.failed(exc)
            if not result.ok:
                if system.in_unit:
                    system.rollback()
                return result
            done = system.commit()
            return result if done.ok else done


def _read_all(s: SessionCore, rt: str) -> list[dict[str, Any]]:
    """Every article of a meta record type, read on the system session's connection."""
    spec = s.records[rt]
    return [spec.decode(row) for row in s.conn.all(spec.select_all, ())]
