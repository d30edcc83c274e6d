"""Checking values against their items, before any DBMS sees them (SPEC §3.2; thesis VII.2 CR 13).

Each check answers ``(value, None)`` with the value in its canonical Python form
(``int``, ``Decimal`` at the item's scale, ``str``, ``bool``, ``date``, a list for a
repetitive item, a dict for a decomposable one) or ``(None, message)`` naming what is wrong.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from assurdb.metadb.model import Item

#: Largest number of digits a numeric or decimal item may have: decimals are kept as scaled
#: 64-bit integers on SQLite (SPEC §3.2 "never floats"), so 18 digits everywhere.
MAX_DIGITS = 18


def _check_text(item: Item, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, f"item {item.name!r} takes text, not {type(value).__name__}"
    if item.length is not None and len(value) > item.length:
        return None, f"item {item.name!r} holds at most {item.length} characters, got {len(value)}"
    if "\x00" in value:
        return None, f"item {item.name!r}: text may not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None, f"item {item.name!r}: text contains an unpaired surrogate"
    return value, None


def _check_numeric(item: Item, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None, f"item {item.name!r} takes an integer, not {type(value).__name__}"
    number = int(value)
    digits = item.length or MAX_DIGITS
    if abs(number) >= 10**digits:
        return None, f"item {item.name!r} holds at most {digits} digits, got {number}"
    return number, None


def _check_decimal(item: Item, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, f"item {item.name!r} takes a decimal, not bool"
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, numbers.Integral):
        number = Decimal(int(value))
    elif isinstance(value, float | numbers.Real) and not isinstance(value, numbers.Integral):
        as_float = float(value)
        if not math.isfinite(as_float):
            return None, f"item {item.name!r} takes a finite decimal, got {as_float}"
        # repr() is the shortest text that round-trips: 0.1 → Decimal("0.1"), not its binary noise.
        number = Decimal(repr(as_float))
    else:
        return None, f"item {item.name!r} takes a decimal, not {type(value).__name__}"
    if not number.is_finite():
        return None, f"item {item.name!r} takes a finite decimal, got {number}"
    scale = item.scale
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -scale and number != number.quantize(Decimal(1).scaleb(-scale), rounding="ROUND_DOWN"):
        return None, f"item {item.name!r} keeps {scale} decimal(s), got {number}"
    try:
        number = number.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation:
        return None, f"item {item.name!r} cannot hold {number}"
    precision = item.length or MAX_DIGITS
    if abs(number) >= Decimal(10) ** (precision - scale):
        return (
            None,
            f"item {item.name!r} holds at most {precision - scale} digit(s) before the point, got {number}",
        )
    return number, None


def _check_boolean(item: Item, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return value, None
    if type(value).__name__ == "bool_":  # numpy.bool_, without importing numpy here
        return bool(value), None
    return None, f"item {item.name!r} takes true or false, not {type(value).__name__}"


def _check_date(item: Item, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time() or value.tzinfo is not None:
            return None, f"item {item.name!r} takes a date, got a date-time with a time of day"
        return value.date(), None
    if isinstance(value, date):
        return value, None
    return None, f"item {item.name!r} takes a date, not {type(value).__name__}"


_CHECKS = {
    "alphanumeric": _check_text,
    "numeric": _check_numeric,
    "decimal": _check_decimal,
    "boolean": _check_boolean,
    "date": _check_date,
}


def check_scalar(item: Item, value: Any) -> tuple[Any, str | None]:
    """Check one occurrence of a simple item (``None`` is checked by the caller)."""
    assert item.type is not None
    return _CHECKS[item.type](item, value)


def check_value(item: Item, value: Any) -> tuple[Any, str | None]:
    """Check a value of ``item`` (simple, repetitive or decomposable); ``None`` means absent."""
    if value is None:
        return None, None
    if item.decomposable:
        if not isinstance(value, Mapping):
            return None, f"item {item.name!r} is decomposable: give a mapping of its sub-items"
        unknown = [k for k in value if k not in item.sub_items]
        if unknown:
            return None, f"item {item.name!r} has no sub-item {unknown[0]!r}"
        out: dict[str, Any] = {}
        for sub in item.sub_items:
            checked, error = check_value(sub, value.get(sub.name))
            if error:
                return None, error
            if checked is None and sub.mandatory:
                return None, f"sub-item {item.name}.{sub.name} is mandatory"
            out[sub.name] = checked
        if all(v is None for v in out.values()):
            return None, None  # an all-empty decomposable item is absent (same on every DBMS)
        return out, None
    if item.repetitive:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            return None, f"item {item.name!r} is repetitive: give a list of at most {item.repetitive} values"
        if len(value) > item.repetitive:
            return None, f"item {item.name!r} holds at most {item.repetitive} occurrences, got {len(value)}"
        values = []
        for occurrence in value:
            if occurrence is None:
                return None, f"item {item.name!r}: an occurrence may not be null"
            checked, error = check_scalar(item, occurrence)
            if error:
                return None, error
            values.append(checked)
        return values, None
    return check_scalar(item, value)
