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

import pandas as pd

from assurdb.domain.constraints import Lookup
from assurdb.domain.frames import records
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

__all__ = ["Written", "record_cessions", "record_figures"]

CESSION = "ReinsuranceCession"
_GUARANTY = ("policy_no", "renewal_no", "endorsement_no", "guaranty_no")
_SHARED = tuple(f"guaranty_sharing_{i}" for i in _GUARANTY)
#: Cessions per WRITE BATCH.
_CHUNK = 50_000


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
    """The occurrences of ``rt`` of each treaty: by the leading identifier item ``treaty_code``, or
    for cessions by their key ``treaty_ref`` (the linked ones name their treaty there too)."""
    frames = []
    for code in treaty_codes:
        criterion = "treaty_ref" if rt == CESSION else "treaty_code"
        reply = session.read_selection(rt, {criterion: code})
        if not reply.ok or reply.batch is None:
            return Result(reply.rc, f"reading the {rt} of {code}: {reply.message}", reply=reply)
        frames.append(reply.batch[reply.batch["treaty_code"] == code])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def record_figures(
    session: Session,
    rt: str,
    treaty_codes: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    *,
    zero_missing: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Written:
    """Store ``rows`` (occurrences of ``rt`` of the treaties ``treaty_codes``): new ones created,
    changed ones rewritten on the items that differ (``ignore``: items that change nothing alone,
    such as the date figures were computed at). See the module notes."""
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
    checked = [dict(row) for row in rows]
    given = sorted({k for row in rows for k in row} - set(ident))
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
            current = {tuple(r[i] for i in ident): r for r in records(stored)} if len(stored) else {}
            new: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            seen: set[tuple[Any, ...]] = set()
            for values in checked:
                key = tuple(values[i] for i in ident)
                seen.add(key)
                old = current.get(key)
                if old is None:
                    new.append(values)
                    continue
                changed = {k: values.get(k) for k in given if not _same(old.get(k), values.get(k))}
                if any(k not in ignore for k in changed):
                    changes.append({**dict(zip(ident, key, strict=True)), **changed})
            for key, old in current.items():
                if key in seen or not zero_missing:
                    continue
                cleared = {k: Decimal("0.00") for k in zero_missing if not _same(old.get(k), Decimal(0))}
                if cleared:
                    changes.append({**dict(zip(ident, key, strict=True)), **cleared})

            def body(work: Work) -> Result:
                if new:
                    work.do(session.write_batch(rt, new), f"writing {len(new)} {rt}")
                for change in changes:
                    work.do(session.rewrite(rt, change), f"rewriting {rt}")
                counts.update(created=len(new), modified=len(changes))
                return done(f"{rt}: {len(new)} created, {len(changes)} modified")

            return in_unit(session, body)

    result = guarded(plan)
    if not result.ok:
        return _refused(result)
    return Written(RC.OK, result.message, counts["created"], counts["modified"])


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
    cessions: Sequence[Mapping[str, Any]],
    reinsurers: Mapping[str, Sequence[str]],
) -> Written:
    """Store the cessions ``cessions`` — each ``{"guaranty": identifier, "treaty_code", "kind",
    "ceded_pct", "commission_rate"}`` — of the treaties ``treaty_codes``; ``reinsurers`` gives each
    treaty's reinsurers in the order a new cession picks them. See the module notes.

    A book's cessions are many (one per guaranty and treaty): the checks CREATE REINSURANCE makes
    one cession at a time are made here on whole frames — the guaranty and its contract exist and
    are not cancelled, the cell handling the contract shares risks with the reinsurer (constraint
    12), the guaranty's live cessions stay within 100 % — then the new cessions are written with
    WRITE BATCH (which checks them against the meta-database), in one unit with the percentages
    changed."""
    needs = merge(writing(CESSION), reading("Guaranty", "PRA", "OrgCell", "ExtCompany", "Treaty"))
    counts = {"created": 0, "modified": 0, "unrecorded": 0}

    def plan() -> Result:
        with opened_for(session, needs) as refusal:
            if refusal is not None:
                return refusal
            frames: dict[str, pd.DataFrame] = {}
            for rt in (CESSION, "PRA", "Guaranty"):
                reply = session.read_selection(rt, {})
                if not reply.ok or reply.batch is None:
                    return Result(reply.rc, f"reading {rt}: {reply.message}", reply=reply)
                frames[rt] = reply.batch
            everyone = frames[CESSION]
            live_all = everyone[everyone["cancellation_date"].isna()]
            mine = live_all[live_all["treaty_code"].isin(list(treaty_codes))].sort_values("code", kind="stable")
            live: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
            for row in records(mine):
                live.setdefault((*(row[i] for i in _SHARED), row["treaty_code"]), []).append(row)
            ceded: dict[tuple[Any, ...], Decimal] = {}
            for key, share in zip(
                live_all[list(_SHARED)].itertuples(index=False, name=None), live_all["ceded_pct"], strict=True
            ):
                ceded[key] = ceded.get(key, Decimal(0)) + Decimal(str(share or 0))
            contracts, covers = frames["PRA"], frames["Guaranty"]
            pra = dict(
                zip(
                    contracts[list(_GUARANTY[:3])].itertuples(index=False, name=None),
                    zip(contracts["handling_code"], contracts["cancellation_date"].isna(), strict=True),
                    strict=True,
                )
            )
            live_guaranty = dict(
                zip(
                    covers[list(_GUARANTY)].itertuples(index=False, name=None),
                    covers["cancellation_date"].isna(),
                    strict=True,
                )
            )
            taken = [c for c in everyone["code"] if isinstance(c, str) and c.startswith("RT") and c[2:].isdigit()]
            number = max((int(c[2:]) for c in taken), default=0)
            lk = Lookup(session)
            partners: dict[str, set[str]] = {}
            new: list[dict[str, Any]] = []
            changes: list[dict[str, Any]] = []
            for cession in cessions:
                ident = tuple(cession["guaranty"][i] for i in _GUARANTY)
                pct: Decimal = cession["ceded_pct"]
                held = live.get((*ident, cession["treaty_code"]))
                if held:
                    others = sum((Decimal(str(c["ceded_pct"] or 0)) for c in held[1:]), Decimal(0))
                    wanted = pct - others
                    if wanted > 0 and Decimal(str(held[0]["ceded_pct"] or 0)) != wanted:
                        changes.append({"code": held[0]["code"], "ceded_pct": wanted})
                    continue
                cell, contract_live = pra.get(ident[:3], (None, False))
                if not contract_live or not live_guaranty.get(ident, False):
                    counts["unrecorded"] += 1  # CREATE REINSURANCE cedes no cancelled guaranty
                    continue
                if isinstance(cell, str) and cell not in partners:
                    partners[cell] = {str(c.get("code")) for c in lk.targets("RiskSharing", {"code": cell})}
                    problem = lookup_failed(lk, "recording the cessions")
                    if problem is not None:
                        return problem
                allowed = partners.get(cell, set()) if isinstance(cell, str) else set()
                company = next((r for r in reinsurers.get(cession["treaty_code"], ()) if r in allowed), None)
                if company is None or ceded.get(ident, Decimal(0)) + pct > HUNDRED:
                    counts["unrecorded"] += 1
                    continue
                ceded[ident] = ceded.get(ident, Decimal(0)) + pct
                number += 1
                article = {
                    "code": f"RT{number:010d}",
                    "treaty_ref": cession["treaty_code"],
                    "contract_type": cession["kind"],
                    "ceded_pct": pct,
                    "commission_rate": cession["commission_rate"],
                    "treaty_code": cession["treaty_code"],
                    "reinsurance_code": company,
                    **dict(zip(_SHARED, ident, strict=True)),
                }
                new.append(article)  # checked by WRITE BATCH against the meta-database

            def body(work: Work) -> Result:
                for change in changes:
                    work.do(session.rewrite(CESSION, change), f"rewriting cession {change['code']}")
                for first in range(0, len(new), _CHUNK):
                    work.do(session.write_batch(CESSION, new[first : first + _CHUNK]), "writing the cessions")
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
