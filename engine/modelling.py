"""Loss modelling: fitted annual loss distributions and frequency–severity simulation.

The study, ch. 2 §3.2: attritional losses are taken as annual aggregates (chain-ladder ultimates by
accident year) fitted with the normal, lognormal or gamma law — by maximum likelihood when the
history is long enough, by the method of moments when it is short — the law chosen by goodness of
fit, then simulated; large losses ("sinistres graves") are few and severe and are simulated one by one
(frequency × severity).

Simulation is vectorised: all years' claim counts in one draw, all severities in one draw, annual
sums by ``np.bincount`` over the year index — no Python loop per simulated year. Everything takes a
``seed`` (an int or a ``numpy.random.Generator``) and is reproducible.

Every public function and class checks its parameters and refuses a bad one with an
:class:`EngineError` naming it and the value (``assurdb.engine.checks``): a negative priority or
limit would otherwise cede negative amounts, a string mean or a fractional year count would reach
NumPy as a ``TypeError`` naming nothing. Priorities and deductibles may be zero (cover from the
first unit, no deductible); limits must be positive (a zero limit is a layer that covers nothing, a
data-entry slip rather than a treaty), or ``inf`` for an unlimited layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import special, stats

from assurdb.engine.checks import (
    check_amounts,
    check_choice,
    check_count,
    check_finite,
    check_level,
    check_non_negative,
    check_positive,
    check_rate,
    check_seed,
)
from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

Family = Literal["normal", "lognormal", "gamma"]
Method = Literal["mle", "moments", "auto"]
Criterion = Literal["aic", "ks"]
Seed = int | np.random.Generator | None

FAMILIES: tuple[Family, ...] = ("normal", "lognormal", "gamma")
#: Below this many observations ``method="auto"`` uses moments: the study, ch. 2 §3.2 fits by maximum
#: likelihood "lorsque l'historique des données est suffisant", by moments otherwise, without a number;
#: ten years is our reading (its own history is five accident years).
MIN_MLE_OBSERVATIONS = 10

__all__ = [
    "FAMILIES",
    "MIN_MLE_OBSERVATIONS",
    "FittedDistribution",
    "FrequencySeverity",
    "LogNormal",
    "LossModelFit",
    "NegativeBinomial",
    "Pareto",
    "Poisson",
    "SimulatedLosses",
    "SimulatedYears",
    "aggregate_layer",
    "ceded_aggregate",
    "fit_annual_losses",
    "fit_distribution",
    "layer_per_loss",
    "risk_summary",
    "simulate_frequency_severity",
    "simulate_years",
]


def _rng(seed: Seed) -> np.random.Generator:
    return check_seed("seed", seed)


def _generator(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise EngineError(f"parameter 'rng' must be a numpy.random.Generator, got {rng!r}")
    return rng


# --- fitting ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedDistribution:
    """A fitted law: ``family``, ``method``, ``params`` (normal: mu, sigma; lognormal: mu, sigma of the
    log; gamma: shape, scale), with ``loglik``, ``aic`` and the Kolmogorov–Smirnov statistic and
    p-value on the data it was fitted to (the p-value is optimistic: the parameters come from the
    same data)."""

    family: Family
    method: Literal["mle", "moments"]
    params: dict[str, float]
    n: int
    loglik: float
    aic: float
    ks_statistic: float
    ks_pvalue: float

    def __post_init__(self) -> None:
        check_choice("family", self.family, FAMILIES)
        check_choice("method", self.method, ("mle", "moments"))
        _check_params(self.family, self.params)
        check_count("n", self.n)
        check_finite("loglik", self.loglik)
        check_finite("aic", self.aic)
        check_rate("ks_statistic", self.ks_statistic)
        check_rate("ks_pvalue", self.ks_pvalue)

    def frozen(self) -> Any:
        """The scipy.stats frozen distribution."""
        return _frozen(self.family, self.params)

    @property
    def mean(self) -> float:
        return float(self.frozen().mean())

    @property
    def std(self) -> float:
        return float(self.frozen().std())

    def ppf(self, q: npt.ArrayLike) -> FloatArray:
        """Quantiles at the probabilities ``q`` (in [0, 1]; 0 and 1 give the ends of the support)."""
        levels = check_amounts("q", q)
        outside = np.flatnonzero((levels < 0.0) | (levels > 1.0))
        if outside.size:
            raise EngineError(
                f"parameter 'q': value {int(outside[0])} is {float(levels.reshape(-1)[outside[0]])!r}, "
                "a probability must lie in [0, 1]"
            )
        return np.asarray(self.frozen().ppf(levels), dtype=np.float64)

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        return np.asarray(self.frozen().cdf(check_amounts("x", x)), dtype=np.float64)

    def rvs(self, size: int, seed: Seed = None) -> FloatArray:
        """``size`` independent draws (e.g. simulated annual attritional losses)."""
        size = check_count("size", size)
        rng = _rng(seed)
        p = self.params
        if self.family == "normal":
            return rng.normal(p["mu"], p["sigma"], size)
        if self.family == "lognormal":
            return rng.lognormal(p["mu"], p["sigma"], size)
        return rng.gamma(p["shape"], p["scale"], size)


#: Each law's parameters: those that may be any finite number, those that must be positive.
_PARAMETERS: dict[Family, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "normal": (("mu",), ("sigma",)),
    "lognormal": (("mu",), ("sigma",)),
    "gamma": ((), ("shape", "scale")),
}


def _check_params(family: Family, params: object) -> None:
    finite, positive = _PARAMETERS[family]
    if not isinstance(params, dict) or set(params) != {*finite, *positive}:
        raise EngineError(
            f"parameter 'params' of a {family} law must be a dict with keys {', '.join(finite + positive)}, "
            f"got {params!r}"
        )
    for key in finite:
        check_finite(f"params[{key!r}]", params[key])
    for key in positive:
        check_positive(f"params[{key!r}]", params[key])


def _frozen(family: Family, p: dict[str, float]) -> Any:
    if family == "normal":
        return stats.norm(loc=p["mu"], scale=p["sigma"])
    if family == "lognormal":
        return stats.lognorm(s=p["sigma"], scale=np.exp(p["mu"]))
    return stats.gamma(a=p["shape"], scale=p["scale"])


def _check_observations(name: str, data: npt.ArrayLike) -> FloatArray:
    """Annual losses to fit: a one-dimensional array of at least two finite numbers (a normal law may
    be fitted to negative values; the positive laws refuse them in :func:`_check_data`)."""
    x = check_amounts(name, data, array=True)
    if x.size < 2:
        raise EngineError(f"parameter {name!r} needs at least 2 observations, got {x.size}")
    return x


def _check_data(data: npt.ArrayLike, family: Family) -> FloatArray:
    x = _check_observations("data", data)
    if family in ("lognormal", "gamma") and (x <= 0).any():
        raise EngineError(
            f"fit {family}: parameter 'data': observation {int(np.argmax(x <= 0))} is {x[x <= 0][0]!r}; "
            "the law needs positive values"
        )
    if np.ptp(x) == 0:
        raise EngineError(f"fit {family}: parameter 'data': all observations are equal ({x[0]!r}); no dispersion")
    return x


def fit_distribution(
    data: npt.ArrayLike, family: Family, method: Literal["mle", "moments"] = "mle"
) -> FittedDistribution:
    """Fit one law to annual losses by maximum likelihood or by the method of moments.

    Moments use the sample mean and the unbiased variance: normal (m, s), lognormal
    ``σ² = ln(1 + s²/m²)``, ``μ = ln m − σ²/2``, gamma ``k = m²/s²``, ``θ = s²/m``.
    """
    check_choice("family", family, FAMILIES)
    check_choice("method", method, ("mle", "moments"))
    x = _check_data(data, family)
    params: dict[str, float]
    if method == "mle":
        if family == "normal":
            params = {"mu": float(x.mean()), "sigma": float(x.std())}
        elif family == "lognormal":
            lx = np.log(x)
            params = {"mu": float(lx.mean()), "sigma": float(lx.std())}
        else:
            shape, _, scale = stats.gamma.fit(x, floc=0.0)
            params = {"shape": float(shape), "scale": float(scale)}
    else:
        m, v = float(x.mean()), float(x.var(ddof=1))
        if family == "normal":
            params = {"mu": m, "sigma": float(np.sqrt(v))}
        elif family == "lognormal":
            s2 = float(np.log1p(v / (m * m)))
            params = {"mu": float(np.log(m) - s2 / 2), "sigma": float(np.sqrt(s2))}
        else:
            params = {"shape": m * m / v, "scale": v / m}
    dist = _frozen(family, params)
    loglik = float(np.sum(dist.logpdf(x)))
    ks = stats.kstest(x, dist.cdf)
    return FittedDistribution(
        family=family,
        method=method,
        params=params,
        n=int(x.size),
        loglik=loglik,
        aic=2 * len(params) - 2 * loglik,
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
    )


class LossModelFit:
    """Fit several laws to annual losses and choose one (the study, ch. 2 §3.2).

    Parameters as given: ``families``, ``method`` ("mle", "moments" or "auto": moments below
    ``min_mle`` observations), ``criterion`` ("aic": lowest AIC; "ks": lowest KS statistic).
    Fitted: ``fits_`` (family → :class:`FittedDistribution`), ``table_`` (one row per family) and
    ``best_``. A family that cannot fit the data (e.g. lognormal on a zero) is left out of the
    table, with the reason in ``skipped_``.
    """

    def __init__(
        self,
        families: Sequence[Family] = FAMILIES,
        *,
        method: Method = "auto",
        criterion: Criterion = "aic",
        min_mle: int = MIN_MLE_OBSERVATIONS,
    ) -> None:
        self.families = families
        self.method = method
        self.criterion = criterion
        self.min_mle = min_mle

    def fit(self, losses: npt.ArrayLike) -> LossModelFit:
        """Fit every family to ``losses`` (one-dimensional, at least two finite numbers) and choose one.
        The parameters are checked here, as chainladder's estimators check theirs in ``fit``."""
        families = self.families
        if isinstance(families, str) or not isinstance(families, Sequence) or not families:
            raise EngineError(f"parameter 'families' must be a non-empty sequence of law names, got {families!r}")
        for family in families:
            check_choice("families", family, FAMILIES)
        if len(set(families)) != len(families):
            raise EngineError(f"parameter 'families' names a law twice: {families!r}")
        check_choice("method", self.method, ("mle", "moments", "auto"))
        check_choice("criterion", self.criterion, ("aic", "ks"))
        min_mle = check_count("min_mle", self.min_mle, minimum=2)
        x = _check_observations("losses", losses)
        auto: Literal["mle", "moments"] = "mle" if x.size >= min_mle else "moments"
        method: Literal["mle", "moments"] = auto if self.method == "auto" else self.method
        self.fits_: dict[str, FittedDistribution] = {}
        self.skipped_: dict[str, str] = {}
        for family in families:
            try:
                self.fits_[family] = fit_distribution(x, family, method)
            except EngineError as exc:
                self.skipped_[family] = str(exc)
        if not self.fits_:
            raise EngineError(f"no law could be fitted: {self.skipped_}")
        self.table_ = pd.DataFrame(
            [
                {
                    "family": f.family,
                    "method": f.method,
                    **{"loglik": f.loglik, "aic": f.aic},
                    "ks_statistic": f.ks_statistic,
                    "ks_pvalue": f.ks_pvalue,
                    "mean": f.mean,
                    "std": f.std,
                }
                for f in self.fits_.values()
            ]
        ).set_index("family")
        key = "aic" if self.criterion == "aic" else "ks_statistic"
        self.best_ = self.fits_[str(self.table_[key].idxmin())]
        return self


def fit_annual_losses(
    losses: npt.ArrayLike,
    families: Sequence[Family] = FAMILIES,
    *,
    method: Method = "auto",
    criterion: Criterion = "aic",
) -> LossModelFit:
    """``LossModelFit(families, method=…, criterion=…).fit(losses)``."""
    return LossModelFit(families, method=method, criterion=criterion).fit(losses)


# --- frequency and severity ----------------------------------------------------------------------------


@runtime_checkable
class Frequency(Protocol):
    mean: float

    def sample(self, rng: np.random.Generator, size: int) -> IntArray: ...

    def thinned(self, probability: float) -> Frequency: ...


@runtime_checkable
class Severity(Protocol):
    def sample(self, rng: np.random.Generator, size: int) -> FloatArray: ...

    def survival(self, x: float) -> float: ...

    def sample_above(self, rng: np.random.Generator, size: int, threshold: float) -> FloatArray: ...


#: Up to this mean :meth:`Poisson.sample` scatters one Poisson total over the years: the scatter costs
#: one uniform integer and one random write per claim, NumPy's small-mean Poisson about λ + 1 uniforms
#: per year, and above λ ≈ 2.5 the random writes lose.
_SCATTER_MEAN = 2.5
#: Years per block of the scatter: 16 384 counts (128 KiB) stay in the cache while their claims land.
_SCATTER_BLOCK = 1 << 14


@dataclass(frozen=True)
class Poisson:
    """Poisson claim counts per year; ``mean`` finite and >= 0 (0: no claim at all, as a thinned
    frequency above a threshold no loss can reach)."""

    mean: float

    def __post_init__(self) -> None:
        # Stored as a float so that a Decimal or NumPy mean computes like any other.
        object.__setattr__(self, "mean", check_non_negative("Poisson mean", self.mean))

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        """``size`` independent counts. For a small mean they are drawn as a Poisson process: the total
        ``N ~ Poisson(size·λ)``, shared among blocks of years by a multinomial draw, then each claim of
        a block falls in one of its years chosen uniformly. Given ``N`` the counts are multinomial, so
        they are independent Poisson(λ): the same law as NumPy's per-count draws, in about half their
        time up to λ = 2.5, where those loop on uniforms."""
        rng, size = _generator(rng), check_count("size", size, minimum=0)
        if not 0.0 < self.mean <= _SCATTER_MEAN or size < 2:
            return rng.poisson(self.mean, size).astype(np.int64, copy=False)
        total = int(rng.poisson(self.mean * size))
        starts = np.arange(0, size, _SCATTER_BLOCK)
        widths = np.diff(np.append(starts, size))
        per_block = rng.multinomial(total, widths / size) if starts.size > 1 else np.array([total])
        counts = np.empty(size, dtype=np.int64)
        for start, width, claims in zip(starts.tolist(), widths.tolist(), per_block.tolist(), strict=True):
            counts[start : start + width] = np.bincount(rng.integers(0, width, claims), minlength=width)
        return counts

    def thinned(self, probability: float) -> Poisson:
        """Counts of the claims kept with ``probability`` each: Poisson(p·λ)."""
        return Poisson(self.mean * check_rate("probability", probability))


@dataclass(frozen=True)
class NegativeBinomial:
    """Negative binomial claim counts with ``mean`` and ``variance`` (> mean: over-dispersed)."""

    mean: float
    variance: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", check_positive("NegativeBinomial mean", self.mean))
        object.__setattr__(self, "variance", check_positive("NegativeBinomial variance", self.variance))
        if self.variance <= self.mean:
            raise EngineError(
                f"NegativeBinomial: variance ({self.variance!r}) must exceed the mean ({self.mean!r}); "
                "use Poisson when they are equal"
            )

    @property
    def n(self) -> float:
        return self.mean * self.mean / (self.variance - self.mean)

    @property
    def p(self) -> float:
        return self.mean / self.variance

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        size = check_count("size", size, minimum=0)
        return _generator(rng).negative_binomial(self.n, self.p, size).astype(np.int64)

    def thinned(self, probability: float) -> NegativeBinomial | Poisson:
        """Thinning keeps the NB family: same ``n``, mean ``q·m``, variance ``q²·v + q(1−q)·m``."""
        q = check_rate("probability", probability)
        if q <= 0:
            return Poisson(0.0)
        return NegativeBinomial(q * self.mean, q * q * self.variance + q * (1 - q) * self.mean)


@dataclass(frozen=True)
class LogNormal:
    """Lognormal severity: ``log X ~ N(mu, sigma²)``."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", check_finite("LogNormal mu", self.mu))
        object.__setattr__(self, "sigma", check_positive("LogNormal sigma", self.sigma))

    @property
    def mean(self) -> float:
        return float(np.exp(self.mu + self.sigma**2 / 2))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return _generator(rng).lognormal(self.mu, self.sigma, check_count("size", size, minimum=0))

    def survival(self, x: float) -> float:
        x = check_finite("x", x)
        return 1.0 if x <= 0 else float(special.ndtr(-(np.log(x) - self.mu) / self.sigma))

    def sample_above(self, rng: np.random.Generator, size: int, threshold: float) -> FloatArray:
        """Draws of ``X | X > threshold`` by inversion in the upper tail: ``z = −Φ⁻¹(S(t)·V)``."""
        rng, size = _generator(rng), check_count("size", size, minimum=0)
        s = self.survival(check_non_negative("threshold", threshold))
        # One buffer, transformed in place: each fresh array of a million-year simulation costs
        # about as much in page faults as the arithmetic done on it.
        x = rng.random(size)
        np.subtract(1.0, x, out=x)  # (0, 1]
        x *= s
        special.ndtri(x, out=x)
        x *= -self.sigma
        x += self.mu
        return np.exp(x, out=x)


@dataclass(frozen=True)
class Pareto:
    """Single-parameter Pareto severity: ``P(X > x) = (scale / x)^alpha`` for ``x >= scale``."""

    alpha: float
    scale: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", check_positive("Pareto alpha", self.alpha))
        object.__setattr__(self, "scale", check_positive("Pareto scale", self.scale))

    @property
    def mean(self) -> float:
        return float("inf") if self.alpha <= 1 else self.alpha * self.scale / (self.alpha - 1)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return self.sample_above(rng, size, self.scale)

    def survival(self, x: float) -> float:
        x = check_finite("x", x)
        return 1.0 if x <= self.scale else float((self.scale / x) ** self.alpha)

    def sample_above(self, rng: np.random.Generator, size: int, threshold: float) -> FloatArray:
        rng, size = _generator(rng), check_count("size", size, minimum=0)
        t = max(check_non_negative("threshold", threshold), self.scale)  # a Pareto above t is a Pareto with scale t
        return t * (1.0 - rng.random(size)) ** (-1.0 / self.alpha)


# --- simulated losses ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedLosses:
    """Simulated individual losses: ``year`` (0 … n_years−1) and ``amount`` per loss, ``counts`` per
    year, ``unit`` (policy or event index) per loss when units were given. Losses are sorted by year,
    so ``starts`` gives each year's first loss for ``np.add.reduceat``.

    Built by :func:`simulate_frequency_severity`, or by hand from a loss listing (e.g. as-if losses):
    the arrays must agree — ``counts`` one whole number >= 0 per year, ``year`` sorted and matching
    ``counts``, ``amount`` finite and >= 0, ``unit`` whole numbers >= 0, one per loss.
    """

    n_years: int
    counts: IntArray
    year: IntArray
    amount: FloatArray
    threshold: float = 0.0
    unit: IntArray | None = None

    def __post_init__(self) -> None:
        n_years = check_count("n_years", self.n_years)
        counts = _whole_numbers("counts", self.counts)
        if counts.shape != (n_years,):
            raise EngineError(f"parameter 'counts' must hold one count per year ({n_years}), got shape {counts.shape}")
        year = _whole_numbers("year", self.year)
        if year.size != int(counts.sum()):
            raise EngineError(f"parameter 'year' must hold one year per loss ({int(counts.sum())}), got {year.size}")
        if year.size and (year.max() >= n_years or not (year[1:] >= year[:-1]).all()):
            raise EngineError("parameter 'year' must be sorted, with years from 0 to n_years − 1")
        if (np.bincount(year, minlength=n_years) != counts).any():
            raise EngineError("parameter 'year' does not match 'counts'")
        amount = check_amounts("amount", self.amount, non_negative=True, array=True)
        if amount.size != year.size:
            raise EngineError(f"parameter 'amount' must hold one amount per loss ({year.size}), got {amount.size}")
        check_non_negative("threshold", self.threshold)
        if self.unit is not None and _whole_numbers("unit", self.unit).size != year.size:
            raise EngineError(f"parameter 'unit' must hold one unit per loss ({year.size})")

    @classmethod
    def _simulated(
        cls, n_years: int, counts: IntArray, amount: FloatArray, threshold: float, unit: IntArray | None
    ) -> SimulatedLosses:
        """Losses consistent by construction (:func:`simulate_frequency_severity`): the checks of
        ``__post_init__`` are skipped, they would add a fifth to a million-year simulation."""
        losses = object.__new__(cls)
        year = np.repeat(np.arange(n_years, dtype=np.int64), counts)
        for name, value in (
            ("n_years", n_years),
            ("counts", counts),
            ("year", year),
            ("amount", amount),
            ("threshold", threshold),
            ("unit", unit),
        ):
            object.__setattr__(losses, name, value)
        return losses

    @property
    def starts(self) -> IntArray:
        out = np.zeros(self.n_years, dtype=np.int64)
        np.cumsum(self.counts[:-1], out=out[1:])
        return out

    def annual_totals(self, values: npt.ArrayLike | None = None) -> FloatArray:
        """Sum by simulated year of ``values`` (default: the amounts; else one finite number per loss,
        e.g. what a layer pays on it), zeros for years without a loss."""
        w = self.amount if values is None else check_amounts("values", values, array=True)
        if w.size != self.amount.size:
            raise EngineError(f"parameter 'values' must hold one number per loss ({self.amount.size}), got {w.size}")
        return np.asarray(np.bincount(self.year, weights=w, minlength=self.n_years), dtype=np.float64)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"year": self.year, "amount": self.amount})
        if self.unit is not None:
            frame["unit"] = self.unit
        return frame


def _whole_numbers(name: str, values: object) -> IntArray:
    """A one-dimensional array of whole numbers >= 0 (counts, years, unit indices)."""
    array = np.asarray(values)
    if array.ndim != 1 or array.dtype.kind not in "iu" or (array.size and array.min() < 0):
        raise EngineError(f"parameter {name!r} must be a one-dimensional array of whole numbers >= 0")
    return array.astype(np.int64, copy=False)


def _check_model(frequency: object, severity: object) -> None:
    if not isinstance(frequency, Frequency):
        raise EngineError(
            f"parameter 'frequency' must be a frequency law (Poisson, NegativeBinomial), got {frequency!r}"
        )
    if not isinstance(severity, Severity):
        raise EngineError(f"parameter 'severity' must be a severity law (LogNormal, Pareto), got {severity!r}")


def simulate_frequency_severity(
    n_years: int,
    frequency: Frequency,
    severity: Severity,
    *,
    threshold: float = 0.0,
    unit_weights: npt.ArrayLike | None = None,
    seed: Seed = None,
) -> SimulatedLosses:
    """Simulate ``n_years`` years of individual losses.

    With ``threshold > 0`` only losses above it are drawn: the counts are thinned by ``S(threshold)``
    and the severities drawn from ``X | X > threshold`` — the same distribution of every loss above
    the threshold, at a fraction of the cost (e.g. for an excess-of-loss layer with that priority).
    ``unit_weights`` (one per policy or event) assigns each loss to a unit with probability
    proportional to its weight (e.g. sums insured), giving per-policy losses.
    """
    n_years = check_count("n_years", n_years)
    _check_model(frequency, severity)
    threshold = check_non_negative("threshold", threshold)
    w = None
    if unit_weights is not None:
        w = check_amounts("unit_weights", unit_weights, non_negative=True, array=True, empty=False)
        if w.sum() <= 0:
            raise EngineError("parameter 'unit_weights' is all zeros: no unit can bear a loss")
    rng = _rng(seed)
    freq = frequency
    if threshold > 0:
        freq = frequency.thinned(severity.survival(threshold))
    counts = freq.sample(rng, n_years)
    total = int(counts.sum())
    amount = severity.sample_above(rng, total, threshold) if threshold > 0 else severity.sample(rng, total)
    unit = None
    if w is not None:
        cum = np.cumsum(w)
        unit = np.minimum(np.searchsorted(cum, rng.random(total) * cum[-1], side="right"), w.size - 1)
        unit = unit.astype(np.int64)
    return SimulatedLosses._simulated(n_years, counts, amount, threshold, unit)


@dataclass(frozen=True)
class FrequencySeverity:
    """A frequency–severity model; ``threshold`` > 0 keeps only the losses above it (large losses)."""

    frequency: Frequency
    severity: Severity
    threshold: float = 0.0

    def __post_init__(self) -> None:
        _check_model(self.frequency, self.severity)
        object.__setattr__(self, "threshold", check_non_negative("threshold", self.threshold))


@runtime_checkable
class AnnualDistribution(Protocol):
    def rvs(self, size: int, seed: Seed = None) -> FloatArray: ...


@dataclass(frozen=True)
class SimulatedYears:
    """Attritional annual totals plus large individual losses, per simulated year. The attritional
    totals may be negative (a normal law's left tail); the large losses are one set per year."""

    attritional: FloatArray
    large: SimulatedLosses | None = None
    attritional_losses: SimulatedLosses | None = field(default=None)

    def __post_init__(self) -> None:
        n_years = check_amounts("attritional", self.attritional, array=True, empty=False).size
        for name, losses in (("large", self.large), ("attritional_losses", self.attritional_losses)):
            if losses is not None and not isinstance(losses, SimulatedLosses):
                raise EngineError(f"parameter {name!r} must be SimulatedLosses or None, got {losses!r:.80}")
            if losses is not None and losses.n_years != n_years:
                raise EngineError(f"parameter {name!r} has {losses.n_years} years, 'attritional' has {n_years}")

    @property
    def large_totals(self) -> FloatArray:
        if self.large is None:
            return np.zeros_like(self.attritional)
        return self.large.annual_totals()

    @property
    def totals(self) -> FloatArray:
        return self.attritional + self.large_totals


def simulate_years(
    n_years: int,
    *,
    attritional: AnnualDistribution | FrequencySeverity | None = None,
    large: FrequencySeverity | None = None,
    seed: Seed = None,
) -> SimulatedYears:
    """Simulate years split into attritional and large losses (the study, ch. 2 §3.2).

    ``attritional``: a law of the annual aggregate (e.g. ``fit_annual_losses(ultimates).best_``) or a
    frequency–severity model whose losses are summed per year; ``large``: a frequency–severity model
    simulated loss by loss (usually with ``threshold`` = the large-loss threshold).
    """
    n_years = check_count("n_years", n_years)
    if attritional is not None and not isinstance(attritional, FrequencySeverity | AnnualDistribution):
        raise EngineError(
            "parameter 'attritional' must be an annual law (e.g. a FittedDistribution), a FrequencySeverity "
            f"or None, got {attritional!r:.80}"
        )
    if large is not None and not isinstance(large, FrequencySeverity):
        raise EngineError(f"parameter 'large' must be a FrequencySeverity or None, got {large!r:.80}")
    rng = _rng(seed)
    attr_losses = None
    if attritional is None:
        attr = np.zeros(n_years)
    elif isinstance(attritional, FrequencySeverity):
        attr_losses = simulate_frequency_severity(
            n_years, attritional.frequency, attritional.severity, threshold=attritional.threshold, seed=rng
        )
        attr = attr_losses.annual_totals()
    else:
        attr = check_amounts("attritional", attritional.rvs(n_years, seed=rng), array=True)
        if attr.size != n_years:
            raise EngineError(f"parameter 'attritional': its rvs gave {attr.size} years, not {n_years}")
    big = None
    if large is not None:
        big = simulate_frequency_severity(n_years, large.frequency, large.severity, threshold=large.threshold, seed=rng)
    return SimulatedYears(attritional=attr, large=big, attritional_losses=attr_losses)


# --- layers on simulated losses ------------------------------------------------------------------------


def _layer(x: FloatArray, priority: float, limit: float, *, inplace: bool = False) -> FloatArray:
    """The layer kernel, on checked arrays: ``min(max(x − priority, 0), limit)``; ``inplace``: in
    ``x``'s own memory (an array the caller made and no one else holds)."""
    if x.ndim == 0:  # one amount: NumPy gives a scalar, which has no memory to write into
        return np.minimum(np.maximum(x - priority, 0.0), limit)
    out = np.subtract(x, priority, out=x if inplace else None)
    np.maximum(out, 0.0, out=out)
    return np.minimum(out, limit, out=out)


def layer_per_loss(amounts: npt.ArrayLike, priority: float, limit: float = float("inf")) -> FloatArray:
    """What a ``limit xs priority`` layer pays on each loss: ``min(max(x − priority, 0), limit)``.

    ``amounts``: one loss or a one-dimensional array of losses, finite and >= 0 (an empty array is a
    year without loss and pays nothing); ``priority`` >= 0 (0: cover from the first unit);
    ``limit`` > 0 or ``inf`` (a zero limit covers nothing and is refused as a slip).
    """
    x = check_amounts("amounts", amounts, non_negative=True)
    priority = check_non_negative("priority", priority)
    limit = check_positive("limit", limit, infinite=True)
    return _layer(x, priority, limit)


def aggregate_layer(annual: npt.ArrayLike, deductible: float = 0.0, limit: float = float("inf")) -> FloatArray:
    """Annual aggregate deductible and limit on annual amounts: ``min(max(S − AAD, 0), AAL)``.

    ``annual``: one annual amount or a non-empty one-dimensional array of them, finite and >= 0 (a
    negative annual loss, e.g. from a normal law's left tail, is refused rather than silently ceding
    nothing: choose a law on [0, ∞) or clip it knowingly); ``deductible`` >= 0 (0: no AAD);
    ``limit`` > 0 or ``inf`` (no AAL).
    """
    s = check_amounts("annual", annual, non_negative=True, empty=False)
    deductible = check_non_negative("deductible", deductible)
    limit = check_positive("limit", limit, infinite=True)
    return _layer(s, deductible, limit)


def ceded_aggregate(
    losses: SimulatedLosses,
    priority: float,
    limit: float = float("inf"),
    *,
    aggregate_deductible: float = 0.0,
    aggregate_limit: float = float("inf"),
) -> FloatArray:
    """Annual amounts ceded to a per-loss ``limit xs priority`` layer with an annual aggregate deductible
    and limit, one per simulated year. ``priority`` and ``aggregate_deductible`` >= 0, ``limit`` and
    ``aggregate_limit`` > 0 or ``inf``, as in :func:`layer_per_loss` and :func:`aggregate_layer`."""
    if not isinstance(losses, SimulatedLosses):
        raise EngineError(f"parameter 'losses' must be SimulatedLosses, got {losses!r:.80}")
    priority = check_non_negative("priority", priority)
    limit = check_positive("limit", limit, infinite=True)
    aggregate_deductible = check_non_negative("aggregate_deductible", aggregate_deductible)
    aggregate_limit = check_positive("aggregate_limit", aggregate_limit, infinite=True)
    if losses.threshold > priority:
        raise EngineError(
            f"ceded_aggregate: losses were simulated above {losses.threshold!r} only; the priority "
            f"{priority!r} needs every loss above it"
        )
    # The losses were checked when built: the kernels run on them without a second pass of checks.
    per_loss = _layer(losses.amount, priority, limit)
    annual = np.asarray(np.bincount(losses.year, weights=per_loss, minlength=losses.n_years), dtype=np.float64)
    return _layer(annual, aggregate_deductible, aggregate_limit, inplace=True)


def risk_summary(values: npt.ArrayLike, level: float = 0.995) -> dict[str, float]:
    """Mean, standard deviation (ddof 0) and the ``level`` quantile (Solvency II's 99.5 %).

    ``values``: a non-empty one-dimensional array of finite numbers (they may be negative: a result
    or a net amount); ``level`` strictly between 0 and 1 (0 and 1 would be the sample's extremes).
    """
    x = check_amounts("values", values, array=True, empty=False)
    level = check_level("level", level)
    return {"mean": float(x.mean()), "std": float(x.std()), f"q{level:g}": float(np.quantile(x, level))}
