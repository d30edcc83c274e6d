"""Shared fixtures: one conformance suite, parametrised over every backend (Ibis's ``con`` fixture).

``backend`` is one of ``sqlite``, ``duckdb``, ``postgresql``, ``mariadb``. PostgreSQL and
MariaDB are real servers (DEVELOPERS.md rule 6), read from ``ASSURDB_PG_URL`` and
``ASSURDB_MYSQL_URL``; each test run (and each xdist worker) isolates itself in a schema /
database of its own, dropped at the end. Without the servers those tests are skipped with the
reason — unless ``ASSURDB_REQUIRE_SERVERS=1`` (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI is reproducible: property tests draw the same examples every run (``make soak`` explores).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("ASSURDB_REQUIRE_SERVERS") == "1" and os.environ.get("ASSURDB_SOAK") != "1":
    settings.load_profile("ci")

BACKENDS = ("sqlite", "duckdb", "postgresql", "mariadb")
PG_URL = os.environ.get("ASSURDB_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("ASSURDB_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REQUIRE = os.environ.get("ASSURDB_REQUIRE_SERVERS") == "1"
ADMIN_PASSWORD = "admin-secret"
RUN = uuid.uuid4().hex[:8]


def _server_problem(backend: str) -> str | None:
    """Why a server backend cannot be used here, or None."""
    import sqlalchemy as sa

    url = PG_URL if backend == "postgresql" else MYSQL_URL
    try:
        engine = sa.create_engine(url)
        with engine.connect() as cx:
            cx.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{backend} server not reachable at {url} ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    return None


_PROBLEMS: dict[str, str | None] = {}


def require_backend(backend: str) -> None:
    if backend not in ("postgresql", "mariadb"):
        return
    if backend not in _PROBLEMS:
        _PROBLEMS[backend] = _server_problem(backend)
    problem = _PROBLEMS[backend]
    if problem:
        if REQUIRE:
            pytest.fail(f"ASSURDB_REQUIRE_SERVERS=1 but {problem}")
        pytest.skip(problem)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class ServerNamespace:
    """A PostgreSQL schema or MariaDB database of this run, created on demand, dropped at exit."""

    def __init__(self) -> None:
        self.created: list[tuple[str, str]] = []

    def url(self, backend: str, tag: str) -> str:
        import sqlalchemy as sa

        name = f"assurdb_{RUN}_{_worker()}_{tag}".lower()
        if backend == "postgresql":
            engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as cx:
                cx.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                cx.execute(sa.text(f'CREATE SCHEMA "{name}"'))
            engine.dispose()
            self.created.append((backend, name))
            sep = "&" if "?" in PG_URL else "?"
            return f"{PG_URL}{sep}options=-csearch_path%3D{name}"
        engine = sa.create_engine(MYSQL_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as cx:
            cx.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
            cx.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"))
        engine.dispose()
        self.created.append((backend, name))
        base = MYSQL_URL.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop_all(self) -> None:
        import sqlalchemy as sa

        for backend, name in self.created:
            url = PG_URL if backend == "postgresql" else MYSQL_URL
            try:
                engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
                with engine.connect() as cx:
                    if backend == "postgresql":
                        cx.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                    else:
                        cx.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
                engine.dispose()
            except Exception:  # noqa: BLE001 - best effort at exit
                pass


@pytest.fixture(scope="session")
def namespaces() -> Iterator[ServerNamespace]:
    spaces = ServerNamespace()
    yield spaces
    spaces.drop_all()


@pytest.fixture
def make_url(backend: str, namespaces: ServerNamespace, tmp_path: Path) -> Any:
    """A factory of fresh, empty database URLs for ``backend`` (several per test if needed)."""
    require_backend(backend)
    counter = iter(range(1000))

    def make(tag: str = "") -> str:
        n = next(counter)
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'db{n}{tag}.db'}"
        if backend == "duckdb":
            return f"duckdb:///{tmp_path / f'db{n}{tag}.duckdb'}"
        return namespaces.url(backend, f"{uuid.uuid4().hex[:6]}{n}")

    return make


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(make_url: Any) -> Iterator[Any]:
    """A new insurance database on the backend, with the user ``admin``."""
    import assurdb

    database = assurdb.create(make_url(), schema="insurance", admin_password=ADMIN_PASSWORD)
    yield database
    database.close()


@pytest.fixture
def admin(db: Any) -> Iterator[Any]:
    """A session of ``admin`` (every record type up to mode 3)."""
    session = db.login("admin", ADMIN_PASSWORD)
    yield session
    session.close()
