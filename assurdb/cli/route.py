"""``assurdb route FROM TO``: the cheapest chain of path types between two record types (thesis VII.1.5)."""

from __future__ import annotations

import click

from assurdb.metadb.loader import load_schema
from assurdb.metadb.routes import Route, route

DEFAULT_SCHEMA = "insurance"
SCHEMA_HELP = "A built-in schema (insurance, meta) or a schema file."


def number(value: float) -> str:
    """``6``, ``3.25``, ``10,000``: costs and fan-outs without trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def itinerary(found: Route) -> list[str]:
    """The route as lines: a heading, a table with one line per step, the total."""
    heading = f"Route from {found.from_rt} to {found.to_rt} (schema {found.schema})"
    if not found.steps:
        return [f"{heading}: same record type, no step.", "Total cost: 0"]
    rows = [("#", "from -> to", "path", "action", "fan-out", "cost")]
    rows += [
        (str(i), f"{s.from_rt} -> {s.to_rt}", s.path, s.action, number(s.fanout), number(s.cost))
        for i, s in enumerate(found.steps, start=1)
    ]
    lines = [f"{heading}, {len(found.steps)} step{'s' if len(found.steps) > 1 else ''}:"]
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    for row in rows:
        # Numbers (step, fan-out, cost) right-aligned, words left-aligned.
        cells = (
            cell.rjust(w) if c in (0, 4, 5) else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        lines.append("  " + "  ".join(cells).rstrip())
    lines.append(f"Total cost: {number(found.total)}")
    return lines


@click.command(name="route")
@click.argument("from_rt", metavar="FROM")
@click.argument("to_rt", metavar="TO")
@click.option(
    "--schema",
    "schema_name",
    default=DEFAULT_SCHEMA,
    show_default=True,
    metavar="NAME_OR_FILE",
    help=SCHEMA_HELP,
)
def command(from_rt: str, to_rt: str, schema_name: str) -> None:
    """Print the cheapest route from record type FROM to record type TO.

    Each step walks a path type forward (READ TARGET VIA PATH) or backward (READ ORIGIN VIA PATH);
    its cost is the expected number of articles reached per article times their access cost,
    from the schema's statistics (see metadb.routes).
    """
    for line in itinerary(route(load_schema(schema_name), from_rt, to_rt)):
        click.echo(line)
