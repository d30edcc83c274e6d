"""Each request opens what it needs and closes it: another clerk's exclusive opening is waited for
with back-off (600+i), then refused in words; nothing stays open between requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from assurdb.metadb.contract import Mode
from assurdb.screens import clerk as clerk_module
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import DUPONT
from tests.web.conftest import CLERK_PASSWORD, Company, client_for, log_in


@pytest.fixture
def clerk_client(writable: Company) -> Iterator[TestClient]:
    with client_for(writable) as client:
        assert log_in(client, "clerk", CLERK_PASSWORD).url.path == "/"
        yield client


def test_nothing_stays_open_between_requests(writable: Company, clerk_client: TestClient) -> None:
    assert "DUPONT ANNET" in clerk_client.get("/rt/Insured/view", params={"code": str(DUPONT)}).text
    with writable.db.login("admin", ADMIN_PASSWORD) as other:
        assert other.open_db([("Insured", Mode.MODIFY_EXCLUSIVE), ("PRA", Mode.MODIFY_EXCLUSIVE)]).ok


def test_a_busy_record_type_is_waited_for_then_refused(
    writable: Company, clerk_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clerk_module, "OPEN_PATIENCE", 0.3)
    with writable.db.login("admin", ADMIN_PASSWORD) as other:
        assert other.open_db([("Insured", Mode.MODIFY_EXCLUSIVE)]).ok
        page = clerk_client.get("/rt/Insured/find", params={"key": "id", "code": str(DUPONT), "action": "find"})
        assert "601 opened elsewhere in an incompatible mode (OPEN DB entry 1)" in page.text
        released = threading.Timer(0.1, other.close_db)
        monkeypatch.setattr(clerk_module, "OPEN_PATIENCE", 5.0)
        released.start()
        try:  # the request waits with back-off until the other clerk closes, then answers
            page = clerk_client.get("/rt/Insured/find", params={"key": "id", "code": str(DUPONT), "action": "find"})
        finally:
            released.join()
        assert "DUPONT ANNET" in page.text
