"""``assurdb init URL --schema insurance``: create a database (tables, meta-database, user admin)."""

from __future__ import annotations

import click

from assurdb.facade import create


@click.command("init")
@click.argument("url")
@click.option("--schema", default="insurance", show_default=True, help="Schema of the new database.")
@click.option(
    "--admin-password",
    envvar="ASSURDB_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password of the user 'admin' (or ASSURDB_ADMIN_PASSWORD).",
)
def command(url: str, schema: str, admin_password: str) -> None:
    """Create a new database at URL (sqlite:///f.db, duckdb:///f.duckdb, postgresql://…, mysql://…)."""
    db = create(url, schema=schema, admin_password=admin_password)
    try:
        click.echo(
            f"created a {schema} database with {len(db.schema.record_types)} record types "
            f"and {len(db.schema.path_types)} path types; user 'admin' can log in"
        )
    finally:
        db.close()
