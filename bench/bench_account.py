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
* **Reports**: each report of ``REPORT_CASES`` (the six of ``assurdb report``, each on its default basis) for
  ``ASSURDB_BENCH_REPORT_PERIOD`` (2024) on the accounted company: ``make_report(load_company(session), …)``,
  what ``assurdb report`` runs. Baseline: the same figures computed with pandas from a raw read — the
  driver's cursor (``fetchall`` → DataFrame) of the columns the figures need from every row of ``pra``,
  ``loss``, ``entry`` joined to ``account`` (for its type), ``org_cell``, ``ecs`` and ``intermediary``
  (claims activity: ``loss`` and ``entry`` only), the rows READ SELECTION reads; a WHERE on the account
  type, which READ SELECTION cannot express (``Entry``'s access keys are its number, writing date and
  journal), would read a tenth of the journal: the output notes that read's time. At the first repeat the
  baseline's frame is checked against the report's: the same rows, texts, dates and counts, money within
  half a cent and ratios within half of their last place (the baseline computes in floating point, the
  report in Decimal). After an untimed warm-up of each side, report and baseline alternate
  ``ASSURDB_BENCH_REPORT_REPEATS`` (3) times; medians compared. Target: each report ≤ 2× its baseline.

``ASSURDB_BENCH_PROFILE=1`` also prints the hottest functions (cProfile) of one more ACCOUNT, on a fresh
company, untimed.
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
from collections.abc import Callable, Mapping
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
        if profiled:
            profile("ACCOUNT of the demo company", run)
            s.close()
            return 0.0, 0, 0
        seconds, done = timed(run)
        if not done.ok:
            raise RuntimeError(f"ACCOUNT answered {int(done.rc)}: {done.message}")
        problems = journal_problems(s)
        if problems:
            raise RuntimeError(f"the journal ACCOUNT wrote is not sound: {problems[:3]}")
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
        seconds, journals, entries = account(url)
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
    if PROFILE:
        url, _ = load_company(scratch, dbms)
        account(url, profiled=True)
        scratch.drop(url)
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
#: The reports measured: (name, basis, by), each on the period ``REPORT_PERIOD``, on its default basis.
REPORT_CASES = (
    ("ratios", "calendar", "class"),
    ("production", "calendar", "class"),
    ("agents", "underwriting", None),
    ("transactions", "calendar", None),
    ("claims-dictionary", "calendar", None),
    ("claims-activity", "calendar", None),
)
REPORT_PERIOD = os.environ.get("ASSURDB_BENCH_REPORT_PERIOD", "2024")
REPORT_REPEATS = max(1, _env_int("ASSURDB_BENCH_REPORT_REPEATS", 3))
REPORT_TARGET = 2.0
NONE, ALL = "(none)", "(all)"
#: The account types the figures use (commissions, claims paid, claims provisions, costs).
LINE_TYPES = ("commission", "claims", "reserve", "cost")


@dataclass
class ReportFigure:
    name: str
    ours: Figure = field(default_factory=Figure)
    raw: Figure = field(default_factory=Figure)
    rows: int = 0
    error: str = ""


class RawRead:
    """The raw driver reading a table's columns into a DataFrame (``cursor.fetchall`` → DataFrame), the
    values normalised: money as integer cents, dates as ``datetime64``, flags as booleans."""

    def __init__(self, dbms: str, url: str) -> None:
        self.raw = Raw(dbms, url)
        self.dbms = dbms

    def frame(self, sql: str, *, money: tuple[str, ...] = (), dates: tuple[str, ...] = ()) -> Any:
        import pandas as pd

        cur = self.raw.cur
        cur.execute(sql)
        rows = cur.fetchall()
        names = [d[0] for d in cur.description]
        if rows and isinstance(rows[0], Mapping):  # psycopg's dict_row, PyMySQL's DictCursor
            rows = [tuple(r.values()) for r in rows]
        frame = pd.DataFrame(rows, columns=names, dtype=object)  # no inference of Arrow strings: 3× faster
        for column in money:  # SQLite stores cents; the others answer Decimal
            if self.dbms == "sqlite":
                frame[column] = frame[column].fillna(0).astype("int64")
            else:
                frame[column] = (frame[column].astype("float64").fillna(0.0) * 100).round().astype("int64")
        for column in dates:
            frame[column] = pd.to_datetime(frame[column])
        return frame

    def close(self) -> None:
        self.raw.close()


def _half_up(numerator: Any, denominator: Any) -> Any:
    """Integer numerator / denominator rounded half away from zero (Decimal's ROUND_HALF_UP)."""
    import numpy as np

    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    return np.sign(numerator) * magnitude


def raw_company(cx: RawRead, *, contracts: bool = True) -> dict[str, Any]:
    """The contracts, losses and journal lines with their class, branch, agent, term and territory,
    derived with pandas from one raw read of each table (``contracts=False``: losses and lines only)."""
    import numpy as np
    import pandas as pd

    from assurdb.domain.accounting import load_chart

    out: dict[str, Any] = {}
    cells = cx.frame("SELECT code, decomposition_code, organisation_code FROM org_cell") if contracts else None
    ecs = set(cx.frame("SELECT code FROM ecs")["code"]) if contracts else set()
    branch_of: dict[str, str] = {}
    if cells is not None:
        parent = {c: p for c, p in zip(cells["code"], cells["decomposition_code"], strict=True) if isinstance(p, str)}
        owner = {c: o for c, o in zip(cells["code"], cells["organisation_code"], strict=True) if isinstance(o, str)}
        for cell in cells["code"]:
            at, seen = cell, set()
            while at is not None and at not in seen and at not in owner:
                seen.add(at)
                at = parent.get(at)
            if at is not None and owner.get(at):
                branch_of[cell] = owner[at]
    pra = cx.frame(
        "SELECT policy_no, renewal_no, endorsement_no, class_of_business, territory, cover_start, cover_end, "
        "cancellation_date, premium, previous_term, handling_code, intermediation_code FROM pra",
        money=("premium",),
        dates=("cover_start", "cover_end", "cancellation_date"),
    )
    pra["renewal_no"] = pra["renewal_no"].astype("int64")
    pra["endorsement_no"] = pra["endorsement_no"].astype("int64")
    first = pra[(pra["renewal_no"] == 0) & (pra["endorsement_no"] == 0)].set_index("policy_no")
    pra["cell"] = pra["handling_code"].fillna(pra["policy_no"].map(first["handling_code"]))
    pra["agent"] = pra["intermediation_code"].fillna(pra["policy_no"].map(first["intermediation_code"])).fillna(NONE)
    terms = pra[pra["endorsement_no"] == 0].set_index(["policy_no", "renewal_no"])["cover_start"]
    pra["term_start"] = terms.reindex(pd.MultiIndex.from_frame(pra[["policy_no", "renewal_no"]])).to_numpy()
    pra = pra[~pra["previous_term"].fillna(False).astype(bool)].copy()
    pra["pra"] = pra["policy_no"] + "/" + pra["renewal_no"].astype(str) + "/" + pra["endorsement_no"].astype(str)
    pra["branch"] = pra["cell"].map(branch_of).fillna(NONE)
    pra["class_of_business"] = pra["class_of_business"].fillna(NONE)
    pra["territory"] = pra["territory"].fillna(NONE)
    pra["kind"] = np.where(pra["endorsement_no"] != 0, "endorsement", np.where(pra["renewal_no"] != 0, "renewal",
                                                                                 "policy"))  # fmt: skip
    total = (pra["cover_end"] - pra["cover_start"]).dt.days + 1
    unexpired = ((pra["cover_end"] - np.maximum(pra["cancellation_date"], pra["cover_start"])).dt.days + 1).clip(0)
    unexpired = np.minimum(unexpired, total)
    back = _half_up(pra["premium"] * unexpired.fillna(0).astype("int64"), total.clip(1))
    pra["returned"] = np.where(pra["cancellation_date"].notna(), back, 0)
    pra["policy_year"] = pra["term_start"].dt.year.astype("Int64").astype(str).replace("<NA>", NONE)
    out["pra"] = pra
    attrs = pra.set_index("pra")[["class_of_business", "branch", "agent", "term_start"]]

    losses = cx.frame(
        "SELECT code, accident_policy_no, accident_renewal_no, accident_endorsement_no, territory, loss_date, "
        "notification_date, closing_date, cancellation_date FROM loss",
        dates=("loss_date", "notification_date", "closing_date", "cancellation_date"),
    )
    bound = (losses["accident_policy_no"] + "/" + losses["accident_renewal_no"].astype("Int64").astype(str) + "/"
             + losses["accident_endorsement_no"].astype("Int64").astype(str))  # fmt: skip
    losses["pra"] = bound.where(losses["accident_policy_no"].notna(), NONE)
    losses = losses.join(attrs, on="pra")
    for column in ("class_of_business", "branch", "agent"):
        losses[column] = losses[column].fillna(NONE)
    losses["territory"] = losses["territory"].fillna(NONE)
    losses["notification_date"] = losses["notification_date"].fillna(losses["loss_date"])
    losses["policy_year"] = losses["term_start"].dt.year.astype("Int64").astype(str).replace("<NA>", NONE)
    out["losses"] = losses

    lines = cx.frame(
        "SELECT e.booking_date, e.writing_date, e.amount, e.side, a.type AS account_type, e.accounting_number, "
        "e.cost_category, e.cost_key, e.department, e.source_rt, e.source_id, e.event "
        "FROM entry e JOIN account a ON a.number = e.accounting_number",
        money=("amount",),
        dates=("booking_date", "writing_date"),
    )
    lines = lines[lines["account_type"].isin(LINE_TYPES)].copy()
    lines["cents"] = np.where(lines["side"] == "D", lines["amount"], -lines["amount"])
    lines["booking_date"] = lines["booking_date"].fillna(lines["writing_date"])
    chart = load_chart()
    default = {a.number: a.category or "general" for a in chart.accounts if a.type == "cost"}
    lines["category"] = lines["cost_category"].where(
        lines["cost_category"].notna() | (lines["account_type"] != "cost"),
        lines["accounting_number"].astype("int64").map(default).fillna("general"),
    )
    from_loss = (lines["source_rt"] == "Loss") & lines["source_id"].isin(set(losses["code"]))
    lines["loss"] = lines["source_id"].where(from_loss)
    contract = pd.Series(np.nan, index=lines.index, dtype="object")
    contract = contract.mask(lines["source_rt"] == "PRA", lines["source_id"])
    guaranty = (lines["source_rt"] == "Guaranty") & lines["source_id"].notna()
    contract = contract.mask(guaranty, lines["source_id"].str.rsplit("/", n=1).str[0])
    by_loss = losses.set_index("code")
    contract = contract.mask(from_loss, lines["loss"].map(by_loss["pra"]))
    known = contract.isin(attrs.index)
    joined = attrs.reindex(contract.where(known))
    department_branch = lines["department"].map(lambda d: branch_of.get(d) or (d if d in ecs else None))
    lines["class_of_business"] = np.where(known, joined["class_of_business"], lines["cost_key"].fillna(NONE))
    lines["branch"] = np.where(known, joined["branch"], department_branch.fillna(NONE))
    lines["agent"] = np.where(known, joined["agent"], NONE)
    lines["term_start"] = joined["term_start"].to_numpy()
    lines["policy_year"] = lines["term_start"].dt.year.astype("Int64").astype(str).replace("<NA>", NONE)
    lines["loss_date"] = lines["loss"].map(by_loss["loss_date"])
    lines["territory"] = lines["loss"].map(by_loss["territory"]).fillna(NONE)
    lines["event"] = lines["event"].fillna(NONE)
    out["lines"] = lines
    if contracts:
        out["agents"] = dict(cx.frame("SELECT code, name FROM intermediary").itertuples(index=False, name=None))
    return out


MONEY = ("written_premium", "earned_premium", "commissions", "paid_losses", "outstanding", "incurred_losses",
         "lae_allocated", "expenses")  # fmt: skip


def raw_figures(c: Mapping[str, Any], basis: str, start: dt.date, end: dt.date, at: dt.date,
                keys: list[str]) -> Any:  # fmt: skip
    """Every money figure (currency units, float) and count by ``keys`` for a basis and period (both ends
    inclusive), evaluated at ``at``: contracts, journal lines and losses as the docstrings of the reports
    define them."""
    import numpy as np
    import pandas as pd

    low, high, when = pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(at)

    def inside(days: Any) -> Any:
        return (days >= low) & (days <= high)

    p = c["pra"]
    cancelled = p["cancellation_date"] <= when
    back = np.where(cancelled, p["returned"], 0)
    last = p["cover_end"].where(~cancelled, np.minimum(p["cover_end"], p["cancellation_date"] - pd.Timedelta(days=1)))
    total = (p["cover_end"] - p["cover_start"]).dt.days + 1
    if basis == "underwriting":
        keep = inside(p["term_start"])
        written = p["premium"] - back
        days = ((np.minimum(last, when) - p["cover_start"]).dt.days + 1).clip(0)
        counted = pd.Series(True, index=p.index)
    else:
        starts = inside(p["cover_start"])
        written = np.where(starts, p["premium"], 0) - np.where(cancelled & inside(p["cancellation_date"]), back, 0)
        days = ((np.minimum(last, high) - np.maximum(p["cover_start"], low)).dt.days + 1).clip(0)
        counted = starts
        keep = starts | (written != 0) | ((p["premium"] != 0) & (days > 0))
    premiums = pd.DataFrame({
        **{k: p[k] for k in keys},
        "written_premium": written / 100,
        "earned_premium": np.where(total > 0, p["premium"] * days / total.clip(1), 0.0) / 100,
        "policies": (counted & (p["kind"] != "endorsement")).astype("int64"),
    })[keep]  # fmt: skip

    e = c["lines"]
    booked, kind, category, signed = e["booking_date"], e["account_type"], e["category"], e["cents"] / 100
    claims, reserve, commission = kind == "claims", kind == "reserve", kind == "commission"
    adjusting = (kind == "cost") & (category == "claims")
    expense = (kind == "cost") & ~category.isin(["claims", "investment"])
    if basis == "calendar":
        flows = inside(booked)
        balance = reserve & (booked <= high)
    else:
        cohort = inside(e["term_start"] if basis == "underwriting" else e["loss_date"]) & (booked <= when)
        flows = cohort.where(claims | reserve | adjusting, inside(booked)) if basis == "accident" else cohort
        balance = reserve & cohort
    zero = 0.0
    lines = pd.DataFrame({
        **{k: e[k] for k in keys},
        "paid_losses": np.where(flows & claims, signed, zero),
        "incurred_losses": np.where(flows & claims, signed, zero) - np.where(flows & reserve, signed, zero)
        + np.where(flows & adjusting, signed, zero),
        "commissions": np.where(flows & commission, signed, zero),
        "expenses": np.where(flows & (commission | expense), signed, zero),
        "lae_allocated": np.where(flows & adjusting & e["loss"].notna(), signed, zero),
        "outstanding": np.where(balance, -signed, zero),
    })[balance | (flows & (claims | reserve | adjusting | commission | expense) & (signed != 0))]  # fmt: skip

    x = c["losses"]
    if basis == "calendar":
        counted_losses = inside(x["notification_date"])
    elif basis == "underwriting":
        counted_losses = inside(x["term_start"]) & (x["loss_date"] <= when)
    else:
        counted_losses = inside(x["loss_date"]) & (x["loss_date"] <= when)
    claims_frame = pd.DataFrame({**{k: x[k] for k in keys}, "claims": 1})[counted_losses]
    facts = pd.concat([premiums, lines, claims_frame], ignore_index=True)
    for column in (*MONEY, "policies", "claims"):
        facts[column] = facts[column].fillna(0) if column in facts else 0
    if not keys:
        facts["_all"] = ALL
    grouped = facts.groupby(keys or ["_all"], sort=True, dropna=False)[[*MONEY, "policies", "claims"]].sum()
    return grouped


def _ordered(frame: Any) -> Any:
    """Rows by key, ``(none)`` after the named ones (the reports' order)."""
    import pandas as pd

    if isinstance(frame.index, pd.MultiIndex):
        order = sorted(frame.index, key=lambda k: tuple((p == NONE, p) for p in k))
    else:
        order = sorted(frame.index, key=lambda k: (k == NONE, k))
    return frame.loc[order]


def _ratio(a: Any, b: Any) -> Any:
    import numpy as np

    return np.where(b != 0, a / np.where(b != 0, b, 1), np.nan)


def raw_ratios(cx: RawRead, start: dt.date, end: dt.date) -> Any:
    import pandas as pd

    found = _ordered(raw_figures(raw_company(cx), "calendar", start, end, end, ["class_of_business"]))
    found.loc[ALL] = found.sum()
    ei = _ratio(found["incurred_losses"], found["earned_premium"])
    ex = _ratio(found["expenses"], found["written_premium"])
    return pd.DataFrame({
        "class_of_business": found.index,
        **{k: found[k].to_numpy() for k in ("written_premium", "earned_premium", "paid_losses", "outstanding",
                                           "incurred_losses", "expenses")},
        "earned_incurred_ratio": ei,
        "written_paid_ratio": _ratio(found["paid_losses"], found["written_premium"]),
        "expense_ratio": ex,
        "profit_ratio": 1 - ei - ex,
        "breakeven_loss_ratio": 1 - ex,
    })  # fmt: skip


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def raw_production(cx: RawRead, start: dt.date, end: dt.date) -> Any:
    import pandas as pd

    c = raw_company(cx)
    parts = []
    for name, low in (("period", start), ("year_to_date", dt.date(end.year, 1, 1))):
        now = _ordered(raw_figures(c, "calendar", low, end, end, ["class_of_business"]))
        before = raw_figures(c, "calendar", _year_earlier(low), _year_earlier(end), _year_earlier(end),
                             ["class_of_business"])["written_premium"]  # fmt: skip
        then = before.reindex(now.index).fillna(0.0)
        now.loc[ALL] = now.sum()
        then[ALL] = before.sum()
        frame = now.reset_index()
        frame.insert(1, "window", name)
        frame.insert(2, "start", pd.Timestamp(low))
        frame.insert(3, "end", pd.Timestamp(end))
        frame["premium_growth"] = _ratio(now["written_premium"].to_numpy(), then.to_numpy()) - 1
        frame["earned_incurred_ratio"] = _ratio(frame["incurred_losses"], frame["earned_premium"])
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def raw_agents(cx: RawRead, start: dt.date, end: dt.date) -> Any:
    import pandas as pd

    c = raw_company(cx)
    parts = []
    for year in range(start.year, end.year + 1):
        evaluated = min(dt.date(year, 12, 31), end)
        found = raw_figures(c, "underwriting", start, end, evaluated, ["agent", "policy_year"]).reset_index()
        found = found[(found["policy_year"] != NONE)]
        found = found[found["policy_year"].astype(int) <= year]
        found.insert(1, "agent_name", found["agent"].map(c["agents"]).fillna(NONE))
        found["policy_year"] = found["policy_year"].astype(int)
        found.insert(3, "evaluated_at", pd.Timestamp(evaluated))
        parts.append(found)
    frame = pd.concat(parts, ignore_index=True).sort_values(["agent", "policy_year", "evaluated_at"])
    frame["earned_incurred_ratio"] = _ratio(frame["incurred_losses"], frame["earned_premium"])
    frame["written_paid_ratio"] = _ratio(frame["paid_losses"], frame["written_premium"])
    return frame.reset_index(drop=True)


def raw_transactions(cx: RawRead, start: dt.date, end: dt.date) -> Any:
    import pandas as pd

    c = raw_company(cx)
    p, e = c["pra"], c["lines"]
    low, high = pd.Timestamp(start), pd.Timestamp(end)
    dated = p[(p["cover_start"] >= low) & (p["cover_start"] <= high)]
    gone = p[(p["cancellation_date"] >= low) & (p["cancellation_date"] <= high)]
    moves = pd.concat([
        pd.DataFrame({"branch": dated["branch"], "class_of_business": dated["class_of_business"],
                      "transaction": dated["kind"].map({"policy": "new", "renewal": "renewal",
                                                        "endorsement": "endorsement"}),
                      "premium": dated["premium"] / 100}),
        pd.DataFrame({"branch": gone["branch"], "class_of_business": gone["class_of_business"],
                      "transaction": "cancellation", "premium": -gone["returned"] / 100}),
    ])  # fmt: skip
    costs = e[(e["account_type"] == "cost") & (e["category"] == "acquisition") & (e["booking_date"] >= low)
              & (e["booking_date"] <= high)].groupby("branch")["cents"].sum() / 100  # fmt: skip
    per_branch = moves.groupby("branch").size()
    spread = costs.get(NONE, 0.0) / len(moves) if len(moves) else 0.0
    frame = moves.groupby(["branch", "class_of_business", "transaction"]).agg(
        count=("premium", "size"), premium=("premium", "sum")).reset_index()  # fmt: skip
    order = {"new": 0, "renewal": 1, "endorsement": 2, "cancellation": 3}
    frame = frame.sort_values(["branch", "class_of_business", "transaction"],
                              key=lambda col: col.map(order) if col.name == "transaction" else col)  # fmt: skip
    frame["average_premium"] = frame["premium"] / frame["count"]
    own = frame["branch"].map(costs).fillna(0.0) / frame["branch"].map(per_branch)
    frame["average_cost"] = own.where(frame["branch"] != NONE, 0.0) + spread
    return frame.reset_index(drop=True)


def raw_claims_dictionary(cx: RawRead, start: dt.date, end: dt.date) -> Any:
    import pandas as pd

    c = raw_company(cx)
    x, e = c["losses"], c["lines"]
    low, high = pd.Timestamp(start), pd.Timestamp(end)
    own = e[e["loss"].notna() & (e["booking_date"] <= high)]
    active = set(own.loc[own["booking_date"] >= low, "loss"])
    before = own[(own["account_type"] == "reserve") & (own["booking_date"] < low)].groupby("loss")["cents"].sum()
    active |= set(before[before != 0].index)
    chosen = x[(x["notification_date"] <= high) & ((x["notification_date"] >= low) | x["code"].isin(active))]
    paid = own[own["account_type"] == "claims"].sort_values(["loss", "booking_date", "cents"])
    history = paid.groupby("loss").apply(
        lambda g: "; ".join(f"{d:%Y-%m-%d} {a / 100:.2f}" for d, a in zip(g["booking_date"], g["cents"], strict=True)),
        include_groups=False,
    )  # fmt: skip
    sums = pd.DataFrame({
        "payments": paid.groupby("loss").size(),
        "paid": paid.groupby("loss")["cents"].sum() / 100,
        "outstanding": -own[own["account_type"] == "reserve"].groupby("loss")["cents"].sum() / 100,
        "lae_allocated": own[(own["account_type"] == "cost") & (own["category"] == "claims")]
        .groupby("loss")["cents"].sum() / 100,
    }).reindex(chosen["code"]).fillna(0)  # fmt: skip
    status = pd.Series("open", index=chosen.index)
    status = status.mask(chosen["closing_date"] <= high, "closed").mask(chosen["cancellation_date"] <= high,
                                                                          "cancelled")  # fmt: skip
    frame = pd.DataFrame({
        "branch": chosen["branch"].to_numpy(),
        "claim": chosen["code"].to_numpy(),
        "agent": chosen["agent"].to_numpy(),
        "agent_name": chosen["agent"].map(c["agents"]).fillna(NONE).to_numpy(),
        "policy": chosen["pra"].to_numpy(),
        "class_of_business": chosen["class_of_business"].to_numpy(),
        "territory": chosen["territory"].to_numpy(),
        "status": status.to_numpy(),
        "loss_date": chosen["loss_date"].to_numpy(),
        "notification_date": chosen["notification_date"].to_numpy(),
        "payments": sums["payments"].astype("int64").to_numpy(),
        "paid": sums["paid"].to_numpy(),
        "outstanding": sums["outstanding"].to_numpy(),
        "lae_allocated": sums["lae_allocated"].to_numpy(),
        "incurred": (sums["paid"] + sums["outstanding"] + sums["lae_allocated"]).to_numpy(),
        "payment_history": chosen["code"].map(history).fillna("").to_numpy(),
    })  # fmt: skip
    return frame.sort_values(["branch", "claim"]).reset_index(drop=True)


def raw_claims_activity(cx: RawRead, start: dt.date, end: dt.date) -> Any:
    import pandas as pd

    c = raw_company(cx, contracts=False)
    x, e = c["losses"], c["lines"]
    e = e[e["account_type"].isin(["claims", "reserve"])]
    reserve = e["account_type"] == "reserve"
    parts = []
    for month in pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq="M"):
        low, high = max(month.start_time, pd.Timestamp(start)), min(month.end_time.normalize(), pd.Timestamp(end))
        known = e["booking_date"] <= high
        now = known & (e["booking_date"] >= low)
        cents = e["cents"] / 100
        moves = pd.DataFrame({
            "territory": e["territory"],
            "new_reserves": -cents.where(now & reserve & (e["event"] == "creation"), 0.0),
            "payments": cents.where(now & ~reserve, 0.0),
            "corrections": -cents.where(now & reserve & ~e["event"].isin(["creation", "payment"]), 0.0),
            "reserves_end": -cents.where(known & reserve, 0.0),
            "change": -cents.where(now & reserve, 0.0),
        })[known]  # fmt: skip
        new = x[(x["loss_date"] >= low) & (x["loss_date"] <= high)].assign(new_claims=1)[["territory", "new_claims"]]
        shut = x[(x["closing_date"] >= low) & (x["closing_date"] <= high)].assign(closed_claims=1)
        frame = pd.concat([new, shut[["territory", "closed_claims"]], moves]).fillna(0)
        frame = frame.groupby("territory", sort=True).sum()
        frame.loc[ALL] = frame.sum()
        frame = frame.reset_index()
        frame.insert(0, "month", f"{month.year:04d}-{month.month:02d}")
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    for column in ("new_claims", "closed_claims"):
        frame[column] = frame[column].astype("int64")
    return frame


RAW_REPORTS: Mapping[str, Callable[[RawRead, dt.date, dt.date], Any]] = {
    "ratios": raw_ratios,
    "production": raw_production,
    "agents": raw_agents,
    "transactions": raw_transactions,
    "claims-dictionary": raw_claims_dictionary,
    "claims-activity": raw_claims_activity,
}


def same_figures(ours: Any, raw: Any) -> str | None:
    """Why the baseline's figures differ from the report's, or None: the same rows and columns, texts,
    dates and counts equal, money within half a cent and ratios within half of their last place (the
    report rounds them; the baseline computes in floating point)."""
    import numpy as np
    import pandas as pd

    kinds = ours.attrs.get("kinds", {})
    if len(ours) != len(raw):
        return f"{len(ours)} rows, the baseline {len(raw)}"
    for column in ours.columns:
        if column not in raw:
            return f"the baseline has no column {column}"
        mine, theirs = ours[column].reset_index(drop=True), raw[column].reset_index(drop=True)
        kind = kinds.get(column, "text")
        if kind in ("money", "ratio"):
            a = np.array([np.nan if v is None else float(v) for v in mine])
            b = pd.to_numeric(theirs).astype(float).to_numpy()
            tolerance = 0.005 if kind == "money" else 0.00005
            bad = ~((np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= tolerance + 1e-9))
        elif kind == "date":
            bad = (pd.to_datetime(mine) != pd.to_datetime(theirs)).to_numpy()
        elif kind == "count":
            bad = mine.astype("int64").to_numpy() != theirs.astype("int64").to_numpy()
        else:
            bad = mine.astype(str).to_numpy() != theirs.astype(str).to_numpy()
        if bad.any():
            n = int(np.flatnonzero(bad)[0])
            return f"column {column}, row {n}: report {mine[n]!r}, baseline {theirs[n]!r}"
    return None


def run_reports(dbms: str, url: str) -> list[ReportFigure]:
    """Each report of ``REPORT_CASES`` on the accounted company: ``load_company`` + ``make_report``
    against its raw read + pandas, alternately, ``REPORT_REPEATS`` times (after one untimed run of each
    side); the figures compared once."""
    import assurdb
    from assurdb.domain.reports import Period, load_company, make_report

    period = Period.parse(REPORT_PERIOD)
    figures: list[ReportFigure] = []
    db = assurdb.connect(url)
    try:
        s = db.login("admin", PASSWORD)
        # untimed warm-up of both sides (imports, the drivers' first statements, psycopg's preparing)
        load_company(s)
        cx = RawRead(dbms, url)
        try:
            raw_company(cx)
        finally:
            cx.close()
        for name, basis, by in REPORT_CASES:
            fig = ReportFigure(f"{name} ({basis}{', by ' + by if by else ''})")
            figures.append(fig)
            try:
                for repeat in range(REPORT_REPEATS):
                    seconds, frame = timed(lambda: make_report(load_company(s), name, period, basis=basis, by=by))  # noqa: B023
                    fig.ours.samples.append(seconds)
                    cx = RawRead(dbms, url)
                    try:
                        raw_seconds, raw = timed(lambda: RAW_REPORTS[name](cx, period.start, period.end))  # noqa: B023
                    finally:
                        cx.close()
                    fig.raw.samples.append(raw_seconds)
                    if repeat == 0:
                        fig.rows = len(frame)
                        differs = same_figures(frame, raw)
                        if differs:
                            raise RuntimeError(f"the baseline does not compute the report's figures: {differs}")
                print(f"  report {fig.name}: {len(frame)} rows, {fig.ours.median:.3f} s; raw read + pandas "
                      f"{fig.raw.median:.3f} s ({fig.ours.median / fig.raw.median:.2f}×)", flush=True)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - one report failing must not hide the others
                traceback.print_exc()
                fig.error = f"{type(exc).__name__}: {exc}"
        s.close()
    finally:
        db.close()
    print(f"  note: {filtered_read(dbms, url)}", flush=True)
    return figures


def filtered_read(dbms: str, url: str) -> str:
    """The raw read of the journal lines the figures use only, against that of every line (once)."""
    wanted = ", ".join(f"'{t}'" for t in LINE_TYPES)
    sql = ("SELECT e.booking_date, e.writing_date, e.amount, e.side, a.type AS account_type, e.accounting_number, "
           "e.cost_category, e.cost_key, e.department, e.source_rt, e.source_id, e.event "
           "FROM entry e JOIN account a ON a.number = e.accounting_number")  # fmt: skip
    cx = RawRead(dbms, url)
    try:
        every, all_lines = timed(lambda: cx.frame(sql, money=("amount",), dates=("booking_date", "writing_date")))
        some, used = timed(lambda: cx.frame(f"{sql} WHERE a.type IN ({wanted})", money=("amount",),
                                            dates=("booking_date", "writing_date")))  # fmt: skip
    finally:
        cx.close()
    return (
        f"the raw read of the {len(used):,} journal lines the figures use (WHERE a.type IN ({wanted})) takes "
        f"{some:.3f} s, of all {len(all_lines):,} lines {every:.3f} s; READ SELECTION reads every line"
    )


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


if __name__ == "__main__":
    main()
