"""Participants, their mailboxes and public keys, and the validated splits, on the session contract.

Key rotation by key id: :func:`register_key` makes the new key a participant's ``primary`` (the one
it signs with and copies are wrapped for) and turns the former primary ``active`` — envelopes it
signed or that were wrapped for it are still accepted — until :func:`retire_key`, after which a
signature by it is refused. A key without owner is the hub's own.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from cryptography.hazmat.primitives.asymmetric import rsa

from assurdb.domain.exchange.codes import ExchangeRC
from assurdb.domain.exchange.envelope import key_id, load_public_der, public_der
from assurdb.domain.exchange.errors import EnvelopeError
from assurdb.domain.exchange.flows import Share, SplitInfo
from assurdb.domain.exchange.keys import KINDS, kind_of, participant_problem
from assurdb.domain.exchange.rules import Standing
from assurdb.domain.primitives.support import Work, in_unit, opened_for, writing
from assurdb.domain.results import Result, done, failed, from_reply
from assurdb.metadb.contract import RC, Reply, Session

PRIMARY, ACTIVE, RETIRED = "primary", "active", "retired"
#: Every record type of the exchange, as the hub opens them.
RECORD_TYPES = (
    "Participant",
    "PublicKey",
    "Mailbox",
    "Split",
    "SplitShare",
    "Article",
    "Delivery",
    "LogEntry",
    "Checkpoint",
    "Settlement",
)


def register_participant(
    session: Session, code: str, name: str, *, country: str = "FR", joined_on: dt.date | None = None
) -> Result:
    """A participant and its two mailboxes: ``<code>/emission`` (outbox) and ``<code>/reception``
    (inbox), the folders it sees on the exchange's server."""
    problem = participant_problem(code)
    if problem:
        return failed(ExchangeRC.INVALID_IDENTIFIER, problem)
    article = {"code": code, "kind": kind_of(code), "name": name, "country": country, "joined_on": joined_on}

    def body(work: Work) -> Result:
        work.do(session.write("Participant", article), f"WRITE Participant {code}")
        for box, folder in (("outbox", "emission"), ("inbox", "reception")):
            mailbox = {"participant_code": code, "box": box, "folder": f"{code}/{folder}"}
            work.do(session.write("Mailbox", mailbox), f"WRITE Mailbox {code} {box}")
        return done(f"participant {code} ({KINDS[kind_of(code)]}) registered", article)

    with opened_for(session, writing("Participant", "Mailbox")) as refusal:
        return refusal or in_unit(session, body)


def standing(session: Session, code: str) -> Standing | None:
    reply = session.read_direct("Participant", {"code": code})
    if not reply.ok or reply.article is None:
        return None
    return Standing(str(reply.article["kind"]), bool(reply.article["active"]))


@dataclass(frozen=True, slots=True)
class StoredKey:
    key_id: str
    owner: str | None
    status: str
    public: rsa.RSAPublicKey


def owned_keys(session: Session, owner: str) -> Iterator[dict[str, Any]]:
    """The PublicKey articles of a participant (KeyOwnership), in status order."""
    current: dict[str, Any] | None = None
    while True:
        reply = session.read_target_via_path("Participant", {"code": owner}, "KeyOwnership", "PublicKey", current)
        if not reply.ok or reply.article is None:
            return
        current = reply.article
        yield current


def register_key(session: Session, owner: str | None, public: rsa.RSAPublicKey, *, on: dt.date | None = None) -> Result:
    """Register ``public`` as ``owner``'s primary key (``owner`` None: the hub's); the former
    primary becomes active."""
    try:
        der = public_der(public)
        load_public_der(der)
    except EnvelopeError as exc:
        return failed(ExchangeRC.INVALID_IDENTIFIER, exc.reason)
    kid = key_id(public)
    article = {
        "key_id": kid,
        "status": PRIMARY,
        "der": base64.b64encode(der).decode(),
        "bits": public.key_size,
        "registered_on": on or dt.date.today(),
        "owner_code": owner,
    }

    def body(work: Work) -> Result:
        if owner is not None:
            for old in list(owned_keys(session, owner)):
                if old["status"] == PRIMARY:
                    work.do(
                        session.rewrite("PublicKey", {"key_id": old["key_id"], "status": ACTIVE}), "REWRITE PublicKey"
                    )
        else:
            for hub_key in hub_keys(session):
                if hub_key.status == PRIMARY:
                    change = {"key_id": hub_key.key_id, "status": ACTIVE}
                    work.do(session.rewrite("PublicKey", change), "REWRITE PublicKey")
        work.do(session.write("PublicKey", article), f"WRITE PublicKey {kid[:16]}…")
        return done(f"key {kid[:16]}… is {owner or 'the hub'}'s primary key", article)

    with opened_for(session, writing("Participant", "PublicKey")) as refusal:
        return refusal or in_unit(session, body)


def retire_key(session: Session, kid: str, *, on: dt.date | None = None) -> Result:
    """A key no longer accepted (its signatures refused, no copy wrapped for it)."""
    with opened_for(session, writing("PublicKey")) as refusal:
        if refusal:
            return refusal
        reply = session.rewrite("PublicKey", {"key_id": kid, "status": RETIRED, "retired_on": on or dt.date.today()})
        return done(f"key {kid[:16]}… retired") if reply.ok else from_reply(reply, "REWRITE PublicKey")


def _stored(article: dict[str, Any]) -> StoredKey:
    public = load_public_der(base64.b64decode(str(article["der"])))
    owner = article.get("owner_code")
    return StoredKey(str(article["key_id"]), str(owner) if owner else None, str(article["status"]), public)


def stored_key(session: Session, kid: str) -> StoredKey | None:
    reply = session.read_direct("PublicKey", {"key_id": kid})
    return _stored(reply.article) if reply.ok and reply.article is not None else None


def primary_key(session: Session, owner: str) -> StoredKey | None:
    return next((_stored(a) for a in owned_keys(session, owner) if a["status"] == PRIMARY), None)


def hub_keys(session: Session) -> list[StoredKey]:
    """The hub's keys (no owner), primary first."""
    found: list[StoredKey] = []
    for status in (PRIMARY, ACTIVE):
        for row in rows(session.read_selection("PublicKey", {"status": status})):
            if text_or_none(row.get("owner_code")) is None:
                found.append(_stored({**row, "owner_code": None}))
    return found


def rows(reply: Reply) -> list[dict[str, Any]]:
    """A READ SELECTION's articles as mappings (none when it failed)."""
    if not reply.ok or reply.batch is None:
        return []
    return [{str(k): v for k, v in r.items()} for r in reply.batch.to_dict("records")]


def text_or_none(value: Any) -> str | None:
    """A text cell of a READ SELECTION frame (pandas' NA for an empty item) as a str or None."""
    return None if value is None or pd.isna(value) else str(value)


def stored_split(session: Session, key: str) -> SplitInfo | None:
    """A validated split with its shares, or None."""
    reply = session.read_direct("Split", {"split_key": key})
    if not reply.ok or reply.article is None:
        return None
    split = reply.article
    shares: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    while True:  # a split's few shares: one path read each is cheaper than a selection's frame
        share = session.read_target_via_path("Split", {"split_key": key}, "Sharing", "SplitShare", current)
        if not share.ok or share.article is None:
            break
        current = share.article
        shares.append(current)
    return SplitInfo(
        key=key,
        version=int(str(split["version"])),
        leader=str(split["leader_code"]),
        broker=str(split["broker_code"]) if split.get("broker_code") else None,
        currency=str(split["currency"]),
        commission_rate=Decimal(str(split["commission_rate"])),
        shares=tuple(
            Share(
                str(r["coinsurer_code"]),
                Decimal(r["share_pct"]),
                Decimal(r["commission_rate"]),
                text_or_none(r.get("agent_code")),
            )
            for r in shares
        ),
    )


def store_split(work: Work, split: SplitInfo, policy: str, year: int, split_no: str, *, new: bool) -> None:
    """Write a validated split (version 0) or replace it by its next version, inside ``work``'s unit."""
    session = work.session
    article = {
        "split_key": split.key,
        "policy_no": policy,
        "underwriting_year": year,
        "split_no": split_no,
        "version": split.version,
        "currency": split.currency,
        "commission_rate": split.commission_rate,
        "leader_code": split.leader,
        "broker_code": split.broker,
    }
    if new:
        work.do(session.write("Split", article), f"WRITE Split {split.key}")
    else:
        work.do(session.rewrite("Split", article), f"REWRITE Split {split.key}")
        old = session.read_selection("SplitShare", {"split_key": split.key})
        if old.rc != RC.OK:
            work.do(old, "READ SELECTION SplitShare")
        assert old.batch is not None
        for code in old.batch["coinsurer_code"].tolist():
            work.do(session.delete("SplitShare", {"split_key": split.key, "coinsurer_code": code}), "DELETE SplitShare")
    shares = [
        {
            "split_key": split.key,
            "coinsurer_code": s.coinsurer,
            "share_pct": s.share_pct,
            "commission_rate": s.commission_rate,
            "agent_code": s.agent,
        }
        for s in split.shares
    ]
    work.do(session.write_batch("SplitShare", shares), f"WRITE BATCH SplitShare {split.key}")
