"""``migrate plan`` and ``migrate apply``: a database upgraded (or downgraded) in place.

1. The database says what it holds: its current schema (rebuilt from its own description — the
   meta-database keeps every version it held), its meta-schema's version, a migration underway.
2. The plan compares that with the schema file (:mod:`assurdb.metadb.migration`); the meta-schema
   is upgraded in the same plan when the database's is older.
3. The data is asked: every article of a changed record type is converted (a dry run), which
   finds what would be lost, what does not fit, what a new constraint would refuse.
4. Applying runs the physical operations on the backend (one transaction where the DBMS allows),
   then rewrites the meta-database — the new version current, the former kept as history — through
   the new version's requests, on the migration's own connection, before it commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assurdb.metadb.loader import builtin_names, builtin_versions, load, parse
from assurdb.metadb.meta import (
    DESCRIPTIVE,
    META_NAME,
    SYSTEM_ONLY,
    meta_schema,
    schema_from_articles,
    schema_from_parts,
    schema_to_articles,
    version_articles,
    with_meta,
    without_meta,
)
from assurdb.metadb.migration import Plan, plan
from assurdb.metadb.model import Schema
from assurdb.metadb.physical import transform
from assurdb.metadb.progress import Progress
from assurdb.migrations.interfaces import interface_for
from assurdb.migrations.physical import Physical, operations
from assurdb.migrations.transform import MigrationError
from assurdb.runtime.backends import Backend, backend_for_url
from assurdb.runtime.connection import Connection
from assurdb.runtime.database import ADMIN_USER, SYSTEM_USER, Database, Stored
from assurdb.runtime.errors import NotAdministratorError
from assurdb.runtime.session import SessionCore

#: A tiny schema whose interface reads any database's meta-database (its data tables aside).
_PROBE = """
format: 1
schema: assurdb_probe
version: 1
record_types:
  Probe:
    items:
      id: {type: numeric, length: 1, mandatory: true}
    identifier: [id]
"""
#: Descriptive meta record types, written in this order (origins first).
_DESCRIPTIVE_ORDER = ("RecordType", "PathType", "Item", "AccessKey", "Statistics")
#: Examples shown per finding.
EXAMPLES = 5


@dataclass
class Finding:
    """What the data says about a change: ``kind`` is ``loses data``, ``needs a default`` or
    ``refused`` (a constraint the data breaks, a value that does not fit)."""

    kind: str
    subject: str
    text: str
    examples: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        shown = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.kind:<16} {self.subject:<40} {self.text}{shown}"


@dataclass
class Report:
    """A migration's plan, what the data says, and the physical steps on the database's DBMS."""

    url: str
    stored: Stored
    plan: Plan
    findings: list[Finding]
    steps: list[str]
    allow_data_loss: bool = False
    applied: bool = False
    #: the reports of the earlier versions a stepwise ``migrate_apply`` went through
    previous: tuple[Report, ...] = ()

    @property
    def refusals(self) -> list[Finding]:
        """What stops the migration (data loss only without ``allow_data_loss``)."""
        return [f for f in self.findings if f.kind != "loses data" or not self.allow_data_loss]

    @property
    def meta_upgrade(self) -> tuple[int, int] | None:
        current = meta_schema().version
        return None if self.stored.meta_version == current else (self.stored.meta_version, current)

    def text(self) -> str:
        lines = [f"{r.text()}\n" for r in self.previous]
        lines.append(self.plan.describe())
        upgrade = self.meta_upgrade
        if upgrade is not None:
            lines.append(f"the meta-database is upgraded from version {upgrade[0]} to {upgrade[1]} first")
        if self.findings:
            lines.append("")
            lines.append("what the data says:")
            lines.extend(f"  {f}" for f in self.findings)
        if self.steps:
            lines.append("")
            lines.append(f"on {backend_for_url(self.url).label}: {len(self.steps)} step(s)")
            lines.extend(f"  {n:>3}. {s}" for n, s in enumerate(self.steps, start=1))
        if self.refusals:
            lines.append("")
            lines.append("refused: " + "; ".join(f"{f.subject}: {f.text}" for f in self.refusals))
            if any(f.kind == "loses data" for f in self.refusals):
                lines.append("(to go on and lose that data: --allow-data-loss)")
        elif self.applied:
            lines.append(f"\napplied: the database holds {self.plan.new.name} v{self.plan.new.version}")
        return "\n".join(lines)


class Conversion:
    """From one version of a schema to another on one DBMS: the plan, both versions' interfaces,
    the physical operations, and the meta-database the new version writes. Needs no database."""

    def __init__(self, old_schema: Schema, old_meta: int, new_schema: Schema, backend: type[Backend]) -> None:
        self.backend = backend
        self.old_schema, self.new_schema = old_schema, new_schema
        self.old_meta = old_meta
        self.old_full = with_meta(old_schema, old_meta)
        self.new_full = with_meta(new_schema)
        self.plan = plan(self.old_full, self.new_full)
        self.old_interface, self.old_compiled = interface_for(old_schema, backend.name, old_meta)
        self.new_interface, self.new_compiled = interface_for(new_schema, backend.name)
        family = backend.family
        self.physical: Physical = operations(
            self.plan,
            transform(self.old_full, family),
            transform(self.new_full, family),
            self.old_compiled.records,
            self.new_compiled.records,
            self.new_compiled.paths,
            alters=backend.alters,
        )

    def rewrite(self, db: Database, connection: Connection, clear: Callable[[str], None], user: str) -> None:
        """The meta-database of the new version, written through its requests on ``connection``."""
        records = db.compiled.records
        for rt in reversed(_DESCRIPTIVE_ORDER):  # targets before their origins (foreign keys)
            clear(records[rt].table)
        session = db.session_class(db, SYSTEM_USER, dict.fromkeys(records, 3), connection)
        session.opened.update(dict.fromkeys(records, 3))
        session.in_unit = True
        try:
            self._write_meta(session, user)
            failure = session._check_pending()
            if failure is not None:
                raise MigrationError(f"the migrated meta-database is refused: {failure.message}")
        finally:
            session.opened.clear()
            session.closed = True

    def _write_meta(self, s: SessionCore, user: str) -> None:
        def ok(reply: Any, what: str) -> None:
            if not reply.ok:
                raise MigrationError(f"cannot write the meta-database ({what}): {reply.message}")

        articles = schema_to_articles(self.new_full)
        for rt in _DESCRIPTIVE_ORDER:
            if articles[rt]:
                ok(s.write_batch(rt, articles[rt]), rt)
        at = _now()
        versions = {(v["name"], v["version"]): v for v in _read_all(s, "SchemaVersion")}
        texts = {(t["name"], t["version"]) for t in _read_all(s, "SchemaText")}
        # the former version: its description kept (a database of meta-schema 1 kept none yet)
        old = self.old_schema
        former = versions.get((old.name, old.version))
        if (old.name, old.version) not in texts:
            head, parts = version_articles(old, state="former")
            if parts:
                ok(s.write_batch("SchemaText", parts), "SchemaText")
                texts.add((old.name, old.version))
            if former is not None:
                ok(s.rewrite("SchemaVersion", {**former, "parts": len(parts)}), "SchemaVersion")
            else:
                ok(s.write("SchemaVersion", head), "SchemaVersion")
        for (name, version), row in versions.items():
            is_new = (name, version) == (self.new_schema.name, self.new_schema.version)
            if row["state"] == "current" and not is_new and (name != META_NAME or meta_schema().version != version):
                ok(s.rewrite("SchemaVersion", {"name": name, "version": version, "state": "former"}), "former")
        new = self.new_schema
        head, parts = version_articles(new, applied_at=at, applied_by=user)
        if (new.name, new.version) in versions:
            stamp = {"name": new.name, "version": new.version, "state": "current", "applied_at": at}
            ok(s.rewrite("SchemaVersion", {**stamp, "applied_by": user, "fingerprint": new.fingerprint}), "current")
            if (new.name, new.version) not in texts and parts:
                ok(s.write_batch("SchemaText", parts), "SchemaText")
                ok(s.rewrite("SchemaVersion", {"name": new.name, "version": new.version, "parts": len(parts)}), "parts")
        else:
            ok(s.write("SchemaVersion", head), "SchemaVersion")
            ok(s.write_batch("SchemaText", parts), "SchemaText")
        meta = meta_schema()
        if (META_NAME, meta.version) not in versions:
            meta_head, _ = version_articles(meta, applied_at=at, applied_by=user, described=False)
            ok(s.write("SchemaVersion", meta_head), "SchemaVersion")
        self._permissions(s)

    def _permissions(self, s: SessionCore) -> None:
        """Permissions follow renamed record types, go with dropped ones; administrators get new ones."""
        renamed = {old: new for new, old in self.plan.record_types.items() if old != new}
        kept = set(self.plan.record_types.values()) | set(self.old_full.record_types) & set(self.new_full.record_types)
        rows = _read_all(s, "Permission")
        for row in rows:
            rt = row["record_type"]
            if rt in renamed or (rt not in kept and rt not in self.new_full.record_types):
                s.delete("Permission", {"user": row["user"], "record_type": rt})
                if rt in renamed:
                    s.write("Permission", {**row, "record_type": renamed[rt]})
        admins = sorted({r["user"] for r in rows if r["record_type"] == "User" and int(r["mode"]) == 3} | {ADMIN_USER})
        have = {(r["user"], renamed.get(r["record_type"], r["record_type"])) for r in rows}
        fresh = [rt for rt in self.new_full.record_types if rt not in self.plan.record_types and rt not in SYSTEM_ONLY]
        users = {u["name"] for u in _read_all(s, "User")}
        batch = [
            {"user": u, "record_type": rt, "mode": 3}
            for u in admins
            if u in users
            for rt in fresh
            if (u, rt) not in have
        ]
        if batch:
            reply = s.write_batch("Permission", batch)
            if not reply.ok:
                raise MigrationError(f"cannot grant the new record types to the administrators: {reply.message}")


class Migration:
    """One database and one schema file: the plan, its check against the data, its application."""

    def __init__(self, url: str, schema_file: str | Path | None) -> None:
        self.backend = backend_for_url(url)
        self.url = self.backend.normalise_url(url)
        self.backend.require_existing(self.url)
        probe = parse(_PROBE, "probe")
        probe_interface, _ = interface_for(probe, self.backend.name)
        self.probe = Database(probe_interface, self.url)
        try:
            stored = self.probe.stored()
            if stored is None:
                raise MigrationError(f"{self.probe.backend.safe_url()} holds no assurdb database: create it first")
            self.stored = stored
            if stored.meta_version != meta_schema().version:
                self.probe.close()
                probe_interface, _ = interface_for(probe, self.backend.name, stored.meta_version)
                self.probe = Database(probe_interface, self.url)
            self.old_schema = self._stored_schema()
        except BaseException:
            self.probe.close()
            raise
        self.new_schema = self._target(schema_file)
        if stored.migrating is not None and stored.migrating.fingerprint != self.new_schema.fingerprint:
            raise MigrationError(
                f"a migration to {stored.migrating} is underway or was interrupted: finish it first, "
                "with that version's schema file"
            )
        self.conversion = conversion = Conversion(self.old_schema, stored.meta_version, self.new_schema, self.backend)
        self.plan, self.physical = conversion.plan, conversion.physical
        self.old_full, self.new_full = conversion.old_full, conversion.new_full
        self.old_interface, self.old_compiled = conversion.old_interface, conversion.old_compiled
        self.new_interface, self.new_compiled = conversion.new_interface, conversion.new_compiled

    def _target(self, schema_file: str | Path | None) -> Schema:
        """The schema file's version; without one, for a schema assurdb ships, the next version it
        ships after the one held (``insurance`` 1 → 2, then 2 → 3: each version's data steps are
        declared for the version before it, so versions are never skipped), else the version held
        (the meta-database's upgrade only)."""
        if schema_file is not None:
            return load(schema_file)
        name = self.old_schema.name
        if name != "meta" and name in builtin_names():
            newer = [path for version, path in builtin_versions(name).items() if version > self.old_schema.version]
            if newer:
                return load(newer[0])
        return self.old_schema

    def has_next(self) -> bool:
        """Whether assurdb ships a version of the schema after the one this migration moves to."""
        name = self.new_schema.name
        return name in builtin_names() and any(v > self.new_schema.version for v in builtin_versions(name))

    def close(self) -> None:
        self.probe.close()

    def __enter__(self) -> Migration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the database holds --------------------------------------------------------------------
    def _read_all(self, session: SessionCore, rt: str) -> list[dict[str, Any]]:
        return _read_all(session, rt)

    def _stored_schema(self) -> Schema:
        current = self.stored.schema
        with self.probe.system_session() as system:
            if self.stored.meta_version >= 2:
                parts = [p for p in self._read_all(system, "SchemaText") if p["name"] == current.name]
                parts = [p for p in parts if p["version"] == current.version]
                if parts:
                    schema = schema_from_parts(parts)
                    if schema.fingerprint != current.fingerprint:
                        raise MigrationError(f"the stored description of {current} does not match its fingerprint")
                    return schema
            articles: dict[str, list[Mapping[str, Any]]] = {
                rt: list(self._read_all(system, rt)) for rt in ("SchemaVersion", *DESCRIPTIVE)
            }
        # meta-schema version 1 kept no description: the meta-database's articles describe the schema
        return without_meta(schema_from_articles(articles))

    # -- the data, asked ---------------------------------------------------------------------------------
    def inspect(self) -> list[Finding]:
        """Every article of every changed record type converted, nothing written: what it says."""
        findings: list[Finding] = []
        old_db = Database(self.old_interface, self.url)
        try:
            with old_db.system_session() as system:
                findings += self._convertible(system)
                findings += self._dropped(system)
                findings += self._constraints(system)
        finally:
            old_db.close()
        return findings

    def _convertible(self, system: SessionCore) -> list[Finding]:
        out: list[Finding] = []
        for rt, transformer in self.physical.transformers.items():
            old_spec = system.records[self.plan.record_types[rt]]
            new_spec = self.new_compiled.records[rt]
            rows = system.conn.all(old_spec.select_all, ())
            needs = [
                c.item
                for c in self.plan.changes
                if c.record_type == rt and c.safety == "needs a default" and c.check in ("rows", "nulls")
            ]
            expected = {f"item {item} is mandatory" for item in needs}  # said once, as a missing default
            bad: list[str] = []
            first = ""
            empty: dict[str, list[str]] = {item: [] for item in needs if item is not None}
            for row in rows:
                article = transformer(old_spec.decode(row))
                shown = "/".join(str(article.get(i)) for i in new_spec.ident)
                for item, found in empty.items():
                    if article.get(item) is None:
                        found.append(shown)
                checked = new_spec.check(article, 0, True)
                if not isinstance(checked, dict):
                    problems = set(checked.message.split(": ", 1)[-1].split("; ")) - expected
                    if problems:
                        bad.append(shown)
                        first = first or "; ".join(sorted(problems))
            if bad:
                out.append(Finding("refused", rt, f"{len(bad)} article(s) do not fit: {first}", bad[:EXAMPLES]))
            for subject, count in transformer.lost.counts.items():
                examples = transformer.lost.examples[subject]
                out.append(Finding("loses data", subject, f"{count} value(s) lost", examples))
            for item, found in empty.items():
                if found:
                    text = f"{len(found)} article(s) have no value and the file gives none (default or migrate)"
                    out.append(Finding("needs a default", f"{rt}.{item}", text, found[:EXAMPLES]))
        return out

    def _dropped(self, system: SessionCore) -> list[Finding]:
        out: list[Finding] = []
        for change in self.plan.changes:
            if change.kind == "drop record type" and change.old_record_type is not None:
                count = len(system.conn.all(system.records[change.old_record_type].select_all, ()))
                if count:
                    out.append(Finding("loses data", change.old_record_type, f"{count} article(s) go"))
            elif change.kind == "drop path" and change.old_path is not None:
                links = self._links(system, change.old_path)
                if links:
                    out.append(Finding("loses data", f"path {change.old_path}", f"{links} link(s) go"))
        return out

    def _links(self, system: SessionCore, path_name: str) -> int:
        path = self.plan.old.path_types[path_name]
        if path.many_to_many:
            spec = system.paths[path_name]
            origin = system.records[path.origin]
            assert spec.targets_of_origin is not None
            return sum(
                len(system.conn.all(spec.targets_of_origin.sql, system.ident_of(origin, o)))
                for o in self._read_all(system, path.origin)
            )
        targets = self._read_all(system, path.target)
        return sum(1 for t in targets if t.get(path.target_items[0]) is not None)

    def _constraints(self, system: SessionCore) -> list[Finding]:
        """New existence constraints against the data as it will be."""
        out: list[Finding] = []
        for change in self.plan.changes:
            if change.check not in ("origins", "targets") or change.path is None:
                continue
            path = self.new_full.path_types[change.path]
            former = self.plan.paths.get(change.path)
            if change.check == "origins":
                target = path.target
                if self.plan.record_types.get(target) is None:
                    continue
                transformer = self.physical.transformers.get(target)
                old_spec = system.records[self.plan.record_types[target]]
                without: list[str] = []
                for row in system.conn.all(old_spec.select_all, ()):
                    old = old_spec.decode(row)
                    article = transformer(old) if transformer is not None else old
                    held = (
                        any(article.get(t) is not None for t in path.target_items)
                        if not path.many_to_many
                        else former is not None and self.plan.old.path_types[former].many_to_many
                    )
                    if not held:
                        without.append("/".join(str(article.get(i)) for i in old_spec.ident))
                if without:
                    text = f"{len(without)} {target} article(s) would have no {path.origin} (path {path.name})"
                    out.append(Finding("refused", f"path {path.name}", text, without[:EXAMPLES]))
            else:
                origin = path.origin
                if self.plan.record_types.get(origin) is None or former is not None:
                    continue
                count = len(system.conn.all(system.records[self.plan.record_types[origin]].select_all, ()))
                if count:
                    text = f"{count} {origin} article(s) would have no {path.target} (path {path.name})"
                    out.append(Finding("refused", f"path {path.name}", text))
        return out

    # -- reports -------------------------------------------------------------------------------------
    def report(self, *, allow_data_loss: bool = False, findings: list[Finding] | None = None) -> Report:
        return Report(
            self.url,
            self.stored,
            self.plan,
            self.inspect() if findings is None else findings,
            [str(op) for op in self.physical.operations],
            allow_data_loss,
        )

    def sql(self) -> str:
        """The physical operations as the SQL script they run."""
        backend = self.backend(self.new_compiled, self.url)
        try:
            return backend.migration_sql(self.physical.operations)
        finally:
            backend.close()

    # -- applying -----------------------------------------------------------------------------------------
    def authorise(self, user: str, password: str) -> None:
        """An administrator's login (the admin right: mode 3 on the meta-database's User)."""
        old_db = Database(self.old_interface, self.url)
        try:
            session = old_db.login(user, password)
            admin = _is_admin(session)
            session.close()
        finally:
            old_db.close()
        if not admin:
            raise NotAdministratorError(user)

    def apply(
        self, user: str, password: str, *, allow_data_loss: bool = False, progress: Progress | None = None
    ) -> Report:
        """Check the admin's login and that nobody holds an opening, then apply (or refuse).
        ``progress`` hears of its stages: login and openings checked, data checked, applied."""
        what = f"migrating to {self.new_schema.name} v{self.new_schema.version}"
        tell = progress or (lambda *_: None)
        tell(what, 0, 3)
        self.authorise(user, password)
        old_db = Database(self.old_interface, self.url)
        try:
            self._nobody_in(old_db)
        finally:
            old_db.close()
        tell(what, 1, 3)
        report = self.report(allow_data_loss=allow_data_loss)
        tell(what, 2, 3)
        if report.refusals or (self.plan.empty and report.meta_upgrade is None):
            return report
        new_db = Database(self.new_interface, self.url)
        try:
            if not self.backend.transactional_ddl and self.stored.meta_version >= 2:
                self._mark_migrating(new_db, user)
            new_db.backend.migrate(
                self.physical.operations, lambda cx, clear: self.conversion.rewrite(new_db, cx, clear, user)
            )
        finally:
            new_db.close()
        tell(what, 3, 3)
        report.applied = True
        return report

    def _nobody_in(self, db: Database) -> None:
        with db.system_session() as system:
            rows = self._read_all(system, "Opening")
            others = [(r["session"], r["holder"]) for r in rows]
            alive = system.alive_check(others) if others else set()
        held = sorted({f"{r['record_type']} ({r['user']})" for r in rows if r["session"] in alive})
        if held:
            raise MigrationError(f"sessions hold openings ({', '.join(held[:10])}): close them, then apply")

    def _mark_migrating(self, db: Database, user: str) -> None:
        """MariaDB commits each DDL: the target version is marked migrating before anything changes,
        so nobody connects to a database half-way; running ``apply`` again finishes it."""
        old_db = Database(self.old_interface, self.url)
        try:
            with old_db.system_session() as system:
                head, _ = version_articles(self.new_schema, state="migrating", applied_at=_now(), applied_by=user)
                head["parts"] = 0
                system.opened.update({"SchemaVersion": 3})
                found = system.read_direct("SchemaVersion", {"name": head["name"], "version": head["version"]})
                reply = (
                    system.rewrite("SchemaVersion", {**found.article, "state": "migrating"})
                    if found.ok and found.article is not None
                    else system.write("SchemaVersion", head)
                )
                if not reply.ok:
                    raise MigrationError(f"cannot mark the migration underway: {reply.message}")
        finally:
            old_db.close()


def _read_all(session: SessionCore, rt: str) -> list[dict[str, Any]]:
    """Every article of a record type, read on the session's connection (no opening needed)."""
    spec = session.records[rt]
    return [spec.decode(row) for row in session.conn.all(spec.select_all, ())]


def _is_admin(session: Any) -> bool:
    """The admin right: mode 3 on the meta-database's User record type (thesis VII.1.4)."""
    return int(getattr(session, "permissions", {}).get("User", 0)) == 3


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
