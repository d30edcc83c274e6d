"""``assurdb reserve --db URL``: claims reserves of the stored business, gross and net of its reinsurance."""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

import click

from assurdb.cli.options import database, discounting, logged_in, login, output, read_curve, write_rows
from assurdb.cli.progress import Bars, quiet_option


def _money(value: float) -> float:
    return round(float(value), 2) + 0.0  # 0.0: no "-0.0" in the output


def rows(result: Any) -> list[dict[str, Any]]:
    """One row per side and accident period, then one total row per side (the CSV and JSON body)."""
    out: list[dict[str, Any]] = []
    for view in result.views():
        summary = view.summary
        for origin, line in summary.iterrows():
            out.append(
                {
                    "side": view.side,
                    "origin": str(origin),
                    "latest": _money(line["latest"]),
                    "ultimate": _money(line["ultimate"]),
                    "ibnr": _money(line["ibnr"]),
                    "mack_se": _money(line["mack_se"]),
                    "missing": int(line["missing"]),
                    "best_estimate": None,
                }
            )
        totals = view.totals
        out.append(
            {
                "side": view.side,
                "origin": "total",
                **{k: _money(totals[k]) for k in ("latest", "ultimate", "ibnr", "mack_se")},
                "missing": int(summary["missing"].sum()),
                "best_estimate": _money(totals["best_estimate"]),
            }
        )
    return out


def render_table(result: Any, out: TextIO) -> None:
    period = "accident year" if result.grain == "year" else "accident quarter"
    valued = result.valuation_date.date().isoformat()
    for view in result.views():
        click.echo(f"\n{view.side.upper()} — {result.basis}, by {period}, valued {valued}", file=out)
        click.echo("cumulative triangle:", file=out)
        click.echo(view.triangle.round(0).to_string(na_rep="", float_format=lambda v: f"{v:,.0f}"), file=out)
        factors = ", ".join(f"{f:.4f}" for f in view.fit.factors)
        click.echo(f"development factors: {factors}", file=out)
        table = view.summary.copy()
        totals = view.totals
        table.loc["total"] = [
            totals["latest"],
            totals["ultimate"],
            totals["ibnr"],
            totals["mack_se"],
            table["missing"].sum(),
        ]
        click.echo(table.to_string(float_format=lambda v: f"{v:,.2f}"), file=out)
        click.echo(f"Best Estimate (discounted future payments): {totals['best_estimate']:,.2f}", file=out)
    if len(result.without_history):
        click.echo(
            f"\n{len(result.without_history)} loss(es) have no movement and are left out of the triangles "
            f"(outstanding {result.without_history['outstanding'].sum():,.2f}).",
            file=out,
        )


@click.command("reserve")
@database
@login
@click.option("--basis", type=click.Choice(["paid", "incurred"]), default="paid", show_default=True)
@click.option("--grain", type=click.Choice(["year", "quarter"]), default="year", show_default=True)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Valuation date: movements after it are left out (default: the last movement's date).",
)
@discounting
@output
@quiet_option
def command(
    url: str,
    user: str,
    password: str,
    basis: str,
    grain: str,
    as_of: dt.datetime | None,
    rate: float | None,
    curve: str | None,
    fmt: str,
    output: TextIO,
    quiet: bool,
) -> None:
    """Claims reserves from the stored loss movements: triangles by accident period, gross and net of
    the stored reinsurance (proportional treaties and per-risk excess of loss), chain ladder with
    Mack's standard errors, and the discounted Best Estimate.

    Cells missing above the diagonal are left out of the link ratios and counted (column missing);
    a triangle of fewer than two diagonals is refused.
    """
    from assurdb.engine.reserving.stored import reserve
    from assurdb.engine.stored import StoredBusiness

    spot = read_curve(rate, curve)
    with logged_in(url, user, password) as session, Bars(quiet) as bars:
        result = reserve(
            StoredBusiness(session, progress=bars),
            basis=basis,  # type: ignore[arg-type]
            grain=grain,  # type: ignore[arg-type]
            as_of=as_of.date() if as_of is not None else None,
            rate=rate,
            curve=spot,
        )
    if fmt == "table":
        render_table(result, output)
        return
    header = {
        "basis": result.basis,
        "grain": result.grain,
        "valuation_date": result.valuation_date.date().isoformat(),
        "losses_without_history": len(result.without_history),
    }
    write_rows(rows(result), fmt, output, header)
