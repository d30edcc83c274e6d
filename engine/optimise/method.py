"""The whole scenario method as one estimator (chainladder's shape: ``fit`` returns ``self``).

``ScenarioMethod(...).fit(portfolio)`` runs the study, chapter 3 §3–6 end to end: the scenario table
(Tableaux 27–29), the risk appetite and the rules (Tableau 28 and the constrained maximum), the
capacity at the chosen retention (Tableau 30), the comparison with no reinsurance and the current
treaty (Tableau 31), and the per-event XL protecting the retention (Tableaux 32–34).

With ``rule="both"`` both rules are reported and the study's marginal rule decides what follows
(capacity, protection, triangle) — or the constrained maximum when no feasible retention is reached
by a step of the grid (the marginal rule needs one); ``rule="max"`` or ``"marginal"`` reports and
follows one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.optimise.rules import RULES, RiskAppetite, Rule, choose
from assurdb.engine.optimise.scenarios import (
    Treaty,
    TreatyFactory,
    as_data,
    evaluate_treaties,
    net_triangle,
    scenarios,
)
from assurdb.engine.optimise.seed004 import (
    BAND_WIDTH,
    CAPACITY_LINES,
    COMMISSION,
    CURRENT_LINES,
    FACULTATIVE_COMMISSION,
)
from assurdb.engine.optimise.sizing import capacity_table, protect_retention, size_capacity
from assurdb.engine.treaties import Surplus

if TYPE_CHECKING:
    from assurdb.engine.optimise.data import ScenarioData
    from assurdb.engine.optimise.sizing import Protection
    from assurdb.engine.portfolio import MarineCargoPortfolio

__all__ = ["ScenarioMethod"]

RuleChoice = Literal["max", "marginal", "both"]

#: Options passed on to :func:`engine.optimise.scenarios` for every evaluation.
SCENARIO_OPTIONS = (
    "facultative_commission",
    "xl_loading",
    "premium_basis",
    "discount_factors",
    "spot_curve",
    "rol_basis",
    "chunk_size",
)


class ScenarioMethod:
    """The study's scenario method (see the module notes).

    Parameters
    ----------
    treaty_factory, grid:
        As :func:`engine.optimise.scenarios` (default: the study's surplus — treaty X's 8 lines and
        38 % commission — over retentions 50 000 … 1 000 000 thousand DA).
    appetite:
        The :class:`RiskAppetite` (default: ceilings from the situation without reinsurance, hard
        market).
    rule:
        ``"max"``, ``"marginal"`` or ``"both"`` (reported side by side; the marginal rule decides).
    along:
        The grid parameter the marginal rule steps along and the capacity is sized at.
    current:
        The treaty in force, for Tableau 31 (``None``: not shown).
    capacity_lines, band_width, shipments:
        Tableau 30's numbers of lines; Tableau 33's band width (DA); Tableau 34's shipments on one
        vessel (``None``: the most policies one event of the history touched).
    progress:
        Called with a number of scenarios each time a chunk of the grid is done.
    options:
        Passed to :func:`engine.optimise.scenarios` (``facultative_commission``, ``premium_basis``…).

    Fitted attributes: ``data_``, ``scenarios_``, ``no_reinsurance_``, ``constraints_``, ``steps_``,
    ``frontier_``, ``chosen_`` (one row per rule), ``rule_`` (the rule that decided), ``retention_``,
    ``capacity_`` (Tableau 30),
    ``lines_`` (the sized lines, or None), ``treaty_`` (the optimised surplus), ``comparison_``
    (Tableau 31), ``protection_`` (Tableaux 32–34), ``triangle_`` (net cumulative paid triangle of
    the optimised treaty).
    """

    def __init__(
        self,
        treaty_factory: TreatyFactory | None = None,
        grid: Mapping[str, object] | pd.DataFrame | None = None,
        *,
        appetite: RiskAppetite | None = None,
        rule: RuleChoice = "both",
        along: str = "retention",
        current: Treaty = None,
        capacity_lines: Sequence[float] = CAPACITY_LINES,
        band_width: float = BAND_WIDTH,
        shipments: int | None = None,
        commission: float = COMMISSION,
        progress: Callable[[int], Any] | None = None,
        **options: Any,
    ) -> None:
        self.treaty_factory = treaty_factory
        self.grid = grid
        self.appetite = appetite
        self.rule = rule
        self.along = along
        self.current = current
        self.capacity_lines = capacity_lines
        self.band_width = band_width
        self.shipments = shipments
        self.commission = commission
        self.progress = progress
        self.options = options
        if rule not in ("max", "marginal", "both"):
            raise EngineError(f"rule must be 'max', 'marginal' or 'both', got {rule!r}")
        unknown = sorted(set(options) - set(SCENARIO_OPTIONS))
        if unknown:
            raise EngineError(f"ScenarioMethod: unknown option(s) {unknown}; known: {', '.join(SCENARIO_OPTIONS)}")

    @property
    def rules(self) -> tuple[Rule, ...]:
        return RULES if self.rule == "both" else (self.rule,)

    def _primary(self, chosen: Mapping[str, int | None]) -> Rule:
        if self.rule != "both":
            return self.rule
        return "marginal" if chosen.get("marginal") is not None else "max"

    def fit(self, portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame) -> ScenarioMethod:
        data = as_data(portfolio)
        self.data_ = data
        options = dict(self.options)
        table = scenarios(data, self.treaty_factory, self.grid, progress=self.progress, **options)
        self.scenarios_ = table
        self.no_reinsurance_ = pd.Series(table.attrs["no_reinsurance"], name="no_reinsurance")
        appetite = self.appetite or RiskAppetite()
        choice = choose(table, appetite, self.rules, along=self.along)
        self.appetite_ = appetite
        self.constraints_ = choice.constraints
        self.steps_ = choice.steps
        self.frontier_ = choice.frontier
        self.chosen_ = choice.rows(table)
        self.choice_ = choice
        self.rule_ = self._primary(choice.chosen)
        position = choice.chosen.get(self.rule_)
        if position is None:
            raise EngineError(
                f"no scenario satisfies the risk appetite ({appetite}); relax a constraint or widen the grid"
            )
        row = table.iloc[position]
        if self.along not in table.columns:
            raise EngineError(f"the grid has no {self.along!r} column to size the capacity at")
        self.retention_ = float(row[self.along])
        grid_lines = float(row["lines"]) if "lines" in table.columns else CURRENT_LINES

        # Tableau 30: the capacity at the chosen retention.
        commission = self.commission

        def surplus(retention: float, lines: float) -> Surplus:
            return Surplus(retention, lines, commission=commission)

        self.capacity_ = capacity_table(data, self.retention_, self.capacity_lines, treaty_factory=surplus, **options)
        sized = size_capacity(self.capacity_, appetite.minimum_rol)
        self.lines_ = None if sized is None else float(self.capacity_["lines"].iloc[sized])
        lines = self.lines_ if self.lines_ is not None else grid_lines
        self.treaty_ = Surplus(self.retention_, lines, commission=self.commission)

        # Tableau 31: without reinsurance, the current treaty, each rule's scenario, the optimised treaty.
        named: dict[str, Treaty] = {}
        if self.current is not None:
            named["current"] = self.current
        named["optimised"] = self.treaty_
        evaluated = evaluate_treaties(data, named, **options)
        columns: dict[str, pd.Series] = {"no_reinsurance": self.no_reinsurance_}
        rows = {str(name): r for name, r in evaluated.iterrows()}
        if self.current is not None:
            columns["current"] = rows["current"]
        for rule, r in self.chosen_.iterrows():
            columns[f"rule_{rule}"] = r
        columns["optimised"] = rows["optimised"]
        shown = ["retention_result", "scr", "loss_ratio", "reinsurer_result", "rate_on_line", "capacity"]
        self.comparison_ = pd.DataFrame({k: v.reindex(shown) for k, v in columns.items()}).astype(np.float64)
        self.comparison_.loc["retention"] = [
            float(v.get("retention", np.nan)) if isinstance(v, pd.Series) else np.nan for v in columns.values()
        ]
        self.comparison_.loc["retention", "optimised"] = self.retention_
        if isinstance(self.current, Surplus):
            self.comparison_.loc["retention", "current"] = float(self.current.retention)
        self.comparison_.loc["retention", "no_reinsurance"] = np.nan

        # Tableaux 32–34: the per-event XL protecting the retention.
        self.protection_: Protection = protect_retention(
            data,
            self.retention_,
            lines,
            commission=self.commission,
            band_width=self.band_width,
            shipments=self.shipments,
            **options,
        )
        self.triangle_ = net_triangle(
            data, self.treaty_, facultative_commission=options.get("facultative_commission", FACULTATIVE_COMMISSION)
        )
        return self
