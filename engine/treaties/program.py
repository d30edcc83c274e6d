"""A reinsurance program: treaties in inuring order, each on what the one before retained.

``Program([Surplus(…), ExcessOfLoss(…, basis="event"), StopLoss(…)]).fit(portfolio, losses)``:

* proportional treaties (quota share, surplus) cede premiums and losses of each policy; the next
  treaty sees the retained sum insured, premium and losses (a surplus after a quota share works on
  the quota share's retention);
* an excess of loss works on the retained losses, its premium on the retained premium income (the
  GNPI of the retention it protects);
* a stop loss works on the annual retained losses; in loss-ratio terms its premium income is the
  net premium income: retained premium after the proportional treaties minus the premiums of the
  inuring non-proportional ones (decision: reinstatement premiums, which depend on losses, are not
  deducted). An explicit ``premium_income`` on the stop loss wins.

Results: ``premiums_`` (per policy), ``losses_`` (per loss: gross → each layer → net, paid and
outstanding), ``layers_`` (each treaty's own per-row frame with its reasons), ``summary_`` (per
treaty year and stage: gross, each layer, net) and ``results_`` (per treaty year: retention result,
reinsurer result, loss ratios; ``engine.results``).

Treaty years are common to the whole program: the ``treaty_year`` column when the frames have one,
else the year of the loss date (and, for a portfolio without ``treaty_year``, the single year of
the losses or the ``treaty_year`` given to ``fit``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.results import results_table
from assurdb.engine.treaties.base import (
    FloatArray,
    IntArray,
    amount_column,
    check_frame,
    check_inception_month,
    date_column,
    require_columns,
    treaty_year_column,
)
from assurdb.engine.treaties.excess import ExcessOfLoss, loss_amounts
from assurdb.engine.treaties.kernels import group_sums
from assurdb.engine.treaties.proportional import ProportionalTreaty, QuotaShare, Surplus
from assurdb.engine.treaties.stoploss import StopLoss

Treaty = QuotaShare | Surplus | ExcessOfLoss | StopLoss

SUMMARY_COLUMNS = (
    "premium",
    "reinstatement_premium",
    "commission",
    "profit_commission",
    "claims_paid",
    "claims_outstanding",
    "claims",
    "result",
)


class Program:
    """Treaties applied in inuring order (see the module notes).

    Parameters
    ----------
    treaties:
        ``QuotaShare``, ``Surplus``, ``ExcessOfLoss``, ``StopLoss`` objects, in inuring order, with
        distinct ``name``s.
    inception_month:
        Month in which treaty years start, for losses without a ``treaty_year`` column.
    """

    def __init__(self, treaties: Sequence[Treaty], *, inception_month: int = 1) -> None:
        self.treaties = treaties
        self.inception_month = inception_month
        check_inception_month(inception_month)
        if not treaties:
            raise EngineError("parameter 'treaties' must name at least one treaty")
        for t in treaties:
            if not isinstance(t, QuotaShare | Surplus | ExcessOfLoss | StopLoss):
                raise EngineError(f"parameter 'treaties': {t!r} is not a treaty")
        names = [t.name for t in treaties]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise EngineError(f"parameter 'treaties': layer names must differ, {dupes} repeated (set 'name=')")

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.treaties]

    def fit(self, portfolio: pd.DataFrame, losses: pd.DataFrame, *, treaty_year: int | None = None) -> Program:
        portfolio = check_frame(portfolio, "portfolio")
        losses = check_frame(losses, "losses")
        proportional = any(isinstance(t, ProportionalTreaty) for t in self.treaties)
        needs_tsi = any(
            isinstance(t, Surplus) or (isinstance(t, QuotaShare) and t.limit is not None) for t in self.treaties
        )

        # --- the portfolio --------------------------------------------------------------------
        require_columns(portfolio, ["policy_id", "premium"] + (["tsi"] if needs_tsi else []), "portfolio")
        gross_premium = amount_column(portfolio, "premium", "portfolio")
        tsi = amount_column(portfolio, "tsi", "portfolio") if "tsi" in portfolio.columns else None

        # --- the losses -----------------------------------------------------------------------
        event_xl = any(isinstance(t, ExcessOfLoss) and t.basis == "event" for t in self.treaties)
        required = ["loss_id", "date"] + (["event_id"] if event_xl else [])
        join = proportional and (needs_tsi and "tsi" not in losses.columns)
        if join:
            required.append("policy_id")
        require_columns(losses, required, "losses")
        _, gross_paid, gross_os = loss_amounts(losses, "losses")
        dates = date_column(losses, "date", "losses")
        loss_year = treaty_year_column(losses, dates, self.inception_month, "losses")
        loss_tsi: FloatArray | None = None
        if needs_tsi:
            if join:
                assert tsi is not None
                where = pd.Index(portfolio["policy_id"]).get_indexer(losses["policy_id"])
                if (where < 0).any():
                    bad = losses["policy_id"].iloc[int(np.argmax(where < 0))]
                    raise EngineError(f"losses: column 'policy_id' names policy {bad!r}, not in the portfolio")
                loss_tsi = tsi[where]
            else:
                loss_tsi = amount_column(losses, "tsi", "losses")

        policy_year = self._policy_years(portfolio, loss_year, treaty_year)
        years = np.union1d(np.unique(policy_year), np.unique(loss_year)).astype(np.int64)
        p_codes = np.searchsorted(years, policy_year)
        l_codes = np.searchsorted(years, loss_year)

        def by_year(values: FloatArray, codes: IntArray) -> FloatArray:
            return group_sums(codes, values, years.size)

        cur_tsi = tsi.copy() if tsi is not None else None
        cur_loss_tsi = loss_tsi.copy() if loss_tsi is not None else None
        cur_premium = gross_premium.copy()
        cur_paid, cur_os = gross_paid.copy(), gross_os.copy()
        np_premiums = np.zeros(years.size)  # premiums of the inuring non-proportional layers

        premium_cols: dict[str, FloatArray] = {"gross_premium": gross_premium}
        loss_cols: dict[str, FloatArray] = {
            "gross_paid": gross_paid,
            "gross_outstanding": gross_os,
            "gross": gross_paid + gross_os,
        }
        layers: dict[str, pd.DataFrame | dict[str, pd.DataFrame]] = {}
        stages: list[dict[str, FloatArray]] = []
        loss_base = pd.DataFrame(
            {"loss_id": losses["loss_id"].to_numpy(), "date": losses["date"].to_numpy(), "treaty_year": loss_year},
            index=losses.index,
        )
        for extra in ("event_id", "index_date"):
            if extra in losses.columns:
                loss_base[extra] = losses[extra].to_numpy()

        for t in self.treaties:
            name = t.name
            zero = np.zeros(years.size)
            stage = {c: zero.copy() for c in SUMMARY_COLUMNS}
            if isinstance(t, ProportionalTreaty):
                p_in = {"premium": cur_premium} | ({"tsi": cur_tsi} if cur_tsi is not None else {})
                p_out = t.cede(pd.DataFrame(p_in, index=portfolio.index))
                l_in = {"paid": cur_paid, "outstanding": cur_os}
                if cur_loss_tsi is not None:
                    l_in["tsi"] = cur_loss_tsi
                l_out = t.cede(pd.DataFrame(l_in, index=losses.index))
                layers[name] = {"premiums": p_out, "losses": l_out}
                ceded_premium = p_out["ceded_premium"].to_numpy(dtype=np.float64)
                c_paid = l_out["ceded_paid"].to_numpy(dtype=np.float64)
                c_os = l_out["ceded_outstanding"].to_numpy(dtype=np.float64)
                premium_cols[f"ceded_premium_{name}"] = ceded_premium
                premium_cols[f"commission_{name}"] = p_out["commission"].to_numpy(dtype=np.float64)
                stage["premium"] = by_year(ceded_premium, p_codes)
                stage["claims_paid"] = by_year(c_paid, l_codes)
                stage["claims_outstanding"] = by_year(c_os, l_codes)
                stage["claims"] = stage["claims_paid"] + stage["claims_outstanding"]
                settled = t.settle(stage["premium"], stage["claims"])
                stage["commission"] = settled["commission"].to_numpy(dtype=np.float64)
                stage["profit_commission"] = settled["profit_commission"].to_numpy(dtype=np.float64)
                cur_premium = cur_premium - ceded_premium
                if cur_tsi is not None:
                    cur_tsi = cur_tsi * (1.0 - p_out["cession_rate"].to_numpy(dtype=np.float64))
                if cur_loss_tsi is not None:
                    cur_loss_tsi = cur_loss_tsi * (1.0 - l_out["cession_rate"].to_numpy(dtype=np.float64))
            else:
                frame = loss_base.assign(paid=cur_paid, outstanding=cur_os, amount=cur_paid + cur_os)
                retained_income = by_year(cur_premium, p_codes)
                if isinstance(t, ExcessOfLoss):
                    subject = dict(zip(years.tolist(), retained_income.tolist(), strict=True))
                    out, _ = t.cede(frame, subject_premium=subject)
                    stage["premium"] = np.array([t.annual_premium(int(y), subject) for y in years])
                    stage["reinstatement_premium"] = by_year(
                        out["reinstatement_premium"].to_numpy(dtype=np.float64), l_codes
                    )
                else:
                    npi = retained_income - np_premiums
                    income = (
                        t.premium_income
                        if t.premium_income is not None
                        else dict(zip(years.tolist(), np.maximum(npi, 0.0).tolist(), strict=True))
                    )
                    out, _ = t.cede(frame, premium_income=income)
                    stage["premium"] = np.array([t.annual_premium(int(y), income) for y in years])
                layers[name] = out
                c_paid = out["ceded_paid"].to_numpy(dtype=np.float64)
                c_os = out["ceded_outstanding"].to_numpy(dtype=np.float64)
                stage["claims_paid"] = by_year(c_paid, l_codes)
                stage["claims_outstanding"] = by_year(c_os, l_codes)
                stage["claims"] = stage["claims_paid"] + stage["claims_outstanding"]
                np_premiums = np_premiums + stage["premium"]
            loss_cols[f"ceded_paid_{name}"] = c_paid
            loss_cols[f"ceded_outstanding_{name}"] = c_os
            loss_cols[f"ceded_{name}"] = c_paid + c_os
            cur_paid, cur_os = cur_paid - c_paid, cur_os - c_os
            stage["result"] = (
                stage["premium"]
                + stage["reinstatement_premium"]
                - stage["commission"]
                - stage["profit_commission"]
                - stage["claims"]
            )
            stages.append(stage)

        premium_cols["net_premium"] = cur_premium
        loss_cols |= {"net_paid": cur_paid, "net_outstanding": cur_os, "net": cur_paid + cur_os}
        self.premiums_ = portfolio.assign(**premium_cols)
        self.losses_ = losses.assign(**loss_cols)
        self.layers_ = layers
        self.summary_ = self._summary(years, by_year(gross_premium, p_codes), gross_paid, gross_os, l_codes, stages)
        self.results_ = self._results(self.summary_)
        return self

    def _policy_years(self, portfolio: pd.DataFrame, loss_year: IntArray, treaty_year: int | None) -> IntArray:
        n = len(portfolio)
        if "treaty_year" in portfolio.columns:
            return treaty_year_column(portfolio, np.zeros(n, dtype="datetime64[D]"), 1, "portfolio")
        if treaty_year is not None:
            if not isinstance(treaty_year, int | np.integer):
                raise EngineError(f"parameter 'treaty_year' must be an integer year, got {treaty_year!r}")
            return np.full(n, int(treaty_year), dtype=np.int64)
        seen = np.unique(loss_year)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if seen.size == 1:
            return np.full(n, int(seen[0]), dtype=np.int64)
        raise EngineError(
            "portfolio: missing column 'treaty_year' (the losses span "
            f"{'no treaty year' if seen.size == 0 else f'{seen.size} treaty years'}; "
            "or give fit(..., treaty_year=)"
        )

    def _summary(
        self,
        years: IntArray,
        gross_premium: FloatArray,
        gross_paid: FloatArray,
        gross_os: FloatArray,
        l_codes: IntArray,
        stages: list[dict[str, FloatArray]],
    ) -> pd.DataFrame:
        size = years.size
        paid = group_sums(l_codes, gross_paid, size)
        os_ = group_sums(l_codes, gross_os, size)
        zero = np.zeros(size)
        gross = {
            "premium": gross_premium,
            "reinstatement_premium": zero,
            "commission": zero,
            "profit_commission": zero,
            "claims_paid": paid,
            "claims_outstanding": os_,
            "claims": paid + os_,
            "result": gross_premium - paid - os_,
        }
        net: dict[str, FloatArray] = {
            "premium": gross_premium - sum((s["premium"] + s["reinstatement_premium"] for s in stages), zero),
            "reinstatement_premium": zero,
            "commission": sum((s["commission"] for s in stages), zero),
            "profit_commission": sum((s["profit_commission"] for s in stages), zero),
            "claims_paid": paid - sum((s["claims_paid"] for s in stages), zero),
            "claims_outstanding": os_ - sum((s["claims_outstanding"] for s in stages), zero),
        }
        net["claims"] = net["claims_paid"] + net["claims_outstanding"]
        # Retention result: net premium − net claims + commissions received (the study, ch.2 §3.4.1).
        net["result"] = net["premium"] - net["claims"] + net["commission"] + net["profit_commission"]
        labels = ["gross", *self.names, "net"]
        blocks = [gross, *stages, net]
        frame = pd.DataFrame(
            {c: np.concatenate([b[c] for b in blocks]) for c in SUMMARY_COLUMNS},
            index=pd.MultiIndex.from_arrays(
                [
                    np.tile(years, len(blocks)),
                    pd.Categorical(np.repeat(labels, size), categories=labels, ordered=True),
                ],
                names=["treaty_year", "stage"],
            ),
        )
        return frame.sort_index(level="treaty_year", sort_remaining=False)

    def _results(self, summary: pd.DataFrame) -> pd.DataFrame:
        if summary.empty:
            empty = pd.DataFrame(
                {
                    c: pd.Series(dtype=np.float64)
                    for c in ("gross_premium", "gross_claims", "ceded_premium", "ceded_claims", "commission")
                },
                index=pd.Index([], name="treaty_year", dtype=np.int64),
            )
            return results_table(empty)
        stage = summary.index.get_level_values("stage")
        layers = summary[~stage.isin(["gross", "net"])]
        gross = summary.xs("gross", level="stage")
        by_year = layers.groupby(level="treaty_year")
        ceded_premium = by_year["premium"].sum() + by_year["reinstatement_premium"].sum()
        table = pd.DataFrame(
            {
                "gross_premium": gross["premium"],
                "gross_claims": gross["claims"],
                "ceded_premium": ceded_premium.reindex(gross.index, fill_value=0.0),
                "ceded_claims": by_year["claims"].sum().reindex(gross.index, fill_value=0.0),
                "commission": (by_year["commission"].sum() + by_year["profit_commission"].sum()).reindex(
                    gross.index, fill_value=0.0
                ),
            }
        )
        return results_table(table)
