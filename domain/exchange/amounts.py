"""Amounts of a split: each co-insurer's part of a total, to the cent.

Every co-insurer but the leader gets ``share × total`` rounded half up to the cent (half a cent
away from zero, so a refund splits as the premium did); the leader takes what remains, so the parts
add up to the total exactly (the market's rule: the leader absorbs the rounding).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(total: Decimal, shares: Mapping[str, Decimal], leader: str) -> dict[str, Decimal]:
    """Each co-insurer's part of ``total`` (shares in %), the leader taking the remainder."""
    if leader not in shares:
        raise ValueError(f"the leader {leader} holds no share")
    parts = {code: cents(total * pct / HUNDRED) for code, pct in shares.items() if code != leader}
    parts[leader] = total - sum(parts.values(), Decimal(0))
    return {code: parts[code] for code in shares}


def commission_difference(part: Decimal, rate: Decimal, leader_rate: Decimal) -> Decimal:
    """What a co-insurer's commission at ``rate`` differs, on its premium ``part``, from the
    commission at the leader's rate (positive: it pays more commission than the leader's rate)."""
    return cents(part * (rate - leader_rate) / HUNDRED)
