"""Identifiers of the exchange and their check characters.

**Participant identifier** — 9 characters: the kind (``CIE`` insurer, ``COU`` broker, ``AGT``
agent, ``ORG`` clearing body), 5 digits, and a Luhn (mod 10) check digit computed over the first
8 characters with letters read as two digits, A = 10 … Z = 35 (the ISIN convention, ISO 6166), so
that a wrong kind is caught as well as a wrong or swapped digit: ``CIE00001`` → ``CIE000018``.

**Exchange key** — 24 characters of ``0-9A-Z``, which identify the policy, the underwriting year
and the coinsurance split (every article of a split carries it):

====== ======= ==========================================================================
chars  width   content
====== ======= ==========================================================================
1–14   14      the policy reference, upper case, right-aligned and padded with ``0``
15–18  4       the underwriting year
19–23  5       the split number (``0-9A-Z``, right-aligned, padded with ``0``)
24     1       ISO 7064 MOD 37-36 check character over the first 23
====== ======= ==========================================================================

MOD 37-36 is ISO 7064's hybrid system for alphanumeric strings: it detects every single
substitution and every transposition of adjacent characters, and its check character is itself
one of ``0-9A-Z`` (no ``*`` as in MOD 37-2), so the key stays in one alphabet. Policy references of
the market are compared in their padded form (``123`` and ``00123`` are one policy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import luhn
from stdnum.iso7064 import mod_37_36

KINDS = {"CIE": "insurer", "COU": "broker", "AGT": "agent", "ORG": "clearing body"}
KEY_LENGTH = 24
POLICY_WIDTH, YEAR_WIDTH, SPLIT_WIDTH = 14, 4, 5
_ALNUM = re.compile(r"[0-9A-Z]+")
_PARTICIPANT = re.compile(r"(CIE|COU|AGT|ORG)[0-9]{6}")


def _digits(text: str) -> str:
    """Letters as two digits (A = 10 … Z = 35), digits as themselves (ISIN, ISO 6166)."""
    return "".join(str(int(c, 36)) for c in text)


def participant_id(kind: str, number: int) -> str:
    """The identifier of participant ``number`` (0 … 99 999) of ``kind``: ``participant_id("CIE", 1)``
    is ``CIE000018``."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is none of {', '.join(KINDS)}")
    if not 0 <= number <= 99_999:
        raise ValueError(f"participant number {number} is not 0 … 99 999")
    body = f"{kind}{number:05d}"
    return body + luhn.calc_check_digit(_digits(body))


def participant_problem(code: str) -> str | None:
    """Why ``code`` is not a valid participant identifier, or None."""
    if not isinstance(code, str) or not _PARTICIPANT.fullmatch(code):
        return f"participant identifier {code!r} is not a kind (CIE, COU, AGT, ORG), 5 digits and a check digit"
    if not luhn.is_valid(_digits(code)):
        expected = participant_id(code[:3], int(code[3:8]))[-1]
        return f"participant identifier {code!r}: wrong check digit (expected {expected})"
    return None


def kind_of(code: str) -> str:
    """``CIE``, ``COU``, ``AGT`` or ``ORG``: the first three characters."""
    return code[:3]


@dataclass(frozen=True, slots=True)
class ExchangeKey:
    """The three parts of an exchange key (the check character is computed)."""

    policy: str
    year: int
    split: str

    @property
    def text(self) -> str:
        return exchange_key(self.policy, self.year, self.split)


def exchange_key(policy: str, year: int, split: str | int) -> str:
    """The 24-character key of a policy's split for an underwriting year."""
    policy_part = _field(str(policy).upper(), POLICY_WIDTH, "policy reference")
    if not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError(f"underwriting year {year!r} is not a 4-digit year")
    split_part = _field(str(split).upper(), SPLIT_WIDTH, "split number")
    body = f"{policy_part}{year:04d}{split_part}"
    return body + mod_37_36.calc_check_digit(body)


def _field(value: str, width: int, what: str) -> str:
    if not value or not _ALNUM.fullmatch(value):
        raise ValueError(f"{what} {value!r} must be 1 to {width} characters of 0-9 and A-Z")
    if len(value) > width:
        raise ValueError(f"{what} {value!r} is longer than {width} characters")
    return value.rjust(width, "0")


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid exchange key, or None."""
    if not isinstance(key, str) or len(key) != KEY_LENGTH:
        return f"exchange key {key!r} is not {KEY_LENGTH} characters"
    if not _ALNUM.fullmatch(key):
        return f"exchange key {key!r} holds characters other than 0-9 and A-Z"
    if not key[14:18].isdigit():
        return f"exchange key {key!r}: characters 15-18 are not an underwriting year"
    if not mod_37_36.is_valid(key):
        return f"exchange key {key!r}: wrong check character (expected {mod_37_36.calc_check_digit(key[:-1])})"
    return None


def parse_key(key: str) -> ExchangeKey:
    """The parts of a valid key (``ValueError`` saying why otherwise)."""
    problem = key_problem(key)
    if problem:
        raise ValueError(problem)
    return ExchangeKey(key[:POLICY_WIDTH], int(key[POLICY_WIDTH : POLICY_WIDTH + YEAR_WIDTH]), key[18:23])
