"""What ``assurdb reinsure`` writes back: the cessions of guaranties under their treaties, and the
figures of the treaties (recoveries, treaty accounts) — each written only where it differs from what
is stored, so a rerun on the same business writes nothing.

* :func:`record_cessions` — per guaranty and treaty, the percentage ceded. The live cessions of the
  guaranty linked to the treaty keep it (the first one, in code order, takes the difference when
  the percentage changed); a guaranty with none gets a new cession (code ``RT`` + 10 digits) to the
  first of the treaty's reinsurers, in the order given (the leader first), that the cell handling
  its contract shares risks with (constraint 12). When the cell shares risks with none of them,
  the guaranty's term is cancelled (CREATE REINSURANCE cedes no cancelled guaranty) or its live
  cessions would pass 100 %, the guaranty
  is still ceded in the treaty's figures — its earned premium, its losses — but gets no cession
  record: ``unrecorded`` counts those.
* :func:`record_figures` — the occurrences of a record type keyed by treaty (``TreatyRecovery``,
  ``TreatyAccount``): created when new, rewritten on the items that changed; with ``zero_missing``,
  the stored ones of the same treaties that the new figures no longer name get those items set
  to zero (a recovery on a loss since cancelled). Items not given (a treaty account's
  ``accounted``) are left as they are.

Each function is one unit of work: all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from assurdb.domain.constraints import Lookup
from assurdb.domain.frames import joint_keys
from assurdb.domain.primitives.pra import HUNDRED
from assurdb.domain.primitives.support import (
    Work,
    guarded,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    writing,
)
from assurdb.domain.results import Result, done
from assurdb.metadb.contract import RC, Session
from assurdb.metadb.frames import article_values, decimal_units, numbered_texts

__all__ = ["Written", "record_cessions", "record_figures"]

CESSION = "ReinsuranceCession"
_GUARANTY = ("policy_no", "renewal_no", "endorsement_no", "guaranty_no")
_SHARED = tuple(f"guaranty_sharing_{i}" for i in _GUARANTY)
#: Cessions per WRITE BATCH: a batch is checked against the guaranties (its origins) in one join,
#: which costs as much for 50 000 cessions as for a million.
_CHUNK = 1_000_000


@dataclass(frozen=True)
class Written:
    """What a write-back did: ``rc`` 0 or the refusal, occurrences created and modified, cessions
    left unrecorded."""

    rc: int
    message: str
    created: int = 0
    modified: int = 0
    unrecorded: int = 0

    @property
    def ok(self) -> bool:
        return self.rc == RC.OK

    @property
    def counts(self) -> tuple[int, int]:
        return self.created, self.modified


def _refused(result: Result) -> Written:
    return Written(result.rc, result.message)


def _selected(session: Session, rt: str, treaty_codes: Sequence[str]) -> pd.DataFrame | Result:
    """The occurrences of ``rt`` of each treaty, treaty by treaty in the order given: by the leading
    identifier item ``treaty_code``, or for cessions by their key ``treaty_ref`` (the linked ones
    name their treaty there too).

    One READ SELECTION over the range of the codes (a scan of the table per treaty cost more than
    the rows between them), the rows of other treaties in that range left out."""
    criterion = "treaty_ref" if rt == CESSION else "treaty_code"
    codes = list(dict.fromkeys(treaty_codes))
    if not codes:
        return pd.DataFrame()
    low, high = min(codes), max(codes)
    reply = session.read_selection(rt, {criterion: low if low == high else (low, high)})
    if not reply.ok or reply.batch is None:
        shown = low if low == high else f"{low} to {high}"
        return Result(reply.rc, f"reading the {rt} of {shown}: {reply.message}", reply=reply)
    batch = reply.batch
    rank = batch[criterion].map({code: n for n, code in enumerate(codes)})
    mine = rank.notna() & (batch["treaty_code"] == batch[criterion])
    # treaty by treaty in the order given, each in the selection's key order (a stable sort)
    order = np.argsort(rank[mine].to_numpy(dtype=float), kind="stable")
    return batch[mine.to_numpy()].iloc[order].reset_index(drop=True)


def record_figures(
    session: Session,
    rt: str,
    treaty_codes: Sequence[str],
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame,
    *,
    zero_missing: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Written:
    """Store ``rows`` (occurrences of ``rt`` of the treaties ``treaty_codes``, or a frame of one per
    row): new ones created, changed ones rewritten on the items that differ (``ignore``: items that
    change nothing alone, such as the date figures were computed at). See the module notes."""
    meta = session.schema.record_types.get(rt)
    if meta is None:
        return Written(
            RC.RT_UNKNOWN,
            f"the database's schema ({session.schema.name} version {session.schema.version}) has no {rt}: "
            "upgrade it with `assurdb migrate apply --db URL`",
        )
    ident = list(meta.identifier_items)
    # WRITE BATCH and REWRITE check every value against the meta-database (column by column, in C):
    # checking each row here first would only do it twice
    if isinstance(rows, pd.DataFrame):
        figures = rows.reset_index(drop=True)
        checked: list[dict[str, Any]] = []
        given = sorted(set(map(str, figures.columns)) - set(ident))
    else:
        checked = [dict(row) for row in rows]
        given = sorted({k for row in checked for k in row} - set(ident))
        figures = pd.DataFrame({k: [row[k] for row in checked] for k in ident}, dtype=object)
        for k in given:
            figures[k] = pd.Series([row.get(k) for row in checked], dtype=object)
    origins = sorted({path.origin for path in session.schema.paths_to(rt)})
    needs = merge(writing(rt), reading(*origins))
    counts = {"created": 0, "modified": 0}

    def plan() -> Result:
        with opened_for(session, needs) as refusal:
            if refusal is not None:
                return refusal
            stored = _selected(session, rt, treaty_codes)
            if isinstance(stored, Result):
                return stored
            at, changes = _compared(stored, figures, ident, given, zero_missing, ignore)
            fresh = np.flatnonzero(at < 0)
            new: pd.DataFrame | list[dict[str, Any]]
            new = figures.iloc[fresh] if isinstance(rows, pd.DataFrame) else [checked[i] for i in fresh.tolist()]

            def body(work: Work) -> Result:
                if len(new):
                    work.do(session.write_batch(rt, new), f"writing {len(new)} {rt}")
                if changes:
                    work.do(session.rewrite_batch(rt, changes), f"rewriting {len(changes)} {rt}")
                counts.update(created=len(new), modified=len(changes))
                return done(f"{rt}: {len(new)} created, {len(changes)} modified")

            return in_unit(session, body)

    result = guarded(plan)
    if not result.ok:
        return _refused(result)
    return Written(RC.OK, result.message, counts["created"], counts["modified"])


def _compared(
    stored: pd.DataFrame,
    figures: pd.DataFrame,
    ident: Sequence[str],
    given: Sequence[str],
    zero_missing: Sequence[str],
    ignore: Sequence[str],
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Where each figure is stored (its row in ``stored``, -1 for none), and the rewrites: the
    items of each stored figure that differ (when one not in ``ignore`` does), then ``zero_missing``
    set to zero in the stored ones no figure names — compared column by column, each value that
    ``==`` finds different compared again by :func:`_same`."""
    n = len(figures)
    if not len(stored):
        return np.full(n, -1), []
    keys, wanted = joint_keys([stored[i] for i in ident], [figures[i] for i in ident])
    at = pd.Index(keys).get_indexer(wanted)
    matched = np.flatnonzero(at >= 0)
    old_rows = at[matched]
    changed: dict[str, np.ndarray] = {}
    moved = np.zeros(len(matched), dtype=bool)
    for item in given:
        new = article_values(figures[item])[matched]
        old = article_values(stored[item])[old_rows] if item in stored else np.full(len(matched), None, dtype=object)
        differs = _differ(old, new)
        if differs.any():
            changed[item] = differs
            if item not in ignore:
                moved |= differs
    idents = {i: article_values(figures[i]) for i in ident}
    values = {item: article_values(figures[item]) for item in changed}
    changes = []
    for k in np.flatnonzero(moved).tolist():
        row = int(matched[k])
        change = {i: idents[i][row] for i in ident}
        change.update({item: values[item][row] for item, differs in changed.items() if differs[k]})
        changes.append(change)
    if zero_missing:
        missing = np.ones(len(stored), dtype=bool)
        missing[old_rows] = False
        rest = np.flatnonzero(missing)
        cleared = {
            item: _differ(article_values(stored[item])[rest], np.full(len(rest), Decimal(0), dtype=object))
            for item in zero_missing
        }
        keyed = {i: article_values(stored[i])[rest] for i in ident}
        for k in range(len(rest)):
            zeros = {item: Decimal("0.00") for item in zero_missing if cleared[item][k]}
            if zeros:
                changes.append({**{i: keyed[i][k] for i in ident}, **zeros})
    return at, changes


def _differ(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Element-wise: the stored value ``old`` and the new one differ (:func:`_same`)."""
    differs = ~np.asarray(old == new, dtype=bool)
    for k in np.flatnonzero(differs).tolist():
        differs[k] = not _same(old[k], new[k])
    return differs


def _same(old: Any, new: Any) -> bool:
    if old is None or (not isinstance(old, str) and pd.isna(old)):
        return new is None
    if new is None:
        return False
    if isinstance(old, dt.date | pd.Timestamp) or isinstance(new, dt.date | pd.Timestamp):
        return bool(pd.Timestamp(old) == pd.Timestamp(new))
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        try:
            return Decimal(str(old)) == Decimal(str(new))
        except ArithmeticError:
            return False
    return bool(old == new)


def record_cessions(
    session: Session,
    treaty_codes: Sequence[str],
    cessions: Sequence[Mapping[str, Any]] | pd.DataFrame,
    reinsurers: Mapping[str, Sequence[str]],
) -> Written:
    """Store the cessions ``cessions`` — each ``{"guaranty": identifier, "treaty_code", "kind",
    "ceded_pct", "commission_rate"}``, or a frame of one per row with the guaranty's identifier
    items as columns beside those four — of the treaties ``treaty_codes``; ``reinsurers`` gives
    each treaty's reinsurers in the order a new cession picks them. See the module notes.

    A book's cessions are many (one per guaranty and treaty): the checks CREATE REINSURANCE makes
    one cession at a time are made here on whole frames — the guaranty and its contract exist and
    are not cancelled, the cell handling the contract shares risks with the reinsurer (constraint
    12), the guaranty's live cessions stay within 100 % — then the new cessions are written with
    WRITE BATCH (which checks them against the meta-database), in one unit with the percentages
    changed. A percentage that is not a number of at most four decimals answers 13."""
    needs = merge(writing(CESSION), reading("Guaranty", "PRA", "OrgCell", "ExtCompany", "Treaty"))
    counts = {"created": 0, "modified": 0, "unrecorded": 0}
    try:
        wanted = _cession_frame(cessions)
        pct = _units(wanted["ceded_pct"], _PCT_SCALE, missing=False)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return Written(RC.VALUE_INVALID, f"the cessions to record: {exc}")

    def plan() -> Result:
        with opened_for(session, needs) as refusal:
            if refusal is not None:
                return refusal
            frames: dict[str, pd.DataFrame] = {}
            for rt in (CESSION, "PRA", "Guaranty"):
                # the contracts' and guaranties' amounts are not looked at: read as floats, no Decimal
                # made for them (a DuckDB database hands the very frames the engine has just read)
                reply = session.read_selection(rt, {}, decimals="exact" if rt == CESSION else "float")
                if not reply.ok or reply.batch is None:
                    return Result(reply.rc, f"reading {rt}: {reply.message}", reply=reply)
                frames[rt] = reply.batch
            decided = _decide(session, wanted, pct, frames, treaty_codes, reinsurers)
            if isinstance(decided, Result):
                return decided
            changes, new, unrecorded = decided
            counts["unrecorded"] = unrecorded

            def body(work: Work) -> Result:
                if changes:
                    work.do(session.rewrite_batch(CESSION, changes), f"rewriting {len(changes)} cession(s)")
                for first in range(0, len(new), _CHUNK):
                    work.do(session.write_batch(CESSION, new.iloc[first : first + _CHUNK]), "writing the cessions")
                counts.update(created=len(new), modified=len(changes))
                return done(f"{len(new)} cession(s) created, {len(changes)} modified")

            return in_unit(session, body)

    result = guarded(plan)
    if not result.ok:
        return _refused(result)
    return Written(
        RC.OK,
        f"{result.message}, {counts['unrecorded']} left unrecorded",
        counts["created"],
        counts["modified"],
        counts["unrecorded"],
    )


#: Decimals of ``ReinsuranceCession.ceded_pct``: percentages are added up as whole numbers of 10^-4.
_PCT_SCALE = 4
_WHOLE = int(HUNDRED.scaleb(_PCT_SCALE))
_WANTED = (*_GUARANTY, "treaty_code", "kind", "ceded_pct", "commission_rate")


def _cession_frame(cessions: Sequence[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The cessions to record as a frame of :data:`_WANTED`, text as ``string``, numbers as ``Int64``
    (the dtypes of READ SELECTION, so that keys compare alike)."""
    if isinstance(cessions, pd.DataFrame):
        frame = cessions.loc[:, list(_WANTED)].reset_index(drop=True)
    else:
        rows = [
            (*(c["guaranty"][i] for i in _GUARANTY), c["treaty_code"], c["kind"], c["ceded_pct"], c["commission_rate"])
            for c in cessions
        ]
        frame = pd.DataFrame(rows, columns=list(_WANTED), dtype=object)
    text = {"policy_no": "string", "treaty_code": "string"}
    return frame.astype({**text, **{i: "Int64" for i in _GUARANTY[1:]}})


def _units(values: pd.Series, scale: int, *, missing: bool) -> np.ndarray:
    """Decimals (or integers) as whole numbers of 10^-``scale`` — a missing value as 0 when
    ``missing``; each distinct value converted once. ValueError for a value that is not a number
    with at most ``scale`` decimals."""
    arrow = decimal_units(values, scale)  # the engine's decimals, as Arrow holds them: already whole numbers
    if arrow is not None:
        whole_numbers, absent = arrow
        if not missing and absent.any():
            raise ValueError("a percentage is missing")
        return whole_numbers
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    whole = np.zeros(len(uniques) + 1, dtype=np.int64)  # the last one: a missing value
    for k, value in enumerate(uniques.tolist()):
        number = Decimal(value) if type(value) is int else value
        if not isinstance(number, Decimal) or not number.is_finite():
            raise ValueError(f"{value!r} is not a percentage")
        scaled = number.scaleb(scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {scale} decimals")
        whole[k] = int(scaled)
    if not missing and (codes < 0).any():
        raise ValueError("a percentage is missing")
    return whole[codes]  # -1 picks the last: 0


def _numbered(first: int, count: int) -> pd.Series:
    """The codes of ``count`` new cessions from number ``first`` on (``RT`` + 10 digits), as text
    made at once; past ten digits, as the longer texts they are (WRITE BATCH refuses them)."""
    try:
        return numbered_texts("RT", first, count, 10)
    except ValueError:
        return pd.Series([f"RT{k:010d}" for k in range(first, first + count)], dtype=object)


def _text(column: pd.Series) -> pd.Series:
    """A column of text as pandas' Arrow-backed ``string`` (WRITE BATCH checks such a column on its
    array); a column holding anything but text (a value WRITE BATCH refuses) as it is."""
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        return column.astype("string")
    return column


def _plain(value: Any) -> Any:
    """A factorized text value as an article holds it: None for a missing one (pandas' NA, NaN)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _decide(
    session: Session,
    wanted: pd.DataFrame,
    pct: np.ndarray,
    frames: Mapping[str, pd.DataFrame],
    treaty_codes: Sequence[str],
    reinsurers: Mapping[str, Sequence[str]],
) -> tuple[list[dict[str, Any]], pd.DataFrame, int] | Result:
    """The cessions ``wanted`` against those stored and the business: the percentages to change,
    the cessions to create, how many are left unrecorded — decided for each cession, in order, as
    CREATE REINSURANCE would, on whole columns."""
    everyone, contracts, covers = frames[CESSION], frames["PRA"], frames["Guaranty"]
    live_all = everyone[everyone["cancellation_date"].isna()]
    mine = live_all[live_all["treaty_code"].isin(list(treaty_codes))].sort_values("code", kind="stable")
    n = len(wanted)
    # a contract's key first (the guaranties' too), then a guaranty's from it: each text column hashed once
    p_contract, p_cover, p_live, p_mine, p_wanted = joint_keys(
        [contracts[i] for i in _GUARANTY[:3]],
        [covers[i] for i in _GUARANTY[:3]],
        [live_all[i] for i in _SHARED[:3]],
        [mine[i] for i in _SHARED[:3]],
        [wanted[i] for i in _GUARANTY[:3]],
    )
    g_cover, g_live, g_mine, g_wanted = joint_keys(
        [pd.Series(p_cover), covers[_GUARANTY[3]]],
        [pd.Series(p_live), live_all[_SHARED[3]]],
        [pd.Series(p_mine), mine[_SHARED[3]]],
        [pd.Series(p_wanted), wanted[_GUARANTY[3]]],
    )
    for keys, parts in ((g_cover, p_cover), (g_live, p_live), (g_mine, p_mine), (g_wanted, p_wanted)):
        keys[parts < 0] = -1  # a null in the contract's key: no guaranty's key either

    # held: the live cessions of the guaranty linked to the treaty keep it, the first (in code
    # order) taking the difference
    changes: list[dict[str, Any]] = []
    held = np.zeros(n, dtype=bool)
    if len(mine):  # none stored for these treaties: nothing held, no join with them
        t_mine, t_wanted = joint_keys(
            [pd.Series(g_mine), mine["treaty_code"].reset_index(drop=True)],
            [pd.Series(g_wanted), wanted["treaty_code"]],
        )
        t_mine[g_mine < 0] = -1
        t_wanted[g_wanted < 0] = -1
        mine_pct = _units(mine["ceded_pct"], _PCT_SCALE, missing=True)
        firsts = (~pd.Series(t_mine).duplicated()).to_numpy() & (t_mine >= 0)
        totals = pd.Series(mine_pct).groupby(t_mine).sum()
        held_at = pd.Index(t_mine[firsts]).get_indexer(t_wanted)
        held = held_at >= 0
        first_pct = mine_pct[firsts]
        others = totals.reindex(t_mine[firsts]).to_numpy() - first_pct
        first_code = article_values(mine["code"])[firsts]
        for at, where in zip(np.flatnonzero(held).tolist(), held_at[held].tolist(), strict=True):
            share = int(pct[at] - others[where])
            if share > 0 and int(first_pct[where]) != share:
                changes.append({"code": first_code[where], "ceded_pct": Decimal(share).scaleb(-_PCT_SCALE)})

    # the others: a live guaranty of a live contract, a reinsurer its cell shares risks with
    at_contract = pd.Index(p_contract).get_indexer(p_wanted)
    at_cover = pd.Index(g_cover).get_indexer(g_wanted)
    contract_live = np.append(contracts["cancellation_date"].isna().to_numpy(), False)[at_contract]
    cover_live = np.append(covers["cancellation_date"].isna().to_numpy(), False)[at_cover]
    going = ~held & contract_live & cover_live
    at_going = np.flatnonzero(going)
    # each (cell, treaty) pair decided once, in the order the cessions first name it
    of_cell, cell_values = pd.factorize(contracts["handling_code"], use_na_sentinel=False)
    of_cell = of_cell[at_contract[at_going]]  # a going cession's contract is there: no -1
    of_treaty, treaty_values = pd.factorize(wanted["treaty_code"].iloc[at_going], use_na_sentinel=False)
    of_pair, pair_values = pd.factorize(of_cell.astype(np.int64) * len(treaty_values) + of_treaty)
    lk = Lookup(session)
    partners: dict[str, set[str]] = {}
    chosen: list[str | None] = []
    for pair in pair_values.tolist():
        cell, treaty = _plain(cell_values[pair // len(treaty_values)]), _plain(treaty_values[pair % len(treaty_values)])
        if isinstance(cell, str) and cell not in partners:
            partners[cell] = {str(c.get("code")) for c in lk.targets("RiskSharing", {"code": cell})}
            problem = lookup_failed(lk, "recording the cessions")
            if problem is not None:
                return problem
        allowed = partners.get(cell, set()) if isinstance(cell, str) else set()
        chosen.append(next((r for r in reinsurers.get(treaty, ()) if r in allowed), None))
    companies = pd.Series([*chosen, None], dtype=object)  # the last one: none
    company = np.full(n, len(chosen), dtype=np.int64)  # each cession's, as its place in companies
    company[at_going] = of_pair
    going &= companies.notna().to_numpy()[company]

    # within 100 %: the guaranty's live cessions, then the new ones in order — a going cession's
    # guaranty is one of those read, whose row (at_cover) numbers it densely
    base_of = np.zeros(len(covers) + 1, dtype=np.int64)  # the last one: a guaranty not among them
    if len(live_all):
        live_pct = _units(live_all["ceded_pct"], _PCT_SCALE, missing=True)
        np.add.at(base_of, pd.Index(g_cover).get_indexer(g_live), live_pct)
    base = base_of[at_cover]
    cover_going, pct_going = at_cover[going], pct[going]
    if (pct_going >= 0).all():  # the running totals only grow: a guaranty passes 100 % where its total does
        ceded_of = base_of.copy()
        np.add.at(ceded_of, cover_going, pct_going)
        past = going & (ceded_of > _WHOLE)[at_cover]
    else:
        running = base[going] + pd.Series(pct_going).groupby(cover_going).cumsum().to_numpy()
        past = going & np.isin(at_cover, cover_going[running > _WHOLE])
    if past.any():  # a cession refused for the cap adds nothing: those guaranties one cession at a time
        ceded: dict[int, int] = {}
        for at in np.flatnonzero(past).tolist():
            key = int(at_cover[at])
            total = ceded.get(key, int(base[at])) + int(pct[at])
            if total > _WHOLE:
                going[at] = False
            else:
                ceded[key] = total
    chosen_rows = np.flatnonzero(going)

    codes = everyone["code"]
    taken = [c for c in article_values(codes[codes.str.startswith("RT", na=False)]).tolist() if c[2:].isdigit()]
    number = max((int(c[2:]) for c in taken), default=0)

    def picked(column: pd.Series) -> pd.Series:
        return column.iloc[chosen_rows].reset_index(drop=True)  # in its dtype: Arrow text, Int64, Arrow decimals

    treaty = picked(wanted["treaty_code"])
    columns: dict[str, Any] = {
        "code": _numbered(number + 1, len(chosen_rows)),
        "treaty_ref": treaty,
        "contract_type": _text(picked(wanted["kind"])),
        "ceded_pct": picked(wanted["ceded_pct"]),  # as given: the engine's Arrow decimals stay one array
        "commission_rate": picked(wanted["commission_rate"]),
        "treaty_code": treaty,
        "reinsurance_code": _text(companies).take(company[chosen_rows]).reset_index(drop=True),
    }
    for item, shared in zip(_GUARANTY, _SHARED, strict=True):
        columns[shared] = picked(wanted[item])
    new = pd.DataFrame(columns)  # WRITE BATCH takes the frame's columns: no dict per cession
    return changes, new, n - int(held.sum()) - len(new)
