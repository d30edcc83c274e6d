"""WRITE BATCH, column by column (SPEC §3.1; issue 3's target: ≤ 1.5× the raw driver).

Checking 100 000 articles one by one costs more than inserting them. So a batch is first
checked *column-wise*: for every item the batch sets, the values of all articles are gathered
in one list and tested with C-speed built-ins (types, lengths, bounds, NUL, surrogates,
mandatory). When every column passes, the rows are built with ``zip`` and inserted with one
``executemany`` of only the columns the batch sets (the others are NULL anyway). Anything
unusual — a decomposable or repetitive item, a decimal given as a float, a refused value —
falls back to the article-by-article path, which also finds the first refused article.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from assurdb.metadb.model import Item, RecordType

#: Item types checked column-wise; decimals and the rest go article by article.
_FAST_TYPES = ("numeric", "alphanumeric", "boolean", "date", "decimal")


def _present(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None] if None in values else values


def _only(values: list[Any], kind: type) -> bool:
    """Every value is exactly of ``kind`` (``set(map(type, …))`` runs at C speed)."""
    return not values or set(map(type, values)) == {kind}


def _text_ok(values: list[Any], length: int) -> bool:
    present = _present(values)
    if not present:
        return True
    if not _only(present, str):
        return False
    if max(map(len, present)) > length:
        return False
    joined = "".join(present)
    if "\x00" in joined:
        return False
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            return False
    return True


def _numeric_ok(values: list[Any], length: int) -> bool:
    present = _present(values)
    if not present:
        return True
    if not _only(present, int):
        return False
    bound = 10**length
    return bool(-bound < min(present) and max(present) < bound)


def _boolean_ok(values: list[Any]) -> bool:
    return _only(_present(values), bool)


def _date_ok(values: list[Any]) -> bool:
    return _only(_present(values), date)


def _decimal_column(values: list[Any], item: Item) -> list[Any] | None:
    """Decimals at the item's scale (ints and exact Decimals only; floats take the slow path)."""
    quantum = Decimal(1).scaleb(-item.scale)
    limit = Decimal(10) ** ((item.length or 18) - item.scale)
    out: list[Any] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        if type(v) is int:
            d = Decimal(v)
        elif type(v) is Decimal and v.is_finite():
            d = v
        else:
            return None
        q = d.quantize(quantum)
        if q != d or abs(q) >= limit:
            return None
        out.append(q)
    return out


def checked_columns(
    rt: RecordType, articles: Sequence[Mapping[str, Any]], items: frozenset[str]
) -> dict[str, list[Any]] | None:
    """The batch's checked values per item (Python values), or None to take the slow path.

    Covers the items the batch sets, the identifier, mandatory items and items with a
    default; every other item is NULL in every article.
    """
    if set(map(type, articles)) != {dict}:
        return None
    given: set[str] = set().union(*articles)  # every key of every article, at C speed
    if not given <= items:
        return None
    wanted = [i for i in rt.items if i.name in given or i.identifying or i.mandatory or i.default is not None]
    columns: dict[str, list[Any]] = {}
    for item in wanted:
        if item.repetitive or item.decomposable or item.type not in _FAST_TYPES:
            return None
        default = item.default
        name = item.name
        if name not in given:
            values = [default] * len(articles)
        else:
            try:
                values = list(map(itemgetter(name), articles))  # every article gives it: C speed
            except KeyError:
                values = [a.get(name, default) for a in articles]
        if (item.identifying or item.mandatory) and None in values:
            return None
        kind = item.type
        if kind == "alphanumeric":
            ok = _text_ok(values, item.length or 0)
        elif kind == "numeric":
            ok = _numeric_ok(values, item.length or 18)
        elif kind == "boolean":
            ok = _boolean_ok(values)
        elif kind == "date":
            ok = _date_ok(values)
        else:
            decimals = _decimal_column(values, item)
            ok = decimals is not None
            if decimals is not None:
                values = decimals
        if not ok:
            return None
        columns[name] = values
    return columns


#: How each DBMS quotes a name and marks a positional parameter (for the batch's INSERT of the
#: columns it sets; the names come from the meta-database only, values are always bound).
_SYNTAX = {"sqlite": ('"', "?"), "postgresql": ('"', "%s"), "mariadb": ("`", "%s"), "duckdb": ('"', "?")}
_INSERTS: dict[tuple[str, str, tuple[str, ...]], str] = {}


def insert_sql(dbms: str, table: str, names: Sequence[str]) -> str:
    key = (dbms, table, tuple(names))
    sql = _INSERTS.get(key)
    if sql is None:
        quote, mark = _SYNTAX[dbms]
        cols = ", ".join(f"{quote}{n}{quote}" for n in names)
        sql = f"INSERT INTO {quote}{table}{quote} ({cols}) VALUES ({', '.join([mark] * len(names))})"
        _INSERTS[key] = sql
    return sql


def fast_columns(
    session: Any, spec: Any, articles: Sequence[Any]
) -> tuple[list[str], dict[str, list[Any]], dict[str, list[Any]]] | None:
    """Column-wise check of a batch: (item names, Python values, DBMS values) or None (slow path)."""
    if not articles:
        return None
    rt = session.schema.record_types[spec.name]
    plain = checked_columns(rt, articles, spec.items)
    if plain is None:
        return None
    for path_name in spec.stored_paths:
        items = session.paths[path_name].target_items
        if len(items) > 1 and any(i in plain for i in items):
            held = [plain.get(i) or [None] * len(articles) for i in items]
            if any(0 < sum(v is not None for v in row) < len(items) for row in zip(*held, strict=True)):
                return None  # some path items without the others: 13, found article by article
    dbms = session.database.package.DBMS
    encoded: dict[str, list[Any]] = {}
    for name, values in plain.items():
        kind = rt.items[name].type
        if dbms == "sqlite" and kind in ("decimal", "date"):
            encode = spec.encode_value
            encoded[name] = [encode(name, v) for v in values]
        else:
            encoded[name] = values
    return list(plain), plain, encoded


def needs_notes(session: Any, spec: Any) -> bool:
    """Whether new articles of ``spec`` have existence constraints to check at the unit's end."""
    paths = session.paths
    return any(paths[p].target_needs_origin for p in spec.target_of) or any(
        paths[p].origin_needs_target for p in spec.origin_of
    )
