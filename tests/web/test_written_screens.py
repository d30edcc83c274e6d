"""The written screens on SQLite and PostgreSQL: a policy with its guaranties (CREATE POLICY, one
unit of work) and a loss on the contract in force (CREATE LOSS, constraint 14)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from assurdb.domain.accounting import install_chart
from assurdb.metadb.contract import Mode
from assurdb.screens.loader import shipped_screen
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import DUPONT
from tests.web.conftest import Company, client_for, csrf_of, log_in

POLICY = {
    "insured": str(DUPONT),
    "handling_cell": "B1-DEP",
    "intermediary": "AG1",
    "policy_no": "222222-86",
    "class_of_business": "FIRE",
    "territory": "BE",
    "cover_start": "1986-01-01",
    "cover_end": "31/12/1986",
    "sum_insured": "150000.00",
    "premium": "900.00",
    "g1_peril": "FIRE",
    "g1_sum_insured": "120000.00",
    "g1_premium": "700.00",
    "g2_peril": "THEFT",
    "g2_sum_insured": "30000.00",
    "g2_premium": "200.00",
}


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error" role="alert">([^<]*)<', page)
    assert found, f"no message next to {field}"
    return html.unescape(found.group(1))


@pytest.fixture(scope="module")
def admin(writable: Company) -> Iterator[tuple[TestClient, str]]:
    with client_for(writable) as client:
        home = log_in(client, "admin", ADMIN_PASSWORD)
        assert "A policy with its guaranties" in home.text  # the home screen leads to it
        yield client, csrf_of(home.text)


def guaranties_of(company: Company, policy_no: str) -> list[str]:
    with company.db.login("admin", ADMIN_PASSWORD) as s:
        assert s.open_db([("PRA", Mode.CONSULT), ("Guaranty", Mode.CONSULT)]).ok
        pra = {"policy_no": policy_no, "renewal_no": 0, "endorsement_no": 0}
        found: list[str] = []
        current = None
        while True:
            reply = s.read_target_via_path("PRA", pra, "Breakdown", "Guaranty", current)
            if not reply.ok or reply.article is None:
                return found
            found.append(str(reply.article["peril"]))
            current = reply.article


def test_the_written_screens_load() -> None:
    assert len(shipped_screen("policy").fields) == 19 and shipped_screen("loss").field("loss_date").kind == "date"


def test_a_policy_with_two_guaranties_in_one_unit(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    assert 'id="f-g3_premium"' in client.get("/screens/policy").text
    page = client.post("/screens/policy", data={**POLICY, "csrf": csrf, "action": "create"})
    assert page.status_code == 200 and "PRA 222222-86/0/0 created" in page.text
    assert guaranties_of(writable, "222222-86") == ["FIRE", "THEFT"]
    policy = client.get("/rt/PRA/view", params={"policy_no": "222222-86", "renewal_no": "0", "endorsement_no": "0"})
    assert "222222-86 / 0 / 0 / 2" in policy.text


def test_a_bad_guaranty_refuses_the_whole_policy(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    bad = {**POLICY, "policy_no": "333333-86", "g2_premium": "lots"}
    page = client.post("/screens/policy", data={**bad, "csrf": csrf, "action": "create"})
    assert page.status_code == 422 and field_error(page.text, "g2_premium").startswith("13 value invalid")
    unknown = {**POLICY, "policy_no": "333333-86", "insured": "99"}
    page = client.post("/screens/policy", data={**unknown, "csrf": csrf, "action": "create"})
    assert field_error(page.text, "insured").startswith("400 not found")
    assert guaranties_of(writable, "333333-86") == []  # nothing of it was written


def test_a_loss_outside_cover_is_refused_by_constraint_14(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    loss = {"policy_no": "123456-86", "code": "L-OUT", "loss_date": "1987-03-01", "amount": "500", "action": "create"}
    page = client.post("/screens/loss", data={**loss, "csrf": csrf})
    message = field_error(page.text, "loss_date")
    assert message.startswith("1014 loss date: constraint 14") and "covers the loss date 1987-03-01" in message
    inside = client.post("/screens/loss", data={**loss, "code": "L-IN", "loss_date": "1986-03-01", "csrf": csrf})
    assert inside.status_code == 200 and "loss L-IN of PRA 123456-86/0/0 created" in inside.text
    assert (
        "400 not found: no Loss with code=&#39;L-OUT&#39;" in client.get("/rt/Loss/view", params={"code": "L-OUT"}).text
    )


def test_written_screens_need_a_login_and_the_csrf_token(writable: Company) -> None:
    with client_for(writable) as client:
        assert client.get("/screens/policy").url.path == "/login"
        home = log_in(client, "admin", ADMIN_PASSWORD)
        refused = client.post("/screens/loss", data={"csrf": "forged", "action": "create"})
        assert refused.status_code == 403
        assert client.get("/screens/nothing").status_code == 404
        assert csrf_of(home.text)


def test_a_report_with_its_chart(admin: tuple[TestClient, str]) -> None:
    client, _ = admin
    form = client.get("/reports/ratios")
    assert 'id="f-period"' in form.text and "<table" not in form.text
    page = client.get("/reports/ratios", params={"period": "1986", "by": "class", "action": "show"})
    assert page.status_code == 200
    assert '<table class="report">' in page.text and '<th scope="col">Class of business</th>' in page.text
    assert re.search(r"<rect [^>]*class=\"bar\"", page.text) and "<figcaption>" in page.text
    assert ">FIRE</text>" in page.text and ">(all)</text>" not in page.text  # the chart leaves the total out
    assert "<figcaption>Written premium</figcaption>" in page.text
    bad = client.get("/reports/ratios", params={"period": "86x", "action": "show"})
    assert bad.status_code == 422 and field_error(bad.text, "period").startswith("period '86x'")
    by = client.get("/reports/ratios", params={"period": "1986", "by": "colour", "action": "show"})
    assert "grouped by" in field_error(by.text, "by")
    assert client.get("/reports/nothing").status_code == 404


def test_endorse_renew_cancel_and_reinstate_a_contract(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    made = client.post("/screens/policy", data={**POLICY, "policy_no": "444444-86", "csrf": csrf, "action": "create"})
    assert "PRA 444444-86/0/0 created" in made.text
    endorsed = client.post(
        "/screens/endorsement",
        data={
            "policy_no": "444444-86",
            "effective": "1986-07-01",
            "premium": "1100.00",
            "csrf": csrf,
            "action": "endorse",
        },
    )
    assert endorsed.status_code == 200 and ">Contract 444444-86/0/1</a>" in endorsed.text
    renewed = client.post("/screens/renewal", data={"policy_no": "444444-86", "csrf": csrf, "action": "renew"})
    assert renewed.status_code == 200 and ">Contract 444444-86/1/0</a>" in renewed.text
    term = {"policy_no": "444444-86", "renewal_no": "1", "csrf": csrf}
    outside = client.post(
        "/screens/contract",
        data={**term, "cancellation_type": "NONPAYMENT", "cancellation_date": "1990-01-01", "action": "cancel"},
    )
    assert outside.status_code == 422 and "cover" in outside.text
    needs = client.post("/screens/contract", data={**term, "action": "cancel"})
    assert field_error(needs.text, "cancellation_date") == "Cancellation date is required to cancel"
    cancelled = client.post(
        "/screens/contract",
        data={**term, "cancellation_type": "NONPAYMENT", "cancellation_date": "1987-03-01", "action": "cancel"},
    )
    assert cancelled.status_code == 200 and ">Contract 444444-86/1/0</a>" in cancelled.text
    view = client.get("/rt/PRA/view", params={"policy_no": "444444-86", "renewal_no": "1", "endorsement_no": "0"})
    assert re.search(r'<output id="f-cancellation_date"[^>]*>1987-03-01<', view.text)
    reinstated = client.post("/screens/contract", data={**term, "action": "reinstate"})
    assert reinstated.status_code == 200, reinstated.text
    view = client.get("/rt/PRA/view", params={"policy_no": "444444-86", "renewal_no": "1", "endorsement_no": "0"})
    assert re.search(r'<output id="f-cancellation_date"[^>]*><', view.text)
    unknown = client.post("/screens/renewal", data={"policy_no": "999999-99", "csrf": csrf, "action": "renew"})
    assert unknown.status_code == 422 and field_error(unknown.text, "policy_no")


def test_account_writes_the_journals_once(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    refused = client.post("/screens/account", data={"writing_date": "1986-12-31", "csrf": csrf, "action": "account"})
    assert "400 not found: " in refused.text and "is the chart of accounts installed?" in refused.text
    with writable.db.login("admin", ADMIN_PASSWORD) as s:
        assert install_chart(s, opened_on=dt.date(1986, 1, 1)).ok
    bad = client.post("/screens/account", data={"writing_date": "31/13/1986", "csrf": csrf, "action": "account"})
    assert bad.status_code == 422 and field_error(bad.text, "writing_date").startswith("Writing date: a date")
    first = client.post("/screens/account", data={"writing_date": "1986-12-31", "csrf": csrf, "action": "account"})
    assert first.status_code == 200, first.text
    written = int(re.search(r"(\d+) journal\(s\) written", first.text).group(1))
    assert written > 0 and first.text.count('<tr><td class="num">') == written
    again = client.post("/screens/account", data={"writing_date": "1986-12-31", "csrf": csrf, "action": "account"})
    assert "0 journal(s) written" in again.text  # what is accounted is never accounted twice
