"""The engine's adapter reading the guaranties into a frame, against a raw driver fetch of the same frame.

The insurance schema's ``Guaranty`` table holds ``ASSURDB_BENCH_GUARANTIES`` (1 000 000) guaranties, four to
a PRA, the PRAs all of one insured: written through the access interface (WRITE BATCH of PRAs, then of
their guaranties, in units of ``ASSURDB_BENCH_UNIT`` (50 000) guaranties, the record types opened in mode 2),
on a database created by ``assurdb.create``. Amounts, dates, damages and cancellations vary
(``random.Random(ASSURDB_BENCH_SEED)``), a few items are null, as in a real portfolio.

* assurdb: ``StoredBusiness(session).guaranties()`` on a fresh adapter — OPEN DB in mode 1, READ SELECTION of
  every guaranty (a frame of the contract's dtypes, decimals as ``Decimal``), the decimal items converted to
  ``float64``.
* raw: the same ``SELECT`` (the interface's own: same columns, same order) through the driver into a frame
  with the same columns and dtypes — DuckDB: ``.df()`` (DuckDB converts decimals to doubles itself);
  PostgreSQL (psycopg) and MariaDB (PyMySQL): ``fetchall`` → ``DataFrame``, each decimal column
  converted with numpy's ``float()`` per value; SQLite (sqlite3): ``fetchall`` → ``DataFrame``, the
  decimals (stored as integers of cents) divided by 10^scale. Then the dtypes the interface answers
  (``Int64``, ``string``, ``boolean``, ``datetime64[s]``). No check of any value.

The two frames are compared once (``pandas.testing.assert_frame_equal``): the raw side computes the same
frame. Each figure is the median of ``ASSURDB_BENCH_REPEATS`` (3) runs, interface and raw alternating (the
first of each untimed, a warm-up); the ratio is interface ÷ raw seconds; target ≤ 1.5×.
``ASSURDB_BENCH_DBMS`` picks the DBMSs (default ``duckdb,postgresql``; ``sqlite`` and ``mariadb`` too);
a server that cannot be reached is skipped with the reason. ``ASSURDB_BENCH_PROFILE=1`` also prints the
interface's hottest functions (cProfile).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import statistics
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bench._servers import Scratch, unreachable
from bench.bench_interface import _connect_args, _sqlite_path, profile, version_of


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


GUARANTIES = _env_int("ASSURDB_BENCH_GUARANTIES", 1_000_000)
UNIT = _env_int("ASSURDB_BENCH_UNIT", 50_000)
REPEATS = _env_int("ASSURDB_BENCH_REPEATS", 3)
SEED = _env_int("ASSURDB_BENCH_SEED", 1986)
PROFILE = os.environ.get("ASSURDB_BENCH_PROFILE") == "1"
ALL_DBMS = ("sqlite", "duckdb", "postgresql", "mariadb")
DBMS = tuple(d.strip() for d in os.environ.get("ASSURDB_BENCH_DBMS", "duckdb,postgresql").split(",") if d.strip())
TARGET = 1.5
PER_PRA = 4
RT = "Guaranty"
PASSWORD = "bench-secret"
RAW_NAMES = {
    "sqlite": "sqlite3 fetchall → DataFrame",
    "duckdb": "duckdb .df()",
    "postgresql": "psycopg fetchall → DataFrame",
    "mariadb": "pymysql fetchall → DataFrame",
}
#: Where the interface's time goes, beyond the raw side's (cProfile, ASSURDB_BENCH_PROFILE=1).
NOTES = {
    "duckdb": (
        "DuckDB: READ SELECTION fetches rows (fetchall: a Python Decimal, date, str per value) and decodes each into "
        "an article; the contract's frame holds exact Decimals, which the adapter then converts to floats. The "
        "raw .df() never makes a Python object: the gap is the row-by-row contract, not the adapter"
    ),
    "sqlite": (
        "SQLite: the codec turns each stored integer of cents into a Decimal and each ISO date into a date "
        "(the contract's values), which the adapter then converts to floats and datetime64; the raw side "
        "divides the integers by 10^scale, column by column"
    ),
}
PERILS = ("FIRE", "EXPLOSION", "STORM", "WATER DAMAGE", "THEFT", "GLASS", "LIABILITY", "NATURAL CATASTROPHE")


# -- the data --------------------------------------------------------------------------------------------
def _pra(number: int) -> dict[str, Any]:
    year = 2015 + number % 10
    return {
        "policy_no": f"{number:09d}",
        "renewal_no": 0,
        "endorsement_no": 0,
        "class_of_business": "FIRE",
        "cover_start": dt.date(year, 1, 1),
        "cover_end": dt.date(year, 12, 31),
        "insurance_code": 1,
    }


def _guaranties(pra: Mapping[str, Any], count: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for n in range(1, count + 1):
        sum_insured = rng.randrange(1_000_00, 5_000_000_00)
        article: dict[str, Any] = {
            "policy_no": pra["policy_no"],
            "renewal_no": 0,
            "endorsement_no": 0,
            "guaranty_no": n,
            "peril": PERILS[(n - 1 + rng.randrange(2)) % len(PERILS)],
            "sum_insured": Decimal(sum_insured).scaleb(-2),
            "premium": Decimal(sum_insured * rng.randrange(5, 40) // 10_000).scaleb(-2),
            "risk_location": f"{rng.randrange(1, 200)} rue de la Paix, Paris" if n == 1 else None,
        }
        if rng.random() < 0.05:
            article["damage_date"] = pra["cover_start"] + dt.timedelta(days=rng.randrange(365))
            article["damage_amount"] = Decimal(rng.randrange(100_00, sum_insured)).scaleb(-2)
            article["damage_pct"] = Decimal(rng.randrange(1, 10_000)).scaleb(-2)
        if rng.random() < 0.02:
            article["cancellation_type"] = "insured"
            article["cancellation_date"] = pra["cover_start"] + dt.timedelta(days=rng.randrange(365))
        out.append(article)
    return out


@contextmanager
def session(url: str, *, create: bool = False) -> Iterator[Any]:
    import assurdb

    db = assurdb.create(url, admin_password=PASSWORD) if create else assurdb.connect(url)
    try:
        s = db.login("admin", PASSWORD)
        try:
            yield s
        finally:
            s.close()
    finally:
        db.close()


def _ok(reply: Any, what: str) -> None:
    if reply.rc != 0:
        raise RuntimeError(f"{what}: {int(reply.rc)} {reply.message}")


def populate(url: str, guaranties: int) -> float:
    """Create the database at ``url`` and write ``guaranties`` guaranties through the interface; the seconds."""
    rng = random.Random(SEED)
    start = time.perf_counter()
    with session(url, create=True) as s:
        _ok(s.open_db([("Insured", 2), ("PRA", 2), (RT, 2)]), "OPEN DB")
        _ok(s.write("Insured", {"code": 1, "name": "BENCH INSURED"}), "WRITE Insured")
        pras = -(-guaranties // PER_PRA)
        per_unit = max(1, UNIT // PER_PRA)
        for first in range(0, pras, per_unit):
            batch = [_pra(n) for n in range(first, min(pras, first + per_unit))]
            # four guaranties to a PRA, the last PRA those left (at least one: a PRA needs a guaranty)
            covers = [
                g
                for n, p in enumerate(batch, first)
                for g in _guaranties(p, min(PER_PRA, guaranties - n * PER_PRA), rng)
            ]
            _ok(s.begin(), "BEGIN")
            _ok(s.write_batch("PRA", batch), "WRITE BATCH PRA")
            _ok(s.write_batch(RT, covers), "WRITE BATCH Guaranty")
            _ok(s.commit(), "COMMIT")
        _ok(s.close_db(), "CLOSE")
    return time.perf_counter() - start


# -- the contenders ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """What the raw side needs to know of the table: the interface's SELECT, column names, dtypes, scales."""

    sql: str
    columns: tuple[str, ...]
    dtypes: Mapping[str, str]  #: the frame's dtypes (the interface's, decimals float64)
    scales: Mapping[str, int]  #: decimal item → scale


def shape_of(s: Any) -> Shape:
    spec = s.records[RT]
    if tuple(spec.columns) != tuple(spec.item_order):
        raise RuntimeError(f"{RT}: columns {spec.columns} are not the items {spec.item_order}")
    items = {i.name: i for i in s.schema.record_types[RT].items}
    scales = {name: int(i.scale or 0) for name, i in items.items() if i.type == "decimal"}
    dtypes = {c: "float64" if c in scales else spec.dtypes.get(c, "object") for c in spec.item_order}
    return Shape(spec.select_all + spec.order_by["id"], tuple(spec.item_order), dtypes, scales)


def _typed(frame: Any, shape: Shape, *, skip: Sequence[str] = ()) -> Any:
    """The frame's columns given the interface's dtypes (decimals already converted, ``skip``)."""
    import pandas as pd

    for column, dtype in shape.dtypes.items():
        if column in shape.scales or column in skip or str(frame[column].dtype) == dtype:
            continue
        if dtype.startswith("datetime64"):
            frame[column] = pd.to_datetime(frame[column]).astype(dtype)
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


class Raw:
    """A driver connection of its own: ``frame()`` reads the table into the interface's columns and dtypes."""

    def __init__(self, dbms: str, url: str, shape: Shape) -> None:
        self.dbms = dbms
        self.shape = shape
        if dbms == "sqlite":
            import sqlite3

            self.cx: Any = sqlite3.connect(_sqlite_path(url), isolation_level=None)
        elif dbms == "duckdb":
            import duckdb

            self.cx = duckdb.connect(url.removeprefix("duckdb:///"))
        elif dbms == "postgresql":
            import psycopg

            args, kwargs = _connect_args(url)
            self.cx = psycopg.connect(*args, **kwargs, autocommit=True)
        else:
            import pymysql

            args, kwargs = _connect_args(url)
            self.cx = pymysql.connect(*args, **kwargs, autocommit=True)

    def frame(self) -> Any:
        import numpy as np
        import pandas as pd

        shape = self.shape
        if self.dbms == "duckdb":
            frame = self.cx.execute(shape.sql).df()  # DECIMAL → float64 by DuckDB
            return _typed(frame, shape)
        cur = self.cx.cursor()
        try:
            cur.execute(shape.sql)
            rows = cur.fetchall()
        finally:
            cur.close()
        frame = pd.DataFrame.from_records(rows, columns=list(shape.columns))
        for column, scale in shape.scales.items():
            if self.dbms == "sqlite":  # integers of 10^-scale, None → NaN
                frame[column] = frame[column].astype("float64") / 10**scale
            else:  # Decimal objects: numpy's float() per value, None → NaN
                values = frame[column].to_numpy(dtype=object)
                missing = pd.isna(values)
                out = np.full(len(values), np.nan)
                out[~missing] = values[~missing].astype("float64")
                frame[column] = out
        return _typed(frame, shape)

    def close(self) -> None:
        self.cx.close()


# -- one DBMS --------------------------------------------------------------------------------------------------
@dataclass
class Result:
    dbms: str
    rows: int
    write_seconds: float = 0.0
    ours: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.raw)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def measure(dbms: str, guaranties: int = GUARANTIES, *, repeats: int = REPEATS) -> Result:
    """Write ``guaranties`` guaranties on a scratch database of ``dbms``, then time the interface's and the
    raw frame ``repeats`` times each, alternating (after a warm-up of each, whose frames are compared)."""
    import pandas as pd

    from assurdb.engine.stored import StoredBusiness

    result = Result(dbms, guaranties, notes=[NOTES[dbms]] if dbms in NOTES else [])
    with Scratch() as scratch:
        url = scratch.fresh(dbms)
        result.write_seconds = populate(url, guaranties)
        with session(url) as s:
            shape = shape_of(s)
            raw = Raw(dbms, url, shape)
            try:
                contenders: list[tuple[list[float], Callable[[], Any]]] = [
                    (result.ours, lambda: StoredBusiness(s).guaranties()),
                    (result.raw, raw.frame),
                ]
                ours_frame, raw_frame = (fn() for _, fn in contenders)
                if len(ours_frame) != guaranties:
                    raise RuntimeError(f"the interface read {len(ours_frame)} guaranties, not {guaranties}")
                pd.testing.assert_frame_equal(ours_frame, raw_frame)
                del ours_frame, raw_frame
                for rep in range(max(1, repeats)):
                    for samples, fn in contenders if rep % 2 == 0 else contenders[::-1]:
                        seconds, _ = _timed(fn)
                        samples.append(seconds)
                if PROFILE:
                    profile(f"StoredBusiness.guaranties() on {dbms}", contenders[0][1])
            finally:
                raw.close()
    return result


# -- report --------------------------------------------------------------------------------------------------
def report(results: list[Result | tuple[str, str]]) -> None:
    print(
        f"\n  {'DBMS':<11} {'rows':>10} {'interface s':>12} {'raw s':>8} {'ratio':>7} {'target':>7}  result  "
        "raw baseline"
    )
    for r in results:
        if isinstance(r, tuple):
            print(f"  {r[0]:<11} {r[1]}")
            continue
        ours, raw = statistics.median(r.ours), statistics.median(r.raw)
        verdict = "PASS" if r.ratio <= TARGET else "MISS"
        print(
            f"  {r.dbms:<11} {r.rows:>10,} {ours:>12.3f} {raw:>8.3f} {r.ratio:>6.2f}× {f'≤ {TARGET:g}×':>7}  "
            f"{verdict:<6}  {RAW_NAMES[r.dbms]}"
        )
    print(
        f"  (seconds: median of {max(1, REPEATS)} runs after a warm-up, interface and raw alternating; "
        "ratio: interface ÷ raw)"
    )
    for r in results:
        if not isinstance(r, tuple):
            for note in r.notes:
                print(textwrap.fill(note, 116, initial_indent="  note: ", subsequent_indent="        "))


def main() -> None:
    print(
        f"Guaranty: {GUARANTIES:,} guaranties ({PER_PRA} per PRA), written by WRITE BATCH in units of {UNIT:,}; "
        f"StoredBusiness.guaranties() against the raw driver's frame; seed {SEED}"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the start (other work on it shows in the figures)")
    results: list[Result | tuple[str, str]] = []
    for dbms in DBMS:
        if dbms not in ALL_DBMS:
            results.append((dbms, f"unknown DBMS (known: {', '.join(ALL_DBMS)})"))
            continue
        problem = unreachable(dbms)
        if problem is not None:
            print(f"\n{dbms}: SKIPPED — {problem}")
            results.append((dbms, f"skipped: {problem}"))
            continue
        started = time.perf_counter()
        try:
            result = measure(dbms)
        except Exception as exc:  # noqa: BLE001 - one DBMS failing must not hide the others' figures
            traceback.print_exc()
            print(f"\n{dbms}: FAILED — {type(exc).__name__}: {exc}")
            results.append((dbms, f"FAILED: {type(exc).__name__}: {exc}"))
            continue
        print(
            f"\n{dbms} ({version_of(dbms)}): {result.rows:,} guaranties written through the interface in "
            f"{result.write_seconds:.1f} s; measured in {time.perf_counter() - started:.1f} s in all"
        )
        results.append(result)
    report(results)


if __name__ == "__main__":
    main()
