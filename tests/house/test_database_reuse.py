"""The ``db`` fixture's reuse of server databases (tests/conftest.py, ``Templates.give_back``):
a database a test used comes back as the template made it, or is not reused at all."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import assurdb
from tests.conftest import ADMIN_PASSWORD, ServerNamespace, Templates, require_backend

SERVERS = pytest.mark.parametrize("backend", ["postgresql", "mariadb"])


def _insured(url: str, code: int) -> int:
    """WRITE of an insured, then READ DIRECT of it: the code read back."""
    db = assurdb.connect(url)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        assert s.open_db([("Insured", 2)]).ok
        written = int(s.write("Insured", {"code": code, "name": "Dupont"}).rc)
        read = int(s.read_direct("Insured", {"code": 1}).rc)
        s.close_db()
    finally:
        s.close()
        db.close()
    return written * 1000 + read


@SERVERS
def test_a_used_database_comes_back_empty(backend: str, namespaces: ServerNamespace, tmp_path: Path) -> None:
    require_backend(backend)
    templates = Templates(namespaces, tmp_path)
    url = templates.copy(backend, lambda: namespaces.url(backend, f"reuse{uuid.uuid4().hex[:6]}"))
    assert _insured(url, 1) == 0  # written, then found
    templates.give_back(backend, url)
    assert templates.pool[backend] and templates.copy(backend, None) == url and templates.reused == 1
    assert _insured(url, 2) == 400  # the first insured is gone; users and the schema are there
    templates.give_back(backend, url)


@SERVERS
@pytest.mark.parametrize("change", ["column", "open session"])
def test_a_changed_database_is_not_reused(
    backend: str, change: str, namespaces: ServerNamespace, tmp_path: Path
) -> None:
    require_backend(backend)
    templates = Templates(namespaces, tmp_path)
    url = templates.copy(backend, lambda: namespaces.url(backend, f"changed{uuid.uuid4().hex[:6]}"))
    engine = sa.create_engine(url)
    held: Any = engine.connect()
    if change == "column":
        held.exec_driver_sql("ALTER TABLE meta_user ADD COLUMN extra INTEGER")
        held.commit()
        held.close()
    templates.give_back(backend, url)
    assert templates.pool[backend] == [], f"a database with a {change} was reused"
    assert templates.copy(backend, lambda: namespaces.url(backend, f"changed{uuid.uuid4().hex[:6]}")) != url
    held.close()
    engine.dispose()
