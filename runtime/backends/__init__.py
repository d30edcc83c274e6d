"""One backend class per DBMS, and the registry that picks one from a URL.

``BACKENDS`` lists them by name (the name of their module in a generated package too); a URL's
scheme (``sqlite``, ``duckdb``, ``postgresql``, ``mysql``…, before any ``+driver``) names the
backend whose ``schemes`` hold it. Adding a DBMS means adding a backend class here.
"""

from __future__ import annotations

import sqlalchemy as sa

from assurdb.runtime.backends.base import Backend, without_password
from assurdb.runtime.backends.duckdb import DuckDBBackend
from assurdb.runtime.backends.mariadb import MariaDBBackend
from assurdb.runtime.backends.postgresql import PostgreSQLBackend
from assurdb.runtime.backends.sqlite import SQLiteBackend
from assurdb.runtime.errors import BackendError

#: Every backend, by name, in the order interfaces are generated.
BACKENDS: dict[str, type[Backend]] = {
    cls.name: cls for cls in (SQLiteBackend, PostgreSQLBackend, MariaDBBackend, DuckDBBackend)
}
ALL_BACKENDS: tuple[str, ...] = tuple(BACKENDS)


def backend_class(name: str) -> type[Backend]:
    try:
        return BACKENDS[name]
    except KeyError:
        raise BackendError(f"unknown DBMS {name!r} (known: {', '.join(BACKENDS)})") from None


def backend_for_url(url: object) -> type[Backend]:
    """The backend class a database URL names (``sqlite:///company.db`` → SQLite)."""
    if not isinstance(url, str) or "://" not in url:
        raise BackendError(f"not a database URL: {url!r} (e.g. sqlite:///company.db, duckdb:///company.duckdb)")
    try:
        sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise BackendError(f"not a database URL: {without_password(url)!r} ({exc})") from None
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    for cls in BACKENDS.values():
        if scheme in cls.schemes:
            return cls
    known = ", ".join(s for cls in BACKENDS.values() for s in cls.schemes)
    raise BackendError(f"unsupported database URL scheme {scheme!r} (known: {known})")


__all__ = ["ALL_BACKENDS", "BACKENDS", "Backend", "backend_class", "backend_for_url"]
