"""``assurdb report`` through click's runner (STYLE.md: CLI tests through a runner, ``--help`` included)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import assurdb
from assurdb.cli import main
from tests.conftest import ADMIN_PASSWORD
from tests.domain.test_reports import build_company


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["report", *args], prog_name="assurdb")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hand-computed company of tests/domain/test_reports.py, on SQLite."""
    address = f"sqlite:///{tmp_path_factory.mktemp('report') / 'company.db'}"
    db = assurdb.create(address, admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    try:
        build_company(session)
    finally:
        session.close()
        db.close()
    return address


def test_help_lists_the_reports_and_options() -> None:
    result = run("--help")
    assert result.exit_code == 0, result.output
    for word in ("claims-dictionary", "claims-activity", "--period", "--basis", "--format", "III.2.8"):
        assert word in result.output


def test_ratios_as_a_table_and_as_csv(url: str, tmp_path: Path) -> None:
    result = run("ratios", "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024", "--by", "class")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Loss, expense, profit and breakeven ratios (thesis III.1) - 2024, calendar basis"
    fire = next(line for line in lines if line.startswith("FIRE"))
    # the figures of test_reports.test_ratios_by_class: 5,304 written, 5,217 earned, ratio 0.2108
    assert "5,304.00" in fire and "5,217.00" in fire and "0.2108" in fire
    target = tmp_path / "ratios.csv"
    result = run("ratios", "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024", "--basis",
                 "underwriting", "--format", "csv", "-o", str(target))  # fmt: skip
    assert result.exit_code == 0, result.output
    header, row = target.read_text(encoding="utf-8").splitlines()
    assert header.startswith("written_premium,earned_premium") and ",0.3023," in row


def test_errors_are_one_line_with_their_exit_code(url: str) -> None:
    bad = run("ratios", "--db", url, "--password", "wrong", "--period", "2024")
    assert bad.exit_code == 3 and "login refused" in bad.output  # a refused login: exit 3
    period = run("ratios", "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024-13")
    assert period.exit_code == 1 and "period '2024-13'" in period.output
    basis = run("claims-activity", "--db", url, "--password", ADMIN_PASSWORD, "--basis", "accident")
    assert basis.exit_code == 1 and "calendar basis, not accident" in basis.output
    unknown = run("budget", "--db", url, "--password", ADMIN_PASSWORD)
    assert unknown.exit_code == 2  # usage error: not a report name
