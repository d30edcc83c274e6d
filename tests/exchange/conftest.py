"""Fixtures of the coinsurance exchange tests: one exchange database per module and backend
(``xdb``), and RSA-3072 test keys generated once per test session (``keyring``) — generating a
3072-bit key takes a fraction of a second to seconds, so a handful serves every test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, BACKENDS, ServerNamespace, require_backend


@pytest.fixture(scope="module", params=BACKENDS)
def xbackend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def xdb(xbackend: str, namespaces: ServerNamespace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A new exchange database on the backend, shared by the tests of one module."""
    import assurdb

    require_backend(xbackend)
    folder = tmp_path_factory.mktemp(f"exchange-{xbackend}")
    if xbackend == "sqlite":
        url = f"sqlite:///{folder / 'exchange.db'}"
    elif xbackend == "duckdb":
        url = f"duckdb:///{folder / 'exchange.duckdb'}"
    else:
        url = namespaces.url(xbackend, f"x{uuid.uuid4().hex[:6]}")
    database = assurdb.create(url, schema="exchange", admin_password=ADMIN_PASSWORD)
    yield database
    database.close()


@pytest.fixture(scope="module")
def xs(xdb: Any) -> Iterator[Any]:
    """An admin session of the module's exchange database."""
    session = xdb.login("admin", ADMIN_PASSWORD)
    yield session
    session.close()
