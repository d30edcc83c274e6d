"""``assurdb report`` through click's runner (STYLE.md: CLI tests through a runner, ``--help`` included)."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import assurdb
from assurdb.cli import main
from assurdb.domain.reports import render
from assurdb.domain.reports.frames import report_frame
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


class Page(HTMLParser):
    """What a test needs of an HTML page: its tags, every table header and cell, the SVG's bars."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.open: list[str] = []
        self.headers: list[str] = []
        self.cells: list[str] = []
        self.bars: list[dict[str, str | None]] = []
        self.text: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.open.append(tag)
        if tag == "rect":
            self.bars.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        where = self.open[-1] if self.open else ""
        if where == "th":
            self.headers.append(data)
        elif where == "td":
            self.cells.append(data)
        elif where in ("title", "h1", "h2", "p") and data.strip():
            self.text.setdefault(where, data)


def test_html_is_a_standalone_page_with_labels_percentages_and_a_chart(url: str, tmp_path: Path) -> None:
    target = tmp_path / "ratios.html"
    result = run("ratios", "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024", "--by", "class",
                 "--format", "html", "-o", str(target))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    page = Page()
    page.feed(text)
    for tag in ("html", "head", "style", "body", "h1", "svg", "table", "thead", "tbody"):
        assert tag in page.tags, tag
    assert "<link" not in text and "<script" not in text and "src=" not in text  # nothing to fetch
    assert page.text["title"] == page.text["h1"] == "Loss, expense, profit and breakeven ratios"
    assert page.text["p"].startswith("2024, calendar basis, by class")
    # headers: the meta-database's label of an item, the report's figures in words, no snake_case
    assert page.headers[:3] == ["Class of business", "Written premium", "Earned premium"]
    assert "Loss ratio (incurred / earned)" in page.headers
    assert not [h for h in page.headers if "_" in h]
    # FIRE's loss ratio 0.2108 (test_reports.test_ratios_by_class) as a percentage; money grouped
    fire = page.cells[page.cells.index("FIRE") : page.cells.index("FIRE") + len(page.headers)]
    assert fire[1] == "5,304.00" and fire[page.headers.index("Loss ratio (incurred / earned)")] == "21.08 %"
    # the chart: one bar per class and the company, the longest for the highest ratio
    assert page.text["h2"] == "Loss ratio (incurred / earned) by class of business"
    widths = [float(str(bar["width"])) for bar in page.bars]
    assert len(widths) == 3 and max(widths) == widths[1]  # MOTOR 271.74 % > (all) 29.62 % > FIRE
    assert "<title>FIRE: 21.08 %</title>" in text
    # the table and CSV forms are unchanged
    table = run("ratios", "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024", "--by", "class").output
    assert "0.2108" in table and "21.08 %" not in table and "earned_incurred_ratio" in table


@pytest.mark.parametrize("name", ["production", "agents", "transactions", "claims-dictionary", "claims-activity"])
def test_every_report_is_a_page_with_a_chart(url: str, name: str) -> None:
    basis = "underwriting" if name == "agents" else "calendar"
    result = run(name, "--db", url, "--password", ADMIN_PASSWORD, "--period", "2024", "--basis", basis,
                 "--format", "html")  # fmt: skip
    assert result.exit_code == 0, result.output
    page = Page()
    page.feed(result.output)
    assert "svg" in page.tags and page.bars and "table" in page.tags
    assert not [h for h in page.headers if "_" in h], page.headers


def test_a_page_escapes_what_it_shows() -> None:
    frame = report_frame([{"agent": "<b>A & B</b>", "premium": Decimal("10.00"), "loss_ratio": Decimal("0.5")}],
                         keys=["agent"], money=["premium"], ratios=["loss_ratio"])  # fmt: skip
    text = render(frame, "html", title="<script>x</script>", report="agents", items={"premium": "Premium <€>"})
    assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in text and "<b>" not in text
    assert "Premium &lt;€&gt;" in text and "50.00 %" in text
