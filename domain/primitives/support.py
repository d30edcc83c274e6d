"""What every primitive shares: opening what it needs, and running its writes as one unit of work.

*Openings.* A primitive opens the record types it needs for the time of the call only, and only
those the session does not already hold in a sufficient mode (with back-off on 600+i,
through :func:`domain.openings.open_with_retry`); a caller that opened them itself (the synthetic
company loader opens everything once) pays nothing. Inside a caller's unit of work OPEN DB is
refused (700): the primitive then goes on with what is open, and a request answers 600 if that
is not enough.

*Units of work*. :func:`in_unit` runs a primitive's writes between BEGIN and
COMMIT. Every domain check is made before the first write; if a write is refused all the same
(the interface's own checks, a DBMS failure) the unit is rolled back. When the caller already
holds a unit, the primitive joins it and leaves the COMMIT to the caller — but a failure after
the primitive wrote something rolls the caller's unit back too (there are no partial rollbacks
through the interface), and the message says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import NoReturn

from assurdb.domain.constraints import Lookup, Violation
from assurdb.domain.openings import close_opened, on_demand, open_with_retry
from assurdb.domain.results import Result, failed, from_reply, refused
from assurdb.metadb.contract import RC, Mode, Reply, Session

Needs = Mapping[str, int]


def held_modes(session: Session) -> Mapping[str, int]:
    """The record types the session holds and their modes."""
    return dict(session.opened)  # a copy: OPEN DB changes the session's own


@contextmanager
def opened_for(session: Session, needs: Needs) -> Iterator[Result | None]:
    """Open what ``needs`` asks (record type → minimum mode) and the session lacks, for the block.

    Yields ``None`` when the block may go on, or the result to answer (OPEN DB refused).
    Record types opened here are closed afterwards; those the session held in a lower mode go
    back to it. Within the block, a check that reads a record type nobody asked for opens it in
    mode 1 (:func:`domain.openings.on_demand`) — except inside the caller's unit of work, where
    OPEN DB is refused and the read answers 600.
    """
    with on_demand(session), _opened_for(session, needs) as outcome:
        yield outcome


@contextmanager
def _opened_for(session: Session, needs: Needs) -> Iterator[Result | None]:
    held = held_modes(session)
    missing = [(rt, int(mode)) for rt, mode in needs.items() if held.get(rt, 0) < mode]
    if not missing:
        yield None
        return
    reply = open_with_retry(session, missing)
    if reply.rc == RC.ALREADY_OPEN:
        # inside the caller's unit of work: go on; a request answers 600 if something is missing
        yield None
        return
    if not reply.ok:
        yield from_reply(reply, "could not open " + ", ".join(f"{rt} ({m})" for rt, m in missing))
        return
    try:
        yield None
    finally:
        lowered = [(rt, held[rt]) for rt, _ in missing if rt in held]
        if lowered:
            session.open_db(lowered)  # back to the mode the session held them in
        close_opened(session, [rt for rt, _ in missing], held)


def reading(*rts: str) -> dict[str, int]:
    return {rt: Mode.CONSULT for rt in rts}


def writing(*rts: str) -> dict[str, int]:
    return {rt: Mode.MODIFY_SHARED for rt in rts}


def merge(*needs: Needs) -> dict[str, int]:
    out: dict[str, int] = {}
    for need in needs:
        for rt, mode in need.items():
            out[rt] = max(out.get(rt, 0), int(mode))
    return out


class Abort(Exception):
    """Carries a refusal out of a primitive's body to :func:`in_unit`."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.message)
        self.result = result


class Work:
    """The writes of one unit: each request's reply is checked; a refusal aborts the unit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.wrote = False

    def do(self, reply: Reply, context: str) -> Reply:
        if not reply.ok:
            raise Abort(from_reply(reply, context))
        self.wrote = True
        return reply


def in_unit(session: Session, body: Callable[[Work], Result]) -> Result:
    """Run ``body``'s writes as one unit of work (BEGIN … COMMIT), or inside the caller's."""
    begin = session.begin()
    own = begin.ok
    if not own and begin.rc != RC.ALREADY_OPEN:
        return from_reply(begin, "BEGIN")
    work = Work(session)
    try:
        result = body(work)
    except Abort as abort:
        result = abort.result
    if result.ok:
        if own:
            commit = session.commit()
            if not commit.ok:
                return from_reply(commit, "COMMIT (nothing was written)")
        return result
    if own:
        session.rollback()  # 800 if the interface already ended the unit (999): nothing left to undo
        return result
    if work.wrote:
        session.rollback()
        return Result(
            result.rc,
            f"{result.message} (the caller's unit of work is rolled back)",
            result.article,
            violations=result.violations,
            position=result.position,
            reply=result.reply,
        )
    return result


def lookup_failed(lk: Lookup, context: str) -> Result | None:
    """The read that made a check incomplete (600, 999), as the primitive's answer."""
    if lk.failure is None:
        return None
    return from_reply(lk.failure, context)


def refuse_if(violations: list[Violation], *, position: int | None = None) -> None:
    """Abort with the first integrity constraint violated, if any."""
    if violations:
        raise Abort(refused(violations, position=position))


def fail(rc: int, message: str, *, position: int | None = None) -> NoReturn:
    raise Abort(failed(rc, message, position=position))


def guarded(body: Callable[[], Result]) -> Result:
    """Run a primitive body that refuses by raising :class:`Abort` (outside any unit)."""
    try:
        return body()
    except Abort as abort:
        return abort.result
