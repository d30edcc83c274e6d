"""The state every session shares, and the requests that act on the session itself.

:class:`SessionBase` holds a session's connection, openings, unit of work and pending
existence checks; it answers OPEN DB, CLOSE RT, CLOSE DB, BEGIN, COMMIT and ROLLBACK, checks
articles (``check``), and gives the request algorithms (:mod:`.reads`, :mod:`.writes`,
:mod:`.paths`) their common checks. Refusals are decided before anything is written, in the
contract's precedence (10/20/30 → 600 → 11/21 → 12/22 → 13/23 → 400/401 → 500/501 → 900/901
→ 999); existence constraints are checked when the unit ends and roll it back; a DBMS failure
answers 999.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from assurdb.metadb.contract import RC, Mode, Reply
from assurdb.metadb.meta import SYSTEM_ONLY
from assurdb.runtime.liveness import LIVE_SESSIONS, holder_alive
from assurdb.runtime.specs import PURPOSES, PathSpec, RecordSpec, Refusal, Stmt

if TYPE_CHECKING:
    from assurdb.metadb.model import Schema
    from assurdb.runtime.connection import Connection
    from assurdb.runtime.database import Database


#: The user name of the system's own sessions (set-up, administration, login, migrations): a name
#: no user may take, the only sessions that open the system's record types and read hidden items.
SYSTEM_USER = "system"

#: OPEN DB takes at most 49 record types: 10·i must stay a two-digit multiple of ten (thesis VII.3).
MAX_OPEN = 49


class _Failure(Exception):
    """A refusal found deep in an algorithm, carried to the request's top as a reply."""

    def __init__(self, rc: int, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.reply = refuse(rc, message, position)


def _as_target(refusal: Refusal) -> Refusal:
    """11/12/13 about a target article are 21/22/23."""
    if refusal.rc in (RC.RT_MISMATCH, RC.KEY_NOT_ACCESS, RC.VALUE_INVALID):
        return Refusal(refusal.rc + 10, refusal.message)
    return refusal


def refuse(rc: int, message: str, position: int | None = None, *, computed: bool = False) -> Reply:
    """A refusal; ``computed``: OPEN DB's 10·i, 500+i, 600+i, kept as plain ints so that they never
    read as the fixed code sharing their number (501 is not TARGET_ALREADY_EXISTS there)."""
    code = RC(rc) if rc in RC._value2member_map_ and not computed else int(rc)
    return Reply(code, None, message, position)


class SessionBase:
    """One user session: its connection, openings, unit of work and pending checks."""

    def __init__(
        self, database: Database, user: str, permissions: Mapping[str, int], connection: Connection | None = None
    ) -> None:
        self.id = uuid.uuid4().hex
        self.database = database
        self.backend = database.backend
        self.records: Mapping[str, RecordSpec] = database.compiled.records
        self.paths: Mapping[str, PathSpec] = database.compiled.paths
        self.conn = database.backend.connect() if connection is None else connection
        self._user = user
        self.permissions = dict(permissions)
        #: whether the user was active when its rights were last read (login, OPEN DB)
        self.active = True
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
        return self.database.schema

    @property
    def is_system(self) -> bool:
        """A session of the system itself, never a user's (``login`` refuses the name)."""
        return self._user == SYSTEM_USER

    def read_rights(self, user: str) -> tuple[bool, dict[str, int]]:
        """Whether ``user`` exists and is active, and its permissions (record type → highest mode),
        as the meta-database holds them now, read on this session's connection (no opening)."""
        users, grants = self.records["User"], self.records["Permission"]
        row = self.conn.one(users.select_by_id.sql, (users.encode_value("name", user),))
        if row is None or not users.decode(row)["active"]:
            return False, {}
        sql = grants.select_all + " WHERE " + grants.where_eq["user"]
        rows = [grants.decode(r) for r in self.conn.all(sql, (grants.encode_value("user", user),))]
        return True, {str(r["record_type"]): int(r["mode"]) for r in rows}

    # -- checking an article against the meta-database (no data read, nothing opened) ------
    def check(self, rt: str, article: Mapping[str, object], *, purpose: str = "write", every: bool = True) -> Reply:
        """Check an article for a request: 0 with the values in canonical form (a new article with
        its defaults), or 10 / 11 / 13 naming every problem (``every``) or the first one."""
        spec = self.records.get(rt) if isinstance(rt, str) else None
        if spec is None:
            return refuse(RC.RT_UNKNOWN, f"record type {rt!r} is unknown")
        mode = PURPOSES.get(purpose) if isinstance(purpose, str) else None
        if mode is None:
            return refuse(RC.RT_MISMATCH, f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
        if not isinstance(article, Mapping):
            return refuse(RC.RT_MISMATCH, f"{rt}: an article is a mapping of item names to values")
        checked = spec.check(article, mode, every)
        if isinstance(checked, Refusal):
            return refuse(checked.rc, checked.message)
        return Reply(RC.OK, checked, f"{rt}: the article fits the meta-database")

    # -- guards ----------------------------------------------------------------------
    def need_open(self, rt: str, *, write: bool) -> Reply | None:
        mode = self.opened.get(rt, 0)
        if mode == 0:
            return refuse(RC.MODE_FORBIDS, f"{rt} is not open in this session (OPEN DB first)")
        if write and mode == Mode.CONSULT:
            return refuse(RC.MODE_FORBIDS, f"{rt} is open in mode 1 (consult): writing needs mode 2 or 3")
        return None

    # -- transactions ----------------------------------------------------------------
    def _start(self) -> None:
        """Open the transaction of a writing request (a unit's is already open)."""
        if not self.in_unit and not self.conn.in_tx:
            self.conn.begin()

    def _finish(self) -> Reply | None:
        """End a writing request: outside a unit, check existence constraints and commit."""
        if self.in_unit:
            return None
        failure = self._check_pending()
        if failure is not None:
            self._abort()
            return failure
        self.conn.commit()
        self.backend.committed(self.dirty)
        self.dirty.clear()
        return None

    def _abort(self) -> None:
        self.pending.clear()
        self.in_unit = False
        self.dirty.clear()
        if self.conn.in_tx:
            try:
                self.conn.rollback()
            except Exception:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
                self.conn.in_tx = False

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
        """999: the DBMS failed; the unit, if one is open, is rolled back and over."""
        was_unit = self.in_unit
        self._abort()
        unit = " (the unit of work is rolled back)" if was_unit else ""
        return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed: {type(exc).__name__}: {exc}{unit}")

    def note(self, path: str, side: str, ident: tuple[Any, ...]) -> None:
        self.pending.setdefault((path, side), set()).add(ident)

    def _check_pending(self) -> Reply | None:
        """Existence constraints of the articles this unit touched."""
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
        if len(idents) > self.backend.bulk_check:
            assert path.any_target_without_origin is not None
            row = self.conn.one(path.any_target_without_origin.sql, ())
            missing = None if row is None else tuple(row)
        else:
            missing = None
            for ident in sorted(idents):  # encoded identifiers, in the order the set-based query reports
                if self.conn.one(target.exists.sql, ident) is None:
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
        if len(idents) > self.backend.bulk_check:
            assert path.any_origin_without_target is not None
            row = self.conn.one(path.any_origin_without_target.sql, ())
            missing = None if row is None else tuple(row)
        else:
            missing = None
            for ident in sorted(idents):  # encoded identifiers, in the order the set-based query reports
                params = ident  # pending sets hold encoded identifiers
                if self.conn.one(origin.exists.sql, params) is None:
                    continue
                assert path.has_target is not None
                if (
                    self.conn.one(
                        path.has_target.sql,
                        self.bind(path.has_target, o=dict(zip(origin.ident, params, strict=True))),
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
    def decode_ident(self, spec: RecordSpec, encoded: tuple[Any, ...]) -> dict[str, Any]:
        row = self.conn.one(spec.select_by_id.sql, encoded)
        if row is None:
            return dict(zip(spec.ident, encoded, strict=True))
        article = spec.decode(row)
        return {i: article[i] for i in spec.ident}

    @staticmethod
    def encoded(spec: RecordSpec, values: Mapping[str, Any]) -> dict[str, Any]:
        """An article's identifier as the DBMS's parameters, by item."""
        return {i: spec.encode_value(i, values[i]) for i in spec.ident}

    def ident_of(self, spec: RecordSpec, values: Mapping[str, Any]) -> tuple[Any, ...]:
        enc = spec.encode_value
        return tuple(enc(i, values[i]) for i in spec.ident)

    @staticmethod
    def bind(stmt: Stmt, **groups: Mapping[str, Any]) -> tuple[Any, ...]:
        """Parameters of ``stmt`` from prefixed groups: ``o_x`` is ``groups["o"]["x"]``."""
        out = []
        for name in stmt.params:
            prefix, _, item = name.partition("_")
            out.append(groups[prefix][item])
        return tuple(out)

    def _has_origin(self, path: PathSpec, target: RecordSpec, ident: tuple[Any, ...]) -> bool:
        assert path.has_origin is not None
        row = self.conn.one(
            path.has_origin.sql, self.bind(path.has_origin, t=dict(zip(target.ident, ident, strict=True)))
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
        if type(article) is not dict and not isinstance(article, Mapping):  # the common case without the ABC
            return refuse(RC.RT_MISMATCH + bump, f"{spec.name}: an article is a mapping of item names to values")
        order = spec.order.get(key) if isinstance(key, str) else None
        if order is None:
            return refuse(
                RC.KEY_NOT_ACCESS + bump,
                f"{key!r} is not an access key of {spec.name} (keys: {', '.join(spec.keys)})",
            )
        checked = spec.lookup(article)
        if isinstance(checked, Refusal):
            return refuse(checked.rc + bump, checked.message)
        given = 0
        for item in order:
            if checked.get(item) is None:
                break
            given += 1
        if given == len(order):  # the whole key order: every key item given, nothing stray
            return checked, given
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
        row = self.conn.one(spec.select_by_id.sql, self.ident_of(spec, values))
        return None if row is None else spec.decode(row)

    def exists(self, spec: RecordSpec, values: Mapping[str, Any]) -> bool:
        return self.conn.one(spec.exists.sql, self.ident_of(spec, values)) is not None

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
        An interpretation of the contract, noted in ARCHITECTURE.md."""
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
        row = self.conn.one(path.first_target.sql, self.bind(path.first_target, o=o))
        return None if row is None else self.records[path.target].decode(row)

    def note_new(self, spec: RecordSpec, values: Mapping[str, Any]) -> None:
        """A new article: its own existence constraints are to be checked at the unit's end."""
        self._note_idents(spec, [self.ident_of(spec, values)])

    def note_new_batch(self, spec: RecordSpec, columns: Mapping[str, list[Any]]) -> None:
        """:meth:`note_new` for a checked batch at once: the identifiers encoded column by column
        as the batch's insert encodes them (one set update per path, not a call per article).

        Past the backend's ``bulk_check`` identifiers the unit's end checks the whole table at once,
        whatever the others: the first ``bulk_check + 1`` of an inserted batch (distinct, since it was
        inserted) say so as well as all of them (half a second for 520 000 cessions)."""
        encoded = []
        keep = self.backend.bulk_check + 1
        for item in spec.ident:
            values = columns[item]
            _names, spread = spec.item_columns[item]
            encoded.append((values if spread is None else spread(values)[0])[:keep])
        self._note_idents(spec, list(zip(*encoded, strict=True)))

    def _note_idents(self, spec: RecordSpec, idents: list[tuple[Any, ...]]) -> None:
        """The existence constraints of new articles of ``spec`` (encoded identifiers), for the unit's end."""
        for path_name in spec.target_of:
            if self.paths[path_name].target_needs_origin:
                self.pending.setdefault((path_name, "target"), set()).update(idents)
        for path_name in spec.origin_of:
            if self.paths[path_name].origin_needs_target:
                self.pending.setdefault((path_name, "origin"), set()).update(idents)

    # -- units of work ---------------------------------------------------------------------
    def do_begin(self) -> Reply:
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "a unit of work is already open")
        try:
            self.conn.begin()
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed to begin: {type(exc).__name__}: {exc}")
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
            self.conn.commit()
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(
                RC.DBMS_FAILURE,
                f"{self.conn.name} failed to commit: {type(exc).__name__}: {exc} (the unit of work is rolled back)",
            )
        self.in_unit = False
        self.backend.committed(self.dirty)
        self.dirty.clear()
        return Reply(RC.OK, None, "unit of work committed")

    def do_rollback(self) -> Reply:
        if not self.in_unit:
            return refuse(RC.ALREADY_CLOSED, "no unit of work is open")
        try:
            self.conn.rollback()
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed to roll back: {type(exc).__name__}: {exc}")
        self._abort()
        return Reply(RC.OK, None, "unit of work rolled back")

    # -- openings ----------------------------------------------------------------
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
        # Thesis VII.3, in the contract's precedence: unknown (10·i) first, then permission
        # (500+i), then other sessions (600+i) — a user learns nothing of what they may not open.
        for i, (rt, _) in enumerate(wanted, start=1):
            if not isinstance(rt, str) or rt not in self.records:
                return refuse(10 * i, f"record type {rt!r} (position {i}) is unknown", i, computed=True)
        for i, (rt, mode) in enumerate(wanted, start=1):
            if isinstance(mode, bool) or mode not in (1, 2, 3):
                return refuse(RC.VALUE_INVALID, f"mode of {rt} (position {i}) must be 1, 2 or 3, not {mode!r}", i)
        merged: dict[str, int] = {}
        for rt, mode in wanted:
            merged[rt] = max(merged.get(rt, 0), int(mode))
        if not self.is_system:
            # Rights are the meta-database's now, not the login's: a revocation or a deactivation
            # reaches a live session at its next OPEN DB (what it holds open stays open until closed).
            try:
                self.active, self.permissions = self.read_rights(self.user)
            except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
                return self.failed(exc)
        for i, (rt, mode) in enumerate(wanted, start=1):
            if rt in SYSTEM_ONLY and not self.is_system:
                return refuse(500 + i, f"{rt} is the system's own: no user may open it", i, computed=True)
            if int(mode) > self.permissions.get(rt, 0):
                why = "" if self.active else f" (user {self.user} is deactivated or no longer exists)"
                return refuse(500 + i, f"user {self.user} may not open {rt} in mode {mode}{why}", i, computed=True)
        try:
            conflict = self.database.openings.acquire(self, merged)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed during OPEN DB: {type(exc).__name__}: {exc}")
        if conflict is not None:
            rt, holder_user = conflict
            i = next(i for i, (name, _) in enumerate(wanted, start=1) if name == rt)
            return refuse(
                600 + i,
                f"{rt} (position {i}) is open by another session ({holder_user}) in an incompatible mode",
                i,
                computed=True,
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
            return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed during CLOSE RT: {type(exc).__name__}: {exc}")
        del self.opened[rt]
        return Reply(RC.OK, None, f"{rt} closed")

    def do_close_db(self) -> Reply:
        if self.in_unit:
            return refuse(RC.ALREADY_OPEN, "CLOSE DB is refused inside a unit of work")
        try:
            self.database.openings.release(self, list(self.opened), every=True)
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            return refuse(RC.DBMS_FAILURE, f"{self.conn.name} failed during CLOSE DB: {type(exc).__name__}: {exc}")
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
                self.database.openings.release(self, list(self.opened), every=True)
                self.opened.clear()
        except Exception:  # noqa: BLE001 - a dead connection: its openings are reclaimed by proof of life
            self.opened.clear()
        finally:
            LIVE_SESSIONS.pop(self.id, None)
            with contextlib.suppress(Exception):  # the connection may already be gone
                self.conn.close()

    def alive_check(self, holders: list[tuple[str, str]]) -> set[str]:
        """Sessions among ``(session, holder)`` that are alive (others' openings are reclaimed)."""
        servers = self.conn.servers_alive({h.partition("|")[0] for _, h in holders})
        return {s for s, h in holders if holder_alive(h, s, servers)}


def _show(values: Mapping[str, Any], items: Iterable[str]) -> str:
    return ", ".join(f"{i}={values.get(i)!r}" for i in items)
