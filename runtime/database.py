"""A database opened through a generated interface: creation, schema check, users, sessions.

``create`` lays out the physical schema and writes the meta-database (the schema's own
description, thesis VII.1.4) through the interface; ``connect`` compares the fingerprint the
database holds with the generated package's (SPEC §4). Users and permissions are written
through the interface too, by a system session; ``login`` checks the scrypt hash and returns a
:class:`~metadb.contract.Session` holding the user's permissions.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from assurdb.metadb.contract import RC, Mode, Reply
from assurdb.metadb.errors import AuthenticationError, MetaDBError, SchemaMismatchError
from assurdb.metadb.meta import schema_to_articles
from assurdb.metadb.model import Schema
from assurdb.runtime.batch import fast_columns, insert_sql, needs_notes
from assurdb.runtime.drivers import DRIVERS, Driver
from assurdb.runtime.passwords import hash_password, verify_password
from assurdb.runtime.session import Core, refuse
from assurdb.runtime.specs import RecordSpec

SYSTEM_USER = "system"
ADMIN_USER = "admin"
#: Order in which the meta-database describing a schema is written (origins before targets).
META_WRITE_ORDER = ("SchemaVersion", "RecordType", "PathType", "Item", "AccessKey", "Statistics")
#: How long administration waits for a meta record type another session holds (600+i).
ADMIN_TIMEOUT = 30.0


class Openings:
    """The openings of one database, shared by every process using it (SPEC §3.3)."""

    def __init__(self, package: ModuleType) -> None:
        self.sql = package.OPENINGS
        self.local = threading.Lock()

    def _conflict(
        self, session: Core, rows: list[tuple[Any, ...]], wanted: Mapping[str, int]
    ) -> tuple[set[str], tuple[str, str] | None]:
        """The live sessions among other sessions' openings, and the first conflict with them."""
        others = [r for r in rows if r[0] != session.id]
        alive = session.alive_check([(r[0], r[4]) for r in others]) if others else set()
        for rt, mode in wanted.items():
            for row in others:
                if row[0] in alive and row[1] == rt and not Mode(mode).compatible_with(Mode(int(row[3]))):
                    return alive, (rt, str(row[2]))
        return alive, None

    def _rows(self, session: Core, wanted: Mapping[str, int]) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for rt in wanted:
            rows.extend(tuple(r) for r in session.driver.all(self.sql["select_rt"], (rt,)))
        return rows

    def acquire(self, session: Core, wanted: Mapping[str, int]) -> tuple[str, str] | None:
        """Open ``wanted`` for ``session`` or answer the first conflicting (record type, user).

        A first look without locks answers a conflict with a live holder at once — on SQLite a
        writer inside a unit holds the file's write lock, and 600+i must not wait for it. Only
        a compatible request takes the lock, looks again, reclaims the dead and writes.
        """
        d = session.driver
        _, conflict = self._conflict(session, self._rows(session, wanted), wanted)
        if conflict is not None:
            return conflict
        with self.local:
            d.begin_openings()
            try:
                # Serialise OPEN DB (SPEC §3.3): lock the record types' rows in name order
                # (FOR UPDATE on PostgreSQL and MariaDB; SQLite's BEGIN IMMEDIATE already does).
                for rt in sorted(wanted):
                    d.all(self.sql["lock"], (rt,))
                rows = self._rows(session, wanted)
                alive, conflict = self._conflict(session, rows, wanted)
                if conflict is not None:
                    d.rollback()
                    return conflict
                for row in rows:
                    if row[0] != session.id and row[0] not in alive:
                        d.run(self.sql["delete"], (row[0], row[1]))  # a dead holder's opening: reclaimed
                holder = d.holder()
                for rt, mode in wanted.items():
                    d.run(self.sql["delete"], (session.id, rt))
                    d.run(self.sql["insert"], (session.id, rt, session.user, mode, holder))
                d.commit()
            except BaseException:
                if d.in_tx:
                    d.rollback()
                raise
        return None

    def release(self, session: Core, rts: Sequence[str]) -> None:
        if not rts:
            return
        d = session.driver
        with self.local:
            d.begin_openings()
            try:
                for rt in rts:
                    d.run(self.sql["delete"], (session.id, rt))
                d.commit()
            except BaseException:
                if d.in_tx:
                    d.rollback()
                raise


class Database:
    """A database through its generated interface (``package``)."""

    def __init__(self, package: ModuleType, url: str) -> None:
        self.package = package
        self.url = url
        self.schema: Schema = package.schema()
        self.records: Mapping[str, RecordSpec] = package.RECORDS
        self.openings = Openings(package)
        self._closed = False

    # -- connections (relational: a SQLAlchemy engine's pool; DuckDB overrides) -------------
    def _engine(self) -> Any:
        raise NotImplementedError

    def driver(self) -> Driver:
        raise NotImplementedError

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ----------------------------------------------------------------------------
    def _session(self, user: str, permissions: Mapping[str, int]) -> Any:
        return self.package.Session(self, self.driver(), user, permissions, self.records, self.package.PATHS)

    @contextmanager
    def system_session(self) -> Iterator[Any]:
        """A session of the system itself, allowed everything: administration and set-up."""
        session = self._session(SYSTEM_USER, dict.fromkeys(self.records, int(Mode.MODIFY_EXCLUSIVE)))
        try:
            yield session
        finally:
            session.release()

    def login(self, user: str, password: str) -> Any:
        """A session for ``user``; a wrong password (or unknown / inactive user) raises."""
        with self.system_session() as system:
            found = self._read(system, "User", {"name": user})
            if found is None or not found["active"] or not verify_password(password, found["password_hash"]):
                raise AuthenticationError(f"login refused for user {user!r}: unknown user, wrong password or inactive")
            permissions = self._permissions(system, user)
        return self._session(user, permissions)

    def _read(self, session: Core, rt: str, ident: Mapping[str, Any]) -> dict[str, Any] | None:
        return session.fetch(self.records[rt], ident)

    def _permissions(self, session: Core, user: str) -> dict[str, int]:
        spec = self.records["Permission"]
        out: dict[str, int] = {}
        current: dict[str, Any] = {"user": user}
        while True:
            reply = session.do_read_sequential(
                spec,
                self.package.read_sequential.AFTER["Permission"],
                self.package.read_sequential.NEXT["Permission"],
                current,
                "id",
            )
            if reply.rc != RC.OK or reply.article is None or reply.article["user"] != user:
                return out
            out[reply.article["record_type"]] = int(reply.article["mode"])
            current = reply.article

    def _admin(self, openings: list[tuple[str, int]], work: Any) -> Reply:
        """Run administration through the interface, waiting (back-off) for busy meta record types."""
        deadline = time.monotonic() + ADMIN_TIMEOUT
        delay = 0.01
        with self.system_session() as system:
            while True:
                reply: Reply = system.open_db(openings)
                if reply.rc == RC.OK:
                    break
                if not 600 < reply.rc < 700 or time.monotonic() > deadline:
                    raise MetaDBError(f"administration failed: {reply.message} (code {int(reply.rc)})")
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
            result: Reply = work(system)
            system.close_db()
        if result.rc != RC.OK:
            raise MetaDBError(f"administration failed: {result.message} (code {int(result.rc)})")
        return result

    def add_user(self, name: str, password: str, *, active: bool = True) -> None:
        """Create a user (its password kept only as a salted scrypt hash)."""
        if not isinstance(password, str) or not password:
            raise MetaDBError("a password is required")
        article = {"name": name, "password_hash": hash_password(password), "active": active}
        self._admin([("User", 2)], lambda s: s.write("User", article))

    def grant(self, user: str, rt: str, mode: int) -> None:
        """Allow ``user`` to open ``rt`` up to ``mode`` (1, 2 or 3); granting again replaces it."""
        if rt not in self.records:
            raise MetaDBError(f"record type {rt!r} is unknown")
        if isinstance(mode, bool) or mode not in (1, 2, 3):
            raise MetaDBError(f"mode must be 1, 2 or 3, not {mode!r}")

        def work(s: Any) -> Reply:
            article = {"user": user, "record_type": rt, "mode": int(mode)}
            found = s.read_direct("Permission", {"user": user, "record_type": rt})
            if found.rc == RC.OK:
                rewritten: Reply = s.rewrite("Permission", article)
                return rewritten
            reply: Reply = s.write("Permission", article)
            if reply.rc == RC.NOT_FOUND:
                return refuse(RC.NOT_FOUND, f"no user {user!r}")
            return reply

        self._admin([("User", 1), ("Permission", 2)], work)

    # -- creation ----------------------------------------------------------------------------
    def _install(self, admin_password: str) -> None:
        """Write the meta-database (schema description, admin user, permissions) through the interface."""
        articles = schema_to_articles(self.schema, generator=self.package.GENERATOR_VERSION)
        with self.system_session() as system:
            reply = system.open_db([(rt, 2) for rt in (*META_WRITE_ORDER, "User", "Permission")])
            if reply.rc != RC.OK:
                raise MetaDBError(f"cannot open the meta-database: {reply.message}")
            system.begin()
            for rt in META_WRITE_ORDER:
                if articles[rt]:
                    reply = system.write_batch(rt, articles[rt])
                    if reply.rc != RC.OK:
                        system.rollback()
                        raise MetaDBError(f"cannot write the meta-database ({rt}): {reply.message}")
            system.write("User", {"name": ADMIN_USER, "password_hash": hash_password(admin_password), "active": True})
            reply = system.write_batch(
                "Permission",
                [{"user": ADMIN_USER, "record_type": rt, "mode": 3} for rt in self.records],
            )
            if reply.rc != RC.OK:
                system.rollback()
                raise MetaDBError(f"cannot write the admin's permissions: {reply.message}")
            reply = system.commit()
            if reply.rc != RC.OK:
                raise MetaDBError(f"cannot write the meta-database: {reply.message}")
            system.close_db()

    def stored_fingerprint(self) -> tuple[str, str] | None:
        """(schema name, fingerprint) the database holds, or None when it holds none."""
        with self.system_session() as system:
            try:
                rows = system.driver.all(self.package.SCHEMA_VERSION_SELECT, ())
            except Exception:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
                if system.driver.in_tx:
                    system.driver.rollback()
                return None
        if len(rows) != 1:
            return None
        return str(rows[0][0]), str(rows[0][1])

    def check_schema(self) -> None:
        stored = self.stored_fingerprint()
        if stored is None:
            raise SchemaMismatchError(
                f"{_safe(self.url)} holds no assurdb meta-database: create it with `assurdb init URL --schema NAME`"
            )
        name, fingerprint = stored
        if name != self.package.SCHEMA_NAME or fingerprint != self.package.FINGERPRINT:
            raise SchemaMismatchError(
                f"{_safe(self.url)} holds schema {name!r} with fingerprint {fingerprint[:12]}…, but the generated "
                f"interface was built from {self.package.SCHEMA_NAME!r} {self.package.FINGERPRINT[:12]}…: migrate the "
                "database (`assurdb migrate`) if the schema changed, or regenerate the interface (`assurdb generate`) "
                "if the templates did"
            )

    # -- batches and write counters (DuckDB overrides) -----------------------------------------
    def batch_writer(self, session: Core, spec: RecordSpec, articles: Sequence[Any]) -> Reply:
        """WRITE BATCH on a relational DBMS: check every article (column-wise when it can, see
        :mod:`generator.runtime.batch`), insert all with one ``executemany``; if the DBMS refuses
        (a duplicate, a missing origin, a 1-1 clash), find the first refused article with the
        same checks as WRITE, in order (SPEC §3.1)."""
        fast = fast_columns(session, spec, articles)
        if fast is not None:
            names, plain, encoded = fast
            denied = _origins_open_columns(session, spec, plain)
            if denied is not None:
                return denied
            rows = list(zip(*(encoded[n] for n in names), strict=True))
            sql = insert_sql(self.package.DBMS, spec.table, names)
            refused = self._insert(session, spec, sql, rows, lambda: session.check_batch(spec, articles)[0])
            if refused is not None:
                return refused
            if needs_notes(session, spec):
                idents = zip(*(plain[i] for i in spec.ident), strict=True)
                for ident in idents:
                    session.note_new(spec, dict(zip(spec.ident, ident, strict=True)))
            session.dirty.add(spec.table)
            return Reply(RC.OK, None, f"{len(rows)} article(s) written")
        values, refusal = session.check_batch(spec, articles)
        if refusal is not None:
            earlier = session.diagnose_batch(spec, values, len(values))
            return earlier or refusal
        denied = _origins_open(session, spec, values)
        if denied is not None:
            return denied
        encode = spec.encode
        refused = self._insert(session, spec, spec.insert.sql, [encode(v) for v in values], lambda: values)
        if refused is not None:
            return refused
        session.dirty.add(spec.table)
        session.note_batch(spec, values)
        return Reply(RC.OK, None, f"{len(values)} article(s) written")

    def _insert(self, session: Core, spec: RecordSpec, sql: str, rows: list[Any], checked: Any) -> Reply | None:
        """One ``executemany``; a refusal by the DBMS is diagnosed article by article."""
        d = session.driver
        inside = session.in_unit
        if inside:
            d.savepoint("assurdb_batch")
        try:
            d.run_many(sql, rows)
        except Exception as exc:
            if not d.is_integrity_error(exc):
                raise
            if inside:
                d.rollback_to("assurdb_batch")
            else:
                d.rollback()
                d.begin()
            values = checked()
            found = session.diagnose_batch(spec, values, len(values))
            if found is not None:
                return found
            raise
        if inside:
            d.release("assurdb_batch")
        return None

    def note_writes(self, session: Core) -> None:
        """Committed writes to ``session.dirty`` tables (DuckDB's snapshots listen)."""


def _origins_open_columns(session: Core, spec: RecordSpec, columns: Mapping[str, list[Any]]) -> Reply | None:
    for path_name in spec.stored_paths:
        path = session.paths[path_name]
        held = [columns.get(t) for t in path.target_items]
        if held[0] is not None and any(v is not None for v in held[0]):
            denied = session.need_open(path.origin, write=False)
            if denied is not None:
                return denied
    return None


def _origins_open(session: Core, spec: RecordSpec, values: Sequence[Mapping[str, Any]]) -> Reply | None:
    """600 for a batch whose articles name origins of record types this session has not opened."""
    for path_name in spec.stored_paths:
        path = session.paths[path_name]
        first = path.target_items[0]
        if any(v.get(first) is not None for v in values):
            denied = session.need_open(path.origin, write=False)
            if denied is not None:
                return denied
    return None


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


class RelationalDatabase(Database):
    """SQLite, PostgreSQL or MariaDB through a SQLAlchemy engine's pool."""

    def __init__(self, package: ModuleType, url: str) -> None:
        super().__init__(package, url)
        import sqlalchemy as sa

        kwargs: dict[str, Any] = {}
        if package.DBMS == "sqlite":
            path = sa.engine.make_url(url).database
            if not path or path == ":memory:":
                raise MetaDBError("SQLite needs a database file (sqlite:///path/to/file.db): sessions share it")
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        self.engine = sa.create_engine(url, **kwargs)
        if package.DBMS == "sqlite":
            sidecar = f"{path}-openings"
            sa.event.listen(self.engine, "connect", lambda cx, _record: _sqlite_connect(cx, sidecar, package))

    def driver(self) -> Driver:
        raw = self.engine.raw_connection()
        return DRIVERS[self.package.DBMS](raw, raw.driver_connection)

    def create_tables(self) -> None:
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement in self.package.DDL:
                cur.execute(statement)
            raw.commit()
        finally:
            raw.close()

    def close(self) -> None:
        super().close()
        self.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, sidecar: str, package: ModuleType) -> None:
    """Every SQLite connection: foreign keys on, WAL, and the openings file attached (its table
    created if the file is new — openings are transient: a lost file only loses dead openings)."""
    isolation = dbapi_connection.isolation_level
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("ATTACH DATABASE ? AS openings", (sidecar,))
    cur.execute("PRAGMA openings.journal_mode=WAL")
    cur.execute("PRAGMA openings.synchronous=NORMAL")
    for statement in package.OPENINGS_DDL:
        cur.execute(statement)
    cur.close()
    dbapi_connection.isolation_level = isolation


def open_database(
    package: ModuleType, url: str, *, create: bool = False, admin_password: str | None = None
) -> Database:
    """Create or connect to the database at ``url`` through ``package``."""
    if package.DBMS == "duckdb":
        from assurdb.runtime.duck import DuckDatabase

        db: Database = DuckDatabase(package, url)
    else:
        db = RelationalDatabase(package, url)
    try:
        if create:
            if not admin_password:
                raise MetaDBError("creating a database needs an admin password")
            if db.stored_fingerprint() is not None:
                raise MetaDBError(f"{_safe(url)} already holds an assurdb database")
            db.create_tables()  # type: ignore[attr-defined]
            db._install(admin_password)
        else:
            db.check_schema()
    except BaseException:
        db.close()
        raise
    return db
