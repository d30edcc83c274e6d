"""``assurdb init URL [--schema NAME_OR_FILE | --interface PACKAGE]``: create a database."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assurdb.facade import create, find_interface
from assurdb.metadb.loader import builtin_names
from assurdb.runtime.errors import BackendError


@click.command("init")
@click.argument("url")
@click.option(
    "--schema",
    help="A schema assurdb ships (insurance, the default), or your schema file: the package generated "
    "from it in your project is found by its fingerprint.",
)
@click.option("--interface", help="The dotted name of your generated package (e.g. myapp.dbi).")
@click.option(
    "--app-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Your project's root, where generated packages are imported from.",
)
@click.option(
    "--admin-password",
    envvar="ASSURDB_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password of the user 'admin' (or ASSURDB_ADMIN_PASSWORD).",
)
def command(url: str, schema: str | None, interface: str | None, app_dir: Path, admin_password: str) -> None:
    """Create a new database at URL (sqlite:///f.db, duckdb:///f.duckdb, postgresql://…, mysql://…)."""
    if schema is not None and interface is not None:
        raise click.UsageError("give --schema or --interface, not both")
    sys.path.insert(0, str(app_dir.resolve()))  # the project's packages import as in the project
    shipped = schema is None or schema in builtin_names()
    if schema is not None and not shipped:
        if not Path(schema).is_file():
            shipped_names = ", ".join(sorted(builtin_names()))
            raise BackendError(f"--schema {schema}: neither a schema assurdb ships ({shipped_names}) nor a schema file")
        interface, schema = find_interface(schema, app_dir), None
    db = create(url, schema=schema, admin_password=admin_password, interface=interface)
    try:
        built, data = db.interface, db.data_schema  # the schema's own, without the meta-schema's
        click.echo(
            f"created the {built.name} v{built.version} database through {built.package} on {db.dbms}: "
            f"{len(data.record_types)} record types, {len(data.path_types)} path types, and its "
            f"meta-database; user 'admin' can log in (e.g. {_next_step(built.name, db.backend.safe_url())})"
        )
    finally:
        db.close()


def _next_step(schema: str, url: str) -> str:
    """A command that works on a new database of ``schema`` (reports are the insurance schema's)."""
    if schema == "insurance":
        return f"assurdb report ratios --db {url}"
    if schema == "exchange":
        return f"assurdb exchange register --db {url} CODE NAME --key KEY.pub"
    return f"assurdb user list --db {url}"
