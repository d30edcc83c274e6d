"""``assurdb reinsure --db URL --year Y``: the stored program of a year on the stored business, written back."""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

import click

from assurdb.cli.options import database, logged_in, login, output, write_rows
from assurdb.cli.progress import Bars, quiet_option

VIEWS = ("summary", "accounts", "recoveries", "cessions")


def _plain(value: Any) -> Any:
    """A frame's value as CSV and JSON print it: amounts to the cent (never ``-0.0``), dates ISO."""
    if isinstance(value, float):
        return round(value, 2) + 0.0
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _frame(result: Any, view: str) -> Any:
    """One view of the result: ``summary`` (per treaty), ``accounts`` (per treaty, reinsurer and
    quarter), ``recoveries``, ``cessions``."""
    return {
        "summary": lambda: result.summary,
        "accounts": lambda: result.shares,
        "recoveries": lambda: result.recoveries,
        "cessions": lambda: result.cessions,
    }[view]()


def rows(result: Any, view: str) -> list[dict[str, Any]]:
    """The rows of one view of the result (:func:`_frame`), as CSV and JSON print them."""
    frame = _frame(result, view)
    if view == "cessions":
        frame = frame.assign(term_start=frame["term_start"].dt.date)
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def render_table(result: Any, view: str, recorded: Any, out: TextIO) -> None:
    click.echo(f"Program {result.year} as at {result.as_of.date().isoformat()}", file=out)
    click.echo(_frame(result, view).to_string(index=False, float_format=lambda v: f"{v:,.2f}"), file=out)
    if result.without_history:
        click.echo(f"{result.without_history} loss(es) have no movement and are left out.", file=out)
    if recorded is None:
        click.echo("Nothing written (--dry-run).", file=out)
        return
    written = ", ".join(
        f"{rt} {recorded.created[rt]} created / {recorded.modified[rt]} modified" for rt in recorded.created
    )
    click.echo(f"Written back: {written}.", file=out)
    if recorded.unrecorded:
        click.echo(
            f"{recorded.unrecorded} guaranty cession(s) have no cession record: the cells handling them share "
            "risks with none of the treaty's reinsurers (they are in the treaty's figures all the same).",
            file=out,
        )
    click.echo(f"ACCOUNT REINSURANCE: {len(recorded.accounted.journals)} journal(s) written.", file=out)


@click.command("reinsure")
@database
@login
@click.option("--year", type=int, required=True, help="Underwriting year of the program to apply.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the figures are taken at: movements after it are left out "
    "(default: the last movement stored, at least the year's 31st of December).",
)
@click.option("--show", type=click.Choice(VIEWS), default="summary", show_default=True, help="What to print.")
@click.option("--dry-run", is_flag=True, help="Compute and print; write nothing back and post nothing.")
@output
@quiet_option
def command(
    url: str,
    user: str,
    password: str,
    year: int,
    as_of: dt.datetime | None,
    show: str,
    dry_run: bool,
    fmt: str,
    output: TextIO,
    quiet: bool,
) -> None:
    """Apply the stored reinsurance program of an underwriting year to the stored business:
    proportional treaties per guaranty, excess of loss per loss or event, stop loss on the year, in
    rank order. Writes the cessions, the recoveries and the quarterly treaty accounts per reinsurer
    back to the database and posts the accounts through ACCOUNT REINSURANCE, balanced and gapless.
    Run again on the same business, it writes nothing; after new movements, only the differences.
    """
    from assurdb.engine.reinsure import record, reinsure
    from assurdb.engine.stored import StoredBusiness

    with logged_in(url, user, password) as session, Bars(quiet) as bars:
        stored = StoredBusiness(session, progress=bars)
        result = reinsure(stored, year, as_of=as_of.date() if as_of is not None else None)
        recorded = None
        if not dry_run:
            bars.stage("writing back and posting the accounts")
            recorded = record(session, result)
            bars.stage("writing back and posting the accounts", 1)
    if fmt == "table":
        render_table(result, show, recorded, output)
        return
    body = rows(result, show)
    if fmt == "csv" and not body:
        click.echo(f"no {show} for the program of {year}", err=True)
        return
    header: dict[str, Any] = {
        "year": result.year,
        "as_of": result.as_of.date().isoformat(),
        "show": show,
        "losses_without_history": result.without_history,
    }
    if recorded is not None:
        header |= {
            "created": recorded.created,
            "modified": recorded.modified,
            "unrecorded": recorded.unrecorded,
            "journals": len(recorded.accounted.journals),
        }
    write_rows(body, fmt, output, header)
