"""The Loss primitives of thesis V.3.1 f: CREATE LOSS, LOSS PARTIAL MODIF, CANCEL / REINSTATE LOSS.

CREATE LOSS attaches the claim to "le contrat en vigueur au moment de l'accident, c'est-à-dire au
dernier Avenant, Renouvellement ou Police dont la date de couverture chevauche la date du
sinistre" (thesis IV.4.5): the last PRA of the policy whose cover period contains the loss date
(constraint 14), not cancelled by then. Like the thesis' "composition des valeurs d'items des
occurrences de base", items the loss does not give come from the composed contract (its
territory). The guaranties it damages are then given with DAMAGE (constraint 13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from assurdb.domain.constraints import Constraint, Lookup, check_loss_date, items_of, pra_label, violation
from assurdb.domain.constraints.codes import Article
from assurdb.domain.primitives.generic import Confirm, validate
from assurdb.domain.primitives.lifecycle import ACCOUNTED_PREFIX, CANCELLATION_ITEMS, cancel, partial_modif, reinstate
from assurdb.domain.primitives.pra import BULK, Chains, compose, contract_in_force, pra_id
from assurdb.domain.primitives.support import (
    Abort,
    Work,
    fail,
    guarded,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    writing,
)
from assurdb.domain.results import DomainRC, Result, done, from_reply, refused
from assurdb.metadb.contract import RC, Session


@dataclass(frozen=True)
class NewLoss:
    """A loss of a policy (the contract in force at its date is found) or of a given PRA."""

    loss: Mapping[str, Any]
    policy_no: str | None = None
    pra: Mapping[str, Any] | None = None


def _check_amounts(loss: Mapping[str, Any], given: Mapping[str, Any], position: int | None) -> None:
    """A loss's amounts are never negative (a recovery is a movement of its own), and the amount is
    what was paid plus what is outstanding when all three are given."""
    for item in ("amount", "paid", "outstanding"):
        value = loss.get(item)
        if value is not None and value < 0:
            fail(
                RC.VALUE_INVALID,
                f"CREATE LOSS {loss['code']}: {item} may not be negative ({value}); a recovery is a loss "
                "movement of kind recovery",
                position=position,
            )
    if all(given.get(i) is not None for i in ("amount", "paid", "outstanding")):
        if loss["amount"] != loss["paid"] + loss["outstanding"]:
            fail(
                RC.VALUE_INVALID,
                f"CREATE LOSS {loss['code']}: the amount {loss['amount']} is not the paid {loss['paid']} plus "
                f"the outstanding {loss['outstanding']}",
                position=position,
            )
    elif given.get("paid") is not None and given.get("amount") is not None and loss["paid"] > loss["amount"]:
        fail(
            RC.VALUE_INVALID,
            f"CREATE LOSS {loss['code']}: paid {loss['paid']} is more than the amount {loss['amount']}",
            position=position,
        )


def _plan(session: Session, lk: Lookup, chains: Chains, spec: NewLoss, position: int | None) -> Article:
    schema = session.schema
    meta = schema.record_types["Loss"]
    if not isinstance(spec.loss, Mapping):
        fail(RC.RT_MISMATCH, "CREATE LOSS: the loss is a mapping of item names to values", position=position)
    barred = [
        str(k)
        for k in spec.loss
        if k in items_of(meta)
        and (items_of(meta)[k].path is not None or k.startswith(ACCOUNTED_PREFIX) or k in CANCELLATION_ITEMS)
    ]
    if barred:
        fail(DomainRC.ITEM_NOT_ALLOWED, f"CREATE LOSS may not set {', '.join(barred)}", position=position)
    if (spec.policy_no is None) == (spec.pra is None):
        fail(RC.RT_MISMATCH, "CREATE LOSS takes the policy number or the PRA", position=position)
    given = validate(session, "Loss", spec.loss, full=True)
    if isinstance(given, Result):
        fail(given.rc, f"CREATE LOSS: {given.message}", position=position)
    assert not isinstance(given, Result)
    _check_amounts(given, spec.loss, position)
    when: date = given["loss_date"]
    policy_no = spec.policy_no if spec.pra is None else str(spec.pra.get("policy_no"))
    chain = chains.chain(str(policy_no))
    if not chain:
        fail(RC.NOT_FOUND, f"CREATE LOSS: no policy {policy_no}", position=position)
    if spec.pra is not None:
        pra = next((p for p in chain if pra_id(p) == pra_id(spec.pra)), None)
        if pra is None:
            fail(RC.NOT_FOUND, f"CREATE LOSS: no PRA {pra_label(spec.pra)}", position=position)
        assert pra is not None
        found = check_loss_date(given, pra)
        if found is not None:
            raise Abort(refused(found, position=position))
    else:
        in_force = contract_in_force(chain, when)
        periods = ", ".join(f"{p['cover_start']} – {p['cover_end']}" for p in chain)
        if in_force is None:
            raise Abort(
                refused(
                    violation(
                        Constraint.LOSS_DATE,
                        f"Loss {given['code']}",
                        f"no PRA of policy {policy_no} covers the loss date {when} (its periods: {periods})",
                    ),
                    position=position,
                )
            )
        assert in_force is not None
        pra = dict(in_force)
    cancelled = pra.get("cancellation_date")
    if cancelled is not None and cancelled <= when:
        fail(
            DomainRC.WRONG_STATE,
            f"CREATE LOSS: PRA {pra_label(pra)} was cancelled on {cancelled}, before the loss date {when}",
            position=position,
        )
    notified = given.get("notification_date")
    if notified is not None and notified < when:
        fail(RC.VALUE_INVALID, f"CREATE LOSS: notified on {notified}, before the loss date {when}", position=position)
    contract = compose(schema, chains.term_of(pra))
    article = dict(given)
    if "territory" not in spec.loss and contract.get("territory"):
        article["territory"] = contract["territory"]
    if "outstanding" not in spec.loss and article.get("amount") is not None:
        article["outstanding"] = article["amount"] - (article.get("paid") or 0)
    article.update({t: pra[o] for o, t in schema.path_types["Accident"].origin_items})
    checked = validate(session, "Loss", article, full=True)
    if isinstance(checked, Result):
        fail(checked.rc, f"CREATE LOSS: {checked.message}", position=position)
    assert not isinstance(checked, Result)
    if lk.get("Loss", checked) is not None:
        fail(RC.ALREADY_EXISTS, f"CREATE LOSS: loss {checked['code']} already exists", position=position)
    lk.put("Loss", checked)
    return checked


def create_losses(session: Session, losses: Sequence[NewLoss]) -> Result:
    """CREATE LOSS's batch form (one unit of work, WRITE BATCH, all or none)."""
    if not losses:
        return done("no loss to create")
    count = len(losses)

    def plan() -> Result:
        with opened_for(session, merge(writing("Loss"), reading("PRA", "Guaranty"))) as refusal:
            if refusal is not None:
                return refusal
            lk = Lookup(session)
            if count > BULK:
                lk.select("Loss", {}, complete=True)
            chains = Chains(session)
            chains.load(
                [
                    str(s.policy_no if s.pra is None else s.pra.get("policy_no"))
                    for s in losses
                    if isinstance(s, NewLoss)
                ]
            )
            if chains.failure is not None:
                return from_reply(chains.failure, "CREATE LOSS")
            planned = [_plan(session, lk, chains, spec, i if count > 1 else None) for i, spec in enumerate(losses)]
            problem = lookup_failed(lk, "CREATE LOSS")
            if problem is not None:
                return problem

            def body(work: Work) -> Result:
                reply = session.write_batch("Loss", planned)
                if not reply.ok:
                    result = from_reply(reply, "CREATE LOSS")
                    fail(result.rc, result.message, position=reply.position if count > 1 else None)
                work.wrote = True
                if count == 1:
                    pra = {i: planned[0][f"accident_{i}"] for i in ("policy_no", "renewal_no", "endorsement_no")}
                    return done(
                        f"loss {planned[0]['code']} of PRA {pra_label(pra)} created", planned[0], articles=planned
                    )
                return done(f"{count} loss(es) created", articles=planned)

            return in_unit(session, body)

    return guarded(plan)


def create_loss(
    session: Session,
    loss: Mapping[str, Any],
    *,
    policy_no: str | None = None,
    pra: Mapping[str, Any] | None = None,
) -> Result:
    """CREATE LOSS (thesis V.3.1 f): the loss, linked (Accident) to the PRA of ``policy_no`` in force
    on its loss date — or to ``pra``, whose cover must contain that date (constraint 14). Refused
    (1014) when no PRA of the policy covers the date, and when the contract was cancelled by then;
    refused (13) when an amount is negative or the amount is not paid + outstanding. Its history
    then goes through CREATE LOSS MOVEMENT."""
    return create_losses(session, [NewLoss(loss, policy_no, pra)])


def loss_partial_modif(session: Session, loss: Mapping[str, Any]) -> Result:
    """LOSS PARTIAL MODIF (thesis V.3.1 f): only items that do not change the accounting (type,
    cause, notification, closing date…); amounts and the loss date are refused."""
    return partial_modif(session, "Loss", loss)


def cancel_loss(session: Session, code: str, cancellation_type: str, cancellation_date: date) -> Result:
    """CANCEL LOSS (thesis V.3.1 f): only the cancellation items, on or after the loss date."""
    return cancel(session, "Loss", {"code": code}, cancellation_type, cancellation_date)


def reinstate_loss(session: Session, code: str, *, confirm: Confirm | None = None) -> Result:
    """REINSTATE LOSS (thesis V.3.1 f): the inverse of CANCEL LOSS."""
    return reinstate(session, "Loss", {"code": code}, confirm=confirm)
