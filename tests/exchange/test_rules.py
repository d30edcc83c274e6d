"""Each rule of a file, and its refusal in words, without a database (the participants and the
stored split are given to :func:`rules.check` as the hub would look them up)."""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

import pytest

from assurdb.domain.exchange.flows import Share, SplitInfo
from assurdb.domain.exchange.keys import exchange_key, participant_id
from assurdb.domain.exchange.rules import Standing, check
from tests.exchange.conftest import AGENT, BROKER, CO2, CO3, LEADER, ORG

KEY = exchange_key("RULES1", 2026, 1)
SLEEPER = participant_id("CIE", 9)  # registered, not active
REGISTERED = {code: Standing(code[:3], True) for code in (BROKER, LEADER, CO2, CO3, AGENT, ORG)} | {
    SLEEPER: Standing("CIE", False)
}
SPLIT = SplitInfo(
    KEY,
    0,
    LEADER,
    BROKER,
    "EUR",
    D("15.00"),
    (Share(LEADER, D(50), D("15.00")), Share(CO2, D(30), D("17.50"), AGENT), Share(CO3, D(20), D("12.00"))),
)


def _check(
    content: Any, *, flow: str = "split", sender: str = BROKER, version: int = 0, stored: SplitInfo | None = None
) -> list[str]:
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    found = check(sender=sender, key=KEY, flow=flow, version=version, content=raw, participant=REGISTERED.get,
                  stored_split=stored)  # fmt: skip
    return list(found.reasons)


def _split(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "leader": LEADER,
        "broker": BROKER,
        "commission_rate": "15.00",
        "shares": [
            {"coinsurer": LEADER, "share_pct": "50", "commission_rate": "15.00"},
            {"coinsurer": CO2, "share_pct": "30", "commission_rate": "17.50", "agent": AGENT},
            {"coinsurer": CO3, "share_pct": "20", "commission_rate": "12.00"},
        ],
    }
    return base | changes


def test_a_good_split_passes() -> None:
    assert _check(_split()) == []
    assert _check(_split(), sender=LEADER) == []  # the leader may send its split list itself


def test_equal_largest_shares_are_allowed_to_the_leader() -> None:
    shares = [
        {"coinsurer": LEADER, "share_pct": "50", "commission_rate": "1"},
        {"coinsurer": CO2, "share_pct": "50", "commission_rate": "1"},
    ]
    assert _check(_split(shares=shares)) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"shares": []}, "a split needs a non-empty list of shares"),
        ({"leader": CO3}, f"the leader {CO3} holds 20 %, less than {LEADER}'s 50 %"),
        ({"leader": ORG}, f"leader {ORG} is not of kind CIE"),
        ({"broker": CO2}, f"broker {CO2} is not of kind COU"),
        ({"commission_rate": "x"}, "is not a decimal"),
        ({"currency": "EURO"}, "is not a 3-letter code"),
    ],
)
def test_split_refusals(changes: dict[str, Any], reason: str) -> None:
    assert any(reason in r for r in _check(_split(**changes))), _check(_split(**changes))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ({"coinsurer": CO3, "share_pct": "0", "commission_rate": "1"}, "is not positive"),
        ({"coinsurer": CO3, "share_pct": "20", "commission_rate": "101"}, "is not 0 … 100 %"),
        ({"coinsurer": CO2, "share_pct": "20", "commission_rate": "1"}, f"co-insurer {CO2} holds two shares"),
        ({"coinsurer": SLEEPER, "share_pct": "20", "commission_rate": "1"}, f"{SLEEPER} is not active"),
        (
            {"coinsurer": participant_id("CIE", 77), "share_pct": "20", "commission_rate": "1"},
            "is not a participant of",
        ),
        ({"coinsurer": AGENT, "share_pct": "20", "commission_rate": "1"}, "is not of kind CIE"),
        ({"coinsurer": CO3, "share_pct": "20", "commission_rate": "1", "agent": CO2}, "is not of kind AGT"),
        ({"coinsurer": CO3, "share_pct": 20.0, "commission_rate": "1"}, "must be a decimal written as a string"),
    ],
)
def test_share_refusals(line: dict[str, Any], reason: str) -> None:
    shares = [*_split()["shares"][:2], line]
    found = _check(_split(shares=shares))
    assert any(reason in r for r in found), found


def test_the_sender_of_a_split_is_its_broker_or_its_leader() -> None:
    assert any("neither the split's broker nor its leader" in r for r in _check(_split(), sender=CO3))


def test_an_inactive_sender_is_refused() -> None:
    assert any(f"sender {SLEEPER} is not active" in r for r in _check(_split(), sender=SLEEPER))


@pytest.mark.parametrize(
    ("flow", "content", "reason"),
    [
        ("premium", b"not json", "the file is not JSON"),
        ("premium", [1, 2], "not a JSON object"),
        (
            "premium",
            {"total": "1.00", "parts": {LEADER: "0.50", CO2: "0.30", CO3: "0.20"}, "period": "2026-13"},
            "is not a month",
        ),
        (
            "claim_open",
            {"total": "1.00", "parts": {LEADER: "0.50", CO2: "0.30", CO3: "0.20"}},
            "a claims file names its claim",
        ),
        (
            "premium",
            {"total": "1.001", "period": "2026-01", "parts": {LEADER: "0.50", CO2: "0.30", CO3: "0.20"}},
            "more than 2 decimals",
        ),
        (
            "premium",
            {"total": "1.00", "period": "2026-01", "parts": {LEADER: "1.00", CO2: "0", CO3: "0", ORG: "0"}},
            f"{ORG} hold(s) no share",
        ),
        (
            "premium_pay",
            {"total": "1.00", "period": "2026-01", "parts": {LEADER: "0.50", CO2: "0.30", CO3: "0.20"}},
            "",
        ),
        ("commission", {"premium": "100", "lines": []}, "one line per co-insurer"),
        (
            "commission",
            {"premium": "100", "lines": [{"coinsurer": ORG, "rate": "1", "difference": "0"}]},
            "holds no share",
        ),
    ],
)
def test_flow_refusals(flow: str, content: Any, reason: str) -> None:
    found = _check(content, flow=flow, stored=SPLIT)
    if reason:
        assert any(reason in r for r in found), found
    else:
        assert found == []


def test_payments_come_from_the_broker() -> None:
    pay = {"total": "1.00", "period": "2026-01", "parts": {LEADER: "0.50", CO2: "0.30", CO3: "0.20"}}
    assert _check(pay, flow="premium_pay", stored=SPLIT) == []
    assert any(
        "comes from the split's broker" in r for r in _check(pay, flow="premium_pay", sender=LEADER, stored=SPLIT)
    )


def test_a_file_of_a_split_comes_from_a_party_of_it() -> None:
    found = _check(b"doc", flow="document", sender=participant_id("COU", 7), stored=SPLIT)
    assert any("is not a participant of the exchange" in r for r in found)
    assert any("is no party of the split" in r for r in found)


def test_a_version_that_is_no_number_is_refused() -> None:
    raw = json.dumps(_split()).encode()
    found = check(
        sender=BROKER, key=KEY, flow="split", version=-1, content=raw, participant=REGISTERED.get, stored_split=None
    )
    assert any("is not a number 0 … 9999" in r for r in found.reasons)
