"""The web front-end's fixtures: one small company per backend and module, served by Starlette.

The company is the tiny organisation of the domain tests (built through the primitives) with
DUPONT ANNET's FIRE policy 123456-86 and its two guaranties; users: ``admin``, ``clerk`` (mode 2
on Insured, PRA and Guaranty, mode 1 on Loss) and ``nobody`` (no right at all).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

import assurdb
from assurdb.metadb.contract import Mode
from assurdb.web import create_app
from tests.conftest import ADMIN_PASSWORD, BACKENDS, ServerNamespace, require_backend
from tests.domain.conftest import DOMAIN_RTS, build_org, fire_policy

CLERK_PASSWORD = "clerk-secret"
NOBODY_PASSWORD = "nobody-secret"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Company:
    """A database of the small company and the backend it lives on."""

    backend: str
    db: Any


def build_company(url: str) -> Any:
    db = assurdb.create(url, schema="insurance", admin_password=ADMIN_PASSWORD)
    with db.login("admin", ADMIN_PASSWORD) as s:
        assert s.open_db([(rt, Mode.MODIFY_SHARED) for rt in DOMAIN_RTS]).ok
        build_org(s)
        fire_policy(s)
        s.close_db()
        assert s.add_user("clerk", CLERK_PASSWORD).ok
        for rt in ("Insured", "PRA", "Guaranty"):
            assert s.grant("clerk", rt, 2).ok
        assert s.grant("clerk", "Loss", 1).ok
        assert s.add_user("nobody", NOBODY_PASSWORD).ok
    return db


def _url(backend: str, namespaces: ServerNamespace, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('web') / 'company.db'}"
    if backend == "duckdb":
        return f"duckdb:///{tmp_path_factory.mktemp('web') / 'company.duckdb'}"
    return namespaces.url(backend, f"web{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module", params=BACKENDS)
def company(
    request: pytest.FixtureRequest, namespaces: ServerNamespace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Company]:
    """The small company on every backend (for the screens that only read)."""
    backend = str(request.param)
    require_backend(backend)
    db = build_company(_url(backend, namespaces, tmp_path_factory))
    yield Company(backend, db)
    db.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def writable(
    request: pytest.FixtureRequest, namespaces: ServerNamespace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Company]:
    """The small company on SQLite and PostgreSQL (for the screens that change articles)."""
    backend = str(request.param)
    require_backend(backend)
    db = build_company(_url(backend, namespaces, tmp_path_factory))
    yield Company(backend, db)
    db.close()


def client_for(company: Company) -> TestClient:
    return TestClient(create_app(company.db.schema, company.db.login, secret="test-secret"))


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: TestClient, user: str, password: str) -> Any:
    page = client.get("/login")
    return client.post(
        "/login", data={"user": user, "password": password, "action": "login", "csrf": csrf_of(page.text)}
    )
