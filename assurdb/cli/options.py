"""Options every command that works on a database shares: ``--db``, ``--user``, ``--password``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def database(function: F) -> F:
    """``--db URL`` (or ``ASSURDB_URL``)."""
    return click.option("--db", "url", required=True, envvar="ASSURDB_URL", help="Database URL (or ASSURDB_URL).")(
        function
    )


def optional_database(function: F) -> F:
    """``--db URL`` (or ``ASSURDB_URL``) for a command that reads other sources too (``url`` None)."""
    return click.option("--db", "url", default=None, envvar="ASSURDB_URL", help="Database URL (or ASSURDB_URL).")(
        function
    )


def login(function: F) -> F:
    """``--user`` (or ``ASSURDB_USER``) and ``--password`` (or ``ASSURDB_PASSWORD``, else asked —
    once the URL is known to name a database: a mistyped URL or file is answered at once, not after
    a password typed for nothing)."""
    return _login(_asked_after_the_database(function), prompt=False)


def _asked_after_the_database(function: F) -> F:
    """``function`` called with the password asked when none was given, after checking that the
    command's database (``url``, or a copy's ``source``) can be named: its URL and, for a file, that
    the file is there. (A server that does not answer is found by the login itself.)"""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("password") is None:
            url = kwargs.get("url") or kwargs.get("source")
            if url:
                from assurdb.runtime.backends import backend_for_url

                backend_for_url(url).require_existing(url)
            kwargs["password"] = password_or_prompt(None)
        return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def login_when_needed(function: F) -> F:
    """:func:`login` for a command that does not always open a database: the password is asked by
    :func:`password_or_prompt` when the command needs it."""
    return _login(function, prompt=False)


def password_or_prompt(password: str | None) -> str:
    """The password given, else asked (hidden) on the terminal."""
    if password is not None:
        return password
    return str(click.prompt("Password", hide_input=True))


def _login(function: F, *, prompt: bool) -> F:
    function = click.option(
        "--password",
        envvar="ASSURDB_PASSWORD",
        prompt=prompt,
        default=None,
        hide_input=True,
        help="Password (or ASSURDB_PASSWORD; asked when missing).",
    )(function)
    return click.option(
        "--user", envvar="ASSURDB_USER", default="admin", show_default=True, help="User (or ASSURDB_USER)."
    )(function)


def discounting(function: F) -> F:
    """``--rate R`` (flat annual rate, 0.03 = 3 %) or ``--curve FILE`` (spot curve) of a Best Estimate."""
    function = click.option(
        "--curve",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Spot curve of the Best Estimate: CSV with the columns maturity (years) and rate.",
    )(function)
    return click.option(
        "--rate", type=float, default=None, help="Flat annual discount rate of the Best Estimate (0.03 = 3 %)."
    )(function)


def read_curve(rate: float | None, path: str | None) -> dict[float, float] | None:
    """The spot curve of ``--curve`` (``None`` without one); ``--rate`` and ``--curve`` exclude each other."""
    if rate is not None and path is not None:
        raise click.UsageError("give --rate or --curve, not both")
    if path is None:
        return None
    import pandas as pd

    try:
        frame = pd.read_csv(path)
        return {float(m): float(r) for m, r in zip(frame["maturity"], frame["rate"], strict=True)}
    except (KeyError, ValueError, OSError, pd.errors.ParserError) as error:
        raise click.BadParameter(
            f"{path}: a curve is a CSV file with the columns maturity (years) and rate (0.0513 = 5.13 %): {error}",
            param_hint="--curve",
        ) from error


def output(function: F) -> F:
    """``--format table|csv|json`` and ``-o FILE``."""
    function = click.option(
        "-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File to write (default: stdout)."
    )(function)
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
    )(function)


def write_rows(rows: list[dict[str, Any]], fmt: str, out: Any, header: dict[str, Any]) -> None:
    """The CSV (one line per row) or JSON (``header`` and ``rows``) form of a command's result."""
    import csv
    import json

    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        out.write(json.dumps({**header, "rows": rows}, indent=2) + "\n")


@contextmanager
def logged_in(url: str, user: str, password: str) -> Iterator[Any]:
    """A session of ``user`` on the database at ``url`` for the block; both closed afterwards."""
    from assurdb.facade import connect

    db = connect(url)
    try:
        session = db.login(user, password)
        try:
            yield session
        finally:
            session.close()
    finally:
        db.close()
