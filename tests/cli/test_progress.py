"""Progress of the long steps (issue 12, item 5): the layers below the CLI call a ``progress(what,
done, total)`` callback (``metadb.progress``); the command line draws bars on stderr, on a
terminal only, never with --quiet and never into the output (CSV, JSON, a page)."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import assurdb
from assurdb.cli import main
from assurdb.cli.progress import Bars
from assurdb.domain.accounting import account_all
from assurdb.domain.reports import load_company
from assurdb.domain.synthetic import load_synthetic_company
from assurdb.engine.stored import StoredBusiness
from assurdb.generator.render import render
from assurdb.metadb.loader import load_schema
from tests.conftest import ADMIN_PASSWORD


class Heard:
    """A progress callback that keeps every call, by stage."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[int, int]]] = defaultdict(list)

    def __call__(self, what: str, done: int, total: int) -> None:
        self.calls[what].append((done, total))

    def finished(self, what: str) -> bool:
        """The stage was heard from, went forward only, and ended with all of its work done (a stage
        with nothing to do says 0 of 0)."""
        calls = self.calls[what]
        dones = [d for d, _ in calls]
        return bool(calls) and dones == sorted(dones) and calls[-1][0] == calls[-1][1]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small synthetic company, loaded and accounted with a progress callback listening."""
    address = f"sqlite:///{tmp_path_factory.mktemp('progress') / 'c.db'}"
    db = assurdb.create(address, admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    try:
        heard = Heard()
        load_synthetic_company(session, seed=3, insured=40, chunk=20, progress=heard)
        assert heard.finished("loading the synthetic company")
        at = dt.date(2024, 12, 31)
        accounting = Heard()
        assert account_all(session, writing_date=at, payment_date=at, progress=accounting).ok
        stages = [w for w in accounting.calls if w.startswith("ACCOUNT ")]
        assert "ACCOUNT PRA" in stages and "ACCOUNT Loss" in stages
        assert all(accounting.finished(w) for w in stages), accounting.calls
        assert accounting.calls["ACCOUNT PRA"][-1][1] > 20  # an article at a time, not a stage at a time
        assert heard.calls["loading the synthetic company"][-1][1] > 5  # each batch of policies
    finally:
        session.close()
        db.close()
    return address


def test_the_reading_steps_say_how_far_they_got(url: str) -> None:
    db = assurdb.connect(url)
    session = db.login("admin", ADMIN_PASSWORD)
    try:
        heard = Heard()
        load_company(session, progress=heard)
        assert heard.finished("reading the company")
        stored = StoredBusiness(session, progress=heard)
        stored.losses(), stored.treaties(2024), stored.placements()
        dones = [d for d, _ in heard.calls["reading the stored business"]]
        assert dones == list(range(1, len(dones) + 1)) and len(dones) >= 3  # a record type at a time
    finally:
        session.close()
        db.close()


def test_generating_says_how_far_it_got() -> None:
    heard = Heard()
    files = render(load_schema("insurance"), ("sqlite",), progress=heard)
    assert heard.finished("generating insurance v3")
    assert heard.calls["generating insurance v3"][-1] == (len(files), len(files))


def test_bars_are_drawn_on_a_terminal_only_and_never_with_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr("assurdb.cli.progress.stderr", lambda: terminal)
    with Bars() as bars:
        for done in range(11):
            bars("reading", done, 10)
        bars("nothing to do", 0, 0)
        bars.stage("writing")
    drawn = terminal.getvalue()
    assert "reading" in drawn and "10/10" in drawn and "writing" in drawn and "nothing to do" not in drawn
    with Bars(quiet=True) as bars:
        bars("quiet", 1, 1)
    assert "quiet" not in terminal.getvalue()
    log = io.StringIO()  # not a terminal: a log gets no bars
    monkeypatch.setattr("assurdb.cli.progress.stderr", lambda: log)
    with Bars() as bars:
        bars("logged", 1, 1)
    assert log.getvalue() == ""


def test_a_report_draws_its_bars_on_stderr_and_not_in_its_csv(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["report", "ratios", "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024", "--format", "csv"]
    terminal = Terminal()
    monkeypatch.setattr("assurdb.cli.progress.stderr", lambda: terminal)
    shown = CliRunner().invoke(main, args)
    assert shown.exit_code == 0, shown.output
    assert "reading the company" in terminal.getvalue() and "making the report ratios" in terminal.getvalue()
    assert shown.stdout.startswith("written_premium,") and "reading" not in shown.stdout
    drawn = len(terminal.getvalue())
    quiet = CliRunner().invoke(main, [*args, "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == shown.stdout
    assert len(terminal.getvalue()) == drawn  # --quiet: nothing more drawn


@pytest.mark.parametrize("command", ["report", "reinsure", "reserve", "solvency", "demo", "generate", "copy", "dump",
                                     "load", "migrate apply", "optimise"])  # fmt: skip
def test_every_long_command_takes_quiet(command: str) -> None:
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0 and "--quiet" in result.output
