"""The tamper-evident log: a hash chain with signed checkpoints.

Each :class:`LogEntry` article holds ``entry_hash = SHA-256(prev_hash ‖ "\\n" ‖ canonical JSON of
the entry)``, where the canonical JSON has the keys ``seq``, ``article_no``, ``split_key``,
``actor_code``, ``event``, ``party_code``, ``detail``, ``recorded_on`` (ISO date), sorted, with no
spaces; the first entry's ``prev_hash`` is 64 zeros. Changing, inserting or removing an entry breaks
every later hash. Every so often the hub signs the head (RSA-PSS, SHA-256) over the bytes
``AXLOG1|<seq>|<head hash>`` into a :class:`Checkpoint`: a rewritten chain no longer matches the
signed heads.

**Trails** (:func:`track`): a participant follows the articles it sent, validated or received,
and nothing else. A trail holds those articles' entries in full, every other entry between the
first of them and the next checkpoint as its ``(seq, prev_hash, entry_hash)`` link only (what it
was about stays hidden), and that checkpoint with its signature; :func:`verify_trail` recomputes
the participant's own entries, follows the links and checks the signature, so the hub cannot
change the participant's entries, drop one or reorder them without the signed head exposing it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from assurdb.domain.exchange.codes import ExchangeRC
from assurdb.domain.exchange.envelope import key_id
from assurdb.domain.exchange.registry import rows, stored_key, text_or_none
from assurdb.domain.primitives.support import Work
from assurdb.domain.results import Result, done, failed
from assurdb.metadb.contract import Session

GENESIS = "0" * 64
ENTRY_ITEMS = ("seq", "article_no", "split_key", "actor_code", "event", "party_code", "detail", "recorded_on")
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_CHUNK = 5000


def canonical(entry: Mapping[str, Any]) -> bytes:
    plain = {}
    for item in ENTRY_ITEMS:
        value = entry.get(item)
        if isinstance(value, dt.datetime):  # a READ SELECTION frame's date (pandas Timestamp)
            value = value.date().isoformat()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif item in ("seq", "article_no"):
            value = int(value or 0)
        elif value is not None:
            value = text_or_none(value)
        plain[item] = value
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def checkpoint_bytes(seq: int, head_hash: str) -> bytes:
    return f"AXLOG1|{seq}|{head_hash}".encode()


@dataclass
class Chain:
    """The log's head as the hub holds it between its units of work."""

    seq: int = 0
    head: str = GENESIS
    pending: list[dict[str, Any]] = field(default_factory=list)

    def append(
        self,
        work: Work,
        event: str,
        *,
        on: dt.date,
        article_no: int = 0,
        split_key: str | None = None,
        actor: str | None = None,
        party: str | None = None,
        detail: str | None = None,
    ) -> dict[str, Any]:
        """Write the next entry inside ``work``'s unit; the head moves when :meth:`settle` is told
        the unit committed (:meth:`forget` when it did not)."""
        seq = (self.pending[-1]["seq"] if self.pending else self.seq) + 1
        prev = self.pending[-1]["entry_hash"] if self.pending else self.head
        entry: dict[str, Any] = {
            "seq": seq,
            "article_no": article_no,
            "split_key": split_key,
            "actor_code": actor,
            "event": event,
            "party_code": party,
            "detail": (detail or "")[:200] or None,
            "recorded_on": on,
        }
        entry["prev_hash"] = prev
        entry["entry_hash"] = entry_hash(prev, entry)
        work.do(work.session.write("LogEntry", entry), f"WRITE LogEntry {seq}")
        self.pending.append(entry)
        return entry

    def settle(self) -> None:
        if self.pending:
            self.seq, self.head = self.pending[-1]["seq"], self.pending[-1]["entry_hash"]
        self.pending.clear()

    def forget(self) -> None:
        self.pending.clear()


def load_chain(session: Session) -> Chain:
    from assurdb.domain.exchange.numbering import last_number

    seq = last_number(session, "LogEntry", "seq")
    if seq == 0:
        return Chain()
    last = session.read_direct("LogEntry", {"seq": seq})
    assert last.article is not None
    return Chain(seq, str(last.article["entry_hash"]))


def sign_checkpoint(session: Session, chain: Chain, signing_key: rsa.RSAPrivateKey, *, on: dt.date) -> Result:
    """Sign the log's head into a Checkpoint (nothing to do on an empty log or a head signed already)."""
    if chain.seq == 0:
        return done("the log is empty")
    signature = signing_key.sign(checkpoint_bytes(chain.seq, chain.head), _PSS, hashes.SHA256())
    article = {
        "seq": chain.seq,
        "head_hash": chain.head,
        "key_id": key_id(signing_key),
        "signature": base64.b64encode(signature).decode(),
        "signed_on": on,
    }
    reply = session.write("Checkpoint", article)
    if reply.rc == 500:
        return done(f"the head {chain.seq} is signed already")
    return done(f"checkpoint at entry {chain.seq}", article) if reply.ok else failed(reply.rc, reply.message)


def _entries(session: Session, low: int = 1, high: int | None = None) -> Iterable[dict[str, Any]]:
    """LogEntry articles by seq from ``low`` (to ``high``), read by selections of a few thousand."""
    start = low
    while high is None or start <= high:
        stop = start + _CHUNK - 1 if high is None else min(high, start + _CHUNK - 1)
        found = rows(session.read_selection("LogEntry", {"seq": (start, stop)}))
        yield from found
        if len(found) < stop - start + 1:
            return
        start = stop + 1


def _checkpoints(session: Session) -> list[dict[str, Any]]:
    return rows(session.read_selection("Checkpoint", {}))


def _signature_ok(session: Session, cp: Mapping[str, Any]) -> str | None:
    """Why a checkpoint's signature does not hold, or None."""
    key = stored_key(session, str(cp["key_id"]))
    if key is None or key.owner is not None:
        return f"checkpoint {cp['seq']}: signed with {str(cp['key_id'])[:16]}…, which is not a key of the hub"
    try:
        key.public.verify(
            base64.b64decode(str(cp["signature"])),
            checkpoint_bytes(int(cp["seq"]), str(cp["head_hash"])),
            _PSS,
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return f"checkpoint {cp['seq']}: bad signature"
    return None


def verify_log(session: Session) -> Result:
    """Recompute the whole chain and check every checkpoint; the first break, by its seq, if any."""
    checkpoints = {int(cp["seq"]): cp for cp in _checkpoints(session)}
    prev, expected_seq = GENESIS, 1
    for row in _entries(session):
        seq = int(row["seq"])
        if seq != expected_seq:
            return failed(ExchangeRC.LOG_BROKEN, f"entry {expected_seq} is missing", position=expected_seq)
        if row["prev_hash"] != prev:
            return failed(ExchangeRC.LOG_BROKEN, f"entry {seq} does not follow entry {seq - 1}", position=seq)
        if entry_hash(prev, row) != row["entry_hash"]:
            return failed(ExchangeRC.LOG_BROKEN, f"entry {seq} was altered (its hash does not match)", position=seq)
        cp = checkpoints.pop(seq, None)
        if cp is not None:
            if cp["head_hash"] != row["entry_hash"]:
                return failed(ExchangeRC.LOG_BROKEN, f"checkpoint {seq} signed another head", position=seq)
            problem = _signature_ok(session, cp)
            if problem:
                return failed(ExchangeRC.LOG_BROKEN, problem, position=seq)
        prev, expected_seq = row["entry_hash"], seq + 1
    if checkpoints:
        first = min(checkpoints)
        return failed(
            ExchangeRC.LOG_BROKEN, f"checkpoint {first} signs an entry the log no longer holds", position=first
        )
    return done(f"{expected_seq - 1} entries and their checkpoints verify")


@dataclass(frozen=True, slots=True)
class Trail:
    """A participant's view of the log (see the module docstring)."""

    participant: str
    entries: tuple[dict[str, Any], ...]  # own entries in full; others as {seq, prev_hash, entry_hash}
    checkpoint: dict[str, Any] | None
    own: frozenset[int]


def concerned(session: Session, article_no: int, participant: str) -> bool:
    """Whether ``participant`` sent, validates or received the article."""
    reply = session.read_direct("Article", {"article_no": article_no})
    if not reply.ok or reply.article is None:
        return False
    if participant in (reply.article.get("sender_code"), reply.article.get("leader_code")):
        return True
    return session.read_direct("Delivery", {"article_no": article_no, "recipient_code": participant}).ok


def track(session: Session, participant: str, article_no: int) -> Result:
    """The trail of an article for a party of it (:class:`Trail` in ``article``'s ``trail``), or
    NOT_A_PARTY: a participant follows its own articles only."""
    if not concerned(session, article_no, participant):
        return failed(ExchangeRC.NOT_A_PARTY, f"{participant} is no party of article {article_no}")
    reply = session.read_selection("LogEntry", {"article_no": article_no})
    if not reply.ok or reply.batch is None:
        return failed(int(reply.rc), reply.message)
    mine = sorted(int(s) for s in reply.batch["seq"].tolist())
    if not mine:
        return failed(ExchangeRC.LOG_BROKEN, f"article {article_no} has no log entry")
    after = [cp for cp in _checkpoints(session) if int(cp["seq"]) >= mine[-1]]
    checkpoint = min(after, key=lambda cp: int(cp["seq"])) if after else None
    high = int(checkpoint["seq"]) if checkpoint else None
    entries = []
    own = set(mine)
    for row in _entries(session, mine[0], high):
        if int(row["seq"]) in own:
            entries.append({k: row[k] for k in (*ENTRY_ITEMS, "prev_hash", "entry_hash")})
        else:
            entries.append({"seq": int(row["seq"]), "prev_hash": row["prev_hash"], "entry_hash": row["entry_hash"]})
    trail = Trail(participant, tuple(entries), checkpoint, frozenset(own))
    return done(f"{len(own)} entries of article {article_no}", {"trail": trail})


def verify_trail(trail: Trail, hub_public: Mapping[str, rsa.RSAPublicKey]) -> str | None:
    """Why a trail does not prove itself against the hub's keys (key id → public key), or None."""
    prev: str | None = None
    for entry in trail.entries:
        seq = int(entry["seq"])
        if prev is not None and entry["prev_hash"] != prev:
            return f"entry {seq} does not follow the one before"
        if seq in trail.own and entry_hash(str(entry["prev_hash"]), entry) != entry["entry_hash"]:
            return f"entry {seq} was altered"
        prev = str(entry["entry_hash"])
    cp = trail.checkpoint
    if cp is None:
        return "no signed checkpoint covers the trail yet"
    if not trail.entries or int(trail.entries[-1]["seq"]) != int(cp["seq"]) or cp["head_hash"] != prev:
        return "the trail does not end at the signed head"
    public = hub_public.get(str(cp["key_id"]))
    if public is None:
        return "the checkpoint is signed with a key that is not the hub's"
    try:
        public.verify(
            base64.b64decode(str(cp["signature"])),
            checkpoint_bytes(int(cp["seq"]), str(cp["head_hash"])),
            _PSS,
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return "bad checkpoint signature"
    return None
