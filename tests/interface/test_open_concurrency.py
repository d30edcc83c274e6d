"""OPEN DB and CLOSE of different record types by concurrent processes never answer 999
(audit D4: on MariaDB their units deadlocked on the openings table's gap locks).

Each worker process (forked: no second start-up) opens its own record type in mode 2 and closes
it, in a loop; every reply is counted by code, and the units the DBMS rolled back to break a
deadlock (and that ran again) as ``deadlocks``.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from typing import Any

import pytest

import assurdb
from tests.conftest import ADMIN_PASSWORD

RECORD_TYPES = ("Insured", "PRA", "Guaranty", "Loss")


def _worker(url: str, rt: str, seconds: float, opens: int, out: Any) -> None:
    counts: Counter[str] = Counter()
    db = assurdb.connect(url)
    backend = type(db.backend)
    retryable = backend.retryable

    def counted(exc: BaseException) -> bool:
        found = retryable(exc)
        counts["deadlocks"] += found
        return found

    backend.retryable = staticmethod(counted)  # type: ignore[method-assign]
    s = db.login("admin", ADMIN_PASSWORD)
    end = time.monotonic() + seconds
    done = 0
    while (done < opens) if opens else (time.monotonic() < end):
        counts[f"open {int(s.open_db([(rt, 2)]).rc)}"] += 1
        counts[f"close {int(s.close_db().rc)}"] += 1
        done += 1
    s.close()
    db.close()
    out.send(dict(counts))


def _run(url: str, seconds: float, opens: int) -> Counter[str]:
    context = multiprocessing.get_context("fork")
    pipes = [context.Pipe(duplex=False) for _ in RECORD_TYPES]
    workers = [
        context.Process(target=_worker, args=(url, rt, seconds, opens, send))
        for rt, (_, send) in zip(RECORD_TYPES, pipes, strict=True)
    ]
    for worker in workers:
        worker.start()
    total: Counter[str] = Counter()
    for worker, (receive, _) in zip(workers, pipes, strict=True):
        assert receive.poll(600), "a worker did not answer"
        total.update(receive.recv())
        worker.join(60)
        assert worker.exitcode == 0
    return total


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
@pytest.mark.parametrize(
    ("seconds", "opens"),
    # short: 2.5 s per process in make test; soak: 4 × 2500 = 10 000 opens
    [pytest.param(2.5, 0, id="short"), pytest.param(0, 2500, marks=pytest.mark.soak, id="soak")],
)
def test_concurrent_openings_of_different_record_types_never_answer_999(
    make_url: Any, seconds: float, opens: int
) -> None:
    url = make_url()
    assurdb.create(url, admin_password=ADMIN_PASSWORD).close()
    counts = _run(url, seconds, opens)
    opened = sum(n for code, n in counts.items() if code.startswith("open "))
    assert opened > 0 and counts["open 0"] == counts["close 0"] == opened, counts
    if opens:
        assert opened == len(RECORD_TYPES) * opens
