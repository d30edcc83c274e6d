"""Loss modelling: fitted annual loss distributions and frequency–severity simulation.

Seed 004 ch. 2 §3.2: attritional losses are taken as annual aggregates (chain-ladder ultimates by
accident year) fitted with the normal, lognormal or gamma law — by maximum likelihood when the
history is long enough, by the method of moments when it is short — the law chosen by goodness of
fit, then simulated; large losses ("sinistres graves") are few and severe and are simulated one by one
(frequency × severity).

Simulation is vectorised: all years' claim counts in one draw, all severities in one draw, annual
sums by ``np.bincount`` over the year index — no Python loop per simulated year. Everything takes a
``seed`` (an int or a ``numpy.random.Generator``) and is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd
from scipy import special, stats

from assurdb.engine.checks import (
    check_amounts,
    check_count,
    check_finite,
    check_level,
    check_non_negative,
    check_positive,
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
#: Below this many observations ``method="auto"`` uses moments: seed 004 ch. 2 §3.2 fits by maximum
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
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


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
        return np.asarray(self.frozen().ppf(q), dtype=np.float64)

    def cdf(self, x: npt.ArrayLike) -> FloatArray:
        return np.asarray(self.frozen().cdf(x), dtype=np.float64)

    def rvs(self, size: int, seed: Seed = None) -> FloatArray:
        """``size`` independent draws (e.g. simulated annual attritional losses)."""
        rng = _rng(seed)
        p = self.params
        if self.family == "normal":
            return rng.normal(p["mu"], p["sigma"], size)
        if self.family == "lognormal":
            return rng.lognormal(p["mu"], p["sigma"], size)
        return rng.gamma(p["shape"], p["scale"], size)


def _frozen(family: Family, p: dict[str, float]) -> Any:
    if family == "normal":
        return stats.norm(loc=p["mu"], scale=p["sigma"])
    if family == "lognormal":
        return stats.lognorm(s=p["sigma"], scale=np.exp(p["mu"]))
    return stats.gamma(a=p["shape"], scale=p["scale"])


def _check_data(data: npt.ArrayLike, family: Family) -> FloatArray:
    x = np.asarray(data, dtype=np.float64).reshape(-1)
    if x.size < 2:
        raise EngineError(f"fit {family}: needs at least 2 observations, got {x.size}")
    if not np.isfinite(x).all():
        raise EngineError(f"fit {family}: observation {int(np.argmin(np.isfinite(x)))} is not finite")
    if family in ("lognormal", "gamma") and (x <= 0).any():
        raise EngineError(
            f"fit {family}: observation {int(np.argmax(x <= 0))} is {x[x <= 0][0]!r}; the law needs positive values"
        )
    if np.ptp(x) == 0:
        raise EngineError(f"fit {family}: all observations are equal ({x[0]!r}); no dispersion to fit")
    return x


def fit_distribution(
    data: npt.ArrayLike, family: Family, method: Literal["mle", "moments"] = "mle"
) -> FittedDistribution:
    """Fit one law to annual losses by maximum likelihood or by the method of moments.

    Moments use the sample mean and the unbiased variance: normal (m, s), lognormal
    ``σ² = ln(1 + s²/m²)``, ``μ = ln m − σ²/2``, gamma ``k = m²/s²``, ``θ = s²/m``.
    """
    if family not in FAMILIES:
        raise EngineError(f"family must be one of {FAMILIES}, got {family!r}")
    if method not in ("mle", "moments"):
        raise EngineError(f"method must be 'mle' or 'moments', got {method!r}")
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
    """Fit several laws to annual losses and choose one (seed 004 ch. 2 §3.2).

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
        if self.criterion not in ("aic", "ks"):
            raise EngineError(f"criterion must be 'aic' or 'ks', got {self.criterion!r}")
        if self.method not in ("mle", "moments", "auto"):
            raise EngineError(f"method must be 'mle', 'moments' or 'auto', got {self.method!r}")
        x = np.asarray(losses, dtype=np.float64).reshape(-1)
        auto: Literal["mle", "moments"] = "mle" if x.size >= self.min_mle else "moments"
        method: Literal["mle", "moments"] = auto if self.method == "auto" else self.method
        self.fits_: dict[str, FittedDistribution] = {}
        self.skipped_: dict[str, str] = {}
        for family in self.families:
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


class Frequency(Protocol):
    mean: float

    def sample(self, rng: np.random.Generator, size: int) -> IntArray: ...

    def thinned(self, probability: float) -> Frequency: ...


class Severity(Protocol):
    def sample(self, rng: np.random.Generator, size: int) -> FloatArray: ...

    def survival(self, x: float) -> float: ...

    def sample_above(self, rng: np.random.Generator, size: int, threshold: float) -> FloatArray: ...


@dataclass(frozen=True)
class Poisson:
    """Poisson claim counts per year."""

    mean: float

    def __post_init__(self) -> None:
        check_non_negative("Poisson mean", self.mean)

    def sample(self, rng: np.random.Generator, size: int) -> IntArray:
        return rng.poisson(self.mean, size).astype(np.int64)

    def thinned(self, probability: float) -> Poisson:
        """Counts of the claims kept with ``probability`` each: Poisson(p·λ)."""
        return Poisson(self.mean * probability)


@dataclass(frozen=True)
class NegativeBinomial:
    """Negative binomial claim counts with ``mean`` and ``variance`` (> mean: over-dispersed)."""

    mean: float
    variance: float

    def __post_init__(self) -> None:
        check_positive("NegativeBinomial mean", self.mean)
        check_positive("NegativeBinomial variance", self.variance)
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
        return rng.negative_binomial(self.n, self.p, size).astype(np.int64)

    def thinned(self, probability: float) -> NegativeBinomial | Poisson:
        """Thinning keeps the NB family: same ``n``, mean ``q·m``, variance ``q²·v + q(1−q)·m``."""
        q = probability
        if q <= 0:
            return Poisson(0.0)
        return NegativeBinomial(q * self.mean, q * q * self.variance + q * (1 - q) * self.mean)


@dataclass(frozen=True)
class LogNormal:
    """Lognormal severity: ``log X ~ N(mu, sigma²)``."""

    mu: float
    sigma: float

    def __post_init__(self) -> None:
        check_finite("LogNormal mu", self.mu)
        check_positive("LogNormal sigma", self.sigma)

    @property
    def mean(self) -> float:
        return float(np.exp(self.mu + self.sigma**2 / 2))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.lognormal(self.mu, self.sigma, size)

    def survival(self, x: float) -> float:
        return 1.0 if x <= 0 else float(special.ndtr(-(np.log(x) - self.mu) / self.sigma))

    def sample_above(self, rng: np.random.Generator, size: int, threshold: float) -> FloatArray:
        """Draws of ``X | X > threshold`` by inversion in the upper tail: ``z = −Φ⁻¹(S(t)·V)``."""
        s = self.survival(threshold)
        v = 1.0 - rng.random(size)  # (0, 1]
        return np.asarray(np.exp(self.mu - self.sigma * special.ndtri(s * v)), dtype=np.float64)


@dataclass(frozen=True)
class Pareto:
    """Single-parameter Pareto severity: ``P(X > x) = (scale / x)^alpha`` for ``x >= scale``."""

    alpha: float
    scale: float

    def __post_init__(self) -> None:
        check_positive("Pareto alpha", self.alpha)
        check_positive("Pareto scale", self.scale)

    @property
    def mean(self) -> float:
        return float("inf") if self.alpha <= 1 else self.alpha * self.scale / (self.alpha - 1)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return self.sample_above(rng, size, self.scale)

    def survival(self, x: float) -> float:
        return 1.0 if x <= self.scale else float((self.scale / x) ** self.alpha)

    def sample_above(self, rng: np.random.Generator, size: int, threshold: float) -> FloatArray:
        t = max(threshold, self.scale)  # a Pareto above t is a Pareto with scale t
        return t * (1.0 - rng.random(size)) ** (-1.0 / self.alpha)


# --- simulated losses ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedLosses:
    """Simulated individual losses: ``year`` (0 … n_years−1) and ``amount`` per loss, ``counts`` per
    year, ``unit`` (policy or event index) per loss when units were given. Losses are sorted by year,
    so ``starts`` gives each year's first loss for ``np.add.reduceat``."""

    n_years: int
    counts: IntArray
    year: IntArray
    amount: FloatArray
    threshold: float = 0.0
    unit: IntArray | None = None

    @property
    def starts(self) -> IntArray:
        out = np.zeros(self.n_years, dtype=np.int64)
        np.cumsum(self.counts[:-1], out=out[1:])
        return out

    def annual_totals(self, values: npt.ArrayLike | None = None) -> FloatArray:
        """Sum by simulated year of ``values`` (default: the amounts), zeros for years without a loss."""
        w = self.amount if values is None else np.asarray(values, dtype=np.float64)
        return np.asarray(np.bincount(self.year, weights=w, minlength=self.n_years), dtype=np.float64)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"year": self.year, "amount": self.amount})
        if self.unit is not None:
            frame["unit"] = self.unit
        return frame


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
    threshold = check_non_negative("threshold", threshold)
    rng = _rng(seed)
    freq = frequency
    if threshold > 0:
        freq = frequency.thinned(severity.survival(threshold))
    counts = freq.sample(rng, n_years)
    total = int(counts.sum())
    year = np.repeat(np.arange(n_years, dtype=np.int64), counts)
    amount = severity.sample_above(rng, total, threshold) if threshold > 0 else severity.sample(rng, total)
    unit = None
    if unit_weights is not None:
        w = np.asarray(unit_weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise EngineError("unit_weights: a non-empty 1-D array of finite weights >= 0, not all zero")
        cum = np.cumsum(w)
        unit = np.minimum(np.searchsorted(cum, rng.random(total) * cum[-1], side="right"), w.size - 1)
        unit = unit.astype(np.int64)
    return SimulatedLosses(n_years=n_years, counts=counts, year=year, amount=amount, threshold=threshold, unit=unit)


@dataclass(frozen=True)
class FrequencySeverity:
    """A frequency–severity model; ``threshold`` > 0 keeps only the losses above it (large losses)."""

    frequency: Frequency
    severity: Severity
    threshold: float = 0.0


class AnnualDistribution(Protocol):
    def rvs(self, size: int, seed: Seed = None) -> FloatArray: ...


@dataclass(frozen=True)
class SimulatedYears:
    """Attritional annual totals plus large individual losses, per simulated year."""

    attritional: FloatArray
    large: SimulatedLosses | None = None
    attritional_losses: SimulatedLosses | None = field(default=None)

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
    """Simulate years split into attritional and large losses (seed 004 ch. 2 §3.2).

    ``attritional``: a law of the annual aggregate (e.g. ``fit_annual_losses(ultimates).best_``) or a
    frequency–severity model whose losses are summed per year; ``large``: a frequency–severity model
    simulated loss by loss (usually with ``threshold`` = the large-loss threshold).
    """
    n_years = check_count("n_years", n_years)
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
        attr = np.asarray(attritional.rvs(n_years, seed=rng), dtype=np.float64)
    big = None
    if large is not None:
        big = simulate_frequency_severity(n_years, large.frequency, large.severity, threshold=large.threshold, seed=rng)
    return SimulatedYears(attritional=attr, large=big, attritional_losses=attr_losses)


# --- layers on simulated losses ------------------------------------------------------------------------


def layer_per_loss(amounts: npt.ArrayLike, priority: float, limit: float = float("inf")) -> FloatArray:
    """What a ``limit xs priority`` layer pays on each loss: ``min(max(x − priority, 0), limit)``."""
    x = check_amounts("amounts", amounts)
    priority = check_non_negative("priority", priority)
    limit = check_non_negative("limit", limit, infinite=True)
    return np.minimum(np.maximum(x - priority, 0.0), limit)


def aggregate_layer(annual: npt.ArrayLike, deductible: float = 0.0, limit: float = float("inf")) -> FloatArray:
    """Annual aggregate deductible and limit on annual amounts: ``min(max(S − AAD, 0), AAL)``."""
    s = check_amounts("annual", annual)
    deductible = check_non_negative("deductible", deductible)
    limit = check_non_negative("limit", limit, infinite=True)
    return np.minimum(np.maximum(s - deductible, 0.0), limit)


def ceded_aggregate(
    losses: SimulatedLosses,
    priority: float,
    limit: float = float("inf"),
    *,
    aggregate_deductible: float = 0.0,
    aggregate_limit: float = float("inf"),
) -> FloatArray:
    """Annual amounts ceded to a per-loss ``limit xs priority`` layer with an annual aggregate deductible
    and limit, one per simulated year."""
    priority = check_non_negative("priority", priority)
    if losses.threshold > priority:
        raise EngineError(
            f"ceded_aggregate: losses were simulated above {losses.threshold!r} only; the priority "
            f"{priority!r} needs every loss above it"
        )
    per_loss = layer_per_loss(losses.amount, priority, limit)
    return aggregate_layer(
        losses.annual_totals(per_loss),
        check_non_negative("aggregate_deductible", aggregate_deductible),
        check_non_negative("aggregate_limit", aggregate_limit, infinite=True),
    )


def risk_summary(values: npt.ArrayLike, level: float = 0.995) -> dict[str, float]:
    """Mean, standard deviation (ddof 0) and the ``level`` quantile (Solvency II's 99.5 %)."""
    x = check_amounts("values", values)
    level = check_level("level", level)
    if x.size == 0:
        raise EngineError("parameter 'values' is empty: no risk to summarise")
    return {"mean": float(x.mean()), "std": float(x.std()), f"q{level:g}": float(np.quantile(x, level))}
