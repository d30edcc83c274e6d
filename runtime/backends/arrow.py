"""Arrow columns from Python values, for DuckDB's bulk inserts (WRITE BATCH, a table rebuilt)."""

from __future__ import annotations

from typing import Any

from assurdb.metadb.model import Item
from assurdb.metadb.values import MAX_DIGITS


def arrow_type(item: Item) -> Any:
    """The Arrow type of a simple item's column (the DuckDB column's: BIGINT, DECIMAL(p, s), VARCHAR,
    BOOLEAN, DATE), or None for a repetitive or decomposable item (its type is inferred)."""
    import pyarrow as pa

    if item.repetitive or item.decomposable:
        return None
    if item.type == "numeric":
        return pa.int64()
    if item.type == "decimal":
        return pa.decimal128(item.length or MAX_DIGITS, item.scale)
    if item.type == "alphanumeric":
        return pa.string()
    if item.type == "boolean":
        return pa.bool_()
    if item.type == "date":
        return pa.date32()
    return None


def arrow_column(values: list[Any], kind: Any = None) -> Any:
    """An Arrow array of ``values``: of type ``kind`` when given (checked values: no inference, which
    for decimals costs ten times the conversion), else its type inferred, or text when the values
    mix types."""
    import pyarrow as pa

    if kind is not None:
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # not the column's type after all: inferred, as before
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
