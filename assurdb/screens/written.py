"""The written screens and their applications: screens of files (``files/policy.yaml``,
``files/loss.yaml``) whose actions are chapter V primitives, not single requests.

*A policy with its guaranties* calls CREATE POLICY (the PRA, its guaranties and its links in one
unit of work); *endorse a contract* CREATE ENDORSEMENT, *renew a policy* CREATE RENEWAL, *cancel
or reinstate a contract* CANCEL PRA / REINSTATE PRA; *a loss on the contract in force* calls
CREATE LOSS, which finds the contract of the policy in force on the loss date and refuses a date
none covers (constraint 14); *account* ACCOUNT everything not yet accounted (the journals written
are listed). A refusal is
shown next to the field it concerns: the guaranty rows are checked against the meta-database
first (``Session.check``, touching no data), so a bad premium sits by its own row.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from assurdb.domain.accounting import account_all
from assurdb.domain.constraints import Constraint
from assurdb.domain.primitives import (
    DomainRC,
    Result,
    cancel_pra,
    create_endorsement,
    create_loss,
    create_policy,
    create_renewal,
    reinstate_pra,
)
from assurdb.metadb.contract import RC, Session, as_rc, explain
from assurdb.screens.clerk import OPEN_PATIENCE, concerned_field
from assurdb.screens.interface import SCREEN, Display, Filled, Link, Place, Table
from assurdb.screens.loader import shipped_screen
from assurdb.screens.model import Screen
from assurdb.screens.values import parse

#: The guaranty rows of the policy screen.
GUARANTY_ROWS = 3
GUARANTY_ITEMS = ("peril", "sum_insured", "premium")
POLICY_ITEMS = ("policy_no", "class_of_business", "territory", "cover_start", "cover_end", "sum_insured", "premium")
LOSS_ITEMS = ("code", "loss_date", "notification_date", "amount", "cause")


def result_text(result: Result) -> str:
    """A primitive's answer in words: ``1014 loss date: constraint 14 (thesis IV.6): …``."""
    code = int(result.rc)
    if 1000 < code < 1100:
        words = Constraint(code - 1000).name.lower().replace("_", " ")
    elif code >= 1100:
        words = DomainRC(code).name.lower().replace("_", " ")
    else:
        words = explain(as_rc(code))
    return f"{code} {words}: {result.message}" if result.message else f"{code} {words}"


def _typed(screen: Screen, texts: Mapping[str, str], names: tuple[str, ...], prefix: str = "") -> dict[str, object]:
    """The non-empty fields ``prefix + name`` as values named ``name``."""
    return {
        name: parse(screen.field(prefix + name).kind, texts[prefix + name])
        for name in names
        if texts.get(prefix + name, "").strip()
    }


@dataclass(frozen=True)
class Written:
    """A written screen and the application that answers it."""

    screen: Screen
    answer: Callable[[Session, Screen, Filled], Display]


def patiently(call: Callable[[], Result]) -> Result:
    """A primitive, run again with back-off while a record type it needs is opened elsewhere in an
    incompatible mode (600+i), for at most :data:`~assurdb.screens.clerk.OPEN_PATIENCE` seconds."""
    deadline = time.monotonic() + OPEN_PATIENCE
    delay = 0.02
    while True:
        result = call()
        if not 600 < int(result.rc) < 700 or time.monotonic() > deadline:
            return result
        time.sleep(delay * (1 + random.random()))
        delay = min(delay * 2, 0.5)


def _policy(session: Session, screen: Screen, filled: Filled) -> Display:
    texts = filled.values
    target = Place("written", "policy")
    errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
    guaranties: list[dict[str, object]] = []
    for row in range(1, GUARANTY_ROWS + 1):
        prefix = f"g{row}_"
        guaranty = _typed(screen, texts, GUARANTY_ITEMS, prefix)
        if not guaranty:
            continue
        ids = {"policy_no": "X", "renewal_no": 0, "endorsement_no": 0, "guaranty_no": row}
        reply = session.check("Guaranty", {**ids, **guaranty}, purpose="write", every=False)
        if not reply.ok:
            fields = [f"{prefix}{i}" for i in GUARANTY_ITEMS]
            field = concerned_field(reply.message, fields, {f: f[len(prefix) :] for f in fields})
            errors[field if field != SCREEN else f"{prefix}peril"] = str(reply)
        guaranties.append(guaranty)
    if errors:
        return Display(screen, texts, errors, target)
    insured = parse("number", texts.get("insured", ""))
    result = patiently(
        lambda: create_policy(
            session,
            _typed(screen, texts, POLICY_ITEMS),
            guaranties,
            insured=insured,  # type: ignore[arg-type]  # a text that is no number: the interface says 13
            handling_cell=texts.get("handling_cell", "").strip() or None,
            intermediary=texts.get("intermediary", "").strip() or None,
        )
    )
    if not result.ok:
        return Display(screen, texts, {_policy_field(result): result_text(result)}, target)
    pra = {"policy_no": texts["policy_no"].strip(), "renewal_no": "0", "endorsement_no": "0"}
    link = Link(f"Policy {pra['policy_no']}/0/0", Place("view", "PRA", tuple(pra.items())))
    return Display(screen, {}, {}, target, (link,), notice=result.message or "created")


def _policy_field(result: Result) -> str:
    """The field a refusal of CREATE POLICY concerns."""
    message = result.message
    for pattern, field in (
        (r"\bInsured\b", "insured"),
        (r"\bOrgCell\b|handling cell", "handling_cell"),
        (r"\bIntermediary\b", "intermediary"),
        (r"\bGuaranty\b", "g1_peril"),
    ):
        if re.search(pattern, message):
            return field
    found = concerned_field(message, list(POLICY_ITEMS), {})
    if found == SCREEN and result.rc == RC.ALREADY_EXISTS:
        return "policy_no"
    return found


def _loss(session: Session, screen: Screen, filled: Filled) -> Display:
    texts = filled.values
    target = Place("written", "loss")
    errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
    if errors:
        return Display(screen, texts, errors, target)
    loss = _typed(screen, texts, LOSS_ITEMS)
    result = patiently(lambda: create_loss(session, loss, policy_no=texts["policy_no"].strip()))
    if not result.ok:
        if result.constraint is Constraint.LOSS_DATE:
            field = "loss_date"
        elif re.search(r"\bpolicy\b|\bPRA\b", result.message) and result.rc == RC.NOT_FOUND:
            field = "policy_no"
        else:
            field = concerned_field(result.message, list(LOSS_ITEMS), {})
        return Display(screen, texts, {field: result_text(result)}, target)
    link = Link(f"Loss {texts['code'].strip()}", Place("view", "Loss", (("code", texts["code"].strip()),)))
    return Display(screen, {}, {}, target, (link,), notice=result.message or "created")


def _pra_link(article: Mapping[str, object] | None) -> tuple[Link, ...]:
    if article is None:
        return ()
    ident = tuple((i, str(article[i])) for i in ("policy_no", "renewal_no", "endorsement_no"))
    label = "/".join(v for _, v in ident)
    return (Link(f"Contract {label}", Place("view", "PRA", ident)),)


def _answered(screen: Screen, texts: Mapping[str, str], target: Place, result: Result, fields: list[str]) -> Display:
    """A primitive's answer: the contract it made or changed, or its refusal next to its field."""
    if not result.ok:
        field = "policy_no" if result.rc == RC.NOT_FOUND else concerned_field(result.message, fields, {})
        if field == SCREEN and result.constraint is not None:
            field = "policy_no"
        return Display(screen, texts, {field: result_text(result)}, target)
    return Display(screen, texts, {}, target, _pra_link(result.article), notice=result.message or "done")


def _contract(session: Session, screen: Screen, filled: Filled) -> Display:
    texts = filled.values
    target = Place("written", "contract")
    pra = {
        "policy_no": texts.get("policy_no", "").strip(),
        "renewal_no": parse("number", texts.get("renewal_no", "") or "0"),
        "endorsement_no": parse("number", texts.get("endorsement_no", "") or "0"),
    }
    errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
    if filled.action == "cancel":
        errors |= {
            n: f"{screen.field(n).label} is required to cancel"
            for n in ("cancellation_type", "cancellation_date")
            if not texts.get(n, "").strip()
        }
    if errors:
        return Display(screen, texts, errors, target)
    if filled.action == "cancel":
        day = parse("date", texts["cancellation_date"])
        result = patiently(lambda: cancel_pra(session, pra, texts["cancellation_type"].strip(), day))  # type: ignore[arg-type]
    else:
        result = patiently(lambda: reinstate_pra(session, pra))
    fields = ["policy_no", "renewal_no", "endorsement_no", "cancellation_type", "cancellation_date"]
    return _answered(screen, texts, target, result, fields)


def _endorsement(session: Session, screen: Screen, filled: Filled) -> Display:
    texts = filled.values
    target = Place("written", "endorsement")
    errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
    if errors:
        return Display(screen, texts, errors, target)
    changes = _typed(screen, texts, ("sum_insured", "premium"))
    effective = parse("date", texts["effective"]) if texts.get("effective", "").strip() else None
    policy = texts["policy_no"].strip()
    result = patiently(lambda: create_endorsement(session, policy, changes, effective=effective))  # type: ignore[arg-type]
    return _answered(screen, texts, target, result, ["policy_no", "effective", "sum_insured", "premium"])


def _renewal(session: Session, screen: Screen, filled: Filled) -> Display:
    texts = filled.values
    target = Place("written", "renewal")
    errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
    if errors:
        return Display(screen, texts, errors, target)
    changes = _typed(screen, texts, ("sum_insured", "premium"))
    policy = texts["policy_no"].strip()
    result = patiently(lambda: create_renewal(session, policy, changes))
    return _answered(screen, texts, target, result, ["policy_no", "sum_insured", "premium"])


def _account(session: Session, screen: Screen, filled: Filled) -> Display:
    texts = filled.values
    target = Place("written", "account")
    errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
    dates = {n: parse("date", texts[n]) for n in ("writing_date", "payment_date") if texts.get(n, "").strip()}
    errors |= {
        n: f"{screen.field(n).label}: a date, YYYY-MM-DD or DD/MM/YYYY" for n, d in dates.items() if isinstance(d, str)
    }
    if errors:
        return Display(screen, texts, errors, target)
    done = account_all(session, writing_date=dates["writing_date"], payment_date=dates.get("payment_date"))  # type: ignore[arg-type]
    rows = tuple(
        (str(j.journal_no), j.event or "", j.source_rt or "", j.source_id or "", str(len(j.numbers)))
        for j in done.journals
    )
    table = Table(
        "Journals written",
        ("Journal", "Event", "Record type", "Article", "Entries"),
        rows,
        (True, False, False, False, True),
    )
    code = int(done.rc)
    text = f"{code} {explain(as_rc(code))}: {done.message}" if not done.ok else done.message
    return Display(
        screen, texts, {} if done.ok else {SCREEN: text}, target, notice=text if done.ok else "", table=table
    )


def written_screens() -> dict[str, Written]:
    """The written screens assurdb ships, by name."""
    return {
        "policy": Written(shipped_screen("policy"), _policy),
        "endorsement": Written(shipped_screen("endorsement"), _endorsement),
        "renewal": Written(shipped_screen("renewal"), _renewal),
        "contract": Written(shipped_screen("contract"), _contract),
        "loss": Written(shipped_screen("loss"), _loss),
        "account": Written(shipped_screen("account"), _account),
    }
