"""Proportional treaties: quota share and surplus (the study, ch.1 §2.1; the treaty notes, §1.3).

A proportional treaty cedes the same rate of a risk's premium and of its losses. ``apply`` takes a
portfolio (``tsi``, ``premium``) or a loss frame (``tsi``, ``amount``, ``paid``, ``outstanding``) —
any of those amount columns present is ceded — and returns the frame with, per row, the cession
rate, the ceded and retained amounts, the provisional commission and the reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import pandas as pd

from assurdb.engine.checks import check_positive, check_rate
from assurdb.engine.errors import EngineError
from assurdb.engine.treaties.base import (
    PROPORTIONAL_COLUMNS,
    FloatArray,
    amount_column,
    categorical,
    check_frame,
    fmt,
    fmt_rate,
    reasons,
    require_columns,
)
from assurdb.engine.treaties.commissions import Commission, ProfitCommission, as_commission
from assurdb.engine.treaties.kernels import surplus_rate


class ProportionalTreaty(ABC):
    """What quota share and surplus share: cession by rate, commissions, settlement by year."""

    name: str
    commission: Commission | float | None
    profit_commission: ProfitCommission | None
    ceded_: pd.DataFrame

    @property
    def commission_scheme(self) -> Commission | None:
        return as_commission(self.commission)

    @abstractmethod
    def cession_rate(self, tsi: FloatArray | Sequence[float]) -> FloatArray:
        """The cession rate of each risk from its total sum insured."""

    @abstractmethod
    def cede(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with the cession columns added (pure: the treaty is not changed)."""

    def fit(self, frame: pd.DataFrame) -> ProportionalTreaty:
        """Cede ``frame``; the result is kept in ``ceded_``."""
        self.ceded_ = self.cede(frame)
        return self

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Cede ``frame`` and return the per-row result (also kept in ``ceded_``)."""
        return self.fit(frame).ceded_

    def settle(
        self, ceded_premium: FloatArray | Sequence[float], ceded_claims: FloatArray | Sequence[float]
    ) -> pd.DataFrame:
        """Final commission and profit commission of each treaty year (arrays in year order)."""
        premium = np.atleast_1d(np.asarray(ceded_premium, dtype=np.float64))
        claims = np.atleast_1d(np.asarray(ceded_claims, dtype=np.float64))
        scheme = self.commission_scheme
        commission = scheme.amount(premium, claims) if scheme is not None else np.zeros_like(premium)
        provisional = (scheme.provisional_rate if scheme is not None else 0.0) * premium
        if self.profit_commission is not None:
            pc = self.profit_commission.amount(premium, claims, commission)
        else:
            pc = np.zeros_like(premium)
        return pd.DataFrame(
            {
                "ceded_premium": premium,
                "ceded_claims": claims,
                "provisional_commission": provisional,
                "commission": commission,
                "commission_adjustment": commission - provisional,
                "profit_commission": pc,
            }
        )

    # -- shared column handling ---------------------------------------------------------------

    def _amounts(self, frame: pd.DataFrame, what: str) -> dict[str, FloatArray]:
        present = [c for c in PROPORTIONAL_COLUMNS if c in frame.columns]
        if not present:
            raise EngineError(
                f"{what}: needs at least one amount column to cede among {', '.join(map(repr, PROPORTIONAL_COLUMNS))}"
            )
        return {c: amount_column(frame, c, what) for c in present}

    def _ceded_columns(
        self, amounts: dict[str, FloatArray], rate: FloatArray
    ) -> dict[str, FloatArray | pd.Categorical]:
        out: dict[str, FloatArray | pd.Categorical] = {"cession_rate": rate}
        for column, values in amounts.items():
            ceded = values * rate
            out[f"ceded_{column}"] = ceded
            out[f"retained_{column}"] = values - ceded
        if "premium" in amounts:
            scheme = self.commission_scheme
            rate_c = scheme.provisional_rate if scheme is not None else 0.0
            out["commission"] = rate_c * np.asarray(out["ceded_premium"])
        return out


class QuotaShare(ProportionalTreaty):
    """Quota share: the same ``share`` of every risk's premium and losses.

    Parameters
    ----------
    share:
        Cession rate q, in (0, 1].
    commission:
        A rate (fixed commission) or a scheme (``FixedCommission``, ``SlidingScaleCommission``).
    profit_commission:
        A ``ProfitCommission`` settled per treaty year by ``settle``.
    limit:
        Optional per-risk limit on the ceded amount. The treaty notes, §1.3: the limit of a proportional
        treaty refers to a policy's sum insured. With a ``tsi`` column the ceded sum insured is capped,
        so the rate becomes ``min(q, limit/TSI)`` for premiums and losses alike (the cession stays
        proportional). On a loss frame without ``tsi`` the ceded loss itself is capped at the limit
        and the row says so: the treaty notes warn that accumulations of policies may exceed it.
    name:
        The layer's name in a program.
    """

    def __init__(
        self,
        share: float,
        *,
        commission: Commission | float | None = None,
        profit_commission: ProfitCommission | None = None,
        limit: float | None = None,
        name: str = "quota_share",
    ) -> None:
        self.share = share
        self.commission = commission
        self.profit_commission = profit_commission
        self.limit = limit
        self.name = name
        check_rate("share", share, allow_zero=False)
        if limit is not None:
            check_positive("limit", limit)
        as_commission(commission)

    def cession_rate(self, tsi: FloatArray | Sequence[float] | None = None) -> FloatArray:
        share = float(self.share)
        if tsi is None:
            return np.full(1, share)
        values = np.asarray(tsi, dtype=np.float64)
        if self.limit is None:
            return np.full(values.shape, share)
        cap = np.divide(float(self.limit), values, out=np.full(values.shape, np.inf), where=values > 0.0)
        return np.asarray(np.minimum(share, cap), dtype=np.float64)

    def cede(self, frame: pd.DataFrame) -> pd.DataFrame:
        what = f"{self.name}"
        frame = check_frame(frame, what)
        amounts = self._amounts(frame, what)
        n = len(frame)
        flags = np.zeros(n, dtype=np.int64)
        share = float(self.share)
        if "tsi" in frame.columns:
            tsi = amount_column(frame, "tsi", what)
            rate = self.cession_rate(tsi)
            flags |= (rate < share).astype(np.int64)
            columns = self._ceded_columns(amounts, rate)
        else:
            rate = np.full(n, share)
            columns = self._ceded_columns(amounts, rate)
            if self.limit is not None:
                cap = float(self.limit)
                for key in ("amount", "paid"):
                    if key in amounts:
                        capped = np.minimum(np.asarray(columns[f"ceded_{key}"]), cap)
                        flags |= (capped < np.asarray(columns[f"ceded_{key}"])).astype(np.int64) << 1
                        columns[f"ceded_{key}"] = capped
                if "outstanding" in amounts:
                    # The cap is on the loss: payments use it first, the outstanding gets what is left.
                    paid_c = np.asarray(columns["ceded_paid"]) if "paid" in amounts else np.zeros(n)
                    os_c = np.minimum(np.asarray(columns["ceded_outstanding"]), np.maximum(cap - paid_c, 0.0))
                    flags |= (os_c < np.asarray(columns["ceded_outstanding"])).astype(np.int64) << 1
                    columns["ceded_outstanding"] = os_c
                for key in amounts:
                    columns[f"retained_{key}"] = amounts[key] - np.asarray(columns[f"ceded_{key}"])
        limit = fmt(float(self.limit)) if self.limit is not None else ""
        columns["reason"] = reasons(
            flags,
            [
                f"TSI above limit {limit} / share: rate limit/TSI (ceded sum insured capped at {limit})",
                f"ceded loss capped at the per-risk limit {limit} (check accumulation of policies, the treaty notes)",
            ],
            base=f"quota share: rate {fmt_rate(share)}",
        )
        return frame.assign(**columns)


class Surplus(ProportionalTreaty):
    """Surplus (excédent de plein): retention line ``R`` and ``lines`` m (the study, ch.1 §2.1.2).

    ``cession_rate = min(max(0, 1 − R/TSI), m·R/TSI)`` per risk, applied to premiums and losses
    (the study, Tableaux 3, 11, 12; unlike Tableau 12 the rate is not rounded). Capacity is ``m·R``,
    the underwriting limit ``(1+m)·R``; what a risk's sum insured exceeds it by is reported in
    ``facultative_tsi`` (and ``facultative_rate`` of its premium and losses) as needing facultative
    cover. The engine keeps that part in the retained columns: placing it is another contract.
    """

    def __init__(
        self,
        retention: float,
        lines: float,
        *,
        commission: Commission | float | None = None,
        profit_commission: ProfitCommission | None = None,
        name: str = "surplus",
    ) -> None:
        self.retention = retention
        self.lines = lines
        self.commission = commission
        self.profit_commission = profit_commission
        self.name = name
        check_positive("retention", retention)
        check_positive("lines", lines)
        as_commission(commission)

    @property
    def capacity(self) -> float:
        """m·R, the treaty's capacity per risk."""
        return float(self.lines) * float(self.retention)

    @property
    def underwriting_limit(self) -> float:
        """(1+m)·R, what the cedant can write per risk with the treaty."""
        return (1.0 + float(self.lines)) * float(self.retention)

    def cession_rate(self, tsi: FloatArray | Sequence[float]) -> FloatArray:
        values = np.asarray(tsi, dtype=np.float64)
        if values.size and ((~np.isfinite(values)) | (values < 0)).any():
            raise EngineError("Surplus.cession_rate: 'tsi' must hold finite, non-negative sums insured")
        return surplus_rate(values, float(self.retention), float(self.lines))

    def cede(self, frame: pd.DataFrame) -> pd.DataFrame:
        what = self.name
        frame = check_frame(frame, what)
        require_columns(frame, ["tsi"], f"{what} (join losses to their policy's sum insured)")
        tsi = amount_column(frame, "tsi", what)
        amounts = self._amounts(frame, what)
        rate = surplus_rate(tsi, float(self.retention), float(self.lines))
        columns = self._ceded_columns(amounts, rate)
        r, top = float(self.retention), self.underwriting_limit
        facultative = np.maximum(tsi - top, 0.0)
        columns["facultative_tsi"] = facultative
        columns["facultative_rate"] = np.divide(facultative, tsi, out=np.zeros_like(tsi), where=tsi > 0.0)
        codes = (tsi > r).astype(np.int64) + (tsi > top).astype(np.int64)
        columns["reason"] = categorical(
            codes,
            categories=[
                f"TSI ≤ R {fmt(r)}: retained in full, rate 0",
                f"R {fmt(r)} < TSI ≤ (1+m)R {fmt(top)}: rate 1 − {fmt(r)}/TSI",
                f"TSI > (1+m)R {fmt(top)}: rate m·R/TSI = {fmt(self.capacity)}/TSI; "
                f"TSI − {fmt(top)} needs facultative cover",
            ],
        )
        return frame.assign(**columns)
