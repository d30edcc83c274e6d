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
    if isinstance(value, bool | str | bytes) or not isinstance(value, numbers.Real | Decimal):
        raise EngineError(f"parameter {name!r} must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number):
        raise EngineError(f"parameter {name!r} must be a number, got {value!r}")
    return number


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
    """A whole number at least ``minimum`` (years to simulate, a sample size)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise EngineError(f"parameter {name!r} must be a whole number, got {value!r}")
    if int(value) < minimum:
        raise EngineError(f"parameter {name!r} must be at least {minimum}, got {value!r}")
    return int(value)


def check_amounts(name: str, values: npt.ArrayLike) -> FloatArray:
    """Finite numbers: one amount or a one-dimensional array of them."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise EngineError(f"parameter {name!r} must be numbers, got {values!r:.80}") from None
    if array.ndim > 1:
        raise EngineError(f"parameter {name!r} must be one-dimensional, got shape {array.shape}")
    flat = array.reshape(-1)
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        raise EngineError(f"parameter {name!r}: value {int(bad[0])} is not a finite number ({flat[bad[0]]!r})")
    return array


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise EngineError(f"parameter {name!r} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value
