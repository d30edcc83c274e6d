"""The meta-database says which items change the accounts and which are the system's own
(``changed_by``); MODIFY and PARTIAL MODIF refuse them with 1101, name the primitive to use, and
change nothing — on every DBMS."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assurdb.domain.accounting import account_all, install_chart
from assurdb.domain.primitives import (
    find_occurrence,
    modify_occurrence,
    partial_modif,
)
from assurdb.domain.results import DomainRC
from assurdb.metadb.loader import load_schema, parse
from tests.domain.conftest import D, fire_policy, ok, pra


def test_the_shipped_schema_marks_the_accounting_items() -> None:
    schema = load_schema("insurance")
    marked = {
        (rt.name, item.name): item.changed_by
        for rt in schema.record_types.values()
        for item in rt.items
        if item.changed_by
    }
    assert marked[("PRA", "premium")] == "CREATE ENDORSEMENT (or a renewal)"
    assert marked[("PRA", "accounted_creation")] == "ACCOUNT"
    assert marked[("Loss", "amount")] == "CREATE LOSS MOVEMENT"
    assert ("PRA", "territory") not in marked and ("Loss", "cause") not in marked


def test_changed_by_is_text_of_at_most_80_characters() -> None:
    text = """
format: 1
schema: tiny
version: 1
record_types:
  Thing:
    items:
      code: {type: numeric, length: 3, mandatory: true}
      price: {type: decimal, length: 9, scale: 2, changed_by: %s}
    identifier: [code]
"""
    assert parse(text % "REPRICE", "tiny").record_types["Thing"].items["price"].changed_by == "REPRICE"
    with pytest.raises(Exception, match="changed_by holds at most 80 characters"):
        parse(text % ("X" * 81), "tiny")


def test_modify_refuses_what_changes_the_accounts(org: Any) -> None:
    s = org
    fire_policy(s)
    assert install_chart(s, opened_on=dt.date(1986, 1, 1)).ok
    assert account_all(s, writing_date=dt.date(1986, 1, 31)).ok

    premium = modify_occurrence(s, "PRA", {**pra(), "premium": D(1500)})
    assert premium.rc == DomainRC.ITEM_NOT_ALLOWED
    assert "premium change the accounts: only CREATE ENDORSEMENT (or a renewal) changes them" in premium.message
    flag = modify_occurrence(s, "PRA", {**pra(), "accounted_creation": False})
    assert flag.rc == DomainRC.ITEM_NOT_ALLOWED and "system's own: only ACCOUNT changes them" in flag.message
    partial = partial_modif(s, "PRA", {**pra(), "cover_end": dt.date(1987, 6, 30)})
    assert partial.rc == DomainRC.ITEM_NOT_ALLOWED and "CREATE ENDORSEMENT" in partial.message
    stored = ok(find_occurrence(s, "PRA", pra())).article
    assert stored is not None and stored["premium"] == D(1000) and stored["accounted_creation"] is True
    assert stored["cover_end"] == dt.date(1986, 12, 31)

    ok(modify_occurrence(s, "PRA", {**pra(), "territory": "LU"}))  # an item of no account
    assert account_all(s, writing_date=dt.date(1986, 2, 28)).journals == ()
