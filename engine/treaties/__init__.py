"""Reinsurance treaties: proportional, excess of loss, stop loss, programs.

Public names::

    from assurdb.engine.treaties import QuotaShare, Surplus, ExcessOfLoss, StopLoss, Program

Each treaty stores its parameters as given, ``fit`` keeps its results in attributes ending in
``_`` and ``apply`` returns the per-row frame with the reason for each number.
"""

from __future__ import annotations

from assurdb.engine.treaties.commissions import (
    DepositPremium,
    FixedCommission,
    FlatPremium,
    MinimumDepositPremium,
    ProfitCommission,
    SlidingScaleCommission,
    payback,
    rate_on_line,
)
from assurdb.engine.treaties.excess import ExcessOfLoss, IndexClause, Reinstatements
from assurdb.engine.treaties.program import Program
from assurdb.engine.treaties.proportional import QuotaShare, Surplus
from assurdb.engine.treaties.stoploss import StopLoss

__all__ = [
    "DepositPremium",
    "ExcessOfLoss",
    "FixedCommission",
    "FlatPremium",
    "IndexClause",
    "MinimumDepositPremium",
    "ProfitCommission",
    "Program",
    "QuotaShare",
    "Reinstatements",
    "SlidingScaleCommission",
    "StopLoss",
    "Surplus",
    "payback",
    "rate_on_line",
]
