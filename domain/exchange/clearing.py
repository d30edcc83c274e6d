"""Clearing: the clearing body nets the premium and claims payments of a period.

A premium payment (flow ``premium_pay``) is the broker paying the total, each co-insurer
receiving its part; a claims payment (``claim_pay``) is each co-insurer paying its part, the
broker receiving the total. The parts are those the hub distributed (each Delivery's amount),
which add up to the total by construction (the leader takes the rounding remainder), so the nets
of a period — received minus paid, per participant and currency — balance to zero across the
market; :func:`settlements` refuses to write statements that would not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assurdb.domain.exchange.flows import Flow

ZERO = Decimal(0)
#: Article states whose payments the clearing takes: distributed to the co-insurers, or beyond.
CLEARED_STATES = ("distributed", "collected", "purged")


@dataclass
class Statement:
    premiums_received: Decimal = ZERO
    premiums_paid: Decimal = ZERO
    claims_received: Decimal = ZERO
    claims_paid: Decimal = ZERO
    articles: int = 0

    @property
    def net(self) -> Decimal:
        return self.premiums_received + self.claims_received - self.premiums_paid - self.claims_paid


def settlements(
    payments: Iterable[tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]],
) -> dict[tuple[str, str], Statement]:
    """(participant, currency) → statement, from each payment article with its deliveries."""
    out: dict[tuple[str, str], Statement] = defaultdict(Statement)
    for article, deliveries in payments:
        currency, broker = str(article["currency"]), str(article["sender_code"])
        total = Decimal(str(article["total"]))
        touched = {broker}
        parts = [
            (str(d["recipient_code"]), Decimal(str(d["amount"]))) for d in deliveries if d.get("amount") is not None
        ]
        if article["flow"] == Flow.PREMIUM_PAY:
            out[broker, currency].premiums_paid += total
            for code, amount in parts:
                out[code, currency].premiums_received += amount
                touched.add(code)
        else:
            out[broker, currency].claims_received += total
            for code, amount in parts:
                out[code, currency].claims_paid += amount
                touched.add(code)
        for code in touched:
            out[code, currency].articles += 1
    return dict(out)


def imbalance(statements: Mapping[tuple[str, str], Statement]) -> dict[str, Decimal]:
    """Per currency, what the nets add up to when not zero (nothing when the period balances)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for (_, currency), statement in statements.items():
        sums[currency] += statement.net
    return {currency: total for currency, total in sums.items() if total != ZERO}
