"""Participant identifiers (Luhn over the ISIN digit string) and exchange keys (ISO 7064 MOD 37-36)."""

from __future__ import annotations

import itertools

import pytest

from assurdb.domain.exchange.keys import exchange_key, key_problem, parse_key, participant_id, participant_problem


def test_participant_ids_carry_a_luhn_digit_over_kind_and_number() -> None:
    # C=12 I=18 E=14 then 00001: "121814" "00001" -> Luhn check digit 8
    assert participant_id("CIE", 1) == "CIE000018"
    assert participant_problem("CIE000018") is None
    assert "wrong check digit (expected 8)" in str(participant_problem("CIE000017"))
    # the kind is under the check digit: the same digits under another kind are refused
    assert participant_problem("COU000018") is not None
    assert participant_problem(participant_id("COU", 1)) is None


@pytest.mark.parametrize("bad", ["XYZ000010", "CIE00001", "CIE0000188", "cie000018", "CIE00A018", 42])
def test_participant_ids_of_the_wrong_shape_are_refused(bad: object) -> None:
    assert "is not a kind" in str(participant_problem(bad))  # type: ignore[arg-type]


def test_every_single_digit_error_and_adjacent_swap_of_digits_is_caught() -> None:
    good = participant_id("AGT", 40213)
    for i in range(3, 9):
        for d in "0123456789":
            if d != good[i]:
                assert participant_problem(good[:i] + d + good[i + 1 :]) is not None
    for i in range(3, 8):
        swapped = good[:i] + good[i + 1] + good[i] + good[i + 2 :]
        if swapped != good and {good[i], good[i + 1]} != {"0", "9"}:  # Luhn's one blind spot: 09 <-> 90
            assert participant_problem(swapped) is not None


def test_the_exchange_key_layout_and_its_check_character() -> None:
    key = exchange_key("POL123", 2026, 1)
    assert key == "00000000POL123" + "2026" + "00001" + key[-1]
    assert len(key) == 24
    assert key_problem(key) is None
    parts = parse_key(key)
    assert (parts.policy, parts.year, parts.split) == ("00000000POL123", 2026, "00001")
    assert exchange_key("pol123", 2026, "1") == key  # upper case and padding make one key
    assert parts.text == key


def test_every_substitution_and_adjacent_transposition_in_a_key_is_caught() -> None:
    key = exchange_key("AB12CD34", 2025, "7Z")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i, c in itertools.product(range(24), alphabet):
        if c != key[i]:
            assert key_problem(key[:i] + c + key[i + 1 :]) is not None, (i, c)
    for i in range(23):
        if key[i] != key[i + 1]:
            assert key_problem(key[:i] + key[i + 1] + key[i] + key[i + 2 :]) is not None, i


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("POL-1", 2026, 1), "must be 1 to 14 characters"),
        (("P" * 15, 2026, 1), "longer than 14"),
        (("POL1", 26, 1), "4-digit year"),
        (("POL1", 2026, "123456"), "longer than 5"),
    ],
)
def test_keys_that_cannot_be_built_say_why(args: tuple[str, int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        exchange_key(*args)


def test_key_problems_name_the_fault() -> None:
    assert "not 24 characters" in str(key_problem("ABC"))
    assert "other than 0-9 and A-Z" in str(key_problem("a" * 24))
    assert "underwriting year" in str(key_problem("0" * 14 + "20X6" + "0" * 6))
