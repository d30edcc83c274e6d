"""Small helpers the generated checks and codecs call (kept here so generated code stays short)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from assurdb.metadb.values import StructColumn
from assurdb.runtime.specs import Refusal

#: Marks an item absent from a PATCH or LOOKUP article (None means "set to null").
_ABSENT: Any = object()
ABSENT = _ABSENT
#: A generated check's list of problems when the first one refuses at once (``every`` false): never
#: appended to, so one list serves every call instead of a new one each time.
NO_PROBLEMS: list[str] = []


def unknown_item(rt: str, items: frozenset[str], article: Mapping[str, Any]) -> Refusal:
    """11: the article names items the record type does not have (every one of them)."""
    stray = [k for k in article if k not in items]
    if len(stray) == 1:
        return Refusal(11, f"{rt} has no item {stray[0]!r}")
    return Refusal(11, f"{rt} has no items {', '.join(repr(k) for k in stray)}")


def missing_identifier(
    rt: str, ident: tuple[str, ...], article: Mapping[str, Any], items: Mapping[str, Any] | None
) -> Refusal:
    """11: identifier items are missing (every one of them; ``items``: whose defaults fill them in)."""
    missing = [i for i in ident if article.get(i, None if items is None else items[i].default) is None]
    return Refusal(11, f"{rt}: identifier item {', '.join(missing)} is missing")


def d2i(value: Decimal | None, scale: int) -> int | None:
    """SQLite keeps a decimal as a scaled integer: ``Decimal("12.34")`` at scale 2 → ``1234``."""
    return None if value is None else int(value.scaleb(scale))


def i2d(value: int | None, scale: int) -> Decimal | None:
    return None if value is None else Decimal(value).scaleb(-scale)


def i2d_column(values: Iterable[int | None], scale: int) -> list[Decimal | None]:
    """A fetched column of scaled integers → :func:`i2d` of each, each distinct value converted once
    (READ SELECTION: a journal's amounts and a book's shares repeat)."""
    return _each_once(values, lambda value: Decimal(value).scaleb(-scale))


def dates_in(values: Sequence[Any]) -> np.ndarray:
    """A fetched column of ISO dates (SQLite's text) → ``datetime64[s]``, NaT for null, parsed by Arrow
    in one call; a column Arrow does not read as ``YYYY-MM-DD`` throughout goes value by value through
    :func:`to_date`, as the row decoder does."""
    try:
        days = pa.array(values, type=pa.string()).cast(pa.date32())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        days = pa.array([to_date(v) for v in values], type=pa.date32())
    moments: np.ndarray = days.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    return moments


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def iso_column(values: Iterable[date | None]) -> list[str | None]:
    """A batch's column of dates → :func:`iso` of each, each distinct date written once (WRITE BATCH:
    a journal's writing date is one date, its booking dates a few hundred; ``isoformat`` costs
    ~0.4 µs a value, the look-up a tenth of it)."""
    return _each_once(values, lambda value: value.isoformat())


def _each_once(values: Iterable[Any], make: Callable[[Any], Any]) -> list[Any]:
    """``make`` of each value (None stays None), called once per distinct value: the rest are
    looked up (a tenth of a conversion's cost)."""
    made: dict[Any, Any] = {None: None}
    out: list[Any] = []
    append = out.append
    for value in values:
        found = made.get(value, _ABSENT)
        if found is _ABSENT:
            found = made[value] = make(value)
        append(found)
    return out


def to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def to_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def sub(value: Mapping[str, Any] | None, name: str) -> Any:
    return None if value is None else value.get(name)


def parts_of(column: Sequence[Any], names: Sequence[str]) -> list[list[Any]]:
    """A batch's column of a decomposable item → each sub-item's values (WRITE BATCH, split columns)."""
    if isinstance(column, StructColumn):
        return column.parts
    return [[sub(x, n) for x in column] for n in names]


def occurrences_of(column: Sequence[Any], n: int) -> list[list[Any]]:
    """A batch's column of a repetitive item → its ``n`` occurrence columns (None past the last)."""
    pad = [None] * n
    rows = [pad if not x else [*x[:n], *pad[len(x) :]] for x in column]
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(n)]


def structs_of(column: Sequence[Any]) -> list[Any]:
    """A batch's column of a decomposable item → its values for a STRUCT column (None when empty). A
    checked column (:class:`StructColumn`) is handed on as it is: the Arrow writer builds the STRUCT
    from its parts (``runtime.backends.arrow``)."""
    if isinstance(column, StructColumn):
        return column
    return [struct_or_none(x) for x in column]


def nth(values: Sequence[Any] | None, n: int) -> Any:
    return values[n] if values is not None and n < len(values) else None


def list_or_none(values: Sequence[Any] | None) -> list[Any] | None:
    return list(values) if values else None


def struct_or_none(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if value is None or all(v is None for v in value.values()):
        return None
    return dict(value)


def struct_of(names: Sequence[str], values: Sequence[Any]) -> dict[str, Any] | None:
    if all(v is None for v in values):
        return None
    return dict(zip(names, values, strict=True))


def struct_in(value: Mapping[str, Any] | None, names: Sequence[str]) -> dict[str, Any] | None:
    if value is None:
        return None
    return struct_of(names, [value.get(n) for n in names])


def list_in(values: Iterable[Any] | None, convert: Callable[[Any], Any] | None = None) -> list[Any]:
    if values is None:
        return []
    return [convert(v) for v in values] if convert else list(values)


def occurrences(values: Sequence[Any]) -> list[Any]:
    return [v for v in values if v is not None]
