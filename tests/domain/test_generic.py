"""The base functions of thesis V.1.1 and V.1.2 on every backend: FIND, FIND NEXT, SELECT,
DISPLAY, PRINT, CREATE, MODIFY, DELETE; FIND / CREATE / DELETE ASSOCIATION."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from assurdb.domain.primitives import (
    Constraint,
    DomainRC,
    close_account,
    create_association,
    create_associations,
    create_loss,
    create_occurrence,
    delete_association,
    delete_occurrence,
    display_occurrence,
    find_association,
    find_next_occurrence,
    find_occurrence,
    modify_occurrence,
    open_account,
    print_occurrence,
    select_occurrences,
)
from assurdb.metadb.contract import RC
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import POLICY, D, build_org, fire_policy, ok, pra


def _thesis_insured(s: Any) -> None:
    # thesis V.1.1 b's examples: 10-digit codes, 25-character names
    for code, name in (
        (1234000000, "MARTIN"),
        (1234000001, "PEETERS"),
        (2354789012, "DUPONT ANNET"),
        (4000023456, "DURAND-TOLLET"),
    ):
        ok(create_occurrence(s, "Insured", {"code": code, "name": name}))


def test_find_next_follows_the_thesis_examples(db: Any, admin: Any) -> None:
    """FIND NEXT OCCURRENCE, thesis V.1.1 b: '1234.....' → 1234000000, reused → 1234000001;
    'DUP' on the name key → DUPONT ANNET (2354789012), reused → DURAND-TOLLET (4000023456)."""
    s = admin  # the primitives open (and close) what they need themselves
    _thesis_insured(s)
    first = ok(find_next_occurrence(s, "Insured", {"code": "1234....."}))
    assert first.article is not None and first.article["code"] == 1234000000
    second = ok(find_next_occurrence(s, "Insured", first.article))
    assert second.article is not None and second.article["code"] == 1234000001
    by_name = ok(find_next_occurrence(s, "Insured", {"name": "DUP"}, key="name"))
    assert by_name.article is not None
    assert (by_name.article["name"], by_name.article["code"]) == ("DUPONT ANNET", 2354789012)
    following = ok(find_next_occurrence(s, "Insured", by_name.article, key="name"))
    assert following.article is not None
    assert (following.article["name"], following.article["code"]) == ("DURAND-TOLLET", 4000023456)
    last = ok(find_next_occurrence(s, "Insured", {"name": "PEETERS"}, key="name"))  # partial: at or after
    assert last.article is not None and last.article["code"] == 1234000001
    assert find_next_occurrence(s, "Insured", last.article, key="name").rc == RC.NOT_FOUND
    # a partial value names its leading digits only; a key that is not an access key answers 12
    assert find_next_occurrence(s, "Insured", {"code": "12x4"}).rc == RC.VALUE_INVALID
    assert find_next_occurrence(s, "Insured", {"name": "DUP"}, key="address").rc == RC.KEY_NOT_ACCESS
    # FIND OCCURRENCE by identifier
    found = ok(find_occurrence(s, "Insured", {"code": 4000023456}))
    assert found.article is not None and found.article["name"] == "DURAND-TOLLET"
    missing = find_occurrence(s, "Insured", {"code": 999})
    assert missing.rc == RC.NOT_FOUND and "999" in missing.message
    assert find_occurrence(s, "Nobody", {"code": 1}).rc == RC.RT_UNKNOWN
    # the primitives closed what they opened: another session may now hold Insured exclusively
    other = db.login("admin", ADMIN_PASSWORD)
    try:
        assert other.open_db([("Insured", 3)]).ok
    finally:
        other.close()


def test_select_occurrences_by_access_key_criteria(s: Any) -> None:
    _thesis_insured(s)
    result = ok(select_occurrences(s, "Insured", {"name": ("D", "M")}))
    assert result.batch is not None
    assert list(result.batch["name"]) == ["DUPONT ANNET", "DURAND-TOLLET"]
    exact = ok(select_occurrences(s, "Insured", {"code": 1234000001}))
    assert exact.batch is not None and list(exact.batch["name"]) == ["PEETERS"]
    assert select_occurrences(s, "Insured", {"email": "x"}).rc == RC.KEY_NOT_ACCESS
    assert select_occurrences(s, "Insured", {"colour": "x"}).rc == RC.RT_MISMATCH


def test_create_applies_defaults_and_validates_every_item(s: Any) -> None:
    created = ok(create_occurrence(s, "Insured", {"code": 42, "name": "LAMBERT"}))
    assert created.article is not None and created.article["kind"] == "person"  # the meta-database's default
    assert ok(find_occurrence(s, "Insured", {"code": 42})).article == created.article
    # every problem at once, named
    bad = create_occurrence(s, "Insured", {"code": 43, "name": "X" * 26, "birth_date": "yesterday"})
    assert bad.rc == RC.VALUE_INVALID
    assert "at most 25 characters" in bad.message and "birth_date" in bad.message
    assert create_occurrence(s, "Insured", {"code": 44}).rc == RC.VALUE_INVALID  # name is mandatory
    assert create_occurrence(s, "Insured", {"name": "NO CODE"}).rc == RC.RT_MISMATCH
    assert create_occurrence(s, "Insured", {"code": 45, "name": "A", "colour": "red"}).rc == RC.RT_MISMATCH
    twice = create_occurrence(s, "Insured", {"code": 42, "name": "LAMBERT"})
    assert twice.rc == RC.ALREADY_EXISTS and "already exists" in twice.message
    assert create_occurrence(s, "Policyholder", {"code": 1}).rc == RC.RT_UNKNOWN
    assert find_occurrence(s, "Insured", {"code": 43}).rc == RC.NOT_FOUND  # nothing half-written


def test_modify_changes_only_the_items_given(s: Any) -> None:
    ok(create_occurrence(s, "Insured", {"code": 7, "name": "RENARD", "email": "r@example.be"}))
    changed = ok(modify_occurrence(s, "Insured", {"code": 7, "birth_date": dt.date(1950, 1, 1)}))
    assert changed.article is not None
    assert changed.article["birth_date"] == dt.date(1950, 1, 1)
    assert changed.article["email"] == "r@example.be" and changed.article["name"] == "RENARD"
    assert modify_occurrence(s, "Insured", {"code": 8, "name": "NOBODY"}).rc == RC.NOT_FOUND
    assert modify_occurrence(s, "Insured", {"code": 7, "name": None}).rc == RC.VALUE_INVALID
    assert modify_occurrence(s, "Insured", {"name": "NO CODE"}).rc == RC.RT_MISMATCH


def test_delete_asks_for_confirmation_and_takes_the_guaranties_along(org: Any) -> None:
    s = org
    ok(create_occurrence(s, "Insured", {"code": 9, "name": "SIMON"}))
    shown: list[str] = []

    def refuse(text: str) -> bool:
        shown.append(text)
        return False

    declined = delete_occurrence(s, "Insured", {"code": 9}, confirm=refuse)
    assert declined.rc == DomainRC.NOT_CONFIRMED
    assert "SIMON" in shown[0] and "Insured" in shown[0]  # DISPLAY OCCURRENCE before asking
    assert find_occurrence(s, "Insured", {"code": 9}).ok
    ok(delete_occurrence(s, "Insured", {"code": 9}, confirm=lambda text: True))
    assert find_occurrence(s, "Insured", {"code": 9}).rc == RC.NOT_FOUND
    assert delete_occurrence(s, "Insured", {"code": 9}).rc == RC.NOT_FOUND
    # a PRA goes with its guaranties (their identifier includes its own), in one unit
    fire_policy(s)
    removed = ok(delete_occurrence(s, "PRA", pra()))
    assert "2 dependent" in removed.message
    assert find_occurrence(s, "Guaranty", {**pra(), "guaranty_no": 1}).rc == RC.NOT_FOUND


def test_display_and_print_use_labels_and_display_formats(s: Any, tmp_path: Path) -> None:
    insured = ok(create_occurrence(s, "Insured", {"code": 42, "name": "LAMBERT", "birth_date": dt.date(1950, 3, 1)}))
    assert insured.article is not None
    text = ok(display_occurrence(s, "Insured", insured.article)).text
    assert text is not None
    assert "Insured 0000000042" in text  # display "010d"
    assert "Birth / registration date" in text and "01/03/1950" in text  # label and "%d/%m/%Y"
    amounts = ok(display_occurrence(s, "PRA", {**pra(), "premium": D("1234567.5"), "cover_start": dt.date(1986, 1, 1)}))
    assert amounts.text is not None and "1,234,567.50" in amounts.text and "01/01/1986" in amounts.text
    for fmt, expected in (("text", "Name"), ("csv", "Code,Name"), ("html", "<th>Name</th>")):
        target = tmp_path / f"insured.{fmt}"
        printed = ok(print_occurrence(s, "Insured", [insured.article], target, fmt))  # type: ignore[arg-type]
        content = target.read_text(encoding="utf-8")
        assert expected in content and "LAMBERT" in content and printed.text == content
    assert print_occurrence(s, "Insured", insured.article, tmp_path / "x.pdf", "pdf").rc == RC.VALUE_INVALID  # type: ignore[arg-type]
    assert display_occurrence(s, "Insured", {"colour": "red"}).rc == RC.RT_MISMATCH


def test_associations_find_create_delete(org: Any) -> None:
    s = org
    # N-N with a link item (thesis V.1.2 b): E1 also directs B1-COM
    made = ok(create_association(s, "Composition", {"code": "B1-COM"}, {"code": "E1"}, link={"role": "director"}))
    assert made.article is not None and made.article["role"] == "director"
    cells = ok(find_association(s, "Composition", target={"code": "E1"}))
    assert sorted(c["code"] for c in cells.articles) == ["B1-COM", "B1-DEP"]
    members = ok(find_association(s, "Composition", origin={"code": "B1-COM"}))
    assert [(e["code"], e["role"]) for e in members.articles] == [("E1", "director")]
    assert find_association(s, "Composition", origin={"code": "B1-SAL"}).rc == RC.TARGET_NOT_FOUND
    assert find_association(s, "Composition", origin={"code": "NOPE"}).rc == RC.NOT_FOUND
    # existence first (thesis: "message de non existence d'occurrences d'input")
    assert create_association(s, "Communication", {"code": "NOPE"}, {"code": "AG1"}).rc == RC.NOT_FOUND
    assert create_association(s, "Communication", {"code": "B1-DEP"}, {"code": "AG9"}).rc == RC.TARGET_NOT_FOUND
    assert create_association(s, "Conversation", {"code": "B1-DEP"}, {"code": "AG1"}).rc == RC.PATH_INVALID
    assert create_association(s, "Communication", {"code": "B1-DEP"}, {"code": "AG1"}).rc == RC.TARGET_ALREADY_EXISTS
    # 1-N: a policy handled by B1-DEP, moved to nobody then back
    fire_policy(s)
    handled = ok(find_association(s, "Handling", target=pra()))
    assert [c["code"] for c in handled.articles] == ["B1-DEP"]
    assert delete_association(s, "Handling", {"code": "B1-DEP"}, pra(), confirm=lambda _: False).rc == (
        DomainRC.NOT_CONFIRMED
    )
    ok(delete_association(s, "Handling", {"code": "B1-DEP"}, pra(), confirm=lambda text: "Handling" in text))
    assert find_association(s, "Handling", target=pra()).rc == RC.NOT_FOUND
    assert delete_association(s, "Handling", {"code": "B1-DEP"}, pra()).rc == RC.TARGET_NOT_FOUND
    ok(create_association(s, "Handling", {"code": "B1-DEP"}, pra()))
    # the batch form is all or none: the second link names a missing agent
    batch = create_associations(
        s, "Communication", [({"code": "B2-DEP"}, {"code": "AG1"}), ({"code": "B2-DEP"}, {"code": "AG9"})]
    )
    assert batch.rc == RC.TARGET_NOT_FOUND and batch.position == 1
    assert find_association(s, "Communication", origin={"code": "B2-DEP"}).rc == RC.TARGET_NOT_FOUND


def test_open_and_close_account(s: Any) -> None:
    """OPEN ACCOUNT / CLOSE ACCOUNT (thesis V.4.1 b): only the opening and closing items."""
    opened = ok(open_account(s, 700000, dt.date(1986, 1, 1), name="Premiums written", type="premium")).article
    assert opened is not None and (opened["opened"], opened["closed"]) == (dt.date(1986, 1, 1), None)
    assert open_account(s, 700000, dt.date(1986, 2, 1)).rc == DomainRC.WRONG_STATE  # already open
    assert open_account(s, 600000, dt.date(1986, 1, 1)).rc == RC.VALUE_INVALID  # a new account needs a name
    ok(create_occurrence(s, "Account", {"number": 600000, "name": "Claims paid", "type": "claims"}))
    assert open_account(s, 600000, dt.date(1986, 1, 1), name="Other").rc == DomainRC.ITEM_NOT_ALLOWED
    ok(open_account(s, 600000, dt.date(1986, 3, 1)))  # an account created without an opening date
    assert close_account(s, 700000, dt.date(1985, 12, 31)).rc == RC.VALUE_INVALID  # before its opening
    entry = {"number": 1, "journal_no": 1, "writing_date": dt.date(1986, 6, 1), "amount": D(10), "side": "C",
             "accounting_number": 700000}  # fmt: skip
    assert s.write("Entry", entry).ok
    early = close_account(s, 700000, dt.date(1986, 5, 31))
    assert early.rc == RC.VALUE_INVALID and "entry 1" in early.message
    closed = ok(close_account(s, 700000, dt.date(1986, 12, 31))).article
    assert closed is not None and closed["closed"] == dt.date(1986, 12, 31)
    assert close_account(s, 700000, dt.date(1987, 1, 1)).rc == DomainRC.WRONG_STATE
    again = open_account(s, 700000, dt.date(1987, 1, 1))
    assert again.rc == DomainRC.WRONG_STATE and "not reopened" in again.message
    assert close_account(s, 123, dt.date(1987, 1, 1)).rc == RC.NOT_FOUND


COVER = frozenset({"cover_end"})  # what an endorsement changes


def test_a_primitive_opens_what_its_checks_read(db: Any) -> None:
    """On a fresh session, a change of a PRA's cover (MODIFY restricted to it, as an endorsement
    makes it) reads its losses (constraint 14): the primitive opens Loss for the call in mode 1 and
    closes it afterwards; a loss outside the new cover refuses."""
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        build_org(s)
        fire_policy(s)
        ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 11, 1)}, policy_no=POLICY))
        assert s.close_db().ok and not s.opened
        shorter = modify_occurrence(s, "PRA", {**pra(), "cover_end": dt.date(1986, 10, 31)}, allowed=COVER)
        assert shorter.rc == Constraint.LOSS_DATE.rc, shorter
        ok(modify_occurrence(s, "PRA", {**pra(), "cover_end": dt.date(1986, 11, 30)}, allowed=COVER))
        assert not s.opened  # what the primitive opened, on demand too, it closed
        # a session holding record types keeps them, in their modes; the primitive's own are closed
        assert s.open_db([("Insured", 1), ("PRA", 1)]).ok
        ok(modify_occurrence(s, "PRA", {**pra(), "cover_end": dt.date(1986, 11, 29)}, allowed=COVER))
        assert s.opened == {"Insured": 1, "PRA": 1}
        assert s.close_db().ok
        # inside the caller's unit nothing can be opened: the read answers 600 and nothing is written
        assert s.open_db([("PRA", 2)]).ok and s.begin().ok
        inside = modify_occurrence(s, "PRA", {**pra(), "cover_end": dt.date(1986, 12, 31)}, allowed=COVER)
        assert inside.rc == RC.MODE_FORBIDS and "Loss" in inside.message
        assert s.rollback().ok
    finally:
        s.close()
