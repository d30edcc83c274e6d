"""``assurdb generate [--schema S] [--dbms D] [--check]``: write or verify the generated interfaces."""

from __future__ import annotations

import sys

import click

from assurdb.generator.render import GENERATED, diff, render_all, render_package, write
from assurdb.generator.sqlmodel import ALL_DBMS
from assurdb.metadb.loader import builtin_names, load_schema

#: The schemas whose interfaces are generated and committed (``metadb/schemas/*.yaml`` but the meta-schema).
DEFAULT_SCHEMAS = ("insurance",)


@click.command("generate")
@click.option("--schema", "schemas", multiple=True, help="Schema name or file (default: every shipped schema).")
@click.option("--dbms", "dbms_list", multiple=True, type=click.Choice(ALL_DBMS), help="DBMS (default: all four).")
@click.option("--check", is_flag=True, help="Compare with the committed files; print the diff and exit 1 if stale.")
def command(schemas: tuple[str, ...], dbms_list: tuple[str, ...], check: bool) -> None:
    """Generate the access interfaces (generated/<schema>/<dbms>/) from the meta-database."""
    names = schemas or tuple(n for n in DEFAULT_SCHEMAS if n in builtin_names())
    loaded = {name: load_schema(name) for name in names}
    targets = dbms_list or ALL_DBMS
    if schemas or dbms_list:
        files: dict[str, str] = {}
        for schema in loaded.values():
            for dbms in targets:
                files.update(render_package(schema, dbms).files)  # type: ignore[arg-type]
    else:
        files = render_all(loaded)
    scope = {f"{s.name}/{d}" for s in loaded.values() for d in targets}
    if check:
        stale = diff(files, GENERATED, scope=scope)
        if stale:
            sys.stdout.write(stale)
            args = "".join(f" --schema {n}" for n in schemas) + "".join(f" --dbms {d}" for d in dbms_list)
            click.echo(f"\ngenerated code is stale. To fix run: assurdb generate{args}  (or make generate)", err=True)
            raise SystemExit(1)
        click.echo(f"generated code is up to date ({len(files)} files)")
        return
    changed = write(files, GENERATED)
    click.echo(f"{len(changed)} of {len(files)} generated file(s) written under {GENERATED}")
