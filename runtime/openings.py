"""The openings of a database, shared by every process using it (thesis VII.3).

Mode 1 consults; 2 modifies while others may consult; 3 modifies and nobody else may consult.
Compatible openings of one record type by different sessions: 1 with 1, 1 with 2; nothing with
3; 2 with 2 is not (the thesis' single modifier). Openings live in the meta-database's
``Opening`` record type, each with its holder's proof of life (:mod:`.liveness`), so a dead
session's openings are reclaimed by the next OPEN DB that meets them.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from assurdb.metadb.contract import Mode
from assurdb.runtime.specs import Stmt

if TYPE_CHECKING:
    from assurdb.runtime.core import SessionBase

T = TypeVar("T")


#: Attempts of an OPEN DB or CLOSE unit when the DBMS breaks a deadlock by rolling it back.
RETRIES = 10


def retried(session: SessionBase, unit: Callable[[], T]) -> T:
    """Run an openings unit, again when the DBMS rolled it back to break a deadlock (MariaDB 1213,
    PostgreSQL 40P01; it wrote nothing), a bounded number of times with a growing random pause:
    OPEN DB and CLOSE never answer 999 for a deadlock (audit D4)."""
    for attempt in range(RETRIES):
        try:
            return unit()
        except Exception as exc:
            if attempt == RETRIES - 1 or not session.backend.retryable(exc):
                raise
            time.sleep(0.005 * (attempt + 1) * (1 + random.random()))
    raise AssertionError("unreachable")


class Openings:
    """OPEN DB's and CLOSE's bookkeeping on the meta-database's ``Opening`` record type."""

    def __init__(self, statements: Mapping[str, Stmt]) -> None:
        self.sql = {name: stmt.sql for name, stmt in statements.items()}
        self.local = threading.Lock()

    def _conflict(
        self, session: SessionBase, rows: list[tuple[Any, ...]], wanted: Mapping[str, int]
    ) -> tuple[set[str], tuple[str, str] | None]:
        """The live sessions among other sessions' openings, and the first conflict with them."""
        others = [r for r in rows if r[0] != session.id]
        alive = session.alive_check([(r[0], r[4]) for r in others]) if others else set()
        for rt, mode in wanted.items():
            for row in others:
                if row[0] in alive and row[1] == rt and not Mode(mode).compatible_with(Mode(int(row[3]))):
                    return alive, (rt, str(row[2]))
        return alive, None

    def _rows(self, session: SessionBase, wanted: Mapping[str, int]) -> list[tuple[Any, ...]]:
        """The openings of the record types ``wanted``: of each in turn, or — for several, where the
        interface was generated with the statement — every opening in one statement, those of
        other record types left out (a statement per record type cost DuckDB a millisecond each)."""
        every = self.sql.get("select_all")
        if every is not None and len(wanted) > 1:
            return [tuple(r) for r in session.conn.all(every) if r[1] in wanted]
        rows: list[tuple[Any, ...]] = []
        for rt in wanted:
            rows.extend(tuple(r) for r in session.conn.all(self.sql["select_rt"], (rt,)))
        return rows

    def acquire(self, session: SessionBase, wanted: Mapping[str, int]) -> tuple[str, str] | None:
        """Open ``wanted`` for ``session`` or answer the first conflicting (record type, user).

        A first look without locks answers a conflict with a live holder at once — on SQLite a
        writer inside a unit holds the file's write lock, and 600+i must not wait for it. Only
        a compatible request takes the lock, looks again, reclaims the dead and writes.
        """
        _, conflict = self._conflict(session, self._rows(session, wanted), wanted)
        if conflict is not None:
            return conflict
        return retried(session, lambda: self._acquire_locked(session, wanted))

    def _acquire_locked(self, session: SessionBase, wanted: Mapping[str, int]) -> tuple[str, str] | None:
        c = session.conn
        with self.local:
            c.begin_openings()
            try:
                # Serialise OPEN DB: lock the record types' meta rows in name order (FOR UPDATE
                # where the backend locks rows; elsewhere the transaction's own lock does it, and
                # the statement, a plain SELECT there, is not run: on DuckDB a millisecond each).
                if session.backend.locks_rows:
                    for rt in sorted(wanted):
                        c.all(self.sql["lock"], (rt,))
                rows = self._rows(session, wanted)
                alive, conflict = self._conflict(session, rows, wanted)
                if conflict is not None:
                    c.rollback()
                    return conflict
                # Every change by primary key, in one order (record type, then session), so that
                # two OPEN DB never wait for each other's rows crosswise.
                dead = sorted((r[1], r[0]) for r in rows if r[0] != session.id and r[0] not in alive)
                for rt, holder_session in dead:
                    c.run(self.sql["delete"], (holder_session, rt))  # a dead holder's opening: reclaimed
                holder = c.holder(session.id)
                mine = {r[1] for r in rows if r[0] == session.id}
                for rt in sorted(wanted):
                    if rt in mine:  # never a DELETE of a row that is not there: it would lock a gap
                        c.run(self.sql["delete"], (session.id, rt))
                    c.run(self.sql["insert"], (session.id, rt, session.user, wanted[rt], holder))
                c.commit()
            except BaseException:
                if c.in_tx:
                    c.rollback()
                raise
        return None

    def release(self, session: SessionBase, rts: Sequence[str], *, every: bool = False) -> None:
        """Close ``rts`` for ``session``; ``every``: they are all the openings it holds."""
        if rts:
            retried(session, lambda: self._release(session, rts, every))

    def _release(self, session: SessionBase, rts: Sequence[str], every: bool) -> None:
        c = session.conn
        whole = self.sql.get("delete_session") if every and len(rts) > 1 else None
        with self.local:
            c.begin_openings()
            try:
                if whole is not None:  # one statement, not one per record type (DuckDB: a millisecond each)
                    c.run(whole, (session.id,))
                else:
                    for rt in sorted(rts):
                        c.run(self.sql["delete"], (session.id, rt))
                c.commit()
            except BaseException:
                if c.in_tx:
                    c.rollback()
                raise
