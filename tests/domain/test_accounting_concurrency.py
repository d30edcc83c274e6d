"""Consecutive entry numbers under concurrent accounting (thesis IV.6 constraint 15).

Eight processes (``assurdb.connect`` + login each) run ACCOUNT on the same articles at once:
every process finishes, the journal holds numbers 1..N without gap or duplicate, every journal
balances, and every event is accounted exactly once (the accounted flags are read again inside
each accounting window). A second test SIGKILLs a process while it holds ``Entry`` inside a
unit: its openings are reclaimed (proof of life), its unit rolled back, the others finish and
the numbering stays gapless. DuckDB files belong to one process: eight threads, each with its
own session, stand in for the processes there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import assurdb
from assurdb.domain.accounting import account_all, install_chart, journal_problems, read_journal
from tests.conftest import ADMIN_PASSWORD
from tests.domain.test_accounting import contract, insured, loss, ok, open_for_writing, pra_id

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8
D = Decimal

#: One process imports assurdb, then forks ``count`` workers: each connects and logs in on its own,
#: they start together, and each accounts and reports one line of JSON through its own pipe. Forking
#: after the import spares seven imports of pandas and SQLAlchemy (a second each on this machine);
#: the workers are processes all the same, with their connections, openings and proof of life.
WORKERS_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, json, os, sys, time, assurdb
    from assurdb.domain.accounting import account_all
    url, password, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    assurdb.connect(url).close()  # imports the interface once; closed (its pool disposed) before the fork

    def work(go, out):
        db = assurdb.connect(url)
        s = db.login("admin", password)
        os.write(out, b"ready\\n")
        os.read(go, 1)  # start together
        began = time.monotonic()
        done = account_all(s, writing_date=dt.date(2024, 12, 31), payment_date=dt.date(2024, 12, 31), timeout=120)
        journals = [[j.journal_no, list(j.numbers), j.source_rt, j.source_id, j.event] for j in done.journals]
        report = {"rc": int(done.rc), "message": done.message, "journals": journals,
                  "seconds": time.monotonic() - began}
        with os.fdopen(out, "w") as lines:
            print(json.dumps(report), file=lines)
        s.close()
        db.close()

    go_read, go_write = os.pipe()
    children = []
    for _ in range(count):
        out_read, out_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_write)
            os.close(out_read)
            code = 1
            try:
                work(go_read, out_write)
                code = 0
            finally:
                sys.stderr.flush()
                os._exit(code)
        os.close(out_write)
        children.append((pid, os.fdopen(out_read)))
    os.close(go_read)
    for pid, lines in children:
        said = lines.readline()
        if said != "ready\\n":
            print(f"worker {pid} said {said!r}", flush=True)
            sys.exit(1)
    print("ready", flush=True)
    sys.stdin.readline()
    os.write(go_write, b"x" * count)
    for pid, lines in children:
        report = lines.readline().strip()
        print(report or json.dumps({"rc": -1, "message": f"worker {pid} gave no report", "journals": []}), flush=True)
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid, _ in children]
    sys.exit(1 if any(codes) else 0)
    """
)

#: Holds Entry (and PRA) in mode 2 inside a unit, halfway through accounting a PRA, until killed.
VICTIM = textwrap.dedent(
    """
    import datetime as dt, sys, time, assurdb
    from decimal import Decimal
    from assurdb.domain.accounting.journal import Line, window, write_journal
    db = assurdb.connect(sys.argv[1])
    s = db.login("admin", sys.argv[2])
    pra = {"policy_no": "P00", "renewal_no": 0, "endorsement_no": 0}
    with window(s, [("PRA", 2), ("Entry", 2), ("Account", 1)]) as reply:
        assert reply.ok, reply
        lines = [Line(400000, "D", Decimal("1.00")), Line(700000, "C", Decimal("1.00"))]
        write_journal(s, lines, booking_date=dt.date(2024, 1, 1), source_rt="PRA", source_id="VICTIM", event="creation")
        assert s.rewrite("PRA", {**pra, "accounted_creation": True}).ok
        print("in unit", flush=True)
        time.sleep(600)
    """
)


def seed(s: Any) -> set[tuple[str, str, str]]:
    """Twelve contracts, four cancelled, six losses with payments, two cessions of each kind:
    the (record type, source id, event) of every journal ACCOUNT must write."""
    expected: set[tuple[str, str, str]] = set()
    install_chart(s)
    open_for_writing(s)
    insured(s)
    ok(s.write("ExtCompany", {"code": "X1", "name": "Partner", "country": "BE"}))
    for i in range(12):
        cancelled = {"cancellation_date": dt.date(2024, 7, 1)} if i % 3 == 0 else {}
        guaranty = {"guaranty_no": 1, "peril": "FIRE", "sum_insured": D(10_000 + i), "premium": D(100 + i)}
        p = contract(s, pra_id(f"P{i:02d}"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31),
                     premium=str(100 + i), rate="10", guaranties=(guaranty,), **cancelled)  # fmt: skip
        expected |= {("PRA", f"P{i:02d}/0/0", "creation"), ("Guaranty", f"P{i:02d}/0/0/1", "creation")}
        if cancelled:
            expected.add(("PRA", f"P{i:02d}/0/0", "cancellation"))
        if i < 6:
            loss(s, f"L{i}", p, loss_date=dt.date(2024, 3, 1), amount=str(50 + i), paid=D(10 + i))
            expected |= {("Loss", f"L{i}", "creation"), ("Loss", f"L{i}", "payment")}
        if i < 2:
            ok(s.begin())
            ok(s.write_target_via_path("PRA", p, "CoinsuranceCession", {"code": f"C{i}", "share_pct": D(20)},
                                       "ResponsibilitySharing"))  # fmt: skip
            ok(s.bound("ExtCompany", {"code": "X1"}, "CoinsuranceCession", {"code": f"C{i}"}, "Coinsurance"))
            reins = {"code": f"R{i}", "treaty_ref": "QS", "ceded_pct": D(50)}
            ok(
                s.write_target_via_path(
                    "Guaranty", {**p, "guaranty_no": 1}, "ReinsuranceCession", reins, "GuarantySharing"
                )
            )
            ok(s.bound("ExtCompany", {"code": "X1"}, "ReinsuranceCession", {"code": f"R{i}"}, "Reinsurance"))
            ok(s.commit())
            expected |= {("CoinsuranceCession", f"C{i}", "creation"), ("ReinsuranceCession", f"R{i}", "creation")}
    s.close_db()
    return expected


def check_books(s: Any, expected: set[tuple[str, str, str]], reported: list[list[Any]]) -> None:
    """Numbers 1..N, balanced journals, every expected event in exactly one journal — in the
    database and in what the workers said they wrote."""
    assert journal_problems(s) == []
    ok(s.open_db(["Entry"]))
    frame = ok(read_journal(s)).batch
    s.close_db()
    assert [int(n) for n in frame["number"]] == list(range(1, len(frame) + 1))
    stored = Counter(
        (str(g["source_rt"].iloc[0]), str(g["source_id"].iloc[0]), str(g["event"].iloc[0]))
        for _, g in frame.groupby("journal_no")
    )
    assert set(stored) == expected and max(stored.values()) == 1
    said = Counter((rt, sid, event) for _, _, rt, sid, event in reported)
    assert said == stored  # each worker's report matches what the database holds
    numbers = sorted(n for _, nums, *_ in reported for n in nums)
    assert numbers == list(range(1, len(frame) + 1))


def spawn(script: str, url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, url, ADMIN_PASSWORD, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # one thread per numerical library: the workers are forked from the process that imported them
        env={**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    )


def read_line(proc: subprocess.Popen[str], expected: str) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(expected):
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise AssertionError(f"process said {line!r}, expected {expected!r}: {err}")
    return line


def run_workers(
    url: str, count: int, *, before_start: Any = None, workers: subprocess.Popen[str] | None = None
) -> tuple[list[dict[str, Any]], float]:
    """Start ``count`` worker processes (or take ``workers``, started by :func:`spawn` with
    ``WORKERS_SCRIPT``), release them together, collect their reports."""
    workers = workers or spawn(WORKERS_SCRIPT, url, str(count))
    try:
        read_line(workers, "ready")
        began = time.monotonic()
        assert workers.stdin is not None
        workers.stdin.write("\n")
        workers.stdin.flush()
        if before_start is not None:
            before_start()
        reports = [json.loads(read_line(workers, "{")) for _ in range(count)]
        elapsed = time.monotonic() - began
        assert workers.wait(timeout=60) == 0, workers.stderr.read() if workers.stderr else ""
    finally:
        if workers.poll() is None:
            workers.kill()
    return reports, elapsed


@pytest.fixture
def shared(backend: str, make_url: Any) -> tuple[str, set[tuple[str, str, str]]]:
    """A database many processes can open, seeded with what to account."""
    url: str = make_url()
    db = assurdb.create(url, admin_password=ADMIN_PASSWORD)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        expected = seed(s)
    finally:
        s.close()
        db.close()
    return url, expected


def _books(url: str, expected: set[tuple[str, str, str]], reported: list[list[Any]]) -> None:
    db = assurdb.connect(url)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        check_books(s, expected, reported)
    finally:
        s.close()
        db.close()


#: A DuckDB file is exclusive to one process: test_threads_on_duckdb covers it.
PROCESS_BACKENDS = pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])


@PROCESS_BACKENDS
def test_eight_processes_account_at_once(shared: tuple[str, set[tuple[str, str, str]]]) -> None:
    url, expected = shared
    reports, elapsed = run_workers(url, WORKERS)
    assert all(r["rc"] == 0 for r in reports), [r["message"] for r in reports]
    _books(url, expected, [j for r in reports for j in r["journals"]])
    shares = sorted((len(r["journals"]) for r in reports), reverse=True)
    print(f"\n{url.split(':')[0]}: {WORKERS} processes, {len(expected)} journals in {elapsed:.2f} s, shares {shares}")


@PROCESS_BACKENDS
def test_a_process_killed_inside_its_unit(shared: tuple[str, set[tuple[str, str, str]]]) -> None:
    url, expected = shared
    victim = spawn(VICTIM, url)
    workers = spawn(WORKERS_SCRIPT, url, str(WORKERS - 1))  # starts while the victim does; waits to be released
    try:
        read_line(victim, "in unit")  # it holds PRA and Entry in mode 2, one journal written, uncommitted

        def kill_it() -> None:
            time.sleep(0.3)  # the workers meet its openings (600+i) and back off…
            victim.send_signal(signal.SIGKILL)  # …until its proof of life is gone
            victim.wait(timeout=30)

        reports, elapsed = run_workers(url, WORKERS - 1, before_start=kill_it, workers=workers)
    finally:
        for process in (victim, workers):
            if process.poll() is None:
                process.kill()
    assert all(r["rc"] == 0 for r in reports), [r["message"] for r in reports]
    # the victim's journal was rolled back (no "VICTIM" source) and P00 accounted once by another
    _books(url, expected, [j for r in reports for j in r["journals"]])
    shares = sorted((len(r["journals"]) for r in reports), reverse=True)
    print(f"\n{url.split(':')[0]}: killed holder, {WORKERS - 1} processes, {elapsed:.2f} s, shares {shares}")


@pytest.mark.parametrize("backend", ["duckdb"])
def test_threads_on_duckdb(backend: str, make_url: Any) -> None:
    db = assurdb.create(make_url(), admin_password=ADMIN_PASSWORD)
    try:
        s = db.login("admin", ADMIN_PASSWORD)
        expected = seed(s)
        sessions = [db.login("admin", ADMIN_PASSWORD) for _ in range(WORKERS)]
        results: list[Any] = [None] * WORKERS
        barrier = threading.Barrier(WORKERS)

        def work(i: int) -> None:
            barrier.wait()
            results[i] = account_all(sessions[i], writing_date=dt.date(2024, 12, 31), timeout=120)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        elapsed = time.monotonic() - began
        assert all(r is not None and r.ok for r in results), [r and r.message for r in results]
        reported = [
            [j.journal_no, list(j.numbers), j.source_rt, j.source_id, j.event] for r in results for j in r.journals
        ]
        check_books(s, expected, reported)
        shares = sorted((len(r.journals) for r in results), reverse=True)
        print(f"\nduckdb: {WORKERS} sessions in threads, {len(expected)} journals in {elapsed:.2f} s, shares {shares}")
        for session in [s, *sessions]:
            session.close()
    finally:
        db.close()
