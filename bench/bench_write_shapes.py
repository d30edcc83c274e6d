"""WRITE BATCH of every item shape against a raw insert of the same dict rows, on every DBMS (issue 13, item 1).

Each shape is ``ASSURDB_BENCH_SHAPE_ROWS`` (50 000) articles of one record type of the insurance schema,
built by ``random.Random(ASSURDB_BENCH_SEED)``-free formulas (the same rows every run):

* ``flat``: ``Insured {code, name, kind}``;
* ``decomposable``: the same with an ``address`` of four sub-items;
* ``repetitive``: the same with two ``phone`` occurrences;
* ``date``: the same with a ``birth_date``;
* ``boolean``: ``Worker {code, name, function, part_time}``;
* ``decimal``: ``Treaty`` with three decimals (share, retention, lines), its dates and its mandatory items;
* ``path``: ``OrgCell`` whose ``organisation_code`` names its ECS (path Organisation; one ECS written first).

The raw baseline gets the same dicts and does what a hand-written program must to store them: one
comprehension puts each article's values into the table's columns (a decomposable item's sub-items, a
repetitive item's occurrences into their columns; on SQLite decimals as the scaled integers and dates as
the ISO text the schema stores) and one ``executemany`` of a named-parameter INSERT in one transaction —
sqlite3, psycopg, pymysql; DuckDB: ``pyarrow.Table.from_pylist`` of the rows (structs and lists as they
are) and one ``INSERT … SELECT`` from it. Both sides write into a fresh database ``assurdb.create`` made
(same tables and indexes), alternately, ``ASSURDB_BENCH_WRITE_REPEATS`` (3) times; the medians are compared.

Target: WRITE BATCH ≤ 1.3× the raw insert for every shape on every DBMS. ``ASSURDB_BENCH_DBMS`` picks
DBMSs; unreachable servers are skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from bench._servers import Scratch, unreachable
from bench.bench_interface import PASSWORD, Raw, timed

ROWS = int(os.environ.get("ASSURDB_BENCH_SHAPE_ROWS", "50000"))
REPEATS = int(os.environ.get("ASSURDB_BENCH_WRITE_REPEATS", "3"))
ALL_DBMS = ("sqlite", "duckdb", "postgresql", "mariadb")
DBMS = tuple(d.strip() for d in os.environ.get("ASSURDB_BENCH_DBMS", ",".join(ALL_DBMS)).split(",") if d.strip())
TARGET = 1.3
DAY0 = dt.date(1940, 1, 1)


@dataclass(frozen=True)
class Shape:
    name: str
    rt: str
    table: str
    article: Callable[[int], dict[str, Any]]
    #: decimal items and their scale (SQLite stores decimals as scaled integers)
    decimals: tuple[tuple[str, int], ...] = ()
    #: record types to open besides ``rt`` (a path's origin) and articles written first
    before: tuple[tuple[str, dict[str, Any]], ...] = ()


def _insured(i: int) -> dict[str, Any]:
    return {"code": i, "name": f"NAME{i:07d}", "kind": "person"}


SHAPES = (
    Shape("flat", "Insured", "insured", _insured),
    Shape(
        "decomposable",
        "Insured",
        "insured",
        lambda i: {
            **_insured(i),
            "address": {"street": f"RUE {i}", "postcode": "1000", "city": "BRUXELLES", "country": "BE"},
        },
    ),
    Shape("repetitive", "Insured", "insured", lambda i: {**_insured(i), "phone": [f"+32 2 {i:07d}", "+32 475 0"]}),
    Shape("date", "Insured", "insured", lambda i: {**_insured(i), "birth_date": DAY0 + dt.timedelta(days=i % 20_000)}),
    Shape(
        "boolean",
        "Worker",
        "worker",
        lambda i: {"code": f"W{i:07d}", "name": f"WORKER {i}", "function": "clerk", "part_time": i % 3 == 0},
    ),
    Shape(
        "decimal",
        "Treaty",
        "treaty",
        lambda i: {
            "code": f"SURPLUS-{i:08d}",
            "underwriting_year": 2000 + i % 25,
            "kind": "surplus",
            "rank": 1,
            "currency": "EUR",
            "inception": dt.date(2000 + i % 25, 1, 1),
            "expiry": dt.date(2000 + i % 25, 12, 31),
            "attachment": "LORA",
            "share_pct": Decimal(i % 10_000).scaleb(-4),
            "retention": Decimal(100_000 + i).scaleb(-2),
            "lines": Decimal(9),
            "commission_pct": Decimal("27.50"),
        },
        decimals=(("share_pct", 4), ("retention", 2), ("lines", 2), ("commission_pct", 2)),
    ),
    Shape(
        "path",
        "OrgCell",
        "org_cell",
        lambda i: {
            "code": f"C{i:08d}",
            "name": f"CELL {i}",
            "level": 1,
            "kind": "commercial",
            "organisation_code": "HO",
        },
        before=(("ECS", {"code": "HO", "name": "HEAD OFFICE", "region": "BRU", "level": 1}),),
    ),
)


def raw_rows(dbms: str, shape: Shape, articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The articles in the table's columns, as a hand-written program would put them."""
    if dbms == "duckdb":
        return articles  # structs and lists are DuckDB columns of their own
    scales = dict(shape.decimals)
    rows = []
    for a in articles:
        row: dict[str, Any] = {}
        for item, value in a.items():
            if isinstance(value, dict):
                row.update({f"{item}_{k}": v for k, v in value.items()})
            elif isinstance(value, list):
                row.update({f"{item}_{n}": v for n, v in enumerate(value, 1)})
            elif dbms == "sqlite" and item in scales:
                row[item] = int(value.scaleb(scales[item]))
            elif dbms == "sqlite" and isinstance(value, dt.date):
                row[item] = value.isoformat()
            else:
                row[item] = value
        rows.append(row)
    return rows


def _fresh(scratch: Scratch, dbms: str, shape: Shape) -> str:
    import assurdb

    url = scratch.fresh(dbms)
    db = assurdb.create(url, admin_password=PASSWORD)
    try:
        s = db.login("admin", PASSWORD)
        for rt, article in shape.before:
            assert s.open_db([(rt, 2)]).rc == 0
            reply = s.write(rt, article)
            if reply.rc != 0:
                raise RuntimeError(f"{rt}: {reply.message}")
        s.close()
    finally:
        db.close()
    return url


def _ours(url: str, shape: Shape, articles: list[dict[str, Any]]) -> float:
    import assurdb

    db = assurdb.connect(url)
    try:
        s = db.login("admin", PASSWORD)
        opened = [(shape.rt, 2), *((rt, 1) for rt, _ in shape.before)]
        assert s.open_db(opened).rc == 0
        seconds, reply = timed(partial(s.write_batch, shape.rt, articles))
        if reply.rc != 0:
            raise RuntimeError(f"{shape.name}: write_batch answered {int(reply.rc)}: {reply.message}")
        s.close()
    finally:
        db.close()
    return seconds


def _raw(dbms: str, url: str, shape: Shape, articles: list[dict[str, Any]]) -> float:
    cx = Raw(dbms, url)
    try:
        seconds, _ = timed(lambda: cx.insert(shape.table, raw_rows(dbms, shape, articles)))
        if cx.count(shape.table) != len(articles):
            raise RuntimeError(f"{shape.name}: the raw insert wrote {cx.count(shape.table)} rows")
    finally:
        cx.close()
    return seconds


def main() -> None:
    print(f"  {ROWS:,} articles per shape; median of {REPEATS} alternating runs; target ≤ {TARGET:g}× raw")
    results: list[tuple[str, str, float, float]] = []
    with Scratch() as scratch:
        for dbms in DBMS:
            problem = unreachable(dbms)
            if problem:
                print(f"  {dbms}: skipped — {problem}")
                continue
            for shape in SHAPES:
                articles = [shape.article(i) for i in range(ROWS)]
                ours, raw = [], []
                for _ in range(max(1, REPEATS)):
                    url = _fresh(scratch, dbms, shape)
                    ours.append(_ours(url, shape, articles))
                    scratch.drop(url)
                    url = _fresh(scratch, dbms, shape)
                    raw.append(_raw(dbms, url, shape, articles))
                    scratch.drop(url)
                results.append((dbms, shape.name, statistics.median(ours), statistics.median(raw)))
                d, name, o, r = results[-1]
                print(f"  {d:<10} {name:<13} assurdb {o:7.3f} s  raw {r:7.3f} s  {o / r:5.2f}×", flush=True)
    print(f"\n  {'DBMS':<10} {'shape':<13} {'assurdb s':>10} {'raw s':>8} {'ratio':>7} {'goal':>7}  result")
    for dbms, name, ours_s, raw_s in results:
        ratio = ours_s / raw_s
        verdict = "PASS" if ratio <= TARGET else "MISS"
        print(f"  {dbms:<10} {name:<13} {ours_s:>10.3f} {raw_s:>8.3f} {ratio:>6.2f}× {f'≤ {TARGET:g}×':>7}  {verdict}")


if __name__ == "__main__":
    main()
