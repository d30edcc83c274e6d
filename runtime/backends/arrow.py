"""Arrow columns from Python values, for DuckDB's bulk inserts (WRITE BATCH, a table rebuilt)."""

from __future__ import annotations

from typing import Any

from assurdb.metadb.model import Item
from assurdb.metadb.values import (
    ArrowColumn,
    ArrowDecimals,
    Checked,
    Factorized,
    ListColumn,
    StructColumn,
    arrow_scalar_type,
)


def arrow_type(item: Item) -> Any:
    """The Arrow type of an item's column, as the DuckDB column's: BIGINT, DECIMAL(p, s), VARCHAR,
    BOOLEAN, DATE; a LIST of the occurrences' type for a repetitive item, a STRUCT of the sub-items'
    for a decomposable one; None when a part has no type of its own (then inferred)."""
    import pyarrow as pa

    if item.decomposable:
        fields = [(sub.name, arrow_type(sub)) for sub in item.sub_items]
        return None if any(kind is None for _, kind in fields) else pa.struct(fields)
    scalar = arrow_scalar_type(item)
    if item.repetitive:
        return None if scalar is None else pa.list_(scalar)
    return scalar


def arrow_column(values: list[Any], kind: Any = None) -> Any:
    """An Arrow array of ``values``: of type ``kind`` when given (checked values: no inference, which
    for decimals costs ten times the conversion), else its type inferred, or text when the values
    mix types. A checked column hands over what its check made: the array itself (text, integers),
    its distinct values (decimals), its occurrences (LIST), its sub-items' columns (STRUCT)."""
    import pyarrow as pa

    if kind is not None:
        made = _checked_array(values, kind)
        if made is not None:
            return made
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # not the column's type after all: inferred, as before
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _checked_array(values: list[Any], kind: Any) -> Any:
    """The array of a checked column of type ``kind`` from what its check made, or None."""
    import pyarrow as pa

    if isinstance(values, Checked):
        return values.arrow if values.arrow.type == kind else None
    if isinstance(values, ArrowDecimals) and pa.types.is_decimal(kind):
        # checked at the item's precision and scale, which are the column's: a cast is a no-op
        return values.arrow if values.arrow.type == kind else values.arrow.cast(kind)
    if isinstance(values, ArrowColumn) and not isinstance(values, ArrowDecimals):
        if values.arrow.type == kind or (pa.types.is_large_string(values.arrow.type) and pa.types.is_string(kind)):
            return values.arrow  # text, integers: checked as they are (DuckDB reads large_string as VARCHAR)
        return None
    if isinstance(values, Factorized) and pa.types.is_decimal(kind):
        import numpy as np

        codes = np.fromiter(values.codes, dtype=np.int32, count=len(values.codes))
        return pa.array(values.distinct, type=kind).take(pa.array(codes, mask=codes < 0))  # -1: None
    if isinstance(values, StructColumn) and pa.types.is_struct(kind):
        return _struct_array(values, kind)
    if isinstance(values, ListColumn) and pa.types.is_list(kind):
        return _list_array(values, kind)
    return None


def _struct_array(column: StructColumn, kind: Any) -> Any:
    """A decomposable item's checked column as an Arrow STRUCT array, built from each sub-item's
    column (``StructColumn.parts``) instead of a dict per row; a row whose parts are all empty is a
    null struct, as :meth:`StructColumn.checked` makes it None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [arrow_column(part, kind.field(name).type) for name, part in zip(column.names, column.parts, strict=True)]
    empty = parts[0].is_null()
    for part in parts[1:]:
        empty = pc.and_(empty, part.is_null())
    return pa.StructArray.from_arrays(parts, fields=list(kind), mask=empty)


def _list_array(column: ListColumn, kind: Any) -> Any:
    """A repetitive item's checked column as an Arrow LIST array, built from its occurrences and
    the lists' lengths; a list without occurrences is a null list, as the row writer stores it."""
    import numpy as np
    import pyarrow as pa

    lengths = np.fromiter(column.lengths, dtype=np.int32, count=len(column.lengths))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    occurrences = arrow_column(column.occurrences, kind.value_type)
    return pa.ListArray.from_arrays(pa.array(offsets), occurrences, type=kind, mask=pa.array(lengths == 0))
