"""The ``assurdb`` command line: one root group, one module per sub-group (click's complex example).

Every assurdb error (``AssurdbError`` and its subclasses) becomes a one-line message and the exit
code its class names (``exit_code``: 1 by default, 3 a refused login, 4 a database that cannot be
opened or used); usage errors exit 2 (click). A driver's failure to connect reaches the CLI as an
``AssurdbError`` already (the backends translate it: ``ConnectionFailedError``); a file or folder
the command cannot read or write (``OSError``) is one line and exit 1.
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
            "serve",
            "user",
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
        except OSError as exc:  # a file or folder the command reads or writes: what and which, one line
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from exc


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assurdb")
@click.pass_context
def main(ctx: click.Context) -> None:
    """assurdb: a DBMS-independent database for an insurance company.

    An expected failure (a server that does not answer, a database, file or folder that is not
    there, a bad URL, a refused login, an unknown schema or interface, bad input) prints one
    line saying what and how to fix it, and exits with its code:

    \b
    exit  meaning
    0     done
    1     refused: bad input or data (a file, a CSV, a period), nothing to do,
          a database that already exists, a check that failed
    2     usage error: an unknown command or option, a missing or invalid argument
    3     login refused: the assurdb user or password, or the DBMS account of the URL
    4     the database cannot be opened or used: URL, server, missing database (a file
          or a server's database alike) or folder, schema or interface
    """
    ctx.ensure_object(dict)
