"""The server-side login table and the serve command."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from assurdb.cli import main
from assurdb.web.logins import Logins
from tests.conftest import ADMIN_PASSWORD


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_login_lives_until_logout_or_idleness(db: object) -> None:
    logins = Logins(db.login, idle_seconds=60)  # type: ignore[attr-defined]
    token = logins.login("admin", ADMIN_PASSWORD)
    other = logins.login("admin", ADMIN_PASSWORD)
    assert token != other and len(token) >= 40 and logins.user(token) == "admin"
    with logins.session(token) as session:
        assert session is not None and session.user == "admin"
    with logins.session("forged") as nobody:
        assert nobody is None
    logins.logout(other)
    assert logins.user(other) is None and len(logins) == 1
    logins.sweep()
    assert logins.user(token) == "admin"
    logins.sweep(now=time.monotonic() + 61)
    assert logins.user(token) is None and len(logins) == 0


def test_serve_is_a_command() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--db" in result.output and "--port" in result.output and "ASSURDB_WEB_SECRET" in result.output
    assert "--secure-cookies" in result.output


@pytest.mark.parametrize("backend", ["sqlite"])
def test_secure_cookies_are_for_https_only(db: object) -> None:
    from starlette.testclient import TestClient

    from assurdb.web import create_app

    app = create_app(db.schema, db.login, secret="s", secure_cookies=True)  # type: ignore[attr-defined]
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/login").headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie
