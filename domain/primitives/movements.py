"""The dated history of a loss: CREATE LOSS MOVEMENT and FIND LOSS MOVEMENTS.

A loss moves by *payments* (an amount paid to the claimant), *reserve changes* (the case
reserve — the outstanding — raised or released) and *recoveries* (salvage or subrogation
received). Each movement is an occurrence of ``LossMovement`` (path Movement from its loss),
numbered 1, 2, … within the loss, and the loss's running figures move with it in the same unit
of work:

- payment ``a > 0``: ``paid += a``; the outstanding falls by ``a``, down to zero (a payment beyond
  the reserve is paid all the same: the outstanding does not go negative);
- reserve ``a ≠ 0``: ``outstanding += a``, refused if the outstanding would fall below zero;
- recovery ``a > 0``: ``recovered += a``, refused if the loss would recover more than it paid.

``Loss.amount`` — the incurred loss, gross of recoveries — is kept at ``paid + outstanding``, and
each movement stores ``outstanding_after``, so a triangle can be built at any date from the
movements alone, paid (payments less recoveries) or incurred (plus the outstanding after the last
movement of the period).

Refused: a loss that does not exist (400) or is cancelled (1102), a kind not among the three, a
zero or (for payments and recoveries) negative amount, a date before the loss date or before the
loss's previous movement (13).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from assurdb.domain.constraints import Lookup, articles_of
from assurdb.domain.primitives.generic import select_occurrences, validate
from assurdb.domain.primitives.pra import BULK
from assurdb.domain.primitives.support import Work, fail, guarded, in_unit, lookup_failed, opened_for, writing
from assurdb.domain.results import DomainRC, Result, done, from_reply
from assurdb.metadb.contract import RC, Session

#: The kinds of movement.
KINDS = ("payment", "reserve", "recovery")
ZERO = Decimal(0)
WHAT = "CREATE LOSS MOVEMENT"


@dataclass(frozen=True)
class NewLossMovement:
    """A movement of a loss: ``kind`` payment, reserve or recovery, on ``movement_date``."""

    loss_code: str
    kind: str
    movement_date: date
    amount: Decimal | int
    document_ref: str | None = None


@dataclass
class _State:
    """A loss's running figures while a batch is planned."""

    loss: dict[str, Any]
    last_no: int
    last_date: date | None

    def figure(self, item: str) -> Decimal:
        value = self.loss.get(item)
        return Decimal(value) if value is not None else ZERO


def _state(lk: Lookup, states: dict[str, _State], movements: dict[str, list[dict[str, Any]]], code: str) -> _State:
    if code not in states:
        loss = lk.get("Loss", {"code": code})
        if loss is None:
            problem = lookup_failed(lk, WHAT)
            if problem is not None:
                fail(problem.rc, problem.message)
            fail(RC.NOT_FOUND, f"{WHAT}: no loss {code}")
        assert loss is not None
        previous = movements.get(code, [])
        last = max(previous, key=lambda m: int(m["movement_no"]), default=None)
        states[code] = _State(
            dict(loss),
            int(last["movement_no"]) if last is not None else 0,
            last["movement_date"] if last is not None else None,
        )
    return states[code]


def _plan(session: Session, state: _State, spec: NewLossMovement, position: int | None) -> dict[str, Any]:
    loss = state.loss
    code = loss["code"]
    if spec.kind not in KINDS:
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: kind {spec.kind!r} is not one of {', '.join(KINDS)}", position=position)
    article = validate(
        session,
        "LossMovement",
        {
            "loss_code": code,
            "movement_no": state.last_no + 1,
            "kind": spec.kind,
            "movement_date": spec.movement_date,
            "amount": spec.amount,
            "outstanding_after": 0,
            "document_ref": spec.document_ref,
        },
        full=True,
    )
    if isinstance(article, Result):
        fail(article.rc, f"{WHAT} {code}: {article.message}", position=position)
    assert not isinstance(article, Result)
    if loss.get("cancellation_date") is not None:
        fail(
            DomainRC.WRONG_STATE, f"{WHAT}: loss {code} was cancelled on {loss['cancellation_date']}", position=position
        )
    when: date = article["movement_date"]
    if when < loss["loss_date"]:
        fail(
            RC.VALUE_INVALID,
            f"{WHAT} {code}: dated {when}, before the loss date {loss['loss_date']}",
            position=position,
        )
    if state.last_date is not None and when < state.last_date:
        fail(
            RC.VALUE_INVALID,
            f"{WHAT} {code}: dated {when}, before the loss's movement {state.last_no} of {state.last_date}",
            position=position,
        )
    amount: Decimal = article["amount"]
    paid, outstanding, recovered = state.figure("paid"), state.figure("outstanding"), state.figure("recovered")
    if amount == ZERO or (spec.kind != "reserve" and amount < ZERO):
        sign = "positive" if spec.kind != "reserve" else "non-zero"
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: a {spec.kind} amount is {sign}, not {amount}", position=position)
    if spec.kind == "payment":
        paid += amount
        outstanding = max(ZERO, outstanding - amount)
    elif spec.kind == "reserve":
        if outstanding + amount < ZERO:
            fail(
                RC.VALUE_INVALID,
                f"{WHAT} {code}: releasing {-amount} leaves the outstanding {outstanding} below zero",
                position=position,
            )
        outstanding += amount
    else:
        if recovered + amount > paid:
            fail(
                RC.VALUE_INVALID,
                f"{WHAT} {code}: recovering {amount} makes {recovered + amount} recovered, more than the {paid} paid",
                position=position,
            )
        recovered += amount
    loss.update(paid=paid, outstanding=outstanding, recovered=recovered, amount=paid + outstanding)
    article["outstanding_after"] = outstanding
    state.last_no, state.last_date = article["movement_no"], when
    return article


def create_loss_movements(session: Session, movements: Sequence[NewLossMovement]) -> Result:
    """CREATE LOSS MOVEMENT's batch form: the movements, in the order given (a loss's movements in
    date order), and each loss's new paid / outstanding / recovered / amount, in one unit of work."""
    if not movements:
        return done("no loss movement to create")
    count = len(movements)

    def plan() -> Result:
        with opened_for(session, {**writing("LossMovement", "Loss")}) as refusal:
            if refusal is not None:
                return refusal
            lk = Lookup(session)
            if any(not isinstance(m, NewLossMovement) for m in movements):
                fail(RC.RT_MISMATCH, f"{WHAT}: each movement is a NewLossMovement")
            codes = sorted({str(m.loss_code) for m in movements})
            previous: dict[str, list[dict[str, Any]]] = {}
            if len(codes) > BULK:
                lk.select("Loss", {"code": (codes[0], codes[-1])})
                found = lk.select("LossMovement", {"loss_code": (codes[0], codes[-1])})
            else:
                found = [m for code in codes for m in lk.select("LossMovement", {"loss_code": code}) or ()]
            problem = lookup_failed(lk, WHAT)
            if problem is not None:
                return problem
            for m in found or ():
                previous.setdefault(m["loss_code"], []).append(m)
            states: dict[str, _State] = {}
            planned = [
                _plan(session, _state(lk, states, previous, str(spec.loss_code)), spec, i if count > 1 else None)
                for i, spec in enumerate(movements)
            ]

            def body(work: Work) -> Result:
                reply = session.write_batch("LossMovement", planned)
                if not reply.ok:
                    result = from_reply(reply, WHAT)
                    fail(result.rc, result.message, position=reply.position if count > 1 else None)
                work.wrote = True
                figures = ("paid", "outstanding", "recovered", "amount")
                losses = [{"code": code, **{k: state.loss[k] for k in figures}} for code, state in states.items()]
                if losses:
                    work.do(session.rewrite_batch("Loss", losses), f"{WHAT}: {len(losses)} loss(es)")
                if count == 1:
                    m = planned[0]
                    return done(
                        f"movement {m['movement_no']} of loss {m['loss_code']} ({m['kind']} {m['amount']}) created",
                        m,
                        articles=planned,
                    )
                return done(f"{count} loss movement(s) of {len(states)} loss(es) created", articles=planned)

            return in_unit(session, body)

    return guarded(plan)


def create_loss_movement(
    session: Session,
    loss_code: str,
    kind: str,
    movement_date: date,
    amount: Decimal | int,
    *,
    document_ref: str | None = None,
) -> Result:
    """CREATE LOSS MOVEMENT: a payment, reserve change or recovery of the loss on ``movement_date``
    (module docstring), numbered after the loss's last movement; the loss's figures follow."""
    return create_loss_movements(session, [NewLossMovement(loss_code, kind, movement_date, amount, document_ref)])


def find_loss_movements(session: Session, loss_code: str) -> Result:
    """FIND LOSS MOVEMENTS: a loss's movements in their order (``articles``, ``batch``)."""
    selected = select_occurrences(session, "LossMovement", {"loss_code": loss_code})
    if not selected.ok or selected.batch is None:
        return Result(selected.rc, f"FIND LOSS MOVEMENTS {loss_code}: {selected.message}", reply=selected.reply)
    rows = articles_of(selected.batch)
    return done(f"{len(rows)} movement(s) of loss {loss_code}", articles=rows, batch=selected.batch)
