"""WRITE BATCH on DuckDB: set-based checks, then one insert from an Arrow table.

DuckDB has no savepoint and its constraint errors abort the transaction, so nothing may be
left for the DBMS to refuse: duplicates (within the batch and against the table), missing
origins and 1-1 clashes are found with joins over the batch first (SPEC §3.1 "all or none",
issue 3 "WRITE BATCH through Arrow/pandas bulk insert"). When any check finds something,
the article-by-article diagnosis names the first refused article.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assurdb.metadb.contract import RC, Reply
from assurdb.runtime.batch import fast_columns, needs_notes
from assurdb.runtime.session import Core
from assurdb.runtime.specs import RecordSpec


def write_batch(session: Core, spec: RecordSpec, articles: Sequence[Any]) -> Reply:
    from assurdb.runtime.database import _origins_open, _origins_open_columns

    if not articles:
        return Reply(RC.OK, None, "0 article(s) written")
    fast = fast_columns(session, spec, articles)
    if fast is not None:
        _, plain, _ = fast
        denied = _origins_open_columns(session, spec, plain)
        if denied is not None:
            return denied
        columns = plain
        values: list[dict[str, Any]] | None = None
    else:
        values, refusal = session.check_batch(spec, articles)
        if refusal is not None:
            earlier = session.diagnose_batch(spec, values, len(values))
            return earlier or refusal
        denied = _origins_open(session, spec, values)
        if denied is not None:
            return denied
        columns = {name: [v[name] for v in values] for name in spec.item_order}
    # the fast path's rows as one Arrow table: joined against the table (duplicates), then inserted
    rows = _columns_table(columns) if values is None else None
    if _refusable(session, spec, columns, len(articles), rows):
        checked = values if values is not None else session.check_batch(spec, articles)[0]
        found = session.diagnose_batch(spec, checked, len(checked))
        if found is not None:
            return found
    if values is not None:
        _insert_rows(session, spec, [spec.encode(v) for v in values])
    else:
        _insert_table(session, spec, rows, ", ".join(f'"{c}"' for c in columns))
    session.dirty.add(spec.table)
    if needs_notes(session, spec):
        for ident in zip(*(columns[i] for i in spec.ident), strict=True):
            session.note_new(spec, dict(zip(spec.ident, ident, strict=True)))
    return Reply(RC.OK, None, f"{len(articles)} article(s) written")


def _frame(columns: Sequence[list[Any]]) -> Any:
    import pyarrow as pa

    return pa.table({f"k{n}": column for n, column in enumerate(columns)})


def _any(session: Core, name: str, frame: Any, sql: str) -> bool:
    con = session.driver.cx
    con.register(name, frame)
    try:
        return bool(con.execute(sql).fetchall())
    finally:
        con.unregister(name)


def _refusable(session: Core, spec: RecordSpec, columns: dict[str, list[Any]], n: int, rows: Any = None) -> bool:
    """Whether any article may be refused: a duplicate, a missing origin, a 1-1 clash.

    Over-approximates on purpose (e.g. an origin later in the batch than its target): whatever
    it flags, the article-by-article diagnosis decides, in order.
    """
    single = columns[spec.ident[0]] if len(spec.ident) == 1 else None
    if single is not None:  # the common case: no tuples to build
        if len(set(single)) != len(single):
            return True
    else:
        pairs = list(zip(*(columns[i] for i in spec.ident), strict=True))
        if len(set(pairs)) != len(pairs):
            return True
    if rows is not None:  # the batch's own Arrow table, its columns named as the items
        on = " AND ".join(f't."{i}" = b."{i}"' for i in spec.ident)
        ids = rows
    else:
        on = " AND ".join(f't."{i}" = b.k{k}' for k, i in enumerate(spec.ident))
        ids = _frame([columns[i] for i in spec.ident])
    sql = f'SELECT 1 FROM "{spec.table}" t JOIN assurdb_batch_ids b ON {on} LIMIT 1'
    if _any(session, "assurdb_batch_ids", ids, sql):
        return True
    for path_name in spec.stored_paths:
        path = session.paths[path_name]
        held_columns = [columns.get(t) or [None] * n for t in path.target_items]
        held = [row for row in zip(*held_columns, strict=True) if row[0] is not None]
        if not held:
            continue
        origin = session.records[path.origin]
        missing = held
        if path.origin == spec.name:
            # a path from a record type to itself: the origin may be written earlier in this very
            # batch — not later (the relational DBMSs check each row as it is inserted)
            idents = list(zip(*(columns[i] for i in spec.ident), strict=True))
            where = {ident: position for position, ident in enumerate(idents)}
            rows = zip(*held_columns, strict=True)
            if any(row[0] is not None and where.get(row, -1) > at for at, row in enumerate(rows)):
                return True
            missing = [row for row in held if row not in where]
        if missing:
            on = " AND ".join(f'o."{i}" = b.k{k}' for k, (i, _) in enumerate(path.origin_items))
            absent = f'NOT EXISTS (SELECT 1 FROM "{origin.table}" o WHERE {on})'
            sql = f"SELECT 1 FROM assurdb_batch_origins b WHERE {absent} LIMIT 1"
            if _any(session, "assurdb_batch_origins", _frame([list(c) for c in zip(*missing, strict=True)]), sql):
                return True
        if path.cls == "1-1":
            if len(set(held)) != len(held):
                return True
            # an origin that already has its one target: one join, not a query per article
            on = " AND ".join(f't."{c}" = b.k{k}' for k, c in enumerate(path.target_items))
            sql = f'SELECT 1 FROM "{spec.table}" t JOIN assurdb_batch_links b ON {on} LIMIT 1'
            if _any(session, "assurdb_batch_links", _frame([list(c) for c in zip(*held, strict=True)]), sql):
                return True
    return False


def _columns_table(columns: dict[str, list[Any]]) -> Any:
    """An Arrow table of the columns a batch sets (DuckDB casts them to the table's types)."""
    import pyarrow as pa

    return pa.table({name: _arrow(values) for name, values in columns.items()})


def _insert_rows(session: Core, spec: RecordSpec, rows: list[tuple[Any, ...]]) -> None:
    import pyarrow as pa

    arrays = {column: _arrow([r[n] for r in rows]) for n, column in enumerate(spec.columns)}
    _insert_table(session, spec, pa.table(arrays), ", ".join(f'"{c}"' for c in spec.columns))


def _arrow(values: list[Any]) -> Any:
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _insert_table(session: Core, spec: RecordSpec, table: Any, names: str) -> None:
    con = session.driver.cx
    con.register("assurdb_batch_rows", table)
    try:
        con.execute(f'INSERT INTO "{spec.table}" ({names}) SELECT {names} FROM assurdb_batch_rows').fetchall()
    finally:
        con.unregister("assurdb_batch_rows")
