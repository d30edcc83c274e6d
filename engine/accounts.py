"""Treaty accounts of proportional treaties, and the listing of losses under an AAD (the treaty
notes: "Traitement technique, 2e partie", reinsurance technique notes).

Cedants send quarterly (or half-yearly) technical accounts per treaty and underwriting year:
premiums, commissions, claims paid, outstanding and its movement, balance. ``TreatyAccounts`` builds
them from the cedant's bordereau lines, numbering development periods from the start of the
underwriting year (the treaty notes: the 5th, 6th… quarter of 2018 arrive in 2019, the 9th… in 2020).

Attachment (the treaty notes, §1.3):

* ``"LORA"`` (risks attaching): premiums and claims belong to the treaty year in which the
  policy incepted (``inception``), however late they are booked: the treaty runs off for years.
* ``"LOD"`` (losses occurring): claims belong to the year of the loss date (``loss_date``);
  premiums to the year in which they are booked (written basis).

Portfolio entry and withdrawal (``portfolio=PortfolioTransfer(…)``, "jeux de portefeuille") end the
run-off: at the end of each treaty year the unearned premium (premium portfolio) and the
outstanding claims (loss portfolio) are withdrawn from that year, and entered into the next year
when the treaty continues (the cedant keeps booking with it); every transaction is then booked to
the year in force at its booking date (clean cut), so a year gets only its own periods — four
quarterly accounts for 2018 in the treaty notes' example.

Decisions (sources silent):

* A transaction booked before its underwriting year starts goes into that year's first account.
* Every period from the first of the year to the last with a movement gets an account, nil or not.
* The treaty continues into year Y+1 when some transaction of the treaty is booked in Y+1.
* A year ends (and withdraws its portfolios) once ``as_at`` reaches its last day; ``as_at``
  defaults to the last day of the last period with a booking.
* Unearned premium: ``premium_rate`` × the year's booked premiums when given (the market's flat
  percentage), otherwise pro rata temporis of each policy's ``cover_start`` (default ``inception``)
  to ``cover_end``, on every premium booked up to the year end.
* Loss portfolio = ``loss_rate`` × outstanding at the year end (usually 90 %–100 %).
* ``commission_rate`` on portfolio premiums: paid on entry, returned on withdrawal (default 0).
* Amounts are the reinsurer's share; the ``balance`` is in the reinsurer's favour:
  ``premium + premium portfolio entry − premium portfolio withdrawal − commission − claims paid
  + loss portfolio entry − loss portfolio withdrawal``; ``technical_result`` also deducts the
  movement of the outstanding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from assurdb.engine.checks import check_choice, check_rate
from assurdb.engine.errors import EngineError
from assurdb.engine.treaties.base import (
    FloatArray,
    IntArray,
    amount_column,
    check_frame,
    check_inception_month,
    date_column,
    require_columns,
    treaty_years,
)
from assurdb.engine.treaties.excess import ExcessOfLoss
from assurdb.engine.treaties.kernels import group_sums

ACCOUNT_ITEMS = (
    "premium",
    "commission",
    "premium_portfolio_entry",
    "premium_portfolio_withdrawal",
    "claims_paid",
    "loss_portfolio_entry",
    "loss_portfolio_withdrawal",
    "outstanding_movement",
)


@dataclass(frozen=True)
class PortfolioTransfer:
    """Premium and loss portfolio transfers at each treaty year end (see the module notes)."""

    premium_rate: float | None = None
    loss_rate: float = 1.0
    commission_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.premium_rate is not None:
            check_rate("premium_rate", self.premium_rate)
        check_rate("loss_rate", self.loss_rate, maximum=2.0)
        check_rate("commission_rate", self.commission_rate)


class TreatyAccounts:
    """Quarterly or half-yearly technical accounts per treaty and underwriting year.

    Parameters
    ----------
    frequency:
        ``"quarter"`` or ``"half"``.
    attachment:
        ``"LORA"`` or ``"LOD"``.
    portfolio:
        A ``PortfolioTransfer`` for portfolio entry and withdrawal at year end, or ``None``.
    inception_month:
        Month (1–12) in which the treaty's underwriting years start.
    commission_rate:
        Commission on premiums when the premium lines have no ``commission`` column.
    as_at:
        Date of the accounts (see the module notes).

    ``fit(premiums, claims)``:

    * ``premiums``: ``treaty_id``, ``booking_date``, ``premium`` (ceded share), optional
      ``commission``; ``inception`` for LORA; ``cover_end`` (and ``cover_start``) for a pro rata
      premium portfolio.
    * ``claims``: one line per movement of a loss: ``treaty_id``, ``loss_id``, ``booking_date``,
      ``paid`` (paid in this movement), ``outstanding`` (the loss's outstanding after it);
      ``inception`` for LORA, ``loss_date`` for LOD.

    Result: ``accounts_``, one row per treaty, underwriting year and period.
    """

    def __init__(
        self,
        *,
        frequency: Literal["quarter", "half"] = "quarter",
        attachment: Literal["LORA", "LOD"] = "LORA",
        portfolio: PortfolioTransfer | None = None,
        inception_month: int = 1,
        commission_rate: float | None = None,
        as_at: str | pd.Timestamp | None = None,
    ) -> None:
        self.frequency = frequency
        self.attachment = attachment
        self.portfolio = portfolio
        self.inception_month = inception_month
        self.commission_rate = commission_rate
        self.as_at = as_at
        check_choice("frequency", frequency, ("quarter", "half"))
        check_choice("attachment", attachment, ("LORA", "LOD"))
        check_inception_month(inception_month)
        if commission_rate is not None:
            check_rate("commission_rate", commission_rate)
        if portfolio is not None and not isinstance(portfolio, PortfolioTransfer):
            raise EngineError("parameter 'portfolio' must be a PortfolioTransfer or None")

    # -- calendar helpers ---------------------------------------------------------------------

    @property
    def months_per_period(self) -> int:
        return 3 if self.frequency == "quarter" else 6

    @property
    def periods_per_year(self) -> int:
        return 12 // self.months_per_period

    def _period(self, dates: npt.NDArray[np.datetime64]) -> IntArray:
        months = dates.astype("datetime64[M]").astype(np.int64) - (self.inception_month - 1)
        return np.floor_divide(months, self.months_per_period)

    def _first_period(self, years: IntArray) -> IntArray:
        return (years - 1970) * self.periods_per_year

    def _period_start(self, periods: IntArray) -> npt.NDArray[np.datetime64]:
        months = periods * self.months_per_period + (self.inception_month - 1)
        return months.astype("datetime64[M]").astype("datetime64[D]")

    def _attached(self, frame: pd.DataFrame, booked: npt.NDArray[np.datetime64], what: str, kind: str) -> IntArray:
        if self.portfolio is not None:
            return treaty_years(booked, self.inception_month)
        if self.attachment == "LORA":
            require_columns(frame, ["inception"], f"{what} (LORA attaches by policy inception)")
            return treaty_years(date_column(frame, "inception", what), self.inception_month)
        if kind == "claims":
            require_columns(frame, ["loss_date"], f"{what} (LOD attaches by loss date)")
            return treaty_years(date_column(frame, "loss_date", what), self.inception_month)
        return treaty_years(booked, self.inception_month)

    # -- the accounts -------------------------------------------------------------------------

    def fit(self, premiums: pd.DataFrame, claims: pd.DataFrame) -> TreatyAccounts:
        premiums = check_frame(premiums, "premiums")
        claims = check_frame(claims, "claims")
        require_columns(premiums, ["treaty_id", "booking_date", "premium"], "premiums")
        require_columns(claims, ["treaty_id", "loss_id", "booking_date", "paid", "outstanding"], "claims")

        p_booked = date_column(premiums, "booking_date", "premiums")
        p_amount = amount_column(premiums, "premium", "premiums")
        if "commission" in premiums.columns:
            p_commission = amount_column(premiums, "commission", "premiums")
        else:
            p_commission = (self.commission_rate or 0.0) * p_amount
        p_year = self._attached(premiums, p_booked, "premiums", "premiums")
        p_period = np.maximum(self._period(p_booked), self._first_period(p_year))

        c_booked = date_column(claims, "booking_date", "claims")
        c_paid = amount_column(claims, "paid", "claims")
        c_os = amount_column(claims, "outstanding", "claims")
        c_year = self._attached(claims, c_booked, "claims", "claims")
        c_period = np.maximum(self._period(c_booked), self._first_period(c_year))
        movement = self._os_movements(claims, c_booked, c_os)

        treaty_codes, treaty_ids = pd.factorize(
            pd.concat([premiums["treaty_id"], claims["treaty_id"]], ignore_index=True)
        )
        treaty_codes = np.asarray(treaty_codes, dtype=np.int64)
        if (treaty_codes < 0).any():
            raise EngineError("premiums/claims: column 'treaty_id' has a missing value")
        p_treaty, c_treaty = treaty_codes[: len(premiums)], treaty_codes[len(premiums) :]

        parts = [
            _lines(p_treaty, p_year, p_period, premium=p_amount, commission=p_commission),
            _lines(c_treaty, c_year, c_period, claims_paid=c_paid, outstanding_movement=movement),
        ]
        if self.portfolio is not None:
            parts.append(
                self._portfolio_lines(
                    premiums, p_treaty, p_booked, p_amount, p_year, c_treaty, c_booked, movement, c_year
                )
            )
        lines = pd.concat(parts, ignore_index=True)
        self.accounts_ = self._accounts(lines, pd.Index(treaty_ids))
        return self

    def _os_movements(
        self, claims: pd.DataFrame, booked: npt.NDArray[np.datetime64], outstanding: FloatArray
    ) -> FloatArray:
        """Each line's change of its loss's outstanding: this evaluation minus the previous one."""
        if len(claims) == 0:
            return np.zeros(0)
        loss = (
            pd.DataFrame({"t": claims["treaty_id"].to_numpy(), "l": claims["loss_id"].to_numpy()})
            .groupby(["t", "l"], sort=False, dropna=False)
            .ngroup()
            .to_numpy()
        )
        order = np.lexsort((np.arange(len(claims)), booked.astype(np.int64), loss))
        os_sorted = outstanding[order]
        prev = np.empty_like(os_sorted)
        prev[0] = 0.0
        prev[1:] = os_sorted[:-1]
        new_loss = np.ones(len(claims), dtype=bool)
        new_loss[1:] = loss[order][1:] != loss[order][:-1]
        prev[new_loss] = 0.0
        movement = np.empty_like(outstanding)
        movement[order] = os_sorted - prev
        return movement

    def _as_at_period(self, booked: npt.NDArray[np.datetime64]) -> int:
        """The first period not yet reached at ``as_at``."""
        if self.as_at is not None:
            day = np.datetime64(pd.Timestamp(self.as_at).date(), "D") + np.timedelta64(1, "D")
            return int(self._period(np.array([day]))[0])
        return int(self._period(booked).max()) + 1 if booked.size else 0

    def _portfolio_lines(
        self,
        premiums: pd.DataFrame,
        p_treaty: IntArray,
        p_booked: npt.NDArray[np.datetime64],
        p_amount: FloatArray,
        p_year: IntArray,
        c_treaty: IntArray,
        c_booked: npt.NDArray[np.datetime64],
        movement: FloatArray,
        c_year: IntArray,
    ) -> pd.DataFrame:
        transfer = self.portfolio
        assert transfer is not None
        cover_start = cover_end = np.zeros(len(premiums), dtype="datetime64[D]")
        if transfer.premium_rate is None and len(premiums):
            require_columns(premiums, ["cover_end"], "premiums (pro rata premium portfolio; or give premium_rate)")
            if "cover_start" not in premiums.columns:
                require_columns(
                    premiums, ["inception"], "premiums (cover_start or inception for the premium portfolio)"
                )
            cover_end = date_column(premiums, "cover_end", "premiums")
            start_col = "cover_start" if "cover_start" in premiums.columns else "inception"
            cover_start = date_column(premiums, start_col, "premiums")
        booked_all = np.concatenate([p_booked, c_booked])
        reached = self._as_at_period(booked_all)
        pairs = pd.DataFrame(
            {"t": np.concatenate([p_treaty, c_treaty]), "y": np.concatenate([p_year, c_year])}
        ).drop_duplicates()
        years_of: dict[int, set[int]] = {}
        for t, y in zip(pairs["t"].tolist(), pairs["y"].tolist(), strict=True):
            years_of.setdefault(int(t), set()).add(int(y))
        rows: list[dict[str, float | int]] = []
        n_treaties = max(years_of) + 1 if years_of else 0
        for year in sorted({y for ys in years_of.values() for y in ys}):  # a loop over treaty years, not over lines
            next_first = int(self._first_period(np.array([year + 1]))[0])
            if next_first > reached:
                continue  # the year has not ended at as_at
            year_end = self._period_start(np.array([next_first]))[0]
            in_year = (p_year == year) if transfer.premium_rate is not None else (p_booked < year_end)
            if transfer.premium_rate is not None:
                upr = transfer.premium_rate * group_sums(p_treaty, p_amount * in_year, n_treaties)
            else:
                span = (cover_end - cover_start).astype(np.float64)
                left = (cover_end - year_end).astype(np.float64)
                fraction = np.clip(np.divide(left, span, out=np.zeros_like(left), where=span > 0), 0.0, 1.0)
                upr = group_sums(p_treaty, p_amount * fraction * in_year, n_treaties)
            outstanding = group_sums(c_treaty, movement * (c_booked < year_end), n_treaties)
            for t, years in years_of.items():
                if year not in years:
                    continue
                last = next_first - 1
                rows.append(
                    {
                        "t": t,
                        "y": year,
                        "p": last,
                        "premium_portfolio_withdrawal": float(upr[t]),
                        "commission": -transfer.commission_rate * float(upr[t]),
                        "loss_portfolio_withdrawal": transfer.loss_rate * float(outstanding[t]),
                        "outstanding_movement": -float(outstanding[t]),
                    }
                )
                if year + 1 in years:
                    rows.append(
                        {
                            "t": t,
                            "y": year + 1,
                            "p": next_first,
                            "premium_portfolio_entry": float(upr[t]),
                            "commission": transfer.commission_rate * float(upr[t]),
                            "loss_portfolio_entry": transfer.loss_rate * float(outstanding[t]),
                            "outstanding_movement": float(outstanding[t]),
                        }
                    )
        frame = pd.DataFrame(rows, columns=["t", "y", "p", *ACCOUNT_ITEMS])
        return frame.fillna(0.0).astype({"t": np.int64, "y": np.int64, "p": np.int64})

    def _accounts(self, lines: pd.DataFrame, treaty_ids: pd.Index) -> pd.DataFrame:
        columns = ["treaty_id", "underwriting_year", "period", "period_start", "account_year", "dev"]
        if lines.empty:
            empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
            for item in (*ACCOUNT_ITEMS, "outstanding", "balance", "technical_result"):
                empty[item] = pd.Series(dtype=np.float64)
            return empty
        sums = lines.groupby(["t", "y", "p"])[list(ACCOUNT_ITEMS)].sum()
        span = lines.groupby(["t", "y"])["p"].max()
        t_idx = span.index.get_level_values("t").to_numpy(dtype=np.int64)
        y_idx = span.index.get_level_values("y").to_numpy(dtype=np.int64)
        first = self._first_period(y_idx)
        counts = span.to_numpy(dtype=np.int64) - first + 1
        grid_t = np.repeat(t_idx, counts)
        grid_y = np.repeat(y_idx, counts)
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        grid_p = np.repeat(first, counts) + offsets
        grid = pd.MultiIndex.from_arrays([grid_t, grid_y, grid_p], names=["t", "y", "p"])
        table = sums.reindex(grid, fill_value=0.0).reset_index()
        starts = self._period_start(grid_p)
        cal_year, cal_month = (
            (starts.astype("datetime64[M]").astype(np.int64) // 12 + 1970),
            (starts.astype("datetime64[M]").astype(np.int64) % 12 + 1),
        )
        table.insert(0, "treaty_id", treaty_ids.take(grid_t).to_numpy())
        table.insert(1, "underwriting_year", grid_y)
        table.insert(2, "period", self._labels(cal_year, cal_month))
        table.insert(3, "period_start", pd.to_datetime(starts))
        table.insert(4, "account_year", cal_year)
        table.insert(5, "dev", offsets + 1)
        table["outstanding"] = table.groupby(["t", "y"])["outstanding_movement"].cumsum()
        table["balance"] = (
            table["premium"]
            + table["premium_portfolio_entry"]
            - table["premium_portfolio_withdrawal"]
            - table["commission"]
            - table["claims_paid"]
            + table["loss_portfolio_entry"]
            - table["loss_portfolio_withdrawal"]
        )
        table["technical_result"] = table["balance"] - table["outstanding_movement"]
        return table.drop(columns=["t", "y", "p"])

    def _labels(self, years: IntArray, months: IntArray) -> list[str]:
        # One label per account row (treaty × year × period), never per policy or loss.
        if self.frequency == "quarter" and self.inception_month % 3 == 1:
            return [f"{y}Q{(m - 1) // 3 + 1}" for y, m in zip(years.tolist(), months.tolist(), strict=True)]
        if self.frequency == "half" and self.inception_month % 6 == 1:
            return [f"{y}H{(m - 1) // 6 + 1}" for y, m in zip(years.tolist(), months.tolist(), strict=True)]
        return [f"{y}-{m:02d}" for y, m in zip(years.tolist(), months.tolist(), strict=True)]


def _lines(treaty: IntArray, year: IntArray, period: IntArray, **items: FloatArray) -> pd.DataFrame:
    frame = pd.DataFrame({"t": treaty, "y": year, "p": period})
    for item in ACCOUNT_ITEMS:
        frame[item] = items.get(item, 0.0)
    return frame


def aad_listing(treaty: ExcessOfLoss, losses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The listing the treaty notes ask the technician to keep for a treaty with an AAD.

    One row per loss in date order within each treaty year: paid, outstanding, the layer's paid and
    outstanding shares, the amount absorbed by the aggregate deductible (and what is left of it),
    the ceded paid and outstanding, and what is left of the aggregate limit. ``losses`` are applied
    first when given; otherwise the treaty's last ``ceded_`` is listed.
    """
    if losses is not None:
        treaty.fit(losses)
    if not hasattr(treaty, "ceded_"):
        raise EngineError("aad_listing: the treaty has not been applied to losses yet (give 'losses')")
    ceded = treaty.ceded_
    order = np.lexsort(
        (
            np.arange(len(ceded)),
            pd.to_datetime(ceded["date"]).to_numpy().astype("datetime64[D]").astype(np.int64),
            ceded["treaty_year"].to_numpy(dtype=np.int64),
        )
    )
    listing = ceded.iloc[order][
        [
            "treaty_year",
            "loss_id",
            "date",
            "paid",
            "outstanding",
            "layer_paid",
            "layer_outstanding",
            "absorbed_by_aad_paid",
            "absorbed_by_aad_outstanding",
            "absorbed_by_aad",
            "ceded_paid",
            "ceded_outstanding",
            "ceded",
            "reason",
        ]
    ]
    by_year = listing.groupby("treaty_year", sort=False)
    return listing.assign(
        aad_remaining=float(treaty.aad) - by_year["absorbed_by_aad"].cumsum(),
        cumulative_ceded=by_year["ceded"].cumsum(),
        aggregate_remaining=treaty.effective_aggregate_limit - by_year["ceded"].cumsum(),
    )
