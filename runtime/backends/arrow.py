"""Arrow columns from Python values, for DuckDB's bulk inserts (WRITE BATCH, a table rebuilt)."""

from __future__ import annotations

from typing import Any

from assurdb.metadb.model import Item
from assurdb.metadb.values import MAX_DIGITS, StructColumn


def arrow_type(item: Item) -> Any:
    """The Arrow type of an item's column, as the DuckDB column's: BIGINT, DECIMAL(p, s), VARCHAR,
    BOOLEAN, DATE; a LIST of the occurrences' type for a repetitive item, a STRUCT of the sub-items'
    for a decomposable one; None when a part has no type of its own (then inferred)."""
    import pyarrow as pa

    if item.decomposable:
        fields = [(sub.name, arrow_type(sub)) for sub in item.sub_items]
        return None if any(kind is None for _, kind in fields) else pa.struct(fields)
    scalar = _scalar_type(item)
    if item.repetitive:
        return None if scalar is None else pa.list_(scalar)
    return scalar


def _scalar_type(item: Item) -> Any:
    import pyarrow as pa

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

    if isinstance(values, StructColumn) and kind is not None:
        return _struct_array(values, kind)
    if kind is not None:
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # not the column's type after all: inferred, as before
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _struct_array(column: StructColumn, kind: Any) -> Any:
    """A decomposable item's checked column as an Arrow STRUCT array, built from each sub-item's
    column (``StructColumn.parts``) instead of a dict per row; a row whose parts are all empty is a
    null struct, as :meth:`StructColumn.checked` makes it None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [pa.array(part, type=kind.field(name).type) for name, part in zip(column.names, column.parts, strict=True)]
    empty = parts[0].is_null()
    for part in parts[1:]:
        empty = pc.and_(empty, part.is_null())
    return pa.StructArray.from_arrays(parts, fields=list(kind), mask=empty)
