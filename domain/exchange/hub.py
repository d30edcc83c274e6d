"""The hub: the central robot that receives, checks, queues for the leader, and distributes.

A file's life (each step one unit of work, written in the log in the same unit):

1. :meth:`Hub.submit` — the envelope that came through a participant's outbox is verified (the
   sender is the outbox's owner, its signing key is registered to it and not retired, the signature
   holds, the envelope is addressed to the hub) and decrypted; anything wrong there refuses it
   before an article exists (ENVELOPE_REFUSED, with a notice to the outbox's owner). An identical
   resubmission (same content hash, sender, key, flow, version) is recognised and not taken again
   (DUPLICATE). Then the rules (:mod:`.rules`) run: a file that breaks one is *rejected* and goes
   back to its sender with every reason; otherwise it is *submitted* and waits in its leader's
   validation queue — or, when the leader sent it, it is validated at once.
2. :meth:`Hub.validate` (one by one) or :meth:`Hub.validate_where` (in bulk, by criteria): the
   leader's decision — through the hub's API, or as a file of flow ``decision`` the leader signs
   and sends like any other (:meth:`Hub._decide`), so a running hub takes it from its outbox.
   The rules run again against what the exchange holds now (a split validated in the meantime,
   an endorsement still missing); then a split list is stored as the split, and the
   file is *distributed*: the hub seals one envelope per recipient — the leader, every co-insurer,
   every agent who underwrote a share, and the clearing body for financial flows — each showing the
   split's shares and only the recipient's own commission rate. :meth:`Hub.reject` sends it back.
3. :meth:`Hub.collect` and :meth:`Hub.purge`: a recipient took its copy, then purged it; the
   article is *collected* (*purged*) when every recipient has.

Envelopes are handed to the :class:`~.stores.Courier` after the unit commits, so a refused unit
delivers nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from assurdb.domain.exchange import registry
from assurdb.domain.exchange.clearing import CLEARED_STATES, imbalance, settlements
from assurdb.domain.exchange.codes import ExchangeRC
from assurdb.domain.exchange.envelope import HUB, Header, header_of, key_id, open_envelope, seal
from assurdb.domain.exchange.errors import EnvelopeError, ExchangeError
from assurdb.domain.exchange.flows import FINANCIAL, Flow, SplitInfo, dump, redacted
from assurdb.domain.exchange.keys import KEY_LENGTH, parse_key
from assurdb.domain.exchange.log import Chain, load_chain, sign_checkpoint
from assurdb.domain.exchange.numbering import last_number
from assurdb.domain.exchange.rules import Checked, check
from assurdb.domain.exchange.stores import Courier, Spool
from assurdb.domain.openings import open_with_retry
from assurdb.domain.primitives.support import Abort, Work, in_unit
from assurdb.domain.results import Result, done, failed
from assurdb.metadb.contract import Mode, Session

SUBMITTED, VALIDATED, REJECTED = "submitted", "validated", "rejected"
#: The flow of a leader's decisions on its queue (not a file of the market: never an article).
DECISION = "decision"
#: How long the hub trusts its look-up of its own primary key.
KEY_CACHE_SECONDS = 60.0
DECISION_CRITERIA = frozenset({"flow", "split_key", "sender_code", "period", "version"})
#: Answers whose unit of work is committed all the same (what they wrote is the answer's record).
_KEPT = frozenset({ExchangeRC.REJECTED, ExchangeRC.DUPLICATE, ExchangeRC.ENVELOPE_REFUSED})
DISTRIBUTED, COLLECTED, PURGED = "distributed", "collected", "purged"


@dataclass(frozen=True, slots=True)
class Recipient:
    code: str
    role: str  # leader, coinsurer, agent, clearing
    visible: frozenset[str]  # the co-insurers whose commission rate the copy shows


def recipients(split: SplitInfo, flow: str, sender: str, clearing: Sequence[str]) -> list[Recipient]:
    """Who receives a validated file, and whose commission rates each copy shows."""
    out = [Recipient(split.leader, "leader", frozenset({split.leader}))]
    out += [
        Recipient(s.coinsurer, "coinsurer", frozenset({s.coinsurer}))
        for s in split.shares
        if s.coinsurer != split.leader
    ]
    out += [Recipient(agent, "agent", frozenset(codes)) for agent, codes in sorted(split.agents.items())]
    if flow in FINANCIAL:
        out += [Recipient(code, "clearing", frozenset()) for code in clearing]
    seen: set[str] = set()
    unique = []
    for r in out:
        if r.code != sender and r.code not in seen:
            seen.add(r.code)
            unique.append(r)
    return unique


class Hub:
    """The exchange's robot on a session that holds every exchange record type (opened here in
    mode 2 if it does not), with the hub's private keys (key id → key)."""

    def __init__(
        self,
        session: Session,
        private_keys: Mapping[str, rsa.RSAPrivateKey],
        *,
        spool: Spool,
        courier: Courier,
        clearing: Sequence[str] = (),
        today: Callable[[], dt.date] = dt.date.today,
        checkpoint_every: int = 0,
    ) -> None:
        self.session = session
        self.keys = {key_id(k): k for k in private_keys.values()}
        self.spool = spool
        self.courier = courier
        self.clearing = tuple(clearing)
        self.today = today
        self.checkpoint_every = checkpoint_every
        missing = [(rt, Mode.MODIFY_SHARED) for rt in registry.RECORD_TYPES if session.opened.get(rt, 0) < 2]
        if missing:
            reply = open_with_retry(session, missing)
            if not reply.ok:
                raise ExchangeError(f"the hub cannot open the exchange's record types: {reply.message}")
        self.chain: Chain = load_chain(session)
        self.last_article = last_number(session, "Article", "article_no")
        self._outgoing: list[tuple[str, str, bytes]] = []
        self._signing: tuple[float, rsa.RSAPrivateKey] | None = None
        self._since_checkpoint = 0

    # -- keys ----------------------------------------------------------------------------------
    def signing_key(self) -> rsa.RSAPrivateKey:
        """The hub's primary key, which it signs copies and checkpoints with (looked up again
        after :data:`KEY_CACHE_SECONDS`, so a rotation registered elsewhere is followed)."""
        now = time.monotonic()
        if self._signing is not None and now - self._signing[0] < KEY_CACHE_SECONDS:
            return self._signing[1]
        for stored in registry.hub_keys(self.session):
            if stored.status == registry.PRIMARY and stored.key_id in self.keys:
                self._signing = (now, self.keys[stored.key_id])
                return self._signing[1]
        raise ExchangeError("the hub holds the private key of no registered primary hub key (register_key(None, …))")

    def _seal_for(self, code: str, content: bytes, header: Mapping[str, Any]) -> bytes:
        key = registry.primary_key(self.session, code)
        if key is None:
            raise Abort(failed(ExchangeRC.WRONG_STATE, f"{code} has no primary key: nothing was distributed"))
        return seal(content, sender=HUB, signing_key=self.signing_key(), recipients={code: key.public}, **header)

    # -- units ---------------------------------------------------------------------------------
    def _run(self, body: Callable[[Work], Result]) -> Result:
        """One unit of work: log entries and envelopes go out only if it commits. A rejection, a
        duplicate or a refused envelope is an answer, not a failure: what it wrote (the article,
        its return, the log) is committed."""
        self._outgoing.clear()
        kept: list[Result] = []

        def wrapped(work: Work) -> Result:
            result = body(work)
            if result.rc in _KEPT:
                kept.append(result)
                return done()
            return result

        result = in_unit(self.session, wrapped)
        if not result.ok:
            self.chain.forget()
            self._outgoing.clear()
            return result
        self._since_checkpoint += len(self.chain.pending)
        self.chain.settle()
        for recipient, name, envelope in self._outgoing:
            self.courier.deliver(recipient, name, envelope)
        self._outgoing.clear()
        if self.checkpoint_every and self._since_checkpoint >= self.checkpoint_every:
            self.checkpoint()
        return kept[0] if kept else result

    def checkpoint(self) -> Result:
        """Sign the log's head now."""
        self._since_checkpoint = 0
        return sign_checkpoint(self.session, self.chain, self.signing_key(), on=self.today())

    # -- submission ----------------------------------------------------------------------------
    def submit(self, envelope: bytes, via: str) -> Result:
        """Take an envelope found in ``via``'s outbox (see the module docstring)."""
        try:
            header = header_of(envelope)
        except EnvelopeError as exc:
            return self._refuse(via, exc.reason)
        if header.sender != via:
            return self._refuse(via, f"the envelope is signed as {header.sender} but came through {via}'s outbox")
        stored = registry.stored_key(self.session, header.sender_key)
        if stored is None or stored.owner != header.sender:
            return self._refuse(via, f"the signing key {header.sender_key[:16]}… is not registered to {header.sender}")
        if stored.status == registry.RETIRED:
            return self._refuse(via, f"the signing key {header.sender_key[:16]}… of {header.sender} is retired")
        try:
            opened = open_envelope(envelope, me=HUB, private_keys=self.keys, sender_public=stored.public)
        except EnvelopeError as exc:
            return self._refuse(via, exc.reason)
        content = opened.content
        if header.flow == DECISION:
            return self._decide(header.sender, content)
        content_hash = hashlib.sha256(content).hexdigest()
        duplicate = self._duplicate(content_hash, header)
        if duplicate is not None:
            return self._run(lambda work: self._note_duplicate(work, header, duplicate))
        shape = _header_problems(header)
        if shape:
            return self._run(lambda work: self._reject_unstored(work, header, shape))
        checked = check(
            sender=header.sender,
            key=header.article_key,
            flow=header.flow,
            version=header.version,
            content=content,
            participant=lambda code: registry.standing(self.session, code),
            stored_split=registry.stored_split(self.session, header.article_key),
        )
        leader = checked.split.leader if checked.split is not None else header.sender
        if registry.standing(self.session, leader) is None:
            leader = header.sender  # a split file naming an unknown leader: rejected below, queued nowhere
        state = REJECTED if checked.reasons else VALIDATED if leader == header.sender else SUBMITTED
        if state == SUBMITTED:
            self.spool.put(content_hash, content)
        article: dict[str, Any] = {
            "article_no": self.last_article + 1,
            "split_key": header.article_key,
            "sender_code": header.sender,
            "leader_code": leader,
            "flow": header.flow,
            "version": header.version,
            "content_hash": content_hash,
            "state": state,
            "period": checked.period,
            "currency": _currency(checked),
            "total": checked.total,
            "filename": header.filename or None,
            "size": len(content),
            "reasons": "; ".join(checked.reasons)[:2000] or None,
            "submitted_on": self.today(),
            "decided_on": self.today() if state != SUBMITTED else None,
        }

        def body(work: Work) -> Result:
            work.do(self.session.write("Article", article), f"WRITE Article {article['article_no']}")
            self.chain.append(
                work, SUBMITTED, on=self.today(), article_no=article["article_no"], split_key=header.article_key,
                actor=header.sender, detail=f"{header.flow} v{header.version} {content_hash[:16]}",
            )  # fmt: skip
            if state == REJECTED:
                return self._reject(work, article, list(checked.reasons), actor=HUB)
            if state == VALIDATED:
                return self._distribute(work, article, content, checked)
            return done(f"article {article['article_no']} waits in {leader}'s validation queue", article)

        result = self._run(body)
        if result.ok or result.rc == ExchangeRC.REJECTED:
            self.last_article += 1
        return result

    def _decide(self, leader: str, content: bytes) -> Result:
        """A leader's signed decisions on its queue (flow ``decision``), as a JSON object:
        ``validate`` (article numbers), ``validate_where`` (criteria, as :meth:`validate_where`),
        ``reject`` (``[{"article_no": n, "reasons": [...]}]``). Each is taken as if the leader had
        called the method; the leader gets a notice with every answer."""
        try:
            data = json.loads(content.decode("utf-8"))
            validate = [int(n) for n in data.get("validate", [])]
            where = {str(k): v for k, v in data.get("validate_where", {}).items()}
            rejects = [(int(r["article_no"]), [str(x) for x in r["reasons"]]) for r in data.get("reject", [])]
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            return self._refuse(leader, f"unreadable decision file ({type(exc).__name__}: {exc})")
        unknown = sorted(set(where) - DECISION_CRITERIA)
        if unknown:
            return self._refuse(
                leader,
                f"validate_where: {', '.join(unknown)} are not criteria ({', '.join(sorted(DECISION_CRITERIA))})",
            )
        answers: list[dict[str, Any]] = []
        for no in validate:
            answers.append({"article_no": no, **_answer(self.validate(leader, no))})
        if where:
            answers.append({"validate_where": where, **_answer(self.validate_where(leader, **where))})
        for no, reasons in rejects:
            answers.append({"article_no": no, **_answer(self.reject(leader, no, reasons))})

        def body(work: Work) -> Result:
            summary = "; ".join(f"{a.get('article_no', 'where')}: {a['rc']}" for a in answers)
            self.chain.append(work, "decided", on=self.today(), actor=leader, detail=summary)
            self._notice(
                leader, {"state": "decided", "answers": answers}, article_key="0" * KEY_LENGTH, flow="notice", version=0
            )
            return done(f"{len(answers)} decision(s) of {leader}", articles=answers)

        return self._run(body)

    def _refuse(self, via: str, reason: str) -> Result:
        """An envelope refused before it became an article: logged, and a notice to ``via``."""

        def body(work: Work) -> Result:
            self.chain.append(work, "refused", on=self.today(), actor=via[:9], detail=reason)
            notice = {"state": "refused", "reasons": [reason]}
            with contextlib.suppress(Abort):  # no key to write to: the log says it
                self._notice(via, notice, article_key="0" * KEY_LENGTH, flow="notice", version=0)
            return failed(ExchangeRC.ENVELOPE_REFUSED, f"envelope refused: {reason}")

        return self._run(body)

    def _notice(self, code: str, notice: Mapping[str, Any], **header: Any) -> bytes:
        envelope = self._seal_for(code, dump(notice), {**header, "filename": "notice.json"})
        name = f"{header['article_key']}-notice-{hashlib.sha256(envelope).hexdigest()[:16]}.axe"
        self._outgoing.append((code, name, envelope))
        return envelope

    def _duplicate(self, content_hash: str, header: Header) -> dict[str, Any] | None:
        """The article holding the same file from the same sender under the same key, flow and
        version, if any: the articles of one content hash walked by the key ``hash``."""
        reply = self.session.read_direct("Article", {"content_hash": content_hash}, key="hash")
        while reply.ok and reply.article is not None and reply.article["content_hash"] == content_hash:
            row = dict(reply.article)
            same = (row["sender_code"], row["split_key"], row["flow"], int(str(row["version"])))
            if same == (header.sender, header.article_key, header.flow, header.version):
                return row
            reply = self.session.read_sequential("Article", row, key="hash")
        return None

    def _note_duplicate(self, work: Work, header: Header, earlier: Mapping[str, Any]) -> Result:
        no = int(earlier["article_no"])
        detail = f"identical to article {no} ({earlier['state']})"
        self.chain.append(work, "duplicate", on=self.today(), article_no=no, split_key=header.article_key,
                          actor=header.sender, detail=detail)  # fmt: skip
        notice = {"state": "duplicate", "article_no": no, "reasons": [detail + ": not distributed again"]}
        self._notice(header.sender, notice, article_key=header.article_key, flow=header.flow, version=header.version)
        return failed(ExchangeRC.DUPLICATE, f"{detail}: not taken again", article=dict(earlier))

    def _reject_unstored(self, work: Work, header: Header, reasons: list[str]) -> Result:
        self.chain.append(work, REJECTED, on=self.today(), actor=header.sender, detail="; ".join(reasons))
        notice = {"state": REJECTED, "reasons": reasons}
        self._notice(header.sender, notice, article_key="0" * KEY_LENGTH, flow="notice", version=0)
        return failed(ExchangeRC.REJECTED, "rejected: " + "; ".join(reasons))

    # -- the leader's decisions ----------------------------------------------------------------
    def queue(self, leader: str, **criteria: Any) -> Result:
        """The files waiting for ``leader``'s validation, in article order; ``criteria`` narrow it
        by any Article item (``flow="premium"``, ``sender_code=…``, ``period=…``, ``split_key=…``)."""
        reply = self.session.read_selection("Article", {"leader_code": leader, "state": SUBMITTED})
        if not reply.ok or reply.batch is None:
            return failed(int(reply.rc), reply.message)
        rows = [r for r in registry.rows(reply) if all(r.get(k) == v for k, v in criteria.items())]
        rows.sort(key=lambda r: int(r["article_no"]))
        return done(f"{len(rows)} file(s) wait for {leader}", articles=rows)

    def _waiting(self, leader: str, article_no: int) -> dict[str, Any] | Result:
        reply = self.session.read_direct("Article", {"article_no": article_no})
        if not reply.ok or reply.article is None:
            return failed(int(reply.rc), f"article {article_no}: {reply.message}")
        article = reply.article
        if article["leader_code"] != leader:
            return failed(
                ExchangeRC.NOT_LEADER, f"article {article_no} is {article['leader_code']}'s to validate, not {leader}'s"
            )
        if article["state"] != SUBMITTED:
            return failed(
                ExchangeRC.WRONG_STATE, f"article {article_no} is {article['state']}, not waiting for validation"
            )
        return dict(article)

    def validate(self, leader: str, article_no: int) -> Result:
        """The leader validates a file of its queue: checked again, then distributed (or rejected)."""
        article = self._waiting(leader, article_no)
        if isinstance(article, Result):
            return article
        content = self.spool.get(str(article["content_hash"]))
        checked = check(
            sender=str(article["sender_code"]),
            key=str(article["split_key"]),
            flow=str(article["flow"]),
            version=int(article["version"]),
            content=content,
            participant=lambda code: registry.standing(self.session, code),
            stored_split=registry.stored_split(self.session, str(article["split_key"])),
        )

        def body(work: Work) -> Result:
            if checked.reasons:
                return self._reject(work, article, list(checked.reasons), actor=leader)
            return self._distribute(work, article, content, checked)

        result = self._run(body)
        if result.ok or result.rc == ExchangeRC.REJECTED:
            self.spool.drop(str(article["content_hash"]))
        return result

    def validate_where(self, leader: str, **criteria: Any) -> Result:
        """Validate, in article order, every file of ``leader``'s queue matching ``criteria`` (as
        :meth:`queue`); ``articles`` holds the distributed ones, ``message`` says what was rejected."""
        waiting = self.queue(leader, **criteria)
        if not waiting.ok:
            return waiting
        passed, refused = [], []
        for row in waiting.articles:
            result = self.validate(leader, int(row["article_no"]))
            if result.ok and result.article is not None:
                passed.append(result.article)
            else:
                refused.append(f"article {row['article_no']}: {result.message}")
        message = f"{len(passed)} distributed, {len(refused)} rejected" + ("".join(f"; {r}" for r in refused))
        return done(message, articles=passed)

    def reject(self, leader: str, article_no: int, reasons: Sequence[str]) -> Result:
        """The leader refuses a file of its queue; it goes back to its sender with ``reasons``."""
        article = self._waiting(leader, article_no)
        if isinstance(article, Result):
            return article
        if not reasons:
            return failed(ExchangeRC.WRONG_STATE, "a rejection gives its reasons")
        result = self._run(lambda work: self._reject(work, article, list(reasons), actor=leader))
        self.spool.drop(str(article["content_hash"]))
        return result

    def _reject(self, work: Work, article: dict[str, Any], reasons: list[str], *, actor: str) -> Result:
        no, today = int(article["article_no"]), self.today()
        if article["state"] != REJECTED:
            change = {"article_no": no, "state": REJECTED, "reasons": "; ".join(reasons)[:2000], "decided_on": today}
            work.do(self.session.rewrite("Article", change), f"REWRITE Article {no}")
        sender = str(article["sender_code"])
        self.chain.append(work, REJECTED, on=today, article_no=no, split_key=article["split_key"], actor=actor,
                          detail="; ".join(reasons))  # fmt: skip
        notice = {"article_no": no, "state": REJECTED, "reasons": reasons, "split_key": article["split_key"],
                  "flow": article["flow"], "version": int(article["version"])}  # fmt: skip
        envelope = self._seal_for(sender, dump(notice), _header_of(article, "rejected.json"))
        delivery = {
            "article_no": no,
            "recipient_code": sender,
            "role": "sender",
            "envelope_hash": hashlib.sha256(envelope).hexdigest(),
            "delivered_on": today,
        }
        work.do(self.session.write("Delivery", delivery), f"WRITE Delivery {no} {sender}")
        self.chain.append(
            work, "returned", on=today, article_no=no, split_key=article["split_key"], actor=HUB, party=sender
        )
        self._outgoing.append((sender, _name(article, "rejected"), envelope))
        return Result(
            ExchangeRC.REJECTED, f"article {no} rejected: " + "; ".join(reasons), {**article, "state": REJECTED}
        )

    def _distribute(self, work: Work, article: dict[str, Any], content: bytes, checked: Checked) -> Result:
        split = checked.split
        assert split is not None
        no, today, flow = int(article["article_no"]), self.today(), str(article["flow"])
        if flow == Flow.SPLIT:
            parts = parse_key(split.key)
            registry.store_split(work, split, parts.policy, parts.year, parts.split, new=split.version == 0)
        self.chain.append(
            work, VALIDATED, on=today, article_no=no, split_key=split.key, actor=str(article["leader_code"])
        )
        deliveries = []
        for r in recipients(split, flow, str(article["sender_code"]), self.clearing):
            copy = content if checked.data is None else dump(redacted(flow, checked.data, set(r.visible)))
            envelope = self._seal_for(r.code, copy, _header_of(article, article.get("filename") or f"{flow}.json"))
            share = split.by_coinsurer.get(r.code)
            deliveries.append(
                {
                    "article_no": no,
                    "recipient_code": r.code,
                    "role": r.role,
                    "amount": checked.parts.get(r.code) if checked.parts else None,
                    "commission_rate": share.commission_rate if share is not None else None,
                    "envelope_hash": hashlib.sha256(envelope).hexdigest(),
                    "delivered_on": today,
                }
            )
            self._outgoing.append((r.code, _name(article, r.role), envelope))
        if deliveries:
            work.do(self.session.write_batch("Delivery", deliveries), f"WRITE BATCH Delivery {no}")
        for d in deliveries:
            self.chain.append(work, DISTRIBUTED, on=today, article_no=no, split_key=split.key, actor=HUB,
                              party=str(d["recipient_code"]), detail=str(d["role"]))  # fmt: skip
        change = {"article_no": no, "state": DISTRIBUTED, "decided_on": today}
        work.do(self.session.rewrite("Article", change), f"REWRITE Article {no}")
        return done(f"article {no} distributed to {len(deliveries)} recipient(s)", {**article, **change}, deliveries)

    # -- clearing ------------------------------------------------------------------------------
    def clear(self, period: str) -> Result:
        """Net the period's premium and claims payments into one Settlement per participant and
        currency (rewritten if the period was cleared before); ``articles`` holds the statements."""
        payments = []
        for state in CLEARED_STATES:
            for flow in (Flow.PREMIUM_PAY, Flow.CLAIM_PAY):
                selected = registry.rows(self.session.read_selection("Article", {"state": state, "flow": flow.value}))
                for article in selected:
                    if article.get("period") != period:
                        continue
                    copies = registry.rows(
                        self.session.read_selection("Delivery", {"article_no": article["article_no"]})
                    )
                    payments.append((article, [d for d in copies if d["role"] in ("leader", "coinsurer")]))
        statements = settlements(payments)
        unbalanced = imbalance(statements)
        if unbalanced:
            sums = ", ".join(f"{amount} {currency}" for currency, amount in sorted(unbalanced.items()))
            return failed(ExchangeRC.WRONG_STATE, f"period {period} does not balance ({sums}): nothing settled")
        today, actor = self.today(), (self.clearing[0] if self.clearing else HUB)

        def body(work: Work) -> Result:
            written = []
            for (code, currency), st in sorted(statements.items()):
                article = {
                    "period": period,
                    "participant_code": code,
                    "currency": currency,
                    "premiums_received": st.premiums_received,
                    "premiums_paid": st.premiums_paid,
                    "claims_received": st.claims_received,
                    "claims_paid": st.claims_paid,
                    "net": st.net,
                    "articles": st.articles,
                }
                ident = {"period": period, "participant_code": code, "currency": currency}
                exists = self.session.read_direct("Settlement", ident).ok
                request = self.session.rewrite if exists else self.session.write
                work.do(request("Settlement", article), f"Settlement {period} {code} {currency}")
                self.chain.append(
                    work, "settled", on=today, actor=actor, party=code, detail=f"{period} {currency} {st.net}"
                )
                written.append(article)
            return done(f"period {period}: {len(written)} statement(s), {len(payments)} payment(s)", articles=written)

        return self._run(body)

    # -- collection and purge ------------------------------------------------------------------
    def collect(self, recipient: str, article_no: int) -> Result:
        """``recipient`` took its copy of the article."""
        return self._advance(recipient, article_no, DISTRIBUTED, COLLECTED)

    def purge(self, recipient: str, article_no: int) -> Result:
        """``recipient`` purged its (collected) copy."""
        return self._advance(recipient, article_no, COLLECTED, PURGED)

    def _advance(self, recipient: str, article_no: int, before: str, after: str) -> Result:
        ident = {"article_no": article_no, "recipient_code": recipient}
        reply = self.session.read_direct("Delivery", ident)
        if not reply.ok or reply.article is None:
            return failed(ExchangeRC.NOT_A_PARTY, f"article {article_no} has no copy for {recipient}")
        if reply.article["state"] != before:
            return failed(
                ExchangeRC.WRONG_STATE,
                f"{recipient}'s copy of article {article_no} is {reply.article['state']}, not {before}",
            )
        today = self.today()

        def body(work: Work) -> Result:
            change = {**ident, "state": after, **({"collected_on": today} if after == COLLECTED else {})}
            work.do(self.session.rewrite("Delivery", change), f"REWRITE Delivery {article_no} {recipient}")
            article = self.session.read_direct("Article", {"article_no": article_no}).article or {}
            self.chain.append(
                work,
                after,
                on=today,
                article_no=article_no,
                split_key=registry.text_or_none(article.get("split_key")),
                actor=recipient,
            )
            if self._all_copies(article_no, after) and article.get("state") not in (None, REJECTED):
                work.do(self.session.rewrite("Article", {"article_no": article_no, "state": after}), "REWRITE Article")
            return done(f"{recipient}'s copy of article {article_no} is {after}", change)

        return self._run(body)

    def _all_copies(self, article_no: int, state: str) -> bool:
        """Whether every copy of the article is in ``state`` (Distribution walked until one is not)."""
        current: dict[str, Any] | None = None
        while True:
            reply = self.session.read_target_via_path(
                "Article", {"article_no": article_no}, "Distribution", "Delivery", current
            )
            if not reply.ok or reply.article is None:
                return current is not None
            if reply.article["state"] != state:
                return False
            current = reply.article


def _answer(result: Result) -> dict[str, Any]:
    return {"rc": int(result.rc), "message": result.message}


def _header_problems(header: Header) -> list[str]:
    """What keeps a file from being stored as an article at all (its key's shape, flow, version)."""
    reasons = []
    if len(header.article_key) != KEY_LENGTH:
        reasons.append(f"exchange key {header.article_key!r} is not {KEY_LENGTH} characters")
    if header.flow not in set(Flow):
        reasons.append(f"flow {header.flow!r} is none of {', '.join(f.value for f in Flow)}")
    if not 0 <= header.version <= 9999:
        reasons.append(f"version {header.version} is not 0 … 9999")
    if len(header.filename) > 120:
        reasons.append("the file name is longer than 120 characters")
    return reasons


def _currency(checked: Checked) -> str | None:
    value = checked.data.get("currency") if checked.data else None
    if isinstance(value, str) and len(value) == 3:
        return value
    return checked.split.currency if checked.split is not None and checked.total is not None else None


def _header_of(article: Mapping[str, Any], filename: str) -> dict[str, Any]:
    return {"article_key": str(article["split_key"]), "flow": str(article["flow"]), "version": int(article["version"]),
            "filename": str(filename)}  # fmt: skip


def _name(article: Mapping[str, Any], role: str) -> str:
    return f"{article['split_key']}-{int(article['article_no']):012d}-{article['flow']}-{role}.axe"


def read_notice(content: bytes) -> dict[str, Any]:
    """A hub notice (refused, duplicate, rejected) as a mapping."""
    found = json.loads(content.decode("utf-8"))
    if not isinstance(found, dict):
        raise ExchangeError("not a hub notice")
    return found
