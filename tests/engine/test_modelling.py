"""Loss modelling: fitted laws (the study, ch. 2 §3.2) and vectorised frequency–severity simulation."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from assurdb.engine.errors import EngineError
from assurdb.engine.modelling import (
    FittedDistribution,
    FrequencySeverity,
    LogNormal,
    LossModelFit,
    NegativeBinomial,
    Pareto,
    Poisson,
    SimulatedLosses,
    SimulatedYears,
    aggregate_layer,
    ceded_aggregate,
    fit_annual_losses,
    fit_distribution,
    layer_per_loss,
    risk_summary,
    simulate_frequency_severity,
    simulate_years,
)

# The study, Tableau 32: claim charges retained at 500 000 thousand DA, accident years 2017–2021.
SEED_ANNUAL = [120_869.0, 116_112.0, 252_745.0, 174_208.0, 27_050.0]


def test_mle_fits_match_closed_forms_and_scipy() -> None:
    x = np.random.default_rng(1).gamma(3.0, 2.0, 400)
    normal = fit_distribution(x, "normal")
    assert normal.params == pytest.approx({"mu": x.mean(), "sigma": x.std()})
    lognormal = fit_distribution(x, "lognormal")
    assert lognormal.params == pytest.approx({"mu": np.log(x).mean(), "sigma": np.log(x).std()})
    gamma = fit_distribution(x, "gamma")
    shape, _, scale = stats.gamma.fit(x, floc=0)
    assert gamma.params == pytest.approx({"shape": shape, "scale": scale})
    assert gamma.aic == pytest.approx(4 - 2 * stats.gamma(shape, scale=scale).logpdf(x).sum())
    assert gamma.ks_statistic == pytest.approx(stats.kstest(x, stats.gamma(shape, scale=scale).cdf).statistic)


def test_moments_reproduce_mean_and_variance() -> None:
    x = np.array(SEED_ANNUAL)
    m, v = x.mean(), x.var(ddof=1)
    for family in ("normal", "lognormal", "gamma"):
        f = fit_distribution(x, family, "moments")
        assert f.method == "moments"
        assert f.mean == pytest.approx(m)
        assert f.std**2 == pytest.approx(v)


def test_choice_on_a_short_history_uses_moments() -> None:
    # The study, ch. 2 §3.2: moments when the history is short (here five accident years).
    fit = fit_annual_losses(SEED_ANNUAL)
    assert set(fit.table_["method"]) == {"moments"}
    assert fit.best_.aic == fit.table_["aic"].min()
    by_ks = LossModelFit(criterion="ks").fit(SEED_ANNUAL)
    assert by_ks.best_.ks_statistic == by_ks.table_["ks_statistic"].min()


@pytest.mark.parametrize(
    ("family", "draw"),
    [
        ("gamma", lambda rng: rng.gamma(2.0, 5.0, 3000)),
        ("lognormal", lambda rng: rng.lognormal(3.0, 1.0, 3000)),
        ("normal", lambda rng: rng.normal(100.0, 5.0, 3000)),
    ],
)
def test_goodness_of_fit_picks_the_true_law(family: str, draw: object) -> None:
    x = draw(np.random.default_rng(11))  # type: ignore[operator]
    fit = fit_annual_losses(x)
    assert set(fit.table_["method"]) == {"mle"}
    assert fit.best_.family == family


def test_fit_errors_and_skips() -> None:
    with pytest.raises(EngineError, match="positive"):
        fit_distribution([1.0, 0.0, 2.0], "lognormal")
    with pytest.raises(EngineError, match="at least 2"):
        fit_distribution([1.0], "normal")
    with pytest.raises(EngineError, match="all observations are equal"):
        fit_distribution([3.0, 3.0], "normal")
    fit = fit_annual_losses([-1.0, 2.0, 3.0, 5.0])
    assert set(fit.skipped_) == {"lognormal", "gamma"}
    assert fit.best_.family == "normal"


def test_fitted_rvs_reproducible() -> None:
    f = fit_distribution(SEED_ANNUAL, "gamma", "moments")
    np.testing.assert_array_equal(f.rvs(10, seed=5), f.rvs(10, seed=5))
    assert f.rvs(200_000, seed=1).mean() == pytest.approx(np.mean(SEED_ANNUAL), rel=0.01)


# --- simulation ---------------------------------------------------------------------------------------


def test_simulation_is_seeded_and_consistent() -> None:
    a = simulate_frequency_severity(5_000, Poisson(10), LogNormal(10, 1.5), seed=42)
    b = simulate_frequency_severity(5_000, Poisson(10), LogNormal(10, 1.5), seed=42)
    np.testing.assert_array_equal(a.amount, b.amount)
    assert a.amount.size == a.counts.sum() == a.year.size
    assert (np.diff(a.year) >= 0).all()
    totals = a.annual_totals()
    # np.add.reduceat over the year starts gives the same sums (years with no loss: 0).
    nonzero = a.counts > 0
    np.testing.assert_allclose(np.add.reduceat(a.amount, a.starts[nonzero]), totals[nonzero])
    assert (totals[~nonzero] == 0).all()
    assert a.counts.mean() == pytest.approx(10, rel=0.02)


def test_negative_binomial_moments_and_thinning() -> None:
    nb = NegativeBinomial(mean=10, variance=30)
    counts = nb.sample(np.random.default_rng(0), 400_000)
    assert counts.mean() == pytest.approx(10, rel=0.01)
    assert counts.var() == pytest.approx(30, rel=0.02)
    kept = nb.thinned(0.3)
    sample = kept.sample(np.random.default_rng(1), 400_000)
    assert sample.mean() == pytest.approx(3.0, rel=0.01)
    assert sample.var() == pytest.approx(0.09 * 30 + 0.3 * 0.7 * 10, rel=0.02)
    with pytest.raises(EngineError, match="must exceed the mean"):
        NegativeBinomial(mean=5, variance=5)


def test_conditional_severities_stay_above_the_threshold() -> None:
    rng = np.random.default_rng(2)
    ln = LogNormal(10, 1.5).sample_above(rng, 100_000, 100_000)
    assert ln.min() > 100_000
    # P(X > 200 000 | X > 100 000) = S(200 000) / S(100 000).
    expected = LogNormal(10, 1.5).survival(200_000) / LogNormal(10, 1.5).survival(100_000)
    assert (ln > 200_000).mean() == pytest.approx(expected, abs=0.005)
    pareto = Pareto(alpha=2.0, scale=1_000).sample_above(rng, 100_000, 5_000)
    assert pareto.min() >= 5_000
    assert (pareto > 10_000).mean() == pytest.approx(0.25, abs=0.005)


def test_layer_mean_matches_the_integral_of_the_survival() -> None:
    # E[ceded per year] = λ · ∫_P^{P+L} S(x) dx for a per-loss layer L xs P without aggregate limit.
    sev = LogNormal(10, 1.5)
    exact = 10 * integrate.quad(sev.survival, 100_000, 600_000, limit=200)[0]
    sim = simulate_frequency_severity(400_000, Poisson(10), sev, threshold=100_000, seed=3)
    assert ceded_aggregate(sim, 100_000, 500_000).mean() == pytest.approx(exact, rel=0.01)


def test_thinned_and_full_simulations_agree() -> None:
    # The benchmark's model: Poisson(10), lognormal(10, 1.5), 500 000 xs 100 000, aggregate 2 000 000.
    full = simulate_frequency_severity(200_000, Poisson(10), LogNormal(10, 1.5), seed=4)
    thin = simulate_frequency_severity(200_000, Poisson(10), LogNormal(10, 1.5), threshold=100_000, seed=5)
    a = risk_summary(ceded_aggregate(full, 100_000, 500_000, aggregate_limit=2_000_000))
    b = risk_summary(ceded_aggregate(thin, 100_000, 500_000, aggregate_limit=2_000_000))
    assert a["mean"] == pytest.approx(b["mean"], rel=0.02)
    assert a["std"] == pytest.approx(b["std"], rel=0.02)
    assert a["q0.995"] == pytest.approx(b["q0.995"], rel=0.03)
    with pytest.raises(EngineError, match="simulated above"):
        ceded_aggregate(thin, 50_000, 500_000)


def test_per_policy_losses() -> None:
    weights = np.array([1.0, 0.0, 3.0])
    sim = simulate_frequency_severity(20_000, Poisson(5), LogNormal(0, 1), unit_weights=weights, seed=6)
    assert sim.unit is not None
    share = np.bincount(sim.unit, minlength=3) / sim.unit.size
    np.testing.assert_allclose(share, [0.25, 0.0, 0.75], atol=0.01)
    assert list(sim.to_frame().columns) == ["year", "amount", "unit"]


def test_attritional_and_large_years() -> None:
    attritional = fit_annual_losses(SEED_ANNUAL).best_
    large = FrequencySeverity(Poisson(0.5), Pareto(alpha=1.8, scale=40_000), threshold=40_000)
    years = simulate_years(50_000, attritional=attritional, large=large, seed=9)
    assert years.attritional.shape == (50_000,)
    assert years.large is not None
    np.testing.assert_allclose(years.totals, years.attritional + years.large.annual_totals())
    assert years.attritional.mean() == pytest.approx(attritional.mean, rel=0.02)
    again = simulate_years(50_000, attritional=attritional, large=large, seed=9)
    np.testing.assert_array_equal(again.totals, years.totals)
    per_loss = simulate_years(1_000, attritional=FrequencySeverity(Poisson(20), LogNormal(5, 1)), seed=1)
    assert per_loss.attritional_losses is not None
    np.testing.assert_allclose(per_loss.attritional, per_loss.attritional_losses.annual_totals())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e7), min_size=1, max_size=50),
    st.floats(0, 1e6),
    st.floats(0, 1e6, exclude_min=True),  # a zero limit is refused: a layer covering nothing
)
def test_layer_bounds(x: list[float], priority: float, limit: float) -> None:
    ceded = layer_per_loss(x, priority, limit)
    assert (ceded >= 0).all() and (ceded <= limit).all()
    assert (ceded <= np.maximum(np.asarray(x) - priority, 0) + 1e-9).all()
    agg = aggregate_layer(ceded.sum(), deductible=priority, limit=limit)
    assert 0 <= agg <= limit


# --- parameter checks ---------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
RNG = np.random.default_rng(0)
LN = LogNormal(0, 1)


def _losses(**changes: Any) -> SimulatedLosses:
    """Two years, three losses: a consistent set, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "n_years": 2,
        "counts": np.array([2, 1]),
        "year": np.array([0, 0, 1]),
        "amount": np.array([5.0, 10.0, 20.0]),
    }
    return SimulatedLosses(**(fields | changes))


def _fitted(**changes: Any) -> FittedDistribution:
    fields: dict[str, Any] = {
        "family": "lognormal",
        "method": "mle",
        "params": {"mu": 0.0, "sigma": 1.0},
        "n": 10,
        "loglik": -12.0,
        "aic": 28.0,
        "ks_statistic": 0.1,
        "ks_pvalue": 0.9,
    }
    return FittedDistribution(**(fields | changes))


# Each case: the call, then the parameter its EngineError must name.
BAD: list[tuple[Callable[[], object], str]] = [
    # The reported cases.
    (lambda: layer_per_loss([5, 10], priority=1, limit=-3), "limit"),
    (lambda: aggregate_layer([10], deductible=-5, limit=100), "deductible"),
    (lambda: Poisson("3"), "Poisson mean"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(1.5, Poisson(1), LN), "n_years"),  # type: ignore[arg-type]
    (lambda: simulate_years(1.5), "n_years"),  # type: ignore[arg-type]
    # Per-loss layer: losses finite and >= 0, one-dimensional; priority >= 0; limit > 0 or inf.
    (lambda: layer_per_loss([5, 10], priority=1, limit=0), "limit"),
    (lambda: layer_per_loss([5, 10], priority=1, limit=NAN), "limit"),
    (lambda: layer_per_loss([5, 10], priority=1, limit="100"), "limit"),  # type: ignore[arg-type]
    (lambda: layer_per_loss([5, 10], priority=-1), "priority"),
    (lambda: layer_per_loss([5, 10], priority=NAN), "priority"),
    (lambda: layer_per_loss([5, 10], priority=INF), "priority"),
    (lambda: layer_per_loss([5, 10], priority=True), "priority"),
    (lambda: layer_per_loss([5, -10], priority=1), "amounts"),
    (lambda: layer_per_loss([5, NAN], priority=1), "amounts"),
    (lambda: layer_per_loss([5, INF], priority=1), "amounts"),
    (lambda: layer_per_loss([[5, 10]], priority=1), "amounts"),
    (lambda: layer_per_loss(["5", "10"], priority=1), "amounts"),
    (lambda: layer_per_loss([True, False], priority=1), "amounts"),
    (lambda: layer_per_loss([5, [1, 2]], priority=1), "amounts"),
    # Annual aggregate: annual amounts finite, >= 0, not empty; deductible >= 0; limit > 0 or inf.
    (lambda: aggregate_layer([10], deductible=5, limit=-1), "limit"),
    (lambda: aggregate_layer([10], deductible=5, limit=0), "limit"),
    (lambda: aggregate_layer([10], deductible=INF), "deductible"),
    (lambda: aggregate_layer([10], deductible=NAN), "deductible"),
    (lambda: aggregate_layer([-10, 5]), "annual"),
    (lambda: aggregate_layer([]), "annual"),
    (lambda: aggregate_layer([[10]]), "annual"),
    (lambda: ceded_aggregate([5.0, 10.0], 1), "losses"),  # type: ignore[arg-type]
    (lambda: ceded_aggregate(_losses(), -1), "priority"),
    (lambda: ceded_aggregate(_losses(), 1, 0), "limit"),
    (lambda: ceded_aggregate(_losses(), 1, aggregate_deductible=-1), "aggregate_deductible"),
    (lambda: ceded_aggregate(_losses(), 1, aggregate_limit=0), "aggregate_limit"),
    # Laws: parameters in their domain, numbers rather than strings or booleans.
    (lambda: Poisson(NAN), "Poisson mean"),
    (lambda: Poisson(-1), "Poisson mean"),
    (lambda: Poisson(INF), "Poisson mean"),
    (lambda: Poisson(True), "Poisson mean"),
    (lambda: NegativeBinomial(0, 5), "NegativeBinomial mean"),
    (lambda: NegativeBinomial("5", 10), "NegativeBinomial mean"),  # type: ignore[arg-type]
    (lambda: NegativeBinomial(5, INF), "NegativeBinomial variance"),
    (lambda: LogNormal(INF, 1), "LogNormal mu"),
    (lambda: LogNormal(0, 0), "LogNormal sigma"),
    (lambda: LogNormal(0, NAN), "LogNormal sigma"),
    (lambda: Pareto(0, 1), "Pareto alpha"),
    (lambda: Pareto(True, 1), "Pareto alpha"),
    (lambda: Pareto(2, -1), "Pareto scale"),
    (lambda: Poisson(1).thinned(1.5), "probability"),
    (lambda: Poisson(1).thinned(-0.1), "probability"),
    (lambda: NegativeBinomial(5, 10).thinned(NAN), "probability"),
    (lambda: Poisson(1).sample(RNG, 1.5), "size"),  # type: ignore[arg-type]
    (lambda: Poisson(1).sample(RNG, -1), "size"),
    (lambda: Poisson(1).sample(42, 3), "rng"),  # type: ignore[arg-type]
    (lambda: NegativeBinomial(5, 10).sample(RNG, "3"), "size"),  # type: ignore[arg-type]
    (lambda: LN.sample(RNG, 2.5), "size"),  # type: ignore[arg-type]
    (lambda: LN.sample_above(RNG, 3, -1), "threshold"),
    (lambda: LN.survival("1"), "x"),  # type: ignore[arg-type]
    (lambda: Pareto(2, 1).sample_above(RNG, 3, NAN), "threshold"),
    (lambda: Pareto(2, 1).survival(NAN), "x"),
    # Simulation: whole numbers of years, thresholds >= 0, seeds, models and unit weights.
    (lambda: simulate_frequency_severity(0, Poisson(1), LN), "n_years"),
    (lambda: simulate_frequency_severity(-2, Poisson(1), LN), "n_years"),
    (lambda: simulate_frequency_severity(True, Poisson(1), LN), "n_years"),
    (lambda: simulate_frequency_severity("3", Poisson(1), LN), "n_years"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(INF, Poisson(1), LN), "n_years"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, threshold=-1), "threshold"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, threshold=NAN), "threshold"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, seed="42"), "seed"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, seed=1.5), "seed"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, seed=-1), "seed"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, seed=True), "seed"),
    (lambda: simulate_frequency_severity(3, 10, LN), "frequency"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(3, Poisson(1), 10), "severity"),  # type: ignore[arg-type]
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, unit_weights=[1, -1]), "unit_weights"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, unit_weights=[]), "unit_weights"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, unit_weights=[0, 0]), "unit_weights"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, unit_weights=[1, NAN]), "unit_weights"),
    (lambda: simulate_frequency_severity(3, Poisson(1), LN, unit_weights=[[1, 2]]), "unit_weights"),
    (lambda: simulate_years(0), "n_years"),
    (lambda: simulate_years(3, seed="x"), "seed"),  # type: ignore[arg-type]
    (lambda: simulate_years(3, attritional="normal"), "attritional"),  # type: ignore[arg-type]
    (lambda: simulate_years(3, large=Poisson(1)), "large"),  # type: ignore[arg-type]
    (lambda: FrequencySeverity(Poisson(1), LN, threshold=-1), "threshold"),
    (lambda: FrequencySeverity(Poisson(1), "lognormal"), "severity"),  # type: ignore[arg-type]
    (lambda: FrequencySeverity(LN, LN), "frequency"),  # type: ignore[arg-type]
    # Simulated losses built by hand must be consistent.
    (lambda: _losses(n_years=2.5), "n_years"),
    (lambda: _losses(counts=np.array([3])), "counts"),
    (lambda: _losses(counts=np.array([2.0, 1.0])), "counts"),
    (lambda: _losses(year=np.array([0, 1, 1])), "year"),
    (lambda: _losses(year=np.array([0, 0])), "year"),
    (lambda: _losses(amount=np.array([5.0, -1.0, 2.0])), "amount"),
    (lambda: _losses(amount=np.array([5.0, 1.0])), "amount"),
    (lambda: _losses(threshold=-1), "threshold"),
    (lambda: _losses(unit=np.array([0, 1])), "unit"),
    (lambda: _losses().annual_totals([1.0, 2.0]), "values"),
    (lambda: _losses().annual_totals([1.0, NAN, 2.0]), "values"),
    (lambda: SimulatedYears(attritional=np.array([])), "attritional"),
    (lambda: SimulatedYears(attritional=np.zeros(3), large=_losses()), "large"),
    (lambda: SimulatedYears(attritional=np.zeros(2), attritional_losses=[1.0]), "attritional_losses"),  # type: ignore[arg-type]
    # Fitting: observations one-dimensional and finite, known laws and methods, parameters in domain.
    (lambda: fit_distribution([1.0, NAN, 3.0], "normal"), "data"),
    (lambda: fit_distribution([[1.0, 2.0], [3.0, 4.0]], "normal"), "data"),
    (lambda: fit_distribution("1 2 3", "normal"), "data"),
    (lambda: fit_distribution([1.0], "normal"), "data"),
    (lambda: fit_distribution([1.0, 2.0], "weibull"), "family"),  # type: ignore[arg-type]
    (lambda: fit_distribution([1.0, 2.0], "normal", "bayes"), "method"),  # type: ignore[arg-type]
    (lambda: _fitted(family="weibull"), "family"),
    (lambda: _fitted(method="auto"), "method"),
    (lambda: _fitted(params={"mu": 0.0}), "params"),
    (lambda: _fitted(params={"mu": 0.0, "sigma": -1.0}), "params['sigma']"),
    (lambda: _fitted(family="gamma", params={"shape": 0.0, "scale": 1.0}), "params['shape']"),
    (lambda: _fitted(n=0), "n"),
    (lambda: _fitted(ks_pvalue=1.5), "ks_pvalue"),
    (lambda: _fitted(loglik=NAN), "loglik"),
    (lambda: _fitted().rvs(1.5), "size"),  # type: ignore[arg-type]
    (lambda: _fitted().rvs(0), "size"),
    (lambda: _fitted().rvs(10, seed="x"), "seed"),  # type: ignore[arg-type]
    (lambda: _fitted().ppf([0.5, 1.5]), "q"),
    (lambda: _fitted().ppf(NAN), "q"),
    (lambda: _fitted().cdf(["a"]), "x"),
    (lambda: LossModelFit("gamma").fit(SEED_ANNUAL), "families"),  # type: ignore[arg-type]
    (lambda: LossModelFit([]).fit(SEED_ANNUAL), "families"),
    (lambda: LossModelFit(["weibull"]).fit(SEED_ANNUAL), "families"),  # type: ignore[list-item]
    (lambda: LossModelFit(["gamma", "gamma"]).fit(SEED_ANNUAL), "families"),
    (lambda: LossModelFit(method="bayes").fit(SEED_ANNUAL), "method"),  # type: ignore[arg-type]
    (lambda: LossModelFit(criterion="bic").fit(SEED_ANNUAL), "criterion"),  # type: ignore[arg-type]
    (lambda: LossModelFit(min_mle=1.5).fit(SEED_ANNUAL), "min_mle"),  # type: ignore[arg-type]
    (lambda: LossModelFit(min_mle=1).fit(SEED_ANNUAL), "min_mle"),
    (lambda: LossModelFit().fit([1.0]), "losses"),
    (lambda: fit_annual_losses([1.0, INF, 3.0]), "losses"),
    (lambda: fit_annual_losses([[1.0, 2.0]]), "losses"),
    # Risk summary: a non-empty array (values may be negative: results), level strictly in (0, 1).
    (lambda: risk_summary([1, 2], level=1.5), "level"),
    (lambda: risk_summary([1, 2], level=0), "level"),
    (lambda: risk_summary([1, 2], level=NAN), "level"),
    (lambda: risk_summary([]), "values"),
    (lambda: risk_summary(3.0), "values"),
    (lambda: risk_summary([1, NAN]), "values"),
]


@pytest.mark.parametrize(("call", "named"), BAD)
def test_bad_parameters_are_named(call: Callable[[], object], named: str) -> None:
    with pytest.raises(EngineError, match=f"['\"]{re.escape(named)}['\"]"):
        call()


def test_good_parameters_in_other_types_are_accepted() -> None:
    """Decimals (as the interface gives amounts), NumPy scalars and integral floats are numbers; an
    unlimited layer is inf, a zero priority covers from the first unit, a year without loss cedes 0."""
    assert list(layer_per_loss([Decimal("5"), 10], priority=Decimal("1"))) == [4.0, 9.0]
    assert list(layer_per_loss([5, 10], priority=0, limit=3)) == [3.0, 3.0]
    assert layer_per_loss([], priority=1).size == 0
    assert list(aggregate_layer(np.array([10.0]), deductible=np.float64(5), limit=float("inf"))) == [5.0]
    for n_years in (np.int64(2), 2.0, Decimal("2"), np.float32(2)):
        sim = simulate_frequency_severity(n_years, Poisson(0), LN, seed=np.int64(1))  # type: ignore[arg-type]
        assert sim.n_years == 2
        assert list(ceded_aggregate(sim, 0, aggregate_deductible=0)) == [0.0, 0.0]
    assert simulate_years(3.0, seed=RNG).attritional.shape == (3,)  # type: ignore[arg-type]
    assert Poisson(Decimal("2")).thinned(Decimal("0.5")) == Poisson(1.0)
    assert list(ceded_aggregate(_losses(), 4, 10, aggregate_limit=15)) == [7.0, 10.0]
    assert list(_fitted().ppf([0.0, 1.0])) == [0.0, INF]
    assert LossModelFit(min_mle=np.int64(3)).fit(SEED_ANNUAL).best_.method == "mle"


# --- the fast paths of the million-year simulation -------------------------------------------------


@pytest.mark.parametrize("mean", [0.05, 1.5, 2.5])
def test_small_mean_poisson_counts_keep_the_law(mean: float) -> None:
    # Counts drawn as one Poisson total scattered over blocks of years: independent Poisson(λ),
    # mean = variance = λ, P(0) = e^−λ, in every block alike (50 000 years: several blocks).
    counts = Poisson(mean).sample(np.random.default_rng(11), 50_000)
    assert counts.dtype == np.int64 and counts.shape == (50_000,)
    assert counts.mean() == pytest.approx(mean, rel=0.03)
    assert counts.var() == pytest.approx(mean, rel=0.05)
    assert (counts == 0).mean() == pytest.approx(np.exp(-mean), abs=0.006)
    halves = counts[: 1 << 14].mean(), counts[-(1 << 14) :].mean()
    assert halves == pytest.approx((mean, mean), rel=0.08)
    k = np.arange(8)
    observed = np.bincount(np.minimum(counts, 7), minlength=8)
    expected = stats.poisson(mean).pmf(k) * counts.size
    expected[-1] = stats.poisson(mean).sf(6) * counts.size
    kept = expected > 5  # the chi-square test needs expected counts of 5 or more
    chi2 = (((observed - expected) ** 2 / expected)[kept]).sum()
    assert stats.chi2(kept.sum() - 1).sf(chi2) > 1e-3
    np.testing.assert_array_equal(counts, Poisson(mean).sample(np.random.default_rng(11), 50_000))


def test_poisson_counts_of_one_year_and_none() -> None:
    rng = np.random.default_rng(3)
    assert Poisson(1.5).sample(rng, 0).shape == (0,)
    assert Poisson(1.5).sample(rng, 1).shape == (1,)
    assert (Poisson(0).sample(rng, 10) == 0).all()


def test_conditional_lognormal_matches_the_survival_function() -> None:
    # The in-place inversion draws X | X > t: its distribution function is 1 − S(x)/S(t).
    law = LogNormal(10, 1.5)
    draws = law.sample_above(np.random.default_rng(8), 100_000, 100_000)
    s_t = law.survival(100_000)
    test = stats.kstest(draws, lambda x: 1.0 - stats.lognorm(s=1.5, scale=np.exp(10)).sf(x) / s_t)
    assert test.pvalue > 1e-3
    assert law.sample_above(np.random.default_rng(8), 0, 100_000).shape == (0,)


def test_ceded_aggregate_leaves_the_losses_as_they_were() -> None:
    # The aggregate layer works in place on the annual sums: never on the simulated amounts.
    sim = simulate_frequency_severity(2_000, Poisson(2), LogNormal(10, 1.5), seed=12)
    before = sim.amount.copy()
    annual = ceded_aggregate(sim, 50_000, 100_000, aggregate_deductible=10_000, aggregate_limit=150_000)
    np.testing.assert_array_equal(sim.amount, before)
    per_year = np.bincount(sim.year, weights=np.clip(before - 50_000, 0, 100_000), minlength=2_000)
    np.testing.assert_array_equal(annual, np.clip(per_year - 10_000, 0, 150_000))
