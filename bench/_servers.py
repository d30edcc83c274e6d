"""Scratch databases for the benchmarks, all removed at the end (also on errors).

SQLite and DuckDB: files in a temporary directory. PostgreSQL and MariaDB: the servers the test suite
uses (``ASSURDB_PG_URL``, ``ASSURDB_MYSQL_URL``, same defaults as ``tests/conftest.py``), each scratch
database a schema of its own (reached with ``?options=-csearch_path%3D<schema>``) or a database of its own
(``utf8mb4_nopad_bin``, as the suite creates it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from typing import Any

PG_URL = os.environ.get("ASSURDB_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("ASSURDB_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
SERVERS = {"postgresql": PG_URL, "mariadb": MYSQL_URL}


def unreachable(dbms: str) -> str | None:
    """Why the server of ``dbms`` cannot be used here, or None (file DBMSs always can)."""
    if dbms not in SERVERS:
        return None
    import sqlalchemy as sa

    url = SERVERS[dbms]
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as cx:
                cx.execute(sa.text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        first = (str(exc).splitlines() or [""])[0]
        return f"{dbms} server not reachable at {url} ({type(exc).__name__}: {first})"
    return None


def server_version(dbms: str) -> str:
    """The server's version string (PostgreSQL / MariaDB)."""
    import sqlalchemy as sa

    engine = sa.create_engine(SERVERS[dbms])
    try:
        with engine.connect() as cx:
            text = str(cx.execute(sa.text("SELECT version()")).scalar())
    finally:
        engine.dispose()
    return " ".join(text.split()[:2]) if dbms == "postgresql" else text


class Scratch:
    """Fresh, empty databases on demand (``fresh``), dropped by ``drop`` or all at ``close``."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="assurdb-bench-")
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        #: url → (dbms, file path or schema / database name)
        self.made: dict[str, tuple[str, str]] = {}
        self._admin: dict[str, Any] = {}

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _engine(self, dbms: str) -> Any:
        if dbms not in self._admin:
            import sqlalchemy as sa

            self._admin[dbms] = sa.create_engine(SERVERS[dbms], isolation_level="AUTOCOMMIT")
        return self._admin[dbms]

    def _sql(self, dbms: str, statement: str) -> None:
        import sqlalchemy as sa

        with self._engine(dbms).connect() as cx:
            cx.execute(sa.text(statement))

    def fresh(self, dbms: str) -> str:
        """The URL of a new, empty database on ``dbms``."""
        self.count += 1
        name = f"assurdb_bench_{self.run}_{self.count}"
        if dbms in ("sqlite", "duckdb"):
            path = os.path.join(self.dir, f"{name}.{'db' if dbms == 'sqlite' else 'duckdb'}")
            url = f"{dbms}:///{path}"
            self.made[url] = (dbms, path)
            return url
        if dbms == "postgresql":
            self._sql(dbms, f'CREATE SCHEMA "{name}"')
            sep = "&" if "?" in PG_URL else "?"
            url = f"{PG_URL}{sep}options=-csearch_path%3D{name}"
        else:
            self._sql(dbms, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin")
            url = f"{MYSQL_URL.rsplit('/', 1)[0]}/{name}"
        self.made[url] = (dbms, name)
        return url

    def drop(self, url: str) -> None:
        """Remove one scratch database now (every connection to it must be closed)."""
        dbms, where = self.made.pop(url)
        if dbms in ("sqlite", "duckdb"):
            for suffix in ("", "-wal", "-shm", "-journal", ".wal"):
                if os.path.exists(where + suffix):
                    os.remove(where + suffix)
        elif dbms == "postgresql":
            self._sql(dbms, f'DROP SCHEMA IF EXISTS "{where}" CASCADE')
        else:
            self._sql(dbms, f"DROP DATABASE IF EXISTS `{where}`")

    def close(self) -> None:
        """Drop everything still there; a failure is printed, never hidden."""
        for url in list(self.made):
            try:
                self.drop(url)
            except Exception as exc:  # noqa: BLE001 - best effort at exit, but said
                print(f"(could not drop scratch database {self.made.get(url, ('?', url))[1]}: {exc})")
                self.made.pop(url, None)
        for engine in self._admin.values():
            engine.dispose()
        self._admin.clear()
        shutil.rmtree(self.dir, ignore_errors=True)
