"""``assurdb migrate script``: a migration as an ordinary Alembic revision.

The revision's ``upgrade()`` holds the DDL as Alembic operations (readable, editable: ``op.add_column``,
``op.create_index``…); the steps that move data through the two versions' codecs (a table rebuilt,
links moved) and the meta-database's rewrite are calls into assurdb, which rebuilds the conversion
from the two versions the revision embeds (the stored one as JSON, the schema file as written).
Run it with ``alembic upgrade`` where assurdb is installed; on SQLite, with foreign keys off.
"""

from __future__ import annotations

import pprint
import textwrap
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import render_python_code
from alembic.operations import ops

from assurdb.metadb.loader import parse
from assurdb.metadb.model import to_plain
from assurdb.metadb.plain import from_plain
from assurdb.migrations.apply import Conversion, Migration
from assurdb.migrations.transform import MigrationError
from assurdb.runtime.backends import backend_for_url
from assurdb.runtime.backends.migrate_relational import AlembicMigrator, typed
from assurdb.runtime.connection import Borrowed
from assurdb.runtime.database import Database
from assurdb.runtime.migration_ops import (
    AddColumn,
    CreateForeignKey,
    CreateIndex,
    CreateTable,
    CreateUnique,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    MoveRows,
    Operation,
    Rebuild,
    RenameColumn,
    RenameTable,
    SetNullable,
    SetValue,
)

_TEMPLATE = '''"""{title}

Written by `assurdb migrate script` from the database's current version and {source}.
Run it with `alembic upgrade head` where assurdb is installed{sqlite_note}.

{plan}

Revision ID: {revision}
Revises: {down_revision}
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from assurdb.migrations.revision import conversion, rewrite_meta, run_step

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None

#: The version the database holds, as its meta-database describes it (meta-schema v{old_meta}).
OLD = {old}
#: The schema file, as written (with its renames and data steps).
NEW = {new}


def _conversion():
    return conversion(OLD, {old_meta}, NEW, op.get_bind())


def upgrade() -> None:
{body}


def downgrade() -> None:
    raise NotImplementedError(
        "a downgrade is a migration like any other: assurdb migrate apply --db URL with the older schema file"
    )
'''


#: What env.py must do on SQLite: a table is rebuilt under the foreign keys that name it.
_SQLITE_NOTE = """; on SQLite, env.py turns foreign keys
off first, outside any transaction:

    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        context.configure(connection=connection, target_metadata=None)
        ..."""


def conversion(old: dict[str, Any], old_meta: int, new_text: str, bind: sa.Connection) -> Conversion:
    """The conversion a revision embeds, rebuilt on the connection's DBMS."""
    backend = backend_for_url(bind.engine.url.render_as_string(hide_password=False))
    return Conversion(from_plain(old), old_meta, parse(new_text, "revision"), backend)


def run_step(convert: Conversion, number: int, bind: sa.Connection) -> None:
    """Run the revision's data step ``number`` (an operation of the conversion) on the connection."""
    AlembicMigrator(convert.backend, bind).apply(convert.physical.operations[number])  # type: ignore[arg-type]


def rewrite_meta(convert: Conversion, bind: sa.Connection, user: str) -> None:
    """The meta-database of the new version, in the revision's transaction."""
    url = bind.engine.url.render_as_string(hide_password=False)
    db = Database(convert.new_interface, url)
    try:
        connection = Borrowed(bind.connection.driver_connection, db.dbms)

        def clear(table: str) -> None:
            bind.execute(sa.delete(sa.table(table)))

        convert.rewrite(db, connection, clear, user)
    finally:
        db.close()


def _render(operation: Any, batch: bool, table: str | None = None) -> str:
    wrapped = ops.ModifyTableOps(table, [operation]) if batch and table is not None else operation
    code = render_python_code(ops.UpgradeOps(ops=[wrapped]), render_as_batch=batch)
    return "\n".join(line for line in code.splitlines() if "###" not in line)


def _body(convert: Conversion) -> str:
    backend = convert.backend
    batch = backend.name == "sqlite"
    migrator = AlembicMigrator(backend, None, dialect=backend.dialect().name, as_sql=True)  # type: ignore[arg-type]
    lines: list[str] = []

    def column(c: Any) -> sa.Column[Any]:
        return sa.Column(c.name, backend.column_type(c), nullable=c.nullable)

    for number, operation in enumerate(convert.physical.operations):
        lines.append(f"    # {number + 1}. {operation}")
        rendered = _operation(operation, number, batch, column, migrator)
        lines.append(textwrap.indent(textwrap.dedent(rendered).strip("\n"), "    "))
    lines.append("    # the meta-database: the new version current, the former kept as history")
    lines.append('    rewrite_meta(_conversion(), op.get_bind(), user="alembic")')
    return "\n".join(lines)


def _operation(operation: Operation, number: int, batch: bool, column: Any, migrator: AlembicMigrator) -> str:
    backend = migrator.backend
    if isinstance(operation, CreateTable):
        table = sa.Table(
            operation.table.name,
            sa.MetaData(),
            *migrator._columns(operation.table),
            *migrator._constraints(operation.table),
        )
        return _render(ops.CreateTableOp.from_table(table), False)
    if isinstance(operation, DropTable):
        return f"op.drop_table({operation.table.name!r})"
    if isinstance(operation, RenameTable):
        return f"op.rename_table({operation.old!r}, {operation.new!r})"
    if isinstance(operation, AddColumn):
        return _render(ops.AddColumnOp(operation.table, column(operation.column)), batch, operation.table)
    if isinstance(operation, DropColumn):
        return _render(ops.DropColumnOp(operation.table, operation.column.name), batch, operation.table)
    if isinstance(operation, RenameColumn):
        kind = backend.column_type(operation.column)
        alter = ops.AlterColumnOp(operation.table, operation.old, modify_name=operation.new, existing_type=kind)
        return _render(alter, False)
    if isinstance(operation, SetNullable):
        kind = backend.column_type(operation.column)
        alter = ops.AlterColumnOp(
            operation.table, operation.column.name, modify_nullable=operation.nullable, existing_type=kind
        )
        return _render(alter, batch, operation.table)
    if isinstance(operation, SetValue):
        light = sa.table(operation.table, sa.column(operation.column.name))
        update = sa.update(light).values({operation.column.name: typed(operation.value)})
        if operation.only_nulls:
            update = update.where(light.c[operation.column.name].is_(None))
        sql = str(update.compile(dialect=backend.dialect(), compile_kwargs={"literal_binds": True}))
        return f"op.execute({sql!r})"
    if isinstance(operation, CreateIndex | CreateUnique):
        index = operation.index
        return _render(ops.CreateIndexOp(index.name, operation.table, list(index.columns), unique=index.unique), False)
    if isinstance(operation, DropIndex | DropUnique):
        return _render(ops.DropIndexOp(operation.index.name, table_name=operation.table), False)
    if isinstance(operation, CreateForeignKey):
        key = operation.key
        create = ops.CreateForeignKeyOp(
            key.name, operation.table, key.ref_table, list(key.columns), list(key.ref_columns)
        )
        return _render(create, batch, operation.table)
    if isinstance(operation, DropForeignKey):
        if batch:
            return "pass  # SQLite: the key goes with its table or column"
        return _render(ops.DropConstraintOp(operation.key.name, operation.table, type_="foreignkey"), False)
    if isinstance(operation, Rebuild | MoveRows):
        return f"run_step(_conversion(), {number}, op.get_bind())  # data through the two versions' codecs"
    raise TypeError(f"unknown operation {operation!r}")


def migrate_script(url: str, schema_file: str | Path, out: str | Path) -> Path:
    """Write the migration from what ``url`` holds to ``schema_file`` as an Alembic revision in ``out``."""
    with Migration(url, schema_file) as migration:
        if migration.backend.name == "duckdb":
            raise MigrationError(
                "Alembic has no DuckDB dialect: migrate DuckDB with `assurdb migrate apply` (or --sql)"
            )
        convert = migration.conversion
        old, new = convert.old_schema, convert.new_schema
        revision = f"{new.name}_v{new.version}_{new.fingerprint[:8]}"
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        previous = f"{old.name}_v{old.version}_{old.fingerprint[:8]}"
        down = previous if list(folder.glob(f"{previous}*.py")) else None
        text = _TEMPLATE.format(
            title=f"{old.name} v{old.version} → v{new.version}",
            sqlite_note=_SQLITE_NOTE if migration.backend.name == "sqlite" else "",
            source=Path(schema_file).name,
            plan=migration.plan.describe(),
            revision=revision,
            down_revision=down,
            old=pprint.pformat(to_plain(old), width=110, sort_dicts=False),
            old_meta=convert.old_meta,
            new=repr(Path(schema_file).read_text(encoding="utf-8")),
            body=_body(convert),
        )
        path = folder / f"{revision}.py"
        path.write_text(text, encoding="utf-8")
        return path
