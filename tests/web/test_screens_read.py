"""The screens that read, on every backend: log in, find by a (partial) key, walk, view the paths."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import DUPONT
from tests.web.conftest import CLERK_PASSWORD, NOBODY_PASSWORD, Company, client_for, csrf_of, log_in


def output(page: str, field: str) -> str:
    found = re.search(rf'<output id="f-{field}"[^>]*>([^<]*)</output>', page)
    assert found, f"no field {field} on the page"
    return html.unescape(found.group(1))


def link(page: str, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*>{re.escape(label)}</a>', page)
    assert found, f"no link {label!r}"
    return html.unescape(found.group(1))


@pytest.fixture(scope="module")
def admin_client(company: Company) -> Iterator[TestClient]:
    with client_for(company) as client:
        assert log_in(client, "admin", ADMIN_PASSWORD).status_code == 200
        yield client


def test_the_login_screen_comes_first(company: Company) -> None:
    with client_for(company) as client:
        page = client.get("/")
        assert page.url.path == "/login"
        assert 'type="password"' in page.text and "PLEASE GIVE YOUR PASSWORD:" in page.text
        assert '<label for="f-password">' in page.text  # the text zone before the field is its label
        assert client.get("/rt/Insured/find").url.path == "/login"


def test_a_wrong_password_is_refused_next_to_the_password(company: Company) -> None:
    with client_for(company) as client:
        page = log_in(client, "admin", "wrong")
        assert page.status_code == 401
        assert 'id="f-password-error" role="alert">login refused' in page.text
        assert "wrong" not in page.text.split("login refused")[0].split("f-password")[-1]
        assert client.get("/").url.path == "/login"


def test_the_cookie_is_signed_http_only_and_holds_no_password(company: Company) -> None:
    with client_for(company) as client:
        page = log_in(client, "admin", ADMIN_PASSWORD)
        assert page.url.path == "/"
        cookie = page.history[0].headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert ADMIN_PASSWORD not in cookie
        value = client.cookies["assurdb"]
        client.cookies.clear()
        client.cookies.set("assurdb", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
        assert client.get("/").url.path == "/login"  # a tampered cookie is no login


def test_find_by_a_partial_name_and_walk(company: Company, admin_client: TestClient) -> None:
    page = admin_client.get("/rt/Insured/find", params={"key": "name", "name": "DUP", "action": "find"})
    assert page.status_code == 200
    assert output(page.text, "name") == "DUPONT ANNET" and output(page.text, "code") == str(DUPONT)
    after = admin_client.get(link(page.text, "Next"))
    assert output(after.text, "name") == "DURAND-TOLLET"
    back = admin_client.get(link(after.text, "Previous"))
    assert output(back.text, "name") == "DUPONT ANNET"
    last = admin_client.get(link(after.text, "Next"))
    assert "this is the last article" in last.text and output(last.text, "name") == "DURAND-TOLLET"


def test_find_by_identifier_and_not_found(admin_client: TestClient) -> None:
    page = admin_client.get("/rt/Insured/find", params={"key": "id", "code": str(DUPONT), "action": "find"})
    assert output(page.text, "name") == "DUPONT ANNET"
    missing = admin_client.get("/rt/Insured/find", params={"key": "name", "name": "ZZZ", "action": "find"})
    assert missing.status_code == 422 and "400 not found" in missing.text
    bad = admin_client.get("/rt/Insured/find", params={"key": "id", "code": "abc", "action": "find"})
    assert 'id="f-code-error" role="alert">13 value invalid' in bad.text


def test_the_article_links_to_its_targets_and_origins(admin_client: TestClient) -> None:
    insured = admin_client.get("/rt/Insured/view", params={"code": str(DUPONT)})
    assert "Insurance → Policy / renewal / endorsement" in insured.text
    policy = admin_client.get(link(insured.text, "123456-86 / 0 / 0"))
    assert output(policy.text, "policy_no") == "123456-86"
    assert link(policy.text, f"{DUPONT} DUPONT ANNET")  # READ ORIGIN VIA PATH, back to the insured
    guaranties = re.findall(r">123456-86 / 0 / 0 / (\d)</a>", policy.text)
    assert guaranties == ["1", "2"]


def test_a_user_without_rights_is_refused_in_words(company: Company) -> None:
    with client_for(company) as client:
        assert log_in(client, "nobody", NOBODY_PASSWORD).url.path == "/"
        page = client.get("/rt/Insured/view", params={"code": str(DUPONT)})
        assert "501 not authorised (OPEN DB entry 1)" in page.text
        assert "DUPONT" not in page.text


def test_the_clerk_reads_what_they_may_and_no_more(company: Company) -> None:
    with client_for(company) as client:
        assert log_in(client, "clerk", CLERK_PASSWORD).url.path == "/"
        policy = client.get("/rt/PRA/view", params={"policy_no": "123456-86", "renewal_no": "0", "endorsement_no": "0"})
        assert output(policy.text, "policy_no") == "123456-86"
        assert "not authorised to read OrgCell" in policy.text  # a path the clerk may not follow


def test_logout_needs_the_csrf_token_and_ends_the_login(company: Company) -> None:
    with client_for(company) as client:
        home = log_in(client, "admin", ADMIN_PASSWORD)
        assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
        assert client.get("/").url.path == "/"
        assert client.post("/logout", data={"csrf": csrf_of(home.text)}).url.path == "/login"
        assert client.get("/").url.path == "/login"
        assert len(client.app.state.web.logins) == 0  # type: ignore[attr-defined]


def test_a_password_hash_is_never_shown(admin_client: TestClient) -> None:
    page = admin_client.get("/rt/User/view", params={"name": "admin"})
    assert output(page.text, "name") == "admin" and output(page.text, "password_hash") == ""
