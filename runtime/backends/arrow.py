"""Arrow columns from Python values, for DuckDB's bulk inserts (WRITE BATCH, a table rebuilt)."""

from __future__ import annotations

from typing import Any


def arrow_column(values: list[Any]) -> Any:
    """An Arrow array of ``values``: its type inferred, or text when the values mix types."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
