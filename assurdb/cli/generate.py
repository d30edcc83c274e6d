"""``assurdb generate [SCHEMA_FILE] [--out DIR] [--dbms D]… [--check]``: write or verify an interface."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assurdb.cli.progress import Bars, quiet_option
from assurdb.generator.render import diff, render, shipped_root, write
from assurdb.metadb.loader import builtin_names, load_schema
from assurdb.runtime.backends import ALL_BACKENDS

#: The schemas whose interfaces assurdb ships (``assurdb.generated.<name>``).
SHIPPED = ("insurance", "exchange")


@click.command("generate")
@click.argument("schema_file", required=False)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the generated package, e.g. myapp/dbi (imported as myapp.dbi from your project root).",
)
@click.option(
    "--dbms",
    "dbms_list",
    multiple=True,
    type=click.Choice(ALL_BACKENDS),
    help="DBMS to generate for (repeat; default: all four).",
)
@click.option("--check", is_flag=True, help="Compare with the files on disk; print the diff and exit 1 if stale.")
@quiet_option
def command(schema_file: str | None, out: Path | None, dbms_list: tuple[str, ...], check: bool, quiet: bool) -> None:
    """Generate the access interface of SCHEMA_FILE as a Python package in --out.

    Without SCHEMA_FILE: assurdb's own interfaces (assurdb.generated.insurance and .exchange), as `make generate`.
    """
    targets = dbms_list or ALL_BACKENDS
    jobs: list[tuple[str, Path]] = []
    if schema_file is None:
        if out is not None:
            raise click.UsageError("--out needs a SCHEMA_FILE")
        jobs = [(name, shipped_root() / name) for name in SHIPPED]
    elif out is None:
        if schema_file not in builtin_names() or schema_file == "meta":
            raise click.UsageError(f"give --out DIR: the folder of the package to generate from {schema_file}")
        jobs = [(schema_file, shipped_root() / schema_file)]
    else:
        jobs = [(schema_file, out)]
    stale = False
    for source, folder in jobs:
        schema = load_schema(source)
        with Bars(quiet) as bars:
            files = render(schema, targets, progress=bars)
        if check:
            changes = diff(files, folder, shown=str(folder))
            if changes:
                stale = True
                sys.stdout.write(changes)
                fix = "make generate" if schema_file is None else f"assurdb generate {source} --out {folder}"
                args = "".join(f" --dbms {d}" for d in dbms_list)
                click.echo(f"\n{folder} is stale. To fix run: {fix}{args}", err=True)
            else:
                click.echo(f"{folder} is up to date ({len(files)} files, {schema.name} v{schema.version})")
            continue
        changed = write(files, folder)
        click.echo(
            f"{len(changed)} of {len(files)} file(s) written in {folder} "
            f"({schema.name} v{schema.version}, for {', '.join(targets)})"
        )
    if stale:
        raise SystemExit(1)
