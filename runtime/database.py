"""A database opened through a generated interface: creation, schema check, users, sessions.

:func:`open_database` picks the backend from the URL and the interface's half for that DBMS.
Creating a database lays out the physical schema and writes the meta-database (the schema's own
description, thesis VII.1.4) through the interface; connecting compares the schema the database
holds with the one the interface was generated from. Users and permissions are written through
the interface too (the first admin by :func:`open_database`, the others by an administrator's
session: :mod:`.administration`); ``login`` checks the scrypt hash, throttled per name tried
(:mod:`.throttle`), and returns a session holding the user's permissions.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from assurdb.metadb.contract import RC, Mode, Session
from assurdb.metadb.errors import MetaDBError
from assurdb.metadb.meta import META_NAME, SYSTEM_ONLY, meta_schema, schema_to_articles, version_articles, without_meta
from assurdb.metadb.model import Schema
from assurdb.runtime import throttle
from assurdb.runtime.backends import backend_for_url
from assurdb.runtime.core import SYSTEM_USER
from assurdb.runtime.errors import (
    AuthenticationError,
    BackendError,
    DatabaseExistsError,
    LoginLockedError,
    SchemaMismatchError,
    SchemaVersion,
)
from assurdb.runtime.openings import Openings
from assurdb.runtime.passwords import dummy_hash, hash_password, usable_text, verify_password
from assurdb.runtime.session import SessionCore
from assurdb.runtime.specs import Interface, RecordSpec

__all__ = ["ADMIN_USER", "SYSTEM_USER", "Database", "Stored", "open_database"]

ADMIN_USER = "admin"
#: Order in which the descriptive meta articles are written (origins before targets).
DESCRIPTIVE_ORDER = ("RecordType", "PathType", "Item", "AccessKey", "Statistics")
#: What the creation of a database opens and writes.
META_WRITE_ORDER = ("SchemaVersion", "SchemaText", *DESCRIPTIVE_ORDER, "User", "Permission")


def session_class(interface: Interface) -> type[SessionCore]:
    """The generated router of an interface: its session class."""
    module = importlib.import_module(f"{interface.package}.router")
    session: object = getattr(module, "Session", None)
    if not (isinstance(session, type) and issubclass(session, SessionCore)):
        raise BackendError(f"{interface.package}.router is not a generated router (no Session)")
    return session


class Database:
    """A database through its generated interface, on the backend its URL names."""

    def __init__(self, interface: Interface, url: str) -> None:
        backend = backend_for_url(url)
        self.interface = interface
        self.url = backend.normalise_url(url)
        self.compiled = interface.compiled(backend.name)
        self.session_class = session_class(interface)
        self.backend = backend(self.compiled, self.url)
        self.schema: Schema = interface.schema
        self.records: Mapping[str, RecordSpec] = self.compiled.records
        self.openings = Openings(self.compiled.openings)
        #: login throttling: its policy and clock (replaceable, e.g. by tests)
        self.throttle = throttle.LoginThrottle()
        self._closed = False

    @property
    def dbms(self) -> str:
        """The DBMS holding the database: ``sqlite``, ``postgresql``, ``mariadb`` or ``duckdb``."""
        return self.backend.name

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.backend.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ----------------------------------------------------------------------------
    def _session(self, user: str, permissions: Mapping[str, int]) -> SessionCore:
        return self.session_class(self, user, permissions)

    @contextmanager
    def system_session(self) -> Iterator[SessionCore]:
        """A session of the system itself, allowed everything: administration and set-up."""
        session = self._session(SYSTEM_USER, dict.fromkeys(self.records, int(Mode.MODIFY_EXCLUSIVE)))
        try:
            yield session
        finally:
            session.release()

    def login(self, user: str, password: str) -> Session:
        """A session for ``user``; a wrong password (or unknown / inactive user) raises
        :class:`~assurdb.runtime.errors.AuthenticationError`, a name locked by too many failures
        :class:`~assurdb.runtime.errors.LoginLockedError` (the policy: :mod:`.throttle`).

        Every refusal costs the same work, known name or not: an unknown name verifies against a
        dummy hash (user enumeration by timing) and counts as a failure of that name."""
        usable = usable_text(user) and usable_text(password) and user != SYSTEM_USER
        with self.system_session() as system:
            throttled = self.throttled
            if throttled:  # the system's own record type, written without OPEN DB: never waits
                system.opened[throttle.RECORD_TYPE] = int(Mode.MODIFY_EXCLUSIVE)
                until = self.throttle.locked_until(system, user)
                if until is not None:
                    raise LoginLockedError(user, until)
            found = system.fetch(self.records["User"], {"name": user}) if usable else None
            stored = found["password_hash"] if found is not None else dummy_hash()
            verified = verify_password(password if usable else "", stored)
            if found is None or not found["active"] or not verified:
                until = self.throttle.failed(system, user) if throttled else None
                raise AuthenticationError(user) if until is None else LoginLockedError(user, until)
            if throttled:
                self.throttle.succeeded(system, user)
            _, permissions = system.read_rights(user)
        return self._session(user, permissions)

    @property
    def throttled(self) -> bool:
        """Whether logins are throttled: the meta-database has ``LoginAttempt`` (meta-schema 4 on;
        an older one is read only by a migration that upgrades it)."""
        return throttle.RECORD_TYPE in self.records

    # -- creation ----------------------------------------------------------------------------
    def _install(self, admin_password: str) -> None:
        """Write the meta-database (the schema's description and history, the admin user and its
        permissions) through the interface, in one unit of work."""
        data = self.data_schema
        articles = schema_to_articles(self.schema, self.interface.meta_version)
        at, generator = now(), self.interface.generator_version
        version, parts = version_articles(data, applied_at=at, applied_by=ADMIN_USER, generator=generator)
        history = "SchemaText" in self.records  # the meta-schema's version 1 kept the current version only
        if not history:
            version = {k: version[k] for k in ("name", "version", "fingerprint", "generator", "label")}
            version["fingerprint"] = self.schema.fingerprint  # version 1 stored the whole interface's
            parts = []
        meta, _ = version_articles(
            meta_schema(self.interface.meta_version),
            applied_at=at,
            applied_by=ADMIN_USER,
            generator=generator,
            described=False,
        )
        with self.system_session() as system:
            reply = system.open_db([(rt, 2) for rt in META_WRITE_ORDER if rt in self.records])
            if reply.rc != RC.OK:
                raise MetaDBError(f"cannot open the meta-database: {reply.message}")
            system.begin()
            batches = [("SchemaVersion", [version, meta] if history else [version]), ("SchemaText", parts)]
            batches += [(rt, articles[rt]) for rt in DESCRIPTIVE_ORDER]
            batches += [
                ("User", [{"name": ADMIN_USER, "password_hash": hash_password(admin_password), "active": True}]),
                (
                    "Permission",
                    [
                        {"user": ADMIN_USER, "record_type": rt, "mode": 3}
                        for rt in self.records
                        if rt not in SYSTEM_ONLY
                    ],
                ),
            ]
            for rt, batch in batches:
                if batch:
                    reply = system.write_batch(rt, batch)
                    if reply.rc != RC.OK:
                        system.rollback()
                        raise MetaDBError(f"cannot write the meta-database ({rt}): {reply.message}")
            reply = system.commit()
            if reply.rc != RC.OK:
                raise MetaDBError(f"cannot write the meta-database: {reply.message}")
            system.close_db()

    @property
    def data_schema(self) -> Schema:
        """The interface's schema without the meta-schema's record and path types."""
        return without_meta(self.schema)

    def stored(self) -> Stored | None:
        """What the database holds: its current schema, the meta-schema's version, a migration
        underway; None when it holds no assurdb meta-database."""
        with self.system_session() as system:
            rows: list[Any] | None = None
            for sql in (self.compiled.schema_versions, self.compiled.legacy_schema_versions):
                try:
                    rows = system.conn.all(sql, ())
                    break
                except Exception:  # noqa: BLE001 - an older meta-database, or none at all
                    if system.conn.in_tx:
                        system.conn.rollback()
        if not rows:
            return None
        if len(rows[0]) == 3:  # the meta-schema's version 1: one row, the current schema
            name, version, fingerprint = rows[0]
            return Stored(SchemaVersion(str(name), int(version), str(fingerprint)), 1, None)
        data = migrating = None
        meta = 1
        for name, version, fingerprint, state in rows:
            found = SchemaVersion(str(name), int(version), str(fingerprint))
            if name == META_NAME:
                meta = max(meta, int(version)) if state == "current" else meta
            elif state == "current":
                data = found
            elif state == "migrating":
                migrating = found
        if data is None:
            return None
        return Stored(data, meta, migrating)

    def stored_schema(self) -> SchemaVersion | None:
        """The schema the database holds (name, version, fingerprint), or None when it holds none."""
        found = self.stored()
        return None if found is None else found.schema

    @property
    def built_from(self) -> SchemaVersion:
        """The schema the interface was generated from."""
        return SchemaVersion(self.interface.name, self.interface.version, self.interface.fingerprint)

    def check_schema(self) -> None:
        """Raise :class:`SchemaMismatchError` unless the database holds the interface's schema."""
        found = self.stored()
        mine = self.built_from
        meta = self.interface.meta_version
        stored = None if found is None else found.schema
        if (
            found is not None
            and stored is not None
            and (stored.name, stored.fingerprint) == (mine.name, mine.fingerprint)
            and found.meta_version == meta
            and found.migrating is None
        ):
            return
        safe = self.backend.safe_url()
        if found is None or stored is None:
            advice = "create it with `assurdb init URL`"
        elif found.migrating is not None:
            advice = (
                f"a migration to {found.migrating} is underway, or was interrupted: run "
                f"`assurdb migrate apply --db URL` with that schema's file again to finish it"
            )
        elif stored.name != mine.name:
            advice = (
                f"use an interface generated from schema {stored.name} "
                f"(`assurdb generate {stored.name}.yaml --out DIR`, then interface=… or --interface)"
            )
        elif found.meta_version < meta:
            advice = (
                f"its meta-database is at version {found.meta_version}, this assurdb's at {meta}: "
                "upgrade it with `assurdb migrate apply --db URL`"
            )
        elif found.meta_version > meta:
            advice = f"its meta-database is at version {found.meta_version}: upgrade assurdb, then regenerate"
        else:
            advice = (
                "migrate the database (`assurdb migrate apply --db URL SCHEMA_FILE`) if the schema changed, "
                "or regenerate the interface (`assurdb generate`) if the generator did"
            )
        raise SchemaMismatchError(
            safe, stored, mine, self.interface.package, advice,
            stored_meta=None if found is None else found.meta_version, interface_meta=meta,
        )  # fmt: skip


@dataclass(frozen=True)
class Stored:
    """What a database holds: its current schema, the meta-schema's version, a migration underway."""

    schema: SchemaVersion
    meta_version: int
    migrating: SchemaVersion | None


def now() -> str:
    """This moment in UTC, as the history keeps it (ISO 8601, seconds)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def open_database(
    interface: Interface, url: str, *, create: bool = False, admin_password: str | None = None
) -> Database:
    """Create (``create=True``) or connect to the database at ``url`` through ``interface``."""
    if not create:
        backend_for_url(url).require_existing(url)
    db = Database(interface, url)
    try:
        if create:
            if not admin_password:
                raise MetaDBError("creating a database needs an admin password")
            if db.stored() is not None:
                raise DatabaseExistsError(db.backend.safe_url())
            db.backend.create_tables()
            db._install(admin_password)
        else:
            db.check_schema()
    except BaseException:
        db.close()
        raise
    return db
