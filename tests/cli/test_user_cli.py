"""``assurdb user`` through click's runner (STYLE.md: CLI tests through a runner, ``--help``
included): every sub-command, the new password from the environment or asked without echo, and
one-line refusals with their exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import assurdb
from assurdb.cli import main
from tests.conftest import ADMIN_PASSWORD

SUBCOMMANDS = ("add", "grant", "revoke", "passwd", "deactivate", "activate", "list")


def run(*args: str, password: str = ADMIN_PASSWORD, input: str | None = None, **env: str) -> Result:
    environment = {"ASSURDB_PASSWORD": password, "ASSURDB_NEW_PASSWORD": "", **env}
    return CliRunner().invoke(main, ["user", *args], prog_name="assurdb", env=environment, input=input)


def one_line_error(result: Result, exit_code: int, *words: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0], result.output


@pytest.fixture
def url(tmp_path: Path) -> str:
    address = f"sqlite:///{tmp_path / 'company.db'}"
    assurdb.create(address, admin_password=ADMIN_PASSWORD).close()
    return address


def listed(url: str, **env: str) -> dict[str, Any]:
    result = run("list", "--db", url, "--format", "json", **env)
    assert result.exit_code == 0, result.output
    return {u["name"]: u for u in json.loads(result.output)["users"]}


def test_help_of_the_group_and_of_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0 and all(name in result.output for name in SUBCOMMANDS)
    for name in SUBCOMMANDS:
        result = run(name, "--help")
        assert result.exit_code == 0, result.output
        assert "--db" in result.output and "--user" in result.output and "--password" in result.output


def test_add_grant_list_revoke(url: str) -> None:
    result = run("add", "alice", "--db", url, ASSURDB_NEW_PASSWORD="alice-pw")
    assert result.exit_code == 0 and "user alice added" in result.output
    assert run("grant", "alice", "Insured", "2", "--db", url).exit_code == 0
    assert run("grant", "alice", "PRA", "1", "--db", url).exit_code == 0
    users = listed(url)
    assert users["alice"] == {"name": "alice", "active": True, "permissions": {"Insured": 2, "PRA": 1}}
    table = run("list", "--db", url)
    assert table.exit_code == 0
    assert any(line.split()[:3] == ["alice", "yes", "Insured:2"] for line in table.output.splitlines())
    assert any(line.split() == ["admin", "yes", "every", "record", "type:3"] for line in table.output.splitlines())
    csv = run("list", "--db", url, "--format", "csv")
    assert csv.output.splitlines()[0] == "name,active,permissions" and "alice,true,Insured:2 PRA:1" in csv.output
    assert "scrypt" not in table.output + csv.output + json.dumps(users)  # never a hash
    assert run("revoke", "alice", "PRA", "--db", url).exit_code == 0
    assert listed(url)["alice"]["permissions"] == {"Insured": 2}
    assert run("revoke", "alice", "--all", "--db", url).exit_code == 0
    assert listed(url)["alice"]["permissions"] == {}
    assert run("list", "--db", url, password="alice-pw", ASSURDB_USER="alice").exit_code == 3


def test_deactivate_activate_and_passwords(url: str) -> None:
    assert run("add", "bob", "--inactive", "--db", url, ASSURDB_NEW_PASSWORD="bob-pw").exit_code == 0
    assert listed(url)["bob"]["active"] is False
    one_line_error(run("list", "--db", url, "--user", "bob", password="bob-pw"), 3, "login refused")
    assert run("activate", "bob", "--db", url).exit_code == 0
    # a user changes its own password: its login password is the old one; the new one asked twice
    result = run("passwd", "--db", url, "--user", "bob", password="bob-pw", input="bob-new\nbob-new\n")
    assert result.exit_code == 0, result.output
    assert "bob-new" not in result.output and "Repeat for confirmation" in result.output  # no echo
    one_line_error(run("passwd", "--db", url, "--user", "bob", password="bob-pw", input="x\nx\n"), 3, "login refused")
    one_line_error(run("passwd", "admin", "--db", url, "--user", "bob", password="bob-new", input="x\nx\n"), 3)
    assert run("passwd", "bob", "--db", url, ASSURDB_NEW_PASSWORD="by-admin").exit_code == 0  # an admin: anyone's
    assert run("deactivate", "bob", "--db", url).exit_code == 0
    one_line_error(run("list", "--db", url, "--user", "bob", password="by-admin"), 3, "login refused")
    assert run("activate", "bob", "--db", url).exit_code == 0
    assert run("list", "--db", url, "--user", "bob", password="by-admin").exit_code == 3  # logs in; no admin right


@pytest.mark.parametrize(
    ("args", "exit_code", "words"),
    [
        (("grant", "alice", "Nope", "1"), 1, ("unknown",)),
        (("grant", "nobody", "Insured", "1"), 1, ("400", "nobody")),
        (("grant", "alice", "Insured", "4"), 2, ("MODE",)),
        (("revoke", "alice"), 2, ("--all",)),
        (("deactivate", "admin"), 1, ("last active administrator",)),
        (("add", "alice"), 1, ("already exists",)),
    ],
)
def test_refusals_are_one_line_and_a_non_zero_exit(url: str, args: tuple[str, ...], exit_code: int, words: Any) -> None:
    assert run("add", "alice", "--db", url, ASSURDB_NEW_PASSWORD="alice-pw").exit_code == 0
    one_line_error(run(*args, "--db", url, ASSURDB_NEW_PASSWORD="pw"), exit_code, *words)


def test_failures_before_any_request_are_one_line(url: str, tmp_path: Path) -> None:
    one_line_error(run("list", "--db", url, password="wrong"), 3, "login refused")
    one_line_error(run("list", "--db", f"sqlite:///{tmp_path / 'missing.db'}"), 4, "no database file")
    one_line_error(run("list", "--db", "oracle://x/y"), 4, "unsupported")
    one_line_error(run("add", "carol", "--db", url, input="one\ntwo\n"), 1)  # confirmation differs, then EOF
