"""Whole databases copied between DBMSs (``assurdb.migrations.copy``) against a raw pipeline, per pair.

Data set: the synthetic company of ``ASSURDB_BENCH_COPY_INSURED`` (1 000) insured, seed 1986, built on SQLite
through the domain primitives, then copied (and measured) to the other DBMSs, which serve as the sources of
the remaining pairs. Every ordered pair of the reachable DBMSs is measured (``ASSURDB_BENCH_COPY_PAIRS``,
e.g. ``sqlite:duckdb,postgresql:mariadb``, picks some), each into a fresh database.

* assurdb: ``copy(source, target)`` — the target created (tables and meta-database), every record type read
  through the source's interface and written by WRITE BATCH in path-ordered units of work, N-N links by
  BOUND, users and schema history, then both sides' counts and checksums (the target read back in full).
* raw pipeline: the target created the same way (``assurdb.create``), then per table — each record type's
  and each N-N path's — a driver fetch of every row of the source (``SELECT *``; DuckDB's own
  ``to_arrow_table``) into an Arrow table, and an insert on the target in one transaction per table
  (``executemany`` of the Arrow table's rows on the relational DBMSs, foreign keys not checked as a bulk
  load does; ``INSERT … SELECT`` from the Arrow table on DuckDB). The rows inserted are those the target
  must hold, read from the target DBMS's copy of the company before the clock starts: a raw pipeline has
  no codec (a SQLite decimal is a scaled integer, a DuckDB repetitive item a LIST), so the conversion it
  would need is not timed — the pipeline is what moving the bytes costs. It checks nothing; the copy
  checks every value against the meta-database, every link, and both sides' checksums.

Throughput: articles (and links) per second; the ratio is copy ÷ pipeline seconds. Goal: ≤ 1.5×.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench._servers import Scratch, unreachable

INSURED = int(os.environ.get("ASSURDB_BENCH_COPY_INSURED", "1000"))
SEED = int(os.environ.get("ASSURDB_BENCH_SEED", "1986"))
ALL_DBMS = ("sqlite", "duckdb", "postgresql", "mariadb")
PASSWORD = "bench-secret"
GOAL = 1.5


def _pairs(reachable: list[str]) -> list[tuple[str, str]]:
    wanted = os.environ.get("ASSURDB_BENCH_COPY_PAIRS")
    if wanted:
        return [tuple(p.split(":", 1)) for p in wanted.split(",") if p.strip()]  # type: ignore[misc]
    return [(s, t) for s in reachable for t in reachable if s != t]


class Raw:
    """A driver connection of its own to one database: ``fetch`` a table into Arrow, ``insert`` one."""

    def __init__(self, dbms: str, url: str) -> None:
        self.dbms = dbms
        if dbms == "duckdb":
            import duckdb

            self.con: Any = duckdb.connect(url.removeprefix("duckdb:///"))
            self.engine = None
            self.quote: Callable[[str], str] = lambda n: f'"{n}"'
        else:
            import sqlalchemy as sa

            self.engine = sa.create_engine(url)
            self.con = self.engine.raw_connection()
            self.quote = self.engine.dialect.identifier_preparer.quote
            self.mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
            # a bulk load's usual settings: foreign keys not checked row by row (a self-referencing
            # table's rows come in key order, not in the order of their links); SQLite's are off already
            off = {"mariadb": "SET FOREIGN_KEY_CHECKS=0", "postgresql": "SET session_replication_role = replica"}
            if dbms in off:
                cur = self.con.cursor()
                cur.execute(off[dbms])
                cur.close()
                self.con.commit()

    def fetch(self, table: str) -> Any:
        import pyarrow as pa

        sql = f"SELECT * FROM {self.quote(table)}"
        if self.dbms == "duckdb":
            return self.con.sql(sql).to_arrow_table()
        cur = self.con.cursor()
        cur.execute(sql)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
        cur.close()
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        return pa.table({n: list(c) for n, c in zip(names, columns, strict=True)})

    def insert(self, table: str, data: Any) -> None:
        if data.num_rows == 0:
            return
        if self.dbms == "duckdb":
            self.con.register("_batch", data)
            self.con.execute("BEGIN")
            self.con.execute(f"INSERT INTO {self.quote(table)} SELECT * FROM _batch")
            self.con.execute("COMMIT")
            self.con.unregister("_batch")
            return
        names = ", ".join(self.quote(n) for n in data.column_names)
        marks = ", ".join([self.mark] * data.num_columns)
        rows = list(zip(*(c.to_pylist() for c in data.columns), strict=True))
        cur = self.con.cursor()
        cur.executemany(f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})", rows)
        cur.close()
        self.con.commit()

    def close(self) -> None:
        self.con.close()
        if self.engine is not None:
            self.engine.dispose()


def _tables() -> list[str]:
    from assurdb.metadb.loader import load_schema
    from assurdb.metadb.physical import junction_name, table_name
    from assurdb.migrations.copy import order

    schema = load_schema("insurance")
    tables = [table_name(rt) for unit in order(schema) for rt in unit]
    return tables + [junction_name(p.name) for p in schema.path_types.values() if p.many_to_many]


def pipeline(source: tuple[str, str], target_rows: dict[str, Any], target: tuple[str, str]) -> float:
    """Seconds of the raw pipeline from ``source`` into a new database at ``target`` ((dbms, url) each)."""
    import assurdb

    started = time.perf_counter()
    assurdb.create(target[1], admin_password=PASSWORD).close()
    src, dst = Raw(*source), Raw(*target)
    try:
        for table, rows in target_rows.items():
            src.fetch(table)
            dst.insert(table, rows)
    finally:
        src.close()
        dst.close()
    return time.perf_counter() - started


def main() -> None:
    import assurdb
    from assurdb.domain.synthetic import load_synthetic_company
    from assurdb.migrations import copy
    from assurdb.migrations.copy import META_MOVED

    reachable = []
    for dbms in ALL_DBMS:
        problem = unreachable(dbms)
        if problem is None:
            reachable.append(dbms)
        else:
            print(f"{dbms}: SKIPPED — {problem}")
    pairs = [p for p in _pairs(reachable) if p[0] in reachable and p[1] in reachable]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the start")
    tables = _tables()
    results: list[tuple[str, str, int, float, float, str]] = []
    with Scratch() as scratch:
        sources = {"sqlite": scratch.fresh("sqlite")}
        started = time.perf_counter()
        db = assurdb.create(sources["sqlite"], admin_password=PASSWORD)
        session = db.login("admin", PASSWORD)
        report = load_synthetic_company(session, seed=SEED, insured=INSURED)
        session.close()
        db.close()
        print(f"data set: synthetic company, {INSURED:,} insured, seed {SEED}: {report.counts['PRA']:,} PRAs "
              f"(built in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        # the company on every DBMS a pair names (untimed): the sources, and the rows the pipeline inserts
        for dbms in sorted({d for pair in pairs for d in pair} - {"sqlite"}):
            sources[dbms] = scratch.fresh(dbms)
            copy(sources["sqlite"], sources[dbms], user="admin", password=PASSWORD)
        for source, target in pairs:
            try:
                url = scratch.fresh(target)
                comparison = copy(sources[source], url, user="admin", password=PASSWORD)
                scratch.drop(url)
                if not comparison.equal:
                    raise RuntimeError(f"the copy differs:\n{comparison.text()}")
                articles = sum(n for name, (n, _) in comparison.source.rows.items() if name not in META_MOVED)
                holder = Raw(target, sources[target])
                try:
                    rows = {t: holder.fetch(t) for t in tables}
                finally:
                    holder.close()
                raw_url = scratch.fresh(target)
                raw = pipeline((source, sources[source]), rows, (target, raw_url))
                scratch.drop(raw_url)
                results.append((source, target, articles, comparison.seconds, raw, ""))
                print(f"  {source} → {target}: copy {comparison.seconds:.1f} s, pipeline {raw:.1f} s", flush=True)
            except Exception as exc:  # noqa: BLE001 - one pair failing must not hide the others' figures
                traceback.print_exc()
                results.append((source, target, 0, 0.0, 0.0, f"FAILED: {type(exc).__name__}: {exc}"))
    print("\ncopy throughput, articles and links per second (assurdb copy ÷ raw pipeline, measured in this run)")
    print(f"  {'pair':<24} {'articles':>9} {'copy/s':>9} {'pipeline/s':>11} {'ratio':>7}")
    for source, target, articles, ours, raw, failed in results:
        pair = f"{source} → {target}"
        if failed:
            print(f"  {pair:<24} {failed}")
            continue
        ratio = ours / raw
        mark = "" if ratio <= GOAL else f"  (goal ≤ {GOAL}×)"
        print(f"  {pair:<24} {articles:>9,} {articles / ours:>9,.0f} {articles / raw:>11,.0f} {ratio:>6.2f}×{mark}")
