"""``assurdb optimise --db`` on a synthetic company: the stored FIRE business in EUR, the stored
surplus as the current treaty, a grid from the sums insured, no the study text; the same figures on
every DBMS as on SQLite; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import assurdb
from assurdb.cli import main
from assurdb.domain.synthetic import load_synthetic_company
from tests.conftest import ADMIN_PASSWORD

SEED, INSURED = 5, 250


def _company(url: str) -> None:
    db = assurdb.create(url, admin_password=ADMIN_PASSWORD)
    try:
        session = db.login("admin", ADMIN_PASSWORD)
        load_synthetic_company(session, seed=SEED, insured=INSURED)
        session.close()
    finally:
        db.close()


def _optimise(url: str, *args: str) -> Any:
    return CliRunner().invoke(
        main, ["optimise", "--db", url, "--password", ADMIN_PASSWORD, "--no-pictures", *args], env={"ASSURDB_URL": None}
    )


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('optimise') / 'company.db'}"
    _company(url)
    return url


@pytest.fixture(scope="module")
def reference(company: str) -> dict[str, Any]:
    result = _optimise(company, "--format", "json")
    assert result.exit_code == 0, result.output
    figures: dict[str, Any] = json.loads(result.output)
    return figures


def test_the_stored_fire_business_in_its_currency(company: str, reference: dict[str, Any], tmp_path: Path) -> None:
    figures = reference
    assert figures["class"] == "FIRE" and figures["currency"] == "EUR" and figures["unit"] == "EUR"
    assert figures["current"]["code"] == "SURPLUS-FIRE-2024"
    assert (figures["current"]["retention"], figures["current"]["lines"]) == (300_000.0, 9.0)
    assert figures["appetite"]["min_retention"] is None
    assert figures["years"][0] < figures["years"][-1] == figures["valuation_year"]
    assert figures["policies"] > 500 and figures["claims"] > 10
    retentions = [row["retention"] for row in figures["rows"]]
    assert 10 <= len(retentions) <= 21 and 300_000.0 in retentions
    assert figures["retention"] in retentions and set(figures["chosen"].values()) <= set(retentions)
    assert figures["comparison"]["current"]["retention"] == 300_000.0

    table = _optimise(company, "--class", "FIRE", "--out", str(tmp_path))
    assert table.exit_code == 0, table.output
    text = table.output
    assert "stored FIRE business" in text and "amounts in EUR" in text
    assert "Current treaty: SURPLUS-FIRE-2024 (2024) — retention 300 000, 9 lines, commission 27.5 %" in text
    assert "DA" not in text and "The study" not in text and "Tableau" not in text

    # --retentions in the unit printed (--unit 1000: thousands); the CSV in currency units
    csv = _optimise(company, "--format", "csv", "--retentions", "50,100,300", "--unit", "1000")
    assert csv.exit_code == 0, csv.output
    lines = csv.output.splitlines()
    assert lines[0].startswith("retention,retention_result,scr") and len(lines) == 4
    assert [float(line.split(",")[0]) for line in lines[1:]] == [50_000.0, 100_000.0, 300_000.0]


def test_the_same_figures_on_every_dbms(make_url: Any, reference: dict[str, Any]) -> None:
    url = make_url()
    _company(url)
    result = _optimise(url, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == reference


def test_errors_are_one_line(company: str) -> None:
    unknown = _optimise(company, "--class", "AVIATION")
    assert unknown.exit_code == 1 and "no term of class 'AVIATION'" in unknown.output and "FIRE" in unknown.output
    one_year = _optimise(company, "--class", "ENGINEERING", "--as-of", "2019-12-31")
    assert one_year.exit_code == 1 and "one underwriting year (2019)" in one_year.output
    assert len(one_year.output.strip().splitlines()) == 1
    for args in (["--seed004"], ["--csv", __file__], ["--currency", "USD"]):
        assert _optimise(company, *args).exit_code == 2, args
