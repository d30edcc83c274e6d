"""``assurdb user add | grant | revoke | passwd | deactivate | activate | list``: users and their
rights, administered through an administrator's session (the admin right is mode 3 on the
meta-database's ``User``, thesis VII.1.4).

The administrator logs in with ``--user`` / ``--password`` (or ``ASSURDB_USER`` /
``ASSURDB_PASSWORD``); a new password is read from ``ASSURDB_NEW_PASSWORD`` or asked twice on
the terminal, never echoed and never taken on the command line (where other users of the machine
and the shell's history would see it). A refused request prints one line and exits 1 — 3 when the
session is not authorised (no admin right, a wrong old password).
"""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

import click

from assurdb.cli.options import database, logged_in, login, output
from assurdb.metadb.contract import Reply
from assurdb.metadb.meta import SYSTEM_ONLY

#: Where a new password is read from when it is not asked on the terminal.
NEW_PASSWORD_ENV = "ASSURDB_NEW_PASSWORD"
#: Exit status of a request refused for want of the right (as a refused login).
NOT_AUTHORISED_EXIT = 3


def new_password() -> str:
    """The new password: ``ASSURDB_NEW_PASSWORD``, else asked twice without echo."""
    given = os.environ.get(NEW_PASSWORD_ENV)
    if given:
        return given
    return str(click.prompt("New password", hide_input=True, confirmation_prompt=True))


def done(reply: Reply) -> None:
    """Print what a request did, or fail with its refusal on one line."""
    if reply.ok:
        click.echo(reply.message)
        return
    refused = 500 < int(reply.rc) < 600  # OPEN DB's code for User in mode 3: not authorised
    error = click.ClickException(f"not authorised: {reply.message}" if refused else str(reply))
    error.exit_code = NOT_AUTHORISED_EXIT if refused else 1  # type: ignore[misc]
    raise error


@click.group("user")
def command() -> None:
    """Add users, grant and revoke their rights, change passwords, deactivate, list.

    \b
    Each is a request of an administrator's session (mode 3 on the meta-database's User);
    passwd of one's own password needs no admin right. A new password comes from
    ASSURDB_NEW_PASSWORD or is asked twice, without echo.
    """


@command.command("add")
@database
@login
@click.argument("name")
@click.option("--inactive", is_flag=True, help="Create the user deactivated (activate it later).")
def add(url: str, user: str, password: str, name: str, inactive: bool) -> None:
    """Add the user NAME, with no rights yet (grant them)."""
    secret = new_password()
    with logged_in(url, user, password) as session:
        done(session.add_user(name, secret, active=not inactive))


@command.command("grant")
@database
@login
@click.argument("name")
@click.argument("record_type")
@click.argument("mode", type=click.IntRange(1, 3))
def grant(url: str, user: str, password: str, name: str, record_type: str, mode: int) -> None:
    """Allow NAME to open RECORD_TYPE up to MODE: 1 consult, 2 modify (others may consult),
    3 modify alone. Mode 3 on User is the admin right. Granting again replaces the mode."""
    with logged_in(url, user, password) as session:
        done(session.grant(name, record_type, mode))


@command.command("revoke")
@database
@login
@click.argument("name")
@click.argument("record_type", required=False)
@click.option("--all", "every", is_flag=True, help="Revoke every right NAME holds.")
def revoke(url: str, user: str, password: str, name: str, record_type: str | None, every: bool) -> None:
    """Take back NAME's right on RECORD_TYPE (or every right, --all). Live sessions of NAME keep
    what they hold open, and open nothing more with it."""
    if (record_type is None) == (not every):
        raise click.UsageError("give a RECORD_TYPE or --all (not both)")
    with logged_in(url, user, password) as session:
        done(session.revoke(name, record_type))


@command.command("passwd")
@database
@login
@click.argument("name", required=False)
def passwd(url: str, user: str, password: str, name: str | None) -> None:
    """Set NAME's password (default: the --user's own). An administrator sets anyone's; a user
    changes its own (its login password is the old one)."""
    target = name or user
    secret = new_password()
    with logged_in(url, user, password) as session:
        done(session.set_password(target, secret, old=password if target == user else None))


@command.command("deactivate")
@database
@login
@click.argument("name")
def deactivate(url: str, user: str, password: str, name: str) -> None:
    """NAME may no longer log in; its live sessions open nothing more."""
    with logged_in(url, user, password) as session:
        done(session.deactivate(name))


@command.command("activate")
@database
@login
@click.argument("name")
def activate(url: str, user: str, password: str, name: str) -> None:
    """NAME may log in again, with the rights it holds."""
    with logged_in(url, user, password) as session:
        done(session.activate(name))


@command.command("list")
@database
@login
@output
def list_users(url: str, user: str, password: str, fmt: str, output: TextIO) -> None:
    """Every user, whether it is active, and its rights (record type: mode). No password hash."""
    with logged_in(url, user, password) as session:
        reply = session.list_users()
        every = sorted(rt for rt in session.schema.record_types if rt not in SYSTEM_ONLY)
    if not reply.ok or reply.batch is None:
        done(reply)
        return
    rows: list[dict[str, Any]] = [
        {"name": str(r.name), "active": bool(r.active), "permissions": dict(sorted(r.permissions.items()))}
        for r in reply.batch.itertuples()
    ]
    output.write(render(rows, fmt, every))


def _rights(permissions: dict[str, int], every: list[str] | None = None) -> str:
    modes = set(permissions.values())
    if every and sorted(permissions) == every and len(modes) == 1:
        return f"every record type:{modes.pop()}"  # an administrator's line stays readable
    return " ".join(f"{rt}:{mode}" for rt, mode in permissions.items()) or "-"


def render(rows: list[dict[str, Any]], fmt: str, every: list[str] | None = None) -> str:
    """The users as a table (``every``: the record types a right on all of which reads "every
    record type"), CSV (rights as ``RT:mode`` separated by spaces) or JSON."""
    if fmt == "json":
        return json.dumps({"users": rows}, indent=2) + "\n"
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["name", "active", "permissions"])
        writer.writerows([r["name"], str(r["active"]).lower(), _rights(r["permissions"])] for r in rows)
        return buffer.getvalue()
    width = max([4, *(len(r["name"]) for r in rows)])
    lines = [f"{'name':<{width}}  active  permissions"]
    lines += [
        f"{r['name']:<{width}}  {'yes' if r['active'] else 'no':<6}  {_rights(r['permissions'], every)}" for r in rows
    ]
    return "\n".join(lines) + "\n"
