"""The screens that change articles, on SQLite and PostgreSQL: create, modify, delete with
confirmation; refusals shown next to their field; CSRF on every posted form."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from assurdb.metadb.contract import Mode
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import DUPONT
from tests.web.conftest import CLERK_PASSWORD, Company, client_for, csrf_of, log_in


def output(page: str, field: str) -> str:
    found = re.search(rf'<output id="f-{field}"[^>]*>([^<]*)</output>', page)
    assert found, f"no field {field} on the page"
    return html.unescape(found.group(1))


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="f-{field}-error" role="alert">([^<]*)<', page)
    assert found, f"no message next to {field}"
    return html.unescape(found.group(1))


@pytest.fixture(scope="module")
def clerk(writable: Company) -> Iterator[tuple[TestClient, str]]:
    with client_for(writable) as client:
        home = log_in(client, "clerk", CLERK_PASSWORD)
        yield client, csrf_of(home.text)


def stored(company: Company, code: int) -> dict[str, object] | None:
    with company.db.login("admin", ADMIN_PASSWORD) as s:
        assert s.open_db([("Insured", Mode.CONSULT)]).ok
        reply = s.read_direct("Insured", {"code": code})
        return reply.article


def test_create_shows_the_new_article(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    form = client.get("/rt/Insured/create")
    assert 'id="f-code"' in form.text and "required" in form.text
    page = client.post(
        "/rt/Insured/create",
        data={
            "csrf": csrf,
            "action": "save",
            "code": "500",
            "name": "MARTIN",
            "birth_date": "31/01/1960",
            "phone.1": "081 22 33 44",
            "address.city": "NAMUR",
        },
    )
    assert page.status_code == 200 and "created" in page.text
    assert output(page.text, "name") == "MARTIN" and output(page.text, "birth_date") == "1960-01-31"
    article = stored(writable, 500)
    assert article is not None and article["phone"] == ["081 22 33 44"]
    assert article["address"] == {"street": None, "postcode": None, "city": "NAMUR", "country": None}


def test_a_script_is_stored_and_shown_as_text(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    script = "<script>alert(1)</script>"
    page = client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": "501", "name": script})
    assert script not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert output(page.text, "name") == script
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert (stored(writable, 501) or {})["name"] == script


def test_refusals_sit_next_to_their_field(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    bad = client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": "12x", "name": "X"})
    assert bad.status_code == 422 and field_error(bad.text, "code").startswith("13 value invalid")
    assert 'value="12x"' in bad.text  # what was typed stays for correction
    twice = client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": str(DUPONT), "name": "X"})
    assert field_error(twice.text, "code").startswith("500 already exists")
    long = client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": "502", "name": "N" * 30})
    assert "at most 25 characters" in field_error(long.text, "name")
    missing = client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": "503"})
    assert field_error(missing.text, "name") == "Name is required"
    assert stored(writable, 502) is None and stored(writable, 503) is None


def test_a_form_without_its_csrf_token_is_refused(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, _ = clerk
    page = client.post("/rt/Insured/create", data={"csrf": "forged", "action": "save", "code": "504", "name": "X"})
    assert page.status_code == 403 and stored(writable, 504) is None
    assert client.post("/rt/Insured/create", data={"action": "save", "code": "504", "name": "X"}).status_code == 403


def test_modify_changes_what_was_typed_and_keeps_the_identifier(
    writable: Company, clerk: tuple[TestClient, str]
) -> None:
    client, csrf = clerk
    client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": "505", "name": "LEROY"})
    form = client.get("/rt/Insured/modify", params={"code": "505"})
    assert 'value="LEROY"' in form.text and '<output id="f-code"' in form.text  # the identifier is protected
    page = client.post(
        "/rt/Insured/modify?code=505",
        data={"csrf": csrf, "action": "save", "name": "LEROY-DUBOIS", "email": "l@example.org", "code": "999"},
    )
    assert "saved" in page.text and output(page.text, "name") == "LEROY-DUBOIS"
    article = stored(writable, 505)
    assert article is not None and article["email"] == "l@example.org"
    assert stored(writable, 999) is None  # a protected zone is never read back
    cleared = client.post(
        "/rt/Insured/modify?code=505", data={"csrf": csrf, "action": "save", "name": "LEROY", "email": ""}
    )
    assert output(cleared.text, "email") == "" and (stored(writable, 505) or {})["email"] is None


def test_delete_asks_first_then_deletes(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    client.post("/rt/Insured/create", data={"csrf": csrf, "action": "save", "code": "506", "name": "GONE"})
    confirm = client.get("/rt/Insured/delete", params={"code": "506"})
    assert "Delete Insured?" in confirm.text and 'class="danger"' in confirm.text
    assert stored(writable, 506) is not None  # showing the confirmation deleted nothing
    done = client.post("/rt/Insured/delete?code=506", data={"csrf": csrf, "action": "delete"})
    assert "506 GONE deleted" in done.text and stored(writable, 506) is None


def test_deleting_an_origin_with_targets_is_refused_in_words(clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    page = client.post(f"/rt/Insured/delete?code={DUPONT}", data={"csrf": csrf, "action": "delete"})
    assert page.status_code == 422 and re.search(r"90[01] \w+ constraint", page.text)


def test_a_clerk_reading_only_cannot_write(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    page = client.post("/rt/Loss/delete?code=L1", data={"csrf": csrf, "action": "delete"})
    assert "501 not authorised (OPEN DB entry 1)" in page.text


def test_a_new_target_along_a_path_from_its_origin(writable: Company, clerk: tuple[TestClient, str]) -> None:
    client, csrf = clerk
    pra = {"policy_no": "123456-86", "renewal_no": "0", "endorsement_no": "0"}
    policy = client.get("/rt/PRA/view", params=pra)
    found = re.search(r'<a href="([^"]+)" class="button">New Guaranty via Breakdown</a>', policy.text)
    assert found, "the policy's screen offers a new guaranty along Breakdown"
    form = client.get(html.unescape(found.group(1)))
    assert 'id="f-policy_no" name="policy_no"' in form.text and 'value="123456-86"' in form.text  # filled in
    action = html.unescape(re.search(r'<form class="screen" method="post" action="([^"]+)"', form.text).group(1))
    page = client.post(action, data={"csrf": csrf, "action": "save", "guaranty_no": "7", "peril": "STORM"})
    assert page.status_code == 200 and "created" in page.text and output(page.text, "peril") == "STORM"
    assert "123456-86 / 0 / 0 / 7" in client.get("/rt/PRA/view", params=pra).text
    moved = client.post(
        action, data={"csrf": csrf, "action": "save", "guaranty_no": "8", "peril": "X", "endorsement_no": "1"}
    )
    assert "21 target mismatch" in moved.text  # the path decides the origin, not the form
    wrong = client.get("/rt/Insured/create", params={"via": "Breakdown", "origin.policy_no": "123456-86"})
    assert "path Breakdown does not lead to Insured" in wrong.text
