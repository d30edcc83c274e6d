"""Parameter checks shared by the treaties and the modelling helpers: a bad parameter is an
:class:`EngineError` that names it, never a NumPy ``TypeError`` or a silently wrong figure."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from assurdb.engine.errors import EngineError

FloatArray = npt.NDArray[np.float64]


def _number(name: str, value: Any) -> float:
    if not _is_number(value):
        raise EngineError(f"parameter {name!r} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number):
        raise EngineError(f"parameter {name!r} must be a number, got {value!r}")
    return number


def _is_number(value: object) -> bool:
    return not isinstance(value, bool | str | bytes) and isinstance(value, numbers.Real | Decimal)


def check_positive(name: str, value: float, *, infinite: bool = False) -> float:
    """A strictly positive parameter (retention, limit, priority, lines, share…); ``infinite``: an
    unlimited value (``float("inf")``) is allowed."""
    number = _number(name, value)
    if number <= 0.0 or (math.isinf(number) and not infinite):
        kind = "a positive amount" + (" or inf" if infinite else "")
        raise EngineError(f"parameter {name!r} must be {kind}, got {value!r}")
    return number


def check_non_negative(name: str, value: float, *, infinite: bool = False) -> float:
    """A parameter that may be zero (an AAD of 0 means no AAD, an expense rate of 0…)."""
    number = _number(name, value)
    if number < 0.0 or (math.isinf(number) and not infinite):
        raise EngineError(f"parameter {name!r} must be zero or positive, got {value!r}")
    return number


def check_finite(name: str, value: float) -> float:
    """Any finite number (a lognormal's mu)."""
    number = _number(name, value)
    if math.isinf(number):
        raise EngineError(f"parameter {name!r} must be finite, got {value!r}")
    return number


def check_rate(name: str, value: float, *, allow_zero: bool = True, maximum: float = 1.0) -> float:
    """A rate in [0, maximum] (or (0, maximum] when zero is refused)."""
    number = check_non_negative(name, value) if allow_zero else check_positive(name, value)
    if number > maximum:
        raise EngineError(f"parameter {name!r} must be at most {maximum:g}, got {value!r}")
    return number


def check_level(name: str, value: float) -> float:
    """A probability strictly between 0 and 1 (a quantile's level)."""
    number = _number(name, value)
    if not 0.0 < number < 1.0:
        raise EngineError(f"parameter {name!r} must be strictly between 0 and 1, got {value!r}")
    return number


def check_count(name: str, value: int, *, minimum: int = 1) -> int:
    """A whole number at least ``minimum`` (years to simulate, a sample size). NumPy integers and
    numbers with an integral value (``3.0``, ``Decimal("3")``) are whole numbers; ``1.5`` is not."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        count = int(value)
    else:
        number = _number(name, value) if _is_number(value) else math.nan
        if not number.is_integer():
            raise EngineError(f"parameter {name!r} must be a whole number, got {value!r}")
        count = int(number)
    if count < minimum:
        raise EngineError(f"parameter {name!r} must be at least {minimum}, got {value!r}")
    return count


def check_seed(name: str, value: object) -> np.random.Generator:
    """A random seed: ``None`` (fresh entropy), a whole number >= 0 or a ``numpy.random.Generator``
    (used as is, so that several draws share one stream)."""
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise EngineError(f"parameter {name!r} must be None, a whole number or a numpy.random.Generator, got {value!r}")
    if int(value) < 0:
        raise EngineError(f"parameter {name!r} must be zero or positive, got {value!r}")
    return np.random.default_rng(int(value))


def check_amounts(
    name: str,
    values: npt.ArrayLike,
    *,
    non_negative: bool = False,
    array: bool = False,
    empty: bool = True,
) -> FloatArray:
    """Finite numbers: one amount or a one-dimensional array of them.

    ``non_negative``: refuse amounts below zero (losses); ``array``: a one-dimensional array is needed,
    a single number is refused; ``empty``: an empty array is accepted (a simulated set with no loss).
    Booleans, strings and complex numbers are refused rather than read as numbers.
    """
    raw: np.ndarray[Any, Any] | None = None
    if not isinstance(values, bool | str | bytes):
        try:
            raw = np.asarray(values)
        except (TypeError, ValueError):  # ragged nested sequences
            raw = None
    # An object array holds Decimals as the interface gives them; anything that is not a real number is refused.
    if raw is not None and raw.dtype == object and not all(_is_number(v) for v in raw.flat):
        raw = None
    if raw is None or raw.dtype.kind not in "iufO":
        raise EngineError(f"parameter {name!r} must be numbers, got {values!r:.80}")
    try:
        amounts = np.asarray(raw, dtype=np.float64)  # no copy of a float64 array: simulations are large
    except (TypeError, ValueError):
        raise EngineError(f"parameter {name!r} must be numbers, got {values!r:.80}") from None
    if amounts.ndim > 1 or (array and amounts.ndim != 1):
        raise EngineError(f"parameter {name!r} must be a one-dimensional array, got shape {amounts.shape}")
    if amounts.size == 0:
        if not empty:
            raise EngineError(f"parameter {name!r} is empty")
        return amounts
    flat = amounts.reshape(-1)
    # min and max propagate NaN: two reductions without temporaries settle the common, valid case.
    low, high = float(flat.min()), float(flat.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        bad = int(np.flatnonzero(~np.isfinite(flat))[0])
        raise EngineError(f"parameter {name!r}: value {bad} is not a finite number ({float(flat[bad])!r})")
    if non_negative and low < 0.0:
        bad = int(np.flatnonzero(flat < 0.0)[0])
        raise EngineError(f"parameter {name!r}: value {bad} is negative ({float(flat[bad])!r})")
    return amounts


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise EngineError(f"parameter {name!r} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
