"""Results analysis (thesis chapter III) on a small company whose figures are computed by
hand below, on every backend — the same figures everywhere.

The company (written through the interface, then accounted with ACCOUNT x):

=============  ======  ======  =====  ========================  ========  ===========  ==========
contract       class   branch  agent  cover                     premium   per day      commission
=============  ======  ======  =====  ========================  ========  ===========  ==========
P1-24/0/0      FIRE    BR1     A1     2024-01-01..2024-12-31    3660.00   10 (366 d)   10 %
P1-24/0/1      FIRE    (P1's)  (P1's) 2024-07-01..2024-12-31     184.00    1 (184 d)   10 %
P2-24/0/0      MOTOR   BR2     A2     2024-07-01..2025-06-30     730.00    2 (365 d)   20 %, cancelled 2024-10-01
P3-23/0/0      FIRE    BR1     A1     2023-04-01..2024-03-31    1098.00    3 (366 d)   10 %
P3-23/1/0      FIRE    BR1     A1     2024-04-01..2025-03-31    1460.00    4 (365 d)   10 %
=============  ======  ======  =====  ========================  ========  ===========  ==========

P2's cancellation returns 730 × 273/365 = 546.00 (2024-10-01..2025-06-30) and 109.20 of commission.

Losses (reserve = amount, booked at notification; payments booked when given):
L1 on P1, 2024-03-10 (notified 03-12), NORTH, 1000 reserved, 600 paid 2024-05-15; 50 of
allocated adjusting costs 2024-06-01. L2 on P2, 2024-08-20, SOUTH, 500 reserved. L3 on P3/0/0,
2023-12-01, NORTH, 300 reserved in 2023, 350 paid 2024-02-01 (the reserve used: 300), closed
2024-02-15. L4 on P1, 2024-03-05, SOUTH, 200 reserved, cancelled 2024-03-25 (200 released).
Other costs: general 300 (2024-09-30, department C1 of BR1, key FIRE), acquisition 120
(2024-02-01, C2 of BR2, key MOTOR), acquisition 50 (2024-05-01, no key), investment 80
(2024-03-31: never an expense).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

import assurdb
from assurdb.domain.accounting import account_loss, account_pending, install_chart, post_expense
from assurdb.domain.reports import (
    REPORTS,
    Basis,
    Period,
    ReportError,
    breakeven_loss_ratio,
    earned_incurred,
    expense_ratio,
    load_company,
    make_report,
    profit_ratio,
    render,
    written_paid,
)
from tests.conftest import ADMIN_PASSWORD, BACKENDS, require_backend
from tests.domain.test_accounting import agent, branch, contract, insured, loss, open_for_writing, pra_id

D = Decimal
day = dt.date


def build_company(s: Any) -> None:
    assert install_chart(s).ok
    open_for_writing(s)
    insured(s)
    branch(s, "BR1", "C1")
    branch(s, "BR2", "C2")
    agent(s, "A1")
    agent(s, "A2")
    p1 = contract(s, pra_id("P1-24"), start=day(2024, 1, 1), end=day(2024, 12, 31), premium="3660.00", rate="10",
                  agent_code="A1", cell="C1")  # fmt: skip
    contract(s, pra_id("P1-24", 0, 1), start=day(2024, 7, 1), end=day(2024, 12, 31), premium="184.00", rate="10")
    p2 = contract(s, pra_id("P2-24"), cls="MOTOR", start=day(2024, 7, 1), end=day(2025, 6, 30), premium="730.00",
                  rate="20", agent_code="A2", cell="C2", cancellation_date=day(2024, 10, 1))  # fmt: skip
    p3 = contract(s, pra_id("P3-23"), start=day(2023, 4, 1), end=day(2024, 3, 31), premium="1098.00", rate="10",
                  agent_code="A1", cell="C1")  # fmt: skip
    contract(s, pra_id("P3-23", 1, 0), start=day(2024, 4, 1), end=day(2025, 3, 31), premium="1460.00", rate="10",
             agent_code="A1", cell="C1")  # fmt: skip
    loss(s, "L1", p1, loss_date=day(2024, 3, 10), notification_date=day(2024, 3, 12), amount="1000", paid=D(600),
         territory="NORTH")  # fmt: skip
    loss(s, "L2", p2, loss_date=day(2024, 8, 20), amount="500", territory="SOUTH")
    loss(s, "L3", p3, loss_date=day(2023, 12, 1), notification_date=day(2023, 12, 1), amount="300", paid=D(350),
         territory="NORTH", closing_date=day(2024, 2, 15))  # fmt: skip
    loss(s, "L4", p1, loss_date=day(2024, 3, 5), amount="200", territory="SOUTH", cancellation_date=day(2024, 3, 25))
    s.close_db()
    assert account_pending(s, "PRA").ok and account_pending(s, "Guaranty").ok
    for code, paid_on in (("L1", day(2024, 5, 15)), ("L2", None), ("L3", day(2024, 2, 1)), ("L4", None)):
        assert account_loss(s, {"code": code}, payment_date=paid_on).ok
    expenses = [
        (D(50), "claims_costs", day(2024, 6, 1), {"department": "C1", "source_rt": "Loss", "source_id": "L1"}),
        (D(300), "general_costs", day(2024, 9, 30), {"department": "C1", "cost_key": "FIRE"}),
        (D(120), "acquisition_costs", day(2024, 2, 1), {"department": "C2", "cost_key": "MOTOR"}),
        (D(50), "acquisition_costs", day(2024, 5, 1), {}),
        (D(80), "investment_costs", day(2024, 3, 31), {}),
    ]
    for amount, account, booked, analysis in expenses:
        assert post_expense(s, amount, account=account, booking_date=booked, **analysis).ok


@pytest.fixture(scope="module", params=BACKENDS)
def company(request: pytest.FixtureRequest, namespaces: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The company, built once per backend (the reports only read it)."""
    backend = str(request.param)
    require_backend(backend)
    if backend in ("sqlite", "duckdb"):
        url = f"{backend}:///{tmp_path_factory.mktemp('reports') / ('company.' + backend)}"
    else:
        url = namespaces.url(backend, f"reports{uuid.uuid4().hex[:6]}")
    db = assurdb.create(url, admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    try:
        build_company(session)
        return load_company(session)
    finally:
        session.close()
        db.close()


def rows(frame: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    return {str(r[key]): r for r in frame.to_dict("records")}


def test_thesis_ratio_examples() -> None:
    # III.1.2: earned 100 000, written 120 000, incurred 50 000 of which 40 000 paid
    assert earned_incurred(D(50_000), D(100_000)) == D("0.5")
    assert round(written_paid(D(40_000), D(120_000)), 2) == D("0.33")
    # III.1.5: expenses 0.35 → breakeven 0.65; profit sought 0.05 with expenses 0.5 → 0.45
    assert breakeven_loss_ratio(D("0.35")) == D("0.65")
    assert breakeven_loss_ratio(D("0.5"), D("0.05")) == D("0.45")
    # III.1.4: 1 − 0.5 − 0.35
    assert profit_ratio(D("0.5"), expense_ratio(D(35), D(100))) == D("0.15")
    assert earned_incurred(D(1), D(0)) is None


def test_periods() -> None:
    assert Period.parse("2024-Q1") == Period(day(2024, 1, 1), day(2024, 3, 31), "2024-Q1")
    half = Period.parse("2024-01..2024-06")
    assert (half.start, half.end, half.days) == (day(2024, 1, 1), day(2024, 6, 30), 182)
    assert Period.parse("2024-02").end == day(2024, 2, 29)
    assert Period.parse("2024-02-29").year_earlier().end == day(2023, 2, 28)
    assert [m.label for m in Period.parse("2024-11..2025-01").months()] == ["2024-11", "2024-12", "2025-01"]
    for bad in ("2024-13", "24", "2024-Q5", "2024-06..2024-01"):
        with pytest.raises(ReportError):
            Period.parse(bad)


def test_ratios_on_the_three_bases(company: Any) -> None:
    calendar = make_report(company, "ratios", "2024").iloc[0]
    # written: 3660 + 184 + (730 − 546) + 1460 = 5488; earned: 3660 + 184 + 2×92 (Jul–Sep)
    # + 3×91 (P3 Jan–Mar) + 4×275 (P3/1 Apr–Dec) = 5401; paid 600 + 350 = 950; reserves moved
    # +1000 −600 +500 −300 +200 −200 = +600; incurred 950 + 600 + 50 (allocated costs) = 1600;
    # outstanding at year end 400 + 500 = 900; expenses: commissions 366 + 18.40 + 146 − 109.20
    # + 146 = 567.20, costs 300 + 120 + 50 = 470 (investment left out) → 1037.20
    assert calendar["written_premium"] == D("5488.00") and calendar["earned_premium"] == D("5401.00")
    assert calendar["paid_losses"] == D("950.00") and calendar["incurred_losses"] == D("1600.00")
    assert calendar["outstanding"] == D("900.00") and calendar["expenses"] == D("1037.20")
    # 1600/5401 = 0.29624; 950/5488 = 0.17310; 1037.20/5488 = 0.18899; 1 − 0.29624 − 0.18899 = 0.51476;
    # 1 − 0.18899 = 0.81101
    assert list(calendar[["earned_incurred_ratio", "written_paid_ratio", "expense_ratio", "profit_ratio",
                          "breakeven_loss_ratio"]]) == [D("0.2962"), D("0.1731"), D("0.1890"), D("0.5148"),
                                                        D("0.8110")]  # fmt: skip

    underwriting = make_report(company, "ratios", "2024", basis="underwriting").iloc[0]
    # contracts whose term started in 2024 (P1, P1/0/1, P2, P3/1/0), evaluated at 2024-12-31:
    # written 5488, earned 3660 + 184 + 184 + 1100 = 5128; their losses L1, L2, L4: paid 600,
    # outstanding 400 + 500, incurred 600 + 900 + 50 = 1550; expenses = their commissions 567.20
    assert (underwriting["earned_premium"], underwriting["incurred_losses"]) == (D("5128.00"), D("1550.00"))
    assert underwriting["expenses"] == D("567.20") and underwriting["paid_losses"] == D("600.00")
    # 1550/5128 = 0.30226; 600/5488 = 0.10933; 567.20/5488 = 0.10335; profit 0.59439; breakeven 0.89665
    assert list(underwriting[["earned_incurred_ratio", "written_paid_ratio", "expense_ratio", "profit_ratio",
                              "breakeven_loss_ratio"]]) == [D("0.3023"), D("0.1093"), D("0.1034"), D("0.5944"),
                                                            D("0.8966")]  # fmt: skip

    accident = make_report(company, "ratios", "2024", basis="accident").iloc[0]
    # losses occurred in 2024 (L1, L2, L4): incurred 1550 against calendar earned 5401 → 0.28698
    assert (accident["incurred_losses"], accident["earned_premium"]) == (D("1550.00"), D("5401.00"))
    assert accident["earned_incurred_ratio"] == D("0.2870") and accident["profit_ratio"] == D("0.5240")


def test_ratios_by_class(company: Any) -> None:
    frame = make_report(company, "ratios", "2024", by="class")
    assert list(frame["class_of_business"]) == ["FIRE", "MOTOR", "(none)", "(all)"]
    by = rows(frame, "class_of_business")
    fire, motor, none = by["FIRE"], by["MOTOR"], by["(none)"]
    # FIRE: written 3660 + 184 + 1460 = 5304, earned 3660 + 184 + 273 + 1100 = 5217, paid 950,
    # incurred 950 + (1000 − 600 − 300 + 200 − 200) + 50 = 1100, expenses 366 + 18.40 + 146 + 300 = 830.40
    assert [fire[c] for c in ("written_premium", "earned_premium", "paid_losses", "incurred_losses", "expenses")] == [
        D("5304.00"), D("5217.00"), D("950.00"), D("1100.00"), D("830.40")]  # fmt: skip
    # 1100/5217 = 0.21085; 950/5304 = 0.17911; 830.40/5304 = 0.15656; profit 0.63259; breakeven 0.84344
    assert [fire[c] for c in ("earned_incurred_ratio", "written_paid_ratio", "expense_ratio", "profit_ratio",
                              "breakeven_loss_ratio")] == [D("0.2108"), D("0.1791"), D("0.1566"), D("0.6326"),
                                                           D("0.8434")]  # fmt: skip
    # MOTOR: 184 written and earned, 500 incurred, 146 − 109.20 + 120 = 156.80 of expenses:
    # 500/184 = 2.71739; 156.80/184 = 0.85217; 1 − 2.71739 − 0.85217 = −2.56957
    assert (motor["earned_incurred_ratio"], motor["expense_ratio"], motor["profit_ratio"]) == (
        D("2.7174"), D("0.8522"), D("-2.5696"))  # fmt: skip
    # the 50 of acquisition costs with no allocation key: no premium, so no ratio
    assert none["expenses"] == D("50.00") and none["expense_ratio"] is None and none["profit_ratio"] is None
    assert by["(all)"]["incurred_losses"] == D("1600.00")


def test_production_period_and_year_to_date(company: Any) -> None:
    frame = make_report(company, "production", "2024-Q3", by="class")
    got = {(r["class_of_business"], r["window"]): r for r in frame.to_dict("records")}
    q3_fire, q3_motor = got[("FIRE", "period")], got[("MOTOR", "period")]
    # Q3 (Jul–Sep, 92 days): FIRE written 184 (the endorsement), earned 10×92 + 1×92 + 4×92 = 1380,
    # commission 18.40, no new policy; MOTOR written 730 (its cancellation is in Q4), earned 2×92
    assert (q3_fire["written_premium"], q3_fire["earned_premium"], q3_fire["commissions"]) == (
        D("184.00"), D("1380.00"), D("18.40"))  # fmt: skip
    assert (q3_fire["policies"], q3_motor["policies"], q3_motor["claims"]) == (0, 1, 1)
    assert (q3_motor["written_premium"], q3_motor["earned_premium"], q3_motor["incurred_losses"]) == (
        D("730.00"), D("184.00"), D("500.00"))  # fmt: skip
    assert q3_motor["outstanding"] == D("500.00") and q3_fire["outstanding"] == D("400.00")  # at 2024-09-30
    assert q3_fire["earned_incurred_ratio"] == D("0.0000") and q3_motor["premium_growth"] is None
    # year to date (Jan–Sep): FIRE written 5304, earned 10×274 + 92 + 3×91 + 4×183 = 3837,
    # incurred 950 + 100 + 50 = 1100 (1100/3837 = 0.28668), 2 policies (P1, P3/1), 2 claims (L1, L4);
    # growth over Jan–Sep 2023 (P3's 1098): 5304/1098 − 1 = 3.83060
    ytd_fire = got[("FIRE", "year_to_date")]
    assert (ytd_fire["written_premium"], ytd_fire["earned_premium"], ytd_fire["incurred_losses"]) == (
        D("5304.00"), D("3837.00"), D("1100.00"))  # fmt: skip
    assert (ytd_fire["policies"], ytd_fire["claims"], ytd_fire["lae_allocated"]) == (2, 2, D("50.00"))
    assert (ytd_fire["earned_incurred_ratio"], ytd_fire["premium_growth"]) == (D("0.2867"), D("3.8306"))
    ytd_all = got[("(all)", "year_to_date")]
    # everything: written 5304 + 730 = 6034, earned 3837 + 184 = 4021, incurred 1600 (1600/4021 = 0.39791),
    # growth 6034/1098 − 1 = 4.49545; expenses 530.40 + 300 + 146 + 120 + 50 = 1146.40
    assert (ytd_all["written_premium"], ytd_all["earned_premium"], ytd_all["expenses"]) == (
        D("6034.00"), D("4021.00"), D("1146.40"))  # fmt: skip
    assert (ytd_all["earned_incurred_ratio"], ytd_all["premium_growth"]) == (D("0.3979"), D("4.4954"))
    assert str(frame["start"].dtype) == "datetime64[s]" and str(frame["policies"].dtype) == "Int64"
    by_branch = rows(make_report(company, "production", "2024-Q3", by="branch").query("window == 'period'"), "branch")
    assert by_branch["BR1"]["written_premium"] == D("184.00") and by_branch["BR2"]["written_premium"] == D("730.00")
    assert by_branch["BR1"]["expenses"] == D("318.40")  # 18.40 of commission + 300 of general costs of C1


def test_agents_results_by_policy_year(company: Any) -> None:
    frame = make_report(company, "agents", "2023..2024")
    got = {(r["agent"], r["policy_year"], r["evaluated_at"].date()): r for r in frame.to_dict("records")}
    assert sorted(got) == [("A1", 2023, day(2023, 12, 31)), ("A1", 2023, day(2024, 12, 31)),
                           ("A1", 2024, day(2024, 12, 31)), ("A2", 2024, day(2024, 12, 31))]  # fmt: skip
    first = got[("A1", 2023, day(2023, 12, 31))]
    # P3 at the end of 2023: earned 3×275 = 825, L3 reserved 300 → 300/825 = 0.36364
    assert (first["earned_premium"], first["incurred_losses"], first["earned_incurred_ratio"]) == (
        D("825.00"), D("300.00"), D("0.3636"))  # fmt: skip
    later = got[("A1", 2023, day(2024, 12, 31))]
    # a year later: all 1098 earned, 350 paid, nothing left reserved → 350/1098 = 0.31876 (both ratios)
    assert (later["earned_premium"], later["paid_losses"], later["outstanding"], later["incurred_losses"]) == (
        D("1098.00"), D("350.00"), D("0.00"), D("350.00"))  # fmt: skip
    assert later["earned_incurred_ratio"] == later["written_paid_ratio"] == D("0.3188")
    a1 = got[("A1", 2024, day(2024, 12, 31))]
    # P1, P1/0/1, P3/1: written 5304, earned 3660 + 184 + 1100 = 4944, incurred 600 + 400 + 50 = 1050
    # (1050/4944 = 0.21238), paid 600/5304 = 0.11312
    assert (a1["written_premium"], a1["earned_premium"], a1["incurred_losses"]) == (
        D("5304.00"), D("4944.00"), D("1050.00"))  # fmt: skip
    assert (a1["earned_incurred_ratio"], a1["written_paid_ratio"], a1["policies"], a1["claims"]) == (
        D("0.2124"), D("0.1131"), 2, 2)  # fmt: skip
    a2 = got[("A2", 2024, day(2024, 12, 31))]
    assert (a2["written_premium"], a2["commissions"], a2["earned_incurred_ratio"]) == (D("184.00"), D("36.80"),
                                                                                       D("2.7174"))  # fmt: skip
    assert a2["agent_name"] == "Agent A2"
    with pytest.raises(ReportError, match="underwriting"):
        make_report(company, "agents", "2024", basis="calendar")


def test_premium_transactions(company: Any) -> None:
    frame = make_report(company, "transactions", "2024")
    got = [(r["branch"], r["class_of_business"], r["transaction"], r["count"], r["premium"], r["average_cost"])
           for r in frame.to_dict("records")]  # fmt: skip
    # average cost: BR1 has no acquisition cost of its own, BR2 has 120 over its 2 transactions;
    # the 50 of no branch is spread over all 5 transactions (10 each)
    assert got == [
        ("BR1", "FIRE", "new", 1, D("3660.00"), D("10.00")),
        ("BR1", "FIRE", "renewal", 1, D("1460.00"), D("10.00")),
        ("BR1", "FIRE", "endorsement", 1, D("184.00"), D("10.00")),
        ("BR2", "MOTOR", "new", 1, D("730.00"), D("70.00")),
        ("BR2", "MOTOR", "cancellation", 1, D("-546.00"), D("70.00")),
    ]
    with pytest.raises(ReportError, match="not accident"):
        make_report(company, "transactions", "2024", basis="accident")


def test_claims_dictionary(company: Any) -> None:
    frame = make_report(company, "claims-dictionary", "2024")
    got = {r["claim"]: r for r in frame.to_dict("records")}
    assert list(frame["claim"]) == ["L1", "L3", "L4", "L2"]  # by branch (BR1, BR2), then claim
    l1, l3, l4, l2 = got["L1"], got["L3"], got["L4"], got["L2"]
    assert (l1["branch"], l1["agent"], l1["policy"], l1["status"]) == ("BR1", "A1", "P1-24/0/0", "open")
    assert (l1["paid"], l1["outstanding"], l1["lae_allocated"], l1["incurred"]) == (
        D("600.00"), D("400.00"), D("50.00"), D("1050.00"))  # fmt: skip
    assert l1["payment_history"] == "2024-05-15 600.00"
    # L3 was notified in 2023 but still reserved at the start of 2024: it is followed up
    assert (l3["status"], l3["paid"], l3["outstanding"], l3["payment_history"]) == (
        "closed", D("350.00"), D("0.00"), "2024-02-01 350.00")  # fmt: skip
    assert (l4["status"], l4["territory"], l4["incurred"]) == ("cancelled", "SOUTH", D("0.00"))
    assert (l2["branch"], l2["outstanding"], l2["payments"], l2["payment_history"]) == ("BR2", D("500.00"), 0, "")
    assert str(frame["loss_date"].dtype) == "datetime64[s]" and str(frame["claim"].dtype) == "string"
    accident = make_report(company, "claims-dictionary", "2024", basis="accident")
    assert list(accident["claim"]) == ["L1", "L4", "L2"]  # occurred in 2024


def test_monthly_claims_activity(company: Any) -> None:
    frame = make_report(company, "claims-activity", "2024-02..2024-03")
    got = {(r["month"], r["territory"]): r for r in frame.to_dict("records")}
    assert sorted(got) == [("2024-02", "(all)"), ("2024-02", "NORTH"), ("2024-03", "(all)"), ("2024-03", "NORTH"),
                           ("2024-03", "SOUTH")]  # fmt: skip
    feb = got[("2024-02", "NORTH")]
    # February: L3 paid 350 (using its 300 of reserve) and closed; nothing left reserved
    assert (feb["payments"], feb["closed_claims"], feb["reserves_end"], feb["change"]) == (
        D("350.00"), 1, D("0.00"), D("-300.00"))  # fmt: skip
    north, south, everything = got[("2024-03", "NORTH")], got[("2024-03", "SOUTH")], got[("2024-03", "(all)")]
    # March: L1 occurs in the NORTH (1000 reserved); L4 in the SOUTH (200 reserved, released by its cancellation)
    assert (north["new_claims"], north["new_reserves"], north["reserves_end"]) == (1, D("1000.00"), D("1000.00"))
    assert (south["new_claims"], south["new_reserves"], south["corrections"], south["change"]) == (
        1, D("200.00"), D("-200.00"), D("0.00"))  # fmt: skip
    assert (everything["new_claims"], everything["reserves_end"], everything["change"]) == (2, D("1000.00"),
                                                                                            D("1000.00"))  # fmt: skip
    with pytest.raises(ReportError, match="calendar basis, not accident"):
        make_report(company, "claims-activity", "2024", basis="accident")


STABLE_DTYPES = {"string", "object", "Int64", "datetime64[s]"}


def stable(frame: pd.DataFrame) -> bool:
    """Only the dtypes of READ SELECTION frames; object columns hold Decimal (or None) only."""
    objects = [c for c, t in frame.dtypes.items() if str(t) == "object"]
    return {str(t) for t in frame.dtypes} <= STABLE_DTYPES and all(
        v is None or isinstance(v, Decimal) for c in objects for v in frame[c]
    )


def test_every_report_renders(company: Any) -> None:
    for name, kind in REPORTS.items():
        frame = make_report(company, name, "2024", basis=kind.default_basis)
        assert not frame.empty and stable(frame), name
        for fmt in ("table", "csv", "html"):
            text = render(frame, fmt, title=kind.title)
            assert text.strip(), (name, fmt)
    table = render(make_report(company, "ratios", "2024"), "table")
    assert "5,488.00" in table and "0.2962" in table
    csv = render(make_report(company, "ratios", "2024"), "csv")
    assert csv.splitlines()[1].startswith("5488.00,5401.00,950.00,900.00,1600.00,1037.20,0.2962")
    with pytest.raises(ReportError, match="no report"):
        make_report(company, "budget", "2024")
    with pytest.raises(ReportError, match="grouped by"):
        make_report(company, "ratios", "2024", by="peril")
    assert Basis("underwriting") is Basis.UNDERWRITING


def test_reports_of_an_empty_company(admin: Any) -> None:
    empty = load_company(admin)
    for name, kind in REPORTS.items():
        frame = make_report(empty, name, "2024", basis=kind.default_basis)
        assert stable(frame), name
    ratios = make_report(empty, "ratios", "2024").iloc[0]
    assert ratios["written_premium"] == D("0.00") and ratios["earned_incurred_ratio"] is None


def test_the_company_holds_the_lines_the_figures_use(company: Any) -> None:
    """Only the journal lines of commissions, claims paid, claims provisions and costs are kept (the
    premiums come from the contracts), their signed amounts in cents, exactly."""
    from assurdb.domain.reports.data import LINE_TYPES, cents

    kinds = set(company.lines["account_type"])
    assert kinds and kinds <= set(LINE_TYPES)
    assert company.lines["cents"].dtype == "int64"
    # L1: 1000 reserved (credit of the provision), then 600 paid (debit of claims paid)
    l1 = company.lines[company.lines["loss"] == "L1"]
    assert sorted(l1["cents"]) == sorted([-100_000, 60_000, 60_000, 5_000])
    assert list(cents([D("12.34"), None, D("-0.05")])) == [1234, 0, -5]
    with pytest.raises(ReportError, match="not in cents"):
        cents([D("0.001")])
