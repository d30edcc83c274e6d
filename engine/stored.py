"""The stored business as the engine's frames: the one adapter from a :class:`Session` to the engine.

Everything is read through the access interface's contract — OPEN DB in mode 1 (consult, which
sessions that modify the data do not block) and READ SELECTION — never SQL, so the same call gives
the same frames on every DBMS. Amounts arrive as the interface gives them (``Decimal``) and leave
as ``float64`` (the engine computes in floats; sums are exact to the cent at a company's scale);
dates leave as ``datetime64``.

``StoredBusiness(session)`` reads each record type once, when first needed:

* :meth:`~StoredBusiness.movements` — the dated loss movements of the losses not cancelled, with
  their loss's accident date, class of business (its contract's), event and the two signed
  increments a triangle needs: ``paid`` (payments, less recoveries) and ``incurred`` (the change
  of paid + outstanding);
* :meth:`~StoredBusiness.losses` — each loss's paid, outstanding, recovered and incurred at any
  date, from its movements; losses with no movement (entered before the history was kept, or
  through an older version of the schema) are listed by :meth:`~StoredBusiness.without_history`
  with their stored figures, and left out of anything dated;
* :meth:`~StoredBusiness.guaranties` — every guaranty as stored, its decimal items as ``float64``;
* :meth:`~StoredBusiness.guaranties_in_force` — the guaranties of the contracts in force at a date,
  composed over the term (a renewal or policy and its endorsements up to that date: sums insured
  and premiums add up, the other items are the last one's), with their class of business;
* :meth:`~StoredBusiness.terms` — each guaranty of each term entered by a date, composed over the
  term (sums insured and premiums added up, cancelled parts reduced to what they earned), with its
  class and the term's start; :meth:`~StoredBusiness.loss_weights` — how each loss spreads over
  the guaranties it damaged (or its term's);
* :meth:`~StoredBusiness.treaties`, :meth:`~StoredBusiness.placements`,
  :meth:`~StoredBusiness.cessions` — the reinsurance program, its placement and the cessions of
  guaranties, decomposable terms flattened (``layer_priority``, ``premium_rate_pct``…).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.engine.errors import EngineError
from assurdb.metadb.contract import Mode, Session
from assurdb.metadb.progress import Progress

__all__ = ["StoredBusiness", "covered_by", "covering"]

#: What the adapter reads (each in mode 1).
READ = ("PRA", "Guaranty", "Loss", "LossMovement", "Treaty", "Placement", "ReinsuranceCession")


#: What :func:`pandas.api.types.infer_dtype` answers for a column ``float`` converts as :func:`_float` does.
_NUMBERS = frozenset(("decimal", "floating", "integer", "mixed-integer-float", "empty"))


def _floats(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame.columns:
            frame[column] = _float_column(frame[column])
    return frame


def _float_column(column: pd.Series) -> pd.Series:
    """``column`` as float64, nulls NaN: numpy's conversion (one ``float()`` per value in C) when every
    value is a number, which the type inference settles in C too; else value by value, which names
    the first value that is not an amount."""
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in _NUMBERS:
        missing = pd.isna(values)
        out = np.full(len(values), np.nan)
        out[~missing] = values[~missing].astype("float64")
        return pd.Series(out, index=column.index, name=column.name)
    return pd.to_numeric(column.map(_float), errors="raise").astype("float64")


def _float(value: Any) -> float:
    if value is None or value is pd.NA:
        return np.nan
    if isinstance(value, Decimal | int | float | np.number):
        return float(value)
    raise EngineError(f"not an amount: {value!r}")


def _cents(values: np.ndarray) -> np.ndarray:
    return np.round(values + 0.0, 2)


def isin(column: pd.Series, values: Iterable[Any]) -> pd.Series:
    """``column.isin(values)`` by one hash lookup: pandas' own ``isin`` walks a text column value by
    value in Python (0.7 s for 300 000 codes, against 0.1 s here)."""
    unique = pd.unique(pd.Series(list(values) if not isinstance(values, pd.Series | pd.Index | np.ndarray) else values))
    found = pd.Index(unique).get_indexer(pd.Index(column)) >= 0 if len(unique) else np.zeros(len(column), dtype=bool)
    return pd.Series(found, index=column.index, name=column.name)


def _day(value: dt.date | str | pd.Timestamp | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (TypeError, ValueError) as error:
        raise EngineError(f"as_of is a date, not {value!r}") from error


class StoredBusiness:
    """The frames of the business stored behind ``session`` (see the module docstring)."""

    def __init__(self, session: Session, *, timeout: float = DEFAULT_TIMEOUT, progress: Progress | None = None) -> None:
        """``progress`` hears of each record type read (of ``READ``), as it is first needed."""
        missing = [rt for rt in READ if rt not in session.schema.record_types]
        if missing:
            raise EngineError(
                f"the database's schema ({session.schema.name} version {session.schema.version}) has no "
                f"{', '.join(missing)}: upgrade it with `assurdb migrate apply --db URL`"
            )
        self.session = session
        self.timeout = timeout
        self.progress = progress
        self._frames: dict[str, pd.DataFrame] = {}
        self._read = 0

    # -- reading -------------------------------------------------------------------------------------
    def frame(self, rt: str) -> pd.DataFrame:
        """Every occurrence of ``rt`` (READ SELECTION in mode 1), read once; a copy."""
        if rt not in self._frames:
            with opened(self.session, [(rt, Mode.CONSULT)], timeout=self.timeout) as reply:
                if not reply.ok:
                    raise EngineError(f"cannot open {rt}: {reply.message} (code {int(reply.rc)})")
                read = self.session.read_selection(rt, {})
            if not read.ok or read.batch is None:
                raise EngineError(f"cannot read {rt}: {read.message} (code {int(read.rc)})")
            self._frames[rt] = read.batch
            self._read += 1
            if self.progress is not None:
                self.progress("reading the stored business", min(self._read, len(READ)), len(READ))
        return self._frames[rt].copy()

    def _classes(self) -> pd.DataFrame:
        pra = self.frame("PRA")[["policy_no", "renewal_no", "endorsement_no", "class_of_business"]]
        return pra.rename(columns={c: f"accident_{c}" for c in ("policy_no", "renewal_no", "endorsement_no")})

    def _live_losses(self) -> pd.DataFrame:
        if "live losses" not in self._frames:  # built once: most frames start from it
            loss = self.frame("Loss")
            loss = loss[loss["cancellation_date"].isna()]
            loss = loss.merge(
                self._classes(), how="left", on=["accident_policy_no", "accident_renewal_no", "accident_endorsement_no"]
            )
            self._frames["live losses"] = _floats(loss, ("amount", "paid", "outstanding", "recovered"))
        return self._frames["live losses"].copy()

    # -- losses ----------------------------------------------------------------------------------------
    def movements(self, as_of: dt.date | str | None = None) -> pd.DataFrame:
        """The movements of the losses not cancelled, dated up to ``as_of`` (all by default), in
        loss and movement order: ``loss_code, movement_no, kind, movement_date, amount,
        outstanding_after, accident_date, class_of_business, event_id, territory, paid, incurred``."""
        if "movement floats" not in self._frames:
            self._frames["movement floats"] = _floats(self.frame("LossMovement"), ("amount", "outstanding_after"))
        moves = self._frames["movement floats"].copy()
        losses = self._live_losses()[["code", "loss_date", "class_of_business", "event_id", "territory"]]
        moves = moves.merge(losses.rename(columns={"code": "loss_code", "loss_date": "accident_date"}), on="loss_code")
        limit = _day(as_of)
        if limit is not None:
            moves = moves[moves["movement_date"] <= limit]
        moves = moves.sort_values(["loss_code", "movement_no"], kind="stable").reset_index(drop=True)
        sign = moves["kind"].map({"payment": 1.0, "recovery": -1.0, "reserve": 0.0}).astype("float64")
        moves["paid"] = sign * moves["amount"]
        level = moves.groupby("loss_code", sort=False)["paid"].cumsum() + moves["outstanding_after"]
        # to the cent: the differences of float sums carry 1e-12 noise
        moves["incurred"] = (level - level.groupby(moves["loss_code"], sort=False).shift(1, fill_value=0.0)).round(2)
        return moves

    def losses(self, as_of: dt.date | str | None = None) -> pd.DataFrame:
        """Each loss not cancelled that has a history, with ``paid`` (payments), ``recovered``,
        ``outstanding`` and ``incurred`` (paid + outstanding − recovered) at ``as_of`` — from the
        movements dated up to then (every movement by default); losses that occurred after
        ``as_of`` are left out."""
        moves = self.movements(as_of)
        losses = self._live_losses()
        limit = _day(as_of)
        if limit is not None:
            losses = losses[losses["loss_date"] <= limit]
        paid = moves["amount"].where(moves["kind"] == "payment", 0.0)
        recovered = moves["amount"].where(moves["kind"] == "recovery", 0.0)
        figures = (
            pd.DataFrame(
                {
                    "loss_code": moves["loss_code"],
                    "paid": paid,
                    "recovered": recovered,
                    "outstanding": moves["outstanding_after"],
                }
            )
            .groupby("loss_code", sort=False)
            .agg(paid=("paid", "sum"), recovered=("recovered", "sum"), outstanding=("outstanding", "last"))
        )
        figures = figures.round(2)
        figures["incurred"] = (figures["paid"] + figures["outstanding"] - figures["recovered"]).round(2)
        kept = losses.drop(columns=["paid", "outstanding", "recovered", "amount"]).merge(
            figures, left_on="code", right_index=True, how="inner"
        )
        return kept.sort_values("code", kind="stable").reset_index(drop=True)

    def without_history(self) -> pd.DataFrame:
        """The losses not cancelled that have no movement, with their stored figures."""
        losses = self._live_losses()
        moved = set(self.frame("LossMovement")["loss_code"])
        return losses[~isin(losses["code"], moved)].reset_index(drop=True)

    # -- production -------------------------------------------------------------------------------------
    def guaranties(self) -> pd.DataFrame:
        """Every guaranty as stored (READ SELECTION, identifier order): the record type's items, its
        decimal items — ``share_pct``, ``sum_insured``, ``premium``, ``damage_amount``, ``damage_pct`` —
        as ``float64`` (nulls NaN), its dates as ``datetime64``."""
        if "Guaranty floats" not in self._frames:  # converted once: several frames start from it
            schema = self.session.schema.record_types["Guaranty"]
            money = [i.name for i in schema.items if i.type == "decimal" and i.repetitive is None]
            self._frames["Guaranty floats"] = _floats(self.frame("Guaranty"), money)
        return self._frames["Guaranty floats"].copy()

    def guaranties_in_force(self, as_of: dt.date | str) -> pd.DataFrame:
        """The guaranties of the contracts in force at ``as_of`` (the last PRA of each policy whose
        cover contains the date, not cancelled by then), composed over the term: ``policy_no,
        renewal_no, endorsement_no`` (the contract in force), ``guaranty_no, peril, sum_insured,
        premium, class_of_business, cover_start, cover_end``."""
        at = _day(as_of)
        if at is None:
            raise EngineError("guaranties_in_force needs the date (as_of)")
        pra = self.frame("PRA")
        keys = ["policy_no", "renewal_no", "endorsement_no"]
        covering = pra[(pra["cover_start"] <= at) & (pra["cover_end"] >= at)]
        latest = covering.sort_values(keys, kind="stable").groupby("policy_no", sort=False).tail(1)
        latest = latest[latest["cancellation_date"].isna() | (latest["cancellation_date"] > at)]
        term = latest[[*keys, "class_of_business", "cover_start", "cover_end"]].rename(
            columns={"endorsement_no": "in_force_endorsement_no"}
        )
        guaranties = self.guaranties()
        parts = guaranties.merge(term, on=["policy_no", "renewal_no"])
        parts = parts[parts["endorsement_no"] <= parts["in_force_endorsement_no"]]
        parts = parts[parts["cancellation_date"].isna() | (parts["cancellation_date"] > at)]
        parts = parts.sort_values([*keys, "guaranty_no"], kind="stable")
        composed = parts.groupby(["policy_no", "renewal_no", "guaranty_no"], sort=True).agg(
            endorsement_no=("in_force_endorsement_no", "last"),
            peril=("peril", "last"),
            sum_insured=("sum_insured", "sum"),
            premium=("premium", "sum"),
            class_of_business=("class_of_business", "last"),
            cover_start=("cover_start", "last"),
            cover_end=("cover_end", "last"),
        )
        composed = composed.reset_index()
        return composed[["policy_no", "renewal_no", "endorsement_no", "guaranty_no", "peril", "sum_insured",
                         "premium", "class_of_business", "cover_start", "cover_end"]]  # fmt: skip

    def terms(self, as_of: dt.date | str | pd.Timestamp) -> pd.DataFrame:
        """Each guaranty of a term (policy or renewal, previous terms left out) entered by ``as_of``,
        composed over the term: its sum insured and premium added up over the endorsements (the
        premium of a part cancelled by ``as_of`` reduced to what it earned, as ACCOUNT returns it):
        ``policy_no, renewal_no, guaranty_no, sum_insured, premium, class_of_business, term_end``
        (the last part's cover end), ``term_start`` and ``year`` (the term start's, the year a
        treaty attaching risks sees)."""
        at = _day(as_of)
        if at is None:
            raise EngineError("terms needs the date (as_of)")
        term, guaranty = ["policy_no", "renewal_no"], ["policy_no", "renewal_no", "guaranty_no"]
        pra = self.frame("PRA")
        pra = pra[~pra["previous_term"].fillna(False).astype(bool)]
        pra = pra[pra["cover_start"] <= at]
        term_cancel = pra.groupby(term)["cancellation_date"].min().rename("term_cancelled")
        parts = self.guaranties()[[*guaranty, "endorsement_no", "sum_insured", "premium", "cancellation_date"]]
        parts = parts.rename(columns={"cancellation_date": "guaranty_cancelled"})
        parts = parts.merge(
            pra[[*term, "endorsement_no", "class_of_business", "cover_start", "cover_end"]],
            on=[*term, "endorsement_no"],
        ).merge(term_cancel, left_on=term, right_index=True, how="left")
        stop = parts[["term_cancelled", "guaranty_cancelled"]].min(axis=1)
        stop = stop.where(stop <= at)
        total = (parts["cover_end"] - parts["cover_start"]).dt.days + 1
        unexpired = ((parts["cover_end"] - stop.clip(lower=parts["cover_start"])).dt.days + 1).clip(lower=0)
        kept = 1.0 - (unexpired / total.where(total > 0)).clip(upper=1.0)
        premium = parts["premium"].fillna(0.0)
        parts["written"] = np.where(stop.notna(), premium - _cents((premium * (1.0 - kept)).to_numpy()), premium)
        parts["sum_insured"] = parts["sum_insured"].fillna(0.0)
        parts = parts.sort_values([*guaranty, "endorsement_no"], kind="stable")
        terms = parts.groupby(guaranty, sort=True).agg(
            sum_insured=("sum_insured", "sum"),
            premium=("written", "sum"),
            class_of_business=("class_of_business", "last"),
            term_end=("cover_end", "last"),
        )
        starts = self.term_starts().set_index(term)["term_start"]
        terms = terms.join(starts, on=term, how="inner").reset_index()
        terms["premium"] = _cents(terms["premium"].to_numpy())
        terms["year"] = terms["term_start"].dt.year
        return terms

    def loss_weights(self, losses: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
        """How each loss of ``losses`` (:meth:`losses`' columns) spreads over the guaranties of
        ``terms`` (:meth:`terms`' columns): ``loss_code, policy_no, renewal_no, guaranty_no,
        weight`` — the guaranties it damaged, weighted by the damage amounts (equally when none is
        given), or, when it damaged none, its term's guaranties weighted by their sums insured.
        Weights are not normalised."""
        guaranty = ["policy_no", "renewal_no", "guaranty_no"]
        guaranties = self.guaranties()
        damaged = guaranties[guaranties["damage_code"].notna()][[*guaranty, "damage_code", "damage_amount"]]
        damaged = damaged.rename(columns={"damage_code": "loss_code", "damage_amount": "weight"})
        damaged = damaged[isin(damaged["loss_code"], losses["code"])]
        damaged = damaged.groupby(["loss_code", *guaranty], as_index=False).agg(weight=("weight", "sum"))
        damaged["weight"] = damaged["weight"].where(damaged["weight"] > 0, 1.0)
        undamaged = losses[~isin(losses["code"], damaged["loss_code"])][
            ["code", "accident_policy_no", "accident_renewal_no"]
        ]
        by_term = undamaged.rename(
            columns={"code": "loss_code", "accident_policy_no": "policy_no", "accident_renewal_no": "renewal_no"}
        ).merge(terms[[*guaranty, "sum_insured"]], on=["policy_no", "renewal_no"])
        by_term = by_term.rename(columns={"sum_insured": "weight"})
        by_term["weight"] = by_term["weight"].where(by_term["weight"] > 0, 1.0)
        return pd.concat([damaged, by_term[["loss_code", *guaranty, "weight"]]], ignore_index=True)

    # -- reinsurance ---------------------------------------------------------------------------------------
    def treaties(self, underwriting_year: int | None = None) -> pd.DataFrame:
        """The treaties (of one underwriting year, or all) in year and rank order, decomposable
        items flattened (``layer_priority``, ``layer_limit``, ``layer_aad``…, ``premium_scheme``…),
        rates in % and amounts as floats; ``classes`` a list (empty: every class)."""
        frame = self.frame("Treaty")
        if underwriting_year is not None:
            frame = frame[frame["underwriting_year"] == underwriting_year]
        schema = self.session.schema.record_types["Treaty"]
        for item in schema.items:
            for sub in item.sub_items:
                frame[f"{item.name}_{sub.name}"] = [
                    v.get(sub.name) if isinstance(v, Mapping) else None for v in frame[item.name]
                ]
            if item.decomposable:
                frame = frame.drop(columns=[item.name])
        frame["classes"] = [[c for c in (v or []) if c] for v in frame["classes"]]
        frame["reinstatement_rates"] = [
            [float(r) for r in (v or []) if r is not None] for v in frame["reinstatement_rates"]
        ]
        money = [i.name for i in schema.items if i.type == "decimal" and i.repetitive is None]
        money += [f"{i.name}_{sub.name}" for i in schema.items for sub in i.sub_items if sub.type == "decimal"]
        frame = _floats(frame, money)
        return frame.sort_values(["underwriting_year", "rank", "code"], kind="stable").reset_index(drop=True)

    def placements(self) -> pd.DataFrame:
        """Each reinsurer's share of each treaty (``treaty_code, reinsurer_code, share_pct, role``)."""
        frame = _floats(self.frame("Placement"), ("share_pct",))
        return frame.sort_values(["treaty_code", "reinsurer_code"], kind="stable").reset_index(drop=True)

    def cessions(self) -> pd.DataFrame:
        """The reinsurance cessions not cancelled: the guaranty (``policy_no, renewal_no,
        endorsement_no, guaranty_no``), ``reinsurer_code``, ``treaty_ref``, ``treaty_code`` (the
        treaty linked, if any), ``ceded_pct``, ``commission_rate``."""
        frame = self.frame("ReinsuranceCession")
        frame = frame[frame["cancellation_date"].isna()]
        frame = frame.rename(
            columns={f"guaranty_sharing_{c}": c for c in ("policy_no", "renewal_no", "endorsement_no", "guaranty_no")}
            | {"reinsurance_code": "reinsurer_code"}
        )
        frame = _floats(frame, ("ceded_pct", "commission_rate"))
        return frame.sort_values("code", kind="stable").reset_index(drop=True)

    def term_starts(self) -> pd.DataFrame:
        """The start of each term (``policy_no, renewal_no, term_start``): its policy's or renewal's
        cover start, which its endorsements share as underwriting year."""
        pra = self.frame("PRA")
        terms = pra[pra["endorsement_no"] == 0][["policy_no", "renewal_no", "cover_start"]]
        return terms.rename(columns={"cover_start": "term_start"}).reset_index(drop=True)

    def surplus_ceded(self) -> pd.Series:
        """The percentage of each guaranty ceded by surplus (0–100), indexed by ``policy_no,
        renewal_no, guaranty_no``: its cessions linked to a surplus treaty, or linked to none but
        made as surplus cessions."""
        treaties = self.treaties()
        cessions = self.cessions()
        surplus = set(treaties.loc[treaties["kind"] == "surplus", "code"])
        unlinked = cessions["treaty_code"].isna() & (cessions["contract_type"] == "surplus")
        chosen = cessions[cessions["treaty_code"].isin(surplus) | unlinked]
        return chosen.groupby(["policy_no", "renewal_no", "guaranty_no"])["ceded_pct"].sum().clip(upper=100.0)


def covered_by(treaty: Mapping[str, Any] | pd.Series, klass: pd.Series, year: pd.DataFrame) -> pd.Series:
    """Which rows a treaty covers: its underwriting year — ``year["LORA"]`` (the term's) for a
    treaty attaching risks, ``year["LOD"]`` (the accident's or the cover's) for one attaching losses —
    and its classes of business (none listed: every class)."""
    hit: pd.Series = year[treaty["attachment"]] == treaty["underwriting_year"]
    if treaty["classes"]:
        hit &= isin(klass, treaty["classes"])
    return hit


def covering(treaties: pd.DataFrame, kind: str, klass: pd.Series, year: pd.DataFrame) -> pd.DataFrame:
    """For each row of ``klass`` / ``year``, the first treaty of ``kind`` in rank order that covers it
    (:func:`covered_by`): the treaty's columns (``code`` and its terms), NaN where none does."""
    code = pd.Series(pd.NA, index=klass.index, dtype="string")
    for _, treaty in treaties[treaties["kind"] == kind].iterrows():  # rank order: the first one wins
        code[covered_by(treaty, klass, year) & code.isna()] = treaty["code"]
    columns = treaties.set_index("code")
    return columns.reindex(code.to_numpy()).set_axis(klass.index).assign(code=code)
