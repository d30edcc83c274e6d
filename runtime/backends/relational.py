"""What SQLite, PostgreSQL and MariaDB share: SQLAlchemy renders their statements at generation
time, and at run time statements run on the pooled DB-API connection of a SQLAlchemy engine (no
ORM, no per-call compilation), which keeps the hot path near the raw driver.

Decisions that hold on every relational DBMS:

* a 1-N path is a foreign key in the target's table, an N-N path a junction table; primary
  keys, foreign keys, 1-1 uniques and key indexes are declared, existence constraints are the
  interface's;
* alphanumeric columns compare by code point with no padding (each backend's collation);
* decimals are exact (``NUMERIC(p, s)``, or what the backend encodes them as); dates ``DATE``;
  booleans ``BOOLEAN``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa

from assurdb.metadb.physical import Column, PhysicalModel
from assurdb.runtime.backends.base import Backend, Diagnose, Finish
from assurdb.runtime.connection import Borrowed, Connection
from assurdb.runtime.errors import BackendError
from assurdb.runtime.specs import Compiled, RecordSpec

if TYPE_CHECKING:
    from assurdb.runtime.core import SessionBase


#: REWRITE BATCH (where ``update_alike``): this many articles given the same values are updated by
#: one statement naming their identifiers (``… WHERE (id = ?) OR (id = ?) …``), with at most
#: ``_PARAMETERS`` identifier values a statement; fewer, by an ``executemany``.
_ALIKE = 4
_PARAMETERS = 400


class RelationalBackend(Backend):
    """A relational DBMS through a SQLAlchemy engine's connection pool."""

    family = "relational"
    connection_class: ClassVar[type[Connection]] = Connection
    #: REWRITE BATCH updates articles given the same values many at a statement (``_ALIKE``). PyMySQL
    #: runs an UPDATE's ``executemany`` a statement at a time, a round trip each: marking the demo
    #: company's 18 000 articles accounted took 4.8 s of MariaDB's 13 s ACCOUNT; 10 000 flags set
    #: take 3.4 s so, 0.24 s by 133 identifiers a statement; SQLite 0.04 s, 0.02 s. psycopg's
    #: pipelined ``executemany`` is the faster there (0.26 s against 0.55 s).
    update_alike: ClassVar[bool] = True

    # -- generation time -------------------------------------------------------------------
    @classmethod
    def column_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        kind = column.type
        if kind == "numeric":
            return sa.BigInteger() if (column.length or 18) > 9 else sa.Integer()
        if kind == "decimal":
            return cls.decimal_type(column)
        if kind == "alphanumeric":
            return cls.text_type(column)
        if kind == "boolean":
            return sa.Boolean(create_constraint=False)
        if kind == "date":
            return sa.Date()
        raise ValueError(f"column {column.name}: no scalar SQL type for {kind!r}")

    @classmethod
    def decimal_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        """Exact decimals: ``NUMERIC(p, s)``."""
        return sa.Numeric(column.length, column.scale, asdecimal=True)

    @classmethod
    def text_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        """Text compared by code point with no padding (the backend's binary collation)."""
        return sa.String(column.length)

    @classmethod
    def create_statements(cls, model: PhysicalModel) -> tuple[list[str], list[str]]:
        """``CREATE TABLE`` / ``CREATE INDEX`` statements, in dependency order."""
        d = cls.dialect()
        statements: list[str] = []
        for sa_table in cls.metadata(model).sorted_tables:
            statements.append(str(sa.schema.CreateTable(sa_table).compile(dialect=d)).strip())
            for index in sorted(sa_table.indexes, key=lambda i: str(i.name)):
                statements.append(str(sa.schema.CreateIndex(index).compile(dialect=d)).strip())
        return statements, []

    # -- run time ------------------------------------------------------------------------------
    def __init__(self, compiled: Compiled, url: str) -> None:
        super().__init__(compiled, url)
        #: WRITE BATCH's INSERT per (table, columns the batch sets)
        self._inserts: dict[tuple[str, tuple[str, ...]], str] = {}
        self._updates: dict[tuple[str, tuple[str, ...], int], str] = {}
        if self.database_file(url) is None and not sa.engine.make_url(url).database:
            raise BackendError(f"{self.safe_url()} names no database: add its name to the URL (…/DBNAME)")
        try:
            self.engine = sa.create_engine(url, **self.engine_options(url))
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
            raise BackendError(f"cannot use {self.safe_url()}: {exc}") from exc
        self.prepare_engine()

    def engine_options(self, url: str) -> dict[str, Any]:
        return {}

    def prepare_engine(self) -> None:
        """Hook: events on the engine (SQLite attaches its openings file to every connection)."""

    def raw_connection(self) -> Any:
        """A pooled DB-API connection; a failure to connect raises :class:`ConnectionFailedError`
        (the pool raises the driver's own exception, not SQLAlchemy's wrapper)."""
        try:
            return self.engine.raw_connection()
        except (sa.exc.DBAPIError, self.engine.dialect.loaded_dbapi.Error) as exc:
            raise self.connection_failed(exc) from exc

    def connect(self) -> Connection:
        raw = self.raw_connection()
        return self.connection_class(raw, raw.driver_connection)

    def create_tables(self) -> None:
        raw = self.raw_connection()
        try:
            cur = raw.cursor()
            for statement in self.compiled.ddl:
                cur.execute(statement)
            raw.commit()
        finally:
            raw.close()

    def close(self) -> None:
        self.engine.dispose()

    # -- migrations ----------------------------------------------------------------------------
    def migrate(self, operations: Sequence[Any], finish: Finish) -> None:
        from assurdb.runtime.backends.migrate_relational import AlembicMigrator

        try:
            opened = self.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise self.connection_failed(exc) from exc
        with opened as cx:
            self.begin_migration(cx)
            try:
                AlembicMigrator(type(self), cx).run(operations)
                connection = Borrowed(cx.connection.driver_connection, self.name)
                self.begin_finish(cx)

                def clear(table: str) -> None:
                    cx.execute(sa.delete(sa.table(table)))

                finish(connection, clear)
                connection.close()
                self.end_migration(cx)
            except BaseException:
                self.abort_migration(cx)
                raise

    def begin_migration(self, cx: sa.Connection) -> None:
        """Start the migration's transaction (transactional DDL: one transaction for everything)."""
        cx.begin()

    def begin_finish(self, cx: sa.Connection) -> None:
        """Before the meta-database is rewritten (MariaDB: a transaction of its own)."""

    def end_migration(self, cx: sa.Connection) -> None:
        cx.commit()

    def abort_migration(self, cx: sa.Connection) -> None:
        cx.rollback()

    def migration_sql(self, operations: Sequence[Any]) -> str:
        import io

        from assurdb.runtime.backends.migrate_relational import AlembicMigrator

        out = io.StringIO()
        migrator = AlembicMigrator(type(self), None, dialect=self.dialect().name, as_sql=True, output_buffer=out)
        migrator.run(operations)
        return out.getvalue()

    def insert_batch(
        self, session: SessionBase, spec: RecordSpec, columns: Mapping[str, list[Any]], diagnose: Diagnose
    ) -> Any:
        """One ``executemany`` of the columns the batch sets; if the DBMS refuses (a duplicate, a missing origin,
        a 1-1 clash), roll the batch back and name the first refused article."""
        names, data = spec.batch_columns(columns)
        rows = list(zip(*data, strict=True))
        sql = self._inserts.get((spec.table, names))
        if sql is None:  # composed of pieces rendered at generation: quoted names, placeholders
            marks = ", ".join([spec.mark] * len(names))
            sql = f"{spec.insert_into} ({', '.join(spec.quoted[n] for n in names)}) VALUES ({marks})"
            self._inserts[(spec.table, names)] = sql

        def write() -> None:
            session.conn.run_many(sql, rows)

        return self._all_or_none(session, write, diagnose)

    def update_batch(
        self,
        session: SessionBase,
        spec: RecordSpec,
        parts: Sequence[tuple[tuple[str, ...], Mapping[str, list[Any]]]],
        count: int,
        diagnose: Diagnose,
    ) -> Any:
        """One ``executemany`` of an UPDATE per part; the rows they matched must be ``count``, else the
        batch is rolled back and the first identifier naming no article answered. (The drivers count
        rows matched, not only rows changed: MariaDB's through the FOUND_ROWS flag SQLAlchemy sets.)"""

        def write() -> str | None:
            matched = 0
            for items, values in parts:
                names, data = spec.batch_columns({i: values[i] for i in items})
                _, keys = spec.batch_columns({i: values[i] for i in spec.ident})
                # articles given the same values (the same flags, mostly): one UPDATE of many identifiers
                alike: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
                single: list[tuple[Any, ...]] = []
                rows, idents = list(zip(*data, strict=True)), list(zip(*keys, strict=True))
                try:
                    for row, key in zip(rows, idents, strict=True) if self.update_alike else ():
                        alike.setdefault(row, []).append(key)
                except TypeError:  # a value that cannot be compared as a whole: a statement each
                    alike = {}
                if not alike:
                    single = [(*row, *key) for row, key in zip(rows, idents, strict=True)]
                for row, held in alike.items():
                    if len(held) < _ALIKE:
                        single += [(*row, *key) for key in held]
                        continue
                    step = max(1, _PARAMETERS // len(keys))
                    for start in range(0, len(held), step):
                        part = held[start : start + step]
                        sql = self._update_sql(spec, names, len(part))
                        matched += session.conn.run(sql, [*row, *(v for key in part for v in key)])
                if single:
                    matched += session.conn.run_many(self._update_sql(spec, names, 1), single)
            if matched != count:
                return f"REWRITE BATCH of {spec.name}: {matched} row(s) matched for {count} identifiers"
            return None

        return self._all_or_none(session, write, diagnose)

    def _update_sql(self, spec: RecordSpec, names: tuple[str, ...], count: int) -> str:
        """The UPDATE setting ``names`` of ``count`` articles named by their identifiers, composed of
        pieces rendered at generation (quoted names, placeholders, the identifier's condition)."""
        sql = self._updates.get((spec.table, names, count))
        if sql is None:
            sets = ", ".join(f"{spec.quoted[n]} = {spec.mark}" for n in names)
            where = spec.where_ident
            if count > 1:
                one = where.removeprefix(" WHERE ")
                where = " WHERE " + " OR ".join([f"({one})"] * count)
            sql = self._updates[(spec.table, names, count)] = f"{spec.update_of} SET {sets}{where}"
        return sql

    @staticmethod
    def _all_or_none(session: SessionBase, write: Callable[[], str | None], diagnose: Diagnose) -> Any:
        """A batch's writing, whole or undone: inside a unit within a savepoint, else within the
        request's own transaction. When the DBMS refuses it (an integrity error) or ``write`` says
        why it cannot stand, it is undone and ``diagnose()`` names the first refused article; None
        when every article is written."""
        c = session.conn
        inside = session.in_unit
        if inside:
            c.savepoint()
        refused: Exception | None = None
        try:
            why = write()
        except Exception as exc:
            if not c.is_integrity_error(exc):
                raise
            why, refused = str(exc), exc
        if why is None:
            if inside:
                c.release()
            return None
        if inside:
            c.rollback_to()
        else:
            c.rollback()
            c.begin()
        found = diagnose()
        if found is not None:
            return found
        raise refused or BackendError(why)
