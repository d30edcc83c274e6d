"""Checking values against their items, before any DBMS sees them (thesis VII.2, return code 13).

The rules are written here once and used in three shapes:

* :func:`check_value` — the full rule for one value: ``(value, None)`` with the value in its
  canonical Python form (``int``, ``Decimal`` at the item's scale, ``str``, ``bool``, ``date``,
  a list for a repetitive item, a dict for a decomposable one) or ``(None, message)`` naming
  what is wrong;
* :func:`fast_test` — a Python expression the generator writes into each record type's check,
  true only for values the full rule accepts unchanged (the common case: an ``int`` within its
  digits, a short ASCII ``str``…); anything else goes through :func:`check_value`;
* :func:`check_columns` — a whole batch checked item by item over columns of values with
  C-speed built-ins and Arrow's compute functions (WRITE BATCH), or ``None`` to check it article
  by article instead; :func:`check_given_columns` the same for a batch given as columns (a
  DataFrame). The checked columns carry what a columnar writer needs beside the values (the
  Arrow array of text and integers, a LIST's occurrences, a STRUCT's parts).

A property test holds the three to the same answers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain, repeat
from operator import eq, is_, itemgetter, methodcaller
from typing import Any

from assurdb.metadb.model import Item

#: Largest number of digits a numeric or decimal item may have: decimals are kept as scaled
#: 64-bit integers on SQLite, so 18 digits everywhere.
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


# -- the fast test the generator writes inline ------------------------------------------------


def fast_test(item: Item, var: str = "v") -> str | None:
    """An expression on ``var`` that is true only for values :func:`check_value` accepts unchanged.

    ``None``: no cheap test (decimals, repetitive and decomposable items) — always the full rule.
    """
    if item.repetitive or item.decomposable:
        return None
    if item.type == "numeric":
        bound = 10 ** (item.length or MAX_DIGITS)
        return f"type({var}) is int and -{bound} < {var} < {bound}"
    if item.type == "alphanumeric":
        return f'type({var}) is str and len({var}) <= {item.length} and {var}.isascii() and "\\x00" not in {var}'
    if item.type == "boolean":
        return f"type({var}) is bool"
    if item.type == "date":
        return f"type({var}) is date"
    return None


# -- whole columns (WRITE BATCH) ----------------------------------------------------------------
#
# A column is first tested on the type of each value (``set(map(type, …))``, C speed: a column
# holding anything but the exact types the fast path knows goes to the full rule). Text and integers
# are then made into the Arrow array a columnar DBMS takes, and their lengths, NUL characters and
# ranges tested on it at once (pyarrow.compute): cheaper than Python's passes over the values, and
# DuckDB's insert reuses the array (:class:`Checked`). Decimals with few distinct values (a book's
# percentages) are quantized once per distinct value (:class:`Factorized`). A DataFrame's column that
# pandas holds as an Arrow array (text, integers, Arrow decimals) comes as that array
# (:class:`ArrowColumn`) and is tested on it the same way, its Python values made only if walked.

_NONE = type(None)


def _has_none(values: list[Any]) -> bool:
    """Whether a value is None, by identity at C speed (``None in values`` asks each Decimal's
    ``__eq__``, which goes through the numbers ABCs: eight times slower)."""
    if isinstance(values, Checked | ArrowColumn):
        return bool(values.arrow.null_count)
    if isinstance(values, Typed):
        return _NONE in values.kinds
    return any(map(is_, values, repeat(None)))


def column_array(values: Sequence[Any]) -> Any:
    """The Arrow array a checked column carries (:class:`Checked`, :class:`ArrowColumn`), or None:
    whoever tests the whole column (its nulls, its distinct values) may do it on the array."""
    return values.arrow if isinstance(values, Checked | ArrowColumn) else None


def empty_flags(values: Sequence[Any]) -> Any:
    """Whether each value of a checked column is None, as a numpy array of booleans — from its
    array's validity when it has one."""
    import numpy as np

    array = column_array(values)
    if array is not None:
        return array.is_null().to_numpy(zero_copy_only=False)
    return np.fromiter(map(is_, values, repeat(None)), dtype=bool, count=len(values))


def any_given(values: Sequence[Any]) -> bool:
    """Whether a value of a checked column is not None (its array's null count when it has one)."""
    array = column_array(values)
    if array is not None:
        return bool(array.null_count < len(array))
    return any(v is not None for v in values)


def _present(values: list[Any]) -> list[Any]:
    return [v for v in values if v is not None] if _has_none(values) else values


def _only(values: list[Any], kind: type) -> bool:
    """Every value is exactly of ``kind`` (``set(map(type, …))`` runs at C speed)."""
    return not values or set(map(type, values)) == {kind}


class Typed(list[Any]):
    """A column whose values' types are known already (``kinds``): a DataFrame's column listed
    together with the test of its values' types (:func:`assurdb.metadb.frames.article_list`),
    which the column checks do not make again; ``arrow``, when the frame held the column as an
    Arrow array (text, integers), is that array, which the checks take instead of making one."""

    __slots__ = ("arrow", "kinds")

    def __init__(self, values: list[Any], kinds: frozenset[type], arrow: Any = None) -> None:
        super().__init__(values)
        self.kinds = kinds
        self.arrow = arrow


def _given_array(values: list[Any], kind: Any) -> Any:
    """The Arrow array of type ``kind`` a column came with, or None."""
    array = values.arrow if isinstance(values, Typed | ArrowColumn) else None
    return array if array is not None and array.type == kind else None


def _kinds(values: list[Any]) -> set[type] | frozenset[type]:
    return values.kinds if isinstance(values, Typed | ArrowColumn) else set(map(type, values))


def _of(values: list[Any], kind: type) -> bool | None:
    """Whether every value is exactly of ``kind`` or None: True when one is of ``kind``, None when
    all are None, False when a value is of another type (the type test without a pass for None)."""
    kinds = _kinds(values)
    if not kinds <= {kind, _NONE}:
        return False
    return True if kind in kinds else None


def arrow_scalar_type(item: Item) -> Any:
    """The Arrow type of a simple item's values, as its DuckDB column's (None for a decomposable item)."""
    import pyarrow as pa

    kind = item.type
    if kind == "numeric":
        return pa.int64()
    if kind == "decimal":
        return pa.decimal128(item.length or MAX_DIGITS, item.scale)
    if kind == "alphanumeric":
        return pa.string()
    if kind == "boolean":
        return pa.bool_()
    if kind == "date":
        return pa.date32()
    return None


class Checked(list[Any]):
    """A checked column of text or integers: the values, and beside them ``arrow``, the same values
    as the Arrow array they were checked on (a columnar writer takes it as it is)."""

    __slots__ = ("arrow",)

    def __init__(self, values: list[Any], arrow: Any) -> None:
        super().__init__(values)
        self.arrow = arrow


class Factorized(list[Any]):
    """A checked decimal column of few distinct values: the values (canonical), and beside them
    ``distinct``, those values once each, and ``codes``, the position in ``distinct`` of each
    value (-1: None) — a columnar writer converts only ``distinct`` (Arrow's conversion of a
    ``Decimal`` costs as much as its quantization)."""

    __slots__ = ("codes", "distinct")

    def __init__(self, values: list[Any], distinct: list[Any], codes: list[int]) -> None:
        super().__init__(values)
        self.distinct = distinct
        self.codes = codes


class ArrowColumn(Sequence[Any]):
    """A frame's column held as an Arrow array (pandas' Arrow-backed text, its integers, Arrow
    decimals): checked on the array itself and handed to a columnar writer as that array. Its values
    as Python objects (``to_pylist``) are made only when something walks them — a relational DBMS's
    insert, the article-by-article check of a batch the columns cannot settle — and a slice lists
    only its own values. ``kind``: the Python type of its values (a null is None)."""

    __slots__ = ("_values", "arrow")
    kind: type = object

    def __init__(self, arrow: Any) -> None:
        self.arrow = arrow
        self._values: list[Any] | None = None

    def _listed(self) -> list[Any]:
        if self._values is None:
            self._values = self.arrow.to_pylist()
        return self._values

    @property
    def kinds(self) -> frozenset[type]:
        """The types of its values, from the array's null count (no pass over the values)."""
        nulls = self.arrow.null_count
        return frozenset(([self.kind] if nulls < len(self.arrow) else []) + ([_NONE] if nulls else []))

    def __len__(self) -> int:
        return len(self.arrow)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice) and self._values is None and index.step in (None, 1):
            start, stop, _ = index.indices(len(self.arrow))
            return self.arrow.slice(start, max(0, stop - start)).to_pylist()
        return self._listed()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._listed())


class ArrowDecimals(ArrowColumn):
    """A column of decimals held as an Arrow ``decimal128`` array (a DataFrame's column of
    ``pd.ArrowDtype(pa.decimal128(p, s))``, :func:`assurdb.metadb.frames.decimal_series`): checked
    on the array itself — cast to the item's precision and scale, which Arrow refuses for a value
    that has more decimals or more digits before the point. Its values are ``Decimal`` objects
    (``to_pylist``, 1.5 µs a value), made only when walked."""

    __slots__ = ()
    kind = Decimal


class ArrowTexts(ArrowColumn):
    """A column of text held as an Arrow ``string`` or ``large_string`` array (pandas' ``string``):
    its lengths and NUL characters tested on the array (:func:`_texts`); an Arrow array holds valid
    UTF-8 only, so no unpaired surrogate."""

    __slots__ = ()
    kind = str


class ArrowIntegers(ArrowColumn):
    """A column of integers held as an Arrow ``int64`` array (pandas' ``Int64`` or a numpy integer
    column): its range tested on the array (:func:`_integers`)."""

    __slots__ = ()
    kind = int


def _arrow_decimals(values: ArrowDecimals, precision: int, scale: int) -> ArrowDecimals | None:
    """:func:`_decimals` of a column held as an Arrow decimal array: the array at the item's
    precision and scale (a safe cast: Arrow refuses to drop a non-zero digit or to overflow the
    precision, the two refusals of :func:`_check_decimal` a decimal can meet), or None for the full
    rule to name the value."""
    import pyarrow as pa

    kind = pa.decimal128(precision, scale)
    array = values.arrow
    if array.type == kind:
        return values
    if pa.types.is_decimal128(array.type) and array.type.scale == scale and array.type.precision <= MAX_DIGITS:
        return _relabelled(array, kind)
    try:
        return ArrowDecimals(values.arrow.cast(kind))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _relabelled(array: Any, kind: Any) -> ArrowDecimals | None:
    """A ``decimal128`` array of at most 18 digits as the same values of type ``kind`` (the same
    scale, another precision): its buffers as they are, once no value has more digits than ``kind``
    holds (tested on the whole numbers, the low 64 bits of each value); None for the full rule."""
    import numpy as np
    import pyarrow as pa

    n = len(array)
    if n:
        wide = np.frombuffer(array.buffers()[1], dtype=np.int64)[2 * array.offset : 2 * (array.offset + n)]
        units = wide[0::2]  # below 10^18: the low word holds the value, the high one its sign
        if array.null_count:
            units = units[array.is_valid().to_numpy(zero_copy_only=False)]
        if len(units) and int(np.abs(units).max()) >= 10**kind.precision:
            return None
    return ArrowDecimals(
        pa.Array.from_buffers(kind, n, array.buffers(), null_count=array.null_count, offset=array.offset)
    )


def _has_nul(array: Any) -> bool:
    """Whether a text array holds a NUL character: a search of the bytes of its values in its data
    buffer (memchr speed; a null's bytes, if any, are searched too: then the full rule decides), else
    Arrow's substring search."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.StringArray | pa.LargeStringArray):
        data = array.buffers()[2]
        if data is None or not len(array):
            return False
        import numpy as np

        # the array's own n + 1 offsets into the data buffer (from its offset: a slice's too)
        width = np.int64 if isinstance(array, pa.LargeStringArray) else np.int32
        offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset : array.offset + len(array) + 1]
        start, end = int(offsets[0]), int(offsets[-1])
        return memoryview(data)[start:end].tobytes().find(b"\x00") >= 0
    return bool(pc.any(pc.match_substring(array, "\x00")).as_py())


def _all_text(values: list[Any]) -> bool:
    """Whether a list's values are all text, none None: ``str.join`` takes them at C speed (three times
    faster than ``set(map(type, …))``). It takes a ``str`` subclass too (an enumeration's member), which
    the full rule answers as it is given: the same value either way."""
    if type(values) is not list or not values:
        return False
    try:
        "".join(values)
    except TypeError:
        return False
    return True


def _texts(values: list[Any], length: int) -> list[Any] | None:
    """Text of at most ``length`` characters, without NUL nor unpaired surrogate (Arrow's UTF-8
    encoding refuses those)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = _all_text(values) or _of(values, str)
    if not found:
        return values if found is None else None
    array = values.arrow if isinstance(values, ArrowTexts) else _given_array(values, pa.string())
    try:
        array = pa.array(values, type=pa.string()) if array is None else array
    except (UnicodeEncodeError, pa.ArrowException):
        return None
    sizes = pc.binary_length(array)
    # bytes ≥ characters: the character count is needed only when the bytes exceed the length
    if pc.max(sizes).as_py() > length and pc.max(pc.utf8_length(array)).as_py() > length:
        return None
    if _has_nul(array):
        return None
    return values if isinstance(values, ArrowTexts) else Checked(values, array)


def _integers(values: list[Any], digits: int) -> list[Any] | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    found = _of(values, int)
    if not found:
        return values if found is None else None
    array = _given_array(values, pa.int64())
    try:
        array = pa.array(values, type=pa.int64()) if array is None else array
    except (OverflowError, pa.ArrowException):  # past 64 bits: past 18 digits too
        return None
    bound = 10**digits
    lowest, highest = pc.min_max(array).values()
    if not (-bound < lowest.as_py() and highest.as_py() < bound):
        return None
    return values if isinstance(values, ArrowIntegers) else Checked(values, array)


def _booleans(values: list[Any]) -> list[Any] | None:
    return values if _of(values, bool) is not False else None


def _dates(values: list[Any]) -> list[Any] | None:
    return values if _of(values, date) is not False else None


#: Decimals are quantized once per distinct value when the first values of a column repeat this much.
_SAMPLE, _FEW = 1000, 0.2


def _decimals(values: list[Any], precision: int, scale: int) -> list[Any] | None:
    """Decimals at the item's scale (ints and exact Decimals only; floats take the full rule).

    Quantized by ``map`` and compared as whole lists (C-speed: 20 000 values in a few ms); a value
    the quantum would change, a NaN, an infinity or one out of range sends the batch to the full rule.
    A column whose first values repeat is quantized per distinct value (:class:`Factorized`).
    """
    kinds = set(_kinds(values)) - {_NONE}
    if not kinds <= {int, Decimal}:
        return None
    present = _present(values)
    if not present:
        return values
    try:
        if len(values) > _SAMPLE and len(set(values[:_SAMPLE])) <= _FEW * _SAMPLE:
            return _few_decimals(values, precision, scale)
    except TypeError:  # a signalling NaN cannot be hashed: the full rule names it
        return None
    quantum = Decimal(1).scaleb(-scale)
    limit = Decimal(10) ** (precision - scale)
    exact = [Decimal(v) if type(v) is int else v for v in present] if int in kinds else present
    try:
        quantized = list(map(Decimal.quantize, exact, repeat(quantum)))
        if quantized != exact or max(quantized) >= limit or min(quantized) <= -limit:
            return None
    except ArithmeticError:  # an infinity, a signalling NaN, more digits than the context holds
        return None
    if present is values:
        return quantized
    it = iter(quantized)
    return [None if v is None else next(it) for v in values]


def _few_decimals(values: list[Any], precision: int, scale: int) -> list[Any] | None:
    """:func:`_decimals` of a column of few distinct values, each checked and quantized once (equal
    values — ``25`` and ``Decimal("25.00")`` — share their canonical value)."""
    seen = dict.fromkeys(values)  # C speed, first seen first
    seen.pop(None, None)
    distinct = list(seen)
    index = {v: k for k, v in enumerate(distinct)}
    index[None] = -1
    codes = list(map(index.__getitem__, values))
    checked = _decimals(distinct, precision, scale)
    if checked is None:
        return None
    if not codes:
        return values
    canonical = [*checked, None]  # code -1: None
    return Factorized(list(itemgetter(*codes)(canonical)) if len(codes) > 1 else [canonical[codes[0]]], checked, codes)


def _scalar_column(item: Item, values: list[Any]) -> list[Any] | None:
    kind = item.type
    if kind == "alphanumeric":
        return _texts(values, item.length or 0)
    if kind == "numeric":
        return _integers(values, item.length or MAX_DIGITS)
    if kind == "boolean":
        return _booleans(values)
    if kind == "date":
        return _dates(values)
    if isinstance(values, ArrowDecimals):
        # a Sequence, not a list: the checked column stays the array (its consumers walk or take it)
        return _arrow_decimals(values, item.length or MAX_DIGITS, item.scale)  # type: ignore[return-value]
    return _decimals(values, item.length or MAX_DIGITS, item.scale)


def _struct_column(item: Item, values: list[Any]) -> list[Any] | None:
    """A decomposable item's column: dicts of its sub-items (all-empty → None), or None."""
    present = _present(values)
    if not _only(present, dict):
        return None
    names = item.sub_items.names
    taken = _same_keys(present)  # every dict gives the same sub-items: C-speed lookups
    if present and not (set(taken) if taken is not None else set().union(*present)) <= set(names):
        return None
    subs: list[list[Any]] = []
    for sub in item.sub_items:
        if taken is not None:
            given = taken.get(sub.name) or [None] * len(present)
            if present is not values:
                it = iter(given)
                given = [None if v is None else next(it) for v in values]
        elif present is values:  # no article leaves the item empty
            given = list(map(methodcaller("get", sub.name), values))
        else:
            given = [None if v is None else v.get(sub.name) for v in values]
        column = _scalar_column(sub, given)
        if column is None or (sub.mandatory and _has_none(column)):
            return None  # a mandatory sub-item missing: the full rule names it
        subs.append(column)
    return StructColumn(values, names, subs)


class StructColumn(list[Any]):
    """A decomposable item's column of a checked batch: the values as the articles gave them, and
    beside them ``parts``, each sub-item's checked values (in canonical form) in the order of
    ``names``. Writers take the parts — a row whose parts are all empty is an empty item — so
    that no dict is built again nor taken apart again for the DBMS (WRITE BATCH of addresses)."""

    __slots__ = ("names", "parts")

    def __init__(self, values: list[Any], names: tuple[str, ...], parts: list[list[Any]]) -> None:
        super().__init__(values)
        self.names = names
        self.parts = parts

    def checked(self) -> list[dict[str, Any] | None]:
        """The column as canonical values: a dict of every sub-item, or None for an empty item."""
        names = self.names
        return [
            None if all(x is None for x in row) else dict(zip(names, row, strict=True))
            for row in zip(*self.parts, strict=True)
        ]


def _list_column(item: Item, values: list[Any]) -> list[Any] | None:
    """A repetitive item's column: lists of at most ``repetitive`` non-null occurrences, or None."""
    kinds = _kinds(values)  # one pass tells both the lists and the Nones
    if not kinds <= {list, _NONE}:
        return None
    present = values if _NONE not in kinds else [v for v in values if v is not None]
    lengths = list(map(len, present))
    if present and max(lengths) > (item.repetitive or 0):
        return None
    occurrences = _scalar_column(item, list(chain.from_iterable(present)))
    if occurrences is None or _has_none(occurrences):  # a null occurrence: the full rule names it
        return None
    if item.type == "decimal":
        rows = [None if v is None else _decimals(v, item.length or MAX_DIGITS, item.scale) for v in values]
    else:
        rows = values if present is values else [[] if v is None else v for v in values]
    if present is not values:
        lengths = [0 if v is None else len(v) for v in values]
    return ListColumn(rows, occurrences, lengths)


class ListColumn(list[Any]):
    """A repetitive item's column of a checked batch: the lists, and beside them ``occurrences``,
    every list's checked occurrences one after the other, and ``lengths``, how many each list has
    (0 for none): a columnar writer builds its LIST column from those, without a list per row."""

    __slots__ = ("lengths", "occurrences")

    def __init__(self, values: list[Any], occurrences: list[Any], lengths: list[int]) -> None:
        super().__init__(values)
        self.occurrences = occurrences
        self.lengths = lengths


def check_columns(
    items: Sequence[Item], articles: Sequence[Mapping[str, Any]], known: frozenset[str]
) -> dict[str, list[Any]] | None:
    """A batch of new articles checked column by column: the values, in canonical form, of the
    items the batch sets, the identifier, the mandatory items and those with a default (filled
    in) — every other item is empty in every article — or ``None`` when the batch needs the
    article-by-article check: an article that is not a dict, an unknown item, a value the column
    tests do not settle.

    ``items``: the record type's items, in order; ``known``: their names.
    """
    if set(map(type, articles)) != {dict}:
        return None
    taken = _same_keys(articles)
    given: set[str] = set(taken) if taken is not None else set().union(*articles)  # every key, C speed
    if not given <= known:
        return None

    def values(item: Item) -> list[Any]:
        if taken is not None:
            return taken[item.name]
        try:
            return list(map(itemgetter(item.name), articles))  # every article gives it: C speed
        except KeyError:
            return [a.get(item.name, item.default) for a in articles]

    return _checked(items, given, len(articles), values)


def check_patch_columns(
    items: Sequence[Item], articles: Sequence[Mapping[str, Any]], known: frozenset[str]
) -> dict[str, list[Any]] | None:
    """A batch of REWRITE articles checked column by column: the values, in canonical form, of the
    items they give — or ``None`` when the batch needs the article-by-article check: an article that
    is not a dict, articles that do not all give the same items, an unknown item, an identifier
    item not given or empty, an empty mandatory item, a value the column tests do not settle.

    ``items``: the record type's items, in order; ``known``: their names.
    """
    if set(map(type, articles)) != {dict}:
        return None
    taken = _same_keys(articles)
    if taken is None or not set(taken) <= known:
        return None
    columns: dict[str, list[Any]] = {}
    for item in items:
        if item.name not in taken:
            if item.identifying:
                return None
            continue
        checked = _item_column(item, taken[item.name])
        if checked is None:
            return None
        columns[item.name] = checked
    return columns


def _same_keys(articles: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]] | None:
    """The columns of articles that all give the same items — item → each article's value — or
    None. As many keys in each article as in the first, and each of the first's keys found in
    every one, say so without a set of every article's keys (the batch's usual shape)."""
    # as many items in all as the first's in every article (a sum: no set of lengths), and each of the
    # first's items in every article (below): each gives exactly the first's
    if not articles or sum(map(len, articles)) != len(articles[0]) * len(articles):
        return None
    try:
        return {name: list(map(itemgetter(name), articles)) for name in articles[0]}
    except KeyError:
        return None


#: The item type whose column an Arrow-held column is checked as, as its array.
_ARROW_ITEMS: dict[str | None, type[ArrowColumn]] = {
    "alphanumeric": ArrowTexts,
    "numeric": ArrowIntegers,
    "decimal": ArrowDecimals,
}


def arrow_columns(items: Sequence[Item], articles: Sequence[Any]) -> dict[str, Any] | None:
    """The columns of a batch of dicts (a subclass too: read as the article's check reads it, by its
    ``in`` and ``[]``) that all give the same items, each a simple text or integer
    item, read into Arrow at once (``pyarrow.Table.from_pylist``: no Python list per column) for a
    writer that takes Arrow columns — or None: another item, articles not all giving the same items,
    a column Arrow reads as another type than the item's (a bool or a float among integers, bytes
    among text, nothing but nulls).

    Arrow reads a column as ``string`` only when its values are ``str`` (or None), as ``int64`` only
    when they are integers (never a bool): the columns are then checked on their arrays as a
    DataFrame's are (:func:`check_given_columns`), and give the values the article-by-article
    check would (the same text, the same numbers; listed only if walked)."""
    import pyarrow as pa

    first = articles[0] if len(articles) else None
    if not isinstance(first, dict):
        return None
    by_name = {item.name: item for item in items}
    for name in first:  # the first article's items first: a batch of other items costs nothing more
        item = by_name.get(name) if isinstance(name, str) else None
        if item is None or item.repetitive or item.decomposable or item.type not in ("alphanumeric", "numeric"):
            return None
    try:  # every article a dict (dict's own len: a TypeError for anything else), of how many items
        given = sum(map(dict.__len__, articles))
    except TypeError:
        return None
    try:
        table = pa.Table.from_pylist(articles)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):  # mixed types, a surrogate, past 64 bits
        return None
    # Arrow takes the columns of the first article and reads an item another one lacks as null (one it
    # gives beyond them is not read): every article must give as many items as the first — enough when
    # no column holds a null, each then giving every one of the first's — and the same ones otherwise
    if table.num_columns != len(first) or given != len(first) * len(articles):
        return None
    if any(column.null_count for column in table.columns) and not all(
        map(eq, map(methodcaller("keys"), articles), repeat(first.keys()))
    ):
        return None
    columns: dict[str, Any] = {}  # Sequences, not lists: their values listed only if walked
    for name, column in zip(table.column_names, table.columns, strict=True):
        array = column.combine_chunks()
        if by_name[name].type == "alphanumeric" and (
            pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
        ):
            columns[name] = ArrowTexts(array)
        elif by_name[name].type == "numeric" and pa.types.is_int64(array.type):
            columns[name] = ArrowIntegers(array)
        else:
            return None
    return columns


def check_given_columns(
    items: Sequence[Item], columns: Mapping[str, list[Any]], n: int, known: frozenset[str]
) -> dict[str, list[Any]] | None:
    """:func:`check_columns` of ``n`` articles given as columns — item name → the value of each
    article, every article giving every item named (a DataFrame's columns): the same answer as
    for the articles ``{name: columns[name][i] for name in columns}``."""
    if not set(columns) <= known or any(len(v) != n for v in columns.values()):
        return None

    def values(item: Item) -> list[Any]:
        given = columns[item.name]
        if isinstance(given, ArrowColumn):
            if _ARROW_ITEMS.get(item.type) is type(given) and not (item.repetitive or item.decomposable):
                return given  # checked on its array, never listed
            return list(given)  # another item type's values: as a list, for the rules of the item's type
        return given if isinstance(given, Typed) else list(given)  # a Typed column is a fresh list

    return _checked(items, set(columns), n, values)


def _checked(
    items: Sequence[Item], given: set[str], n: int, values_of: Callable[[Item], list[Any]]
) -> dict[str, list[Any]] | None:
    columns: dict[str, list[Any]] = {}
    for item in items:
        name = item.name
        if name not in given and not (item.identifying or item.mandatory or item.default is not None):
            continue
        values = values_of(item) if name in given else Typed([item.default] * n, frozenset({type(item.default)}))
        checked = _item_column(item, values)
        if checked is None:
            return None
        columns[name] = checked
    return columns


def _item_column(item: Item, values: list[Any]) -> list[Any] | None:
    """One item's column checked by the rule of its shape, or None when the column tests do not
    settle it (or an identifier or mandatory item is empty)."""
    if item.decomposable:
        checked = _struct_column(item, values)
    elif item.repetitive:
        checked = _list_column(item, values)
    else:
        checked = _scalar_column(item, values)
    if checked is None or ((item.identifying or item.mandatory) and _has_none(checked)):
        return None
    return checked


def shown(value: Any) -> str:
    """A value as people write it in a schema file and read it in a plan: ``'BE'``, ``12.50``,
    ``2020-01-01``, ``true``, ``[1, 2]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) + "}"
    return repr(value)
