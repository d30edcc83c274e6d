"""The chart of accounts and its posting rules, shipped as data (``chart.yaml``; thesis IV.5.1).

``load_chart()`` reads and checks the file once; ``install_chart(session)`` writes the accounts
the database lacks into ``Account`` through the interface (OPEN ACCOUNT, thesis V.4.1), so it can
run again without harm. The posting rules name the accounts by *role*; ``domain.accounting.account``
computes the named amounts of each event and turns each rule into a debit and a credit line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from assurdb.domain.errors import DomainError
from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.metadb.contract import RC, Mode, Session

#: Record type of the chart (Account, identifier ``number``).
ACCOUNT = "Account"
#: Limits of the Account items (metadb/schemas/insurance.yaml) the chart must respect.
_NAME_LENGTH = 40
_TYPE_LENGTH = 16
_TEXT_LENGTH = 60  # Entry.text


class ChartError(DomainError):
    """The chart file is malformed (the message names the element)."""


@dataclass(frozen=True, slots=True)
class AccountDef:
    """One account of the chart: ``number`` identifies it; ``role`` is what posting rules call it."""

    number: int
    role: str
    type: str
    name: str
    #: Thesis II.5 cost category of a cost account (acquisition, claims, general, investment).
    category: str | None = None

    @property
    def article(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "type": self.type}

    @property
    def shown(self) -> str:
        """The number as printed: six digits, class first (010000 is class 0, off-balance)."""
        return f"{self.number:06d}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One posting line pair: debit ``debit`` and credit ``credit`` with the event's ``amount``."""

    amount: str
    debit: str
    credit: str
    text: str


@dataclass(frozen=True)
class Chart:
    accounts: tuple[AccountDef, ...]
    #: record type → event → rules (in order)
    postings: Mapping[str, Mapping[str, tuple[Rule, ...]]]
    by_role: Mapping[str, AccountDef] = field(init=False)
    by_number: Mapping[int, AccountDef] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_role", {a.role: a for a in self.accounts})
        object.__setattr__(self, "by_number", {a.number: a for a in self.accounts})

    def number(self, role: str) -> int:
        try:
            return self.by_role[role].number
        except KeyError:
            raise ChartError(f"the chart has no account with role {role!r}") from None

    def rules(self, rt: str, event: str) -> tuple[Rule, ...]:
        return self.postings.get(rt, {}).get(event, ())

    def of_type(self, *types: str) -> frozenset[int]:
        """Numbers of the chart's accounts of these types (the reports use them)."""
        return frozenset(a.number for a in self.accounts if a.type in types)


def _fail(where: str, message: str) -> ChartError:
    return ChartError(f"chart.yaml: {where}: {message}")


def parse_chart(data: Any) -> Chart:
    """Check a chart read from YAML and build it; every reference must resolve."""
    if not isinstance(data, Mapping) or data.get("format") != 1:
        raise _fail("top level", "expected a mapping with format: 1")
    accounts: list[AccountDef] = []
    seen_numbers: set[int] = set()
    seen_roles: set[str] = set()
    for i, raw in enumerate(data.get("accounts") or [], start=1):
        where = f"account {i}"
        if not isinstance(raw, Mapping):
            raise _fail(where, "expected a mapping")
        unknown = set(raw) - {"number", "role", "type", "name", "category"}
        if unknown:
            raise _fail(where, f"unknown attribute(s) {sorted(unknown)}")
        number, role, kind, name = raw.get("number"), raw.get("role"), raw.get("type"), raw.get("name")
        if not isinstance(number, int) or isinstance(number, bool) or not 0 < number < 10**8:
            raise _fail(where, f"number must be a positive integer of at most 8 digits, not {number!r}")
        if not isinstance(role, str) or not role.isidentifier():
            raise _fail(where, f"role must be a name, not {role!r}")
        if not isinstance(kind, str) or not 0 < len(kind) <= _TYPE_LENGTH:
            raise _fail(where, f"type must be a text of 1..{_TYPE_LENGTH} characters")
        if not isinstance(name, str) or not 0 < len(name) <= _NAME_LENGTH:
            raise _fail(where, f"name must be a text of 1..{_NAME_LENGTH} characters")
        if number in seen_numbers or role in seen_roles:
            raise _fail(where, f"duplicate number {number} or role {role!r}")
        seen_numbers.add(number)
        seen_roles.add(role)
        category = raw.get("category")
        accounts.append(AccountDef(number, role, kind, name, str(category) if category is not None else None))
    if not accounts:
        raise _fail("accounts", "the chart holds no account")
    postings: dict[str, dict[str, tuple[Rule, ...]]] = {}
    for rt, events in (data.get("postings") or {}).items():
        if not isinstance(events, Mapping):
            raise _fail(f"postings.{rt}", "expected a mapping of events")
        postings[rt] = {}
        for event, rules in events.items():
            built: list[Rule] = []
            for j, rule in enumerate(rules or [], start=1):
                where = f"postings.{rt}.{event} line {j}"
                if not isinstance(rule, Mapping) or set(rule) != {"amount", "debit", "credit", "text"}:
                    raise _fail(where, "expected {amount, debit, credit, text}")
                for side in ("debit", "credit"):
                    if rule[side] not in seen_roles:
                        raise _fail(where, f"{side} names no account role: {rule[side]!r}")
                if len(str(rule["text"])) > _TEXT_LENGTH:
                    raise _fail(where, f"text longer than {_TEXT_LENGTH} characters")
                built.append(Rule(str(rule["amount"]), str(rule["debit"]), str(rule["credit"]), str(rule["text"])))
            postings[rt][str(event)] = tuple(built)
    return Chart(tuple(accounts), postings)


@cache
def load_chart() -> Chart:
    """The shipped chart of accounts (``domain/accounting/chart.yaml``), read once (by libyaml's
    safe loader where PyYAML has it: several times faster than the pure-Python one)."""
    text = resources.files("assurdb.domain.accounting").joinpath("chart.yaml").read_text(encoding="utf-8")
    return parse_chart(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


@dataclass(frozen=True, slots=True)
class Installed:
    """What ``install_chart`` did: ``rc`` 0 when the chart is in place."""

    rc: int
    message: str
    written: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return self.rc == RC.OK


def install_chart(
    session: Session,
    chart: Chart | None = None,
    *,
    opened_on: dt.date | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Installed:
    """Write the chart's accounts that ``Account`` lacks (OPEN ACCOUNT, thesis V.4.1), in one unit.

    Accounts already there are left as they are (a company may have renamed them), so the
    function can run at every start.
    """
    chart = chart or load_chart()
    with opened(session, [(ACCOUNT, Mode.MODIFY_SHARED)], timeout=timeout) as reply:
        if not reply.ok:
            return Installed(reply.rc, f"cannot open {ACCOUNT}: {reply.message}")
        missing = []
        for account in chart.accounts:
            found = session.read_direct(ACCOUNT, {"number": account.number})
            if found.rc == RC.NOT_FOUND:
                missing.append({**account.article, "opened": opened_on})
            elif not found.ok:
                return Installed(found.rc, f"cannot read account {account.shown}: {found.message}")
        if not missing:
            return Installed(RC.OK, "the chart of accounts is in place")
        written = session.write_batch(ACCOUNT, missing)
        if not written.ok:
            return Installed(written.rc, f"cannot write the chart of accounts: {written.message}")
    return Installed(RC.OK, f"{len(missing)} account(s) opened", tuple(a["number"] for a in missing))
