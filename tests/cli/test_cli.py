"""The command line through click's runner: ``--help`` on every command, init, demo, generate."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import assurdb
from assurdb.cli import SUBCOMMANDS, main


def test_root_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in SUBCOMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_help_of_every_command(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["nope"])
    assert result.exit_code == 2


def test_init_creates_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    result = CliRunner().invoke(main, ["init", url, "--admin-password", "pw"])
    assert result.exit_code == 0, result.output
    assert "19 record types, 27 path types, and its meta-database" in result.output  # the data schema's

    db = assurdb.connect(url)
    try:
        db.login("admin", "pw").close()
    finally:
        db.close()
    again = CliRunner().invoke(main, ["init", url, "--admin-password", "pw"])
    assert again.exit_code == 1 and "already holds" in again.output


def test_demo_runs_the_main_job(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--db", str(tmp_path / "demo.db"), "--insured", "60"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Totals: 19 record types, 27 path types" in out
    assert "COMMIT" in out and "900 ORIGIN_CONSTRAINT" in out
    for step in ("CREATE POLICY", "CREATE ENDORSEMENT", "CREATE RENEWAL", "CANCEL PRA", "REINSTATE PRA", "CREATE LOSS"):
        assert f"  {step}" in out, step
    assert "constraint 14" in out  # the loss outside any cover is refused
    assert "COMBINE: premium 1500.00, sum insured 300000.00" in out
    for report in ("Report ratios", "Report production", "Report transactions"):
        assert report in out
    assert "CREATE LOSS MOVEMENT payment dated before the loss" in out and "  13 VALUE_INVALID" in out
    assert "loss L-DEMO-1: paid 10000.00, outstanding 32000.00" in out
    assert "FIND TREATIES 2024 (8: quota_share, surplus" in out
    assert "GROSS — incurred, by accident year" in out and "Premium and reserve risk, net" in out
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    assert "Log in: user admin, password demo" in out
    command = next(line for line in out.splitlines() if line.startswith("  assurdb report ratios"))
    assert command.split() == ["assurdb", "report", "ratios", "--db", db, "--user", "admin", "--password", "demo",
                               "--period", "2024", "--by", "class"]  # fmt: skip
    again = CliRunner().invoke(main, command.split()[1:])  # the command printed works as printed
    assert again.exit_code == 0, again.output
    assert again.output.startswith("Loss, expense, profit and breakeven ratios")
