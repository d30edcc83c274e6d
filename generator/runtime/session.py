"""The request algorithms of SPEC §3.1, shared by every generated interface.

A generated package gives, per record type and path type, its statements and codecs
(:mod:`generator.runtime.specs`); its router does the thesis' *partie préliminaire* (record
type known, opening mode) and calls one function per action code and record type, which
calls the algorithm here with that record type's statements.

Every request answers a :class:`~metadb.contract.Reply`. Refusals are decided before anything
is written, in the precedence of SPEC §3.1 (10/20/30 → 600 → 11/21 → 12/22 → 13/23 →
400/401 → 500/501 → 900/901 → 999); existence constraints are checked when the unit ends
(COMMIT, or the end of a request made outside a unit) and roll the unit back; a DBMS failure
answers 999 and rolls the unit back.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from generator.runtime.drivers import LIVE_SESSIONS, Driver, holder_alive
from generator.runtime.specs import FULL, LOOKUP, PATCH, PathSpec, RecordSpec, Refusal, Stmt
from metadb.contract import RC, Mode, Reply

if TYPE_CHECKING:
    import pandas as pd

    from metadb.model import Schema

#: OPEN DB takes at most 49 record types: 10·i must stay a two-digit multiple of ten (thesis VII.3).
MAX_OPEN = 49
#: Beyond this many articles to verify at the end of a unit, one set-based query checks the
#: whole table instead of one query per article.
BULK_CHECK = 256


class _Failure(Exception):
    """A refusal found deep in an algorithm, carried to the request's top as a reply."""

    def __init__(self, rc: int, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.reply = refuse(rc, message, position)


def _as_target(refusal: Refusal) -> Refusal:
    """11/12/13 about a target article are 21/22/23 (SPEC §3.1)."""
    if refusal.rc in (RC.RT_MISMATCH, RC.KEY_NOT_ACCESS, RC.VALUE_INVALID):
        return Refusal(refusal.rc + 10, refusal.message)
    return refusal


def refuse(rc: int, message: str, position: int | None = None) -> Reply:
    code = RC(rc) if rc in RC._value2member_map_ else rc
    return Reply(code, None, message, position)


class Core:
    """One user session: its connection, openings, unit of work and pending checks."""

    def __init__(
        self,
        database: Any,
        driver: Driver,
        user: str,
        permissions: Mapping[str, int],
        records: Mapping[str, RecordSpec],
        paths: Mapping[str, PathSpec],
    ) -> None:
        self.id = uuid.uuid4().hex
        self.database = database
        self.driver = driver
        self._user = user
        self.permissions = dict(permissions)
        self.records = records
        self.paths = paths
        self.opened: dict[str, int] = {}
        self.in_unit = False
        #: (path, side) → identifiers to verify when the unit ends
        self.pending: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
        #: tables written in the current transaction (DuckDB snapshots bypass them)
        self.dirty: set[str] = set()
        self.closed = False
        LIVE_SESSIONS[self.id] = self

    # -- identity --------------------------------------------------------------------
    @property
    def user(self) -> str:
        return self._user

    @property
    def schema(self) -> Schema:
        schema: Schema = self.database.schema
        return schema

    # -- guards ----------------------------------------------------------------------
    def mode_of(self, rt: str) -> int:
        return self.opened.get(rt, 0)

    def need_open(self, rt: str, *, write: bool, target: bool = False) -> Reply | None:
        mode = self.opened.get(rt, 0)
        if mode == 0:
            return refuse(RC.MODE_FORBIDS, f"{rt} is not open in this session (OPEN DB first)")
        if write and mode == Mode.CONSULT:
            return refuse(RC.MODE_FORBIDS, f"{rt} is open in mode 1 (consult): writing needs mode 2 or 3")
        return None

    # -- transactions ----------------------------------------------------------------
    def _start(self) -> None:
        """Open the transaction of a writing request (a unit's is already open)."""
        if not self.in_unit and not self.driver.in_tx:
            self.driver.begin()

    def _finish(self) -> Reply | None:
        """End a writing request: outside a unit, check existence constraints and commit."""
        if self.in_unit:
            return None
        failure = self._check_pending()
        if failure is not None:
            self._abort()
            return failure
        self.driver.commit()
        self.database.note_writes(self)
        self.dirty.clear()
        return None

    def _abort(self) -> None:
        self.pending.clear()
        self.in_unit = False
        self.dirty.clear()
        if self.driver.in_tx:
            try:
                self.driver.rollback()
            except Exception:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
                self.driver.in_tx = False

    def guard(self, work: Callable[[], Reply], *, writes: bool) -> Reply:
        """Run a request: refusals become replies, DBMS failures 999 with the unit rolled back."""
        try:
            if writes:
                self._start()
            reply = work()
            if reply.rc != RC.OK:
                if writes and not self.in_unit:
                    self._abort()
                return reply
            if writes:
                done = self._finish()
                if done is not None:
                    return done
            return reply
        except _Failure as failure:
            if writes and not self.in_unit:
                self._abort()
            return failure.reply
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)

    def failed(self, exc: Exception) -> Reply:
        """999: the DBMS failed (SPEC §3.1); the unit, if one is open, is rolled back and over."""
        was_unit = self.in_unit
        self._abort()
        unit = " (the unit of work is rolled back)" if was_unit else ""
        return refuse(RC.DBMS_FAILURE, f"{self.driver.name} failed: {type(exc).__name__}: {exc}{unit}")

    def note(self, path: str, side: str, ident: tuple[Any, ...]) -> None:
        self.pending.setdefault((path, side), set()).add(ident)

    def _check_pending(self) -> Reply | None:
        """Existence constraints of the articles this unit touched (SPEC §3.1)."""
        for (path_name, side), idents in sorted(self.pending.items()):
            path = self.paths[path_name]
            check = self._check_targets if side == "target" else self._check_origins
            failure = check(path, idents)
            if failure is not None:
                return failure
        self.pending.clear()
        return None

    def _check_targets(self, path: PathSpec, idents: set[tuple[Any, ...]]) -> Reply | None:
        target = self.records[path.target]
        if len(idents) > BULK_CHECK:
            assert path.any_target_without_origin is not None
            row = self.driver.one(path.any_target_without_origin.sql, ())
            missing = None if row is None else tuple(row)
        else:
            missing = None
            for ident in sorted(idents, key=repr):
                if self.driver.one(target.exists.sql, self.encode_ident(target, ident)) is None:
                    continue
                if not self._has_origin(path, target, ident):
                    missing = ident
                    break
        if missing is None:
            return None
        shown = "/".join(str(self.decode_ident(target, missing)[i]) for i in target.ident)
        return refuse(
            RC.TARGET_CONSTRAINT,
            f"{path.target} {shown} would lack the {path.origin} that path {path.name} requires"
            + (" (the unit of work is rolled back)" if self.in_unit else ""),
        )

    def _check_origins(self, path: PathSpec, idents: set[tuple[Any, ...]]) -> Reply | None:
        origin = self.records[path.origin]
        if len(idents) > BULK_CHECK:
            assert path.any_origin_without_target is not None
            row = self.driver.one(path.any_origin_without_target.sql, ())
            missing = None if row is None else tuple(row)
        else:
            missing = None
            for ident in sorted(idents, key=repr):
                params = self.encode_ident(origin, ident)
                if self.driver.one(origin.exists.sql, params) is None:
                    continue
                assert path.has_target is not None
                if (
                    self.driver.one(
                        path.has_target.sql,
                        self._bind(path.has_target, o=dict(zip(origin.ident, params, strict=True))),
                    )
                    is None
                ):
                    missing = ident
                    break
        if missing is None:
            return None
        shown = "/".join(str(self.decode_ident(origin, missing)[i]) for i in origin.ident)
        return refuse(
            RC.ORIGIN_CONSTRAINT,
            f"{path.origin} {shown} would lack the {path.target} that path {path.name} requires"
            + (" (the unit of work is rolled back)" if self.in_unit else ""),
        )

    # -- encoding helpers --------------------------------------------------------------
    def encode_ident(self, spec: RecordSpec, ident: tuple[Any, ...]) -> tuple[Any, ...]:
        """Identifier values (Python) → DBMS parameters. Pending sets hold encoded identifiers."""
        return ident

    def decode_ident(self, spec: RecordSpec, encoded: tuple[Any, ...]) -> dict[str, Any]:
        row = self.driver.one(spec.select_by_id.sql, encoded)
        if row is None:
            return dict(zip(spec.ident, encoded, strict=True))
        article = spec.decode(row)
        return {i: article[i] for i in spec.ident}

    def ident_of(self, spec: RecordSpec, values: Mapping[str, Any]) -> tuple[Any, ...]:
        enc = spec.encode_value
        return tuple(enc(i, values[i]) for i in spec.ident)

    @staticmethod
    def _bind(stmt: Stmt, **groups: Mapping[str, Any]) -> tuple[Any, ...]:
        """Parameters of ``stmt`` from prefixed groups: ``o_x`` is ``groups["o"]["x"]``."""
        out = []
        for name in stmt.params:
            prefix, _, item = name.partition("_")
            out.append(groups[prefix][item])
        return tuple(out)

    def _has_origin(self, path: PathSpec, target: RecordSpec, ident: tuple[Any, ...]) -> bool:
        assert path.has_origin is not None
        row = self.driver.one(
            path.has_origin.sql, self._bind(path.has_origin, t=dict(zip(target.ident, ident, strict=True)))
        )
        if row is None:
            return False
        return all(v is not None for v in row)

    # -- article checks ----------------------------------------------------------------
    def check_key(
        self, spec: RecordSpec, article: Any, key: str, *, target: bool = False, partial: bool = False
    ) -> tuple[dict[str, Any], int] | Reply:
        """Validate a key value: 11 (not an article / unknown item / missing items), 12, 13.

        Returns the checked values and how many leading items of the key's order were given.
        """
        bump = 10 if target else 0
        if not isinstance(article, Mapping):
            return refuse(RC.RT_MISMATCH + bump, f"{spec.name}: an article is a mapping of item names to values")
        order = spec.order.get(key) if isinstance(key, str) else None
        if order is None:
            return refuse(
                RC.KEY_NOT_ACCESS + bump,
                f"{key!r} is not an access key of {spec.name} (keys: {', '.join(spec.keys)})",
            )
        checked = spec.check(article, LOOKUP)
        if isinstance(checked, Refusal):
            return refuse(checked.rc + bump, checked.message)
        given = 0
        for item in order:
            if checked.get(item) is None:
                break
            given += 1
        key_items = spec.keys[key]
        if given < len(key_items) and (not partial or given == 0):
            missing = [i for i in key_items if checked.get(i) is None]
            need = "its leading item(s)" if partial else "a value for every item"
            return refuse(RC.RT_MISMATCH + bump, f"key {key} of {spec.name} needs {need}: missing {', '.join(missing)}")
        if partial:
            stray = [i for i in order[given:] if checked.get(i) is not None]
            if stray:
                return refuse(
                    RC.RT_MISMATCH + bump,
                    f"key {key} of {spec.name} is given by its leading items; {stray[0]} comes after a missing one",
                )
        return checked, given

    def check_ident(self, spec: RecordSpec, article: Any, *, target: bool = False) -> dict[str, Any] | Reply:
        result = self.check_key(spec, article, "id", target=target)
        if isinstance(result, Reply):
            return result
        return result[0]

    def fetch(self, spec: RecordSpec, values: Mapping[str, Any]) -> dict[str, Any] | None:
        row = self.driver.one(spec.select_by_id.sql, self.ident_of(spec, values))
        return None if row is None else spec.decode(row)

    def exists(self, spec: RecordSpec, values: Mapping[str, Any]) -> bool:
        return self.driver.one(spec.exists.sql, self.ident_of(spec, values)) is not None

    # -- READ DIRECT / READ SEQUENTIAL / READ SELECTION --------------------------------------
    def do_read_direct(self, spec: RecordSpec, by_key: Mapping[str, Stmt], article: Any, key: str) -> Reply:
        result = self.check_key(spec, article, key)
        if isinstance(result, Reply):
            return result
        values = result[0]
        stmt = by_key[key]
        enc = spec.encode_value
        try:
            row = self.driver.one(stmt.sql, tuple(enc(i, values[i]) for i in stmt.params))
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        if row is None:
            return refuse(RC.NOT_FOUND, f"no {spec.name} with {_show(values, spec.keys[key])}")
        return Reply(RC.OK, spec.decode(row))

    def do_read_sequential(
        self,
        spec: RecordSpec,
        after: Mapping[str, Mapping[int, Stmt]],
        strictly_after: Mapping[str, Stmt],
        article: Any,
        key: str,
    ) -> Reply:
        result = self.check_key(spec, article, key, partial=True)
        if isinstance(result, Reply):
            return result
        values, given = result
        order = spec.order[key]
        stmt = strictly_after[key] if given == len(order) else after[key][given]
        enc = spec.encode_value
        try:
            row = self.driver.one(stmt.sql, tuple(enc(i, values[i]) for i in stmt.params))
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        if row is None:
            return refuse(RC.NOT_FOUND, f"no {spec.name} after {_show(values, order[:given])} in key {key}")
        return Reply(RC.OK, spec.decode(row))

    def do_read_selection(self, spec: RecordSpec, criteria: Any, *, limit: int | None = None) -> Reply:
        if not isinstance(criteria, Mapping):
            return refuse(
                RC.RT_MISMATCH,
                f"{spec.name}: criteria are a mapping of access-key items to values or (low, high)",
            )
        unknown = [c for c in criteria if c not in spec.items]
        if unknown:
            return refuse(RC.RT_MISMATCH, f"{spec.name} has no item {unknown[0]!r}")
        not_key = [c for c in criteria if c not in spec.where_eq]
        if not_key:
            return refuse(RC.KEY_NOT_ACCESS, f"item {not_key[0]!r} of {spec.name} is not in an access key")
        conditions: list[str] = []
        params: list[Any] = []
        for item, criterion in criteria.items():
            bounds = criterion if isinstance(criterion, tuple) else (criterion,)
            if len(bounds) not in (1, 2) or any(b is None for b in bounds):
                return refuse(RC.VALUE_INVALID, f"criterion on {item}: a value or a (low, high) pair, never null")
            checked_bounds = []
            for bound in bounds:
                checked = spec.check({item: bound}, LOOKUP)
                if isinstance(checked, Refusal):
                    return refuse(checked.rc, checked.message)
                checked_bounds.append(spec.encode_value(item, checked[item]))
            if len(bounds) == 1:
                conditions.append(spec.where_eq[item])
            else:
                conditions.append(spec.where_range[item])
            params.extend(checked_bounds)
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            return refuse(RC.VALUE_INVALID, "limit must be a non-negative integer")
        key = next((k for k, items in spec.keys.items() if set(criteria) <= set(items)), "id")
        sql = spec.select_all
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += spec.order_by[key]
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        try:
            rows = self.driver.all(sql, params)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return self.failed(exc)
        return Reply(RC.OK, None, f"{len(rows)} article(s)", None, self.frame(spec, [spec.decode(r) for r in rows]))

    def frame(self, spec: RecordSpec, articles: list[dict[str, Any]]) -> pd.DataFrame:
        from generator.runtime.frames import to_frame

        return to_frame(articles, spec.item_order, spec.dtypes)

    # -- path helpers ------------------------------------------------------------------
    def path_for(self, ort: Any, pt: Any, trt: Any) -> PathSpec | Reply:
        """10 / 20 / 30 checks of a path request."""
        if not isinstance(ort, str) or ort not in self.records:
            return refuse(RC.RT_UNKNOWN, f"origin record type {ort!r} is unknown")
        if not isinstance(trt, str) or trt not in self.records:
            return refuse(RC.TARGET_RT_UNKNOWN, f"target record type {trt!r} is unknown")
        path = self.paths.get(pt) if isinstance(pt, str) else None
        if path is None:
            return refuse(RC.PATH_INVALID, f"path type {pt!r} is unknown")
        if (path.origin, path.target) != (ort, trt):
            return refuse(RC.PATH_INVALID, f"path type {pt} joins {path.origin} → {path.target}, not {ort} → {trt}")
        return path

    def path_open(self, path: PathSpec, *, write: bool, both: bool = False) -> Reply | None:
        """600: both ends open; the target in a writing mode when links change (its rows or the
        junction hold them), both when both are written (WRITE ORIGIN AND TARGET).
        Interpretation of SPEC §3.3, noted in ARCHITECTURE.md."""
        return self.need_open(path.origin, write=both) or self.need_open(path.target, write=write)

    def origin_values(self, path: PathSpec, target_values: Mapping[str, Any]) -> dict[str, Any] | Reply | None:
        """The origin identifier held in a target article's path items (None: not linked)."""
        held = {o: target_values.get(t) for o, t in path.origin_items}
        if all(v is None for v in held.values()):
            return None
        if any(v is None for v in held.values()):
            missing = [t for o, t in path.origin_items if held[o] is None]
            return refuse(
                RC.VALUE_INVALID,
                f"path {path.name}: give all of its items or none (missing {', '.join(missing)})",
            )
        return held

    def links_of(
        self,
        spec: RecordSpec,
        values: Mapping[str, Any],
        *,
        skip: str | None = None,
        earlier: set[tuple[Any, ...]] | None = None,
    ) -> Reply | None:
        """Check the links an article carries in its path items, as BOUND would (600, 400, 500).

        ``earlier``: identifiers of articles of the same record type written before this one in
        the same batch — the origins of a path from a record type to itself (ECS reporting to ECS).
        """
        for path_name in spec.stored_paths:
            if path_name == skip:
                continue
            path = self.paths[path_name]
            held = self.origin_values(path, values)
            if isinstance(held, Reply):
                return held
            if held is None:
                continue
            denied = self.need_open(path.origin, write=False)
            if denied:
                return denied
            origin = self.records[path.origin]
            if earlier and path.origin == spec.name and self.ident_of(origin, held) in earlier:
                continue
            if not self.exists(origin, held):
                return refuse(
                    RC.NOT_FOUND,
                    f"{path.origin} {_show(held, origin.ident)} (path {path.name}) does not exist",
                )
        return None

    def one_to_one_free(
        self,
        spec: RecordSpec,
        values: Mapping[str, Any],
        rc: int,
        *,
        skip: str | None = None,
        me: Mapping[str, Any] | None = None,
    ) -> Reply | None:
        """A 1-1 path's origin may have one target only (500 / 501 by request)."""
        for path_name in spec.stored_paths:
            path = self.paths[path_name]
            if path.cls != "1-1" or path_name == skip:
                continue
            held = self.origin_values(path, values)
            if not isinstance(held, dict):
                continue
            other = self.target_of(path, held)
            if other is not None and (me is None or any(other[i] != me[i] for i in spec.ident)):
                return refuse(
                    rc,
                    f"{path.origin} {_show(held, self.records[path.origin].ident)} already has a "
                    f"{path.target} on 1-1 path {path.name}",
                )
        return None

    def target_of(self, path: PathSpec, origin_values: Mapping[str, Any]) -> dict[str, Any] | None:
        assert path.first_target is not None
        origin = self.records[path.origin]
        o = self.encoded(origin, origin_values)
        row = self.driver.one(path.first_target.sql, self._bind(path.first_target, o=o))
        return None if row is None else self.records[path.target].decode(row)

    def note_new(self, spec: RecordSpec, values: Mapping[str, Any]) -> None:
        """A new article: its own existence constraints are to be checked at the unit's end."""
        ident = self.ident_of(spec, values)
        for path_name in spec.target_of:
            path = self.paths[path_name]
            if path.target_needs_origin:
                self.note(path_name, "target", ident)
        for path_name in spec.origin_of:
            path = self.paths[path_name]
            if path.origin_needs_target:
                self.note(path_name, "origin", ident)

    # -- WRITE / WRITE BATCH / REWRITE / DELETE -----------------------------------------
    def do_write(self, spec: RecordSpec, article: Any) -> Reply:
        def work() -> Reply:
            values = self._checked(spec, article, FULL)
            return self._insert(spec, values, rc_exists=RC.ALREADY_EXISTS, rc_one=RC.ALREADY_EXISTS)

        return self.guard(work, writes=True)

    def _checked(self, spec: RecordSpec, article: Any, mode: int, *, target: bool = False) -> dict[str, Any]:
        if not isinstance(article, Mapping):
            raise _Failure(
                RC.RT_MISMATCH + (10 if target else 0),
                f"{spec.name}: an article is a mapping of item names to values",
            )
        checked = spec.check(article, mode)
        if isinstance(checked, Refusal):
            checked = _as_target(checked) if target else checked
            raise _Failure(checked.rc, checked.message)
        return checked

    def _insert(
        self,
        spec: RecordSpec,
        values: dict[str, Any],
        *,
        rc_exists: int,
        rc_one: int,
        skip: str | None = None,
    ) -> Reply:
        problem = self.links_of(spec, values, skip=skip)
        if problem:
            return problem
        if self.exists(spec, values):
            return refuse(rc_exists, f"{spec.name} {_show(values, spec.ident)} already exists")
        problem = self.one_to_one_free(spec, values, rc_one, skip=skip)
        if problem:
            return problem
        self.driver.run(spec.insert.sql, spec.encode(values))
        self.dirty.add(spec.table)
        self.note_new(spec, values)
        return Reply(RC.OK, values)

    def do_write_batch(self, spec: RecordSpec, articles: Any) -> Reply:
        if isinstance(articles, Mapping | str | bytes) or not isinstance(articles, Iterable):
            return refuse(RC.RT_MISMATCH, f"{spec.name}: WRITE BATCH takes a sequence of articles")

        def work() -> Reply:
            reply: Reply = self.database.batch_writer(self, spec, list(articles))
            return reply

        return self.guard(work, writes=True)

    def check_batch(self, spec: RecordSpec, articles: Sequence[Any]) -> tuple[list[dict[str, Any]], Reply | None]:
        """Validate every article (11, 13): the checked values up to the first refused one."""
        check = spec.check
        out: list[dict[str, Any]] = []
        for position, article in enumerate(articles):
            if not isinstance(article, Mapping):
                return out, refuse(RC.RT_MISMATCH, f"article {position}: not a mapping of items to values", position)
            checked = check(article, FULL)
            if checked.__class__ is Refusal:
                assert isinstance(checked, Refusal)
                return out, refuse(checked.rc, f"article {position}: {checked.message}", position)
            out.append(checked)  # type: ignore[arg-type]
        return out, None

    def diagnose_batch(self, spec: RecordSpec, values: Sequence[dict[str, Any]], limit: int) -> Reply | None:
        """The first of ``values[:limit]`` that the database would refuse (400, 500), in order."""
        seen: set[tuple[Any, ...]] = set()
        taken: set[tuple[str, tuple[Any, ...]]] = set()  # (1-1 path, origin) already given a target
        one_to_one = [self.paths[p] for p in spec.stored_paths if self.paths[p].cls == "1-1"]
        for position, article in enumerate(values[:limit]):
            ident = self.ident_of(spec, article)
            problem = self.links_of(spec, article, earlier=seen)
            if problem is None and (ident in seen or self.exists(spec, article)):
                problem = refuse(RC.ALREADY_EXISTS, f"{spec.name} {_show(article, spec.ident)} already exists")
            if problem is None:
                problem = self.one_to_one_free(spec, article, RC.ALREADY_EXISTS)
            for path in one_to_one:
                held = self.origin_values(path, article)
                if problem is None and isinstance(held, dict):
                    key = (path.name, self.ident_of(self.records[path.origin], held))
                    if key in taken:
                        problem = refuse(
                            RC.ALREADY_EXISTS,
                            f"{path.origin} {_show(held, list(held))} is given two "
                            f"{path.target}s on 1-1 path {path.name} in this batch",
                        )
                    taken.add(key)
            if problem is not None:
                return refuse(problem.rc, f"article {position}: {problem.message}", position)
            seen.add(ident)
        return None

    def note_batch(self, spec: RecordSpec, values: Sequence[dict[str, Any]]) -> None:
        for article in values:
            self.note_new(spec, article)

    def do_rewrite(self, spec: RecordSpec, article: Any) -> Reply:

        def work() -> Reply:
            patch = self._checked(spec, article, PATCH)
            current = self.fetch(spec, patch)
            if current is None:
                return refuse(RC.NOT_FOUND, f"no {spec.name} {_show(patch, spec.ident)}")
            merged = {**current, **{k: patch[k] for k in article}}
            for path_name in spec.stored_paths:
                path = self.paths[path_name]
                if not any(t in article for t in path.target_items):
                    continue
                before = self.origin_values(path, current)
                after = self.origin_values(path, merged)
                if isinstance(after, Reply):
                    return after
                if before == after:
                    continue
                if path.identifying:
                    return refuse(RC.RT_MISMATCH, f"path {path.name}'s items are {spec.name}'s identifier")
                if after is not None:
                    denied_o = self.need_open(path.origin, write=False)
                    if denied_o:
                        return denied_o
                    origin = self.records[path.origin]
                    if not self.exists(origin, after):
                        return refuse(
                            RC.NOT_FOUND,
                            f"{path.origin} {_show(after, origin.ident)} (path {path.name}) does not exist",
                        )
                    if path.cls == "1-1":
                        other = self.target_of(path, after)
                        if other is not None:
                            return refuse(
                                RC.ALREADY_EXISTS,
                                f"{path.origin} {_show(after, origin.ident)} already has a "
                                f"{path.target} on 1-1 path {path.name}",
                            )
                elif path.target_needs_origin:
                    self.note(path.name, "target", self.ident_of(spec, merged))
                if isinstance(before, dict) and path.origin_needs_target:
                    origin = self.records[path.origin]
                    self.note(path.name, "origin", self.ident_of(origin, before))
            params = dict(zip(spec.columns, spec.encode(merged), strict=True))
            self.driver.run(spec.update.sql, tuple(params[c] for c in spec.update.params))
            self.dirty.add(spec.table)
            return Reply(RC.OK, merged)

        return self.guard(work, writes=True)

    def do_delete(self, spec: RecordSpec, identifier: Any) -> Reply:

        def work() -> Reply:
            values = self.check_ident(spec, identifier)
            if isinstance(values, Reply):
                return values
            current = self.fetch(spec, values)
            if current is None:
                return refuse(RC.NOT_FOUND, f"no {spec.name} {_show(values, spec.ident)}")
            ident = self.ident_of(spec, current)
            o = dict(zip(spec.ident, ident, strict=True))
            # Links from this article as an origin: unlink its targets (an identifying path's
            # targets cannot be unlinked: they would lose their identity — 901 now).
            for path_name in spec.origin_of:
                path = self.paths[path_name]
                assert path.targets_of_origin is not None
                targets = self.driver.all(path.targets_of_origin.sql, self._bind(path.targets_of_origin, o=o))
                if not targets:
                    continue
                if path.identifying:
                    target = self.records[path.target]
                    shown = "/".join(str(v) for v in self.decode_ident(target, tuple(targets[0])).values())
                    return refuse(
                        RC.TARGET_CONSTRAINT,
                        f"{path.target} {shown} would lose its {spec.name} "
                        f"on identifying path {path.name}: delete it first",
                    )
                if path.target_needs_origin:
                    for t in targets:
                        self.note(path.name, "target", tuple(t))
                assert path.unlink_all_from_origin is not None
                self.driver.run(path.unlink_all_from_origin.sql, self._bind(path.unlink_all_from_origin, o=o))
                self.dirty.add(self.records[path.target].table)
            # Links to this article as a target: its origins may lose their last target.
            for path_name in spec.target_of:
                path = self.paths[path_name]
                if path.many_to_many:
                    assert path.origins_of_target is not None and path.unlink_all_to_target is not None
                    t = dict(zip(spec.ident, ident, strict=True))
                    origins = self.driver.all(path.origins_of_target.sql, self._bind(path.origins_of_target, t=t))
                    if path.origin_needs_target:
                        for origin_ident in origins:
                            self.note(path.name, "origin", tuple(origin_ident))
                    self.driver.run(path.unlink_all_to_target.sql, self._bind(path.unlink_all_to_target, t=t))
                elif path.origin_needs_target:
                    held = self.origin_values(path, current)
                    if isinstance(held, dict):
                        self.note(path.name, "origin", self.ident_of(self.records[path.origin], held))
            self.driver.run(spec.delete.sql, ident)
            self.dirty.add(spec.table)
            return Reply(RC.OK, current)

        return self.guard(work, writes=True)

    # -- path requests -------------------------------------------------------------------
    def do_read_target_via_path(self, path: PathSpec, origin_id: Any, current: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            o_values = self.check_ident(origin, origin_id)
            if isinstance(o_values, Reply):
                return o_values
            cur: dict[str, Any] | None = None
            if current is not None:
                # an N-N target read earlier carries its link items (e.g. role): not the target's
                _, current_body = self._split_link(path, current)
                cur_checked = self.check_ident(target, current_body, target=True)
                if isinstance(cur_checked, Reply):
                    return cur_checked
                cur = cur_checked
            if not self.exists(origin, o_values):
                return refuse(RC.NOT_FOUND, f"no {origin.name} {_show(o_values, origin.ident)}")
            o = self.encoded(origin, o_values)
            if cur is None:
                row = self.first_target_row(path, o)
            else:
                sort_values = self._sort_values(path, target, cur, o)
                if isinstance(sort_values, Reply):
                    return sort_values
                row = self.next_target_row(path, o, sort_values)
            if row is None:
                what = "no target" if cur is None else "no next target"
                return refuse(
                    RC.TARGET_NOT_FOUND,
                    f"{what} of {origin.name} {_show(o_values, origin.ident)} on path {path.name}",
                )
            return Reply(RC.OK, self._target_article(path, target, row))

        return self.guard(work, writes=False)

    def first_target_row(self, path: PathSpec, o: Mapping[str, Any]) -> Any:
        """The first target row of an origin (``o``: its encoded identifier) in path order."""
        assert path.first_target is not None
        return self.driver.one(path.first_target.sql, self._bind(path.first_target, o=o))

    def next_target_row(self, path: PathSpec, o: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        """The target row after ``current`` (its encoded sort items and identifier) in path order."""
        assert path.next_target is not None
        return self.driver.one(path.next_target.sql, self._bind(path.next_target, o=o, c=current))

    def _target_article(self, path: PathSpec, target: RecordSpec, row: Any) -> dict[str, Any]:
        if path.many_to_many and path.link_items:
            assert path.decode_link is not None
            width = len(target.columns)
            article = target.decode(row[:width])
            article.update(path.decode_link(row[width:]))
            return article
        return target.decode(row)

    def _sort_values(
        self, path: PathSpec, target: RecordSpec, cur: dict[str, Any], o: dict[str, Any]
    ) -> dict[str, Any] | Reply:
        """The current target's sort items and identifier, read back if the caller gave only its identifier;
        401 if it is not a target of this origin on this path."""
        row_article = self.fetch(target, cur)
        linked = row_article is not None
        if linked and row_article is not None:
            t = self.encoded(target, row_article)
            assert path.link_exists is not None
            linked = self.driver.one(path.link_exists.sql, self._bind(path.link_exists, o=o, t=t)) is not None
        if not linked or row_article is None:
            return refuse(
                RC.TARGET_NOT_FOUND,
                f"current {target.name} {_show(cur, target.ident)} is not on path {path.name} from this origin",
            )
        names = tuple(dict.fromkeys(path.sort + target.ident))
        return {n: target.encode_value(n, row_article[n]) for n in names}

    def do_read_origin_via_path(self, path: PathSpec, target_id: Any, current: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            t_values = self.check_ident(target, target_id, target=True)
            if isinstance(t_values, Reply):
                return t_values
            cur: dict[str, Any] | None = None
            if current is not None:
                cur_checked = self.check_ident(origin, current)
                if isinstance(cur_checked, Reply):
                    return cur_checked
                cur = cur_checked
            row_article = self.fetch(target, t_values)
            if row_article is None:
                return refuse(RC.TARGET_NOT_FOUND, f"no {target.name} {_show(t_values, target.ident)}")
            if not path.many_to_many:
                held = self.origin_values(path, row_article)
                if cur is not None or not isinstance(held, dict):
                    what = "no next origin" if cur is not None else "no origin"
                    return refuse(
                        RC.NOT_FOUND,
                        f"{what} of {target.name} {_show(t_values, target.ident)} on path {path.name}",
                    )
                found = self.fetch(origin, held)
                if found is None:  # pragma: no cover - a foreign key (or the interface) prevents it
                    return refuse(RC.NOT_FOUND, f"origin of {target.name} on path {path.name} is missing")
                return Reply(RC.OK, found)
            t = self.encoded(target, t_values)
            if cur is None:
                assert path.first_origin is not None
                row = self.driver.one(path.first_origin.sql, self._bind(path.first_origin, t=t))
            else:
                c = self.encoded(origin, cur)
                assert path.next_origin is not None
                row = self.driver.one(path.next_origin.sql, self._bind(path.next_origin, t=t, c=c))
            if row is None:
                what = "no origin" if cur is None else "no next origin"
                return refuse(
                    RC.NOT_FOUND,
                    f"{what} of {target.name} {_show(t_values, target.ident)} on path {path.name}",
                )
            return Reply(RC.OK, origin.decode(row))

        return self.guard(work, writes=False)

    def do_write_target_via_path(self, path: PathSpec, origin_id: Any, article: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            o_values = self.check_ident(origin, origin_id)
            if isinstance(o_values, Reply):
                return o_values
            link_values, body = self._split_link(path, article)
            t_article = self._with_origin(path, o_values, body)
            values = self._checked(target, t_article, FULL, target=True)
            links = self._checked_link(path, link_values)
            if not self.exists(origin, o_values):
                return refuse(RC.NOT_FOUND, f"no {origin.name} {_show(o_values, origin.ident)}")
            reply = self._insert(
                target,
                values,
                rc_exists=RC.TARGET_ALREADY_EXISTS,
                rc_one=RC.TARGET_ALREADY_EXISTS,
                skip=path.name,
            )
            if reply.rc != RC.OK:
                return reply
            if path.cls == "1-1":
                other = self.target_of(path, o_values)
                if other is not None and any(other[i] != values[i] for i in target.ident):
                    return refuse(
                        RC.TARGET_ALREADY_EXISTS,
                        f"{origin.name} {_show(o_values, origin.ident)} already "
                        f"has a {target.name} on 1-1 path {path.name}",
                    )
            if path.many_to_many:
                self._link(path, origin, target, o_values, values, links)
            article_out = dict(values)
            article_out.update(links)
            return Reply(RC.OK, article_out)

        return self.guard(work, writes=True)

    def _split_link(self, path: PathSpec, article: Any) -> tuple[dict[str, Any], Any]:
        """An N-N path's own items (e.g. Composition's role) travel in the target article."""
        if not path.link_items or not isinstance(article, Mapping):
            return {}, article
        links = {k: v for k, v in article.items() if k in path.link_items}
        body = {k: v for k, v in article.items() if k not in path.link_items}
        return links, body

    def _checked_link(self, path: PathSpec, links: Mapping[str, Any]) -> dict[str, Any]:
        if path.check_link is None:
            return {}
        checked = path.check_link(links, FULL)
        if isinstance(checked, Refusal):
            refusal = _as_target(checked)
            raise _Failure(refusal.rc, refusal.message)
        return checked

    def _with_origin(self, path: PathSpec, o_values: Mapping[str, Any], article: Any) -> Any:
        """The target article with the origin's identifier in its path items (21 if they disagree)."""
        if path.many_to_many or not isinstance(article, Mapping):
            return article
        out = dict(article)
        for o_item, t_item in path.origin_items:
            given = out.get(t_item)
            if given is not None and given != o_values[o_item]:
                raise _Failure(
                    RC.TARGET_MISMATCH,
                    f"{path.target}.{t_item} = {given!r} but the origin's "
                    f"{o_item} is {o_values[o_item]!r} on path {path.name}",
                )
            out[t_item] = o_values[o_item]
        return out

    def _link(
        self,
        path: PathSpec,
        origin: RecordSpec,
        target: RecordSpec,
        o_values: Mapping[str, Any],
        t_values: Mapping[str, Any],
        links: Mapping[str, Any],
    ) -> None:
        assert path.link is not None
        o = self.encoded(origin, o_values)
        t = self.encoded(target, t_values)
        self.driver.run(path.link.sql, self._bind(path.link, o=o, t=t, l=dict(links)))
        self.dirty.add(path.junction or target.table)

    def do_write_origin_and_target(self, path: PathSpec, origin_article: Any, target_article: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            o_values = self._checked(origin, origin_article, FULL)
            link_values, body = self._split_link(path, target_article)
            t_article = self._with_origin(path, o_values, body)
            t_values = self._checked(target, t_article, FULL, target=True)
            links = self._checked_link(path, link_values)
            # Every check before any write: both or neither, on DuckDB too (no savepoints there).
            problem = self.links_of(origin, o_values)
            if problem:
                return problem
            if self.exists(origin, o_values):
                return refuse(RC.ALREADY_EXISTS, f"{origin.name} {_show(o_values, origin.ident)} already exists")
            problem = self.one_to_one_free(origin, o_values, RC.ALREADY_EXISTS)
            if problem:
                return problem
            problem = self.links_of(target, t_values, skip=path.name)
            if problem:
                return refuse(problem.rc + 1 if problem.rc == RC.NOT_FOUND else problem.rc, problem.message)
            if path.origin == path.target and all(o_values[i] == t_values[i] for i in origin.ident):
                return refuse(RC.TARGET_ALREADY_EXISTS, f"origin and target are the same {origin.name}")
            if self.exists(target, t_values):
                return refuse(RC.TARGET_ALREADY_EXISTS, f"{target.name} {_show(t_values, target.ident)} already exists")
            problem = self.one_to_one_free(target, t_values, RC.TARGET_ALREADY_EXISTS, skip=path.name)
            if problem:
                return problem
            for spec, values in ((origin, o_values), (target, t_values)):
                self.driver.run(spec.insert.sql, spec.encode(values))
                self.dirty.add(spec.table)
                self.note_new(spec, values)
            if path.many_to_many:
                self._link(path, origin, target, o_values, t_values, links)
            out = dict(t_values)
            out.update(links)
            return Reply(RC.OK, out)

        return self.guard(work, writes=True)

    def _link_ends(
        self, path: PathSpec, origin_id: Any, target_id: Any, *, with_links: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]] | Reply:
        """BOUND's and DEBOUND's common checks (11/21, 13/23, 400): the two identifiers, the link
        items (N-N), and both identifiers encoded for the DBMS."""
        origin, target = self.records[path.origin], self.records[path.target]
        o_values = self.check_ident(origin, origin_id)
        if isinstance(o_values, Reply):
            return o_values
        link_values, body = self._split_link(path, target_id)
        t_values = self.check_ident(target, body, target=True)
        if isinstance(t_values, Reply):
            return t_values
        links = self._checked_link(path, link_values) if with_links else {}
        if not self.exists(origin, o_values):
            return refuse(RC.NOT_FOUND, f"no {origin.name} {_show(o_values, origin.ident)}")
        return o_values, t_values, links, self.encoded(origin, o_values), self.encoded(target, t_values)

    @staticmethod
    def encoded(spec: RecordSpec, values: Mapping[str, Any]) -> dict[str, Any]:
        """An article's identifier as the DBMS's parameters, by item."""
        return {i: spec.encode_value(i, values[i]) for i in spec.ident}

    def do_bound(self, path: PathSpec, origin_id: Any, target_id: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            ends = self._link_ends(path, origin_id, target_id)
            if isinstance(ends, Reply):
                return ends
            o_values, t_values, links, o, t = ends
            current = self.fetch(target, t_values)
            if current is None:
                return refuse(RC.TARGET_NOT_FOUND, f"no {target.name} {_show(t_values, target.ident)}")
            assert path.link_exists is not None
            if self.driver.one(path.link_exists.sql, self._bind(path.link_exists, o=o, t=t)) is not None:
                return refuse(RC.TARGET_ALREADY_EXISTS, f"the link {path.name} already exists")
            if path.cls == "1-1" and self.target_of(path, o_values) is not None:
                return refuse(
                    RC.ALREADY_EXISTS,
                    f"{origin.name} {_show(o_values, origin.ident)} already has a "
                    f"{target.name} on 1-1 path {path.name}",
                )
            if not path.many_to_many:
                held = self.origin_values(path, current)
                if held is not None:
                    return refuse(
                        RC.TARGET_ALREADY_EXISTS,
                        f"{target.name} {_show(t_values, target.ident)} already has an origin on path {path.name}",
                    )
            self._link(path, origin, target, o_values, t_values, links)
            out = dict(current)
            out.update(links)
            return Reply(RC.OK, out)

        return self.guard(work, writes=True)

    def do_debound(self, path: PathSpec, origin_id: Any, target_id: Any) -> Reply:
        origin, target = self.records[path.origin], self.records[path.target]

        def work() -> Reply:
            ends = self._link_ends(path, origin_id, target_id, with_links=False)
            if isinstance(ends, Reply):
                return ends
            o_values, t_values, _, o, t = ends
            assert path.link_exists is not None
            if self.driver.one(path.link_exists.sql, self._bind(path.link_exists, o=o, t=t)) is None:
                return refuse(
                    RC.TARGET_NOT_FOUND,
                    f"no link {path.name} from {origin.name} {_show(o_values, origin.ident)} "
                    f"to {target.name} {_show(t_values, target.ident)}",
                )
            if path.identifying:
                return refuse(
                    RC.TARGET_CONSTRAINT,
                    f"{target.name} {_show(t_values, target.ident)} cannot leave its "
                    f"{origin.name}: path {path.name} is part of its identifier",
                )
            assert path.unlink is not None
            self.driver.run(path.unlink.sql, self._bind(path.unlink, o=o, t=t))
            self.dirty.add(path.junction or target.table)
            if path.target_needs_origin:
                self.note(path.name, "target", tuple(t[i] for i in target.ident))
            if path.origin_needs_target:
                self.note(path.name, "origin", tuple(o[i] for i in origin.ident))
            return Reply(RC.OK, None, f"{path.name} link removed")

        return self.guard(work, writes=True)

    # -- units of work ---------------------------------------------------------------------
    def do_begin(self) -> Reply:
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "a unit of work is already open")
        try:
            self.driver.begin()
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return refuse(RC.DBMS_FAILURE, f"{self.driver.name} failed to begin: {type(exc).__name__}: {exc}")
        self.in_unit = True
        self.pending.clear()
        return Reply(RC.OK, None, "unit of work open")

    def do_commit(self) -> Reply:
        if not self.in_unit:
            return refuse(RC.ALREADY_CLOSED, "no unit of work is open")
        try:
            failure = self._check_pending()
            if failure is not None:
                self._abort()
                return failure
            self.driver.commit()
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(
                RC.DBMS_FAILURE,
                f"{self.driver.name} failed to commit: {type(exc).__name__}: {exc} (the unit of work is rolled back)",
            )
        self.in_unit = False
        self.database.note_writes(self)
        self.dirty.clear()
        return Reply(RC.OK, None, "unit of work committed")

    def do_rollback(self) -> Reply:
        if not self.in_unit:
            return refuse(RC.ALREADY_CLOSED, "no unit of work is open")
        try:
            self.driver.rollback()
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(RC.DBMS_FAILURE, f"{self.driver.name} failed to roll back: {type(exc).__name__}: {exc}")
        self._abort()
        return Reply(RC.OK, None, "unit of work rolled back")

    # -- openings (SPEC §3.3) ----------------------------------------------------------------
    def do_open_db(self, openings: Any) -> Reply:
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "OPEN DB is refused inside a unit of work")
        if isinstance(openings, str | bytes | Mapping) or not isinstance(openings, Iterable):
            return refuse(RC.RT_MISMATCH, "OPEN DB takes a list of record types or (record type, mode) pairs")
        wanted: list[tuple[Any, Any]] = []
        for entry in openings:
            if isinstance(entry, tuple | list):
                if len(entry) != 2:
                    return refuse(
                        RC.RT_MISMATCH, f"OPEN DB entry {len(wanted) + 1}: (record type, mode), got {entry!r}"
                    )
                wanted.append((entry[0], entry[1]))
            else:
                wanted.append((entry, Mode.CONSULT))
        if not wanted:
            return refuse(RC.RT_MISMATCH, "OPEN DB needs at least one record type")
        if len(wanted) > MAX_OPEN:
            return refuse(RC.RT_MISMATCH, f"OPEN DB opens at most {MAX_OPEN} record types at once, got {len(wanted)}")
        # Thesis VII.3, in SPEC §3.1's precedence: unknown (10·i) first, then permission
        # (500+i), then other sessions (600+i) — a user learns nothing of what they may not open.
        for i, (rt, _) in enumerate(wanted, start=1):
            if not isinstance(rt, str) or rt not in self.records:
                return refuse(10 * i, f"record type {rt!r} (position {i}) is unknown", i)
        for i, (rt, mode) in enumerate(wanted, start=1):
            if isinstance(mode, bool) or mode not in (1, 2, 3):
                return refuse(RC.VALUE_INVALID, f"mode of {rt} (position {i}) must be 1, 2 or 3, not {mode!r}", i)
        merged: dict[str, int] = {}
        for rt, mode in wanted:
            merged[rt] = max(merged.get(rt, 0), int(mode))
        for i, (rt, mode) in enumerate(wanted, start=1):
            if int(mode) > self.permissions.get(rt, 0):
                return refuse(500 + i, f"user {self.user} may not open {rt} in mode {mode}", i)
        try:
            conflict = self.database.openings.acquire(self, merged)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(RC.DBMS_FAILURE, f"{self.driver.name} failed during OPEN DB: {type(exc).__name__}: {exc}")
        if conflict is not None:
            rt, holder_user = conflict
            i = next(i for i, (name, _) in enumerate(wanted, start=1) if name == rt)
            return refuse(
                600 + i,
                f"{rt} (position {i}) is open by another session ({holder_user}) in an incompatible mode",
                i,
            )
        self.opened.update(merged)
        return Reply(RC.OK, None, f"opened {', '.join(f'{rt} ({m})' for rt, m in merged.items())}")

    def do_close_rt(self, rt: Any) -> Reply:
        if not isinstance(rt, str) or rt not in self.records:
            return refuse(RC.RT_UNKNOWN, f"record type {rt!r} is unknown")
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "CLOSE RT is refused inside a unit of work")
        if rt not in self.opened:
            return refuse(RC.ALREADY_CLOSED, f"{rt} is not open in this session")
        try:
            self.database.openings.release(self, [rt])
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return refuse(RC.DBMS_FAILURE, f"{self.driver.name} failed during CLOSE RT: {type(exc).__name__}: {exc}")
        del self.opened[rt]
        return Reply(RC.OK, None, f"{rt} closed")

    def do_close_db(self) -> Reply:
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "CLOSE DB is refused inside a unit of work")
        try:
            self.database.openings.release(self, list(self.opened))
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return refuse(RC.DBMS_FAILURE, f"{self.driver.name} failed during CLOSE DB: {type(exc).__name__}: {exc}")
        self.opened.clear()
        return Reply(RC.OK, None, "every record type closed")

    def release(self) -> None:
        """Give the connection back (the session is over): openings first, then the connection."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.in_unit:
                self._abort()
            if self.opened:
                self.database.openings.release(self, list(self.opened))
                self.opened.clear()
        except Exception:  # noqa: BLE001 - a dead connection: its openings are reclaimed by proof of life
            self.opened.clear()
        finally:
            LIVE_SESSIONS.pop(self.id, None)
            with contextlib.suppress(Exception):  # the connection may already be gone
                self.driver.close()

    def alive_check(self, holders: list[tuple[str, str]]) -> set[str]:
        """Sessions among ``(session, holder)`` that are alive (others' openings are reclaimed)."""
        servers = self.driver.servers_alive({h.partition("|")[0] for _, h in holders})
        return {s for s, h in holders if holder_alive(h, s, servers)}


def _show(values: Mapping[str, Any], items: Iterable[str]) -> str:
    return ", ".join(f"{i}={values.get(i)!r}" for i in items)
