"""Every expected failure of the command line is one line, a non-zero exit and no traceback
(issue 12, item 5): a server that does not answer, a database or folder that is not there, a bad
URL, a refused login (the assurdb user's or the DBMS account's), an unknown schema or interface,
and the bad input of each command (a CSV without its columns, a missing file, a bad --year…)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

import assurdb
from assurdb.cli import main
from tests.conftest import ADMIN_PASSWORD, MYSQL_URL, PG_URL, require_backend

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite database every case that needs an existing one shares (none changes it)."""
    address = f"sqlite:///{tmp_path_factory.mktemp('failures') / 'c.db'}"
    assurdb.create(address, admin_password=ADMIN_PASSWORD).close()
    return address


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "bad.yaml").write_text("just text\n", encoding="utf-8")
    return folder


def free_port() -> int:
    """A local TCP port nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def on_server(base: str, **parts: object) -> str:
    return sa.engine.make_url(base).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def run(*args: str) -> Result:
    env = {"ASSURDB_ADMIN_PASSWORD": "pw", "ASSURDB_PASSWORD": ADMIN_PASSWORD}
    return CliRunner(env=env).invoke(main, list(args), prog_name="assurdb")


def assert_one_line(result: Result, code: int, *words: str) -> None:
    """Exit ``code``, no traceback, and the output is one line naming ``words``."""
    text = result.output
    assert result.exit_code == code, (result.exit_code, text, result.exception)
    assert isinstance(result.exception, SystemExit), f"raised {result.exception!r}: {text}"
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    if code == 2:  # click's usage errors: the command's usage and where help is, then the one line
        assert lines[0].startswith("Usage: ") and lines[1].startswith("Try "), text
        lines = lines[2:]
    assert len(lines) == 1, text
    for word in words:
        assert word in lines[0], (word, lines[0])


#: (command line, exit code, words the line holds); ``url``/``files`` are filled in by the test.
Case = Callable[[str, Path], tuple[list[str], int, tuple[str, ...]]]
CASES: dict[str, Case] = {
    "init in a folder that does not exist": lambda u, f: (
        ["init", f"sqlite:///{f}/no/such/dir/x.db"], 4, ("does not exist", "mkdir -p")),
    "init on a folder": lambda u, f: (["init", f"sqlite:///{f}"], 4, ("is a folder",)),
    "a file that is not a database": lambda u, f: (
        ["report", "ratios", "--db", f"sqlite:///{f}/bad.csv"], 4, ("not a SQLite database file",)),
    "duckdb in a folder that does not exist": lambda u, f: (
        ["init", f"duckdb:///{f}/no/such/x.duckdb"], 4, ("does not exist", "mkdir -p")),
    "not a URL": lambda u, f: (["init", "company.db"], 4, ("not a database URL", "sqlite:///")),
    "an unknown scheme": lambda u, f: (["init", "oracle://h/db"], 4, ("unsupported", "oracle")),
    "a port that is not a number": lambda u, f: (
        ["init", "postgresql://postgres@127.0.0.1:port/x"], 4, ("not a database URL",)),
    "a server URL without a database": lambda u, f: (
        ["init", "mysql+pymysql://root@127.0.0.1:3306/"], 4, ("names no database",)),
    "a PostgreSQL server that does not answer": lambda u, f: (
        ["init", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"], 4, ("server running", "port")),
    "a MariaDB server that does not answer": lambda u, f: (
        ["report", "ratios", "--db", f"mysql+pymysql://root@127.0.0.1:{free_port()}/x"], 4, ("server running",)),
    "a database file that is not there": lambda u, f: (
        ["report", "ratios", "--db", f"sqlite:///{f}/missing.db"], 4, ("no database file", "assurdb init")),
    "a DuckDB file that is not there": lambda u, f: (  # 4, as a server's database that is not there
        ["reserve", "--db", f"duckdb:///{f}/missing.duckdb"], 4, ("no database file", "assurdb init")),
    "a wrong assurdb password": lambda u, f: (
        ["report", "ratios", "--db", u, "--password", "wrong"], 3, ("login refused",)),
    "an unknown schema": lambda u, f: (
        ["init", f"sqlite:///{f}/s.db", "--schema", "nosuch"], 4, ("nosuch", "insurance")),
    "an unknown interface": lambda u, f: (
        ["init", f"sqlite:///{f}/i.db", "--interface", "nosuch.dbi"], 4, ("no generated interface", "generate")),
    "a package that is not an interface": lambda u, f: (
        ["init", f"sqlite:///{f}/i.db", "--interface", "json"], 4, ("not a generated interface",)),
    "init on a database that exists": lambda u, f: (["init", u], 1, ("already holds",)),
    "a bad --year": lambda u, f: (["reinsure", "--db", u, "--year", "abc"], 2, ("--year",)),
    "a year without a program": lambda u, f: (["reinsure", "--db", u, "--year", "1800"], 1, ("1800",)),
    "a bad period": lambda u, f: (["report", "ratios", "--db", u, "--period", "20x4"], 1, ("period",)),
    "a curve CSV without its columns": lambda u, f: (
        ["reserve", "--db", u, "--curve", f"{f}/bad.csv"], 2, ("maturity",)),
    "a mapping CSV without its columns": lambda u, f: (
        ["solvency", "--db", u, "--mapping", f"{f}/bad.csv"], 2, ("class_of_business",)),
    "a mapping file that is not there": lambda u, f: (
        ["solvency", "--db", u, "--mapping", f"{f}/none.csv"], 2, ("does not exist",)),
    "a portfolio CSV without its columns": lambda u, f: (["optimise", "--csv", f"{f}/bad.csv"], 1, ("policy_id",)),
    "no loss movements to reserve": lambda u, f: (["reserve", "--db", u], 1, ("no loss movement",)),
    "a schema file that is not there": lambda u, f: (["schema", "show", f"{f}/none.yaml"], 1, ("cannot read",)),
    "a schema file that is not a schema": lambda u, f: (
        ["generate", f"{f}/bad.yaml", "--out", f"{f}/out"], 1, ("bad.yaml:1",)),
    "an unknown record type": lambda u, f: (["route", "Insured", "Nope"], 1, ("Nope",)),
    "a dump into a folder that cannot be made": lambda u, f: (
        ["dump", "--db", u, f"{f}/bad.csv/dump"], 1, ("bad.csv",)),
    "a load from a folder that is not there": lambda u, f: (
        ["load", f"{f}/none", "--db", f"sqlite:///{f}/l.db"], 2, ("does not exist",)),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_an_expected_failure_is_one_line(case: str, url: str, files: Path) -> None:
    args, code, words = CASES[case](url, files)
    assert_one_line(run(*args), code, *words)


def test_init_on_a_postgresql_database_that_does_not_exist() -> None:
    require_backend("postgresql")
    missing = on_server(PG_URL, database="assurdb_test_cli_failures_nosuchdb", query={})
    result = run("init", missing)
    assert_one_line(result, 4, 'database "assurdb_test_cli_failures_nosuchdb" does not exist', "createdb")


def test_init_on_a_mariadb_database_that_does_not_exist() -> None:
    require_backend("mariadb")
    result = run("init", on_server(MYSQL_URL, database="assurdb_test_cli_failures_nosuchdb"))
    assert_one_line(result, 4, "Unknown database", "CREATE DATABASE")


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_dbms_account_refused_is_a_refused_login(backend: str) -> None:
    require_backend(backend)
    base = PG_URL if backend == "postgresql" else MYSQL_URL
    wrong = on_server(base, username="assurdb_test_cli_failures_nobody", password="wrong")
    result = run("init", wrong)
    assert_one_line(result, 3, "check the user and password in the URL")
    assert "wrong" not in result.output  # the URL's password is masked


def test_a_real_run_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    """The installed entry point, as a person types it (one subprocess: the rest use the runner)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSURDB_ADMIN_PASSWORD": "pw"}
    done = subprocess.run(
        [sys.executable, "-m", "assurdb", "init", f"sqlite:///{tmp_path}/no/such/dir/x.db"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 4
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"Error: cannot connect to sqlite:///{tmp_path}/no/such/dir/x.db: unable to open database file; "
        f"the folder {tmp_path}/no/such/dir does not exist: create it (mkdir -p {tmp_path}/no/such/dir) "
        "or name a file in another"
    ]


def test_the_root_help_documents_the_exit_codes() -> None:
    text = run("--help").output
    for line in ("0     done", "2     usage error", "3     login refused", "4     the database cannot be opened"):
        assert line in text


def test_the_password_is_asked_once_the_database_is_there(url: str, tmp_path: Path) -> None:
    """No password given: a URL that names no database, or a file that is not there, is answered at
    once (no prompt, nothing to type for nothing); a database that is there asks, then logs in."""
    runner = CliRunner(env={"ASSURDB_PASSWORD": None, "ASSURDB_URL": None})
    gone = f"sqlite:///{tmp_path}/missing.db"
    missing = runner.invoke(main, ["reserve", "--db", gone], input="", prog_name="assurdb")
    assert_one_line(missing, 4, "no database file", "assurdb init")
    assert "Password" not in missing.output
    not_a_url = runner.invoke(main, ["user", "list", "--db", "company.db"], input="", prog_name="assurdb")
    assert_one_line(not_a_url, 4, "not a database URL")
    assert "Password" not in not_a_url.output
    asked = runner.invoke(
        main, ["report", "ratios", "--db", url, "--period", "2024"], input=f"{ADMIN_PASSWORD}\n", prog_name="assurdb"
    )
    assert asked.exit_code == 0, asked.output
    assert asked.output.startswith("Password: "), asked.output
    wrong = runner.invoke(main, ["report", "ratios", "--db", url, "--period", "2024"], input="nope\n")
    assert wrong.exit_code == 3 and "login refused" in wrong.output, wrong.output
