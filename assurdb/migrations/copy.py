"""A whole database moved: to another DBMS (``copy``), to files and back (``dump``, ``load``).

Articles move through the two databases' interfaces (generated on the fly from the schema the
source holds): read with the source's statements and codecs, written with the target's requests
in units of work — record types in path order (origins first; a path from a record type to itself
in the order of its links), those an existence constraint binds (a PRA and its guaranties) in one
unit, then N-N links with their own items. The meta-database — users with their password hashes,
permissions, the schema's history; not openings — moves through an administrator's export of the
backend, never through a request (no request returns a password hash).

Each record type and each N-N path ends with a count and an order-independent checksum (the sum
of the SHA-256 of each article's canonical form, modulo 2**256) on both sides; any difference is
reported. ``resume`` continues a copy that was interrupted: units already in the target are skipped.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from assurdb.metadb.contract import RC
from assurdb.metadb.meta import describe, meta_schema
from assurdb.metadb.model import PathType, Schema
from assurdb.metadb.plain import from_plain
from assurdb.metadb.progress import Progress
from assurdb.metadb.writer import to_yaml
from assurdb.migrations.apply import Migration, _read_all
from assurdb.migrations.interfaces import interface_for
from assurdb.migrations.transform import MigrationError
from assurdb.runtime.backends import backend_for_url
from assurdb.runtime.backends.base import without_password
from assurdb.runtime.database import SYSTEM_USER, Database, open_database
from assurdb.runtime.session import SessionCore

#: The meta-database's record types a copy moves (openings are the source's sessions': never).
META_MOVED = ("User", "Permission", "SchemaVersion", "SchemaText")
#: Articles per WRITE BATCH.
CHUNK = 5_000


def _plain(value: Any) -> Any:
    """JSON for what JSON lacks: the same text on every DBMS."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no canonical form for {type(value).__name__}")


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=_plain).encode


def checksum(articles: Iterable[Mapping[str, Any]]) -> tuple[int, str]:
    """(count, checksum) of articles: order-independent, duplicates counted."""
    total, count = 0, 0
    sha, from_bytes = hashlib.sha256, int.from_bytes
    for article in articles:
        total += from_bytes(sha(_canonical(article).encode()).digest(), "big")
        count += 1
    return count, f"{total % 2**256:064x}"


@dataclass
class Tally:
    """Counts and checksums of one side, by record type (and ``path <name>`` for N-N links)."""

    rows: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class Comparison:
    """Both sides' counts and checksums; ``equal`` when every line matches."""

    source: Tally
    target: Tally
    seconds: float = 0.0

    @property
    def differences(self) -> list[str]:
        names = sorted(set(self.source.rows) | set(self.target.rows))
        return [n for n in names if self.source.rows.get(n) != self.target.rows.get(n)]

    @property
    def equal(self) -> bool:
        return not self.differences

    def text(self) -> str:
        lines = [f"{'record type':<28} {'source':>9} {'target':>9}  checksum"]
        for name in sorted(set(self.source.rows) | set(self.target.rows)):
            s, t = self.source.rows.get(name, (0, "-")), self.target.rows.get(name, (0, "-"))
            mark = "equal" if s == t else f"DIFFERS ({s[1][:12]} ≠ {t[1][:12]})"
            lines.append(f"{name:<28} {s[0]:>9} {t[0]:>9}  {s[1][:12] if s == t else mark}")
        verdict = "every count and checksum equal" if self.equal else f"{len(self.differences)} difference(s)"
        lines.append(verdict)
        return "\n".join(lines)


# -- what a database holds, read through its interface ------------------------------------------------


class Side:
    """One database through the interface of the schema it holds (generated on the fly)."""

    def __init__(self, url: str, schema: Schema) -> None:
        self.backend = backend_for_url(url)
        self.schema = schema
        self.interface, _ = interface_for(schema, self.backend.name)
        self.url = url
        self.db: Database | None = None

    def open(self, *, create: bool = False) -> Database:
        password = secrets.token_urlsafe(24)  # replaced by the source's users
        self.db = open_database(self.interface, self.url, create=create, admin_password=password if create else None)
        return self.db

    def open_target(self, resume: bool) -> Database:
        """The database to write: created, or (``resume``) the one an interrupted copy left."""
        probe = Database(self.interface, self.url)
        try:
            stored = probe.stored()
        finally:
            probe.close()
        if stored is not None and not resume:
            raise MigrationError(f"{self.url} already holds an assurdb database: write into a new one (or resume)")
        if stored is not None and stored.schema.fingerprint != self.schema.fingerprint:
            raise MigrationError(
                f"{self.url} holds {stored.schema}, not {self.schema.name} v{self.schema.version}: cannot resume"
            )
        return self.open(create=stored is None)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def order(schema: Schema) -> list[list[str]]:
    """Units of record types in the order they are written, each unit in its own write order.

    An origin is written before its targets (paths between two record types; N-N links come at the
    end). Record types bound by an existence constraint on the origin's side (a PRA needs a guaranty)
    are one unit of work, with whatever lies on a path between them (a loss: it needs its PRA, and a
    damaged guaranty names its loss): PRA, Loss, Guaranty in one unit, in that order. A cycle no order
    can satisfy leaves a path whose links are set at the end (its targets then wait without an origin,
    which a path whose target needs one cannot: the copy is refused).
    """
    names = list(schema.record_types)
    position = {n: i for i, n in enumerate(names)}
    before: dict[str, set[str]] = {n: set() for n in names}  # target → the origins written before it
    graph: dict[str, set[str]] = {n: set() for n in names}  # for the units: origin → target, and back
    for path in schema.path_types.values():
        if path.many_to_many or path.origin == path.target:
            continue
        before[path.target].add(path.origin)
        graph[path.origin].add(path.target)
        if path.origin_needs_target:
            graph[path.target].add(path.origin)
    components = _components(names, graph)
    unit_of = {n: i for i, unit in enumerate(components) for n in unit}
    unit_before: dict[int, set[int]] = {i: set() for i in range(len(components))}
    for target, origins in before.items():
        unit_before[unit_of[target]].update(unit_of[o] for o in origins if unit_of[o] != unit_of[target])
    out = []
    for i in _sorted(unit_before, key=lambda i: min(position[n] for n in components[i])):
        members = set(components[i])
        inside = {n: before[n] & members for n in members}
        out.append(_sorted(inside, key=position.__getitem__, cyclic=True))
    return out


def _components(names: Sequence[str], graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(n: str) -> None:
        index[n] = low[n] = len(index)
        stack.append(n)
        for m in sorted(graph[n]):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in stack:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            component = []
            while True:
                m = stack.pop()
                component.append(m)
                if m == n:
                    break
            out.append(component)

    for n in names:
        if n not in index:
            visit(n)
    return out


def _sorted(before: Mapping[Any, set[Any]], *, key: Callable[[Any], int], cyclic: bool = False) -> list[Any]:
    """Nodes with each after those ``before`` names, ties by ``key``; ``cyclic``: a cycle is cut
    where it must be (the earliest node by ``key`` goes first) instead of being an error."""
    left = {n: set(b) for n, b in before.items()}
    out: list[Any] = []
    while left:
        ready = [n for n, b in left.items() if not b] or ([min(left, key=key)] if cyclic else [])
        if not ready:
            raise MigrationError(f"cyclic order between {sorted(map(str, left))}")
        first = min(ready, key=key)
        out.append(first)
        del left[first]
        for b in left.values():
            b.discard(first)
    return out


def _self_order(articles: list[dict[str, Any]], path: PathType, ident: Sequence[str]) -> list[dict[str, Any]]:
    """Articles of a record type with a path to itself: every origin before its targets."""
    key = {tuple(a[i] for i in ident): a for a in articles}
    parent = {k: tuple(a.get(t) for t in path.target_items) for k, a in key.items()}
    out: list[dict[str, Any]] = []
    done: set[tuple[Any, ...]] = set()

    def place(k: tuple[Any, ...], trail: frozenset[tuple[Any, ...]] = frozenset()) -> None:
        if k in done or k in trail:
            return
        p = parent[k]
        if p[0] is not None and p in key:
            place(p, trail | {k})
        done.add(k)
        out.append(key[k])

    for k in key:
        place(k)
    return out


class Mover:
    """Moves one database's articles, links and meta-database into another (the target's requests,
    through one session holding every record type in mode 3)."""

    def __init__(self, schema: Schema, target: Database, progress: Progress | None = None) -> None:
        self.schema = schema
        self.target = target
        self.progress = progress or (lambda *_: None)
        self._session: SessionCore | None = None

    @property
    def session(self) -> SessionCore:
        if self._session is None:
            db = self.target
            session = db.session_class(db, SYSTEM_USER, dict.fromkeys(db.records, 3))
            reply = session.open_db([(rt, 3) for rt in self.schema.record_types])
            if not reply.ok:
                session.close()
                raise MigrationError(f"cannot open the target: {reply.message}")
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def complete(self, unit: Sequence[str], counts: Mapping[str, int]) -> bool:
        """Whether the target holds the unit already (a resumed copy skips it)."""
        with self.target.system_session() as system:
            return all(len(system.conn.all(system.records[rt].select_all, ())) == counts[rt] for rt in unit)

    @contextmanager
    def unit(self, what: str) -> Iterator[SessionCore]:
        """One unit of work on the target: committed whole, or rolled back whole."""
        session = self.session
        if not session.begin().ok:
            raise MigrationError(f"cannot begin a unit of work on the target ({what})")
        try:
            yield session
            reply = session.commit()
            if not reply.ok:
                raise MigrationError(f"the target refused {what}: {reply.message}")
        finally:
            if session.in_unit:
                session.rollback()

    def write_unit(self, unit: Sequence[str], articles: Mapping[str, list[dict[str, Any]]]) -> None:
        with self.unit(f"the unit {', '.join(unit)}") as session:
            for rt in unit:
                batch = articles[rt]
                selfs = [p for p in self.schema.paths_to(rt) if p.origin == rt and not p.many_to_many]
                for path in selfs:
                    batch = _self_order(batch, path, self.schema.record_types[rt].identifier_items)
                for start in range(0, len(batch), CHUNK):
                    reply = session.write_batch(rt, batch[start : start + CHUNK])
                    if not reply.ok:
                        raise MigrationError(f"the target refused {rt}: {reply.message}")
                    self.progress(rt, min(start + CHUNK, len(batch)), len(batch))
                if not batch:
                    self.progress(rt, 0, 0)

    def write_links(self, path: PathType, links: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
        with self.unit(f"the links of {path.name}") as session:
            for n, (origin, target) in enumerate(links, 1):
                reply = session.bound(path.origin, origin, path.target, target, path.name)
                if not reply.ok and reply.rc != RC.TARGET_ALREADY_EXISTS:
                    raise MigrationError(f"the target refused a link of {path.name}: {reply.message}")
                if n % CHUNK == 0:
                    self.progress(f"path {path.name}", n, len(links))
        self.progress(f"path {path.name}", len(links), len(links))

    def write_meta(self, meta: Mapping[str, list[dict[str, Any]]]) -> None:
        """The source's users, permissions and schema history replace the target's own."""
        db = self.target
        with db.system_session() as system:
            system.opened.update(dict.fromkeys(META_MOVED, 3))
            system.begin()
            for rt in reversed(META_MOVED):  # targets before origins
                spec = system.records[rt]
                for row in system.conn.all(spec.select_all, ()):
                    reply = system.delete(rt, {i: spec.decode(row)[i] for i in spec.ident})
                    if not reply.ok:
                        raise MigrationError(f"cannot clear the target's {rt}: {reply.message}")
            for rt in META_MOVED:
                if meta.get(rt):
                    reply = system.write_batch(rt, meta[rt])
                    if not reply.ok:
                        raise MigrationError(f"cannot write the meta-database ({rt}): {reply.message}")
            reply = system.commit()
            if not reply.ok:
                raise MigrationError(f"cannot write the meta-database: {reply.message}")


def read_articles(db: Database, rt: str) -> list[dict[str, Any]]:
    with db.system_session() as system:
        return _read_all(system, rt)


def read_links(db: Database, path: PathType) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every link of an N-N path: (origin identifier, target identifier with the link's own items)."""
    with db.system_session() as system:
        spec = system.paths[path.name]
        origin, target = system.records[path.origin], system.records[path.target]
        assert spec.all_links is not None
        width = len(origin.columns)
        out = []
        for row in system.conn.all(spec.all_links.sql, ()):
            o, found = origin.decode(row[:width]), system._target_article(spec, target, row[width:])
            t = {i: found[i] for i in target.ident}
            t.update((k, found[k]) for k in spec.link_items)
            out.append(({i: o[i] for i in origin.ident}, t))
        return out


def link_checksum(links: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> tuple[int, str]:
    return checksum({"origin": dict(o), "target": dict(t)} for o, t in links)


def tally(db: Database, schema: Schema) -> Tally:
    out = Tally()
    for rt in (*schema.record_types, *META_MOVED):
        out.rows[rt] = checksum(read_articles(db, rt))
    for path in schema.path_types.values():
        if path.many_to_many:
            out.rows[f"path {path.name}"] = link_checksum(read_links(db, path))
    return out


def export_meta(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Users (with their password hashes), permissions and the schema's history: an administrator's
    export of the backend, not a request."""
    return {rt: read_articles(db, rt) for rt in META_MOVED}


def held_schema(url: str, user: str, password: str) -> Schema:
    """The schema the database at ``url`` holds, rebuilt from its meta-database, after checking an
    administrator's login (what moves holds password hashes)."""
    with Migration(url, None) as migration:
        if migration.plan.changes:
            raise MigrationError(
                f"the meta-database of {without_password(url)} is older than this assurdb's: "
                "upgrade it first (`assurdb migrate apply`)"
            )
        migration.authorise(user, password)
        return migration.old_schema


def copy(
    source_url: str,
    target_url: str,
    *,
    user: str,
    password: str,
    resume: bool = False,
    progress: Progress | None = None,
) -> Comparison:
    """Copy the database at ``source_url`` (an administrator's login) into ``target_url`` on any DBMS.

    The target is created; with ``resume``, a target a copy left unfinished is continued.
    """
    started = time.perf_counter()
    schema = held_schema(source_url, user, password)
    source, target = Side(source_url, schema), Side(target_url, schema)
    try:
        src = source.open()
        dst = target.open_target(resume)
        mover = Mover(schema, dst, progress)
        try:
            read = _move(mover, partial(read_articles, src), partial(read_links, src), export_meta(src), resume)
        finally:
            mover.close()
        comparison = Comparison(read, tally(dst, schema))
    finally:
        source.close()
        target.close()
    comparison.seconds = time.perf_counter() - started
    return comparison


def _move(
    mover: Mover,
    articles: Callable[[str], list[dict[str, Any]]],
    links: Callable[[PathType], list[tuple[dict[str, Any], dict[str, Any]]]],
    meta: Mapping[str, list[dict[str, Any]]],
    resume: bool,
) -> Tally:
    """Write everything ``articles``, ``links`` and ``meta`` give into the mover's target; the counts
    and checksums of what was read (before anything is written: deferred links are cleared then)."""
    schema = mover.schema
    read_tally = Tally()
    written: set[str] = set()
    #: links whose origin comes later (a guaranty damaged by a loss written after it): set at the end
    deferred: list[tuple[PathType, list[tuple[dict[str, Any], dict[str, Any]]]]] = []
    for unit in order(schema):
        read = {rt: articles(rt) for rt in unit}
        read_tally.rows.update((rt, checksum(read[rt])) for rt in unit)
        for rt in unit:
            for path in schema.paths_to(rt):
                if path.many_to_many or path.origin == rt or path.origin in written:
                    continue
                if path.target_needs_origin:
                    raise MigrationError(f"path {path.name}: its origins come after its targets, which need one")
                ident = schema.record_types[rt].identifier_items
                found = []
                for article in read[rt]:
                    held = {o: article.get(t) for o, t in path.origin_items}
                    if any(v is not None for v in held.values()):
                        found.append((held, {i: article[i] for i in ident}))
                    for t in path.target_items:
                        article[t] = None
                deferred.append((path, found))
            written.add(rt)
        if resume and mover.complete(unit, {rt: len(v) for rt, v in read.items()}):
            for rt in unit:
                mover.progress(rt, len(read[rt]), len(read[rt]))
            continue
        mover.write_unit(unit, read)
    for path, found in deferred:
        mover.write_links(path, found)  # BOUND is idempotent on a resumed copy: 501 is taken as done
    for path in schema.path_types.values():
        if path.many_to_many:
            found = links(path)
            read_tally.rows[f"path {path.name}"] = link_checksum(found)
            if resume and _links_present(mover.target, path, len(found)):
                continue
            mover.write_links(path, found)
    mover.write_meta(meta)
    read_tally.rows.update((rt, checksum(meta.get(rt, []))) for rt in META_MOVED)
    return read_tally


def _links_present(db: Database, path: PathType, count: int) -> bool:
    return len(read_links(db, path)) == count


# -- through files ---------------------------------------------------------------------------------------

MANIFEST = "manifest.json"
DUMP_FORMAT = 1


def _parquet(path: Path, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=None) if rows else pa.table({c: pa.array([], pa.null()) for c in columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def _rows(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return [dict(r) for r in pq.read_table(path).to_pylist()]


def dump(url: str, folder: str | Path, *, user: str, password: str, progress: Progress | None = None) -> Path:
    """Write the database at ``url`` into ``folder``: one Parquet file per record type and N-N path,
    the meta-database's users, permissions and history, the schema file, and a manifest with counts
    and checksums. An administrator's login (the files hold password hashes)."""
    schema = held_schema(url, user, password)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    side = Side(url, schema)
    report = progress or (lambda *_: None)
    manifest: dict[str, Any] = {
        "format": DUMP_FORMAT,
        "schema": schema.name,
        "version": schema.version,
        "fingerprint": schema.fingerprint,
        "meta_version": meta_schema().version,
        "record_types": {},
        "paths": {},
        "meta": {},
    }
    try:
        db = side.open()
        for rt in schema.record_types:
            rows = read_articles(db, rt)
            file = f"record_types/{rt}.parquet"
            _parquet(out / file, rows, list(schema.record_types[rt].items.names))
            manifest["record_types"][rt] = {"file": file, "count": len(rows), "checksum": checksum(rows)[1]}
            report(rt, len(rows), len(rows))
        for path in schema.path_types.values():
            if path.many_to_many:
                links = read_links(db, path)
                file = f"paths/{path.name}.parquet"
                _parquet(out / file, [{"origin": o, "target": t} for o, t in links], ["origin", "target"])
                manifest["paths"][path.name] = {"file": file, "count": len(links), "checksum": link_checksum(links)[1]}
                report(f"path {path.name}", len(links), len(links))
        for rt, rows in export_meta(db).items():
            file = f"meta/{rt}.parquet"
            _parquet(out / file, rows, list(meta_schema().record_types[rt].items.names))
            manifest["meta"][rt] = {"file": file, "count": len(rows), "checksum": checksum(rows)[1]}
    finally:
        side.close()
    (out / "schema.json").write_text(describe(schema), encoding="utf-8")
    (out / f"{schema.name}.yaml").write_text(
        to_yaml(
            schema,
            header=f"# {schema.name} v{schema.version}, as dumped by assurdb (fingerprint {schema.fingerprint})\n",
        ),
        encoding="utf-8",
    )
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out / MANIFEST


def load(folder: str | Path, url: str, *, resume: bool = False, progress: Progress | None = None) -> Comparison:
    """Create a database at ``url`` from a dump (its users included) and check it against the manifest."""
    started = time.perf_counter()
    base = Path(folder)
    try:
        manifest = json.loads((base / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MigrationError(f"{base} holds no assurdb dump ({MANIFEST}: {exc})") from exc
    if manifest.get("format") != DUMP_FORMAT:
        raise MigrationError(f"{base}: dump format {manifest.get('format')!r}, this assurdb reads {DUMP_FORMAT}")
    schema = from_plain(json.loads((base / "schema.json").read_text(encoding="utf-8")))
    if schema.fingerprint != manifest["fingerprint"]:
        raise MigrationError(f"{base}: schema.json does not match the manifest's fingerprint")
    expected = Tally()
    for section in ("record_types", "meta"):
        for rt, entry in manifest[section].items():
            expected.rows[rt] = (entry["count"], entry["checksum"])
    for name, entry in manifest["paths"].items():
        expected.rows[f"path {name}"] = (entry["count"], entry["checksum"])

    def articles(rt: str) -> list[dict[str, Any]]:
        return _rows(base / manifest["record_types"][rt]["file"])

    def links(path: PathType) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(r["origin"], r["target"]) for r in _rows(base / manifest["paths"][path.name]["file"])]

    meta = {rt: _rows(base / entry["file"]) for rt, entry in manifest["meta"].items()}
    target = Side(url, schema)
    try:
        db = target.open_target(resume)
        mover = Mover(schema, db, progress)
        try:
            read = _move(mover, articles, links, meta, resume)
        finally:
            mover.close()
        if read.rows != expected.rows:  # the files changed since the dump: say so, whatever the target holds
            comparison = Comparison(expected, read)
        else:
            comparison = Comparison(expected, tally(db, schema))
    finally:
        target.close()
    comparison.seconds = time.perf_counter() - started
    return comparison
