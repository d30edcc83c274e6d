"""OPEN ACCOUNT and CLOSE ACCOUNT (thesis V.4.1 b): the only Account primitives of this module —
ACCOUNT x (journal entries) belongs to ``domain.accounting``.

OPEN ACCOUNT "création de l'occurrence … seules les valeurs d'items concernant l'ouverture du
compte sont accessibles": it creates the account with its opening date, or gives an account
created without one its opening date. CLOSE ACCOUNT sets the closing date, "les valeurs d'items
concernant la clôture du compte" only. A closed account is not reopened (its journal is final):
open a new account instead.
"""

from __future__ import annotations

from datetime import date

from assurdb.domain.constraints import Lookup, articles_of
from assurdb.domain.primitives.generic import validate
from assurdb.domain.primitives.support import lookup_failed, merge, opened_for, reading, writing
from assurdb.domain.results import DomainRC, Result, done, failed, from_reply
from assurdb.metadb.contract import RC, Session


def open_account(
    session: Session, number: int, opened: date, *, name: str | None = None, type: str | None = None
) -> Result:
    """OPEN ACCOUNT: create account ``number`` (``name`` and ``type`` needed then) opened on
    ``opened``, or set the opening date of an existing account that has none. Refused (1102) for an
    account already open or closed."""
    if not isinstance(opened, date):
        return failed(RC.VALUE_INVALID, f"OPEN ACCOUNT {number}: the opening date is a date, not {opened!r}")
    with opened_for(session, writing("Account")) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get("Account", {"number": number})
        problem = lookup_failed(lk, f"OPEN ACCOUNT {number}")
        if problem is not None:
            return problem
        if current is None:
            article = validate(
                session, "Account", {"number": number, "name": name, "type": type, "opened": opened}, full=True
            )
            if isinstance(article, Result):
                return failed(article.rc, f"OPEN ACCOUNT {number}: {article.message}")
            reply = session.write("Account", article)
            verb = "created and opened"
        else:
            if name is not None or type is not None:
                return failed(
                    DomainRC.ITEM_NOT_ALLOWED,
                    f"OPEN ACCOUNT {number}: the account exists; only its opening date is set here (MODIFY renames)",
                )
            if current.get("closed") is not None:
                return failed(
                    DomainRC.WRONG_STATE,
                    f"account {number} was closed on {current['closed']}: a closed account is not reopened",
                )
            if current.get("opened") is not None:
                return failed(DomainRC.WRONG_STATE, f"account {number} is already open since {current['opened']}")
            reply = session.rewrite("Account", {"number": number, "opened": opened})
            verb = "opened"
    if not reply.ok:
        return from_reply(reply, f"OPEN ACCOUNT {number}")
    return done(f"account {number} {verb} on {opened}", reply.article, reply=reply)


def close_account(session: Session, number: int, closed: date) -> Result:
    """CLOSE ACCOUNT: set the closing date of an open account. Refused (1102) when it is not open
    or already closed, and (13) when the date precedes its opening or one of its entries."""
    if not isinstance(closed, date):
        return failed(RC.VALUE_INVALID, f"CLOSE ACCOUNT {number}: the closing date is a date, not {closed!r}")
    with opened_for(session, merge(writing("Account"), reading("Entry"))) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get("Account", {"number": number})
        problem = lookup_failed(lk, f"CLOSE ACCOUNT {number}")
        if problem is not None:
            return problem
        if current is None:
            return failed(RC.NOT_FOUND, f"CLOSE ACCOUNT: no account {number}")
        if current.get("closed") is not None:
            return failed(DomainRC.WRONG_STATE, f"account {number} is already closed since {current['closed']}")
        if current.get("opened") is None:
            return failed(DomainRC.WRONG_STATE, f"account {number} was never opened")
        if closed < current["opened"]:
            return failed(RC.VALUE_INVALID, f"account {number} opened on {current['opened']} cannot close on {closed}")
        later = session.read_selection("Entry", {"writing_date": (closed, date.max)})
        if not later.ok:
            return from_reply(later, f"CLOSE ACCOUNT {number}")
        after = [
            e for e in articles_of(later.batch) if e.get("accounting_number") == number and e["writing_date"] > closed
        ]
        if after:
            return failed(
                RC.VALUE_INVALID,
                f"account {number} has entries written after {closed} (entry {after[0]['number']} on "
                f"{after[0]['writing_date']}): it cannot close before them",
            )
        reply = session.rewrite("Account", {"number": number, "closed": closed})
    if not reply.ok:
        return from_reply(reply, f"CLOSE ACCOUNT {number}")
    return done(f"account {number} closed on {closed}", reply.article, reply=reply)
