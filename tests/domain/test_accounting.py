"""ACCOUNT PRA / GUARANTY / COINSURANCE / REINSURANCE / LOSS and the journal (thesis V.3.1, IV.5,
IV.6 constraint 15), on every backend.

The articles to account are written straight through the interface (WRITE TARGET VIA PATH in a
unit), not through the CREATE primitives; the builders below are shared with the concurrency and
report tests.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from assurdb import RC, Mode
from assurdb.domain.accounting import (
    ChartError,
    Line,
    account_all,
    account_coinsurance,
    account_guaranty,
    account_loss,
    account_pending,
    account_pra,
    account_reinsurance,
    install_chart,
    journal_problems,
    last_entry,
    load_chart,
    post_expense,
    post_journal,
    returned_premium,
)
from assurdb.domain.accounting.chart import AccountDef, Chart, parse_chart
from assurdb.domain.primitives import (
    DomainRC,
    cancel_pra,
    create_endorsement,
    create_loss,
    create_loss_movement,
    create_policy,
    find_contract_in_force,
    reinstate_pra,
)
from tests.domain.conftest import DUPONT

D = Decimal
#: Record types the builders write (admin may open all of them in mode 2).
WRITTEN = (
    "ECS",
    "OrgCell",
    "Intermediary",
    "ExtCompany",
    "Insured",
    "PRA",
    "Guaranty",
    "CoinsuranceCession",
    "ReinsuranceCession",
    "Loss",
)
CHART = load_chart()
N = CHART.number  # role → account number


# -- builders -----------------------------------------------------------------------------------
def ok(reply: Any) -> Any:
    assert reply.rc == RC.OK, reply
    return reply


def open_for_writing(s: Any) -> None:
    ok(s.open_db([(rt, Mode.MODIFY_SHARED) for rt in WRITTEN]))


def pra_id(policy_no: str, renewal_no: int = 0, endorsement_no: int = 0) -> dict[str, Any]:
    return {"policy_no": policy_no, "renewal_no": renewal_no, "endorsement_no": endorsement_no}


def branch(s: Any, ecs: str, cell: str) -> None:
    """A branch (ECS level 0) with one level-1 commercial cell."""
    ok(s.write("ECS", {"code": ecs, "name": f"Branch {ecs}", "region": "R", "level": 0}))
    cell_article = {"code": cell, "name": f"Cell {cell}", "level": 1, "kind": "commercial"}
    ok(s.write_target_via_path("ECS", {"code": ecs}, "OrgCell", cell_article, "Organisation"))


def agent(s: Any, code: str) -> None:
    ok(s.write("Intermediary", {"code": code, "name": f"Agent {code}", "kind": "agent"}))


def insured(s: Any, code: int = 1) -> None:
    ok(s.write("Insured", {"code": code, "name": f"INSURED {code}"}))


def contract(
    s: Any,
    ident: dict[str, Any],
    *,
    start: dt.date,
    end: dt.date,
    premium: str,
    cls: str = "FIRE",
    rate: str = "0",
    sum_insured: str = "0",
    insured_code: int = 1,
    guaranties: tuple[dict[str, Any], ...] = ({"guaranty_no": 1, "peril": "FIRE"},),
    agent_code: str | None = None,
    cell: str | None = None,
    **items: Any,
) -> dict[str, Any]:
    """A PRA with its guaranties (Breakdown), insured (Insurance), agent and handling cell, in one unit."""
    article = {
        **ident,
        "class_of_business": cls,
        "cover_start": start,
        "cover_end": end,
        "premium": D(premium),
        "commission_rate": D(rate),
        "sum_insured": D(sum_insured),
        **items,
    }
    ok(s.begin())
    ok(s.write_target_via_path("Insured", {"code": insured_code}, "PRA", article, "Insurance"))
    for guaranty in guaranties:
        ok(s.write_target_via_path("PRA", ident, "Guaranty", guaranty, "Breakdown"))
    if agent_code:
        ok(s.bound("Intermediary", {"code": agent_code}, "PRA", ident, "Intermediation"))
    if cell:
        ok(s.bound("OrgCell", {"code": cell}, "PRA", ident, "Handling"))
    ok(s.commit())
    return ident


def loss(s: Any, code: str, pra: dict[str, Any], *, loss_date: dt.date, amount: str, **items: Any) -> dict[str, Any]:
    article = {"code": code, "loss_date": loss_date, "amount": D(amount), **items}
    ok(s.write_target_via_path("PRA", pra, "Loss", article, "Accident"))
    return {"code": code}


def entries(s: Any, *, source_id: str | None = None) -> list[tuple[int, int, str, int, Decimal, str | None]]:
    """(number, journal_no, event, account, signed amount (debit +), booking date) of the journal."""
    ok(s.open_db(["Entry"]))
    frame = ok(s.read_selection("Entry", {})).batch
    s.close_rt("Entry")
    rows = []
    for e in frame.to_dict("records"):
        if source_id is not None and e["source_id"] != source_id:
            continue
        sign = 1 if e["side"] == "D" else -1
        booked = None if e["booking_date"] is None or str(e["booking_date"]) == "NaT" else str(e["booking_date"])[:10]
        rows.append(
            (
                int(e["number"]),
                int(e["journal_no"]),
                e["event"],
                int(e["accounting_number"]),
                sign * e["amount"],
                booked,
            )
        )
    return rows


def postings(s: Any, source_id: str) -> dict[str, dict[int, Decimal]]:
    """event → account → signed amount, for one source."""
    out: dict[str, dict[int, Decimal]] = {}
    for _, _, event, account, amount, _ in entries(s, source_id=source_id):
        out.setdefault(event, {})
        out[event][account] = out[event].get(account, D(0)) + amount
    return out


@pytest.fixture
def books(admin: Any) -> Any:
    """The admin session, on a database with the chart installed, one insured, nothing open."""
    assert install_chart(admin, opened_on=dt.date(2024, 1, 1)).ok
    open_for_writing(admin)
    insured(admin)
    return admin


# -- the chart --------------------------------------------------------------------------------------
def test_chart_is_consistent_and_balanced_by_construction() -> None:
    roles = set(CHART.by_role)
    assert len(CHART.accounts) == len({a.number for a in CHART.accounts}) == len(roles)
    for rt, events in CHART.postings.items():
        for event, rules in events.items():
            assert rules, f"{rt}.{event} has no rule"
            assert all(r.debit in roles and r.credit in roles and r.debit != r.credit for r in rules)
    assert CHART.by_role["general_costs"].category == "general"
    assert CHART.by_role["risks_covered"].shown == "010000"


def test_chart_errors_name_the_element() -> None:
    bad = {
        "format": 1,
        "accounts": [{"number": 1, "role": "a", "type": "t", "name": "A"}],
        "postings": {"PRA": {"creation": [{"amount": "premium", "debit": "a", "credit": "nope", "text": "x"}]}},
    }
    with pytest.raises(ChartError, match=r"postings\.PRA\.creation line 1: credit names no account role: 'nope'"):
        parse_chart(bad)
    with pytest.raises(ChartError, match="duplicate number 1"):
        parse_chart({"format": 1, "accounts": [bad["accounts"][0], {**bad["accounts"][0], "role": "b"}]})


def test_install_chart_is_idempotent(admin: Any) -> None:
    first = install_chart(admin, opened_on=dt.date(2024, 1, 1))
    assert first.ok and len(first.written) == len(CHART.accounts)
    again = install_chart(admin)
    assert again.ok and again.written == ()
    ok(admin.open_db(["Account"]))
    frame = ok(admin.read_selection("Account", {})).batch
    assert [int(n) for n in frame["number"]] == sorted(a.number for a in CHART.accounts)
    assert ok(admin.read_direct("Account", {"number": 700000})).article["type"] == "premium"


# -- amounts ----------------------------------------------------------------------------------------
def test_returned_premium_pro_rata_temporis() -> None:
    # 730.00 over 2024-07-01..2025-06-30 (365 days); cancelled on 2024-10-01: 273 days left → 546.00
    assert returned_premium(D("730.00"), dt.date(2024, 7, 1), dt.date(2025, 6, 30), dt.date(2024, 10, 1)) == D("546.00")
    # cancelled before the start: everything back; after the end: nothing
    assert returned_premium(D("730.00"), dt.date(2024, 7, 1), dt.date(2025, 6, 30), dt.date(2024, 1, 1)) == D("730.00")
    assert returned_premium(D("730.00"), dt.date(2024, 7, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 1)) == D("0.00")
    # 1000 over 1986 (365 days) cancelled on 1986-12-31: 1 day left → 2.739… → 2.74
    assert returned_premium(D("1000"), dt.date(1986, 1, 1), dt.date(1986, 12, 31), dt.date(1986, 12, 31)) == D("2.74")


# -- ACCOUNT PRA --------------------------------------------------------------------------------------
def test_account_pra_creation_then_cancellation_once(books: Any) -> None:
    s = books
    p2 = contract(s, pra_id("P2-24"), start=dt.date(2024, 7, 1), end=dt.date(2025, 6, 30), premium="730.00", rate="20")
    s.close_db()
    created = account_pra(s, p2, writing_date=dt.date(2024, 7, 2))
    assert created.ok and created.entries == (1, 2, 3, 4)
    assert [j.event for j in created.journals] == ["creation"]
    assert account_pra(s, p2).journals == ()  # idempotent: nothing left to account

    open_for_writing(s)
    ok(s.rewrite("PRA", {**p2, "cancellation_type": "insured", "cancellation_date": dt.date(2024, 10, 1)}))
    s.close_db()
    cancelled = account_pra(s, p2, writing_date=dt.date(2024, 10, 2))
    assert cancelled.ok and cancelled.entries == (5, 6, 7, 8) and cancelled.journals[0].journal_no == 2
    assert account_pra(s, p2).journals == ()

    # premium 730 at 20 %: 146 commission; returned 546 (273 of 365 days) and 109.20 commission
    assert postings(s, "P2-24/0/0") == {
        "creation": {N("premiums_receivable"): D("730.00"), N("premiums_written"): D("-730.00"),
                     N("commissions"): D("146.00"), N("commissions_payable"): D("-146.00")},
        "cancellation": {N("premiums_written"): D("546.00"), N("premiums_receivable"): D("-546.00"),
                         N("commissions_payable"): D("109.20"), N("commissions"): D("-109.20")},
    }  # fmt: skip
    booked = {e[2]: e[5] for e in entries(s)}
    assert booked == {"creation": "2024-07-01", "cancellation": "2024-10-01"}  # cover start, cancellation date
    ok(s.open_db(["PRA"]))
    flags = ok(s.read_direct("PRA", p2)).article
    assert flags["accounted_creation"] is True and flags["accounted_cancellation"] is True
    assert journal_problems(s) == []


def test_endorsement_lowering_the_premium_swaps_sides_and_previous_term_is_not_accounted(books: Any) -> None:
    s = books
    old = contract(s, pra_id("OLD-85"), start=dt.date(1985, 1, 1), end=dt.date(1985, 12, 31), premium="0",
                   previous_term=True)  # fmt: skip
    lower = contract(s, pra_id("P1-24", 0, 1), start=dt.date(2024, 7, 1), end=dt.date(2024, 12, 31),
                     premium="-100.00", rate="10")  # fmt: skip
    s.close_db()
    nothing = account_pra(s, old)
    assert nothing.ok and nothing.journals == ()
    done = account_pra(s, lower)
    assert done.ok and len(done.entries) == 4
    assert postings(s, "P1-24/0/1") == {
        "creation": {N("premiums_written"): D("100.00"), N("premiums_receivable"): D("-100.00"),
                     N("commissions_payable"): D("10.00"), N("commissions"): D("-10.00")},
    }  # fmt: skip
    ok(s.open_db(["PRA"]))
    assert ok(s.read_direct("PRA", old)).article["accounted_creation"] is True  # looked at, nothing due


# -- ACCOUNT GUARANTY, COINSURANCE, REINSURANCE ----------------------------------------------------------
def test_account_guaranty_creation_damage_cancellation(books: Any) -> None:
    s = books
    p = contract(
        s,
        pra_id("G1-24"),
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 12, 31),
        premium="1000",
        sum_insured="200000",
        guaranties=(
            {"guaranty_no": 1, "peril": "FIRE", "share_pct": D("60")},  # 60 % of 200 000
            {"guaranty_no": 2, "peril": "THEFT", "sum_insured": D("50000")},  # its own sum insured
        ),
    )
    g1, g2 = {**p, "guaranty_no": 1}, {**p, "guaranty_no": 2}
    s.close_db()
    assert account_guaranty(s, g1).ok and account_guaranty(s, g2).ok
    assert postings(s, "G1-24/0/0/1") == {
        "creation": {N("risks_covered"): D("120000.00"), N("commitments"): D("-120000.00")}
    }
    assert postings(s, "G1-24/0/0/2") == {
        "creation": {N("risks_covered"): D("50000.00"), N("commitments"): D("-50000.00")}
    }

    open_for_writing(s)  # g1 damaged by 25 % (30 000), then cancelled: 90 000 released
    ok(s.rewrite("Guaranty", {**g1, "damage_date": dt.date(2024, 3, 1), "damage_pct": D("25")}))
    ok(s.rewrite("Guaranty", {**g2, "cancellation_date": dt.date(2024, 6, 1), "damage_amount": D("80000")}))
    s.close_db()
    assert account_guaranty(s, g1).ok
    open_for_writing(s)
    ok(s.rewrite("Guaranty", {**g1, "cancellation_date": dt.date(2024, 4, 1)}))
    s.close_db()
    assert account_guaranty(s, g1).ok
    # g2: damage (80 000, capped at the 50 000 committed) and cancellation in one call: nothing left to release
    both = account_guaranty(s, g2)
    assert [j.event for j in both.journals] == ["damage"]
    assert postings(s, "G1-24/0/0/1")["damage"] == {N("commitments"): D("30000.00"), N("risks_covered"): D("-30000.00")}
    assert postings(s, "G1-24/0/0/1")["cancellation"] == {
        N("commitments"): D("90000.00"),
        N("risks_covered"): D("-90000.00"),
    }
    assert postings(s, "G1-24/0/0/2")["damage"] == {N("commitments"): D("50000.00"), N("risks_covered"): D("-50000.00")}
    ok(s.open_db(["Guaranty"]))
    g = ok(s.read_direct("Guaranty", g2)).article
    assert (g["accounted_creation"], g["accounted_damage"], g["accounted_cancellation"]) == (True, True, True)
    assert account_guaranty(s, g2).journals == ()


def test_account_cessions(books: Any) -> None:
    s = books
    ok(s.write("ExtCompany", {"code": "RE1", "name": "Reinsurer", "country": "CH"}))
    ok(s.write("ExtCompany", {"code": "CO1", "name": "Coinsurer", "country": "BE"}))
    covered = ({"guaranty_no": 1, "peril": "FIRE", "premium": D("1500.00")},)
    p = contract(s, pra_id("C1-24"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="2000.00",
                 sum_insured="400000", guaranties=covered)  # fmt: skip
    g = {**p, "guaranty_no": 1}
    ok(s.begin())
    coins = {"code": "CO-1", "share_amount": D("100000"), "commission_rate": D("5")}  # 100 000 of 400 000: 25 %
    ok(s.write_target_via_path("PRA", p, "CoinsuranceCession", coins, "ResponsibilitySharing"))
    ok(s.bound("ExtCompany", {"code": "CO1"}, "CoinsuranceCession", {"code": "CO-1"}, "Coinsurance"))
    reins = {"code": "RE-1", "treaty_ref": "QS-2024", "ceded_pct": D("40"), "commission_rate": D("30")}
    ok(s.write_target_via_path("Guaranty", g, "ReinsuranceCession", reins, "GuarantySharing"))
    ok(s.bound("ExtCompany", {"code": "RE1"}, "ReinsuranceCession", {"code": "RE-1"}, "Reinsurance"))
    ok(s.commit())
    ok(s.rewrite("ReinsuranceCession", {"code": "RE-1", "cancellation_date": dt.date(2024, 7, 1)}))
    s.close_db()
    assert account_coinsurance(s, {"code": "CO-1"}).ok
    assert account_reinsurance(s, {"code": "RE-1"}).ok
    # coinsurance: 25 % of 2000 = 500 ceded, 5 % commission = 25
    assert postings(s, "CO-1") == {
        "creation": {N("coinsurance_premiums"): D("500.00"), N("coinsurance_balances"): D("-475.00"),
                     N("coinsurance_commissions"): D("-25.00")},
    }  # fmt: skip
    # reinsurance: 40 % of the guaranty's 1500 = 600, 30 % commission = 180; cancelled on 2024-07-01:
    # 184 of 366 days back → 600 × 184 / 366 = 301.639… → 301.64, commission 90.49
    assert postings(s, "RE-1") == {
        "creation": {N("reinsurance_premiums"): D("600.00"), N("reinsurance_balances"): D("-420.00"),
                     N("reinsurance_commissions"): D("-180.00")},
        "cancellation": {N("reinsurance_balances"): D("211.15"), N("reinsurance_premiums"): D("-301.64"),
                         N("reinsurance_commissions"): D("90.49")},
    }  # fmt: skip
    assert account_reinsurance(s, {"code": "RE-1"}).journals == ()
    assert journal_problems(s) == []


# -- ACCOUNT LOSS --------------------------------------------------------------------------------------
def test_account_loss_reserve_payments_refund_cancellation(books: Any) -> None:
    s = books
    p = contract(s, pra_id("L-24"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="100")
    lo = loss(s, "L1", p, loss_date=dt.date(2024, 3, 10), notification_date=dt.date(2024, 3, 12), amount="1000",
              paid=D("600"))  # fmt: skip
    s.close_db()
    first = account_loss(s, lo, payment_date=dt.date(2024, 5, 15))
    assert [j.event for j in first.journals] == ["creation", "payment"]
    steps = [("700", dt.date(2024, 6, 1)), ("650", dt.date(2024, 7, 1)), ("1200", dt.date(2024, 8, 1))]
    for paid, when in steps:  # 100 more, a 50 refund, then 550 more (only 400 of reserve left to use)
        open_for_writing(s)
        ok(s.rewrite("Loss", {"code": "L1", "paid": D(paid)}))
        s.close_db()
        assert account_loss(s, lo, payment_date=when).ok
    open_for_writing(s)
    ok(s.rewrite("Loss", {"code": "L1", "cancellation_date": dt.date(2024, 9, 1)}))
    s.close_db()
    released = account_loss(s, lo)
    assert released.ok and released.journals == ()  # the reserve was used up: nothing left to release
    lines = entries(s, source_id="L1")
    paid = sum(e[4] for e in lines if e[3] == N("claims_paid"))
    reserve = -sum(e[4] for e in lines if e[3] == N("claims_reserves"))
    assert paid == D("1200.00")  # every payment, the refund netted
    assert reserve == D("0.00")  # reserved 1000, used 600+100-50+350 = 1000, nothing left to release
    assert [e[5] for e in lines if e[2] == "creation"] == ["2024-03-12", "2024-03-12"]  # notification date
    payments = [(e[5], e[4]) for e in lines if e[3] == N("claims_paid")]
    assert payments == [("2024-05-15", D("600.00")), ("2024-06-01", D("100.00")), ("2024-07-01", D("-50.00")),
                        ("2024-08-01", D("550.00"))]  # fmt: skip
    ok(s.open_db(["Loss"]))
    flags = ok(s.read_direct("Loss", lo)).article
    assert flags["accounted_paid"] == D("1200.00") and flags["accounted_cancellation"] is True


def test_cancelled_loss_releases_the_reserve_left(books: Any) -> None:
    s = books
    p = contract(s, pra_id("L-24"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="100")
    loss(s, "L2", p, loss_date=dt.date(2024, 3, 10), amount="800", paid=D("300"), cancellation_date=dt.date(2024, 4, 1))
    s.close_db()
    done = account_loss(s, {"code": "L2"}, payment_date=dt.date(2024, 3, 20))
    assert [j.event for j in done.journals] == ["creation", "payment", "cancellation"]
    assert postings(s, "L2")["cancellation"] == {
        N("claims_reserves"): D("500.00"),
        N("claims_reserve_change"): D("-500.00"),
    }


# -- the journal ----------------------------------------------------------------------------------------
def test_units_are_whole_and_numbering_stays_gapless(books: Any) -> None:
    s = books
    p = contract(s, pra_id("U-24"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="100")
    s.close_db()
    # an unbalanced journal is refused (13) before anything is written
    bad = post_journal(s, [Line(N("bank"), "D", D("10.00"))], booking_date=dt.date(2024, 1, 2))
    assert bad.rc == RC.VALUE_INVALID and "unbalanced" in bad.message
    cost = post_expense(s, D("120.00"), account="acquisition_costs", booking_date=dt.date(2024, 2, 1), department="C1")
    assert cost.ok and cost.entries == (1, 2)
    # a journal on an account the chart lacks: the write is refused and the unit rolled back,
    # so the PRA's entries and flag are not written either
    nowhere = AccountDef(999999, "premiums_written", "premium", "Not in Account")
    broken = Chart(tuple(nowhere if a.role == nowhere.role else a for a in CHART.accounts), CHART.postings)
    refused = account_pra(s, p, chart=broken)
    assert refused.rc == RC.NOT_FOUND and refused.journals == ()
    ok(s.open_db(["PRA", "Entry"]))
    assert ok(s.read_direct("PRA", p)).article["accounted_creation"] is False
    assert int(last_entry(s)["number"]) == 2
    s.close_db()
    done = account_pra(s, p)
    assert done.entries == (3, 4) and done.journals[0].journal_no == 2
    assert journal_problems(s) == []
    expense = [e for e in entries(s) if e[2] == "expense"]
    assert [(e[3], e[4]) for e in expense] == [
        (N("acquisition_costs"), D("120.00")),
        (N("expenses_payable"), D("-120.00")),
    ]


def test_last_entry_walks_past_a_gap(books: Any) -> None:
    s = books
    s.close_db()
    ok(s.open_db([("Entry", 2), "Account"]))
    base = {"writing_date": dt.date(2024, 1, 1), "amount": D("1.00"), "side": "D", "accounting_number": N("bank")}
    for number in (1, 2, 3, 9):  # someone broke constraint 15: 4..8 missing
        ok(s.write("Entry", {**base, "number": number, "journal_no": number}))
    assert int(last_entry(s)["number"]) == 9
    s.close_db()
    problems = journal_problems(s)
    assert any("missing [4, 5, 6, 7, 8]" in p for p in problems)


def test_busy_entry_answers_600_and_writes_nothing(db: Any, books: Any) -> None:
    s = books
    p = contract(s, pra_id("B-24"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="100")
    s.close_db()
    from tests.conftest import ADMIN_PASSWORD

    other = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(other.open_db([("Entry", Mode.MODIFY_SHARED)]))  # another session modifies Entry
        busy = account_pra(s, p, timeout=0.2)
        assert 600 < busy.rc < 700 and "Entry" in busy.message
        assert other.read_selection("Entry", {}).batch.empty
        ok(s.begin())
        assert account_pra(s, p).rc == RC.ALREADY_OPEN  # OPEN DB refused inside a unit (700)
        ok(s.rollback())
        other.close_db()
        assert account_pra(s, p).entries == (1, 2)
    finally:
        other.close()


def test_account_all_accounts_everything_once(books: Any) -> None:
    s = books
    p = contract(s, pra_id("A-24"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="300", rate="10")
    loss(s, "LA", p, loss_date=dt.date(2024, 2, 1), amount="50", paid=D("20"))
    s.close_db()
    done = account_all(s, payment_date=dt.date(2024, 2, 10))
    # PRA creation, guaranty creation (sum insured 0: no journal), loss creation and payment
    assert done.ok and [(j.source_rt, j.event) for j in done.journals] == [
        ("PRA", "creation"),
        ("Loss", "creation"),
        ("Loss", "payment"),
    ]
    assert account_all(s).journals == ()
    assert journal_problems(s) == []


def test_cancelling_an_endorsed_contract_returns_the_whole_contract_s_unearned_premium(org: Any) -> None:
    """FIRE 2024, premium 1 200, endorsed from 01/07 to 1 800 (the endorsement stores +600), cancelled
    on 01/10 through its last PRA: 1 200 × 92/366 + 600 × 92/184 = 601.64 returned, whichever PRA
    the call names, and nothing of the contract stays in force."""
    s = org
    assert install_chart(s, opened_on=dt.date(2024, 1, 1)).ok
    policy = {"policy_no": "777777-24", "class_of_business": "FIRE", "cover_start": dt.date(2024, 1, 1),
              "cover_end": dt.date(2024, 12, 31), "premium": D("1200.00")}  # fmt: skip
    guaranties = [{"peril": "FIRE", "premium": D("1200.00")}]
    made = create_policy(s, policy, guaranties, insured=DUPONT, handling_cell="B1-DEP")
    assert made.ok, made
    endorsed = create_endorsement(s, "777777-24", {"premium": D("1800.00")}, effective=dt.date(2024, 7, 1))
    assert endorsed.ok and endorsed.article is not None and endorsed.article["premium"] == D("600.00")
    for named in (0, 1):  # through the endorsement, then (reinstated) through the policy
        cancelled = cancel_pra(s, pra_id("777777-24", 0, named), "insured", dt.date(2024, 10, 1))
        assert cancelled.ok and "1 other PRA(s) of its term" in cancelled.message, cancelled
        assert find_contract_in_force(s, "777777-24", dt.date(2024, 11, 1)).rc != RC.OK
        late = create_loss(s, {"code": f"L{named}", "loss_date": dt.date(2024, 11, 1)}, policy_no="777777-24")
        assert late.rc == DomainRC.WRONG_STATE
        if named == 0:
            reinstated = reinstate_pra(s, pra_id("777777-24", 0, 1))
            assert reinstated.ok and "1 other PRA(s)" in reinstated.message
            assert find_contract_in_force(s, "777777-24", dt.date(2024, 11, 1)).ok
    assert account_all(s, writing_date=dt.date(2024, 12, 31), payment_date=dt.date(2024, 12, 31)).ok
    returned = [p.get("cancellation", {}).get(N("premiums_written"), D(0)) for p in
                (postings(s, "777777-24/0/0"), postings(s, "777777-24/0/1"))]  # fmt: skip
    assert returned == [D("301.64"), D("300.00")] and sum(returned) == D("601.64")
    # accounted: the reinstatement that would unmatch the journal is refused for the whole term
    assert reinstate_pra(s, pra_id("777777-24", 0, 0)).rc == DomainRC.WRONG_STATE


def test_revaluations_and_payments_after_account_are_posted(org: Any) -> None:
    """A loss of 500 with 300 paid, accounted: reserve 200 in the ledger. A reserve movement of +300
    (or a new amount of 800) is posted by the next ACCOUNT LOSS as a revaluation: 500 of reserve;
    a payment of 100 then uses 100 of it (400 left); a release of 150 leaves 250."""
    s = org
    assert install_chart(s, opened_on=dt.date(2024, 1, 1)).ok
    policy = {"policy_no": "888888-24", "class_of_business": "FIRE", "cover_start": dt.date(2024, 1, 1),
              "cover_end": dt.date(2024, 12, 31), "premium": D("1200.00")}  # fmt: skip
    guaranties = [{"peril": "FIRE", "premium": D("1200.00")}]
    assert create_policy(s, policy, guaranties, insured=DUPONT, handling_cell="B1-DEP").ok
    loss = {"code": "LR", "loss_date": dt.date(2024, 3, 1), "amount": D(500), "paid": D(300)}
    assert create_loss(s, loss, policy_no="888888-24").ok

    def ledger() -> Decimal:
        return -sum((e[4] for e in entries(s, source_id="LR") if e[3] == N("claims_reserves")), D(0))

    def account(when: dt.date) -> Any:
        done = account_all(s, writing_date=when, payment_date=when)
        assert done.ok, done
        return [j.event for j in done.journals if j.source_id == "LR"]

    assert account(dt.date(2024, 3, 31)) == ["creation", "payment"] and ledger() == D(200)
    assert account(dt.date(2024, 4, 30)) == []  # nothing new
    assert create_loss_movement(s, "LR", "reserve", dt.date(2024, 5, 2), D(300)).ok
    assert account(dt.date(2024, 5, 31)) == ["revaluation"] and ledger() == D(500)
    assert create_loss_movement(s, "LR", "payment", dt.date(2024, 6, 2), D(100)).ok
    assert account(dt.date(2024, 6, 30)) == ["payment"] and ledger() == D(400)
    assert create_loss_movement(s, "LR", "reserve", dt.date(2024, 7, 2), D(-150)).ok
    assert account(dt.date(2024, 7, 31)) == ["revaluation"] and ledger() == D(250)
    paid = sum((e[4] for e in entries(s, source_id="LR") if e[3] == N("claims_paid")), D(0))
    assert paid == D(400) and journal_problems(s) == []
    ok(s.open_db(["Loss"]))
    assert ok(s.read_direct("Loss", {"code": "LR"})).article["accounted_outstanding"] == D(250)


def test_a_refused_article_keeps_the_journals_before_it(books: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """ACCOUNT posts several articles per window; when a window is refused (nothing of it is
    written), its articles are posted again one window each, so the refusal answers with the
    journals of the articles before it, and those after it wait for the next ACCOUNT."""
    from assurdb.domain.accounting import account as accounting

    s = books
    idents = [pra_id(f"W-{n}") for n in range(3)]
    for ident in idents:
        contract(s, ident, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="100", rate="10")
    s.close_db()
    real = accounting._pra_plans

    def refusing(found: Any, read: Any) -> Any:  # a window holding W-1 is refused, whichever reads it
        if any(accounting._key("PRA", a) == accounting._key("PRA", idents[1]) for a in found):
            raise accounting.Refused(RC.VALUE_INVALID, "refused for the test")
        return real(found, read)

    monkeypatch.setattr(accounting, "_pra_plans", refusing)
    done = account_pending(s, "PRA", writing_date=dt.date(2024, 1, 31))
    assert done.rc == RC.VALUE_INVALID and "W-1" in done.message
    assert [j.source_id for j in done.journals] == [accounting.source_id("PRA", idents[0])]
    monkeypatch.setattr(accounting, "_pra_plans", real)
    rest = account_pending(s, "PRA", writing_date=dt.date(2024, 1, 31))
    assert rest.ok and sorted(j.source_id for j in rest.journals) == sorted(
        accounting.source_id("PRA", i) for i in idents[1:]
    )
    assert journal_problems(s) == []


def test_a_window_reads_its_articles_as_read_direct_answers(books: Any) -> None:
    """ACCOUNT reads a window's articles with one READ SELECTION when they lie together; the rows
    it turns into articles are those READ DIRECT answers (dates as dates, nulls as None, decimals,
    flags) — on every backend."""
    from assurdb.domain.accounting.account import IDENTIFIERS, articles

    s = books
    for n in range(3):
        contract(s, pra_id(f"R-{n}"), start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium=f"{n}00.10",
                 rate="12.5", guaranties=({"guaranty_no": 1, "peril": "FIRE"}, {"guaranty_no": 2, "peril": "THEFT",
                 "share_pct": D("40"), "damage_date": dt.date(2024, 3, 1)}))  # fmt: skip
    ok(s.rewrite("PRA", {**pra_id("R-1"), "cancellation_date": dt.date(2024, 6, 30), "accounted_creation": True}))
    loss(s, "LR-1", pra_id("R-2"), loss_date=dt.date(2024, 5, 5), amount="75.25", paid=D("10"))
    for rt in ("PRA", "Guaranty", "Loss"):
        rows = articles(ok(s.read_selection(rt, {})).batch)
        assert rows
        for row in rows:
            assert row == ok(s.read_direct(rt, {i: row[i] for i in IDENTIFIERS[rt]})).article


def test_a_window_of_many_articles_posts_them_in_order_each_once(books: Any) -> None:
    """One window: the journals in the order the articles are given, numbered consecutively; an
    article given twice is accounted once; what a window reads by range and one by one agree."""
    from assurdb.domain.accounting import account as accounting

    s = books
    idents = [pra_id(f"M-{n:02d}") for n in range(accounting.NEAR + 2)]
    for ident in idents:
        contract(s, ident, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), premium="100", rate="10")
    s.close_db()
    given = [idents[3], *idents, idents[0]]
    done = account_pra(s, given, writing_date=dt.date(2024, 1, 31))
    assert done.ok, done
    order = [idents[3], *idents[:3], *idents[4:]]
    assert [j.source_id for j in done.journals] == [accounting.source_id("PRA", i) for i in order]
    assert [j.journal_no for j in done.journals] == list(range(1, len(order) + 1))
    assert done.entries == tuple(range(1, 4 * len(order) + 1))  # premium and commission: two pairs each
    assert account_pra(s, given).journals == () and journal_problems(s) == []


def test_a_refused_line_names_its_journal(books: Any) -> None:
    """The window's journals are one WRITE BATCH; a refused line is named by its journal and line,
    and nothing of the window is written."""
    from assurdb.domain.accounting.journal import Draft, Refused, window, write_journals

    s = books
    s.close_db()
    good = [Line(N("bank"), "D", D("5.00")), Line(N("expenses_payable"), "C", D("5.00"))]
    bad = [Line(N("bank"), "D", D("5.00")), Line(999999, "C", D("5.00"))]
    with window(s, [("Entry", Mode.MODIFY_SHARED), "Account"]) as reply:
        ok(reply)
        with pytest.raises(Refused, match=r"cannot write journal 2 \(line 2\).*install_chart") as refused:
            write_journals(s, [Draft(good, dt.date(2024, 1, 1)), Draft(bad, dt.date(2024, 1, 1))])
        assert refused.value.rc == RC.NOT_FOUND
    assert last_entry_of(s) is None


def last_entry_of(s: Any) -> Any:
    ok(s.open_db(["Entry"]))
    try:
        return last_entry(s)
    finally:
        s.close_rt("Entry")


def test_windows_are_sized_to_hold_entry_about_a_second() -> None:
    """The next window's size follows the time the last one took per article: it at most doubles,
    stays within NEAR..WINDOW articles, and shrinks where a request is slow (a server, DuckDB)."""
    from assurdb.domain.accounting import account as accounting

    assert accounting._next_size(100, 0.025) == 200  # at most doubles
    assert accounting._next_size(800, 0.1) == 1600
    assert accounting._next_size(3000, 0.1) == accounting.WINDOW
    assert accounting._next_size(1000, 2.5) == 400  # 2.5 ms an article: 400 in a second
    assert accounting._next_size(100, 60.0) == accounting.NEAR
    assert accounting._next_size(100, 0.0) == 200
