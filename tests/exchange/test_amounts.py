"""Each co-insurer's part is share × total to the cent; the leader takes the rounding remainder."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from assurdb.domain.exchange.amounts import allocate, commission_difference


def test_thirds_leave_the_cent_to_the_leader() -> None:
    shares = {"L": D("33.3334"), "A": D("33.3333"), "B": D("33.3333")}
    assert allocate(D("100.00"), shares, "L") == {"L": D("33.34"), "A": D("33.33"), "B": D("33.33")}
    # half a cent rounds up for followers: 0.5 % of 1.00 = 0.005 -> 0.01; the leader absorbs it
    assert allocate(D("1.00"), {"L": D("99.5"), "A": D("0.5")}, "L") == {"L": D("0.99"), "A": D("0.01")}


def test_a_refund_splits_as_the_premium_did() -> None:
    shares = {"L": D("50"), "A": D("25.5"), "B": D("24.5")}
    plus = allocate(D("1234.57"), shares, "L")
    minus = allocate(D("-1234.57"), shares, "L")
    assert {k: -v for k, v in plus.items()} == minus


@given(
    total=st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    weights=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=25),
)
def test_parts_always_add_up_to_the_total(total: D, weights: list[int]) -> None:
    scale = sum(weights)
    shares = {f"C{i}": D(w) * 100 / scale for i, w in enumerate(weights)}
    parts = allocate(total, shares, "C0")
    assert sum(parts.values()) == total
    for code, part in parts.items():
        if code != "C0":
            assert abs(part - total * shares[code] / 100) <= D("0.005")


def test_commission_difference_against_the_leaders_rate() -> None:
    assert commission_difference(D("3000.00"), D("17.50"), D("15.00")) == D("75.00")
    assert commission_difference(D("3000.00"), D("12.00"), D("15.00")) == D("-90.00")
