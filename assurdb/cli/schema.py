"""``assurdb schema show | check | diagram``: look at a schema, validate a schema file, draw it.

The meta-database work is in ``metadb`` (loader, diagram); this module only formats and writes.
Rendering SVG or PNG calls Graphviz's ``dot`` program when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import click

from assurdb.metadb.diagram import FLAG_LEGEND, path_summary, to_dot
from assurdb.metadb.errors import SchemaError
from assurdb.metadb.loader import load_schema
from assurdb.metadb.model import RecordType, Schema

#: The schema commands use when none is named.
DEFAULT_SCHEMA = "insurance"
SCHEMA_HELP = "A built-in schema (insurance, meta) or a schema file."
FORMATS = ("dot", "svg", "png")
INSTALL_GRAPHVIZ = (
    "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; Fedora: sudo dnf install graphviz; "
    "macOS: brew install graphviz; Windows: winget install graphviz; https://graphviz.org/download/), "
    "or write DOT with --format dot and render it elsewhere."
)


def number(value: float) -> str:
    """``6``, ``3.25``, ``10,000``: counts, costs and fan-outs without trailing zeros."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def table(rows: Sequence[Sequence[str]], *, right: Sequence[int] = (), indent: str = "  ") -> list[str]:
    """Rows as aligned lines: columns in ``right`` (numbers) right-aligned, the others left-aligned."""
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return [
        indent
        + "  ".join(
            cell.rjust(w) if c in right else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def item_count(schema: Schema) -> int:
    """Items of all record types, counting a decomposable or repetitive item once, path items included."""
    return sum(len(rt.items) for rt in schema.record_types.values())


def item_lines(rt: RecordType) -> list[str]:
    """One record type's items: name, type and length, mandatory, the keys that hold it, label."""
    keys: dict[str, list[str]] = {}
    for key in sorted(rt.keys, key=lambda k: (not k.identifying, k.name)):
        for name in key.items:
            keys.setdefault(name, []).append("identifier" if key.identifying else key.name)
    rows = [("item", "type", "mandatory", "keys", "label")]
    for item in rt.items:
        flags = "yes" if item.mandatory or item.identifying else "-"
        origin = f" (from path {item.path})" if item.path else ""
        rows.append((item.name, item.shape, flags, ", ".join(keys.get(item.name, [])) or "-", item.title + origin))
    return [f"  {rt.name}" + (f": {rt.label}" if rt.label else ""), *table(rows, indent="    ")]


def summary(schema: Schema, *, items: bool = True) -> list[str]:
    """``assurdb schema show``'s lines: record types, their items (unless ``items`` is false), path
    types, totals."""
    title = f"Schema {schema.name} v{schema.version}" + (f": {schema.label}" if schema.label else "")
    source = [f"Source: {schema.source}"] if schema.source else []  # a schema read from a database has no file
    lines = [title, *source, f"Fingerprint: {schema.fingerprint}", ""]
    rts = sorted(schema.record_types.values(), key=lambda r: r.name)
    lines.append(f"Record types ({len(rts)}):")
    rows = [("name", "items", "articles", "identifier", "secondary keys")]
    for rt in rts:
        from_paths = sum(1 for i in rt.items if i.path)
        counted = f"{len(rt.items)}" + (f" ({from_paths} from paths)" if from_paths else "")
        keys = "; ".join(
            f"{k.name} ({', '.join(k.items)})" for k in sorted(rt.keys, key=lambda k: k.name) if not k.identifying
        )
        count = number(schema.statistics[rt.name].count) if rt.name in schema.statistics else "-"
        rows.append((rt.name, counted, count, ", ".join(rt.identifier_items), keys or "-"))
    lines += table(rows, right=(2,))
    lines.append("")
    if items:
        lines.append("Items (type and length, mandatory, the access keys holding them, label):")
        for rt in rts:
            lines += item_lines(rt)
        lines.append("")
    paths = sorted(schema.path_types.values(), key=lambda p: p.name)
    lines.append(f"Path types ({len(paths)}):")
    rows = [("name", "origin -> target", "class and flags", "sort", "inverse")]
    rows += [
        (p.name, f"{p.origin} -> {p.target}", path_summary(p), ", ".join(p.sort) or "-", p.inverse or "-")
        for p in paths
    ]
    lines += table(rows)
    lines += [f"  Flags: {FLAG_LEGEND}.", ""]
    lines.append(f"Totals: {len(rts)} record types, {len(paths)} path types, {item_count(schema)} items")
    return lines


@click.group(name="schema")
def command() -> None:
    """Show, check or draw a schema (its record types and path types)."""


@command.command()
@click.argument("schema_name", metavar="[NAME_OR_FILE]", default=DEFAULT_SCHEMA, required=False)
@click.option("--items/--no-items", default=True, show_default=True, help="List each record type's items.")
def show(schema_name: str, items: bool) -> None:
    """Summarise a schema: record types with identifiers and keys, each one's items (name, type and
    length, mandatory, keys, label), path types with class and flags.

    NAME_OR_FILE is a built-in schema (insurance, meta) or a schema file; default insurance.
    """
    for line in summary(load_schema(schema_name), items=items):
        click.echo(line)


@command.command()
@click.argument("file", metavar="FILE")
@click.pass_context
def check(ctx: click.Context, file: str) -> None:
    """Validate a schema file: print OK and its size, or every problem (file:line: element: message).

    Exits with 1 when the file has problems; nothing is loaded then.
    """
    try:
        schema = load_schema(file)
    except SchemaError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.echo(f"{len(exc.problems)} problem(s) in {file}: not loaded.")
        ctx.exit(1)
    size = f"{len(schema.record_types)} record types, {len(schema.path_types)} path types"
    click.echo(f"OK: {size}, {item_count(schema)} items")


def render(dot_text: str, fmt: str) -> bytes:
    """SVG or PNG bytes from DOT text, by Graphviz's ``dot``; a clear error when it is missing."""
    executable = shutil.which("dot")
    if executable is None:
        raise click.ClickException(
            f"Graphviz is a prerequisite of rendering {fmt.upper()}: its `dot` program is not on the PATH. "
            f"{INSTALL_GRAPHVIZ}"
        )
    try:
        done = subprocess.run(
            [executable, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise click.ClickException(f"could not run {executable}: {exc}") from exc
    if done.returncode != 0:
        raise click.ClickException(f"dot failed ({done.returncode}): {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


@command.command()
@click.argument("schema_name", metavar="[NAME_OR_FILE]", default=DEFAULT_SCHEMA, required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="dot (text), svg or png (rendered by Graphviz's dot). Default: from the -o suffix, else dot.",
)
def diagram(schema_name: str, output: Path | None, fmt: str | None) -> None:
    """Draw a schema as a Graphviz diagram: record types as boxes, path types as labelled edges.

    Edges go from origin to target with crow's-foot ends and a label "name / class flags"
    (T! every target needs its origin, O+ every origin needs a target, id identifying).

    Prerequisite for SVG and PNG: Graphviz's dot program on the PATH (Debian/Ubuntu: apt-get
    install graphviz; macOS: brew install graphviz; https://graphviz.org/download/). DOT text
    (--format dot, the default without -o) needs nothing.
    """
    schema = load_schema(schema_name)
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in FORMATS else "dot"
    text = to_dot(schema)
    if fmt == "png" and output is None:
        raise click.UsageError("a PNG is binary: give -o FILE.png")
    data = text.encode("utf-8") if fmt == "dot" else render(text, fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    output.write_bytes(data)
    size = f"{len(schema.record_types)} record types, {len(schema.path_types)} path types"
    click.echo(f"Wrote {output} ({fmt}, {size})")
