"""What the scenario kernel reads: a portfolio's policies, claims and payments as arrays.

The scenario method (the study, ch. 2 §3, ch. 3 §3–6) needs, per policy, the sum insured (to cede by
surplus), the premium and its underwriting year; per claim, its policy, its charge, its event (a
vessel) and what was paid by accident year × development year at the valuation date (to build the
net triangles of annexes 01–08). :class:`ScenarioData` holds exactly that, from the synthetic
portfolio (:meth:`ScenarioData.from_portfolio`) or from one user table (:meth:`ScenarioData.from_frame`,
the layout of ``assurdb optimise --csv``, which :func:`engine.optimise.stored.stored_portfolio` also
builds from a database). Amounts are in the portfolio's one currency (DA for the synthetic portfolio).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    import numpy.typing as npt

    from assurdb.engine.portfolio import MarineCargoPortfolio

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

__all__ = ["CSV_COLUMNS", "ScenarioData"]

#: The user table of ``--csv`` (one row per policy, or one row per claim with its policy's columns
#: repeated): required and optional columns, as documented in ``assurdb optimise --help``.
CSV_COLUMNS: dict[str, str] = {
    "policy_id": "required: the policy (shipment) identifier",
    "underwriting_year": "required: the year the policy incepts (integer)",
    "sum_insured": "required: the sum insured, > 0",
    "premium": "required: the gross premium, >= 0",
    "inception_date": "optional, with expiry_date: cover dates for the earned premium (else earned = written)",
    "expiry_date": "optional: last day of cover",
    "claim_amount": "optional: the claim's charge (incurred); empty or 0 on a row without claim",
    "accident_year": "with claim_amount: the claim's accident year (or accident_date)",
    "event_id": "optional: claims of one event (one vessel); empty = an event of its own",
    "paid_0, paid_1, ...": "optional: the claim's payments in development years 0, 1, ... known at the "
    "valuation date; without them the claim is paid like the study, annex 08",
}

_PAID = re.compile(r"^paid_(\d+)$")


@dataclass(frozen=True)
class ScenarioData:
    """A portfolio as the scenario kernel reads it (arrays in the portfolio's currency; see the module notes).

    Policies (``N``): ``tsi``, ``premium``, ``policy_year`` (index into ``years``), ``volume_premiums``
    (``N × 3``: the policy's premium earned in the valuation year, written in it, written the year
    before — the QIS5 premium volume fields of the study, ch. 2 §3.4.2). Claims (``C``):
    ``claim_policy``, ``claim_amount``, ``claim_event`` (event codes 0…E−1) and ``paid`` (``C ×
    origins·developments``: incremental payments per accident year × development year cell known at
    the valuation date, row-major). ``shipments_per_event``: the most policies one event touched.
    """

    tsi: FloatArray
    premium: FloatArray
    policy_year: IntArray
    years: IntArray
    volume_premiums: FloatArray
    claim_policy: IntArray
    claim_amount: FloatArray
    claim_event: IntArray
    paid: FloatArray
    origins: IntArray
    n_developments: int
    valuation_year: int
    policy_ids: npt.NDArray[np.object_] | None = None

    @property
    def n_policies(self) -> int:
        return int(self.tsi.size)

    @property
    def n_claims(self) -> int:
        return int(self.claim_amount.size)

    @property
    def n_events(self) -> int:
        return int(self.claim_event.max()) + 1 if self.claim_event.size else 0

    @property
    def shipments_per_event(self) -> int:
        """The largest number of distinct policies among the claims of one event (Tableau 34's
        "nombre des expéditions qui peuvent être transportées sur un même navire", from experience)."""
        if not self.claim_event.size:
            return 1
        pairs = np.unique(np.stack([self.claim_event, self.claim_policy]), axis=1)
        return int(np.bincount(pairs[0]).max())

    @property
    def gross_premium(self) -> float:
        return float(self.premium.sum())

    @property
    def gross_claims(self) -> float:
        return float(self.claim_amount.sum())

    def observed_mask(self) -> npt.NDArray[np.bool_]:
        """Cells known at the valuation date (``origin + development ≤ K``)."""
        n_o, n_d = self.origins.size, self.n_developments
        k = max(n_o, n_d) - 1
        return np.asarray(np.add.outer(np.arange(n_o), np.arange(n_d)) <= k)

    # --- constructors -----------------------------------------------------------------------------

    @classmethod
    def from_portfolio(cls, portfolio: MarineCargoPortfolio) -> ScenarioData:
        """From :func:`engine.portfolio.synthetic_marine_cargo` (or any object with the same frames)."""
        pol, claims, pay = portfolio.policies, portfolio.claims, portfolio.payments
        valuation = pd.Timestamp(portfolio.valuation_date)
        policy_index = pd.Index(pol["policy_id"])
        claim_policy = _lookup(policy_index, claims["policy_id"], "claims", "policy_id")
        claim_index = pd.Index(claims["claim_id"])
        pay_claim = _lookup(claim_index, pay["claim_id"], "payments", "claim_id")
        acc_year = pd.DatetimeIndex(pay["accident_date"]).year.to_numpy(dtype=np.int64)
        pay_date = pd.DatetimeIndex(pay["payment_date"])
        pay_year = pay_date.year.to_numpy(dtype=np.int64)
        known = pay_date.to_numpy() <= valuation.to_datetime64()
        first = int(claims["accident_year"].min()) if len(claims) else int(pol["underwriting_year"].min())
        origins = np.arange(first, valuation.year + 1, dtype=np.int64)
        paid = _paid_cells(
            pay_claim[known],
            acc_year[known],
            pay_year[known] - acc_year[known],
            pay["amount"].to_numpy(dtype=np.float64)[known],
            len(claims),
            origins,
        )
        volume = _volume_premiums(
            pol["premium"].to_numpy(dtype=np.float64),
            pol["underwriting_year"].to_numpy(dtype=np.int64),
            valuation.year,
            pol["inception_date"].to_numpy().astype("datetime64[D]"),
            pol["expiry_date"].to_numpy().astype("datetime64[D]"),
        )
        return cls._build(
            tsi=pol["sum_insured"].to_numpy(dtype=np.float64),
            premium=pol["premium"].to_numpy(dtype=np.float64),
            underwriting_year=pol["underwriting_year"].to_numpy(dtype=np.int64),
            volume=volume,
            claim_policy=claim_policy,
            claim_amount=claims["amount"].to_numpy(dtype=np.float64),
            event_id=claims["event_id"],
            paid=paid,
            origins=origins,
            valuation_year=valuation.year,
            policy_ids=None,
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, valuation_year: int | None = None) -> ScenarioData:
        """From one user table (the ``--csv`` layout, :data:`CSV_COLUMNS`).

        A policy appears on one row, or on one row per claim with its policy columns repeated (they
        must agree). ``valuation_year`` defaults to the latest underwriting or accident year; claims
        without ``paid_*`` columns are paid like the study, annex 08 (``engine.portfolio.payment_pattern``),
        development year ``j`` of accident year ``a`` known when ``a + j ≤ valuation_year``.
        """
        if not isinstance(frame, pd.DataFrame):
            raise EngineError(f"portfolio table must be a pandas DataFrame, got {type(frame).__name__}")
        missing = [c for c in ("policy_id", "underwriting_year", "sum_insured", "premium") if c not in frame.columns]
        if missing:
            raise EngineError(f"portfolio table: missing column(s) {', '.join(map(repr, missing))}")
        if frame.empty:
            raise EngineError("portfolio table: no rows")
        uw = _integers(frame, "underwriting_year")
        tsi = _numbers(frame, "sum_insured")
        premium = _numbers(frame, "premium")
        if (tsi <= 0).any():
            row = frame.index[int(np.argmax(tsi <= 0))]
            raise EngineError(f"portfolio table: 'sum_insured' must be > 0 (row {row!r})")
        if (premium < 0).any():
            row = frame.index[int(np.argmax(premium < 0))]
            raise EngineError(f"portfolio table: 'premium' is negative at row {row!r}")
        codes, uniques = pd.factorize(frame["policy_id"])
        if (codes < 0).any():
            raise EngineError(
                f"portfolio table: 'policy_id' is missing at row {frame.index[int(np.argmax(codes < 0))]!r}"
            )
        first_row = np.unique(codes, return_index=True)[1]
        for name, values in (("underwriting_year", uw), ("sum_insured", tsi), ("premium", premium)):
            differs = values != values[first_row][codes]
            if differs.any():
                row = frame.index[int(np.argmax(differs))]
                raise EngineError(
                    f"portfolio table: policy {frame['policy_id'].iloc[int(np.argmax(differs))]!r} has two values "
                    f"of {name!r} (row {row!r}); a policy's columns must agree on all its rows"
                )
        p_tsi, p_premium, p_uw = tsi[first_row], premium[first_row], uw[first_row]

        # Claims: rows with a positive claim_amount.
        if "claim_amount" in frame.columns:
            amount = _numbers(frame, "claim_amount", allow_missing=True)
            if (amount < 0).any():
                raise EngineError(
                    f"portfolio table: 'claim_amount' is negative at row {frame.index[int(np.argmax(amount < 0))]!r}"
                )
            is_claim = amount > 0
        else:
            amount = np.zeros(len(frame))
            is_claim = np.zeros(len(frame), dtype=bool)
        rows = np.flatnonzero(is_claim)
        if "accident_year" in frame.columns:
            acc = _integers(frame.iloc[rows], "accident_year") if rows.size else np.zeros(0, dtype=np.int64)
        elif "accident_date" in frame.columns:
            dates = pd.to_datetime(frame["accident_date"].iloc[rows], errors="coerce")
            if dates.isna().any():
                raise EngineError("portfolio table: 'accident_date' is missing or not a date on a claim row")
            acc = pd.DatetimeIndex(dates).year.to_numpy(dtype=np.int64)
        elif rows.size:
            raise EngineError("portfolio table: claims need 'accident_year' (or 'accident_date')")
        else:
            acc = np.zeros(0, dtype=np.int64)
        last = int(max(p_uw.max(), acc.max() if acc.size else p_uw.max()))
        valuation = last if valuation_year is None else int(valuation_year)
        first = int(acc.min()) if acc.size else int(p_uw.min())
        if first > valuation:
            raise EngineError(f"portfolio table: valuation year {valuation} is before the first accident year {first}")
        origins = np.arange(first, valuation + 1, dtype=np.int64)
        paid_columns = sorted(
            ((int(m.group(1)), c) for c in frame.columns if (m := _PAID.match(str(c)))), key=lambda t: t[0]
        )
        n_claims = rows.size
        if paid_columns:
            devs = np.array([j for j, _ in paid_columns], dtype=np.int64)
            values = np.column_stack([_numbers(frame.iloc[rows], c, allow_missing=True) for _, c in paid_columns])
            if (values < 0).any():
                raise EngineError("portfolio table: a 'paid_*' column holds a negative payment")
        else:
            from assurdb.engine.portfolio import payment_pattern

            pattern = payment_pattern()
            devs = np.arange(pattern.size, dtype=np.int64)
            values = amount[rows][:, None] * pattern[None, :]
        claim_of = np.repeat(np.arange(n_claims), devs.size)
        dev = np.tile(devs, n_claims)
        acc_of = np.repeat(acc, devs.size)
        flat = values.reshape(-1)
        keep = (acc_of + dev <= valuation) & (acc_of >= first) & (flat != 0)
        paid = _paid_cells(claim_of[keep], acc_of[keep], dev[keep], flat[keep], n_claims, origins)

        if "inception_date" in frame.columns and "expiry_date" in frame.columns:
            start = pd.to_datetime(frame["inception_date"], errors="coerce").to_numpy().astype("datetime64[D]")
            end = pd.to_datetime(frame["expiry_date"], errors="coerce").to_numpy().astype("datetime64[D]")
            if np.isnat(start).any() or np.isnat(end).any() or (end < start).any():
                raise EngineError("portfolio table: 'inception_date'/'expiry_date' must be dates, expiry ≥ inception")
            volume = _volume_premiums(p_premium, p_uw, valuation, start[first_row], end[first_row])
        else:
            volume = _volume_premiums(p_premium, p_uw, valuation, None, None)
        event = frame["event_id"].iloc[rows] if "event_id" in frame.columns else pd.Series([np.nan] * n_claims)
        return cls._build(
            tsi=p_tsi,
            premium=p_premium,
            underwriting_year=p_uw,
            volume=volume,
            claim_policy=codes[rows].astype(np.int64),
            claim_amount=amount[rows],
            event_id=event,
            paid=paid,
            origins=origins,
            valuation_year=valuation,
            policy_ids=np.asarray(uniques, dtype=object),
        )

    @classmethod
    def read_csv(cls, path: str | Path, *, valuation_year: int | None = None) -> ScenarioData:
        """:meth:`from_frame` on a CSV file (columns: :data:`CSV_COLUMNS`)."""
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise EngineError(f"cannot read the portfolio CSV {str(path)!r}: {exc}") from exc
        return cls.from_frame(frame, valuation_year=valuation_year)

    @classmethod
    def _build(
        cls,
        *,
        tsi: FloatArray,
        premium: FloatArray,
        underwriting_year: IntArray,
        volume: FloatArray,
        claim_policy: IntArray,
        claim_amount: FloatArray,
        event_id: pd.Series,
        paid: FloatArray,
        origins: IntArray,
        valuation_year: int,
        policy_ids: npt.NDArray[np.object_] | None,
    ) -> ScenarioData:
        if not (np.isfinite(tsi).all() and np.isfinite(premium).all() and np.isfinite(claim_amount).all()):
            raise EngineError("portfolio: sums insured, premiums and claim amounts must be finite")
        if (tsi <= 0).any():
            raise EngineError("portfolio: every sum insured must be > 0")
        years, policy_year = np.unique(underwriting_year, return_inverse=True)
        codes, _ = pd.factorize(pd.Series(np.asarray(event_id)), use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.int64)
        lonely = codes < 0
        if lonely.any():  # a claim without an event is an event of its own
            codes = codes.copy()
            codes[lonely] = (codes.max(initial=-1) + 1) + np.arange(int(lonely.sum()))
        return cls(
            tsi=np.ascontiguousarray(tsi, dtype=np.float64),
            premium=np.ascontiguousarray(premium, dtype=np.float64),
            policy_year=np.asarray(policy_year, dtype=np.int64),
            years=np.asarray(years, dtype=np.int64),
            volume_premiums=np.ascontiguousarray(volume, dtype=np.float64),
            claim_policy=np.asarray(claim_policy, dtype=np.int64),
            claim_amount=np.ascontiguousarray(claim_amount, dtype=np.float64),
            claim_event=codes,
            paid=np.ascontiguousarray(paid, dtype=np.float64),
            origins=origins,
            n_developments=int(origins.size),
            valuation_year=int(valuation_year),
            policy_ids=policy_ids,
        )


# --- helpers ------------------------------------------------------------------------------------------


def _lookup(index: pd.Index, keys: pd.Series, what: str, column: str) -> IntArray:
    where = np.asarray(index.get_indexer(pd.Index(keys)), dtype=np.int64)
    if (where < 0).any():
        raise EngineError(f"{what}: {column} {keys.iloc[int(np.argmax(where < 0))]!r} is not in the portfolio")
    return where


def _paid_cells(
    claim: IntArray, acc_year: IntArray, dev: IntArray, amount: FloatArray, n_claims: int, origins: IntArray
) -> FloatArray:
    """Incremental payments per claim × (accident year, development year) cell, row-major."""
    n = origins.size
    inside = (acc_year >= origins[0]) & (acc_year <= origins[-1]) & (dev >= 0) & (dev < n)
    cell = (acc_year[inside] - origins[0]) * n + dev[inside]
    flat = np.bincount(claim[inside] * n * n + cell, weights=amount[inside], minlength=n_claims * n * n)
    return np.asarray(flat.reshape(n_claims, n * n), dtype=np.float64)


def _volume_premiums(
    premium: FloatArray,
    underwriting_year: IntArray,
    year: int,
    inception: npt.NDArray[np.datetime64] | None,
    expiry: npt.NDArray[np.datetime64] | None,
) -> FloatArray:
    """Per policy: premium earned in ``year`` (pro rata temporis of the days of cover, as
    ``MarineCargoPortfolio.earned_premium``; earned = written without dates), written in ``year``,
    written in ``year − 1``."""
    written = premium * (underwriting_year == year)
    previous = premium * (underwriting_year == year - 1)
    if inception is None or expiry is None:
        earned = written
    else:
        end = expiry + np.timedelta64(1, "D")
        y0, y1 = np.datetime64(f"{year}-01-01", "D"), np.datetime64(f"{year + 1}-01-01", "D")
        overlap = (np.minimum(end, y1) - np.maximum(inception, y0)).astype(np.int64).clip(0)
        days = np.maximum((end - inception).astype(np.int64), 1)
        earned = premium * overlap / days
    return np.column_stack([earned, written, previous]).astype(np.float64)


def _numbers(frame: pd.DataFrame, column: str, *, allow_missing: bool = False) -> FloatArray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if allow_missing:
        raw_missing = frame[column].isna().to_numpy()
        if (bad & ~raw_missing).any():
            row = frame.index[int(np.argmax(bad & ~raw_missing))]
            raise EngineError(f"portfolio table: column {column!r} must hold numbers (row {row!r})")
        return np.where(bad, 0.0, values)
    if bad.any():
        row = frame.index[int(np.argmax(bad))]
        raise EngineError(f"portfolio table: column {column!r} is missing or not a number at row {row!r}")
    return values


def _integers(frame: pd.DataFrame, column: str) -> IntArray:
    values = _numbers(frame, column)
    if (values != np.round(values)).any():
        row = frame.index[int(np.argmax(values != np.round(values)))]
        raise EngineError(f"portfolio table: column {column!r} must hold whole years (row {row!r})")
    return values.astype(np.int64)
