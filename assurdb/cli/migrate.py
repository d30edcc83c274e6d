"""``assurdb migrate plan | apply | script``: a database's schema version changed in place."""

from __future__ import annotations

from pathlib import Path

import click

from assurdb.cli.options import database, login
from assurdb.cli.progress import Bars, quiet_option


@click.group("migrate")
def command() -> None:
    """Upgrade (or downgrade) a database to the version of a schema file, keeping its data.

    Without SCHEMA_FILE, a database of a schema assurdb ships (insurance) moves to the version this
    assurdb ships; any database gets the meta-database of this assurdb (one an older one created).
    """


@command.command("plan")
@database
@login
@click.argument("schema_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--allow-data-loss", is_flag=True, help="Say what apply would do with data loss allowed.")
def plan(url: str, user: str, password: str, schema_file: str | None, allow_data_loss: bool) -> None:
    """Print the plan from the version the database holds to SCHEMA_FILE, and what its data says.

    Each change is safe, needs a default or loses data; exit status 1 when apply would refuse.
    """
    from assurdb.migrations import migrate_plan

    report = migrate_plan(url, schema_file, user=user, password=password, allow_data_loss=allow_data_loss)
    click.echo(report.text())
    if report.refusals:
        raise SystemExit(1)


@command.command("apply")
@database
@login
@click.argument("schema_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--allow-data-loss", is_flag=True, help="Go on when changes lose data (dropped items, rows, links).")
@click.option("--sql", is_flag=True, help="Print the SQL script instead of running it (nothing changes).")
@quiet_option
def apply(
    url: str, user: str, password: str, schema_file: str | None, allow_data_loss: bool, sql: bool, quiet: bool
) -> None:
    """Apply the plan to the database (an administrator's login; nobody may hold an opening).

    One transaction where the DBMS allows it; on MariaDB, whose DDL commits by itself, running the
    command again finishes a migration that was interrupted.
    """
    from assurdb.migrations import migrate_apply, migrate_sql

    if sql:
        click.echo(migrate_sql(url, schema_file), nl=False)
        return
    with Bars(quiet) as bars:
        report = migrate_apply(
            url, schema_file, user=user, password=password, allow_data_loss=allow_data_loss, progress=bars
        )
    click.echo(report.text())
    if not report.applied:
        raise SystemExit(1 if report.refusals else 0)


@command.command("script")
@database
@click.argument("schema_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("versions"),
    show_default=True,
    help="Folder of the Alembic revisions.",
)
def script(url: str, schema_file: str, out: Path) -> None:
    """Write the migration as an Alembic revision a DBA can read, edit and run with alembic."""
    from assurdb.migrations import migrate_script

    path = migrate_script(url, schema_file, out)
    click.echo(f"wrote {path}")
