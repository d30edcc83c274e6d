"""``assurdb report NAME --db URL``: the results analysis of thesis chapter III."""

from __future__ import annotations

import datetime as dt
from typing import TextIO

import click

from assurdb.cli.progress import Bars, quiet_option
from assurdb.domain.reports import FORMATS, GROUPINGS, REPORTS, Basis, Period, load_company, make_report, render
from assurdb.domain.reports.page import item_labels
from assurdb.facade import connect


@click.command("report")
@click.argument("name", type=click.Choice(list(REPORTS)), metavar="NAME")
@click.option("--db", "url", required=True, envvar="ASSURDB_URL", help="Database URL (or ASSURDB_URL).")
@click.option("--user", default="admin", show_default=True, help="User to log in as (needs mode 1 on the data).")
@click.option(
    "--password",
    envvar="ASSURDB_PASSWORD",
    prompt=True,
    hide_input=True,
    help="The user's password (or ASSURDB_PASSWORD; asked when missing).",
)
@click.option(
    "--period",
    default=lambda: str(dt.date.today().year),
    show_default="this year",
    help="2024, 2024-Q1, 2024-01, 2024-01-15 or a range such as 2024-01..2024-06.",
)
@click.option(
    "--basis",
    type=click.Choice([b.value for b in Basis]),
    default=None,
    help="calendar, underwriting (policy year) or accident year; each report has its default.",
)
@click.option("--by", type=click.Choice(GROUPINGS), default=None, help="Group ratios / production by this.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluation date of the underwriting and accident bases (default: the period's end).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default: stdout)."
)
@quiet_option
def command(
    name: str,
    url: str,
    user: str,
    password: str,
    period: str,
    basis: str | None,
    by: str | None,
    as_of: dt.datetime | None,
    fmt: str,
    output: TextIO,
    quiet: bool,
) -> None:
    """Print the report NAME (thesis chapter III), read through the interface.

    \b
    ratios             earned-incurred, written-paid, expense, profit, breakeven (III.1)
    production         production performance, period and year-to-date (III.2.1)
    agents             agents' results by policy year (III.2.5)
    transactions       premium transactions: new, renewals, endorsements, cancellations (III.2.6)
    claims-dictionary  every claim with its payments, reserve and agent (III.2.7)
    claims-activity    monthly claims activity by territory (III.2.8)

    Earned premium is pro rata temporis over the cover; claims, reserves and expenses come from
    the journal (run ACCOUNT first). --format html writes a standalone page: headers labelled as
    the meta-database labels the items, ratios in percent, a bar chart (inline SVG).
    """
    kind = REPORTS[name]
    chosen = Period.parse(period)
    db = connect(url)
    items = item_labels(db.data_schema)  # the meta-database's labels of the items (HTML headers)
    where = db.backend.safe_url()
    try:
        session = db.login(user, password)
        try:
            with Bars(quiet) as bars:
                company = load_company(session, progress=bars)
                bars.stage(f"making the report {name}")
                frame = make_report(company, name, chosen, basis=basis, by=by, as_of=as_of.date() if as_of else None)
                bars.stage(f"making the report {name}", 1)
        finally:
            session.close()
    finally:
        db.close()
    shown = basis or kind.default_basis.value
    if fmt == "html":
        grouped = f", by {by}" if by else ""
        subtitle = f"{chosen.label}, {shown} basis{grouped} · thesis {kind.thesis} · {where}"
        output.write(render(frame, fmt, title=kind.title, subtitle=subtitle, report=name, items=items))
        return
    title = f"{kind.title} (thesis {kind.thesis}) - {chosen.label}, {shown} basis"
    output.write(render(frame, fmt, title=None if fmt == "csv" else title))
