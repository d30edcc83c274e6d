"""The backend class: everything one DBMS means to an interface, in one place (Alembic's
``DefaultImpl``, Ibis' ``BaseBackend``).

A backend class owns, for its DBMS:

* at generation time — its SQLAlchemy dialect (SQL rendered once, by the generator), its
  column types and DDL, its keyset comparison, and how values are encoded into rows and decoded
  from them (the expressions the generator writes into each record type's codecs);
* at run time — its URL schemes, its driver and connections (opened lazily: importing assurdb
  needs no driver), proof of life of an opening's holder, its WRITE BATCH insert and its reads
  (a columnar DBMS serves keyset walks from sorted snapshots).

Nothing outside ``runtime/backends/`` asks which DBMS it is: the generator, the request
algorithms and the facade ask the backend class.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa

from assurdb.metadb.model import Item
from assurdb.metadb.physical import Column, Family, PhysicalModel, Table
from assurdb.runtime.connection import Connection
from assurdb.runtime.errors import (
    BackendError,
    ConnectionFailedError,
    DatabaseNotFoundError,
    ServerLoginError,
)
from assurdb.runtime.specs import Compiled, PathSpec, RecordSpec, Stmt

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import Dialect

    from assurdb.runtime.core import SessionBase

#: A diagnosis of a refused batch: the reply naming the first refused article, or None.
Diagnose = Callable[[], Any]
#: The end of a migration: given its connection and a way to empty a table, rewrite the meta-database.
Finish = Callable[[Connection, Callable[[str], None]], None]


def without_password(url: str) -> str:
    """``url`` with its password masked, for messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def file_advice(path: str) -> str:
    """What to do when an embedded DBMS cannot open the file at ``path``: its folder is missing, it
    is a folder, or it cannot be written."""
    file = Path(path)
    if file.is_dir():
        return f"{file} is a folder: name a file in it (e.g. {file / 'company.db'})"
    folder = file.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist: create it (mkdir -p {folder}) or name a file in another"
    return f"check that the folder {folder} can be written and {file.name} read and written"


class Backend:
    """One DBMS behind a generated interface. Subclasses set the class attributes and override
    what differs; an instance is one open database (its URL, its connections)."""

    #: the name of the DBMS, which is also the name of its module in a generated package
    name: ClassVar[str]
    label: ClassVar[str]
    family: ClassVar[Family]
    #: URL schemes (before any ``+driver``) this backend serves → the scheme it connects with
    schemes: ClassVar[Mapping[str, str]]
    #: OPEN DB locks each record type's meta-database row (SELECT … FOR UPDATE) while it decides
    locks_rows: ClassVar[bool] = True
    #: From how many articles an existence constraint is checked by one query over the whole table
    #: rather than by two point queries per article (a point query is cheap on a row store).
    bulk_check: ClassVar[int] = 256
    #: WRITE BATCH inserts from Arrow columns: a batch of dicts of text and integers is read into
    #: Arrow at once and checked on its arrays (``metadb.values.arrow_columns``), its values listed only if walked
    arrow_batches: ClassVar[bool] = False

    # -- generation time -------------------------------------------------------------------
    @classmethod
    def dialect(cls) -> Dialect:
        """The SQLAlchemy dialect that renders this DBMS's statements, with its driver's paramstyle."""
        raise NotImplementedError

    @classmethod
    def column_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        """The SQL type of a scalar column (relational DDL and compiled statements)."""
        raise NotImplementedError

    @classmethod
    def metadata(cls, model: PhysicalModel, *, constraints: bool = True) -> sa.MetaData:
        """SQLAlchemy ``MetaData`` of a physical model on this DBMS (the DDL's source, Alembic's target).

        ``constraints=False`` leaves out foreign keys, unique constraints and indexes (the shape
        statements are compiled against).
        """
        md = sa.MetaData()
        for table in model.tables:
            cls._table(md, table, constraints=constraints)
        return md

    @classmethod
    def _table(cls, md: sa.MetaData, table: Table, *, constraints: bool) -> sa.Table:
        cols: list[sa.Column[Any]] = []
        for column in table.columns:
            # LIST and STRUCT columns (a columnar DBMS) only appear in compiled statements, not in this DDL.
            sql_type = cls.column_type(column) if column.kind == "scalar" else sa.types.NullType()
            cols.append(
                sa.Column(
                    column.name,
                    sql_type,
                    primary_key=column.name in table.primary_key,
                    nullable=column.nullable and column.name not in table.primary_key,
                    autoincrement=False,
                )
            )
        extras: list[Any] = []
        if constraints:
            for fk in table.foreign_keys:
                extras.append(
                    sa.ForeignKeyConstraint(
                        list(fk.columns), [f"{fk.ref_table}.{c}" for c in fk.ref_columns], name=fk.name
                    )
                )
        sa_table = sa.Table(table.name, md, *cols, *extras, **cls.table_options())
        if constraints:
            # 1-1 uniques are unique indexes: every DBMS creates and drops them alike (migrations)
            for index in (*table.indexes, *table.uniques):
                sa.Index(index.name, *[sa_table.c[c] for c in index.columns], unique=index.unique)
        return sa_table

    @classmethod
    def table_options(cls) -> dict[str, Any]:
        """Keyword arguments of every ``sa.Table`` (engine, character set…)."""
        return {}

    @classmethod
    def create_statements(cls, model: PhysicalModel) -> tuple[list[str], list[str]]:
        """The DDL of a physical model: (statements of the database, statements kept apart)."""
        raise NotImplementedError

    @classmethod
    def keyset(cls, cols: Sequence[Any], params: Sequence[Any], *, strict: bool) -> Any:
        """``(cols) > (params)`` (``>=`` unless strict) in the form this DBMS's planner turns into an
        index range: a row-value comparison by default."""
        if len(cols) == 1:
            return cols[0] > params[0] if strict else cols[0] >= params[0]
        left, right = sa.tuple_(*cols), sa.tuple_(*params)
        return left > right if strict else left >= right

    @classmethod
    def encode_expr(cls, item: Item, expr: str) -> str:
        """Python source turning a checked value of a simple item (or sub-item) into its parameter."""
        return expr

    @classmethod
    def decode_expr(cls, item: Item, expr: str) -> str:
        """Python source turning a fetched column value back into the item's value."""
        return expr

    @classmethod
    def encode_column_expr(cls, item: Item, expr: str) -> str:
        """Python source turning a batch's checked values of a simple item (a list) into its one
        column's values (WRITE BATCH). By default each value goes through :meth:`encode_expr`."""
        each = cls.encode_expr(item, "x")
        return expr if each == "x" else f"[{each} for x in {expr}]"

    @classmethod
    def decode_column_expr(cls, item: Item, expr: str) -> str:
        """Python source turning one fetched column of a simple item (a list of its values) into the
        item's values for READ SELECTION's frame: a list of them, or an array already of the
        frame's dtype. By default each value goes through :meth:`decode_expr`."""
        each = cls.decode_expr(item, "x")
        return expr if each == "x" else f"[{each} for x in {expr}]"

    @classmethod
    def value_converter(cls, item: Item) -> str | None:
        """Python source of a one-argument callable encoding one key value (None: as it is)."""
        return None

    @classmethod
    def opening_extras(cls, tables: Mapping[str, Any], render: Callable[[Any], Stmt]) -> dict[str, Stmt]:
        """Statements on the openings only this DBMS needs (``tables``: the meta tables by name)."""
        return {}

    @classmethod
    def record_extras(cls, compiler: Any, rt: Any) -> tuple[dict[str, Stmt], dict[str, Stmt]]:
        """Statements only this DBMS needs for a record type: (snapshots by key, batch statements)."""
        return {}, {}

    @classmethod
    def path_extras(cls, compiler: Any, path: Any) -> tuple[Stmt | None, dict[str, Stmt]]:
        """Statements only this DBMS needs for a path type: (walk snapshot, batch statements)."""
        return None, {}

    # -- run time ------------------------------------------------------------------------------
    @classmethod
    def normalise_url(cls, url: str) -> str:
        """The URL with the scheme this backend connects with (``postgresql://`` → ``postgresql+psycopg://``)."""
        scheme, rest = url.split("://", 1)
        return f"{cls.schemes.get(scheme.lower(), scheme)}://{rest}"

    @classmethod
    def retryable(cls, exc: BaseException) -> bool:
        """Whether the DBMS rolled the transaction back to break a deadlock (or a serialisation
        conflict): nothing was written, and running it again is the remedy."""
        return False

    @classmethod
    def database_file(cls, url: str) -> str | None:
        """The file an embedded DBMS keeps the database in (None for a server)."""
        return None

    @classmethod
    def require_existing(cls, url: str) -> None:
        """Raise :class:`DatabaseNotFoundError` when ``url`` names a database file that is not
        there — before anything connects, which would create an empty one."""
        path = cls.database_file(url)
        if path is not None and not os.path.exists(path):
            raise DatabaseNotFoundError(without_password(url), path)

    # -- connection failures -------------------------------------------------------------------
    @classmethod
    def failure_reason(cls, exc: BaseException) -> str:
        """What a driver's exception on connecting means: ``server`` (nothing answers), ``database``
        (no such database), ``login`` (the account was refused) or ``other``."""
        return "other"

    @classmethod
    def failure_detail(cls, exc: BaseException) -> str:
        """What the driver said, without its wrapping."""
        return str(exc)

    @classmethod
    def missing_database_advice(cls, url: str) -> str:
        """How to create the database a URL names on this DBMS."""
        return "check the database name in the URL"

    def connection_failed(self, exc: BaseException) -> ConnectionFailedError:
        """The assurdb error of a driver's exception raised while connecting (one line, with advice)."""
        exc = getattr(exc, "orig", None) or exc  # SQLAlchemy's wrapper → the driver's own
        reason = self.failure_reason(exc)
        advice = {
            "server": f"is the {self.label} server running and listening there? (check the URL's host and port)",
            "database": self.missing_database_advice(self.url),
            "login": "check the user and password in the URL (the DBMS account, not the assurdb user)",
        }.get(reason, "check the URL")
        error = ServerLoginError if reason == "login" else ConnectionFailedError
        return error(self.safe_url(), reason, self.failure_detail(exc), advice)

    def __init__(self, compiled: Compiled, url: str) -> None:
        if compiled.backend != self.name:
            raise BackendError(f"the {self.name} backend was given statements compiled for {compiled.backend}")
        self.compiled = compiled
        self.url = url

    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return without_password(self.url)

    def connect(self) -> Connection:
        """A connection of its own for a new session."""
        raise NotImplementedError

    def create_tables(self) -> None:
        """Lay out the physical schema (the interface's DDL) in a new database."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the open database holds (pools, files)."""

    def committed(self, tables: set[str]) -> None:
        """A unit of work committed writes to ``tables`` (a columnar DBMS's snapshots listen)."""

    # -- requests that depend on the DBMS ------------------------------------------------------
    def read_next(
        self, session: SessionBase, spec: RecordSpec, key: str, encoded: Mapping[str, Any], given: int
    ) -> Any:
        """READ SEQUENTIAL's row: the first at or after the ``given`` leading items of the key's
        order (``encoded``: their parameters), strictly after a complete key value; or None."""
        stmt = spec.strictly_after[key] if given == len(spec.order[key]) else spec.after[key][given]
        return session.conn.one(stmt.sql, stmt.take(encoded))

    def first_target(self, session: SessionBase, path: PathSpec, o: Mapping[str, Any]) -> Any:
        """The first target row of an origin (``o``: its encoded identifier) in path order."""
        assert path.first_target is not None
        return session.conn.one(path.first_target.sql, session.bind(path.first_target, o=o))

    def next_target(
        self, session: SessionBase, path: PathSpec, o: Mapping[str, Any], current: Mapping[str, Any]
    ) -> Any:
        """The target row after ``current`` (its encoded sort items and identifier) in path order."""
        assert path.next_target is not None
        return session.conn.one(path.next_target.sql, session.bind(path.next_target, o=o, c=current))

    # -- migrations ----------------------------------------------------------------------------
    #: The DBMS alters a table in place (columns added, renamed, dropped) inside a migration.
    alters: ClassVar[bool] = True
    #: The DBMS's DDL is transactional: a migration is one transaction (MariaDB's is not).
    transactional_ddl: ClassVar[bool] = True
    #: Alembic has a dialect for the DBMS (``assurdb migrate script`` writes revisions for it).
    alembic: ClassVar[bool] = True

    def migrate(self, operations: Sequence[Any], finish: Finish) -> None:
        """Run a migration's physical operations, then ``finish`` (the meta-database rewritten
        through requests on the migration's own connection), in one transaction where the DBMS's
        DDL is transactional."""
        raise NotImplementedError

    def migration_sql(self, operations: Sequence[Any]) -> str:
        """The operations as the SQL script they run (data conversions named, not shown)."""
        raise NotImplementedError

    @classmethod
    def after_rebuild(cls, temporary: str, final: str) -> list[str]:
        """Statements renaming what a swapped table kept of its temporary name (PostgreSQL's key)."""
        return []

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
        """READ SELECTION's DataFrame straight from the DBMS's columns, or None: rows, decoded one by one
        (a columnar DBMS hands whole columns over; the frame is the one rows would give). ``floats``:
        decimal items as ``float64`` (:func:`~assurdb.runtime.frames.decimal_floats` of the rows' values).
        ``unordered``: the same selection without its ORDER BY and the columns of that order, when the
        DBMS may read the rows so and put them in that order itself."""
        return None

    def insert_batch(
        self, session: SessionBase, spec: RecordSpec, columns: Mapping[str, list[Any]], diagnose: Diagnose
    ) -> Any:
        """Insert a checked batch (every item's values, in canonical form) all or none; answer the
        reply naming the first refused article, or None when every article is written."""
        raise NotImplementedError

    def update_batch(
        self,
        session: SessionBase,
        spec: RecordSpec,
        parts: Sequence[tuple[tuple[str, ...], Mapping[str, list[Any]]]],
        count: int,
        diagnose: Diagnose,
    ) -> Any:
        """REWRITE BATCH's writing: each part is (the items its articles give, their checked values by
        item, the identifier's first), ``count`` identifiers in all, each in one part only. All or none:
        if an identifier names no article, nothing is changed and ``diagnose()``'s reply is answered;
        None when every article is rewritten."""
        raise NotImplementedError
