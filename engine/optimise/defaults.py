"""The scenario method as ``assurdb optimise --db`` runs it without options, for any caller.

:func:`stored_method` sets the method up from a :class:`~assurdb.engine.optimise.stored.StoredPortfolio`
the way the command does when no option overrides the data: the stored surplus in force as the
current treaty (its retention, lines and commission; else 8 lines and 38 % commission, the study's
treaty X, and no current retention), retentions from the sums insured (:func:`retention_grid`,
widened to the current retention), no lowest retention, the hard market's appetite with ceilings
from the situation without reinsurance, both rules side by side, the band width of the retained
claims (:func:`band_width`) and 12 % commission on facultative placements.
"""

from __future__ import annotations

import math

from assurdb.engine.optimise import seed004 as s004
from assurdb.engine.optimise.method import ScenarioMethod
from assurdb.engine.optimise.rules import RiskAppetite
from assurdb.engine.optimise.stored import StoredPortfolio, band_width, retention_grid
from assurdb.engine.treaties import Surplus

__all__ = ["stored_method"]


def stored_method(stored: StoredPortfolio) -> ScenarioMethod:
    """The method (not fitted) ``assurdb optimise --db URL --class C`` fits on ``stored.data``."""
    current = stored.current
    lines = current.lines if current is not None else s004.CURRENT_LINES
    commission = current.commission if current is not None else s004.COMMISSION
    retention = current.retention if current is not None else None
    grid = retention_grid(stored.data.tsi, include=retention)

    def factory(retention: float) -> Surplus:
        return Surplus(retention, lines, commission=commission)

    return ScenarioMethod(
        factory,
        {"retention": grid},
        appetite=RiskAppetite(market="hard"),
        rule="both",
        current=Surplus(retention, lines, commission=commission) if retention else None,
        commission=commission,
        band_width=band_width(stored.data.claim_amount, grid),
        facultative_commission=s004.FACULTATIVE_COMMISSION,
        chunk_size=max(1, math.ceil((grid.size + 1) / 20)),
    )
