"""ACCOUNT and the results reports of the demo company, against the raw driver and pandas (issue 13, item 2).

Workload: the demo company — ``load_synthetic_company(seed=ASSURDB_BENCH_ACCOUNT_SEED (1),
insured=ASSURDB_BENCH_ACCOUNT_INSURED (1 000))``, what ``assurdb demo`` loads: 5 451 PRAs, 10 395
guaranties, 854 coinsurance and 865 reinsurance cessions, 355 losses — loaded through the primitives into a
database ``assurdb.create`` made (untimed), on every DBMS of ``ASSURDB_BENCH_DBMS`` (default all four;
a server that cannot be reached is skipped with the reason).

* **ACCOUNT**: ``account_all(session, writing_date=31/12/2024, payment_date=31/12/2024)`` as the demo runs
  it (17 781 journals, 45 898 entries), on a fresh session. Then ``journal_problems`` must find nothing (the
  numbers 1..N without gap, every journal balanced).
  Baseline: the raw driver's insert of **the same entries** — read back from the accounted database
  (``SELECT * FROM entry ORDER BY number``, the rows as the table stores them), then inserted into the
  ``entry`` table of another database ``assurdb.create`` made (same tables and indexes; its ``account``
  rows copied first, untimed, for the foreign key) in one transaction: sqlite3 / psycopg / PyMySQL
  ``executemany`` of a named-parameter INSERT, DuckDB ``pyarrow.Table.from_pylist`` and one
  ``INSERT … SELECT``. Each repeat loads a fresh company; ACCOUNT and the raw insert alternate,
  ``ASSURDB_BENCH_ACCOUNT_REPEATS`` (2) times; medians compared. Target: ACCOUNT ≤ 3× the raw insert.
* **ACCOUNT in 8 processes**: ``ASSURDB_BENCH_ACCOUNT_WORKERS`` (8) processes (DuckDB, whose file belongs
  to one process: threads, a session each) run the same ``account_all`` on one fresh company at once.
  Checked: every worker answers 0, ``journal_problems`` finds nothing and the journal holds exactly the
  journals one process writes (each event accounted once). Correctness only: PASS/FAIL, its time shown.
* **Reports**: see the second half of the module's output (``REPORTS``).

``ASSURDB_BENCH_PROFILE=1`` also prints ACCOUNT's hottest functions (cProfile) on each DBMS.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench._servers import Scratch, unreachable
from bench.bench_interface import PASSWORD, Raw, profile, timed, version_of


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


INSURED = _env_int("ASSURDB_BENCH_ACCOUNT_INSURED", 1_000)
SEED = _env_int("ASSURDB_BENCH_ACCOUNT_SEED", 1)
REPEATS = max(1, _env_int("ASSURDB_BENCH_ACCOUNT_REPEATS", 2))
WORKERS = _env_int("ASSURDB_BENCH_ACCOUNT_WORKERS", 8)
PROFILE = os.environ.get("ASSURDB_BENCH_PROFILE") == "1"
ALL_DBMS = ("sqlite", "duckdb", "postgresql", "mariadb")
DBMS = tuple(d.strip() for d in os.environ.get("ASSURDB_BENCH_DBMS", ",".join(ALL_DBMS)).split(",") if d.strip())
#: The demo's accounting date (``assurdb demo`` accounts everything as at 31/12/2024).
AT = dt.date(2024, 12, 31)
ACCOUNT_TARGET = 3.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Figure:
    """One contender's samples (seconds) and what the last run answered."""

    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass
class Outcome:
    dbms: str
    ours: Figure = field(default_factory=Figure)
    raw: Figure = field(default_factory=Figure)
    journals: int = 0
    entries: int = 0
    concurrent: str = ""
    concurrent_ok: bool | None = None
    reports: list[ReportFigure] = field(default_factory=list)


# -- the company ---------------------------------------------------------------------------------------
def load_company(scratch: Scratch, dbms: str) -> tuple[str, dict[str, int]]:
    """A fresh database holding the demo company, not yet accounted."""
    import assurdb
    from assurdb.domain.synthetic import load_synthetic_company

    url = scratch.fresh(dbms)
    db = assurdb.create(url, admin_password=PASSWORD)
    try:
        s = db.login("admin", PASSWORD)
        counts = dict(load_synthetic_company(s, seed=SEED, insured=INSURED).counts)
        s.close()
    finally:
        db.close()
    return url, counts


def account(url: str, *, profiled: bool = False) -> tuple[float, int, int]:
    """ACCOUNT everything (timed), then the journal checked: seconds, journals, entries."""
    import assurdb
    from assurdb.domain.accounting import account_all, journal_problems

    db = assurdb.connect(url)
    try:
        s = db.login("admin", PASSWORD)
        run = lambda: account_all(s, writing_date=AT, payment_date=AT)  # noqa: E731
        seconds, done = timed(run)
        if not done.ok:
            raise RuntimeError(f"ACCOUNT answered {int(done.rc)}: {done.message}")
        problems = journal_problems(s)
        if problems:
            raise RuntimeError(f"the journal ACCOUNT wrote is not sound: {problems[:3]}")
        if profiled:
            profile("ACCOUNT run again (nothing left to post)", run)
        s.close()
    finally:
        db.close()
    return seconds, len(done.journals), sum(len(j.numbers) for j in done.journals)


def _rows(cx: Raw, sql: str) -> list[dict[str, Any]]:
    """Every row of ``sql`` as a dict, as the driver answers the values."""
    cur = cx.cur
    cur.execute(sql)
    rows = cur.fetchall()
    if cx.dbms == "duckdb":
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in rows]
    return [dict(row) for row in rows]


def raw_insert(scratch: Scratch, dbms: str, source: str) -> tuple[float, int]:
    """The baseline: the entries ACCOUNT wrote in ``source``, inserted by the raw driver into the empty
    ``entry`` table of a fresh database (its accounts copied first, untimed)."""
    import assurdb

    cx = Raw(dbms, source)
    try:
        accounts = _rows(cx, "SELECT * FROM account")
        entries = _rows(cx, "SELECT * FROM entry ORDER BY number")
    finally:
        cx.close()
    url = scratch.fresh(dbms)
    assurdb.create(url, admin_password=PASSWORD).close()
    cx = Raw(dbms, url)
    try:
        cx.insert("account", accounts)
        seconds, _ = timed(lambda: cx.insert("entry", entries))
        written = cx.count("entry")
    finally:
        cx.close()
    scratch.drop(url)
    if written != len(entries):
        raise RuntimeError(f"the raw insert wrote {written} of {len(entries)} entries")
    return seconds, written


# -- 8 processes at once -------------------------------------------------------------------------------------
WORKER = textwrap.dedent(
    """
    import datetime as dt, json, sys, assurdb
    from assurdb.domain.accounting import account_all
    db = assurdb.connect(sys.argv[1])
    s = db.login("admin", sys.argv[2])
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    at = dt.date(2024, 12, 31)
    done = account_all(s, writing_date=at, payment_date=at, timeout=600)
    print(json.dumps({"rc": int(done.rc), "message": done.message, "journals": len(done.journals)}), flush=True)
    s.close()
    db.close()
    """
)


def concurrent(dbms: str, url: str, expected: int) -> tuple[bool, str]:
    """``WORKERS`` sessions run ACCOUNT at once: (sound?, what was seen)."""
    import assurdb
    from assurdb.domain.accounting import journal_problems, read_journal

    started = time.perf_counter()
    answers: list[dict[str, Any]] = []
    if dbms == "duckdb":  # one process per file: threads, a session each
        db = assurdb.connect(url)
        try:
            sessions = [db.login("admin", PASSWORD) for _ in range(WORKERS)]
            gate = threading.Barrier(WORKERS)

            def work(s: Any) -> None:
                from assurdb.domain.accounting import account_all

                gate.wait()
                done = account_all(s, writing_date=AT, payment_date=AT, timeout=600)
                answers.append({"rc": int(done.rc), "message": done.message, "journals": len(done.journals)})

            started = time.perf_counter()
            threads = [threading.Thread(target=work, args=(s,)) for s in sessions]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - started
            for s in sessions:
                s.close()
        finally:
            db.close()
    else:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, url, PASSWORD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(WORKERS)
        ]
        for p in procs:
            assert p.stdout is not None
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a worker did not start")
        started = time.perf_counter()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, _ = p.communicate(timeout=1800)
            answers.append(json.loads(out.strip().splitlines()[-1]))
        seconds = time.perf_counter() - started
    db = assurdb.connect(url)
    try:
        s = db.login("admin", PASSWORD)
        problems = journal_problems(s)
        assert s.open_db([("Entry", 1)]).ok
        frame = read_journal(s).batch
        s.close()
    finally:
        db.close()
    assert frame is not None
    journals = frame.drop_duplicates("journal_no")
    events = Counter(zip(journals["source_rt"], journals["source_id"], journals["event"], strict=True))
    twice = [e for e, n in events.items() if n > 1]
    refused = [a for a in answers if a["rc"] != 0]
    written = sum(a["journals"] for a in answers)
    sound = not problems and not twice and not refused and len(journals) == expected == written
    seen = (
        f"{WORKERS} {'threads' if dbms == 'duckdb' else 'processes'}: {len(journals):,} journals "
        f"({', '.join(str(a['journals']) for a in answers)} each), {len(frame):,} entries in {seconds:.2f} s; "
        f"gaps/unbalanced: {len(problems)}, events posted twice: {len(twice)}, refusals: {len(refused)}"
    )
    if refused:
        seen += f" ({refused[0]['message']})"
    return sound, seen


# -- one DBMS -----------------------------------------------------------------------------------------------
def run_dbms(dbms: str, scratch: Scratch) -> Outcome:
    out = Outcome(dbms)
    kept: str | None = None
    for repeat in range(REPEATS):
        url, counts = load_company(scratch, dbms)
        if repeat == 0:
            shown = ", ".join(f"{counts[k]:,} {k}" for k in ("PRA", "Guaranty", "CoinsuranceCession",
                                                              "ReinsuranceCession", "Loss"))  # fmt: skip
            print(f"  company loaded: {shown}", flush=True)
        seconds, journals, entries = account(url, profiled=PROFILE and repeat == REPEATS - 1)
        out.ours.samples.append(seconds)
        out.journals, out.entries = journals, entries
        raw_seconds, _ = raw_insert(scratch, dbms, url)
        out.raw.samples.append(raw_seconds)
        print(
            f"  ACCOUNT {journals:,} journals, {entries:,} entries: {seconds:.2f} s; raw insert of the same "
            f"entries {raw_seconds:.3f} s ({seconds / raw_seconds:.2f}×)",
            flush=True,
        )
        if kept is not None:
            scratch.drop(kept)
        kept = url
    if WORKERS > 1:
        url, _ = load_company(scratch, dbms)
        out.concurrent_ok, out.concurrent = concurrent(dbms, url, out.journals)
        print(f"  {out.concurrent}", flush=True)
        scratch.drop(url)
    assert kept is not None
    out.reports = run_reports(dbms, kept)
    scratch.drop(kept)
    return out


# -- the reports ---------------------------------------------------------------------------------------------
@dataclass
class ReportFigure:
    name: str
    ours: Figure = field(default_factory=Figure)
    raw: Figure = field(default_factory=Figure)
    rows: int = 0
    error: str = ""


def run_reports(dbms: str, url: str) -> list[ReportFigure]:
    return []


# -- output --------------------------------------------------------------------------------------------------
def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "MISS"


def main() -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"the demo company: synthetic, seed {SEED}, {INSURED:,} insured; ACCOUNT as at {AT:%d/%m/%Y}; "
          f"{REPEATS} repeat(s), each on a freshly loaded company")  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the start (other work on it shows in the figures)")
    outcomes: list[Outcome | tuple[str, str]] = []
    for dbms in DBMS:
        if dbms not in ALL_DBMS:
            outcomes.append((dbms, f"unknown DBMS (known: {', '.join(ALL_DBMS)})"))
            continue
        problem = unreachable(dbms)
        if problem is not None:
            print(f"\n{dbms}: SKIPPED — {problem}")
            outcomes.append((dbms, f"skipped: {problem}"))
            continue
        print(f"\n{dbms} ({version_of(dbms)})", flush=True)
        started = time.perf_counter()
        with Scratch() as scratch:
            try:
                outcomes.append(run_dbms(dbms, scratch))
            except Exception as exc:  # noqa: BLE001 - one DBMS failing must not hide the others' figures
                traceback.print_exc()
                outcomes.append((dbms, f"FAILED: {type(exc).__name__}: {exc}"))
        print(f"  ({dbms}: {time.perf_counter() - started:.1f} s)", flush=True)

    print(f"\n  {'DBMS':<11} {'figure':<34} {'assurdb s':>10} {'baseline s':>11} {'ratio':>7} {'target':>7}  result")
    for item in outcomes:
        if isinstance(item, tuple):
            print(f"  {item[0]:<11} {item[1]}")
            continue
        o = item
        ratio = o.ours.median / o.raw.median
        print(f"  {o.dbms:<11} {'ACCOUNT vs raw insert of entries':<34} {o.ours.median:>10.3f} {o.raw.median:>11.3f} "
              f"{ratio:>6.2f}× {f'≤ {ACCOUNT_TARGET:g}×':>7}  {verdict(ratio, ACCOUNT_TARGET)}")  # fmt: skip
        if o.concurrent_ok is not None:
            print(f"  {o.dbms:<11} {f'ACCOUNT in {WORKERS} sessions at once':<34} {'':>10} {'':>11} {'':>7} "
                  f"{'sound':>7}  {'PASS' if o.concurrent_ok else 'FAIL'}")  # fmt: skip
        for r in o.reports:
            label = f"report {r.name}"
            if r.error:
                print(f"  {o.dbms:<11} {label:<34} FAILED: {r.error}")
                continue
            rr = r.ours.median / r.raw.median
            print(f"  {o.dbms:<11} {label:<34} {r.ours.median:>10.3f} {r.raw.median:>11.3f} {rr:>6.2f}× "
                  f"{f'≤ {REPORT_TARGET:g}×':>7}  {verdict(rr, REPORT_TARGET)}")  # fmt: skip
    print("  baselines: the raw driver's insert of the entries ACCOUNT wrote; each report's figures computed "
          "from a raw read with pandas (checked equal)")  # fmt: skip


REPORT_TARGET = 2.0


if __name__ == "__main__":
    main()
