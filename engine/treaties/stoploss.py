"""Stop loss (excédent de perte annuelle, the study, ch.1 §2.2.2), in loss-ratio terms or amounts.

``StopLoss(limit=0.40, priority=0.80)`` is "40 % SL 80 %": the reinsurer pays the part of the annual
loss ratio above 80 % of the premium income, at most 40 % of it. ``terms="amount"`` reads limit and
priority as amounts. ``limit_amount`` adds the usual "and at most X" cap to a loss-ratio cover.

The annual priority works as the AAD of an XL with an unlimited per-loss layer, so it is absorbed
the same way (decision, sources silent: paid amounts first, as the treaty notes does for the AAD), and the
recovery is allocated to the losses that push the year over the priority, in date order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from assurdb.engine.checks import check_choice, check_positive
from assurdb.engine.errors import EngineError
from assurdb.engine.treaties.base import (
    BoolArray,
    FloatArray,
    IntArray,
    check_development,
    check_frame,
    check_inception_month,
    date_column,
    fmt,
    fmt_rate,
    per_year,
    reasons,
    require_columns,
    treaty_year_column,
)
from assurdb.engine.treaties.commissions import PremiumScheme, as_premium
from assurdb.engine.treaties.excess import loss_amounts, per_year_value
from assurdb.engine.treaties.kernels import aggregate, column_slices, group_sums, processing_order, run_codes, take


@dataclass(frozen=True)
class _Recovered:
    """The cover's terms on each row and what its aggregates did (vectors, or a column per evaluation)."""

    years: IntArray
    priority: FloatArray
    limit: FloatArray
    income: FloatArray | None
    income_value: float | Mapping[int, float] | None
    absorbed_paid: FloatArray | None  # (not for a development)
    absorbed_os: FloatArray | None
    ceded_paid: FloatArray
    ceded_os: FloatArray
    cut: BoolArray | None


class StopLoss:
    """Stop loss ``limit xs priority`` on the annual aggregate of losses.

    Parameters
    ----------
    limit, priority:
        In loss-ratio terms (``terms="loss_ratio"``, rates of the premium income) or amounts.
    terms:
        ``"loss_ratio"`` or ``"amount"``.
    limit_amount:
        Optional cap in amount on a loss-ratio cover ("40 % xs 80 %, at most 2 000 000").
    premium_income:
        The subject premium income per treaty year (a number or a mapping year → amount); needed in
        loss-ratio terms unless given to ``fit``. In a ``Program`` it is the net premium income
        after the inuring treaties.
    premium:
        The cover's annual premium (amount or premium scheme on the premium income).
    inception_month, name:
        As for ``ExcessOfLoss``.
    """

    def __init__(
        self,
        limit: float,
        priority: float,
        *,
        terms: Literal["loss_ratio", "amount"] = "loss_ratio",
        limit_amount: float | None = None,
        premium_income: float | Mapping[int, float] | None = None,
        premium: PremiumScheme | float | None = None,
        inception_month: int = 1,
        name: str = "stop_loss",
    ) -> None:
        self.limit = limit
        self.priority = priority
        self.terms = terms
        self.limit_amount = limit_amount
        self.premium_income = premium_income
        self.premium = premium
        self.inception_month = inception_month
        self.name = name
        check_positive("limit", limit)
        check_positive("priority", priority)
        check_choice("terms", terms, ("loss_ratio", "amount"))
        if limit_amount is not None:
            check_positive("limit_amount", limit_amount)
        check_inception_month(inception_month)
        as_premium(premium)

    def annual_premium(self, year: int, premium_income: float | Mapping[int, float] | None = None) -> float:
        scheme = as_premium(self.premium)
        if scheme is None:
            return 0.0
        income = premium_income if premium_income is not None else self.premium_income
        return scheme.final(per_year_value(income, year, "premium_income"))

    def fit(self, losses: pd.DataFrame, *, premium_income: float | Mapping[int, float] | None = None) -> StopLoss:
        self.ceded_, self.summary_ = self.cede(losses, premium_income=premium_income)
        return self

    def apply(self, losses: pd.DataFrame, *, premium_income: float | Mapping[int, float] | None = None) -> pd.DataFrame:
        return self.fit(losses, premium_income=premium_income).ceded_

    def cede(
        self, losses: pd.DataFrame, *, premium_income: float | Mapping[int, float] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        what = self.name
        frame = check_frame(losses, what)
        require_columns(frame, ["loss_id", "date"], what)
        amount, paid, outstanding = loss_amounts(frame, what)
        recovered = self._recover(frame, paid, outstanding, premium_income)
        years, priority, limit, income, income_value = (
            recovered.years,
            recovered.priority,
            recovered.limit,
            recovered.income,
            recovered.income_value,
        )
        abs_paid, abs_os, cut = recovered.absorbed_paid, recovered.absorbed_os, recovered.cut
        assert abs_paid is not None and abs_os is not None and cut is not None  # worked out on a vector
        ceded_paid, ceded_os = recovered.ceded_paid, recovered.ceded_os
        ceded = ceded_paid + ceded_os

        flags = (
            ((abs_paid + abs_os) > 0.0).astype(np.int64)
            | (cut & (ceded > 0.0)).astype(np.int64) << 1
            | (cut & (ceded <= 0.0)).astype(np.int64) << 2
        )
        if self.terms == "loss_ratio":
            p_text = f"{fmt_rate(float(self.priority))} of premium income"
            l_text = f"{fmt_rate(float(self.limit))} of premium income"
            if self.limit_amount is not None:
                l_text += f" (at most {fmt(float(self.limit_amount))})"
        else:
            p_text, l_text = fmt(float(self.priority)), fmt(float(self.limit))
        reason = reasons(
            flags,
            [
                f"part within the annual priority {p_text} (paid first)",
                f"cut at the annual limit {l_text}",
                f"annual limit {l_text} exhausted: nothing recovered",
            ],
            base=f"above the annual priority {p_text}: recovered in full",
        )
        out = frame.assign(
            treaty_year=years,
            priority_amount=priority,
            limit_amount=limit,
            absorbed_by_priority_paid=abs_paid,
            absorbed_by_priority_outstanding=abs_os,
            absorbed_by_priority=abs_paid + abs_os,
            ceded_paid=ceded_paid,
            ceded_outstanding=ceded_os,
            ceded=ceded,
            retained_paid=paid - ceded_paid,
            retained_outstanding=outstanding - ceded_os,
            retained=amount - ceded,
            reason=reason,
        )
        return out, self._summary(years, amount, ceded, priority, limit, income, income_value)

    def develop(
        self,
        losses: pd.DataFrame,
        paid: FloatArray,
        outstanding: FloatArray,
        *,
        premium_income: float | Mapping[int, float] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """The cover on the same losses evaluated at several dates: ``paid`` and ``outstanding`` hold
        a row per loss of ``losses`` (``date``, ``treaty_year``) and a column per evaluation.
        Answers the ceded paid and outstanding of each loss at each evaluation — column for column
        what :meth:`cede` answers on that column alone, without the frame around them."""
        frame = check_frame(losses, self.name)
        require_columns(frame, ["date"], self.name)
        check_development(frame, paid, outstanding, self.name)
        recovered = self._recover(frame, paid, outstanding, premium_income)
        return recovered.ceded_paid, recovered.ceded_os

    def _recover(
        self,
        frame: pd.DataFrame,
        paid: FloatArray,
        outstanding: FloatArray,
        premium_income: float | Mapping[int, float] | None,
    ) -> _Recovered:
        """The annual priority and limit of each row, and the aggregates on its paid and outstanding
        (vectors, or a column per evaluation, worked in slices), back in row order."""
        what = self.name
        dates = date_column(frame, "date", what)
        years = treaty_year_column(frame, dates, self.inception_month, what)
        income_value = premium_income if premium_income is not None else self.premium_income
        income = per_year(income_value, years, "premium_income", allow_zero=True)
        if self.terms == "loss_ratio":
            if income is None:
                raise EngineError(f"{what}: a loss-ratio stop loss needs 'premium_income'")
            priority = float(self.priority) * income
            limit = float(self.limit) * income
            if self.limit_amount is not None:
                limit = np.minimum(limit, float(self.limit_amount))
        else:
            priority = np.full(len(frame), float(self.priority))
            limit = np.full(len(frame), float(self.limit))
        order = processing_order(years, dates.astype(np.int64))
        codes = run_codes(years[order])
        inverse = np.empty(len(frame), dtype=np.int64)
        inverse[order] = np.arange(len(frame))
        if paid.ndim == 1:
            agg = aggregate(paid[order], outstanding[order], codes, priority[order], limit[order])
            return _Recovered(
                years,
                priority,
                limit,
                income,
                income_value,
                agg.absorbed_paid[inverse],
                agg.absorbed_outstanding[inverse],
                agg.ceded_paid[inverse],
                agg.ceded_outstanding[inverse],
                agg.cut[inverse] if agg.cut is not None else None,
            )
        # a column per evaluation, per-row budgets against each, worked in slices; what is ceded only
        ceded_paid, ceded_os = np.empty_like(paid), np.empty_like(paid)
        row_priority: FloatArray | float = priority[order][:, None]
        row_limit: FloatArray | float = limit[order][:, None]
        if priority.size and bool((priority == priority[0]).all() and (limit == limit[0]).all()):
            # one budget for every row (one treaty year): a number against the columns, not a column
            # of the same number broadcast row by row
            row_priority, row_limit = float(priority[0]), float(limit[0])
        for at in column_slices(*paid.shape):
            paid_now, outstanding_now = take(paid[:, at], order), take(outstanding[:, at], order)
            agg = aggregate(paid_now, outstanding_now, codes, row_priority, row_limit, with_cut=False)
            ceded_paid[:, at], ceded_os[:, at] = take(agg.ceded_paid, inverse), take(agg.ceded_outstanding, inverse)
        return _Recovered(years, priority, limit, income, income_value, None, None, ceded_paid, ceded_os, None)

    def _summary(
        self,
        years: IntArray,
        amount: FloatArray,
        ceded: FloatArray,
        priority: FloatArray,
        limit: FloatArray,
        income: FloatArray | None,
        income_value: float | Mapping[int, float] | None,
    ) -> pd.DataFrame:
        unique, codes = np.unique(years, return_inverse=True)
        size = unique.size
        losses = group_sums(codes, amount, size)
        recovered = group_sums(codes, ceded, size)
        first = np.zeros(size, dtype=np.int64)
        first[codes] = np.arange(codes.size)  # any row of the year: these amounts are per year
        pi = income[first] if income is not None else np.full(size, math.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            lr = np.where(pi > 0, losses / pi, math.nan)
            rr = np.where(pi > 0, recovered / pi, math.nan)
        return pd.DataFrame(
            {
                "premium_income": pi,
                "priority_amount": priority[first] if size else np.zeros(0),
                "limit_amount": limit[first] if size else np.zeros(0),
                "losses": losses,
                "loss_ratio": lr,
                "ceded": recovered,
                "recovery_ratio": rr,
                "retained": losses - recovered,
                "premium": np.array([self.annual_premium(int(y), income_value) for y in unique]),
            },
            index=pd.Index(unique, name="treaty_year"),
        )
