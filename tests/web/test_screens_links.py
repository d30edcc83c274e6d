"""N-N paths on the article screens, on SQLite and PostgreSQL: the linked articles listed on both
sides; link (BOUND, with a link item such as Composition's role) and unlink (DEBOUND, after a
confirmation) for a user who may modify both record types; refusals in words next to their field;
no form for a user who may only read, and a forged POST refused; CSRF on every posted form."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from assurdb.metadb.contract import Mode
from tests.conftest import ADMIN_PASSWORD
from tests.web.conftest import Company, client_for, csrf_of, log_in

READER = "links_reader"
READER_PASSWORD = "links-reader-secret"
RISK_SHARING = "Risk sharing → External insurer / reinsurer"


def section(page: str, title: str) -> str:
    """The HTML of the path section under ``title``."""
    found = re.search(rf"<h2>{re.escape(html.escape(title, quote=False))}</h2>(.*?)</section>", page, re.S)
    assert found, f"no section {title!r}"
    return found.group(1)


def href(page: str, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*>{re.escape(label)}</a>', page)
    assert found, f"no link {label!r}"
    return html.unescape(found.group(1))


def unlink_href(part: str, caption: str) -> str:
    found = re.search(
        rf'>{re.escape(caption)}</a>(?:\s*<small>[^<]*</small>)?\s*<a href="([^"]+)"[^>]*>Unlink</a>', part
    )
    assert found, f"no Unlink beside {caption!r}"
    return html.unescape(found.group(1))


def form_action(page: str) -> str:
    found = re.search(r'<form class="screen" method="post" action="([^"]+)"', page)
    assert found, "no posted form"
    return html.unescape(found.group(1))


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error" role="alert">([^<]*)<', page)
    assert found, f"no message next to {field}"
    return html.unescape(found.group(1))


def linked(company: Company, origin: str, target: str) -> bool:
    with company.db.login("admin", ADMIN_PASSWORD) as s:
        assert s.open_db([("OrgCell", Mode.CONSULT), ("ExtCompany", Mode.CONSULT)]).ok
        current = None
        while True:
            reply = s.read_target_via_path("OrgCell", {"code": origin}, "RiskSharing", "ExtCompany", current)
            if reply.article is None:
                return False
            if reply.article["code"] == target:
                return True
            current = reply.article


@pytest.fixture(scope="module")
def admin(writable: Company) -> Iterator[tuple[TestClient, str]]:
    with writable.db.login("admin", ADMIN_PASSWORD) as s:
        assert s.add_user(READER, READER_PASSWORD).ok
        for rt in ("OrgCell", "ExtCompany"):
            assert s.grant(READER, rt, 1).ok
    with client_for(writable) as client:
        yield client, csrf_of(log_in(client, "admin", ADMIN_PASSWORD).text)


def test_link_from_the_origin_then_see_it_on_both_sides(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    cell = client.get("/rt/OrgCell/view", params={"code": "B2-DEP"})
    assert "none" in section(cell.text, RISK_SHARING)
    form = client.get(href(cell.text, "Link External insurer / reinsurer via Risk sharing"))
    assert 'id="f-code" name="code"' in form.text and "required" in form.text
    page = client.post(form_action(form.text), data={"csrf": csrf, "action": "link", "code": "XRE"})
    assert page.status_code == 200 and "Risk sharing link added" in page.text
    assert "XRE REINSURER AG" in section(page.text, RISK_SHARING) and linked(writable, "B2-DEP", "XRE")
    reinsurer = client.get("/rt/ExtCompany/view", params={"code": "XRE"})
    origins = section(reinsurer.text, "SharesRisksWith → Organisation cell")
    assert "B2-DEP B2 SALES DEPT" in origins and "B1-DEP B1 SALES DEPT" in origins
    assert unlink_href(origins, "B2-DEP B2 SALES DEPT")  # unlinking works from the target too
    again = client.post(form_action(form.text), data={"csrf": csrf, "action": "link", "code": "XRE"})
    assert again.status_code == 422 and "already exists" in again.text


def test_unlink_asks_first_then_removes_the_link(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    reinsurer = client.get("/rt/ExtCompany/view", params={"code": "XCO"})
    confirm = client.get(
        unlink_href(section(reinsurer.text, "SharesRisksWith → Organisation cell"), "B1-DEP B1 SALES DEPT")
    )
    assert "Unlink Organisation cell?" in confirm.text and "from External insurer / reinsurer XCO" in confirm.text
    assert 'class="danger"' in confirm.text
    assert '<output id="f-code" aria-label="Code">B1-DEP</output>' in confirm.text
    assert linked(writable, "B1-DEP", "XCO")  # showing the confirmation removed nothing
    done = client.post(form_action(confirm.text), data={"csrf": csrf, "action": "unlink"})
    assert done.status_code == 200 and "Risk sharing link removed" in done.text
    assert "B1-DEP" not in section(done.text, "SharesRisksWith → Organisation cell")
    assert not linked(writable, "B1-DEP", "XCO") and linked(writable, "B1-DEP", "XRE")


def test_a_link_item_is_asked_and_shown(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    employee = client.get("/rt/Employee/view", params={"code": "E3"})
    form = client.get(href(employee.text, "Link Organisation cell via MemberOf"))
    assert 'id="f-role" name="role"' in form.text
    bad = client.post(form_action(form.text), data={"csrf": csrf, "action": "link", "code": "B2-DEP", "role": "R" * 9})
    assert bad.status_code == 422 and "role" in field_error(bad.text, "role")
    page = client.post(
        form_action(form.text), data={"csrf": csrf, "action": "link", "code": "B2-DEP", "role": "director"}
    )
    assert "Composition link added" in page.text and "B2-DEP B2 SALES DEPT" in page.text
    cell = client.get("/rt/OrgCell/view", params={"code": "B2-DEP"})
    assert re.search(r">E3 MAES KOEN</a>\s*<small>Role: director</small>", cell.text)


def test_an_unknown_identifier_is_refused_next_to_its_field(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    url = "/rt/OrgCell/link?via=RiskSharing&as=origin&code=B2-DEP"
    page = client.post(url, data={"csrf": csrf, "action": "link", "code": "NOPE"})
    assert page.status_code == 422 and re.match(r"401 \w+.*NOPE", field_error(page.text, "code"))
    assert 'value="NOPE"' in page.text  # what was typed stays for correction
    long = client.post(url, data={"csrf": csrf, "action": "link", "code": "X" * 9})
    assert re.match(r"[12]3 ", field_error(long.text, "code"))
    wrong = client.get("/rt/Insured/link", params={"via": "RiskSharing", "as": "origin", "code": "1"})
    assert "Insured is not the origin of path RiskSharing" in wrong.text


def test_a_reader_sees_the_links_but_cannot_change_them(writable: Company, admin: tuple[TestClient, str]) -> None:
    with client_for(writable) as client:
        csrf = csrf_of(log_in(client, READER, READER_PASSWORD).text)
        cell = client.get("/rt/OrgCell/view", params={"code": "B1-DEP"})
        assert "XRE REINSURER AG" in section(cell.text, RISK_SHARING)
        assert ">Unlink</a>" not in cell.text and "Link External" not in cell.text
        forged = client.post(
            "/rt/OrgCell/link?via=RiskSharing&as=origin&code=B2-DEP",
            data={"csrf": csrf, "action": "link", "code": "XCO"},
        )
        assert forged.status_code == 422 and "501 not authorised" in forged.text
        assert f"user {READER} may not open OrgCell in mode 2" in forged.text
    assert not linked(writable, "B2-DEP", "XCO")


def test_a_form_without_its_csrf_token_is_refused(writable: Company, admin: tuple[TestClient, str]) -> None:
    client, _ = admin
    url = "/rt/OrgCell/link?via=RiskSharing&as=origin&code=B2-DEP"
    assert client.post(url, data={"action": "link", "code": "XCO"}).status_code == 403
    assert client.post(url, data={"csrf": "forged", "action": "link", "code": "XCO"}).status_code == 403
    unlink = "/rt/OrgCell/unlink?via=RiskSharing&as=origin&code=B1-DEP&other.code=XRE"
    assert client.post(unlink, data={"action": "unlink"}).status_code == 403
    assert not linked(writable, "B2-DEP", "XCO") and linked(writable, "B1-DEP", "XRE")
