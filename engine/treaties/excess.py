"""Excess of loss ``L xs P`` per risk or per event, with annual aggregates (the treaty notes, the study).

``ExcessOfLoss(limit, priority, aad=…, aggregate_limit=…, basis="risk"|"event", reinstatements=…)``
applied to a loss frame (``loss_id``, ``date``, ``amount``, ``paid``, ``outstanding``, and
``event_id`` for ``basis="event"``) returns one row per loss with the layer's paid and outstanding
shares, what the annual aggregate deductible absorbed, what the aggregate limit cut, the ceded and
retained amounts, the reinstatement premium the loss triggers and the reason.

Decisions where the sources are silent (each shown where the code does it):

* Treaty year: the ``treaty_year`` column when given, else the year (starting on the 1st of
  ``inception_month``) of the loss date — losses occurring (LOD), as for every XL in the treaty notes.
* Losses enter the aggregates in date order, ties in input order.
* ``paid``/``outstanding``: when both are missing the amount is taken as paid; when one is missing it
  is the amount minus the other; when both are given they must add up to ``amount``.
* Per event: losses without an ``event_id`` are events of their own; an event belongs to the treaty
  year of its first loss and enters the aggregates at that date; the event's layer amounts (paid,
  outstanding, absorbed, ceded, reinstatement premium) are shared among its losses pro rata to their
  paid, outstanding and ceded amounts.
* Reinstatements: the aggregate limit is ``L·(1+k)``; when ``aggregate_limit`` is also given the
  smaller applies. The AAD comes first: only what the reinsurer actually pays consumes (and
  reinstates) cover. Reinstatement premium = rate × (amount reinstated / L) × the layer's annual
  premium (pro rata capita), × the part of the treaty year left at the loss (event) date when
  ``pro_rata_temporis``. The last ``L`` of the aggregate is never reinstated.
* Index clause: priority and limit of a loss (event) are multiplied by ``index(date)/base`` — with
  a ``threshold``, only when the index moved by more than it, and then fully (the "franchise"
  form of the European index clause). AAD, aggregate limit and the reinstatement band ``L`` stay
  nominal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from assurdb.engine.checks import check_choice, check_non_negative, check_positive, check_rate
from assurdb.engine.errors import EngineError
from assurdb.engine.treaties.base import (
    BoolArray,
    FloatArray,
    IntArray,
    amount_column,
    as_year,
    check_development,
    check_frame,
    check_inception_month,
    date_column,
    fmt,
    reasons,
    require_columns,
    treaty_year_column,
    with_columns,
    year_bounds,
)
from assurdb.engine.treaties.commissions import PremiumScheme, as_premium
from assurdb.engine.treaties.kernels import (
    aggregate,
    allocate,
    band_overlap,
    column_slices,
    group_sums,
    in_processing_order,
    layer_paid_outstanding,
    processing_order,
    run_codes,
    run_starts,
    take,
)


@dataclass(frozen=True)
class Reinstatements:
    """Reinstatement clause (clause de reconstitution, the study, ch.1 §3.2).

    ``count``: number of reinstatements k (``None``: unlimited). ``rates``: premium rate of each
    reinstatement (1.0 = 100 % of the annual premium; 0 = free), one number for all or one per
    reinstatement. ``pro_rata_temporis``: also scale by the part of the year left at the loss date.
    """

    count: int | None = 1
    rates: float | Sequence[float] = 1.0
    pro_rata_temporis: bool = False

    def __post_init__(self) -> None:
        if self.count is not None and (
            not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 0
        ):
            raise EngineError(f"parameter 'count' of Reinstatements must be None or an integer ≥ 0, got {self.count!r}")
        if isinstance(self.rates, int | float):
            check_rate("rates", float(self.rates), maximum=10.0)
        else:
            rates = list(self.rates)
            for i, rate in enumerate(rates):
                check_rate(f"rates[{i}]", rate, maximum=10.0)
            if self.count is None or len(rates) != self.count:
                raise EngineError(
                    "parameter 'rates' of Reinstatements: give one rate for all reinstatements, "
                    "or exactly one per reinstatement (and then a finite 'count')"
                )

    def rate_list(self) -> list[float]:
        """One rate per reinstatement band (a single rate when they are all equal)."""
        if isinstance(self.rates, int | float):
            return [float(self.rates)]
        rates = [float(r) for r in self.rates]
        return rates if len(set(rates)) > 1 else rates[:1]

    @property
    def charged(self) -> bool:
        return any(r > 0.0 for r in self.rate_list()) and self.count != 0


@dataclass(frozen=True)
class IndexClause:
    """Index (stability) clause: priority and limit follow an index (the study, ch.1 §3.2).

    ``index``: values by year (a mapping or a Series with an integer index, read at the year of
    the date) or a Series with a DatetimeIndex (read at the last value on or before the date).
    ``base``: the index value at inception. ``threshold``: no adjustment while
    ``|index/base − 1| ≤ threshold``; beyond it the full ratio applies.
    """

    index: pd.Series | Mapping[int, float]
    base: float
    threshold: float = 0.0

    def __post_init__(self) -> None:
        check_positive("base", self.base)
        check_non_negative("threshold", self.threshold)

    def factors(self, dates: npt.NDArray[np.datetime64]) -> FloatArray:
        """``index(date)/base`` for each date, with the threshold applied."""
        if dates.size == 0:
            return np.ones(0)
        index = self.index
        if isinstance(index, pd.Series) and isinstance(index.index, pd.DatetimeIndex):
            series = index.sort_index()
            keys = series.index.to_numpy().astype("datetime64[D]")
            pos = np.searchsorted(keys, dates, side="right") - 1
            if (pos < 0).any():
                first = dates[int(np.argmax(pos < 0))]
                raise EngineError(f"index clause: the index has no value on or before {first}")
            values = series.to_numpy(dtype=np.float64)[pos]
        else:
            mapping = {as_year(k): float(v) for k, v in index.items()}
            years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
            unique = np.unique(years)
            missing = [int(y) for y in unique if int(y) not in mapping]
            if missing:
                raise EngineError(f"index clause: the index has no value for year(s) {missing}")
            table = np.array([mapping[int(y)] for y in unique])
            values = table[np.searchsorted(unique, years)]
        if ((~np.isfinite(values)) | (values <= 0)).any():
            raise EngineError("index clause: index values must be positive numbers")
        ratio = values / float(self.base)
        return np.where(np.abs(ratio - 1.0) <= float(self.threshold) + 1e-12, 1.0, ratio)


def loss_amounts(frame: pd.DataFrame, what: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(amount, paid, outstanding)`` of a loss frame, checked and completed (see module notes)."""
    has_amount, has_paid, has_os = (c in frame.columns for c in ("amount", "paid", "outstanding"))
    if not has_amount and not (has_paid and has_os):
        require_columns(frame, ["amount"], what)
    paid = amount_column(frame, "paid", what) if has_paid else None
    outstanding = amount_column(frame, "outstanding", what) if has_os else None
    if has_amount:
        amount = amount_column(frame, "amount", what)
    else:
        assert paid is not None and outstanding is not None
        amount = paid + outstanding
    tol = 1e-9 * np.maximum(amount, 1.0)
    if paid is None and outstanding is None:
        return amount, amount.copy(), np.zeros_like(amount)
    if paid is None:
        assert outstanding is not None
        paid = amount - outstanding
        if (paid < -tol).any():
            raise EngineError(
                f"{what}: column 'outstanding' exceeds 'amount' at row {frame.index[int(np.argmax(paid < -tol))]!r}"
            )
        return amount, np.maximum(paid, 0.0), outstanding
    if outstanding is None:
        outstanding = amount - paid
        if (outstanding < -tol).any():
            raise EngineError(
                f"{what}: column 'paid' exceeds 'amount' at row {frame.index[int(np.argmax(outstanding < -tol))]!r}"
            )
        return amount, paid, np.maximum(outstanding, 0.0)
    gap = np.abs(paid + outstanding - amount) > tol
    if gap.any():
        raise EngineError(
            f"{what}: columns 'paid' + 'outstanding' must equal 'amount' (row {frame.index[int(np.argmax(gap))]!r})"
        )
    return amount, paid, outstanding


def per_year_value(value: float | Mapping[int, float] | None, year: int, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        if year not in value:
            raise EngineError(f"parameter {name!r} has no value for treaty year {year}")
        return check_non_negative(f"{name}[{year}]", float(value[year]))
    return check_non_negative(name, float(value))


@dataclass(frozen=True)
class _Units:
    """The units of a layer's losses (each loss, or each event) and the order they enter its aggregates."""

    unit: IntArray | None  # the unit of each row (None per risk: each row is its own)
    count: int
    year: IntArray  # per unit: its treaty year (its first loss's)
    dates: npt.NDArray[np.datetime64]  # per unit: its first loss's date
    factor: FloatArray | None  # per unit: the index clause's factor (None: no clause)
    order: IntArray | None  # the units in processing order (None: they already stand in it)
    codes: IntArray  # the treaty year's run of each unit in that order
    unit_codes: IntArray  # the same, in unit order: an index into years_present
    years_present: IntArray  # the treaty years present, ascending
    #: per event, every event one loss, the units the rows in order (no loss names an event): the
    #: units' sums are the rows' own and their shares the whole, without a gather
    alone: bool = False

    @property
    def gather(self) -> IntArray | None:
        """The unit of each row, None when the rows are the units (per risk, or events of one loss each)."""
        return None if self.alone else self.unit


@dataclass(frozen=True)
class _UnitShares:
    """The layer on each unit (vectors, or a column per evaluation), back in unit order."""

    priority: FloatArray | float  # one number without an index clause
    limit: FloatArray | float
    paid: FloatArray
    outstanding: FloatArray
    layer_paid: FloatArray
    layer_os: FloatArray
    absorbed_paid: FloatArray | None  # (left out when not asked for)
    absorbed_os: FloatArray | None
    ceded_paid: FloatArray
    ceded_os: FloatArray
    cut: BoolArray | None
    reinstatement: FloatArray
    per_event: bool

    def rows_layer(
        self, units: _Units, paid: FloatArray, outstanding: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Each row's layer paid and outstanding, and what the AAD absorbed of them (per event: the
        event's shared pro rata)."""
        assert self.absorbed_paid is not None and self.absorbed_os is not None  # worked out with them
        if not self.per_event:
            return self.layer_paid, self.layer_os, self.absorbed_paid, self.absorbed_os
        unit = units.gather
        return (
            allocate(self.layer_paid, unit, paid, self.paid),
            allocate(self.layer_os, unit, outstanding, self.outstanding),
            allocate(self.absorbed_paid, unit, paid, self.paid),
            allocate(self.absorbed_os, unit, outstanding, self.outstanding),
        )

    def rows_ceded(
        self, units: _Units, paid: FloatArray, outstanding: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Each row's ceded paid and outstanding and reinstatement premium (per event: shared pro rata)."""
        if not self.per_event:
            return self.ceded_paid, self.ceded_os, self.reinstatement
        unit = units.gather
        ceded_paid = np.minimum(allocate(self.ceded_paid, unit, paid, self.paid), paid)
        ceded_os = np.minimum(allocate(self.ceded_os, unit, outstanding, self.outstanding), outstanding)
        ceded = self.ceded_paid + self.ceded_os
        return ceded_paid, ceded_os, allocate(self.reinstatement, unit, ceded_paid + ceded_os, ceded)


class ExcessOfLoss:
    """Excess of loss ``limit xs priority`` per risk or per event, with annual aggregates.

    Parameters
    ----------
    limit, priority:
        Layer width L (portée) and priority P, both positive (the study: ``9 000 000 xs 1 000 000``).
    aad:
        Annual aggregate deductible on the layer amounts (0: none), absorbed by paid amounts before
        outstanding ones (the treaty notes) unless ``aad_priority="date"``.
    aggregate_limit:
        Annual aggregate limit ("limite incurred") on what the layer cedes after the AAD (``None``:
        unlimited, or ``L·(1+k)`` with ``reinstatements``).
    basis:
        ``"risk"`` (each loss) or ``"event"`` (losses summed by ``event_id``).
    reinstatements:
        A ``Reinstatements`` clause.
    premium:
        The layer's annual premium: an amount (flat) or a ``DepositPremium`` /
        ``MinimumDepositPremium`` / ``FlatPremium`` settled on the subject premium given to ``fit``.
        Needed for reinstatement premiums and for results.
    index_clause:
        An ``IndexClause`` adjusting P and L per loss (event).
    inception_month:
        Month (1–12) in which treaty years start.
    name:
        The layer's name in a program.

    ``fit(losses, subject_premium=None)`` keeps ``ceded_`` (one row per loss) and ``summary_``
    (one row per treaty year); ``apply`` returns ``ceded_``.
    """

    def __init__(
        self,
        limit: float,
        priority: float,
        *,
        aad: float = 0.0,
        aggregate_limit: float | None = None,
        basis: Literal["risk", "event"] = "risk",
        reinstatements: Reinstatements | None = None,
        premium: PremiumScheme | float | None = None,
        index_clause: IndexClause | None = None,
        aad_priority: Literal["paid", "date"] = "paid",
        inception_month: int = 1,
        name: str = "excess_of_loss",
    ) -> None:
        self.limit = limit
        self.priority = priority
        self.aad = aad
        self.aggregate_limit = aggregate_limit
        self.basis = basis
        self.reinstatements = reinstatements
        self.premium = premium
        self.index_clause = index_clause
        self.aad_priority = aad_priority
        self.inception_month = inception_month
        self.name = name
        check_positive("limit", limit)
        check_positive("priority", priority)
        check_non_negative("aad", aad)
        if aggregate_limit is not None:
            check_positive("aggregate_limit", aggregate_limit)
        check_choice("basis", basis, ("risk", "event"))
        check_choice("aad_priority", aad_priority, ("paid", "date"))
        check_inception_month(inception_month)
        if reinstatements is not None and not isinstance(reinstatements, Reinstatements):
            raise EngineError("parameter 'reinstatements' must be a Reinstatements clause")
        if index_clause is not None and not isinstance(index_clause, IndexClause):
            raise EngineError("parameter 'index_clause' must be an IndexClause")
        as_premium(premium)
        if reinstatements is not None and reinstatements.charged and premium is None:
            raise EngineError("paid reinstatements need the layer's annual 'premium'")

    @property
    def effective_aggregate_limit(self) -> float:
        """min(aggregate_limit, L·(1+k)); infinite when neither bounds it."""
        cap = math.inf if self.aggregate_limit is None else float(self.aggregate_limit)
        if self.reinstatements is not None and self.reinstatements.count is not None:
            cap = min(cap, float(self.limit) * (1 + self.reinstatements.count))
        return cap

    def annual_premium(self, year: int, subject_premium: float | Mapping[int, float] | None = None) -> float:
        """The layer's premium for ``year`` (0 when none was given)."""
        scheme = as_premium(self.premium)
        if scheme is None:
            return 0.0
        return scheme.final(per_year_value(subject_premium, year, "subject_premium"))

    def fit(self, losses: pd.DataFrame, *, subject_premium: float | Mapping[int, float] | None = None) -> ExcessOfLoss:
        self.ceded_, self.summary_ = self.cede(losses, subject_premium=subject_premium)
        return self

    def apply(
        self, losses: pd.DataFrame, *, subject_premium: float | Mapping[int, float] | None = None
    ) -> pd.DataFrame:
        return self.fit(losses, subject_premium=subject_premium).ceded_

    def cede(
        self, losses: pd.DataFrame, *, subject_premium: float | Mapping[int, float] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The per-loss frame and the per-year summary (pure: the treaty is not changed)."""
        what = self.name
        frame = check_frame(losses, what)
        require_columns(frame, ["loss_id", "date"] + (["event_id"] if self.basis == "event" else []), what)
        amount, paid, outstanding = loss_amounts(frame, what)
        n = len(frame)
        units = self._units(frame)
        unit, n_units, u_year, year_list = units.unit, units.count, units.year, units.years_present
        premiums = self._year_premiums(year_list, subject_premium)
        shares = self._shares(units, paid, outstanding, premiums)
        factor, u_priority, u_limit = units.factor, shares.priority, shares.limit
        u_paid, u_os, layer_paid, layer_os = shares.paid, shares.outstanding, shares.layer_paid, shares.layer_os
        u_abs_paid, u_abs_os, u_cut = shares.absorbed_paid, shares.absorbed_os, shares.cut
        assert u_abs_paid is not None and u_abs_os is not None and u_cut is not None  # worked out with them
        u_ceded_paid, u_ceded_os, u_rp = shares.ceded_paid, shares.ceded_os, shares.reinstatement
        u_codes = units.unit_codes
        r_layer_paid, r_layer_os, r_abs_paid, r_abs_os = shares.rows_layer(units, paid, outstanding)
        r_ceded_paid, r_ceded_os, r_rp = shares.rows_ceded(units, paid, outstanding)
        r_ceded = r_ceded_paid + r_ceded_os
        aad, cap = float(self.aad), self.effective_aggregate_limit

        # Reasons, decided per unit and read by each row.
        u_gross = u_paid + u_os
        u_layer = layer_paid + layer_os
        u_ceded_all = u_ceded_paid + u_ceded_os
        u_flags = (
            (u_layer <= 0.0).astype(np.int64)
            | (u_gross > u_priority + u_limit).astype(np.int64) << 1
            | ((u_abs_paid + u_abs_os) > 0.0).astype(np.int64) << 2
            | (u_cut & (u_ceded_all > 0.0)).astype(np.int64) << 3
            | (u_cut & (u_ceded_all <= 0.0)).astype(np.int64) << 4
        )
        if factor is not None:
            u_flags |= (factor != 1.0).astype(np.int64) << 5
        flags = take(u_flags, unit)
        if unit is not None:
            flags |= (np.bincount(unit, minlength=n_units)[unit] > 1).astype(np.int64) << 6
        p, lim = fmt(float(self.priority)), fmt(float(self.limit))
        first_with_aad = "paid first" if self.aad_priority == "paid" else "in date order"
        reason = reasons(
            flags,
            [
                f"below priority {p}: nothing to the layer",
                f"above priority + limit: capped at the limit {lim}",
                f"part absorbed by the AAD {fmt(aad)} ({first_with_aad})",
                f"cut at the aggregate limit {fmt(cap)}",
                f"aggregate limit {fmt(cap)} exhausted: nothing ceded",
                "priority and limit indexed by the index clause",
                "per event: layer on the event's total, shared pro rata among its losses",
            ],
            base=f"within the layer {lim} xs {p}",
        )
        columns: dict[str, object] = {
            "treaty_year": take(u_year, unit),  # per event: the year of the event's first loss
            "priority_applied": np.full(n, u_priority) if factor is None else take(np.asarray(u_priority), unit),
            "limit_applied": np.full(n, u_limit) if factor is None else take(np.asarray(u_limit), unit),
            "layer_paid": r_layer_paid,
            "layer_outstanding": r_layer_os,
            "absorbed_by_aad_paid": r_abs_paid,
            "absorbed_by_aad_outstanding": r_abs_os,
            "absorbed_by_aad": r_abs_paid + r_abs_os,
            "ceded_paid": r_ceded_paid,
            "ceded_outstanding": r_ceded_os,
            "ceded": r_ceded,
            "retained_paid": paid - r_ceded_paid,
            "retained_outstanding": outstanding - r_ceded_os,
            "retained": amount - r_ceded,
            "reinstatement_premium": r_rp,
            "reason": reason,
        }
        if "paid" not in frame.columns or "outstanding" not in frame.columns:
            columns = {"paid": paid, "outstanding": outstanding, **columns}
        if unit is not None:
            columns["event_amount"] = u_gross[unit]
            columns["event_ceded"] = u_ceded_all[unit]
        # Paid and outstanding read from the frame may be views of it: those are copied.
        ceded = with_columns(frame, columns, copied=[c for c in ("paid", "outstanding") if c in frame.columns])

        summary = self._summary(
            year_list, u_codes, u_gross, u_layer, u_abs_paid + u_abs_os, u_ceded_paid, u_ceded_os, u_rp, premiums
        )
        return ceded, summary

    def _year_premiums(self, years: IntArray, subject_premium: float | Mapping[int, float] | None) -> FloatArray:
        """:meth:`annual_premium` of each of ``years``: computed once unless the subject premium is given
        year by year (a million simulated years would otherwise cost a second of Python calls)."""
        if as_premium(self.premium) is None or years.size == 0:
            return np.zeros(years.size)
        if isinstance(subject_premium, Mapping):
            return np.array([self.annual_premium(int(y), subject_premium) for y in years], dtype=np.float64)
        return np.full(years.size, self.annual_premium(int(years[0]), subject_premium))

    def develop(
        self,
        losses: pd.DataFrame,
        paid: FloatArray,
        outstanding: FloatArray,
        *,
        subject_premium: float | Mapping[int, float] | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The layer on the same losses evaluated at several dates: ``paid`` and ``outstanding`` hold
        a row per loss of ``losses`` (``date``, and ``event_id`` per event, as :meth:`cede` reads
        them) and a column per evaluation. Answers the ceded paid, ceded outstanding and
        reinstatement premium of each loss at each evaluation — column for column what :meth:`cede`
        answers on that column alone, without the frame around them."""
        what = self.name
        frame = check_frame(losses, what)
        check_development(frame, paid, outstanding, what)
        units = self._units(frame)
        premiums = self._year_premiums(units.years_present, subject_premium)
        ceded_paid, ceded_os, reinstatement = np.empty_like(paid), np.empty_like(paid), np.empty_like(paid)
        for at in column_slices(*paid.shape):
            shares = self._shares(units, paid[:, at], outstanding[:, at], premiums, absorbed=False)
            ceded_paid[:, at], ceded_os[:, at], reinstatement[:, at] = shares.rows_ceded(
                units, paid[:, at], outstanding[:, at]
            )
        return ceded_paid, ceded_os, reinstatement

    def _units(self, frame: pd.DataFrame) -> _Units:
        """Each loss (per risk) or each event: the unit of each row, where the units enter the
        aggregates and their index factors. Per risk a unit is its row, and every per-unit array is
        the rows' own, without the identity gathers a million rows would cost."""
        what = self.name
        require_columns(frame, ["date"] + (["event_id"] if self.basis == "event" else []), what)
        dates = date_column(frame, "date", what)
        years = treaty_year_column(frame, dates, self.inception_month, what)
        index_dates = date_column(frame, "index_date", what) if "index_date" in frame.columns else dates
        n = len(frame)
        day = dates.astype(np.int64)
        unit: IntArray | None = None
        first_row: IntArray | None = None
        alone = False
        if self.basis == "event":
            unit, n_units = _event_units(frame["event_id"])
            alone = n_units == n and bool((unit == np.arange(n)).all())
        if alone:  # each loss an event of its own, in order: the units are the rows, as per risk
            n_units, u_day, u_year, u_dates, u_index_dates = n, day, years, dates, index_dates
        elif self.basis == "event":
            assert unit is not None
            first = np.lexsort((np.arange(n), day, unit))
            is_first = np.ones(n, dtype=bool)
            is_first[1:] = unit[first][1:] != unit[first][:-1]
            first_row = first[is_first]
            u_day, u_year, u_dates = day[first_row], years[first_row], dates[first_row]
            u_index_dates = index_dates[first_row]
        else:
            n_units, u_day, u_year, u_dates, u_index_dates = n, day, years, dates, index_dates
        factor = self.index_clause.factors(u_index_dates) if self.index_clause else None
        # A listing already in processing order (by year and date) is used as it stands.
        order = None if in_processing_order(u_year, u_day, first_row) else processing_order(u_year, u_day, first_row)
        sorted_years = take(u_year, order)
        codes = run_codes(sorted_years)
        unit_codes = codes
        if order is not None:
            unit_codes = np.empty_like(codes)
            unit_codes[order] = codes
        years_present = sorted_years[run_starts(sorted_years)]
        return _Units(unit, n_units, u_year, u_dates, factor, order, codes, unit_codes, years_present, alone)

    def _shares(
        self,
        units: _Units,
        paid: FloatArray,
        outstanding: FloatArray,
        premiums: FloatArray,
        *,
        absorbed: bool = True,
    ) -> _UnitShares:
        """The layer on each unit's paid and outstanding (vectors, or a column per evaluation);
        without what the AAD absorbed and the aggregate limit cut unless ``absorbed``."""
        column = (slice(None), None) if paid.ndim == 2 else slice(None)  # per-unit figures against columns
        if units.alone:  # a sum of one row: 0.0 + the row, as the bincount adds it
            u_paid, u_os = paid + 0.0, outstanding + 0.0
        elif self.basis == "event":
            assert units.unit is not None
            u_paid = group_sums(units.unit, paid, units.count)
            u_os = group_sums(units.unit, outstanding, units.count)
        else:
            u_paid, u_os = paid, outstanding
        factor = units.factor
        u_priority = float(self.priority) if factor is None else float(self.priority) * factor
        u_limit = float(self.limit) if factor is None else float(self.limit) * factor
        if not absorbed and factor is None and self._out_of_reach(u_paid, u_os, premiums):
            nil = np.zeros_like(u_paid)
            return _UnitShares(
                u_priority, u_limit, u_paid, u_os, nil, nil, None, None, nil, nil, None, nil, self.basis == "event"
            )
        layer_paid, layer_os = layer_paid_outstanding(
            u_paid,
            u_os,
            u_priority if factor is None else u_priority[column],  # type: ignore[index]
            u_limit if factor is None else u_limit[column],  # type: ignore[index]
        )
        order, codes = units.order, units.codes
        agg = aggregate(
            take(layer_paid, order),
            take(layer_os, order),
            codes,
            float(self.aad),
            self.effective_aggregate_limit,
            paid_first=self.aad_priority == "paid",
            with_cut=absorbed,
        )
        ceded_sorted = agg.ceded_paid + agg.ceded_outstanding
        rp_sorted = self._reinstatement_premium(
            ceded_sorted, codes, take(units.year, order), take(units.dates, order), premiums
        )
        inverse: IntArray | None = None
        if order is not None:
            inverse = np.empty(units.count, dtype=np.int64)
            inverse[order] = np.arange(units.count)
        return _UnitShares(
            u_priority,
            u_limit,
            u_paid,
            u_os,
            layer_paid,
            layer_os,
            take(agg.absorbed_paid, inverse) if absorbed else None,
            take(agg.absorbed_outstanding, inverse) if absorbed else None,
            take(agg.ceded_paid, inverse),
            take(agg.ceded_outstanding, inverse),
            take(agg.cut, inverse) if agg.cut is not None else None,
            take(rp_sorted, inverse),
            self.basis == "event",
        )

    def _out_of_reach(self, paid: FloatArray, outstanding: FloatArray, premiums: FloatArray) -> bool:
        """Whether no unit reaches the priority (nor is null): the layer then takes nothing of any, the
        aggregates nothing of nothing, no reinstatement is paid — each figure 0.0, as the whole
        computation would give it (a cat layer a year's losses stay below: a development at no cost)."""
        priority = float(self.priority)
        if not (bool((paid <= priority).all()) and bool((np.add(paid, outstanding) <= priority).all())):
            return False
        clause = self.reinstatements
        if clause is None or not clause.charged:
            return True
        # a charged reinstatement of nothing: 0.0 × the premium, nil only when the premium is a
        # number ≥ 0 and no part of the year scales it
        return not clause.pro_rata_temporis and bool(np.isfinite(premiums).all() and (premiums >= 0.0).all())

    def _reinstatement_premium(
        self,
        ceded: FloatArray,
        codes: IntArray,
        years: IntArray,
        dates: npt.NDArray[np.datetime64],
        premiums: FloatArray,
    ) -> FloatArray:
        """Per row in processing order; ``codes`` index the treaty years present, ``premiums`` their
        annual premiums."""
        clause = self.reinstatements
        if clause is None or not clause.charged or ceded.size == 0:
            return np.zeros_like(ceded)
        width = float(self.limit)
        rates = clause.rate_list()
        count = math.inf if clause.count is None else float(clause.count)
        if len(rates) == 1:
            units_reinstated = band_overlap(ceded, codes, 0.0, count * width) / width
            charge = rates[0] * units_reinstated
        else:
            charge = np.zeros_like(ceded)
            for j, rate in enumerate(rates):  # a handful of bands, never a loop per loss
                charge += rate * band_overlap(ceded, codes, j * width, (j + 1) * width) / width
        column = (slice(None), None) if ceded.ndim == 2 else slice(None)  # per-row figures against columns
        if ceded.ndim == 2 and premiums.size == 1 and np.isfinite(premiums[0]):
            premium = charge * float(premiums[0])  # one treaty year: one number, not a column broadcast
        else:
            premium = charge * premiums[codes][column]
        if clause.pro_rata_temporis:
            start, end = year_bounds(years, self.inception_month)
            span = (end - start).astype(np.float64)
            left = (end - dates).astype(np.float64)
            premium = premium * np.clip(left / span, 0.0, 1.0)[column]
        return np.asarray(premium, dtype=np.float64)

    def _summary(
        self,
        years: IntArray,
        codes: IntArray,
        gross: FloatArray,
        layer_amount: FloatArray,
        absorbed: FloatArray,
        ceded_paid: FloatArray,
        ceded_os: FloatArray,
        reinstatement_premium: FloatArray,
        premiums: FloatArray,
    ) -> pd.DataFrame:
        """One row per treaty year of ``years`` (ascending); ``codes``: each unit's year, as an index
        into ``years``."""
        size = years.size
        cap = self.effective_aggregate_limit

        def total(values: FloatArray) -> FloatArray:
            return group_sums(codes, values, size)

        ceded_paid_total, ceded_os_total = total(ceded_paid), total(ceded_os)
        ceded = ceded_paid_total + ceded_os_total
        return with_columns(
            pd.DataFrame(index=pd.Index(years, name="treaty_year", copy=False)),
            {
                "units": np.bincount(codes, minlength=size),
                "gross": total(gross),
                "layer": total(layer_amount),
                "absorbed_by_aad": total(absorbed),
                "ceded_paid": ceded_paid_total,
                "ceded_outstanding": ceded_os_total,
                "ceded": ceded,
                "aad": np.full(size, float(self.aad)),
                "aggregate_limit": np.full(size, cap),
                "aggregate_remaining": cap - ceded,
                "premium": premiums,
                "reinstatement_premium": total(reinstatement_premium),
            },
        )


def _event_units(event_id: pd.Series) -> tuple[IntArray, int]:
    """Unit code per row: one per event, and one per loss without an event."""
    missing = np.asarray(event_id.isna(), dtype=bool)
    if missing.all():  # no loss names an event: each its own, in order (nothing to hash)
        return np.arange(missing.size, dtype=np.int64), int(missing.size)
    codes, uniques = pd.factorize(event_id, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    n_events = len(uniques)
    if missing.any():
        codes = codes.copy()
        codes[missing] = n_events + np.arange(int(missing.sum()))
    return codes, n_events + int(missing.sum())
