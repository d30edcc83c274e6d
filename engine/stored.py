"""The stored business as the engine's frames: the one adapter from a :class:`Session` to the engine.

Everything is read through the access interface's contract — OPEN DB in mode 1 (consult, which
sessions that modify the data do not block) and READ SELECTION — never SQL, so the same call gives
the same frames on every DBMS. Amounts are read as ``float64`` (READ SELECTION's ``decimals="float"``:
the float nearest to each stored amount, on every DBMS; the engine computes in floats, and sums are
exact to the cent at a company's scale), so :meth:`~StoredBusiness.frame` hands decimal items as
floats; dates leave as ``datetime64``.

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

The frames of losses, movements and terms are built from tables of arrays, which the engine can
also compute on directly (``reinsure`` on a million guaranties does): :meth:`~StoredBusiness.movement_table`,
:meth:`~StoredBusiness.loss_table`, :meth:`~StoredBusiness.term_table` and :meth:`~StoredBusiness.spread`
(:meth:`~StoredBusiness.loss_weights` as positions). Their joins and groups run on integers: each
decimal item is converted to float64 once, each text identifier coded once and the composite
identifiers packed into one int64 (:mod:`~assurdb.engine.grouping`), the sums of groups added as
pandas adds them — the frames are the same, to the last bit, as joins and groups on the text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.engine.errors import EngineError
from assurdb.engine.grouping import Runs, codes, index_of, is_sorted, pack
from assurdb.metadb.contract import Mode, Session
from assurdb.metadb.progress import Progress

__all__ = ["LossTable", "MovementTable", "Spread", "StoredBusiness", "TermTable", "covered_by", "covering"]

#: What the adapter reads (each in mode 1).
READ = ("PRA", "Guaranty", "Loss", "LossMovement", "Treaty", "Placement", "ReinsuranceCession")


#: What :func:`pandas.api.types.infer_dtype` answers for a column ``float`` converts as :func:`_float` does.
_NUMBERS = frozenset(("decimal", "floating", "integer", "mixed-integer-float", "empty"))

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]


def _floats(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame.columns:
            frame[column] = _float_values(frame[column])
    return frame


def _float_values(column: pd.Series) -> FloatArray:
    """``column`` as float64, nulls NaN: a decimal item the adapter read as floats as it is, the
    amounts inside decomposable items (``Decimal`` objects: a treaty's layer) converted."""
    if column.dtype == np.float64:
        return np.array(column.to_numpy(), dtype=np.float64)  # a copy: the frame read stays as read
    return _converted(np.ascontiguousarray(column.to_numpy(dtype=object)))


def _converted(values: npt.NDArray[np.object_]) -> FloatArray:
    """``values`` as float64, nulls NaN: numpy's conversion (one ``float()`` per value in C) when
    every value is a number — the amounts of a decomposable item, tried first: the type
    inference costs a fifth of the conversion — or every value but the nulls; else value by value,
    which names the first value that is not an amount."""
    try:
        return values.astype("float64")
    except (TypeError, ValueError):  # nulls, or something that is not a number
        pass
    if pd.api.types.infer_dtype(values, skipna=True) in _NUMBERS:
        missing = pd.isna(values)
        out = np.full(len(values), np.nan)
        out[~missing] = values[~missing].astype("float64")
        return out
    return pd.to_numeric(pd.Series(values, dtype=object).map(_float), errors="raise").to_numpy(dtype="float64")


def _float(value: Any) -> float:
    if value is None or value is pd.NA:
        return np.nan
    if isinstance(value, Decimal | int | float | np.number):
        return float(value)
    raise EngineError(f"not an amount: {value!r}")


def _cents(values: np.ndarray) -> np.ndarray:
    return np.round(values + 0.0, 2)


def _ints(column: pd.Series) -> IntArray:
    """An integer identifier column as int64 (nulls −1)."""
    return np.asarray(column.to_numpy(dtype=np.int64, na_value=-1), dtype=np.int64)


def _dates(column: pd.Series) -> DateArray:
    return np.asarray(column.to_numpy(), dtype="datetime64[s]")


def _second(day: pd.Timestamp) -> np.datetime64:
    """``day`` in the unit of :func:`_dates` (compared with a date in nanoseconds, a million dates
    would first be converted)."""
    second: np.datetime64 = day.to_datetime64().astype("datetime64[s]")
    return second


def _pick(values: Any, rows: IntArray | None) -> Any:
    """``values`` at ``rows``, or all of them as they are (None)."""
    return values if rows is None else values[rows]


def _increasing(key: IntArray) -> bool:
    """Whether ``key`` strictly increases (sorted, no two equal)."""
    return bool(key.size < 2 or (key[1:] > key[:-1]).all())


def _position(names: pd.Index, name: str) -> int:
    """Where ``name`` stands among the factorized ``names`` (−2, no code, when absent)."""
    found = np.flatnonzero(names.to_numpy(dtype=object) == name)
    return int(found[0]) if found.size else -2


@dataclass(frozen=True)
class MovementTable:
    """Every movement of the losses not cancelled, in loss and movement order, as arrays."""

    row: IntArray  #: its LossMovement row
    loss: IntArray  #: its loss's Loss row
    code: IntArray  #: its loss's code (:meth:`StoredBusiness._loss_codes`)
    date: DateArray
    amount: FloatArray
    outstanding: FloatArray  #: ``outstanding_after``
    sign: FloatArray  #: what it adds to the paid: 1 a payment, −1 a recovery, 0 a reserve
    payment: npt.NDArray[np.bool_]
    recovery: npt.NDArray[np.bool_]

    def up_to(self, limit: pd.Timestamp | None) -> slice | npt.NDArray[np.bool_]:
        """The movements dated up to ``limit`` (all when None)."""
        return slice(None) if limit is None else self.date <= _second(limit)


@dataclass(frozen=True)
class LossTable:
    """The losses of :meth:`StoredBusiness.losses` in its order, as arrays."""

    row: IntArray  #: its Loss row
    code: IntArray
    pra: IntArray  #: the PRA row of its accident contract (−1: none)
    term: IntArray  #: its accident contract's term (policy, renewal), as packed in the terms
    paid: FloatArray
    recovered: FloatArray
    outstanding: FloatArray


@dataclass(frozen=True)
class TermTable:
    """The rows of :meth:`StoredBusiness.terms` in its order, as arrays."""

    guaranty: IntArray  #: a Guaranty row of it (its identifier)
    key: IntArray  #: its identifier (policy, renewal, guaranty number) packed
    term: IntArray  #: its term's identifier (policy, renewal) packed
    sum_insured: FloatArray
    premium: FloatArray
    class_row: IntArray  #: the PRA row whose class of business it has (−1: none)
    end_row: IntArray  #: the PRA row whose cover end ends it (−1: none)
    start_row: IntArray  #: the PRA row of its term's start (endorsement 0)
    term_start: DateArray
    year: IntArray  #: the term start's
    quarter: IntArray  #: the term start's: year · 4 + quarter − 1


@dataclass(frozen=True)
class Spread:
    """How each loss spreads over guaranties (:meth:`StoredBusiness.loss_weights`) as positions: the
    first ``damaged`` rows are the guaranties the losses damaged (``guaranty``: a Guaranty row of
    each), the others the guaranties of the terms of the losses that damaged none."""

    loss: IntArray  #: position in the losses
    term: IntArray  #: position in the terms (−1: not among them)
    guaranty: IntArray
    weight: FloatArray
    damaged: int


def _spread(
    loss_code: IntArray,
    loss_term: IntArray,
    term_key: IntArray,
    term_term: IntArray,
    sum_insured: FloatArray,
    damaged: IntArray,
    damage: IntArray,
    guaranty_key: IntArray,
    damage_amount: FloatArray,
) -> Spread:
    """:class:`Spread` of the losses (their codes and accident terms) over the terms (their keys,
    terms and sums insured), from each guaranty's damage (the loss's code, −1: none) and key."""
    loss = index_of(damage, loss_code)
    mine = loss >= 0
    rows, loss, amount = damaged[mine], loss[mine], damage_amount[mine]
    order = pack(damage[mine], guaranty_key[rows])
    if not is_sorted(order):  # by loss, then guaranty
        moved = np.argsort(order, kind="stable")
        rows, loss, amount, order = rows[moved], loss[moved], amount[moved], order[moved]
    runs = Runs(order)
    weight = runs.sum(amount)
    damaged_rows, damaged_loss = runs.first(rows), runs.first(loss)
    # the losses that damaged none: their term's guaranties, in the terms' order
    undamaged = np.ones(len(loss_code), dtype=bool)
    undamaged[damaged_loss] = False
    rest = np.flatnonzero(undamaged)
    order = np.arange(len(term_term)) if is_sorted(term_term) else np.argsort(term_term, kind="stable")
    terms = Runs(term_term[order])
    run = index_of(loss_term[rest], terms.first(term_term[order]))
    rest, run = rest[run >= 0], run[run >= 0]
    counts = terms.lengths[run]
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    by_term = order[np.repeat(terms.starts[run], counts) + within]
    weights = np.concatenate([weight, sum_insured[by_term]])
    return Spread(
        loss=np.concatenate([damaged_loss, np.repeat(rest, counts)]),
        term=np.concatenate([index_of(guaranty_key[damaged_rows], term_key), by_term]),
        guaranty=np.concatenate([damaged_rows, np.full(by_term.size, -1)]),
        weight=np.where(weights > 0, weights, 1.0),
        damaged=int(damaged_rows.size),
    )


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
        #: columns converted and keys coded once (the tables below)
        self._arrays: dict[str, Any] = {}
        self._read = 0

    # -- reading -------------------------------------------------------------------------------------
    def frame(self, rt: str) -> pd.DataFrame:
        """Every occurrence of ``rt`` (READ SELECTION in mode 1), read once, its decimal items as
        ``float64`` (NaN for null); a copy. The exact amounts are the session's ``read_selection``.

        The first record type of :data:`READ` asked for brings the others not read yet with it, in
        one opening: the engine needs them together, and an OPEN DB and a CLOSE apiece were a fifth
        of reading a million guaranties on DuckDB."""
        if rt not in self._frames:
            rts = [r for r in READ if r not in self._frames] if rt in READ else [rt]
            with opened(self.session, [(r, Mode.CONSULT) for r in rts], timeout=self.timeout) as reply:
                if not reply.ok:
                    raise EngineError(f"cannot open {', '.join(rts)}: {reply.message} (code {int(reply.rc)})")
                for one in rts:
                    read = self.session.read_selection(one, {}, decimals="float")
                    if not read.ok or read.batch is None:
                        raise EngineError(f"cannot read {one}: {read.message} (code {int(read.rc)})")
                    self._frames[one] = read.batch
                    self._read += one in READ
                    if self.progress is not None and one in READ:
                        self.progress("reading the stored business", self._read, len(READ))
        return self._frames[rt].copy(deep=False)  # pandas copies on write: a copy without copying

    def _stored(self, rt: str) -> pd.DataFrame:
        """``rt``'s frame as read, not a copy: for the adapter's own columns, never handed out."""
        if rt not in self._frames:
            self.frame(rt)
        return self._frames[rt]

    def values(self, rt: str, item: str, rows: IntArray) -> Any:
        """``rt``'s ``item`` at the frame's ``rows`` (−1: null), in the frame's own type."""
        return self._stored(rt)[item].array.take(rows, allow_fill=True)

    def item_codes(self, rt: str, item: str) -> tuple[IntArray, pd.Index]:
        """``rt``'s ``item`` as codes (−1: null) of its distinct values, and those values; coded once."""
        key = f"{rt}.{item} codes"
        if key not in self._arrays:
            found, distinct = pd.factorize(self._stored(rt)[item])
            self._arrays[key] = (np.asarray(found, dtype=np.int64), pd.Index(distinct))
        coded: tuple[IntArray, pd.Index] = self._arrays[key]
        return coded

    def _money(self, rt: str, item: str) -> FloatArray:
        """``rt``'s decimal ``item`` as float64 (nulls NaN), converted once."""
        key = f"{rt}.{item} floats"
        if key not in self._arrays:
            self._arrays[key] = _float_values(self._stored(rt)[item])
        converted: FloatArray = self._arrays[key]
        return converted

    def _policy_keys(self) -> dict[str, IntArray]:
        """The identifiers of the PRA, the guaranties and the losses' accident contracts as integers of
        one key space (:mod:`~assurdb.engine.grouping`): per frame (``pra``, ``guaranty``, ``loss``)
        its ``term`` (policy, renewal) and ``part`` (policy, renewal, endorsement); ``guaranty_key``
        (policy, renewal, guaranty number) of each guaranty."""
        if "policy keys" not in self._arrays:
            frames = (self._stored("PRA"), self._stored("Guaranty"), self._stored("Loss"))
            prefixes = ("", "", "accident_")
            sizes = [len(f) for f in frames]
            policy = codes(*(f[f"{p}policy_no"] for f, p in zip(frames, prefixes, strict=True)))
            renewal = [_ints(f[f"{p}renewal_no"]) for f, p in zip(frames, prefixes, strict=True)]
            endorsement = [_ints(f[f"{p}endorsement_no"]) for f, p in zip(frames, prefixes, strict=True)]
            term = np.split(pack(np.concatenate(policy), np.concatenate(renewal)), np.cumsum(sizes)[:-1])
            part = np.split(pack(np.concatenate(term), np.concatenate(endorsement)), np.cumsum(sizes)[:-1])
            keys = {f"{name}_{what}": values[i] for what, values in (("term", term), ("part", part))
                    for i, name in enumerate(("pra", "guaranty", "loss"))}  # fmt: skip
            keys["guaranty_key"] = pack(term[1], _ints(frames[1]["guaranty_no"]))
            keys["loss_pra"] = index_of(part[2], part[0])
            self._arrays["policy keys"] = keys
        found: dict[str, IntArray] = self._arrays["policy keys"]
        return found

    def _loss_codes(self) -> dict[str, IntArray]:
        """The losses' codes as integers of one dictionary: ``loss`` (each Loss), ``movement`` (each
        LossMovement's loss), ``damage`` (the loss that damaged each guaranty, −1: none)."""
        if "loss codes" not in self._arrays:
            damage = self._stored("Guaranty")["damage_code"]
            damaged = np.flatnonzero(damage.notna().to_numpy())  # a few guaranties: the others need no code
            loss, movement, by_damage = codes(
                self._stored("Loss")["code"], self._stored("LossMovement")["loss_code"], damage.take(damaged)
            )
            self._arrays["loss codes"] = {"loss": loss, "movement": movement, "damaged": damaged, "damage": by_damage}
        coded: dict[str, IntArray] = self._arrays["loss codes"]
        return coded

    def _live_losses(self, rows: IntArray) -> pd.DataFrame:
        """The Loss ``rows`` with their contract's class of business, their figures as floats."""
        loss = self._stored("Loss").take(rows).reset_index(drop=True)
        pra = self._policy_keys()["loss_pra"][rows]
        loss["class_of_business"] = self._stored("PRA")["class_of_business"].array.take(pra, allow_fill=True)
        return _floats(loss, ("amount", "paid", "outstanding", "recovered"))

    # -- losses ----------------------------------------------------------------------------------------
    def movement_table(self) -> MovementTable:
        """Every movement of the losses not cancelled, in loss and movement order (built once)."""
        if "movements" not in self._arrays:
            moves, loss = self._stored("LossMovement"), self._stored("Loss")
            found = self._loss_codes()
            of = index_of(found["movement"], found["loss"])
            live = loss["cancellation_date"].isna().to_numpy()
            rows = np.flatnonzero((of >= 0) & live[np.maximum(of, 0)])
            number = _ints(moves["movement_no"])[rows]
            order = pack(found["movement"][rows], number)
            if not is_sorted(order):
                rows = rows[np.argsort(order, kind="stable")]
            kinds, names = pd.factorize(moves["kind"])
            sign = pd.Series(names).map({"payment": 1.0, "recovery": -1.0, "reserve": 0.0}).to_numpy(dtype=np.float64)
            kind = np.asarray(kinds, dtype=np.int64)[rows]
            self._arrays["movements"] = MovementTable(
                row=rows,
                loss=of[rows],
                code=found["movement"][rows],
                date=_dates(moves["movement_date"])[rows],
                amount=self._money("LossMovement", "amount")[rows],
                outstanding=self._money("LossMovement", "outstanding_after")[rows],
                sign=np.where(kind >= 0, sign[np.maximum(kind, 0)], np.nan),
                payment=kind == _position(names, "payment"),
                recovery=kind == _position(names, "recovery"),
            )
        table: MovementTable = self._arrays["movements"]
        return table

    def movements(self, as_of: dt.date | str | None = None) -> pd.DataFrame:
        """The movements of the losses not cancelled, dated up to ``as_of`` (all by default), in
        loss and movement order: ``loss_code, movement_no, kind, movement_date, amount,
        outstanding_after, accident_date, class_of_business, event_id, territory, paid, incurred``."""
        table = self.movement_table()
        chosen = table.up_to(_day(as_of))
        moves = self._stored("LossMovement").take(table.row[chosen]).reset_index(drop=True)
        moves["amount"], moves["outstanding_after"] = table.amount[chosen], table.outstanding[chosen]
        loss = self._stored("Loss")
        of = table.loss[chosen]
        moves["accident_date"] = loss["loss_date"].array.take(of)
        pra = self._policy_keys()["loss_pra"][of]
        moves["class_of_business"] = self._stored("PRA")["class_of_business"].array.take(pra, allow_fill=True)
        moves["event_id"] = loss["event_id"].array.take(of)
        moves["territory"] = loss["territory"].array.take(of)
        moves["paid"] = table.sign[chosen] * moves["amount"]
        code = table.code[chosen]
        level = moves["paid"].groupby(code, sort=False).cumsum() + moves["outstanding_after"]
        # to the cent: the differences of float sums carry 1e-12 noise
        moves["incurred"] = (level - level.groupby(code, sort=False).shift(1, fill_value=0.0)).round(2)
        return moves

    def loss_table(self, as_of: dt.date | str | None = None) -> LossTable:
        """The losses of :meth:`losses` (not cancelled, occurred by ``as_of``, with a movement by
        then) in code order, with their figures at ``as_of`` from their movements."""
        limit = _day(as_of)
        table = self.movement_table()
        chosen = table.up_to(limit)
        runs = Runs(table.code[chosen])
        loss = self._stored("Loss")
        keep = loss["cancellation_date"].isna().to_numpy()
        if limit is not None:
            keep = keep & (_dates(loss["loss_date"]) <= _second(limit))
        rows = np.flatnonzero(keep)
        found = self._loss_codes()["loss"]
        if not is_sorted(found[rows]):
            rows = rows[np.argsort(found[rows], kind="stable")]
        run = index_of(found[rows], runs.first(table.code[chosen]))
        rows, run = rows[run >= 0], run[run >= 0]
        amount, outstanding = table.amount[chosen], table.outstanding[chosen]
        last = runs.last(~np.isnan(outstanding))
        paid = np.round(runs.sum(np.where(table.payment[chosen], amount, 0.0)), 2)
        recovered = np.round(runs.sum(np.where(table.recovery[chosen], amount, 0.0)), 2)
        held = np.round(np.where(last >= 0, outstanding[np.maximum(last, 0)], np.nan), 2).astype(np.float64)
        keys = self._policy_keys()
        return LossTable(
            row=rows,
            code=found[rows],
            pra=keys["loss_pra"][rows],
            term=keys["loss_term"][rows],
            paid=paid[run],
            recovered=recovered[run],
            outstanding=held[run],
        )

    def losses(self, as_of: dt.date | str | None = None) -> pd.DataFrame:
        """Each loss not cancelled that has a history, with ``paid`` (payments), ``recovered``,
        ``outstanding`` and ``incurred`` (paid + outstanding − recovered) at ``as_of`` — from the
        movements dated up to then (every movement by default); losses that occurred after
        ``as_of`` are left out."""
        table = self.loss_table(as_of)
        loss = self._stored("Loss").take(table.row).drop(columns=["paid", "outstanding", "recovered", "amount"])
        loss = loss.reset_index(drop=True)
        loss["class_of_business"] = self._stored("PRA")["class_of_business"].array.take(table.pra, allow_fill=True)
        loss["paid"], loss["recovered"], loss["outstanding"] = table.paid, table.recovered, table.outstanding
        loss["incurred"] = np.round(table.paid + table.outstanding - table.recovered, 2)
        return loss

    def without_history(self) -> pd.DataFrame:
        """The losses not cancelled that have no movement, with their stored figures."""
        loss = self._stored("Loss")
        moved = np.zeros(len(loss), dtype=bool)
        moved[self.movement_table().loss] = True
        return self._live_losses(np.flatnonzero(loss["cancellation_date"].isna().to_numpy() & ~moved))

    # -- production -------------------------------------------------------------------------------------
    def guaranties(self) -> pd.DataFrame:
        """Every guaranty as stored (READ SELECTION, identifier order): the record type's items, its
        decimal items — ``share_pct``, ``sum_insured``, ``premium``, ``damage_amount``, ``damage_pct`` —
        as ``float64`` (nulls NaN), its dates as ``datetime64``."""
        if "Guaranty floats" not in self._frames:  # converted once: several frames start from it
            schema = self.session.schema.record_types["Guaranty"]
            frame = self.frame("Guaranty")
            for item in (i.name for i in schema.items if i.type == "decimal" and i.repetitive is None):
                frame[item] = self._money("Guaranty", item)
            self._frames["Guaranty floats"] = frame
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

    def term_table(self, as_of: dt.date | str | pd.Timestamp) -> TermTable:
        """The rows of :meth:`terms` (same order) as arrays: what the engine computes on."""
        at = _day(as_of)
        if at is None:
            raise EngineError("terms needs the date (as_of)")
        limit = _second(at)
        keys = self._policy_keys()
        pra, guaranty = self._stored("PRA"), self._stored("Guaranty")
        start, end = _dates(pra["cover_start"]), _dates(pra["cover_end"])
        previous = pra["previous_term"].to_numpy(dtype=bool, na_value=False)
        entered = np.flatnonzero(~previous & (start <= limit))
        at_entered = index_of(keys["guaranty_part"], keys["pra_part"][entered])
        # the guaranties of the PRA entered, as stored (None: all of them, nothing to gather)
        parts = None if (at_entered >= 0).all() else np.flatnonzero(at_entered >= 0)
        of = entered[_pick(at_entered, parts)]  # the PRA of each
        # a part stops at its term's first cancellation or its own, when that comes by ``at``
        stop = _pick(_dates(guaranty["cancellation_date"]), parts)
        cancelled = entered[~np.isnat(_dates(pra["cancellation_date"])[entered])]
        if cancelled.size:
            first = (
                pd.Series(_dates(pra["cancellation_date"])[cancelled])
                .groupby(keys["pra_term"][cancelled], sort=False)
                .min()
            )
            where = index_of(_pick(keys["guaranty_term"], parts), first.index.to_numpy())
            term_stop = np.where(where >= 0, first.to_numpy()[np.maximum(where, 0)], np.datetime64("NaT"))
            stop = np.where(np.isnat(stop) | (term_stop < stop), term_stop, stop)
        stopped = np.flatnonzero(stop <= limit)  # (never a NaT)
        written = _pick(self._money("Guaranty", "premium"), parts)
        written = np.where(np.isnan(written), 0.0, written)
        if stopped.size:  # the premium of a part cancelled by ``at`` reduced to what it earned
            cover_start, cover_end = pd.Series(start[of[stopped]]), pd.Series(end[of[stopped]])
            total = (cover_end - cover_start).dt.days + 1
            unexpired = ((cover_end - pd.Series(stop[stopped]).clip(lower=cover_start)).dt.days + 1).clip(lower=0)
            kept = 1.0 - (unexpired / total.where(total > 0)).clip(upper=1.0)
            part_premium = pd.Series(written[stopped])
            written[stopped] = part_premium - _cents((part_premium * (1.0 - kept)).to_numpy())
        sum_insured = _pick(self._money("Guaranty", "sum_insured"), parts)
        sum_insured = np.where(np.isnan(sum_insured), 0.0, sum_insured)
        key = _pick(keys["guaranty_key"], parts)
        if not _increasing(key):
            order = pack(key, _pick(_ints(guaranty["endorsement_no"]), parts))
            if not is_sorted(order):  # endorsements after the terms' first part: by guaranty, then endorsement
                moved = np.argsort(order, kind="stable")
                parts = moved if parts is None else parts[moved]
                of, key, written, sum_insured = of[moved], key[moved], written[moved], sum_insured[moved]
        runs = Runs(key)
        row = runs.first(np.arange(len(key)) if parts is None else parts)
        # the term's start: its policy's or renewal's PRA (endorsement 0), stored or not entered
        first_parts = np.flatnonzero(_ints(pra["endorsement_no"]) == 0)
        term = keys["guaranty_term"][row]
        # looked up for each PRA (a quarter of the guaranties), then read by each term's first part
        starts = index_of(keys["pra_term"], keys["pra_term"][first_parts])[runs.first(of)]
        found = None if (starts >= 0).all() else np.flatnonzero(starts >= 0)
        start_row = first_parts[_pick(starts, found)]
        months = start.astype("datetime64[M]").astype(np.int64)  # of each PRA: fewer than the guaranties
        return TermTable(
            guaranty=_pick(row, found),
            key=_pick(runs.first(key), found),
            term=_pick(term, found),
            sum_insured=_pick(runs.sum(sum_insured), found),
            premium=_cents(_pick(runs.sum(written), found)),
            class_row=_pick(runs.last_of(of, pra["class_of_business"].notna().to_numpy()[of]), found),
            end_row=_pick(runs.last_of(of, ~np.isnat(end[of])), found),
            start_row=start_row,
            term_start=start[start_row],
            year=(months // 12 + 1970)[start_row],
            quarter=((months // 12 + 1970) * 4 + months % 12 // 3)[start_row],
        )

    def terms(self, as_of: dt.date | str | pd.Timestamp) -> pd.DataFrame:
        """Each guaranty of a term (policy or renewal, previous terms left out) entered by ``as_of``,
        composed over the term: its sum insured and premium added up over the endorsements (the
        premium of a part cancelled by ``as_of`` reduced to what it earned, as ACCOUNT returns it):
        ``policy_no, renewal_no, guaranty_no, sum_insured, premium, class_of_business, term_end``
        (the last part's cover end), ``term_start`` and ``year`` (the term start's, the year a
        treaty attaching risks sees)."""
        table = self.term_table(as_of)
        guaranty, pra = self._stored("Guaranty"), self._stored("PRA")
        terms = pd.DataFrame(
            {
                **{c: guaranty[c].array.take(table.guaranty) for c in ("policy_no", "renewal_no", "guaranty_no")},
                "sum_insured": table.sum_insured,
                "premium": table.premium,
                "class_of_business": pra["class_of_business"].array.take(table.class_row, allow_fill=True),
                "term_end": pra["cover_end"].array.take(table.end_row, allow_fill=True),
                "term_start": pra["cover_start"].array.take(table.start_row),
            }
        )
        terms["year"] = terms["term_start"].dt.year
        return terms

    def spread(self, losses: LossTable, terms: TermTable) -> Spread:
        """:meth:`loss_weights` as positions in ``losses`` and ``terms``."""
        found = self._loss_codes()
        keys = self._policy_keys()
        return _spread(
            losses.code,
            losses.term,
            terms.key,
            terms.term,
            terms.sum_insured,
            found["damaged"],
            found["damage"],
            keys["guaranty_key"],
            self._damage_amounts(),
        )

    def _damage_amounts(self) -> FloatArray:
        """The ``damage_amount`` of each guaranty that names the loss that damaged it (of
        ``_loss_codes()["damaged"]``), as float64: only those are read, and converting them alone
        spares the rest of the column."""
        if "damage amounts" not in self._arrays:
            damaged = self._loss_codes()["damaged"]
            if "Guaranty.damage_amount floats" in self._arrays:
                amounts = self._money("Guaranty", "damage_amount")[damaged]
            else:
                amounts = _float_values(self._stored("Guaranty")["damage_amount"].take(damaged))
            self._arrays["damage amounts"] = amounts
        found: FloatArray = self._arrays["damage amounts"]
        return found

    def loss_weights(self, losses: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
        """How each loss of ``losses`` (:meth:`losses`' columns) spreads over the guaranties of
        ``terms`` (:meth:`terms`' columns): ``loss_code, policy_no, renewal_no, guaranty_no,
        weight`` — the guaranties it damaged, weighted by the damage amounts (equally when none is
        given), or, when it damaged none, its term's guaranties weighted by their sums insured.
        Weights are not normalised."""
        guaranty = self._stored("Guaranty")
        damaged = self._loss_codes()["damaged"]
        loss_code, damage = codes(losses["code"], guaranty["damage_code"].take(damaged))
        policy = codes(losses["accident_policy_no"], terms["policy_no"], guaranty["policy_no"])
        renewal = [_ints(losses["accident_renewal_no"]), _ints(terms["renewal_no"]), _ints(guaranty["renewal_no"])]
        sizes = np.cumsum([len(losses), len(terms)])
        term = np.split(pack(np.concatenate(policy), np.concatenate(renewal)), sizes)
        numbers = np.concatenate([_ints(terms["guaranty_no"]), _ints(guaranty["guaranty_no"])])
        key = np.split(pack(np.concatenate(term[1:]), numbers), [len(terms)])
        weights = _spread(loss_code, term[0], key[0], term[1], terms["sum_insured"].to_numpy(dtype=np.float64),
                          damaged, damage, key[1], self._damage_amounts())  # fmt: skip
        columns = ["policy_no", "renewal_no", "guaranty_no"]
        by_damage = guaranty[["damage_code", *columns]].take(weights.guaranty[: weights.damaged])
        by_term = terms[columns].take(weights.term[weights.damaged :])
        by_term.insert(0, "damage_code", losses["code"].array.take(weights.loss[weights.damaged :]))
        frame = pd.concat([by_damage, by_term], ignore_index=True).rename(columns={"damage_code": "loss_code"})
        frame["weight"] = weights.weight
        return frame

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
