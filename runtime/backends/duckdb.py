"""DuckDB: the columnar backend (``duckdb:///path/to/file.duckdb``), on the native ``duckdb`` API.

What DuckDB forces on the interface:

* A repetitive item is a LIST column and a decomposable item a STRUCT column (the columnar
  family of the physical model).
* A DuckDB file is exclusive to one process: the backend keeps one database instance per file
  in the process and gives each session a cursor of its own (its own transactions); a second
  process gets :class:`~assurdb.runtime.errors.DatabaseLockedError` naming the holder. Openings
  left by an earlier process are all dead when the file is opened, and are removed.
* Primary keys only (DuckDB's foreign keys misfire on updates of referenced rows and cannot
  cascade): the interface checks identifiers, origins and 1-1 uniqueness itself before writing;
  WRITE BATCH does it set-based, joining the batch (an Arrow table) against the tables.
* No SAVEPOINT, and a constraint error aborts the transaction: a unit of work that meets a DBMS
  error is rolled back whole, so nothing may be left for the DBMS to refuse.
* A next-key query is a full scan: READ SEQUENTIAL and 1-N / 1-1 path walks are served from
  sorted snapshots of (key, identifier) per table, kept in the process and invalidated by a
  per-table counter bumped at every commit (a session's own uncommitted writes bypass them).
* Statements are PostgreSQL's SQL with ``?`` parameters; results are always read whole (DuckDB
  refuses new work on a half-read result).
"""

from __future__ import annotations

import bisect
import contextlib
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine.interfaces import Dialect

from assurdb.metadb.physical import Column, PhysicalModel, Table
from assurdb.metadb.values import ListColumn, any_given, column_array
from assurdb.runtime.backends.arrow import arrow_column, arrow_type
from assurdb.runtime.backends.base import Backend, Diagnose, Finish, file_advice
from assurdb.runtime.connection import Borrowed, Connection
from assurdb.runtime.errors import BackendError, ConnectionFailedError, DatabaseLockedError
from assurdb.runtime.frames import from_arrow
from assurdb.runtime.specs import Compiled, PathSpec, RecordSpec, Stmt

if TYPE_CHECKING:
    from assurdb.runtime.core import SessionBase

#: The name under which a WRITE BATCH's Arrow table is seen by its statements.
BATCH = "assurdb_batch_rows"

_SCALAR = {"numeric": "BIGINT", "alphanumeric": "VARCHAR", "boolean": "BOOLEAN", "date": "DATE"}

#: per file: the process's DuckDB instance, how many backends use it, and what they share — the
#: per-table commit counters that date every cached snapshot and frame, and their lock (two
#: ``assurdb.connect`` of one file see each other's commits)
_INSTANCES: dict[str, tuple[Any, int, tuple[dict[str, int], threading.Lock]]] = {}
_INSTANCES_LOCK = threading.Lock()


def duckdb_type(column: Column) -> str:
    """DuckDB's type of a column: LIST for a repetitive item, STRUCT for a decomposable one."""
    if column.kind == "struct":
        fields = ", ".join(f'"{f.name}" {duckdb_type(f)}' for f in column.fields)
        return f"STRUCT({fields})"
    base = f"DECIMAL({column.length}, {column.scale})" if column.type == "decimal" else _SCALAR[str(column.type)]
    return f"{base}[]" if column.kind == "list" else base


class DuckDBConnection(Connection):
    """A DuckDB cursor: a connection of its own to the process's database instance."""

    name = "duckdb"
    savepoints = False
    begin_sql = "BEGIN TRANSACTION"

    def __init__(self, cursor: Any) -> None:
        self.raw = cursor
        self.cx = cursor
        self.cur = cursor
        self.in_tx = False

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.cur.execute(sql, params).fetchall()
        return rows[0] if rows else None

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        rows = self.cur.execute(sql, params).fetchall()
        return int(rows[0][0]) if rows and rows[0] and isinstance(rows[0][0], int) else 0

    def close(self) -> None:
        try:
            if self.in_tx:
                self.rollback()
        except Exception:  # noqa: BLE001 - any DBMS or driver failure: the connection is going anyway
            pass
        self.cx.close()


class DuckDBBackend(Backend):
    name = "duckdb"
    label = "DuckDB"
    family = "columnar"
    schemes: ClassVar[Mapping[str, str]] = {"duckdb": "duckdb"}
    locks_rows = False  # one process per file: a lock in the process serialises OPEN DB
    bulk_check = 4  # a point query costs about a millisecond; a scan of a column, little more
    arrow_batches = True  # its insert takes the checked arrays as they are

    # -- generation time -------------------------------------------------------------------
    @classmethod
    def dialect(cls) -> Dialect:
        return postgresql.dialect(paramstyle="qmark")  # type: ignore[no-untyped-call]

    @classmethod
    def column_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        """The type statements are compiled against (the DDL is DuckDB's own, below)."""
        types: dict[str, sa.types.TypeEngine[Any]] = {
            "numeric": sa.BigInteger(),
            "decimal": sa.Numeric(column.length, column.scale),
            "alphanumeric": sa.String(),
            "boolean": sa.Boolean(),
            "date": sa.Date(),
        }
        return types[str(column.type)]

    @classmethod
    def create_statements(cls, model: PhysicalModel) -> tuple[list[str], list[str]]:
        """DuckDB DDL: primary keys only (the interface enforces paths itself)."""
        return [cls.table_ddl(table, table.name) for table in model.tables], []

    @staticmethod
    def table_ddl(table: Table, name: str) -> str:
        """``CREATE TABLE name`` with the layout of ``table``."""
        cols = []
        for column in table.columns:
            null = "" if column.nullable and column.name not in table.primary_key else " NOT NULL"
            cols.append(f'"{column.name}" {duckdb_type(column)}{null}')
        pk = ", ".join(f'"{c}"' for c in table.primary_key)
        cols.append(f"PRIMARY KEY ({pk})")
        body = ",\n\t".join(cols)
        return f'CREATE TABLE "{name}" (\n\t{body}\n)'

    @classmethod
    def record_extras(cls, compiler: Any, rt: Any) -> tuple[dict[str, Stmt], dict[str, Stmt]]:
        """Per access key, the snapshot of its order; and a batch's duplicate check."""
        t = compiler.table_of(rt.name)
        ident = rt.identifier_items
        snapshots: dict[str, Stmt] = {}
        for key in rt.keys:
            order = [t.c[i] for i in key.items + tuple(i for i in ident if i not in key.items)]
            snapshots[key.name] = compiler.render(sa.select(*order).where(order[0].is_not(None)).order_by(*order))
        columns = [c.name for c in t.columns]
        batch = sa.table(BATCH, *[sa.column(c) for c in columns])
        on = sa.and_(*[t.c[i] == batch.c[i] for i in ident])
        return snapshots, {
            "duplicates": compiler.render(
                sa.select(sa.literal_column("1")).select_from(t.join(batch, on)), limit_one=True
            ),
            "insert": compiler.render(sa.insert(t).from_select(columns, sa.select(*[batch.c[c] for c in columns]))),
        }

    @classmethod
    def path_extras(cls, compiler: Any, path: Any) -> tuple[Stmt | None, dict[str, Stmt]]:
        """A 1-N / 1-1 path: the walk's snapshot (origin items, sort items, identifier) and the
        batch checks of the target's path items (a missing origin; a 1-1 origin already taken)."""
        if path.many_to_many:
            return None, {}
        schema = compiler.schema
        target, origin = schema.record_types[path.target], schema.record_types[path.origin]
        t, o = compiler.table_of(target.name), compiler.table_of(origin.name)
        walk = [t.c[c] for c in dict.fromkeys(path.target_items + path.sort + target.identifier_items)]
        snapshot = compiler.render(sa.select(*walk).where(walk[0].is_not(None)).order_by(*walk))
        batch = sa.table(BATCH, *[sa.column(c.name) for c in t.columns])
        held = sa.and_(*[o.c[oi] == batch.c[ti] for oi, ti in path.origin_items])
        absent = [~sa.select(sa.literal_column("1")).select_from(o).where(held).exists()]
        if path.origin == path.target:  # an origin written in the same batch is there (its order is checked apart)
            other = batch.alias("assurdb_batch_origins")
            same = sa.and_(*[other.c[oi] == batch.c[ti] for oi, ti in path.origin_items])
            absent.append(~sa.select(sa.literal_column("1")).select_from(other).where(same).exists())
        first = batch.c[path.target_items[0]]
        checks = {
            "missing_origin": compiler.render(
                sa.select(sa.literal_column("1")).select_from(batch).where(first.is_not(None), *absent), limit_one=True
            )
        }
        if path.cls == "1-1":
            on = sa.and_(*[t.c[c] == batch.c[c] for c in path.target_items])
            checks["taken"] = compiler.render(
                sa.select(sa.literal_column("1")).select_from(t.join(batch, on)), limit_one=True
            )
        return snapshot, checks

    # -- run time ------------------------------------------------------------------------------
    @classmethod
    def database_file(cls, url: str) -> str:
        path = url[len("duckdb:///") :] if url.startswith("duckdb:///") else ""
        if not path or path == ":memory:":
            raise BackendError(f"DuckDB needs a database file (duckdb:///path/to/file.duckdb), not {url!r}")
        return path

    def __init__(self, compiled: Compiled, url: str) -> None:
        super().__init__(compiled, url)
        self.path = path = self.database_file(url)
        self.con, first, (self.counters, self.snap_lock) = _connect(path)
        self._closed = False
        self.snapshots: dict[tuple[str, str], tuple[int, list[tuple[Any, ...]]]] = {}
        #: READ SELECTION's frames by (table, statement, parameters, decimals as floats): the version they were read at,
        #: a weak reference to the frame their first reader got, and a copy of it
        self.frames: dict[tuple[str, str, tuple[Any, ...], bool], tuple[int, Any, Any]] = {}
        #: WRITE BATCH's INSERT per (table, columns the batch sets)
        self._inserts: dict[tuple[str, tuple[str, ...]], str] = {}
        self._updates: dict[tuple[str, tuple[str, ...]], str] = {}
        #: per table, the Arrow type of each simple item's column (WRITE BATCH)
        self._types: dict[str, dict[str, Any]] = {}
        if first:  # the file was not open in this process: no opening in it is alive
            self._clear_dead_openings()

    def _clear_dead_openings(self) -> None:
        """Every opening in the file was made by a process that no longer holds it: drop them."""
        cur = self.con.cursor()
        try:
            cur.execute(self.compiled.openings["delete_all"].sql)
        except Exception:  # noqa: BLE001 - a new file has no openings table yet
            pass
        finally:
            cur.close()

    def connect(self) -> Connection:
        return DuckDBConnection(self.con.cursor())

    def create_tables(self) -> None:
        cur = self.con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            for statement in self.compiled.ddl:
                cur.execute(statement)
            cur.execute("COMMIT")
        finally:
            cur.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _disconnect(self.path)

    def committed(self, tables: set[str]) -> None:
        with self.snap_lock:
            for table in tables:
                self.counters[table] = self.counters.get(table, 0) + 1

    def _counted(self, table: str) -> int:
        """``table``'s commit counter, entered at 0 if it had none: a table something is cached for
        always has one, so that a migration's "every table changed" reaches it. Under ``snap_lock``."""
        return self.counters.setdefault(table, 0)

    def _snapshot(self, session: SessionBase, table: str, name: str, stmt: Stmt) -> list[tuple[Any, ...]]:
        """The rows of ``stmt`` (a sorted projection of ``table``) as of the last commit this process saw."""
        version = self.counters.get(table, 0)
        cached = self.snapshots.get((table, name))
        if cached is not None and cached[0] == version:
            return cached[1]
        values = [tuple(r) for r in session.conn.all(stmt.sql, ())]
        with self.snap_lock:
            if self._counted(table) == version:
                self.snapshots[(table, name)] = (version, values)
        return values

    # -- reads from the snapshots --------------------------------------------------------------
    def read_next(
        self, session: SessionBase, spec: RecordSpec, key: str, encoded: Mapping[str, Any], given: int
    ) -> Any:
        if spec.table in session.dirty:  # this session's own uncommitted writes: the table itself
            return super().read_next(session, spec, key, encoded, given)
        order = spec.order[key]
        rows = self._snapshot(session, spec.table, f"key {key}", spec.snapshot[key])
        probe = tuple(encoded[i] for i in order[:given])
        # Complete key: strictly after it; partial: the first at or after it.
        at = bisect.bisect_right(rows, probe) if given == len(order) else bisect.bisect_left(rows, probe)
        if at >= len(rows):
            return None
        found = dict(zip(order, rows[at], strict=True))
        row = session.conn.one(spec.select_by_id.sql, tuple(found[i] for i in spec.ident))
        if row is None:  # deleted since the snapshot by another session of this process
            return super().read_next(session, spec, key, encoded, given)
        return row

    def _walk(self, session: SessionBase, path: PathSpec, o: Mapping[str, Any], after: tuple[Any, ...]) -> Any:
        target = session.records[path.target]
        assert path.snapshot is not None
        rows = self._snapshot(session, target.table, f"path {path.name}", path.snapshot)
        prefix = tuple(o[i] for i, _ in path.origin_items)
        at = bisect.bisect_right(rows, prefix + after) if after else bisect.bisect_left(rows, prefix)
        if at >= len(rows) or rows[at][: len(prefix)] != prefix:
            return None
        columns = tuple(dict.fromkeys(path.target_items + path.sort + target.ident))
        found = dict(zip(columns, rows[at], strict=True))
        return session.conn.one(target.select_by_id.sql, tuple(found[i] for i in target.ident))

    def _walks(self, session: SessionBase, path: PathSpec) -> bool:
        return path.snapshot is not None and session.records[path.target].table not in session.dirty

    def first_target(self, session: SessionBase, path: PathSpec, o: Mapping[str, Any]) -> Any:
        if not self._walks(session, path):
            return super().first_target(session, path, o)
        return self._walk(session, path, o, ())

    def next_target(
        self, session: SessionBase, path: PathSpec, o: Mapping[str, Any], current: Mapping[str, Any]
    ) -> Any:
        if not self._walks(session, path):
            return super().next_target(session, path, o, current)
        target = session.records[path.target]
        columns = tuple(dict.fromkeys(path.target_items + path.sort + target.ident))
        return self._walk(session, path, o, tuple(current[c] for c in columns[len(path.origin_items) :]))

    # -- migrations ----------------------------------------------------------------------------
    alters = False
    alembic = False

    def migrate(self, operations: Sequence[Any], finish: Finish) -> None:
        from assurdb.runtime.backends.migrate_duckdb import DuckDBMigrator

        cursor = self.con.cursor()
        try:
            cursor.execute("BEGIN TRANSACTION")
            DuckDBMigrator(self.table_ddl, cursor).run(operations)
            finish(
                Borrowed(cursor, self.name, whole_results=True), lambda table: cursor.execute(f"DELETE FROM {table}")
            )
            cursor.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()
        with self.snap_lock:  # every table may have changed: no snapshot or frame survives, here or
            # in another backend of the file (every cached table has a counter: see _counted)
            self.snapshots.clear()
            self.frames.clear()
            for table in self.counters:
                self.counters[table] += 1

    def migration_sql(self, operations: Sequence[Any]) -> str:
        from assurdb.runtime.backends.migrate_duckdb import DuckDBMigrator

        out: list[str] = ["BEGIN TRANSACTION;"]
        DuckDBMigrator(self.table_ddl, None, out).run(operations)
        return "\n".join([*out, "COMMIT;"]) + "\n"

    # -- WRITE BATCH -----------------------------------------------------------------------------
    def insert_batch(
        self, session: SessionBase, spec: RecordSpec, columns: Mapping[str, list[Any]], diagnose: Diagnose
    ) -> Any:
        """Every check set-based, on the batch as one Arrow table, before one insert from it:
        whatever may be refused is diagnosed article by article first (no savepoints here)."""
        import pyarrow as pa

        names, data = self._batch_columns(spec, columns)
        types = self._arrow_types(spec)
        table = pa.table(
            {name: arrow_column(values, types.get(name)) for name, values in zip(names, data, strict=True)}
        )
        sql = self._inserts.get((spec.table, names))
        if sql is None:  # composed of pieces rendered at generation: quoted names
            listed = ", ".join(spec.quoted[n] for n in names)
            sql = f"{spec.insert_into} ({listed}) SELECT {listed} FROM {BATCH}"
            self._inserts[(spec.table, names)] = sql
        con = session.conn.cx
        con.register(BATCH, table)
        try:
            if self._refusable(session, spec, columns):
                found = diagnose()
                if found is not None:
                    return found
            con.execute(sql).fetchall()
        finally:
            con.unregister(BATCH)
        return None

    def update_batch(
        self,
        session: SessionBase,
        spec: RecordSpec,
        parts: Sequence[tuple[tuple[str, ...], Mapping[str, list[Any]]]],
        count: int,
        diagnose: Diagnose,
    ) -> Any:
        """One ``UPDATE … FROM`` an Arrow table per part, after one join has found every identifier
        (no savepoints here: a missing article is diagnosed before anything is changed)."""
        import pyarrow as pa

        types = self._arrow_types(spec)
        table_name = spec.update_of.removeprefix("UPDATE ")  # the quoted table name, rendered at generation
        on = " AND ".join(f"{table_name}.{spec.quoted[k]} = {BATCH}.{spec.quoted[k]}" for k in spec.ident)
        con = session.conn.cx
        tables = []
        for items, values in parts:
            names, data = spec.batch_columns({i: values[i] for i in (*spec.ident, *items)})
            table = pa.table({n: arrow_column(v, types.get(n)) for n, v in zip(names, data, strict=True)})
            tables.append((names[len(spec.ident) :], table))
        matched = 0
        for _, table in tables:
            con.register(BATCH, table)
            try:
                matched += con.execute(f"SELECT count(*) FROM {BATCH} JOIN {table_name} ON {on}").fetchall()[0][0]
            finally:
                con.unregister(BATCH)
        if matched != count:
            found = diagnose()
            if found is not None:
                return found
            raise BackendError(f"REWRITE BATCH of {spec.name}: {matched} row(s) matched for {count} identifiers")
        for names, table in tables:
            sql = self._updates.get((spec.table, names))
            if sql is None:  # composed of pieces rendered at generation: quoted names
                sets = ", ".join(f"{spec.quoted[n]} = {BATCH}.{spec.quoted[n]}" for n in names)
                sql = f"{spec.update_of} SET {sets} FROM {BATCH} WHERE {on}"
                self._updates[(spec.table, names)] = sql
            con.register(BATCH, table)
            try:
                con.execute(sql).fetchall()
            finally:
                con.unregister(BATCH)
        return None

    @staticmethod
    def _batch_columns(spec: RecordSpec, columns: Mapping[str, list[Any]]) -> tuple[tuple[str, ...], list[list[Any]]]:
        """:meth:`RecordSpec.batch_columns`, but a repetitive item's checked column (its LIST
        column here) handed over as it is: the Arrow writer builds the LIST from its occurrences
        (``ListColumn``), where the codec would copy every row's list."""
        names: list[str] = []
        data: list[list[Any]] = []
        for item, values in columns.items():
            cols, spread = spec.item_columns[item]
            names.extend(cols)
            if spread is None or (isinstance(values, ListColumn) and len(cols) == 1):
                data.append(values)
            else:
                data.extend(spread(values))
        return tuple(names), data

    def _arrow_types(self, spec: RecordSpec) -> dict[str, Any]:
        """The Arrow type of each item's column, from the meta-database (cached per table): a simple
        item's, a repetitive item's LIST and a decomposable item's STRUCT (each one column here)."""
        types = self._types.get(spec.table)
        if types is None:
            types = {}
            for item in spec.item_list:
                names, spread = spec.item_columns[item.name]
                kind = arrow_type(item)
                one = spread is None or item.repetitive or item.decomposable
                if kind is not None and one and len(names) == 1:
                    types[names[0]] = kind
            self._types[spec.table] = types
        return types

    def select_frame(
        self,
        session: SessionBase,
        spec: RecordSpec,
        sql: str,
        params: Sequence[Any],
        *,
        floats: bool = False,
        unordered: tuple[str, Sequence[str]] | None = None,
    ) -> Any:
        """READ SELECTION as Arrow columns (``to_arrow_table``: no Python object per row), each
        converted to the frame's dtype at once; decomposable and repetitive items go through the
        same helpers as the row decoder. The frame is the one the rows would give (tested).

        The same selection of a table no commit changed since, outside a unit of work, is the frame
        already made while its first reader holds it (a copy: pandas copies on write) — the engine
        reads the book, then ``assurdb reinsure`` checks its cessions against the same guaranties.
        Only for a record type of simple items (no list or dict a reader could change in place)."""
        key = (spec.table, sql, tuple(params), floats)
        reusable = spec.table not in session.dirty and not session.in_unit and not session.conn.in_tx
        reusable = reusable and not any(i.repetitive or i.decomposable for i in spec.item_list)
        try:
            hash(key)
        except TypeError:
            reusable = False
        if reusable:
            with self.snap_lock:
                held = self.frames.get(key)
            if held is not None and held[0] == self.counters.get(spec.table, 0) and held[1]() is not None:
                return held[2].copy(deep=False)
        version = self.counters.get(spec.table, 0)
        frame = self._select_frame(session.conn, spec, sql, params, floats, unordered)
        if reusable:
            with self.snap_lock:
                if self._counted(spec.table) == version:
                    self.frames[key] = (version, weakref.ref(frame, self._forget(key)), frame.copy(deep=False))
        return frame

    def _forget(self, key: tuple[str, str, tuple[Any, ...], bool]) -> Any:
        """The callback dropping a reused frame's entry once its first reader let it go."""

        def forget(ref: Any) -> None:
            # no lock: the collector may call this while the lock is held; a dict's get and pop
            # are atomic each, and a newer entry for the key is left alone
            held = self.frames.get(key)
            if held is not None and held[1] is ref:
                self.frames.pop(key, None)

        return forget

    def _select_frame(
        self,
        conn: Connection,
        spec: RecordSpec,
        sql: str,
        params: Sequence[Any],
        floats: bool = False,
        unordered: tuple[str, Sequence[str]] | None = None,
    ) -> Any:
        import pandas as pd
        import pyarrow as pa

        assert isinstance(conn, DuckDBConnection)
        table = _in_key_order(conn, sql, params, unordered)
        text = pd.api.types.pandas_dtype("string")
        data: dict[str, Any] = {}
        for item in spec.item_list:
            (name,), _spread = spec.item_columns[item.name]
            values = table.column(name)
            dtype = spec.dtypes.get(item.name, "object")
            if item.decomposable:
                data[item.name] = _objects(_structs(values, item.sub_items.names))
            elif item.repetitive:  # an empty list for none, as the row decoder gives
                data[item.name] = _objects([[] if v is None else v for v in values.to_pylist()])
            elif pa.types.is_decimal(values.type):
                data[item.name] = _decimal_floats(values) if floats else _decimal_objects(values)
            else:
                data[item.name] = _array(values, dtype, text)
        # arrays, not Series: pandas neither aligns nor copies them (a Series per column cost more
        # than DuckDB's query for a window's few hundred rows)
        return pd.DataFrame(data, columns=list(spec.item_order), copy=False)

    def _refusable(self, session: SessionBase, spec: RecordSpec, columns: Mapping[str, list[Any]]) -> bool:
        """Whether any article may be refused: a duplicate, a missing origin, a 1-1 clash.

        Over-approximates on purpose (e.g. an origin later in the batch than its target):
        whatever it flags, the article-by-article diagnosis decides, in order.
        """
        con = session.conn
        if not _distinct(spec, columns) or con.one(spec.batch["duplicates"].sql) is not None:
            return True
        idents: list[Any] | None = None
        for path_name in spec.stored_paths:
            path = session.paths[path_name]
            if any(t not in columns for t in path.target_items):
                continue  # the batch does not set the path's items
            if not any_given(columns[path.target_items[0]]):
                continue  # no article names an origin
            selfish = path.origin == spec.name
            if selfish and idents is None:
                idents = list(zip(*(columns[i] for i in spec.ident), strict=True))
            held: list[tuple[Any, ...]] = []
            if selfish or path.cls == "1-1":
                held = list(zip(*(columns[t] for t in path.target_items), strict=True))
            if selfish:
                # a path from a record type to itself: the origin may be written earlier in this
                # very batch, not later (the relational DBMSs check each row as it is inserted)
                where = {ident: position for position, ident in enumerate(idents or ())}
                if any(row[0] is not None and where.get(row, -1) > at for at, row in enumerate(held)):
                    return True
            if con.one(path.batch["missing_origin"].sql) is not None:
                return True
            if path.cls == "1-1":
                linked = [row for row in held if row[0] is not None]
                if len(set(linked)) != len(linked) or con.one(path.batch["taken"].sql) is not None:
                    return True
        return False


def _distinct(spec: RecordSpec, columns: Mapping[str, list[Any]]) -> bool:
    """Whether a checked batch gives each identifier once. When every identifier column carries its
    Arrow array: at once if the identifiers come in strictly increasing order (compared pairwise,
    in C: new codes numbered in order, the usual batch), else hashed by Arrow; otherwise a set of the
    values."""
    arrays = [column_array(columns[i]) for i in spec.ident]
    n = len(columns[spec.ident[0]])
    if n > 1 and all(a is not None and a.null_count == 0 for a in arrays):
        import pyarrow.compute as pc

        # strictly increasing: the first column larger, or equal and the rest increasing, pairwise
        increasing = None
        for array in reversed(arrays):
            before, after = array.slice(0, n - 1), array.slice(1)
            larger = pc.less(before, after)
            increasing = larger if increasing is None else pc.or_(larger, pc.and_(pc.equal(before, after), increasing))
        if pc.all(increasing).as_py():
            return True
        if len(arrays) == 1:
            return len(pc.unique(arrays[0])) == n
    if len(spec.ident) == 1:  # the column's values themselves: no tuple per article
        return len(set(columns[spec.ident[0]])) == n
    return len(set(zip(*(columns[i] for i in spec.ident), strict=True))) == n


def _connect(path: str) -> tuple[Any, bool, tuple[dict[str, int], threading.Lock]]:
    """The process's instance of the file, whether it was opened just now, and the counters (and
    their lock) every backend of the file shares."""
    import duckdb

    with _INSTANCES_LOCK:
        held = _INSTANCES.get(path)
        if held is not None:
            _INSTANCES[path] = (held[0], held[1] + 1, held[2])
            return held[0], False, held[2]
        try:
            con = duckdb.connect(path)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise ConnectionFailedError(
                    f"duckdb:///{path}", "database", text.splitlines()[0], file_advice(path)
                ) from exc
            holder = re.search(r"PID (\d+)", text)
            raise DatabaseLockedError(path, int(holder.group(1)) if holder else None, text.splitlines()[0]) from exc
        shared: tuple[dict[str, int], threading.Lock] = ({}, threading.Lock())
        _INSTANCES[path] = (con, 1, shared)
        return con, True, shared


def _disconnect(path: str) -> None:
    with _INSTANCES_LOCK:
        held = _INSTANCES.get(path)
        if held is None:
            return
        con, count, shared = held
        if count > 1:
            _INSTANCES[path] = (con, count - 1, shared)
            return
        del _INSTANCES[path]
        con.close()


def _array(values: Any, dtype: str, text: Any) -> Any:
    """A column of simple values as the array of its frame's ``dtype``, straight from Arrow (the
    values as :func:`~assurdb.runtime.frames.to_frame` makes them from the rows)."""
    import pandas as pd
    import pyarrow as pa

    combined = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    made = from_arrow(combined, dtype, text)
    if made is not None:
        return made
    if dtype == "object":
        return _objects(combined.to_pylist())
    return pd.Series(combined.to_pandas(), copy=False).astype(pd.api.types.pandas_dtype(dtype)).array


def _objects(values: list[Any]) -> Any:
    """Python values as an ``object`` array (a list or a dict stays one value)."""
    import numpy as np

    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _decimal_objects(values: Any) -> Any:
    """A DECIMAL column as an ``object`` array of ``Decimal`` (None for null), each distinct value
    made once: making a Decimal per row was a third of reading a million guaranties (amounts repeat:
    every share at 100 %, premiums of a few cents' grain)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    combined = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    encoded = pc.dictionary_encode(combined)
    distinct = np.empty(len(encoded.dictionary) + 1, dtype=object)  # the last: null
    distinct[:-1] = encoded.dictionary.to_pandas().to_numpy(dtype=object)
    indices = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return distinct[indices]


def _in_key_order(
    conn: DuckDBConnection, sql: str, params: Sequence[Any], unordered: tuple[str, Sequence[str]] | None
) -> Any:
    """The Arrow table of a selection, in the order its ORDER BY gives. Read without the ORDER BY when
    the selection allows it (``unordered``: that query and its order's columns): DuckDB sorting a
    million guaranties with their every column doubled the read, and a table written in key order
    (a bulk load) needs no sort — checked row against row, 0.03 s for a million. Otherwise Arrow sorts
    the rows: the order's columns hold a key and the identifier, so no two rows tie and any sort by
    them gives the one order, bytes of UTF-8 text comparing as code points. A null in them is left to
    DuckDB's ORDER BY, which places nulls as every other selection does."""
    import pyarrow.compute as pc

    if unordered is None:
        return conn.cur.sql(sql, params=list(params)).to_arrow_table()
    base, columns = unordered
    table = conn.cur.sql(base, params=list(params)).to_arrow_table()
    if len(table) < 2:
        return table
    keys = [table.column(c) for c in columns]
    if any(k.null_count for k in keys):
        return conn.cur.sql(sql, params=list(params)).to_arrow_table()
    after, same = None, None  # per pair of neighbours: the later row after the earlier one, equal so far
    for key in keys:
        earlier, later = key.slice(0, len(key) - 1), key.slice(1)
        greater, equal = pc.greater(later, earlier), pc.equal(later, earlier)
        after = greater if after is None else pc.or_(after, pc.and_(same, greater))
        same = equal if same is None else pc.and_(same, equal)
    if pc.all(after).as_py():
        return table
    return table.take(pc.sort_indices(table, sort_keys=[(c, "ascending") for c in columns]))


def _decimal_floats(values: Any) -> Any:
    """A DECIMAL column as ``float64`` (NaN for null), each value the float nearest to it — what
    ``float(Decimal)`` gives — computed from the column's scaled integers: an integer of at most 2⁵³
    units and a power of ten up to 10²² are exact floats, and IEEE division rounds their exact quotient
    to the nearest float. Arrow's own decimal → float64 cast is not correctly rounded (it differs on
    about one premium in seven), so it is never used. A value beyond 2⁵³ units goes through ``Decimal``."""
    import numpy as np
    import pyarrow as pa

    combined = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    size, scale = len(combined), combined.type.scale
    if not pa.types.is_decimal128(combined.type) or not 0 <= scale <= 22:
        from assurdb.runtime.frames import decimal_floats

        return decimal_floats(_decimal_objects(combined))
    start = 2 * combined.offset  # two little-endian 64-bit words a value: low, then high
    words = np.frombuffer(combined.buffers()[1], dtype=np.int64, count=start + 2 * size)[start:]
    low = words[0::2]
    out = low.astype(np.float64) / float(10**scale)
    missing = combined.is_null().to_numpy(zero_copy_only=False) if combined.null_count else None
    if missing is not None:
        out[missing] = np.nan
    if combined.type.precision <= 15:  # fewer than 10**15 < 2**53 units: every value was exact
        return out
    high = words[1::2]
    inexact = (high != (low >> 63)) | (low > 2**53) | (low < -(2**53))
    if missing is not None:
        inexact &= ~missing
    for at in np.flatnonzero(inexact):  # beyond 2**53 units (or 128 bits): the exact value, rounded once
        out[at] = float(combined[int(at)].as_py())
    return out


def _structs(values: Any, names: Sequence[str]) -> list[dict[str, Any] | None]:
    """A STRUCT column as the row decoder gives it (``struct_in``): a dict of every sub-item, or
    None where the struct or each of its sub-items is null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    combined = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if len(combined) == 0:
        return []
    children = [combined.field(n) for n in names]  # a null struct's children may hold anything: masked
    every_null = children[0].is_null()
    for child in children[1:]:
        every_null = pc.and_(every_null, child.is_null())
    none = pc.or_(pc.is_null(combined), every_null).to_pylist()
    rows = zip(*(child.to_pylist() for child in children), strict=True)
    return [None if n else dict(zip(names, row, strict=True)) for n, row in zip(none, rows, strict=True)]
