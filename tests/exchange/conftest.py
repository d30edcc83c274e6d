"""Fixtures of the coinsurance exchange tests: one exchange database per module and backend
(``xdb``), and RSA-3072 test keys generated once per test session (``keyring``) — generating a
3072-bit key takes a fraction of a second to seconds, so a handful serves every test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from assurdb.domain.exchange.envelope import new_private_key
from assurdb.domain.exchange.keys import participant_id
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


#: The market of the tests: a broker, a leader, two co-insurers, an agent who underwrote for the
#: second co-insurer, the clearing body.
BROKER = participant_id("COU", 1)
LEADER = participant_id("CIE", 1)
CO2 = participant_id("CIE", 2)
CO3 = participant_id("CIE", 3)
AGENT = participant_id("AGT", 1)
ORG = participant_id("ORG", 1)
MARKET = {
    BROKER: "BROKER & CO",
    LEADER: "LEADER SA",
    CO2: "SECOND MUTUELLE",
    CO3: "THIRD AG",
    AGENT: "AGENT SARL",
    ORG: "CLEARING",
}


@pytest.fixture(scope="session")
def keyring() -> dict[str, Any]:
    """RSA-3072 private keys, generated once per test session: the hub's, each participant's,
    and a second one for CO2 and for the hub (rotations)."""
    names = ["HUB", "HUB2", *MARKET, f"{CO2}-2"]
    return {name: new_private_key() for name in names}
