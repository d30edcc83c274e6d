"""``assurdb.create`` / ``assurdb.connect``: pick the generated interface from the URL (SPEC §4, §10)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from assurdb.metadb.errors import MetaDBError, SchemaMismatchError
from assurdb.runtime.database import Database, open_database

#: URL scheme (before any ``+driver``) → DBMS of the generated package.
SCHEMES = {
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}
#: Default drivers, so that ``postgresql://`` and ``mysql://`` URLs use the installed ones.
DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


def backend_of(url: str) -> str:
    """The DBMS a URL names: ``sqlite``, ``duckdb``, ``postgresql`` or ``mariadb``."""
    if not isinstance(url, str) or "://" not in url:
        raise MetaDBError(f"not a database URL: {url!r} (e.g. sqlite:///company.db, duckdb:///company.duckdb)")
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    try:
        return SCHEMES[scheme]
    except KeyError:
        raise MetaDBError(f"unsupported database URL scheme {scheme!r} (sqlite, duckdb, postgresql, mysql)") from None


def _normalise(url: str) -> str:
    backend_of(url)  # a clear error for what is not a URL we serve
    scheme, rest = url.split("://", 1)
    return f"{DEFAULT_DRIVERS.get(scheme.lower(), scheme)}://{rest}"


def package(schema: str, dbms: str) -> ModuleType:
    """The generated package ``generated.<schema>.<dbms>``."""
    try:
        return importlib.import_module(f"assurdb.generated.{schema}.{dbms}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("generated"):
            raise MetaDBError(
                f"no generated interface for schema {schema!r} on {dbms}: run `assurdb generate --schema {schema}`"
            ) from exc
        raise


def create(url: str, schema: str = "insurance", admin_password: str | None = None) -> Any:
    """A new database at ``url``: physical schema, meta-database and the user ``admin``."""
    if not admin_password:
        raise MetaDBError("assurdb.create needs admin_password=… (the password of the user 'admin')")
    url = _normalise(url)
    return open_database(package(schema, backend_of(url)), url, create=True, admin_password=admin_password)


def connect(url: str, schema: str | None = None) -> Database:
    """An existing database; its schema fingerprint must match the generated interface's
    (``SchemaMismatchError`` says whether to migrate or regenerate)."""
    url = _normalise(url)
    dbms = backend_of(url)
    if schema is not None:
        return open_database(package(schema, dbms), url)
    try:
        return open_database(package("insurance", dbms), url)
    except SchemaMismatchError as exc:
        stored = str(exc).split("holds schema ", 1)
        if len(stored) == 2:
            name = stored[1].split("'", 2)[1]
            if name != "insurance":
                return open_database(package(name, dbms), url)
        raise
