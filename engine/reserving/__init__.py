"""Reserving: chain-ladder, Mack's standard errors, the Best Estimate of claims provisions.

``from engine.reserving import chain_ladder`` → ``.factors .ultimate .ibnr .cash_flows .missing
.best_estimate(discount_factors)``; triangles from dated movements with ``triangle_from_movements``.
"""

from __future__ import annotations

from assurdb.engine.reserving.discount import discount_factors_from_curve, payment_times
from assurdb.engine.reserving.ladder import (
    ChainLadder,
    ChainLadderResult,
    chain_ladder,
    development_factors,
    future_cash_flows,
    mack_standard_errors,
    project,
)
from assurdb.engine.reserving.triangles import (
    missing_cells,
    observed_mask,
    present_mask,
    to_cumulative,
    to_incremental,
    triangle_from_movements,
    triangle_from_payments,
    validate_triangle,
)

__all__ = [
    "ChainLadder",
    "ChainLadderResult",
    "chain_ladder",
    "development_factors",
    "discount_factors_from_curve",
    "future_cash_flows",
    "mack_standard_errors",
    "missing_cells",
    "observed_mask",
    "payment_times",
    "present_mask",
    "project",
    "to_cumulative",
    "to_incremental",
    "triangle_from_movements",
    "triangle_from_payments",
    "validate_triangle",
]
