"""The ``assurdb`` command line: one root group, one module per sub-group (click's complex example).

Every assurdb error (``AssurdbError`` and its subclasses) becomes a one-line message and the exit
code its class names (``exit_code``: 1 by default, 3 a refused login, 4 a database that cannot be
opened or used); usage errors exit 2 (click).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from assurdb.metadb.errors import AssurdbError

#: Sub-command modules, each exposing ``command`` (a click command or group).
#: command name → (module under assurdb.cli, attribute)
SUBCOMMANDS = {
    **{
        name: (name, "command")
        for name in (
            "schema",
            "route",
            "generate",
            "init",
            "demo",
            "report",
            "optimise",
            "reinsure",
            "reserve",
            "solvency",
            "exchange",
        )
    },
    "migrate": ("migrate", "command"),
    "copy": ("move", "copy_command"),
    "dump": ("move", "dump_command"),
    "load": ("move", "load_command"),
}


class _Root(click.Group):
    """Loads sub-commands lazily (importing the CLI must stay cheap) and maps package errors."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        name, attribute = SUBCOMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f"assurdb.cli.{name}"), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssurdbError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = exc.exit_code  # type: ignore[misc]  # click reads it per instance
            raise error from exc


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assurdb")
@click.pass_context
def main(ctx: click.Context) -> None:
    """assurdb: a DBMS-independent database for an insurance company."""
    ctx.ensure_object(dict)
