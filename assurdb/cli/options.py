"""Options every command that works on a database shares: ``--db``, ``--user``, ``--password``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def database(function: F) -> F:
    """``--db URL`` (or ``ASSURDB_URL``)."""
    return click.option("--db", "url", required=True, envvar="ASSURDB_URL", help="Database URL (or ASSURDB_URL).")(
        function
    )


def login(function: F) -> F:
    """``--user`` (or ``ASSURDB_USER``) and ``--password`` (or ``ASSURDB_PASSWORD``, else asked)."""
    function = click.option(
        "--password",
        envvar="ASSURDB_PASSWORD",
        prompt=True,
        hide_input=True,
        help="Password (or ASSURDB_PASSWORD; asked when missing).",
    )(function)
    return click.option(
        "--user", envvar="ASSURDB_USER", default="admin", show_default=True, help="User (or ASSURDB_USER)."
    )(function)
