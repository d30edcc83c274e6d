"""The Guaranty primitives of thesis V.3.1 c: FIND PRA GUARANTY, COMBINE GUARANTIES, GUARANTY
PARTIAL MODIF, CANCEL / REINSTATE GUARANTY, and DAMAGE / UNDAMAGE ("Endommagement d'une garantie",
"Récupération d'endommagement").

A guaranty is merged with its damage (thesis IV.4.5): DAMAGE links it to the loss (path Damage,
Loss → Guaranty, 1-N, so a guaranty is damaged by at most one loss) and fills its damage items
— nothing else; UNDAMAGE, its inverse, empties them and removes the link. The loss must be of
the guaranty's own contract (constraint 13) and its date inside that PRA's cover (constraint 14).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from assurdb.domain.constraints import (
    GUARANTY_ID,
    Lookup,
    guaranty_label,
    items_of,
    link_violations,
    pra_key,
    pra_label,
)
from assurdb.domain.constraints.codes import Article
from assurdb.domain.primitives.generic import DAMAGE_ITEMS, Confirm, record_type, validate
from assurdb.domain.primitives.lifecycle import cancel, partial_modif, reinstate
from assurdb.domain.primitives.pra import BULK, HUNDRED, Chains, compose_guaranties, pra_id
from assurdb.domain.primitives.support import (
    Work,
    fail,
    guarded,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    refuse_if,
    writing,
)
from assurdb.domain.results import DomainRC, Result, done, failed, from_reply
from assurdb.metadb.contract import RC, Session


def guaranty_id(values: Mapping[str, Any]) -> dict[str, Any]:
    return {i: values.get(i) for i in GUARANTY_ID}


def find_pra_guaranty(session: Session, pra: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> Result:
    """FIND PRA GUARANTY (thesis V.3.1 c): without ``current``, the first guaranty of the PRA — a
    PRA without one is an error ("il faut au moins une occurrence Garantie pour chaque occurrence
    PRA"); with ``current``, the next one, or 401 when there is none."""
    with opened_for(session, reading("PRA", "Guaranty")) as refusal:
        if refusal is not None:
            return refusal
        reply = session.read_target_via_path(
            "PRA", pra_id(pra), "Breakdown", "Guaranty", None if current is None else guaranty_id(current)
        )
    if reply.ok:
        return done(
            f"guaranty {reply.article['guaranty_no'] if reply.article else ''} of PRA {pra_label(pra)}",
            reply.article,
            reply=reply,
        )
    if reply.rc == RC.TARGET_NOT_FOUND and current is None:
        return from_reply(
            reply, f"error: PRA {pra_label(pra)} has no guaranty, and every PRA needs one (thesis V.3.1 c)"
        )
    return from_reply(reply, f"FIND PRA GUARANTY {pra_label(pra)}")


def combine_guaranties(session: Session, pra: Mapping[str, Any], guaranty_no: int | None = None) -> Result:
    """COMBINE GUARANTIES (thesis V.3.1 c): the X-th guaranties of the term of ``pra`` (its policy
    or renewal and its endorsements, up to ``pra``) composed by each item's combine rule — one
    composed guaranty per number in ``articles``, or the ``guaranty_no``-th in ``article``."""
    if not isinstance(pra, Mapping) or any(pra.get(i) is None for i in GUARANTY_ID[:3]):
        return failed(RC.RT_MISMATCH, "a PRA is identified by policy_no, renewal_no and endorsement_no")
    with opened_for(session, reading("PRA", "Guaranty")) as refusal:
        if refusal is not None:
            return refusal
        chains = Chains(session)
        chains.load([str(pra["policy_no"])])
        term = chains.term_of(pra) if any(pra_key(p) == pra_key(pra) for p in chains.chain(pra["policy_no"])) else []
    if chains.failure is not None:
        return from_reply(chains.failure, "COMBINE GUARANTIES")
    if not term:
        return failed(RC.NOT_FOUND, f"no PRA {pra_label(pra)}")
    composed = compose_guaranties(session.schema, chains, term)
    if guaranty_no is None:
        return done(f"{len(composed)} guaranty(ies) composed as of {pra_label(pra)}", articles=list(composed.values()))
    if guaranty_no not in composed:
        return failed(RC.TARGET_NOT_FOUND, f"no guaranty {guaranty_no} in the contract as of {pra_label(pra)}")
    return done(f"guaranty {guaranty_no} composed as of {pra_label(pra)}", composed[guaranty_no])


def guaranty_partial_modif(session: Session, guaranty: Mapping[str, Any]) -> Result:
    """GUARANTY PARTIAL MODIF (thesis V.3.1 c): only items that do not change the accounting of the
    PRA (peril, risk location…); amounts, shares, cancellation and damage are refused."""
    return partial_modif(session, "Guaranty", guaranty)


def cancel_guaranty(
    session: Session, guaranty: Mapping[str, Any], cancellation_type: str, cancellation_date: date
) -> Result:
    """CANCEL GUARANTY (thesis V.3.1 c): only the cancellation items; the date in the PRA's cover."""
    return cancel(session, "Guaranty", guaranty_id(guaranty), cancellation_type, cancellation_date)


def reinstate_guaranty(session: Session, guaranty: Mapping[str, Any], *, confirm: Confirm | None = None) -> Result:
    """REINSTATE GUARANTY (thesis V.3.1 c): the inverse of CANCEL GUARANTY, if confirmed."""
    return reinstate(session, "Guaranty", guaranty_id(guaranty), confirm=confirm)


@dataclass(frozen=True)
class NewDamage:
    """What DAMAGE needs: the guaranty, the loss's code, the damage amount and/or percentage, the
    date the damage was noted (default: the loss date) and, once paid, the indemnity date."""

    guaranty: Mapping[str, Any]
    loss: str
    amount: Decimal | None = None
    pct: Decimal | None = None
    damage_date: date | None = None
    indemnity_date: date | None = None


def _plan_damage(lk: Lookup, spec: NewDamage, position: int | None) -> dict[str, Any]:
    if not isinstance(spec.guaranty, Mapping) or any(spec.guaranty.get(i) is None for i in GUARANTY_ID):
        fail(
            RC.TARGET_MISMATCH,
            "a guaranty is identified by policy_no, renewal_no, endorsement_no, guaranty_no",
            position=position,
        )
    loss = lk.get("Loss", {"code": spec.loss})
    guaranty = lk.get("Guaranty", spec.guaranty)
    problem = lookup_failed(lk, "DAMAGE")
    if problem is not None:
        fail(problem.rc, problem.message, position=position)
    if loss is None:
        fail(RC.NOT_FOUND, f"DAMAGE: no loss {spec.loss}", position=position)
    if guaranty is None:
        fail(RC.TARGET_NOT_FOUND, f"DAMAGE: no guaranty {guaranty_label(spec.guaranty)}", position=position)
    assert loss is not None and guaranty is not None
    label = guaranty_label(guaranty)
    if guaranty.get("damage_code") is not None:
        fail(
            DomainRC.WRONG_STATE,
            f"guaranty {label} is already damaged by loss {guaranty['damage_code']}: a guaranty is damaged by "
            "at most one loss (thesis IV.4.5)",
            position=position,
        )
    for what, article in (("guaranty " + label, guaranty), (f"loss {spec.loss}", loss)):
        if article.get("cancellation_date") is not None:
            fail(DomainRC.WRONG_STATE, f"DAMAGE: {what} is cancelled", position=position)
    if spec.amount is None and spec.pct is None:
        fail(RC.VALUE_INVALID, f"DAMAGE {label}: give the damage amount or percentage", position=position)
    if spec.amount is not None and spec.amount <= 0:
        fail(RC.VALUE_INVALID, f"DAMAGE {label}: the damage amount is positive, not {spec.amount}", position=position)
    if spec.pct is not None and not 0 < spec.pct <= HUNDRED:
        fail(
            RC.VALUE_INVALID, f"DAMAGE {label}: a damage percentage lies in ]0, 100], not {spec.pct}", position=position
        )
    noted = spec.damage_date or loss["loss_date"]
    if noted < loss["loss_date"]:
        fail(
            RC.VALUE_INVALID,
            f"DAMAGE {label}: the damage is noted on or after the loss date {loss['loss_date']}, not {noted}",
            position=position,
        )
    if spec.indemnity_date is not None and spec.indemnity_date < noted:
        fail(RC.VALUE_INVALID, f"DAMAGE {label}: indemnified before the damage was noted", position=position)
    found = link_violations(lk, "Damage", loss, guaranty)
    problem = lookup_failed(lk, "DAMAGE")
    if problem is not None:
        fail(problem.rc, problem.message, position=position)
    refuse_if(found, position=position)
    changes = {
        **guaranty_id(guaranty),
        "damage_code": spec.loss,
        "damage_date": noted,
        "damage_amount": spec.amount,
        "damage_pct": spec.pct,
        "indemnity_date": spec.indemnity_date,
    }
    checked = validate(lk.session, "Guaranty", changes, full=False)
    if isinstance(checked, Result):
        fail(checked.rc, checked.message, position=position)
    assert not isinstance(checked, Result)
    lk.put("Guaranty", {**guaranty, **checked})
    return checked


def damage_guaranties(session: Session, damages: Sequence[NewDamage]) -> Result:
    """DAMAGE's batch form: every damage checked, then all written in one unit of work."""
    if not damages:
        return done("no guaranty to damage")
    count = len(damages)

    def plan() -> Result:
        with opened_for(session, merge(writing("Guaranty"), reading("Loss", "PRA"))) as refusal:
            if refusal is not None:
                return refusal
            lk = Lookup(session)
            if count > BULK:
                lk.preload_policies(d.guaranty.get("policy_no") for d in damages if isinstance(d.guaranty, Mapping))
                lk.select("Loss", {}, complete=True)
            planned = [_plan_damage(lk, spec, i if count > 1 else None) for i, spec in enumerate(damages)]

            def body(work: Work) -> Result:
                made: list[Article] = []
                for position, changes in enumerate(planned):
                    reply = session.rewrite("Guaranty", changes)
                    if not reply.ok:
                        result = from_reply(reply, "DAMAGE")
                        fail(result.rc, result.message, position=position if count > 1 else None)
                    work.wrote = True
                    assert reply.article is not None
                    made.append(reply.article)
                if count == 1:
                    return done(
                        f"guaranty {guaranty_label(made[0])} damaged by loss {damages[0].loss}", made[0], articles=made
                    )
                return done(f"{count} guaranties damaged", articles=made)

            return in_unit(session, body)

    return guarded(plan)


def damage(
    session: Session,
    guaranty: Mapping[str, Any],
    loss: str,
    *,
    amount: Decimal | None = None,
    pct: Decimal | None = None,
    damage_date: date | None = None,
    indemnity_date: date | None = None,
) -> Result:
    """DAMAGE (thesis V.3.1 c, "Endommagement d'une garantie"): the guaranty is damaged by loss
    ``loss`` (path Damage) — only its damage items change. Refused when it is already damaged (a
    guaranty is damaged by at most one loss), when the loss is of another contract (constraint 13)
    or its date lies outside the PRA's cover (constraint 14)."""
    return damage_guaranties(session, [NewDamage(guaranty, loss, amount, pct, damage_date, indemnity_date)])


def undamage(session: Session, guaranty: Mapping[str, Any]) -> Result:
    """UNDAMAGE (thesis V.3.1 c, "Récupération d'endommagement"): the inverse of DAMAGE — the link
    to the loss and the damage items are emptied. Refused when the guaranty is not damaged, or
    when ACCOUNT GUARANTY has already journalised the damage."""
    meta = record_type(session, "Guaranty")
    if isinstance(meta, Result):
        return meta
    with opened_for(session, merge(writing("Guaranty"), reading("Loss"))) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get("Guaranty", guaranty_id(guaranty)) if isinstance(guaranty, Mapping) else None
        if current is None:
            problem = lookup_failed(lk, "UNDAMAGE")
            return problem or failed(RC.NOT_FOUND, f"UNDAMAGE: no guaranty {guaranty_label(dict(guaranty))}")
        label = guaranty_label(current)
        if current.get("damage_code") is None:
            return failed(DomainRC.WRONG_STATE, f"guaranty {label} is not damaged")
        if current.get("accounted_damage"):
            return failed(
                DomainRC.WRONG_STATE,
                f"the damage of guaranty {label} is already accounted: undamaging it would leave its entries unmatched",
            )
        reset = {i: None for i in ("damage_code", *DAMAGE_ITEMS) if i in items_of(meta)}
        reply = session.rewrite("Guaranty", {**guaranty_id(current), **reset})
    if not reply.ok:
        return from_reply(reply, "UNDAMAGE")
    return done(f"guaranty {label} no longer damaged by loss {current['damage_code']}", reply.article, reply=reply)
