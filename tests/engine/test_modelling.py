"""Loss modelling: fitted laws (seed 004 ch. 2 §3.2) and vectorised frequency–severity simulation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from assurdb.engine.errors import EngineError
from assurdb.engine.modelling import (
    FrequencySeverity,
    LogNormal,
    LossModelFit,
    NegativeBinomial,
    Pareto,
    Poisson,
    aggregate_layer,
    ceded_aggregate,
    fit_annual_losses,
    fit_distribution,
    layer_per_loss,
    risk_summary,
    simulate_frequency_severity,
    simulate_years,
)

# Seed 004 Tableau 32: claim charges retained at 500 000 thousand DA, accident years 2017–2021.
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
    # Seed 004 ch. 2 §3.2: moments when the history is short (here five accident years).
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
@given(st.lists(st.floats(0, 1e7), min_size=1, max_size=50), st.floats(0, 1e6), st.floats(0, 1e6))
def test_layer_bounds(x: list[float], priority: float, limit: float) -> None:
    ceded = layer_per_loss(x, priority, limit)
    assert (ceded >= 0).all() and (ceded <= limit).all()
    assert (ceded <= np.maximum(np.asarray(x) - priority, 0) + 1e-9).all()
    agg = aggregate_layer(ceded.sum(), deductible=priority, limit=limit)
    assert 0 <= agg <= limit


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: layer_per_loss([5, 10], priority=1, limit=-3), "'limit' must be zero or positive"),
        (lambda: layer_per_loss([5, 10], priority=-1), "'priority'"),
        (lambda: layer_per_loss([5, float("nan")], priority=1), "'amounts': value 1"),
        (lambda: layer_per_loss([[5, 10]], priority=1), "'amounts' must be one-dimensional"),
        (lambda: aggregate_layer([10], deductible=-5, limit=100), "'deductible'"),
        (lambda: aggregate_layer([10], deductible=5, limit=-1), "'limit'"),
        (lambda: Poisson("3"), "'Poisson mean' must be a number"),  # type: ignore[arg-type]
        (lambda: Poisson(float("nan")), "'Poisson mean'"),
        (lambda: LogNormal(0, -1), "'LogNormal sigma'"),
        (lambda: Pareto(True, 1), "'Pareto alpha' must be a number"),
        (lambda: simulate_frequency_severity(1.5, Poisson(1), LogNormal(0, 1)), "'n_years' must be a whole number"),  # type: ignore[arg-type]
        (lambda: simulate_frequency_severity(0, Poisson(1), LogNormal(0, 1)), "'n_years' must be at least 1"),
        (lambda: simulate_frequency_severity(3, Poisson(1), LogNormal(0, 1), threshold=-1), "'threshold'"),
        (lambda: simulate_years(2.0), "'n_years'"),  # type: ignore[arg-type]
        (lambda: risk_summary([1, 2], level=1.5), "'level'"),
        (lambda: risk_summary([]), "'values' is empty"),
    ],
)
def test_bad_parameters_are_named(call: Any, named: str) -> None:
    with pytest.raises(EngineError, match=named.replace("(", r"\(")):
        call()


def test_amounts_from_the_database_are_accepted() -> None:
    """Decimals (as the interface gives amounts) and NumPy scalars are numbers; an unlimited layer is inf."""
    assert list(layer_per_loss([Decimal("5"), 10], priority=Decimal("1"))) == [4.0, 9.0]
    assert list(aggregate_layer(np.array([10.0]), deductible=np.float64(5), limit=float("inf"))) == [5.0]
    assert simulate_frequency_severity(np.int64(2), Poisson(0), LogNormal(0, 1), seed=1).n_years == 2
