"""WRITE BATCH on DuckDB: set-based checks, then one insert from an Arrow table.

DuckDB has no savepoint and its constraint errors abort the transaction, so nothing may be
left for the DBMS to refuse: duplicates (within the batch and against the table), missing
origins and 1-1 clashes are found with joins over the batch first (SPEC §3.1 "all or none",
issue 3 "WRITE BATCH through Arrow/pandas bulk insert").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.runtime.session import Core
from generator.runtime.specs import RecordSpec
from metadb.contract import RC, Reply


def write_batch(session: Core, spec: RecordSpec, articles: Sequence[Any]) -> Reply:
    from generator.runtime.database import _origins_open

    values, refusal = session.check_batch(spec, articles)
    if refusal is not None:
        earlier = session.diagnose_batch(spec, values, len(values))
        return earlier or refusal
    if not values:
        return Reply(RC.OK, None, "0 article(s) written")
    denied = _origins_open(session, spec, values)
    if denied is not None:
        return denied
    problem = _set_checks(session, spec, values)
    if problem:
        found = session.diagnose_batch(spec, values, len(values))
        if found is not None:
            return found
    rows = [spec.encode(v) for v in values]
    _insert(session, spec, rows)
    session.dirty.add(spec.table)
    session.note_batch(spec, values)
    return Reply(RC.OK, None, f"{len(values)} article(s) written")


def _ident_frame(session: Core, spec: RecordSpec, values: Sequence[dict[str, Any]], items: Sequence[str]) -> Any:
    import pyarrow as pa

    enc = spec.encode_value
    return pa.table({f"k{n}": [enc(i, v[i]) for v in values] for n, i in enumerate(items)})


def _set_checks(session: Core, spec: RecordSpec, values: Sequence[dict[str, Any]]) -> bool:
    """Whether any article may be refused (duplicate, missing origin, 1-1 clash)."""
    idents = [session.ident_of(spec, v) for v in values]
    if len(set(idents)) != len(idents):
        return True
    con = session.driver.cx
    batch = _ident_frame(session, spec, values, spec.ident)
    on = " AND ".join(f't."{i}" = b.k{n}' for n, i in enumerate(spec.ident))
    con.register("assurdb_batch_ids", batch)
    try:
        hit = con.execute(f'SELECT 1 FROM "{spec.table}" t JOIN assurdb_batch_ids b ON {on} LIMIT 1').fetchall()
    finally:
        con.unregister("assurdb_batch_ids")
    if hit:
        return True
    for path_name in spec.stored_paths:
        path = session.paths[path_name]
        linked = [v for v in values if v.get(path.target_items[0]) is not None]
        if not linked:
            continue
        origin = session.records[path.origin]
        held = [{o: v[t] for o, t in path.origin_items} for v in linked]
        frame = _ident_frame(session, origin, held, origin.ident)
        on = " AND ".join(f'o."{i}" = b.k{n}' for n, i in enumerate(origin.ident))
        con.register("assurdb_batch_origins", frame)
        try:
            absent = f'NOT EXISTS (SELECT 1 FROM "{origin.table}" o WHERE {on})'
            missing = con.execute(f"SELECT 1 FROM assurdb_batch_origins b WHERE {absent} LIMIT 1").fetchall()
        finally:
            con.unregister("assurdb_batch_origins")
        if missing:
            return True
        if path.cls == "1-1":
            keys = [tuple(h.values()) for h in held]
            if len(set(keys)) != len(keys):
                return True
            for h in held:
                if session.target_of(path, h) is not None:
                    return True
    return False


def _insert(session: Core, spec: RecordSpec, rows: list[tuple[Any, ...]]) -> None:
    """Insert through a registered Arrow table, cast to the table's column types by DuckDB."""
    import pyarrow as pa

    columns = list(spec.columns)
    arrays = {}
    for n, column in enumerate(columns):
        data = [r[n] for r in rows]
        try:
            arrays[column] = pa.array(data)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[column] = pa.array([None if x is None else str(x) for x in data], type=pa.string())
    table = pa.table(arrays)
    con = session.driver.cx
    con.register("assurdb_batch_rows", table)
    try:
        names = ", ".join(f'"{c}"' for c in columns)
        con.execute(f'INSERT INTO "{spec.table}" ({names}) SELECT {names} FROM assurdb_batch_rows').fetchall()
    finally:
        con.unregister("assurdb_batch_rows")
