"""``assurdb solvency --db URL``: Solvency II premium and reserve risk of the stored business."""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

import click

from assurdb.cli.options import database, discounting, logged_in, login, output, read_curve, write_rows
from assurdb.cli.progress import Bars, quiet_option


def read_mapping(path: str) -> dict[str | tuple[str, str], str | None]:
    """A segment mapping file: CSV with the columns ``class_of_business``, ``peril`` (blank: every
    peril of the class) and ``segment`` (blank: not non-life business, left out)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        mapping: dict[str | tuple[str, str], str | None] = {}
        for klass, peril, segment in zip(frame["class_of_business"], frame["peril"], frame["segment"], strict=True):
            mapping[(klass, peril) if peril else klass] = segment or None
    except (KeyError, ValueError, OSError, pd.errors.ParserError) as error:
        raise click.BadParameter(
            f"{path}: a mapping is a CSV file with the columns class_of_business, peril and segment: {error}",
            param_hint="--mapping",
        ) from error
    return mapping


def rows(result: Any) -> list[dict[str, Any]]:
    """One row per side and segment, then the side's total."""
    out: list[dict[str, Any]] = []
    for side, scr in (("gross", result.gross), ("net", result.net)):
        for name, segment in scr.segments.items():
            out.append(
                {
                    "side": side,
                    "segment": name,
                    "v_prem": round(segment.v_prem, 2),
                    "v_res": round(segment.v_res, 2),
                    "sigma": round(segment.sigma, 6),
                    "scr": round(segment.scr, 2),
                }
            )
        out.append(
            {
                "side": side,
                "segment": "total",
                "v_prem": round(sum(s.v_prem for s in scr.segments.values()), 2),
                "v_res": round(sum(s.v_res for s in scr.segments.values()), 2),
                "sigma": round(scr.sigma, 6),
                "scr": round(scr.scr, 2),
            }
        )
    return out


def render_table(result: Any, out: TextIO) -> None:
    click.echo(f"valued {result.valuation_date.date().isoformat()}", file=out)
    for side, scr in (("gross", result.gross), ("net of the stored program", result.net)):
        click.echo(f"\nPremium and reserve risk, {side}:", file=out)
        table = scr.to_frame()[["v_prem", "v_res", "sigma", "scr"]]
        click.echo(
            table.to_string(na_rep="", float_format=lambda v: f"{v:,.2f}" if abs(v) >= 1 else f"{v:.4f}"), file=out
        )
    for segment, why in result.case_reserves_only.items():
        click.echo(f"\n{segment}: reserve volume from the case reserves only ({why})", file=out)
    for klass, earned in result.left_out.items():
        click.echo(f"\nclass {klass} maps to no non-life segment: left out (earned premium {earned:,.2f})", file=out)


@click.command("solvency")
@database
@login
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Valuation date (default: the last loss movement's date).",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Classes of business to segments: CSV with class_of_business, peril, segment.",
)
@discounting
@output
@quiet_option
def command(
    url: str,
    user: str,
    password: str,
    as_of: dt.datetime | None,
    mapping: str | None,
    rate: float | None,
    curve: str | None,
    fmt: str,
    output: TextIO,
    quiet: bool,
) -> None:
    """Solvency II premium and reserve risk (Delegated Regulation (EU) 2015/35, Art. 115–117) of the
    stored business, gross and net of the stored reinsurance program.

    Premium volumes from the stored guaranties (earned in the last twelve months, in force at the
    valuation date over a year, earned after the next twelve months), reserve volumes from the Best
    Estimate of the stored loss movements; classes map to segments by default as FIRE and
    ENGINEERING fire and other damage, MARINE marine, LIABILITY general liability, MOTOR third party
    motor vehicle liability and other perils other motor, ACCIDENT left out (health business).
    """
    from assurdb.engine.capital import solvency
    from assurdb.engine.stored import StoredBusiness

    spot = read_curve(rate, curve)
    segments = read_mapping(mapping) if mapping is not None else None
    with logged_in(url, user, password) as session, Bars(quiet) as bars:
        result = solvency(
            StoredBusiness(session, progress=bars),
            as_of=as_of.date() if as_of is not None else None,
            mapping=segments,
            rate=rate,
            curve=spot,
        )
    if fmt == "table":
        render_table(result, output)
        return
    header = {
        "valuation_date": result.valuation_date.date().isoformat(),
        "case_reserves_only": result.case_reserves_only,
        "left_out": {k: round(v, 2) for k, v in result.left_out.items()},
    }
    write_rows(rows(result), fmt, output, header)
