"""Opening record types from the domain layer: retry with back-off on 600+i.

"A session that needs to modify an RT another session modifies gets 600+i and may retry; the
domain layer's helpers retry with back-off up to a timeout." Used by every primitive that
opens record types for a short time (accounting opens ``Entry`` only while it numbers).
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from assurdb.metadb.contract import RC, Mode, Opening, Reply, Session

#: Default time a primitive waits for record types another session holds.
DEFAULT_TIMEOUT = 30.0


def open_with_retry(
    session: Session,
    openings: Sequence[Opening],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    first_delay: float = 0.005,
    max_delay: float = 0.25,
) -> Reply:
    """OPEN DB, retrying with jittered exponential back-off while another session holds an
    incompatible opening (600+i); any other answer is returned at once."""
    deadline = time.monotonic() + timeout
    delay = first_delay
    while True:
        reply = session.open_db(openings)
        busy = 600 < int(reply.rc) < 700
        if not busy or time.monotonic() >= deadline:
            return reply
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, max_delay)


@contextmanager
def opened(session: Session, openings: Sequence[Opening], *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Reply]:
    """Open record types for the ``with`` block and close those this block opened afterwards.

    Yields OPEN DB's reply: the caller checks ``reply.rc`` (nothing was opened unless it is 0).
    Record types the session already held stay open. When it held none, one CLOSE DB closes what
    the block opened: a CLOSE is a transaction on the openings (on DuckDB a few milliseconds, an
    accounting window opens four record types).
    """
    names = [o if isinstance(o, str) else o[0] for o in openings]
    held = set(session.opened)
    reply = open_with_retry(session, openings, timeout=timeout)
    try:
        yield reply
    finally:
        if reply.rc == RC.OK:
            close_opened(session, names, held)


def close_opened(session: Session, names: Sequence[str], held: Collection[str]) -> None:
    """Close the record types ``names`` a block opened (``held``: what the session held before it):
    one CLOSE DB when the session held none and holds nothing else — a transaction on the openings,
    where a CLOSE RT each was one apiece —, else a CLOSE RT for each not held before."""
    if not held and set(session.opened) <= set(names):
        session.close_db()
        return
    for name in names:
        if name not in held:
            session.close_rt(name)


#: The record types opened on demand in the current primitive (``None`` outside one).
_on_demand: ContextVar[list[str] | None] = ContextVar("assurdb_on_demand", default=None)


@contextmanager
def on_demand(session: Session) -> Iterator[None]:
    """Within the block, a check that reads a record type the session has not opened may open it in
    mode 1 (:func:`open_on_demand`); the block closes those afterwards."""
    token = _on_demand.set([])
    try:
        yield
    finally:
        opened = _on_demand.get() or []
        _on_demand.reset(token)
        for rt in opened:
            session.close_rt(rt)


def open_on_demand(session: Session, rts: Sequence[str]) -> bool:
    """Open ``rts`` in mode 1 for the rest of the :func:`on_demand` block, if there is one and the
    session may open (not inside its own unit of work: OPEN DB answers 700 there). True if opened."""
    pending = _on_demand.get()
    missing = [rt for rt in dict.fromkeys(rts) if rt not in session.opened]
    if pending is None or not missing:
        return False
    reply = open_with_retry(session, [(rt, Mode.CONSULT) for rt in missing])
    if not reply.ok:
        return False
    pending.extend(missing)
    return True
