"""Commissions of proportional treaties and premium schemes of non-proportional ones.

The study, ch.1 §3.1–3.2 defines them: fixed commission, sliding scale ("commission à échelle"),
profit commission ("participation bénéficiaire"); deposit premium (PD, adjusted up and down),
minimum and deposit premium (PMD, adjusted up only), flat premium (PF, never adjusted); rate on line
(ceded premium / capacity) and payback (capacity / ceded premium).

Commission objects work on arrays indexed by treaty year (one value per year), so a program can
settle several underwriting years at once; only the profit commission's deficit carried forward
makes years depend on each other, and it loops over years, never over policies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from assurdb.engine.checks import check_non_negative, check_positive, check_rate
from assurdb.engine.errors import EngineError
from assurdb.engine.treaties.base import FloatArray, fmt_rate


def _array(values: FloatArray | Sequence[float] | float, name: str) -> FloatArray:
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if array.size and (~np.isfinite(array)).any():
        raise EngineError(f"{name} has a missing or infinite value")
    return array


@runtime_checkable
class Commission(Protocol):
    """What a proportional treaty asks of its commission scheme."""

    @property
    def provisional_rate(self) -> float:
        """The rate applied to ceded premiums in the accounts, before any adjustment."""
        ...

    def amount(self, ceded_premium: FloatArray, ceded_claims: FloatArray) -> FloatArray:
        """The final commission of each treaty year."""
        ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class FixedCommission:
    """A fixed rate of the ceded premium (the study, Tableau 23: 38 % of the ceded premium)."""

    rate: float

    def __post_init__(self) -> None:
        check_rate("rate", self.rate)

    @property
    def provisional_rate(self) -> float:
        return float(self.rate)

    def amount(self, ceded_premium: FloatArray, ceded_claims: FloatArray) -> FloatArray:
        return float(self.rate) * _array(ceded_premium, "ceded_premium")

    def describe(self) -> str:
        return f"fixed commission {fmt_rate(self.rate)}"


@dataclass(frozen=True)
class SlidingScaleCommission:
    """A provisional rate adjusted between a minimum and a maximum by the treaty's loss ratio.

    The final rate is ``maximum`` when the loss ratio (ceded incurred claims / ceded premium) is at
    or below ``loss_ratio_at_maximum``, ``minimum`` at or above ``loss_ratio_at_minimum``, and moves
    linearly in between. Decision (sources silent): with ``loss_ratio_step`` the scale moves in steps —
    only each *full* step of loss ratio above ``loss_ratio_at_maximum`` lowers the rate (the usual
    wording "for each full 1 % of loss ratio"), so a loss ratio is floored to its step before the
    scale is read. The adjustment at year end is ``(final − provisional) × ceded premium``.
    """

    provisional: float
    minimum: float
    maximum: float
    loss_ratio_at_maximum: float
    loss_ratio_at_minimum: float
    loss_ratio_step: float | None = None

    def __post_init__(self) -> None:
        check_rate("minimum", self.minimum)
        check_rate("maximum", self.maximum)
        check_rate("provisional", self.provisional)
        check_non_negative("loss_ratio_at_maximum", self.loss_ratio_at_maximum)
        check_positive("loss_ratio_at_minimum", self.loss_ratio_at_minimum)
        if self.minimum > self.maximum:
            raise EngineError("parameter 'minimum' must not exceed 'maximum'")
        if not self.minimum <= self.provisional <= self.maximum:
            raise EngineError("parameter 'provisional' must lie between 'minimum' and 'maximum'")
        if self.loss_ratio_at_minimum <= self.loss_ratio_at_maximum:
            raise EngineError("parameter 'loss_ratio_at_minimum' must exceed 'loss_ratio_at_maximum'")
        if self.loss_ratio_step is not None:
            check_positive("loss_ratio_step", self.loss_ratio_step)

    @property
    def provisional_rate(self) -> float:
        return float(self.provisional)

    def rate(self, loss_ratio: FloatArray | Sequence[float] | float) -> FloatArray:
        """The final commission rate for each loss ratio."""
        lr = _array(loss_ratio, "loss_ratio")
        above = np.maximum(lr - self.loss_ratio_at_maximum, 0.0)
        if self.loss_ratio_step is not None:
            # 1e-9: a loss ratio exactly on a step boundary must not fall a step short by rounding.
            above = np.floor(above / self.loss_ratio_step + 1e-9) * self.loss_ratio_step
        slope = (self.maximum - self.minimum) / (self.loss_ratio_at_minimum - self.loss_ratio_at_maximum)
        return np.clip(self.maximum - slope * above, self.minimum, self.maximum)

    def amount(self, ceded_premium: FloatArray, ceded_claims: FloatArray) -> FloatArray:
        premium = _array(ceded_premium, "ceded_premium")
        claims = _array(ceded_claims, "ceded_claims")
        # No premium: the loss ratio is undefined and there is nothing to pay commission on.
        lr = np.divide(claims, premium, out=np.zeros_like(premium), where=premium > 0.0)
        return self.rate(lr) * premium

    def adjustment(self, ceded_premium: FloatArray, ceded_claims: FloatArray) -> FloatArray:
        """Final commission minus the provisional commission already paid with the accounts."""
        premium = _array(ceded_premium, "ceded_premium")
        return self.amount(premium, ceded_claims) - self.provisional * premium

    def describe(self) -> str:
        return (
            f"sliding scale {fmt_rate(self.minimum)}–{fmt_rate(self.maximum)} between loss ratios "
            f"{fmt_rate(self.loss_ratio_at_minimum)} and {fmt_rate(self.loss_ratio_at_maximum)}, "
            f"provisional {fmt_rate(self.provisional)}"
        )


@dataclass(frozen=True)
class ProfitCommission:
    """``rate × (premium − claims − commission − expense allowance − deficit carried forward)``.

    The expense allowance is a rate of the ceded premium (the reinsurer's management expenses).
    A year with a loss (negative result) creates a deficit carried to the following years:
    ``carry_forward_years=None`` carries it until extinguished, ``n`` for at most ``n`` years (the
    oldest deficit is used first and lapses after n years), ``0`` never. Decision (sources silent):
    the deficit is used first-in first-out.
    """

    rate: float
    expense_allowance: float = 0.0
    carry_forward_years: int | None = None

    def __post_init__(self) -> None:
        check_rate("rate", self.rate, allow_zero=False)
        check_rate("expense_allowance", self.expense_allowance)
        if self.carry_forward_years is not None and (
            not isinstance(self.carry_forward_years, int) or self.carry_forward_years < 0
        ):
            raise EngineError("parameter 'carry_forward_years' must be None or a non-negative integer")

    def compute(
        self,
        premium: FloatArray | Sequence[float] | float,
        claims: FloatArray | Sequence[float] | float,
        commission: FloatArray | Sequence[float] | float = 0.0,
        *,
        deficit_brought_forward: float = 0.0,
    ) -> pd.DataFrame:
        """One row per year (in the order given) with the result, the deficits and the commission."""
        p = _array(premium, "premium")
        c = np.broadcast_to(_array(claims, "claims"), p.shape)
        k = np.broadcast_to(_array(commission, "commission"), p.shape)
        check_non_negative("deficit_brought_forward", deficit_brought_forward)
        result = p - c - k - self.expense_allowance * p
        # A queue of (age, amount) deficits; a handful of years, so a Python loop over years.
        # A deficit brought forward comes from the year before the first one: age 1.
        queue: list[list[float]] = [[1.0, deficit_brought_forward]] if deficit_brought_forward else []
        brought = np.zeros(p.size)
        used = np.zeros(p.size)
        pc = np.zeros(p.size)
        carried = np.zeros(p.size)
        for t in range(p.size):
            if self.carry_forward_years is not None:
                queue = [d for d in queue if d[0] <= self.carry_forward_years and d[1] > 0.0]
            brought[t] = sum(d[1] for d in queue)
            if result[t] >= 0.0:
                remaining = float(result[t])
                for d in queue:
                    take = min(d[1], remaining)
                    d[1] -= take
                    remaining -= take
                used[t] = float(result[t]) - remaining
                pc[t] = self.rate * remaining
                queue = [d for d in queue if d[1] > 0.0]
            else:
                queue.append([0.0, -float(result[t])])
            for d in queue:
                d[0] += 1.0
            carried[t] = sum(d[1] for d in queue)
        return pd.DataFrame(
            {
                "result": result,
                "deficit_brought_forward": brought,
                "deficit_used": used,
                "profit_commission": pc,
                "deficit_carried_forward": carried,
            }
        )

    def amount(
        self,
        premium: FloatArray | Sequence[float] | float,
        claims: FloatArray | Sequence[float] | float,
        commission: FloatArray | Sequence[float] | float = 0.0,
    ) -> FloatArray:
        return np.asarray(self.compute(premium, claims, commission)["profit_commission"].to_numpy(), dtype=np.float64)

    def describe(self) -> str:
        return f"profit commission {fmt_rate(self.rate)}, expenses {fmt_rate(self.expense_allowance)}"


def as_commission(value: Commission | float | None) -> Commission | None:
    """A number means a fixed commission rate."""
    if value is None or isinstance(value, Commission):
        return value
    if isinstance(value, int | float):
        return FixedCommission(float(value))
    raise EngineError(f"parameter 'commission' must be a rate or a commission scheme, got {value!r}")


# --- premium schemes of non-proportional treaties (the study, ch.1 §3.2) --------------------------


@runtime_checkable
class PremiumScheme(Protocol):
    def final(self, subject_premium: float | None) -> float:
        """The premium due for the year once the subject premium (GNPI) is known."""
        ...

    def adjustment(self, subject_premium: float | None) -> float:
        """The end-of-year adjustment: final premium minus what was paid at inception."""
        ...


@dataclass(frozen=True)
class FlatPremium:
    """Prime forfaitaire (PF): fixed, adjusted neither up nor down."""

    amount: float

    def __post_init__(self) -> None:
        check_non_negative("amount", self.amount)

    def final(self, subject_premium: float | None = None) -> float:
        return float(self.amount)

    def adjustment(self, subject_premium: float | None = None) -> float:
        return 0.0


@dataclass(frozen=True)
class DepositPremium:
    """Prime de dépôt (PD): ``rate × subject premium``, the deposit adjusted up or down at year end."""

    deposit: float
    rate: float

    def __post_init__(self) -> None:
        check_non_negative("deposit", self.deposit)
        check_rate("rate", self.rate)

    def final(self, subject_premium: float | None) -> float:
        if subject_premium is None:
            return float(self.deposit)
        return self.rate * check_non_negative("subject_premium", subject_premium)

    def adjustment(self, subject_premium: float | None) -> float:
        return self.final(subject_premium) - self.deposit


@dataclass(frozen=True)
class MinimumDepositPremium:
    """Prime minimum de dépôt (PMD): ``max(PMD, rate × subject premium)``, adjusted upward only."""

    minimum_deposit: float
    rate: float

    def __post_init__(self) -> None:
        check_non_negative("minimum_deposit", self.minimum_deposit)
        check_rate("rate", self.rate)

    def final(self, subject_premium: float | None) -> float:
        if subject_premium is None:
            return float(self.minimum_deposit)
        return max(float(self.minimum_deposit), self.rate * check_non_negative("subject_premium", subject_premium))

    def adjustment(self, subject_premium: float | None) -> float:
        return self.final(subject_premium) - self.minimum_deposit


def as_premium(value: PremiumScheme | float | None) -> PremiumScheme | None:
    """A number means a flat premium."""
    if value is None or isinstance(value, PremiumScheme):
        return value
    if isinstance(value, int | float):
        return FlatPremium(float(value))
    raise EngineError(f"parameter 'premium' must be an amount or a premium scheme, got {value!r}")


def rate_on_line(premium: float | FloatArray, capacity: float | FloatArray) -> float | FloatArray:
    """ROL = ceded premium / capacity of the layer (the study, ch.1 §3.2)."""
    p = np.asarray(premium, dtype=np.float64)
    c = np.asarray(capacity, dtype=np.float64)
    if (c <= 0).any() or (p < 0).any():
        raise EngineError("rate_on_line: 'capacity' must be positive and 'premium' not negative")
    out = p / c
    return float(out) if out.ndim == 0 else out


def payback(premium: float | FloatArray, capacity: float | FloatArray) -> float | FloatArray:
    """Payback = capacity / ceded premium, in years (the study, ch.1 §3.2); infinite for no premium."""
    p = np.asarray(premium, dtype=np.float64)
    c = np.asarray(capacity, dtype=np.float64)
    if (c <= 0).any() or (p < 0).any():
        raise EngineError("payback: 'capacity' must be positive and 'premium' not negative")
    out = np.divide(c, p, out=np.full(np.broadcast(p, c).shape, np.inf), where=p > 0)
    return float(out) if out.ndim == 0 else out
