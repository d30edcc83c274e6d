"""The hub on every backend: a broker's file waits for its leader, then reaches each co-insurer and
agent with the shares and only its own commission rate; every rule refuses with its reason; tampered
envelopes, replays and identical resubmissions are refused. One database per backend for the module:
each test works on a policy of its own."""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from typing import Any

import pandas as pd
import pytest

from assurdb.domain.exchange.codes import ExchangeRC
from assurdb.domain.exchange.envelope import header_of, key_id
from assurdb.domain.exchange.errors import EnvelopeError
from assurdb.domain.exchange.registry import register_key, register_participant, retire_key, stored_split
from tests.exchange.market import (
    AGENT,
    BROKER,
    CO2,
    CO3,
    LEADER,
    ORG,
    Market,
    build_market,
    key,
    placed,
    split_file,
)


@pytest.fixture(scope="module")
def market(xs: Any, keyring: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(xs, keyring, tmp_path_factory.mktemp("hub"))


def _deliveries(market: Market, article_no: int) -> dict[str, dict[str, Any]]:
    reply = market.session.read_selection("Delivery", {"article_no": article_no})
    assert reply.ok, reply
    return {r["recipient_code"]: r for r in reply.batch.to_dict("records")}


def test_a_brokers_split_waits_for_the_leader_then_reaches_every_party(market: Market) -> None:
    k = key("SPLIT1")
    sent = market.send(BROKER, k, "split", split_file())
    assert sent.ok, sent
    no = sent.article["article_no"]
    assert sent.article["state"] == "submitted"
    assert [a["article_no"] for a in market.hub.queue(LEADER, split_key=k).articles] == [no]
    assert market.inbox(CO2, k) == []  # nothing goes out before the leader validates
    refused = market.hub.validate(CO2, no)
    assert refused.rc == ExchangeRC.NOT_LEADER
    done = market.hub.validate(LEADER, no)
    assert done.ok, done
    assert done.article["state"] == "distributed"
    assert market.hub.queue(LEADER, split_key=k).articles == ()
    roles = {code: d["role"] for code, d in _deliveries(market, no).items()}
    assert roles == {LEADER: "leader", CO2: "coinsurer", CO3: "coinsurer", AGENT: "agent", ORG: "clearing"}
    assert market.inbox(BROKER, k) == []  # the sender has its file

    stored = stored_split(market.session, k)
    assert stored is not None
    assert (stored.leader, stored.broker, stored.version) == (LEADER, BROKER, 0)
    assert {s.coinsurer: s.share_pct for s in stored.shares} == {LEADER: D(50), CO2: D(30), CO3: D(20)}


def test_every_party_sees_the_shares_and_only_its_own_commission_rate(market: Market) -> None:
    k = placed(market, "RATES1")
    every = {LEADER: "50.0000", CO2: "30.0000", CO3: "20.0000"}

    def seen(code: str) -> tuple[dict[str, str], dict[str, str], str | None]:
        (copy,) = market.copies(code, k)
        shares = {line["coinsurer"]: line["share_pct"] for line in copy["shares"]}
        rates = {line["coinsurer"]: line["commission_rate"] for line in copy["shares"] if "commission_rate" in line}
        return shares, rates, copy.get("commission_rate")

    assert seen(LEADER) == (every, {LEADER: "15.00"}, "15.00")
    assert seen(CO2) == (every, {CO2: "17.50"}, None)
    assert seen(CO3) == (every, {CO3: "12.00"}, None)
    assert seen(AGENT) == (every, {CO2: "17.50"}, None)  # the agent underwrote CO2's share
    assert seen(ORG) == (every, {}, None)
    rates = {code: d["commission_rate"] for code, d in _deliveries(market, _last_article(market, k)).items()}
    assert rates[CO2] == D("17.50")
    assert pd.isna(rates[AGENT])  # an agent has no share: its copy shows the rate of those it underwrote for


def _last_article(market: Market, k: str) -> int:
    reply = market.session.read_selection("Article", {"split_key": k})
    return int(reply.batch["article_no"].max())


def test_a_copy_replayed_to_another_recipient_is_refused(market: Market) -> None:
    k = placed(market, "REPLAY1")
    (co2_copy,) = market.inbox(CO2, k)
    with pytest.raises(EnvelopeError, match=f"addressed to {CO2}, not to {CO3}"):
        market.read(CO3, co2_copy)
    # and handed back to the hub as if CO3 had sent it
    refused = market.hub.submit(co2_copy.read_bytes(), CO3)
    assert refused.rc == ExchangeRC.ENVELOPE_REFUSED
    assert "signed as HUB but came through" in refused.message


def test_an_invalid_split_is_rejected_with_every_reason_and_returned(market: Market) -> None:
    k = key("BAD1")
    bad = split_file(
        [(LEADER, "20.0000", "15.00", None), (CO2, "50.0000", "17.50", None), ("CIE000027", "20.0000", "1", None)]
    )
    sent = market.send(BROKER, k, "split", bad)
    assert sent.rc == ExchangeRC.REJECTED
    for reason in (
        "shares sum to 90.0000 %, not 100 %",
        f"the leader {LEADER} holds 20.0000 %, less than {CO2}'s 50.0000 %",
        "co-insurer CIE000027: participant identifier 'CIE000027': wrong check digit",
    ):
        assert reason in sent.message
    (notice,) = market.copies(BROKER, k)
    assert notice["state"] == "rejected"
    assert len(notice["reasons"]) == 3
    assert market.hub.queue(LEADER, split_key=k).articles == ()
    assert stored_split(market.session, k) is None
    article = market.session.read_direct("Article", {"article_no": sent.article["article_no"]}).article
    assert article["state"] == "rejected" and "not 100 %" in article["reasons"]


def test_an_identical_resubmission_is_recognised_and_not_distributed_twice(market: Market) -> None:
    k = placed(market, "DUP1")
    first = _last_article(market, k)
    before = len(market.inbox(CO2, k))
    again = market.send(BROKER, k, "split", split_file())  # a new envelope, the same file
    assert again.rc == ExchangeRC.DUPLICATE
    assert again.article["article_no"] == first
    assert len(market.inbox(CO2, k)) == before
    assert _last_article(market, k) == first
    notices = [c for c in market.copies(BROKER, k) if c.get("state") == "duplicate"]
    assert notices and notices[0]["article_no"] == first


def test_versions_go_in_order_an_endorsement_after_its_policy(market: Market) -> None:
    k = key("VERS1")
    premium = {
        "total": "100.00",
        "currency": "EUR",
        "period": "2026-03",
        "parts": {LEADER: "50.00", CO2: "30.00", CO3: "20.00"},
    }
    early = market.send(BROKER, k, "premium", premium)
    assert early.rc == ExchangeRC.REJECTED and "the split list (flow split, version 0) comes first" in early.message
    orphan = market.send(BROKER, k, "split", split_file(), version=1)
    assert orphan.rc == ExchangeRC.REJECTED and "comes before its policy" in orphan.message
    placed_key = placed(market, "VERS1")
    assert placed_key == k
    skip = market.send(BROKER, k, "split", split_file(), version=2)
    assert skip.rc == ExchangeRC.REJECTED and "out of order" in skip.message
    ahead = market.send(BROKER, k, "premium", premium, version=1)
    assert ahead.rc == ExchangeRC.REJECTED and "comes before its split" in ahead.message
    new_leader = market.send(
        BROKER, k, "split", split_file([(CO2, "60", "1", None), (LEADER, "40", "1", None)], leader=CO2), version=1
    )
    assert new_leader.rc == ExchangeRC.REJECTED and "a new leader means a new split number" in new_leader.message
    endorsed = split_file([(LEADER, "60.0000", "15.00", None), (CO2, "40.0000", "17.50", AGENT)])
    v1 = market.send(BROKER, k, "split", endorsed, version=1)
    assert v1.ok, v1
    assert market.hub.validate(LEADER, v1.article["article_no"]).ok
    stored = stored_split(market.session, k)
    assert stored is not None and stored.version == 1
    assert {s.coinsurer for s in stored.shares} == {LEADER, CO2}  # CO3 left with the endorsement
    ok = market.send(BROKER, k, "premium", {**premium, "parts": {LEADER: "60.00", CO2: "40.00"}}, version=1)
    assert ok.ok, ok


def test_amounts_per_coinsurer_are_share_times_total_to_the_cent(market: Market) -> None:
    k = placed(market, "AMT1")
    wrong = {
        "total": "1000.01",
        "currency": "EUR",
        "period": "2026-03",
        "parts": {LEADER: "500.00", CO2: "300.01", CO3: "200.00"},
    }
    sent = market.send(BROKER, k, "premium", wrong)
    assert sent.rc == ExchangeRC.REJECTED
    assert f"part of {LEADER} is 500.00, not 500.01 (the leader, who takes the rounding remainder)" in sent.message
    assert f"part of {CO2} is 300.01, not 300.00 (share × total)" in sent.message
    missing = market.send(BROKER, k, "premium", {**wrong, "parts": {LEADER: "1000.01"}})
    assert f"no part for co-insurer(s) {CO2}, {CO3}" in missing.message
    right = {**wrong, "parts": {LEADER: "500.01", CO2: "300.00", CO3: "200.00"}}
    sent = market.send(BROKER, k, "premium", right)
    assert sent.ok, sent
    assert market.hub.validate(LEADER, sent.article["article_no"]).ok
    amounts = {
        c: d["amount"] for c, d in _deliveries(market, sent.article["article_no"]).items() if c != ORG and c != AGENT
    }
    assert amounts == {LEADER: D("500.01"), CO2: D("300.00"), CO3: D("200.00")}


def test_the_leader_validates_in_bulk_by_criteria_or_rejects_with_reasons(market: Market) -> None:
    k = placed(market, "BULK1")
    parts = {LEADER: "50.00", CO2: "30.00", CO3: "20.00"}
    numbers = {}
    for period, claim in (("2026-01", "C1"), ("2026-02", "C2"), ("2026-02", "C3")):
        file = {"claim_no": claim, "loss_date": "2026-01-05", "total": "100.00", "period": period, "parts": parts}
        sent = market.send(BROKER, k, "claim_open", file)
        assert sent.ok, sent
        numbers[claim] = sent.article["article_no"]
    doc = market.send(BROKER, k, "document", b"%PDF-1.4 any bytes \x00\xff", filename="survey.pdf")
    assert doc.ok, doc
    assert len(market.hub.queue(LEADER, split_key=k).articles) == 4
    bulk = market.hub.validate_where(LEADER, split_key=k, flow="claim_open")
    assert bulk.ok, bulk
    assert sorted(a["article_no"] for a in bulk.articles) == sorted(numbers.values())
    assert [a["flow"] for a in market.hub.queue(LEADER, split_key=k).articles] == ["document"]
    rejected = market.hub.reject(LEADER, doc.article["article_no"], ["wrong survey attached", "unsigned"])
    assert rejected.rc == ExchangeRC.REJECTED
    notice = [c for c in market.copies(BROKER, k) if c.get("state") == "rejected"][-1]
    assert notice["reasons"] == ["wrong survey attached", "unsigned"]
    assert market.hub.reject(LEADER, doc.article["article_no"], ["again"]).rc == ExchangeRC.WRONG_STATE


def test_a_document_passes_unread_and_unchanged(market: Market) -> None:
    k = placed(market, "DOC1")
    pdf = b"%PDF-1.7\n\x00\x01\x02 binary survey report"
    sent = market.send(LEADER, k, "document", pdf, filename="report.pdf")  # the leader's own: validated at once
    assert sent.ok and sent.article["state"] == "distributed", sent
    (copy,) = [p for p in market.inbox(CO3, k) if "-document-" in p.name]
    assert market.read(CO3, copy) == pdf


def test_commission_differences_against_the_leaders_rate(market: Market) -> None:
    k = placed(market, "COMM1")
    lines = [
        {"coinsurer": CO2, "rate": "17.50", "difference": "75.00"},  # 3000 × (17.50 − 15) %
        {"coinsurer": CO3, "rate": "12.00", "difference": "-60.00"},  # 2000 × (12 − 15) %
    ]
    wrong = market.send(BROKER, k, "commission", {"premium": "10000.00", "period": "2026-03", "lines": [
        {**lines[0], "difference": "70.00"}, {**lines[1], "rate": "13.00"}]})  # fmt: skip
    assert wrong.rc == ExchangeRC.REJECTED
    assert f"{CO2}'s difference is 75.00" in wrong.message and f"{CO3}'s rate is 12.00 % in the split" in wrong.message
    sent = market.send(BROKER, k, "commission", {"premium": "10000.00", "period": "2026-03", "lines": lines})
    assert sent.ok, sent
    assert market.hub.validate(LEADER, sent.article["article_no"]).ok
    (co2,) = [c for c in market.copies(CO2, k) if "lines" in c]
    assert co2["lines"] == [lines[0]]  # another's difference would give its rate away
    (org,) = [c for c in market.copies(ORG, k) if "lines" in c]
    assert org["lines"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("ciphertext", "bad signature"),
        ("header", "bad signature|unreadable envelope header"),
        ("outbox", "came through"),
        ("signer", "is not registered to"),
    ],
)
def test_tampered_or_misrouted_envelopes_are_refused_before_anything_is_read(
    market: Market, change: str, message: str
) -> None:
    k = key("TAMPER1")
    envelope = bytearray(market.envelope(BROKER, k, "split", split_file()))
    via = BROKER
    if change == "ciphertext":
        envelope[-400] ^= 0x01
    elif change == "header":
        envelope[40] ^= 0x01
    elif change == "outbox":
        via = CO3
    else:
        envelope = bytearray(market.envelope(BROKER, k, "split", split_file(), signing=CO3))
    before = market.hub.last_article
    result = market.hub.submit(bytes(envelope), via)
    assert result.rc == ExchangeRC.ENVELOPE_REFUSED
    assert re.search(message, result.message), result.message
    assert market.hub.last_article == before  # no article


def test_a_wrong_check_character_or_flow_is_rejected(market: Market) -> None:
    k = key("CHECK1")
    bad_key = k[:-1] + ("0" if k[-1] != "0" else "1")
    sent = market.send(BROKER, bad_key, "split", split_file())
    assert sent.rc == ExchangeRC.REJECTED and "wrong check character" in sent.message
    sent = market.send(BROKER, k, "telex", b"?")
    assert sent.rc == ExchangeRC.REJECTED and "flow 'telex' is none of" in sent.message


def test_collection_and_purge_follow_each_copy(market: Market) -> None:
    k = placed(market, "COLL1")
    no = _last_article(market, k)
    assert market.hub.purge(CO2, no).rc == ExchangeRC.WRONG_STATE  # collect first
    assert market.hub.collect(BROKER, no).rc == ExchangeRC.NOT_A_PARTY
    for code in (LEADER, CO2, CO3, AGENT, ORG):
        assert market.hub.collect(code, no).ok
    assert market.session.read_direct("Article", {"article_no": no}).article["state"] == "collected"
    assert market.hub.collect(CO2, no).rc == ExchangeRC.WRONG_STATE
    for code in (LEADER, CO2, CO3, AGENT, ORG):
        assert market.hub.purge(code, no).ok
    assert market.session.read_direct("Article", {"article_no": no}).article["state"] == "purged"


def test_key_rotation_by_key_id(market: Market) -> None:
    old, new = market.keys[CO2], market.keys[f"{CO2}-2"]
    assert register_key(market.session, CO2, new.public_key()).ok
    k = placed(market, "ROT1")
    (copy,) = market.inbox(CO2, k)
    assert header_of(copy.read_bytes()).recipient(CO2).key_id == key_id(new)  # wrapped for the new primary
    assert json.loads(market.read(CO2, copy))["leader"] == LEADER  # and CO2 reads it with its new key
    # a file CO2 signed with its old (now active) key is still accepted
    bulletin = {"total": "10.00", "text": "b", "parts": {LEADER: "5.00", CO2: "3.00", CO3: "2.00"}}
    assert market.send(CO2, k, "bulletin", bulletin, signing=CO2).ok
    assert retire_key(market.session, key_id(old)).ok
    late = market.send(CO2, k, "bulletin", {**bulletin, "text": "c"}, signing=CO2)
    assert late.rc == ExchangeRC.ENVELOPE_REFUSED and "is retired" in late.message
    assert market.send(CO2, k, "bulletin", {**bulletin, "text": "c"}, signing=f"{CO2}-2").ok


def test_a_participant_with_a_bad_identifier_is_not_registered(market: Market) -> None:
    result = register_participant(market.session, "CIE000010", "BAD CHECK")
    assert result.rc == ExchangeRC.INVALID_IDENTIFIER and "wrong check digit" in result.message
    assert not market.session.read_direct("Participant", {"code": "CIE000010"}).ok


def test_the_robot_takes_files_from_each_outbox_as_coming_from_its_owner(market: Market) -> None:
    from assurdb.domain.exchange.robot import sweep

    root = market.courier.root
    k = key("ROBOT1")
    outbox = root / BROKER / "emission"
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / "split.axe").write_bytes(market.envelope(BROKER, k, "split", split_file()))
    (outbox / ".part-upload").write_bytes(b"half a file")
    stolen = root / CO3 / "emission"
    stolen.mkdir(parents=True, exist_ok=True)
    (stolen / "as-broker.axe").write_bytes(market.envelope(BROKER, k, "split", split_file()))
    answers = {(code, name): result for code, name, result in sweep(market.hub, root)}
    assert answers[BROKER, "split.axe"].ok
    assert answers[CO3, "as-broker.axe"].rc == ExchangeRC.ENVELOPE_REFUSED
    assert sorted(p.name for p in outbox.iterdir()) == [".part-upload"]
    assert list(stolen.iterdir()) == []
    assert [a["split_key"] for a in market.hub.queue(LEADER, split_key=k).articles] == [k]
