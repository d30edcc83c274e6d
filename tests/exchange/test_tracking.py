"""The tamper-evident log and the clearing, on every backend: the chain verifies and a flipped
entry is found; a party follows its own article and proves the trail, nobody else may; payments of a
period net into settlements that balance to zero."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from assurdb.domain.exchange.codes import ExchangeRC
from assurdb.domain.exchange.envelope import key_id
from assurdb.domain.exchange.keys import participant_id
from assurdb.domain.exchange.log import track, verify_log, verify_trail
from tests.exchange.market import AGENT, BROKER, CO2, CO3, LEADER, ORG, Market, build_market, placed


@pytest.fixture(scope="module")
def market(xs: Any, keyring: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(xs, keyring, tmp_path_factory.mktemp("tracking"))


def _article_of(market: Market, k: str) -> int:
    return int(market.session.read_selection("Article", {"split_key": k}).batch["article_no"].max())


def test_the_log_verifies_and_a_changed_entry_is_found(market: Market) -> None:
    placed(market, "LOG1")
    assert market.hub.checkpoint().ok
    assert verify_log(market.session).ok
    entry = market.session.read_direct("LogEntry", {"seq": 3}).article
    assert market.session.rewrite("LogEntry", {"seq": 3, "detail": "forged"}).ok
    broken = verify_log(market.session)
    assert broken.rc == ExchangeRC.LOG_BROKEN and broken.position == 3 and "altered" in broken.message
    assert market.session.rewrite("LogEntry", {"seq": 3, "detail": entry["detail"]}).ok
    assert verify_log(market.session).ok
    # a rehashed entry no longer links to the next one
    assert market.session.rewrite("LogEntry", {"seq": 3, "entry_hash": "0" * 64}).ok
    broken = verify_log(market.session)
    assert broken.position in (3, 4)
    assert market.session.rewrite("LogEntry", {"seq": 3, "entry_hash": entry["entry_hash"]}).ok
    assert verify_log(market.session).ok


def test_a_rewritten_chain_no_longer_matches_its_signed_head(market: Market) -> None:
    placed(market, "LOG2")  # its own entries and checkpoint: tests of a module may run on other workers
    assert market.hub.checkpoint().ok
    last = market.hub.chain.seq
    cp = market.session.read_direct("Checkpoint", {"seq": last}).article
    assert cp is not None
    assert market.session.rewrite("Checkpoint", {"seq": last, "head_hash": "f" * 64}).ok
    broken = verify_log(market.session)
    assert broken.rc == ExchangeRC.LOG_BROKEN and "signed another head" in broken.message
    assert market.session.rewrite("Checkpoint", {"seq": last, "head_hash": cp["head_hash"]}).ok
    assert market.session.rewrite("Checkpoint", {"seq": last, "signature": cp["signature"][:-8] + "AAAAAAA="}).ok
    assert "bad signature" in verify_log(market.session).message
    assert market.session.rewrite("Checkpoint", {"seq": last, "signature": cp["signature"]}).ok
    assert verify_log(market.session).ok


def test_a_party_follows_its_article_and_proves_the_trail_nobody_else_can(market: Market) -> None:
    k = placed(market, "TRACK1")
    no = _article_of(market, k)
    placed(market, "TRACK2")  # other articles' entries come between
    assert market.hub.checkpoint().ok
    hub_keys = {key_id(market.keys["HUB"]): market.keys["HUB"].public_key()}
    for party in (BROKER, LEADER, CO2, AGENT, ORG):
        found = track(market.session, party, no)
        assert found.ok, found
        trail = found.article["trail"]
        assert verify_trail(trail, hub_keys) is None
        events = [e["event"] for e in trail.entries if e["seq"] in trail.own]
        assert events[:2] == ["submitted", "validated"] and events.count("distributed") == 5
        hidden = [e for e in trail.entries if e["seq"] not in trail.own]
        assert hidden and all(set(e) == {"seq", "prev_hash", "entry_hash"} for e in hidden)
    # a participant that is no party of it gets nothing
    assert track(market.session, participant_id("CIE", 99), no).rc == ExchangeRC.NOT_A_PARTY
    assert track(market.session, CO3, 10**9).rc == ExchangeRC.NOT_A_PARTY  # no such article either


def test_a_doctored_trail_does_not_prove_itself(market: Market) -> None:
    k = placed(market, "TRACK3")
    assert market.hub.checkpoint().ok
    trail = track(market.session, CO2, _article_of(market, k)).article["trail"]
    hub_keys = {key_id(market.keys["HUB"]): market.keys["HUB"].public_key()}
    own = next(e for e in trail.entries if e["seq"] in trail.own and e["event"] == "distributed")
    party = own["party_code"]
    own["party_code"] = CO3 if party != CO3 else CO2
    assert "was altered" in str(verify_trail(trail, hub_keys))
    own["party_code"] = party
    assert verify_trail(trail, hub_keys) is None
    assert "not the hub's" in str(verify_trail(trail, {}))


def test_payments_of_a_period_net_into_settlements_balancing_to_zero(market: Market) -> None:
    k = placed(market, "CLEAR1")
    parts = {LEADER: "500.01", CO2: "300.00", CO3: "200.00"}
    claims = {LEADER: "120.00", CO2: "72.00", CO3: "48.00"}
    files = [
        ("premium_pay", {"total": "1000.01", "period": "2026-04", "parts": parts}),
        ("claim_pay", {"claim_no": "S1", "total": "240.00", "period": "2026-04", "parts": claims}),
        ("premium_pay", {"total": "1000.01", "period": "2026-05", "parts": parts}),  # another period
    ]
    for flow, file in files:
        sent = market.send(BROKER, k, flow, file)
        assert sent.ok, sent
        assert market.hub.validate(LEADER, sent.article["article_no"]).ok
    by_leader = market.send(LEADER, k, "claim_pay", files[1][1] | {"claim_no": "S2"})
    assert by_leader.rc == ExchangeRC.REJECTED and "comes from the split's broker" in by_leader.message
    cleared = market.hub.clear("2026-04")
    assert cleared.ok, cleared
    nets = {a["participant_code"]: a["net"] for a in cleared.articles}
    assert nets == {BROKER: D("-760.01"), LEADER: D("380.01"), CO2: D("228.00"), CO3: D("152.00")}
    assert sum(nets.values()) == 0
    stored = market.session.read_direct(
        "Settlement", {"period": "2026-04", "participant_code": BROKER, "currency": "EUR"}
    )
    assert stored.article["premiums_paid"] == D("1000.01") and stored.article["claims_received"] == D("240.00")
    again = market.hub.clear("2026-04")  # clearing a period again rewrites its statements
    assert again.ok and {a["participant_code"]: a["net"] for a in again.articles} == nets
    assert market.hub.clear("2026-06").articles == ()
    assert verify_log(market.session).ok
