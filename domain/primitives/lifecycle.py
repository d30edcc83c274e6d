"""CANCEL, REINSTATE and PARTIAL MODIF, shared by PRA, Guaranty, the two cessions and Loss
(thesis V.3.1 b–f).

* CANCEL x "ne permet de modifier que les valeurs d'items concernant l'annulation": it sets the
  cancellation type and date, nothing else; an occurrence already cancelled is refused.
* REINSTATE x gives back "l'occurrence … comme elle était avant annulation": the cancellation
  items are emptied; it is the inverse of CANCEL (STYLE.md: "reinstate undoes cancel"). A
  cancellation ACCOUNT x has already journalised is not reinstated (its entries would stay
  unmatched): the refusal says so.
* x PARTIAL MODIF changes only "les valeurs d'items n'induisant pas de modification de la
  comptabilisation": :func:`accounting_items` names the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from assurdb.domain.constraints import Lookup, items_of, pra_label
from assurdb.domain.primitives.generic import (
    DAMAGE_ITEMS,
    Confirm,
    changed_elsewhere,
    identifier_of,
    modify_occurrence,
    record_type,
    validate,
)
from assurdb.domain.primitives.support import Work, in_unit, lookup_failed, merge, opened_for, reading, writing
from assurdb.domain.results import DomainRC, Result, done, failed
from assurdb.metadb.contract import RC, Session
from assurdb.metadb.model import RecordType

CANCELLATION_ITEMS = ("cancellation_type", "cancellation_date")
#: Items that say whether ACCOUNT x has journalised an event (creation, cancellation, damage…).
ACCOUNTED_PREFIX = "accounted_"


def accounting_items(rt: RecordType) -> frozenset[str]:
    """The items PARTIAL MODIF may not change, because ACCOUNT x reads them: those the
    meta-database gives a ``changed_by`` primitive (the cover period, class, currency, amounts,
    loss date, accounted flags… of the shipped schema), and — for schemas that say nothing — the
    identifier and the path items (links change through the association primitives), every
    decimal (amounts, shares, rates), the accounted flags, the cancellation items (CANCEL changes
    them) and a guaranty's damage items (DAMAGE does). (A cession's indemnity date is not a damage
    item: PARTIAL MODIF records it.)"""
    names = set(rt.identifier_items)
    names.update(i.name for i in rt.items if i.changed_by)  # the meta-database's word
    damaged = "damage_date" in items_of(rt)  # a guaranty merged with its damage (thesis IV.4.5)
    for item in rt.items:
        if (
            item.path is not None
            or item.type == "decimal"
            or item.name.startswith(ACCOUNTED_PREFIX)
            or item.name in CANCELLATION_ITEMS
            or (damaged and item.name in DAMAGE_ITEMS)
        ):
            names.add(item.name)
    return frozenset(names)


def partial_modif(session: Session, rt: str, article: Mapping[str, Any]) -> Result:
    """x PARTIAL MODIF (thesis V.3.1 c–f): MODIFY restricted to the items that do not change the
    accounting; any other item given is refused (1101) and nothing changes."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    allowed = frozenset(i.name for i in meta.items) - accounting_items(meta)
    if isinstance(article, Mapping):
        barred = [
            str(k) for k in article if k in items_of(meta) and k not in allowed and k not in meta.identifier_items
        ]
        if barred:
            said = changed_elsewhere(meta, barred)
            return failed(
                DomainRC.ITEM_NOT_ALLOWED,
                f"{rt} PARTIAL MODIF changes only items that do not change the accounting, not {', '.join(barred)}"
                + (f" ({said})" if said else ""),
            )
    return modify_occurrence(session, rt, article, allowed=allowed)


def _period(lk: Lookup, rt: str, current: Mapping[str, Any]) -> tuple[date | None, date | None, str]:
    """The dates a cancellation of ``current`` must lie between, and what they are."""
    pra: Mapping[str, Any] | None = None
    if rt == "PRA":
        term = _term(lk, current)
        label = f"{current.get('policy_no')}/{current.get('renewal_no')}"
        start = min(p["cover_start"] for p in term)
        end = max(p["cover_end"] for p in term)
        return start, end, f"the cover period of contract {label}"
    if rt == "Guaranty":
        pra = lk.get("PRA", current)
    elif rt == "CoinsuranceCession":
        pra = lk.origin_of("ResponsibilitySharing", current)
    elif rt == "ReinsuranceCession":
        guaranty = lk.origin_of("GuarantySharing", current)
        pra = None if guaranty is None else lk.get("PRA", guaranty)
    elif rt == "Loss":
        return current.get("loss_date"), None, "the loss date"
    if pra is None:
        return None, None, ""
    return pra.get("cover_start"), pra.get("cover_end"), f"the cover period of PRA {pra_label(pra)}"


def _term(lk: Lookup, pra: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The PRAs of ``pra``'s term: its policy or renewal and that term's endorsements, in order."""
    chain = lk.select("PRA", {"policy_no": pra.get("policy_no")}) or [dict(pra)]
    term = [p for p in chain if p.get("renewal_no") == pra.get("renewal_no")]
    return sorted(term, key=lambda p: int(p.get("endorsement_no") or 0))


def is_cancelled(article: Mapping[str, Any]) -> bool:
    """Whether an occurrence carries a cancellation (a type or a date)."""
    return any(article.get(i) is not None for i in CANCELLATION_ITEMS)


def _rewrite_together(
    session: Session,
    lk: Lookup,
    meta: RecordType,
    current: Mapping[str, Any],
    along: Sequence[Mapping[str, Any]],
    items: Mapping[str, Any],
    what: str,
    said: str,
) -> Result:
    """REWRITE ``items`` into each of ``along`` (``current`` among them) in one unit of work; the
    result is ``current``'s, the message counts the other PRAs of the term."""
    rt = meta.name

    def body(work: Work) -> Result:
        replies = [work.do(session.rewrite(rt, {**identifier_of(meta, a), **items}), f"{what} {rt}") for a in along]
        mine = next(r for r, a in zip(replies, along, strict=True) if lk.key(rt, a) == lk.key(rt, current))
        shown = lk.describe(rt, current)
        if len(along) > 1:
            shown += f" and {len(along) - 1} other PRA(s) of its term"
        return done(f"{shown} {said}", mine.article, reply=mine)

    return in_unit(session, body)


def _needs_for(rt: str) -> dict[str, int]:
    extra = {
        "Guaranty": reading("PRA"),
        "CoinsuranceCession": reading("PRA"),
        "ReinsuranceCession": reading("PRA", "Guaranty"),
    }
    return merge(writing(rt), extra.get(rt, {}))


def cancel(
    session: Session, rt: str, identifier: Mapping[str, Any], cancellation_type: str, cancellation_date: date
) -> Result:
    """CANCEL x: set the cancellation type and date of an occurrence not cancelled yet; the date
    lies in the cover period of the contract it belongs to (on or after the loss date for a loss)."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    if not all(i in items_of(meta) for i in CANCELLATION_ITEMS):
        return failed(DomainRC.ITEM_NOT_ALLOWED, f"{rt} has no cancellation items: it is not cancelled")
    ident = validate(session, rt, identifier, full=False)
    if isinstance(ident, Result):
        return ident
    ident = {i: ident[i] for i in meta.identifier_items}
    changes = validate(
        session,
        rt,
        {**ident, "cancellation_type": cancellation_type, "cancellation_date": cancellation_date},
        full=False,
    )
    if isinstance(changes, Result):
        return changes
    if not cancellation_type or not isinstance(cancellation_date, date):
        return failed(RC.VALUE_INVALID, f"CANCEL {rt} needs a cancellation type and a cancellation date")
    with opened_for(session, _needs_for(rt)) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get(rt, ident)
        if current is None:
            problem = lookup_failed(lk, f"CANCEL {rt}")
            return problem or failed(RC.NOT_FOUND, f"no {lk.describe(rt, ident)}")
        if is_cancelled(current):
            return failed(
                DomainRC.WRONG_STATE,
                f"{lk.describe(rt, current)} is already cancelled ({current.get('cancellation_type')}, "
                f"{current.get('cancellation_date')})",
            )
        start, end, what = _period(lk, rt, current)
        if (start is not None and cancellation_date < start) or (end is not None and cancellation_date > end):
            return failed(
                RC.VALUE_INVALID,
                f"the cancellation date {cancellation_date} of {lk.describe(rt, current)} lies outside {what} "
                f"({start} – {end or '…'})",
            )
        # a contract is cancelled whole: every PRA of its term not cancelled yet (thesis V.3.1 b)
        along = [p for p in _term(lk, current) if not is_cancelled(p)] if rt == "PRA" else [current]
        items = {k: changes[k] for k in CANCELLATION_ITEMS}
        return _rewrite_together(
            session, lk, meta, current, along, items, "CANCEL", f"cancelled on {cancellation_date}"
        )


def reinstate(session: Session, rt: str, identifier: Mapping[str, Any], *, confirm: Confirm | None = None) -> Result:
    """REINSTATE x: undo CANCEL x — empty the cancellation items, if ``confirm`` (given the
    occurrence's description) agrees. Refused when the occurrence is not cancelled, or when its
    cancellation is already accounted."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    if not all(i in items_of(meta) for i in CANCELLATION_ITEMS):
        return failed(DomainRC.ITEM_NOT_ALLOWED, f"{rt} has no cancellation items: it is not reinstated")
    ident = validate(session, rt, identifier, full=False)
    if isinstance(ident, Result):
        return ident
    ident = {i: ident[i] for i in meta.identifier_items}
    with opened_for(session, writing(rt)) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get(rt, ident)
        if current is None:
            problem = lookup_failed(lk, f"REINSTATE {rt}")
            return problem or failed(RC.NOT_FOUND, f"no {lk.describe(rt, ident)}")
        if not is_cancelled(current):
            return failed(DomainRC.WRONG_STATE, f"{lk.describe(rt, current)} is not cancelled")
        # a contract cancelled whole is reinstated whole: the PRAs of its term cancelled with it
        same = [current.get(i) for i in CANCELLATION_ITEMS]
        along = [current]
        if rt == "PRA":
            along = [p for p in _term(lk, current) if [p.get(i) for i in CANCELLATION_ITEMS] == same]
        accounted = next((a for a in along if a.get("accounted_cancellation")), None)
        if accounted is not None:
            return failed(
                DomainRC.WRONG_STATE,
                f"the cancellation of {lk.describe(rt, accounted)} is already accounted: reinstating it would leave "
                "its journal entries unmatched",
            )
        if confirm is not None and not confirm(f"reinstate {lk.describe(rt, current)}"):
            return failed(DomainRC.NOT_CONFIRMED, f"reinstatement of {lk.describe(rt, current)} not confirmed")
        cleared = dict.fromkeys(CANCELLATION_ITEMS)
        return _rewrite_together(session, lk, meta, current, along, cleared, "REINSTATE", "reinstated")
