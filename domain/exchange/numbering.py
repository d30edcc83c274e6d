"""Consecutive numbers (articles, log entries) found through the interface.

The last number in use is found by an exponential then binary search on READ DIRECT — about
2·log2(n) reads, whatever the size of the record type — since the contract has no "last article"
request. Numbers start at 1 and have no gaps (the hub allocates them inside its units of work).
"""

from __future__ import annotations

from assurdb.domain.exchange.errors import ExchangeError
from assurdb.metadb.contract import RC, Session


def last_number(session: Session, rt: str, item: str) -> int:
    """The highest ``item`` in use in ``rt`` (0 when empty); numbers are consecutive from 1."""

    def exists(n: int) -> bool:
        reply = session.read_direct(rt, {item: n})
        if reply.rc not in (RC.OK, RC.NOT_FOUND):
            raise ExchangeError(f"READ DIRECT {rt} {item}={n}: {reply.message}")
        return reply.ok

    if not exists(1):
        return 0
    low, high = 1, 2
    while exists(high):
        low, high = high, high * 2
    while high - low > 1:  # low exists, high does not
        mid = (low + high) // 2
        low, high = (mid, high) if exists(mid) else (low, mid)
    return low
