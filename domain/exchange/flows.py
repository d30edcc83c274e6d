"""The exchange's flows and what their files hold.

Every flow but ``document`` is a JSON object (UTF-8); amounts and rates are strings of decimals
(``"1234.50"``), so nothing is lost to floating point. A ``document`` is any file (a policy, an
endorsement, a survey report…), passed on unread.

========== ==========================================================================================
flow       content
========== ==========================================================================================
split      ``leader``, ``broker``, ``currency``, ``commission_rate`` (the leader's), ``shares``: a list of
           ``{coinsurer, share_pct, commission_rate, agent?}``; the split list of a policy (version 0)
           or of its n-th endorsement (version n)
premium    issued premium: ``total``, ``currency``, ``period`` (YYYY-MM), ``parts`` {co-insurer: amount}
bulletin   a coinsurance bulletin: ``total``, ``parts``, ``text``
claim_open claims opening: ``claim_no``, ``loss_date``, ``total`` (first estimate), ``parts``
claim_eval claims evaluation: ``claim_no``, ``total`` (new estimate), ``parts``
premium_pay premium payment: ``total``, ``period``, ``parts`` (the broker pays, each co-insurer receives its part)
claim_pay  claims payment: ``claim_no``, ``total``, ``period``, ``parts`` (each co-insurer pays its part to the broker)
commission commission differences against the leader's rate: ``premium``, ``period``, ``lines``:
           ``{coinsurer, rate, difference}``
document   any file
========== ==========================================================================================
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class Flow(StrEnum):
    SPLIT = "split"
    PREMIUM = "premium"
    BULLETIN = "bulletin"
    CLAIM_OPEN = "claim_open"
    CLAIM_EVAL = "claim_eval"
    PREMIUM_PAY = "premium_pay"
    CLAIM_PAY = "claim_pay"
    COMMISSION = "commission"
    DOCUMENT = "document"


#: Flows whose files carry a total split between the co-insurers (``parts``).
WITH_PARTS = frozenset(
    {Flow.PREMIUM, Flow.BULLETIN, Flow.CLAIM_OPEN, Flow.CLAIM_EVAL, Flow.PREMIUM_PAY, Flow.CLAIM_PAY}
)
#: Flows the clearing body receives: money moves through it (premium and claims payments, and what
#: they settle).
FINANCIAL = frozenset({Flow.SPLIT, Flow.PREMIUM, Flow.PREMIUM_PAY, Flow.CLAIM_PAY, Flow.COMMISSION})


@dataclass(frozen=True, slots=True)
class Share:
    coinsurer: str
    share_pct: Decimal
    commission_rate: Decimal
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class SplitInfo:
    """A split as the rules see it: from the database (validated) or from a split file."""

    key: str
    version: int
    leader: str
    broker: str | None
    currency: str
    commission_rate: Decimal
    shares: tuple[Share, ...]
    by_coinsurer: Mapping[str, Share] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_coinsurer", {s.coinsurer: s for s in self.shares})

    @property
    def agents(self) -> dict[str, list[str]]:
        """Each agent → the co-insurers it underwrote for."""
        out: dict[str, list[str]] = {}
        for s in self.shares:
            if s.agent:
                out.setdefault(s.agent, []).append(s.coinsurer)
        return out

    @property
    def parties(self) -> set[str]:
        found = {self.leader, *self.by_coinsurer, *self.agents}
        if self.broker:
            found.add(self.broker)
        return found


def decimal_of(value: Any, what: str, reasons: list[str]) -> Decimal | None:
    """A decimal from a file's string (or integer); a reason when it is none."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        reasons.append(f"{what} must be a decimal written as a string, not {value!r}")
        return None
    try:
        out = Decimal(value)
    except InvalidOperation:
        reasons.append(f"{what} {value!r} is not a decimal")
        return None
    if not out.is_finite():
        reasons.append(f"{what} {value!r} is not a finite decimal")
        return None
    return out


def parse_json(content: bytes, reasons: list[str]) -> dict[str, Any] | None:
    try:
        found = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reasons.append(f"the file is not JSON in UTF-8 ({exc})")
        return None
    if not isinstance(found, dict):
        reasons.append("the file is not a JSON object")
        return None
    return found


def split_from_file(key: str, version: int, data: Mapping[str, Any], reasons: list[str]) -> SplitInfo | None:
    """The split a split file declares (every problem of shape in ``reasons``)."""
    before = len(reasons)
    shares: list[Share] = []
    raw_shares = data.get("shares")
    if not isinstance(raw_shares, list) or not raw_shares:
        reasons.append("shares: a split needs a non-empty list of shares")
        raw_shares = []
    for i, raw in enumerate(raw_shares, 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("coinsurer"), str):
            reasons.append(f"share {i}: needs a coinsurer, a share_pct and a commission_rate")
            continue
        pct = decimal_of(raw.get("share_pct"), f"share {i} ({raw['coinsurer']}) share_pct", reasons)
        rate = decimal_of(raw.get("commission_rate", "0"), f"share {i} ({raw['coinsurer']}) commission_rate", reasons)
        agent = raw.get("agent")
        if agent is not None and not isinstance(agent, str):
            reasons.append(f"share {i}: agent must be a participant identifier")
            agent = None
        if pct is not None and rate is not None:
            shares.append(Share(raw["coinsurer"], pct, rate, agent))
    leader = data.get("leader")
    if not isinstance(leader, str):
        reasons.append("leader: the split names no leader")
    broker = data.get("broker")
    if broker is not None and not isinstance(broker, str):
        reasons.append("broker must be a participant identifier")
    rate = decimal_of(data.get("commission_rate", "0"), "commission_rate (the leader's)", reasons)
    currency = data.get("currency", "EUR")
    if not isinstance(currency, str) or len(currency) != 3:
        reasons.append(f"currency {currency!r} is not a 3-letter code")
    if len(reasons) > before:
        return None
    assert isinstance(leader, str) and rate is not None and isinstance(currency, str)
    return SplitInfo(key, version, leader, broker, currency, rate, tuple(shares))


def redacted(flow: str, data: Mapping[str, Any], visible: set[str]) -> dict[str, Any]:
    """The copy of a file for a recipient who may see the commission rates of the co-insurers in
    ``visible`` only (its own; an agent's, those it underwrote for; the clearing body's, none):
    every party sees the shares, nobody another's rate."""
    out = dict(data)
    if flow == Flow.SPLIT:
        if data.get("leader") not in visible:
            out.pop("commission_rate", None)  # the leader's rate: the leader's own
        out["shares"] = [
            {k: v for k, v in line.items() if k != "commission_rate" or line.get("coinsurer") in visible}
            for line in data.get("shares", [])
        ]
    elif flow == Flow.COMMISSION:
        # a difference gives the rate away (difference = part × (rate − leader's) / 100)
        out["lines"] = [line for line in data.get("lines", []) if line.get("coinsurer") in visible]
    return out


def dump(data: Mapping[str, Any]) -> bytes:
    """A flow file's canonical bytes (sorted keys, UTF-8)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
