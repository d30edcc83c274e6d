"""What DuckDB forces on the interface (SPEC §3.2, §3.3; issue 3 "DuckDB specifics").

* A DuckDB file is exclusive to one process: :class:`DuckDatabase` keeps one instance per file
  in the process, gives each session a cursor of its own (its own transactions), and turns the
  lock error of a second process into :class:`~metadb.errors.DatabaseLockedError` naming the
  holder. Openings left by an earlier process are all dead at connect and are removed.
* Primary keys only (DuckDB's foreign keys misfire on updates of referenced rows and cannot
  cascade): the interface checks identifiers, origins and 1-1 uniqueness itself — the shared
  request algorithms already do so before writing; WRITE BATCH does it set-based.
* No SAVEPOINT: a unit of work that meets a DBMS error is rolled back whole (SPEC §3.1).
* A next-key query is a full scan in DuckDB: READ SEQUENTIAL serves from a sorted
  (key, identifier) snapshot per table and key kept in the process, invalidated by a per-table
  write counter bumped at every commit (a session's own uncommitted writes bypass it).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from assurdb.metadb.contract import RC, Reply
from assurdb.metadb.errors import DatabaseLockedError, MetaDBError
from assurdb.runtime.database import Database
from assurdb.runtime.drivers import DuckDBDriver
from assurdb.runtime.session import Core, refuse
from assurdb.runtime.specs import PathSpec, RecordSpec, Stmt

_INSTANCES: dict[str, tuple[Any, int]] = {}
_INSTANCES_LOCK = threading.Lock()


def _path_of(url: str) -> str:
    if not url.startswith("duckdb:///"):
        raise MetaDBError(f"a DuckDB URL is duckdb:///path/to/file.duckdb, not {url!r}")
    path = url[len("duckdb:///") :]
    if not path or path == ":memory:":
        raise MetaDBError("DuckDB needs a database file (duckdb:///path/to/file.duckdb): sessions share it")
    return path


def _connect(path: str) -> Any:
    import duckdb

    with _INSTANCES_LOCK:
        held = _INSTANCES.get(path)
        if held is not None:
            _INSTANCES[path] = (held[0], held[1] + 1)
            return held[0]
        try:
            con = duckdb.connect(path)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise
            holder = re.search(r"PID (\d+)", text)
            who = f"process {holder.group(1)}" if holder else "another process"
            raise DatabaseLockedError(
                f"the DuckDB file {path} is held by {who}: a DuckDB file is exclusive to one process "
                f"(DuckDB said: {text.splitlines()[0]})"
            ) from exc
        _INSTANCES[path] = (con, 1)
        return con


def _disconnect(path: str) -> None:
    with _INSTANCES_LOCK:
        held = _INSTANCES.get(path)
        if held is None:
            return
        con, count = held
        if count > 1:
            _INSTANCES[path] = (con, count - 1)
            return
        del _INSTANCES[path]
        con.close()


class DuckDatabase(Database):
    """A DuckDB file shared by the sessions of this process."""

    def __init__(self, package: ModuleType, url: str) -> None:
        super().__init__(package, url)
        self.path = _path_of(url)
        self.con = _connect(self.path)
        self.counters: dict[str, int] = {}
        self.snapshots: dict[tuple[str, tuple[str, ...]], tuple[int, list[tuple[Any, ...]]]] = {}
        self.snap_lock = threading.Lock()
        self._clear_dead_openings()

    def _clear_dead_openings(self) -> None:
        """Every opening in the file was made by a process that no longer holds it: drop them."""
        cur = self.con.cursor()
        try:
            cur.execute(self.package.OPENINGS["delete_all"])
        except Exception:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            pass
        finally:
            cur.close()

    def driver(self) -> DuckDBDriver:
        return DuckDBDriver(None, self.con.cursor())

    def create_tables(self) -> None:
        cur = self.con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            for statement in self.package.DDL:
                cur.execute(statement)
            cur.execute("COMMIT")
        finally:
            cur.close()

    def close(self) -> None:
        if not self._closed:
            super().close()
            _disconnect(self.path)

    def note_writes(self, session: Core) -> None:
        with self.snap_lock:
            for table in session.dirty:
                self.counters[table] = self.counters.get(table, 0) + 1

    def snapshot(self, session: Core, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """The values of ``columns`` in every row of ``table`` (rows where the first is not
        NULL), sorted, as of the last commit this process saw."""
        version = self.counters.get(table, 0)
        cached = self.snapshots.get((table, columns))
        if cached is not None and cached[0] == version:
            return cached[1]
        cols = ", ".join(f'"{c}"' for c in columns)
        sql = f'SELECT {cols} FROM "{table}" WHERE "{columns[0]}" IS NOT NULL ORDER BY {cols}'
        values = [tuple(r) for r in session.driver.all(sql, ())]
        with self.snap_lock:
            if self.counters.get(table, 0) == version:
                self.snapshots[(table, columns)] = (version, values)
        return values

    def batch_writer(self, session: Core, spec: RecordSpec, articles: Sequence[Any]) -> Reply:
        """WRITE BATCH on DuckDB: every check set-based before one Arrow insert (no savepoints)."""
        from assurdb.runtime.duck_batch import write_batch

        return write_batch(session, spec, articles)


class DuckCore(Core):
    """A session on DuckDB: READ SEQUENTIAL served from the process's sorted snapshots."""

    def do_read_sequential(
        self,
        spec: RecordSpec,
        after: Mapping[str, Mapping[int, Stmt]],
        strictly_after: Mapping[str, Stmt],
        article: Any,
        key: str,
    ) -> Reply:
        if spec.table in self.dirty:
            return super().do_read_sequential(spec, after, strictly_after, article, key)
        result = self.check_key(spec, article, key, partial=True)
        if isinstance(result, Reply):
            return result
        values, given = result
        order = spec.order[key]
        try:
            rows = self.database.snapshot(self, spec.table, tuple(order))
            probe = tuple(spec.encode_value(i, values[i]) for i in order[:given])
            # Complete key: strictly after it; partial: the first at or after it (SPEC §3.2).
            at = bisect.bisect_right(rows, probe) if given == len(order) else bisect.bisect_left(rows, probe)
            if at >= len(rows):
                return refuse(RC.NOT_FOUND, f"no {spec.name} after {probe!r} in key {key}")
            ident = dict(zip(order, rows[at], strict=True))
            row = self.driver.one(spec.select_by_id.sql, tuple(ident[i] for i in spec.ident))
        except Exception as exc:  # noqa: BLE001 - any DBMS or driver failure becomes a return code
            self._abort()
            return refuse(RC.DBMS_FAILURE, f"duckdb failed: {type(exc).__name__}: {exc}")
        if row is None:  # deleted since the snapshot by this process's other session: fall back
            return super().do_read_sequential(spec, after, strictly_after, article, key)
        return Reply(RC.OK, spec.decode(row))

    # -- path walks (1-1 and 1-N paths; an N-N path goes through its junction in SQL) ---------
    def _path_columns(self, path: PathSpec) -> tuple[str, ...] | None:
        """Snapshot columns of a path walk: the origin items, then sort items and identifier."""
        target = self.records[path.target]
        if path.many_to_many or target.table in self.dirty:
            return None  # N-N: through the junction; own uncommitted writes: the table itself
        return tuple(dict.fromkeys(path.target_items + path.sort + target.ident))

    def _walk(self, path: PathSpec, columns: tuple[str, ...], o: Mapping[str, Any], after: tuple[Any, ...]) -> Any:
        target = self.records[path.target]
        rows = self.database.snapshot(self, target.table, columns)
        prefix = tuple(o[i] for i, _ in path.origin_items)
        at = bisect.bisect_right(rows, prefix + after) if after else bisect.bisect_left(rows, prefix)
        if at >= len(rows) or rows[at][: len(prefix)] != prefix:
            return None
        found = dict(zip(columns, rows[at], strict=True))
        return self.driver.one(target.select_by_id.sql, tuple(found[i] for i in target.ident))

    def first_target_row(self, path: PathSpec, o: Mapping[str, Any]) -> Any:
        columns = self._path_columns(path)
        if columns is None:
            return super().first_target_row(path, o)
        return self._walk(path, columns, o, ())

    def next_target_row(self, path: PathSpec, o: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        columns = self._path_columns(path)
        if columns is None:
            return super().next_target_row(path, o, current)
        after = tuple(current[c] for c in columns[len(path.origin_items) :])
        return self._walk(path, columns, o, after)
