"""The neutral physical model (``metadb.physical``) → SQLAlchemy ``MetaData`` and DDL per DBMS.

Decisions that must hold on every DBMS (SPEC §3.2):

* alphanumeric columns compare by code point with no padding: SQLite ``BINARY`` (its
  default), PostgreSQL ``COLLATE "C"``, MariaDB ``utf8mb4_nopad_bin``; DuckDB's default
  collation is already binary. Every alphanumeric column gets it, not only key columns, so a
  path's sort items and selections order the same way everywhere.
* decimals are exact: ``NUMERIC(p, s)`` on PostgreSQL, MariaDB and DuckDB; SQLite has no
  decimal type, so a decimal is stored as a scaled 64-bit integer (``123.45`` at scale 2 is
  ``12345``), never a float.
* dates are ``DATE`` (ISO text on SQLite, which sorts the same); booleans ``BOOLEAN``.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine.interfaces import Dialect

from assurdb.metadb.physical import Column, PhysicalModel, Table

DBMS = Literal["sqlite", "postgresql", "mariadb", "duckdb"]
RELATIONAL: tuple[DBMS, ...] = ("sqlite", "postgresql", "mariadb")
ALL_DBMS: tuple[DBMS, ...] = ("sqlite", "postgresql", "mariadb", "duckdb")

MARIADB_COLLATION = "utf8mb4_nopad_bin"


def dialect(dbms: DBMS) -> Dialect:
    """The SQLAlchemy dialect that renders ``dbms``'s SQL, with the driver's positional paramstyle.

    DuckDB's SQL is PostgreSQL's for everything the interface says (quoted names, row values,
    ``LIMIT``); its driver takes ``?`` parameters.
    """
    if dbms == "sqlite":
        return sqlite.dialect(paramstyle="qmark")
    if dbms == "postgresql":
        return postgresql.psycopg.dialect(paramstyle="format")  # type: ignore[no-untyped-call]
    if dbms == "mariadb":
        return mysql.pymysql.dialect(paramstyle="format")
    if dbms == "duckdb":
        return postgresql.dialect(paramstyle="qmark")  # type: ignore[no-untyped-call]
    raise ValueError(f"unknown DBMS {dbms!r}")


def column_type(column: Column, dbms: DBMS) -> sa.types.TypeEngine[Any]:
    """The SQL type of a scalar column on ``dbms``."""
    kind = column.type
    if kind == "numeric":
        return sa.BigInteger() if (column.length or 18) > 9 else sa.Integer()
    if kind == "decimal":
        if dbms == "sqlite":
            return sa.BigInteger()
        return sa.Numeric(column.length, column.scale, asdecimal=True)
    if kind == "alphanumeric":
        if dbms == "postgresql":
            return sa.String(column.length, collation="C")
        if dbms == "mariadb":
            return mysql.VARCHAR(column.length, charset="utf8mb4", collation=MARIADB_COLLATION)
        return sa.String(column.length)
    if kind == "boolean":
        return sa.Boolean(create_constraint=False)
    if kind == "date":
        return sa.Date()
    raise ValueError(f"column {column.name}: no scalar SQL type for {kind!r}")


def _table(md: sa.MetaData, table: Table, dbms: DBMS, *, constraints: bool) -> sa.Table:
    cols: list[sa.Column[Any]] = []
    for column in table.columns:
        # LIST and STRUCT columns (DuckDB) only appear in compiled DML, never in SQLAlchemy DDL.
        sql_type = column_type(column, dbms) if column.kind == "scalar" else sa.types.NullType()
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
                sa.ForeignKeyConstraint(list(fk.columns), [f"{fk.ref_table}.{c}" for c in fk.ref_columns], name=fk.name)
            )
        for unique in table.uniques:
            extras.append(sa.UniqueConstraint(*unique.columns, name=unique.name))
    kwargs: dict[str, Any] = {}
    if dbms == "mariadb":
        kwargs = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": MARIADB_COLLATION}
    sa_table = sa.Table(table.name, md, *cols, *extras, **kwargs)
    if constraints:
        for index in table.indexes:
            sa.Index(index.name, *[sa_table.c[c] for c in index.columns], unique=index.unique)
    return sa_table


def to_metadata(model: PhysicalModel, dbms: DBMS, *, constraints: bool = True) -> sa.MetaData:
    """SQLAlchemy ``MetaData`` for a relational model on ``dbms`` (also Alembic's target).

    ``constraints=False`` leaves out foreign keys, unique constraints and indexes: the shape
    used to compile DuckDB's DML with the PostgreSQL compiler (the DDL is DuckDB's own).
    """
    md = sa.MetaData()
    for table in model.tables:
        _table(md, table, dbms, constraints=constraints)
    return md


def create_statements(model: PhysicalModel, dbms: DBMS) -> list[str]:
    """``CREATE TABLE`` / ``CREATE INDEX`` statements for a relational DBMS, in dependency order."""
    if dbms not in RELATIONAL:
        raise ValueError(f"{dbms} is not relational")
    md = to_metadata(model, dbms)
    d = dialect(dbms)
    statements: list[str] = []
    for sa_table in md.sorted_tables:
        statements.append(str(sa.schema.CreateTable(sa_table).compile(dialect=d)).strip())
        for index in sorted(sa_table.indexes, key=lambda i: str(i.name)):
            statements.append(str(sa.schema.CreateIndex(index).compile(dialect=d)).strip())
    return statements


def drop_statements(model: PhysicalModel, dbms: DBMS) -> list[str]:
    md = to_metadata(model, dbms)
    d = dialect(dbms)
    return [str(sa.schema.DropTable(t).compile(dialect=d)).strip() for t in reversed(md.sorted_tables)]


_DUCK_SCALAR = {
    "numeric": "BIGINT",
    "alphanumeric": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
}


def duckdb_type(column: Column) -> str:
    """DuckDB's type for a column: LIST for a repetitive item, STRUCT for a decomposable one."""
    if column.kind == "struct":
        fields = ", ".join(f'"{f.name}" {duckdb_type(f)}' for f in column.fields)
        return f"STRUCT({fields})"
    base = f"DECIMAL({column.length}, {column.scale})" if column.type == "decimal" else _DUCK_SCALAR[str(column.type)]
    return f"{base}[]" if column.kind == "list" else base


def duckdb_create_statements(model: PhysicalModel) -> list[str]:
    """DuckDB DDL: primary keys only (its foreign keys misfire on updates and cannot cascade;
    the interface enforces paths itself — SPEC §3.2); plain indexes for keys and paths."""
    statements: list[str] = []
    for table in model.tables:
        cols = []
        for column in table.columns:
            null = "" if column.nullable and column.name not in table.primary_key else " NOT NULL"
            cols.append(f'"{column.name}" {duckdb_type(column)}{null}')
        pk = ", ".join(f'"{c}"' for c in table.primary_key)
        cols.append(f"PRIMARY KEY ({pk})")
        body = ",\n\t".join(cols)
        statements.append(f'CREATE TABLE "{table.name}" (\n\t{body}\n)')
    return statements
