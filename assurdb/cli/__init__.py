"""The ``assurdb`` command line: one root group, one module per sub-group (click's complex example).

Errors of the packages below (``MetaDBError``, ``GeneratorError``, ``DomainError``,
``EngineError``) become a one-line message and exit code 1; usage errors exit 2 (click).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from assurdb.metadb.errors import MetaDBError

#: Sub-command modules, each exposing ``command`` (a click command or group).
SUBCOMMANDS = ("schema", "route", "generate", "init", "demo", "report", "optimise")


class _Root(click.Group):
    """Loads sub-commands lazily (importing the CLI must stay cheap) and maps package errors."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module = importlib.import_module(f"assurdb.cli.{cmd_name}")
        command: click.Command = module.command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MetaDBError as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:
            if _is_package_error(exc):
                raise click.ClickException(str(exc)) from exc
            raise


def _is_package_error(exc: Exception) -> bool:
    """Whether ``exc`` is one of our packages' root errors (imported lazily, by name)."""
    roots = {"GeneratorError", "DomainError", "EngineError"}
    return any(cls.__name__ in roots for cls in type(exc).__mro__)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assurdb")
@click.pass_context
def main(ctx: click.Context) -> None:
    """assurdb: a DBMS-independent database for an insurance company."""
    ctx.ensure_object(dict)
