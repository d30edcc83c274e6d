"""Reinsurance optimisation by the scenario method of O. Bensadoune, "Optimisation de la réassurance
sous les exigences de la Solvabilité II" ("the study"; ch. 2 §3, ch. 3).

``from engine.optimise import scenarios, efficient_frontier``::

    table = scenarios(portfolio, treaty_factory, {"retention": retentions, "lines": [8]})
    frontier = efficient_frontier(table)                  # non-dominated (retention result ↑, SCR ↓)
    choice = choose(table, RiskAppetite(market="hard", min_retention=300e6))   # rules "max", "marginal"
    method = ScenarioMethod(current=Surplus(300e6, 8, commission=0.38)).fit(portfolio)

Modules: :mod:`~engine.optimise.data` (the portfolio as arrays), :mod:`~engine.optimise.kernel`
(every scenario in one array computation), :mod:`~engine.optimise.scenarios` (the table),
:mod:`~engine.optimise.rules` (frontier, appetite, rules), :mod:`~engine.optimise.sizing` (capacity,
the XL protecting the retention), :mod:`~engine.optimise.method` (all of it as one estimator),
:mod:`~engine.optimise.seed004` (the study's conditions, the defaults), :mod:`~engine.optimise.stored`
(a database's class of business through ``StoredBusiness``, and defaults from the data).
"""

from __future__ import annotations

from assurdb.engine.optimise.data import CSV_COLUMNS, ScenarioData
from assurdb.engine.optimise.method import ScenarioMethod
from assurdb.engine.optimise.rules import (
    RULES,
    Choice,
    RiskAppetite,
    choose,
    constrained_maximum,
    efficient_frontier,
    feasibility,
    marginal_rule,
    marginal_steps,
)
from assurdb.engine.optimise.scenarios import (
    RESULT_COLUMNS,
    evaluate_treaties,
    grid_frame,
    net_triangle,
    no_reinsurance,
    scenarios,
    scenarios_over,
    seed_surplus,
)
from assurdb.engine.optimise.sizing import (
    LossRatioProfile,
    Protection,
    capacity_table,
    loss_ratio_profile,
    protect_retention,
    size_capacity,
    xl_limits,
    xl_priority,
)
from assurdb.engine.optimise.stored import CurrentTreaty, StoredPortfolio, retention_grid, stored_portfolio

__all__ = [
    "CSV_COLUMNS",
    "RESULT_COLUMNS",
    "RULES",
    "Choice",
    "CurrentTreaty",
    "LossRatioProfile",
    "Protection",
    "RiskAppetite",
    "ScenarioData",
    "ScenarioMethod",
    "StoredPortfolio",
    "capacity_table",
    "choose",
    "constrained_maximum",
    "efficient_frontier",
    "evaluate_treaties",
    "feasibility",
    "grid_frame",
    "loss_ratio_profile",
    "marginal_rule",
    "marginal_steps",
    "net_triangle",
    "no_reinsurance",
    "protect_retention",
    "retention_grid",
    "scenarios",
    "scenarios_over",
    "seed_surplus",
    "size_capacity",
    "stored_portfolio",
    "xl_limits",
    "xl_priority",
]
