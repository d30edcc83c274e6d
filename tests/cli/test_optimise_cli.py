"""``assurdb optimise`` through click's runner: help, a coarse run writing the three PNGs (the study's
tables with ``--seed004``, neutral ones without), a CSV without the study's lowest retention."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from assurdb.cli.optimise import command, parse_retentions

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """ASSURDB_URL would make the database the default source."""
    monkeypatch.delenv("ASSURDB_URL", raising=False)


def test_help_documents_the_options_and_the_csv() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    for option in ("--seed", "--csv", "--db", "--class", "--seed004", "--unit", "--currency", "--out", "--retentions"):
        assert option in result.output
    for column in ("policy_id", "underwriting_year", "sum_insured", "premium", "claim_amount", "paid_0"):
        assert column in result.output


def test_run_writes_the_pictures_and_the_seed_tables(tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    result = CliRunner().invoke(
        command, ["--seed004", "--retentions", "200000:600000:100000", "--out", str(out), "--rule", "both"]
    )
    assert result.exit_code == 0, result.output
    assert "amounts in thousand DA" in result.output
    for table in ("Tableau 22", "Tableaux 27–28", "Tableau 29", "Tableau 30", "Tableau 31", "Tableau 33", "Tableau 34"):
        assert table in result.output
    assert "marginal rule" in result.output and "constrained maximum" in result.output
    assert "The study's choice" in result.output
    for name in ("frontier.png", "retention.png", "triangle.png"):
        path = out / name
        assert path.read_bytes()[:8] == PNG, name
        assert path.stat().st_size > 5_000, name


def test_csv_portfolio(tmp_path: Path) -> None:
    rows = []
    for i in range(60):
        tsi = 2e7 * (i + 1)
        rows.append({"policy_id": i, "underwriting_year": 2019 + i % 3, "sum_insured": tsi, "premium": tsi * 1e-3})
    for i, (amount, year) in enumerate([(3e6, 2019), (8e6, 2020), (1e6, 2021), (2e7, 2020)]):
        rows.append(
            {**rows[10 * i + 5], "claim_amount": amount, "accident_year": year, "event_id": "ship" if i < 2 else None}
        )
    path = tmp_path / "portfolio.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        command,
        [
            "--csv",
            str(path),
            "--retentions",
            "100000,200000,400000",
            "--current-retention",
            "0",
            "--min-rol",
            "0",
            "--max-loss-ratio",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"portfolio {path}" in result.output
    assert "current treaty" not in result.output
    assert (out / "frontier.png").exists()


def test_nothing_feasible_shows_why(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, ["--retentions", "400000,500000", "--max-scr", "1", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Retention result by retention" in result.output and "no: scr" in result.output
    assert "no scenario satisfies the risk appetite" in result.output
    assert "Tableau" not in result.output and "The study" not in result.output


def test_bad_input_is_reported(tmp_path: Path) -> None:
    bad = CliRunner().invoke(command, ["--retentions", "10:5:1", "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert "--retentions" in bad.output
    csv = tmp_path / "p.csv"
    csv.write_text("policy_id,premium\n1,10\n", encoding="utf-8")
    missing = CliRunner().invoke(command, ["--csv", str(csv), "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert "'underwriting_year'" in missing.output


def test_synthetic_run_without_seed004_speaks_neutrally(tmp_path: Path) -> None:
    """No the study comparison, no Tableau numbers, no lowest retention: the grid from the sums insured."""
    result = CliRunner().invoke(command, ["--no-pictures", "--format", "json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["currency"] == "DA" and figures["unit"] == "thousand DA"
    assert figures["appetite"]["min_retention"] is None and figures["current"] is None
    retentions = [row["retention"] for row in figures["rows"]]
    assert 10 <= len(retentions) <= 21 and figures["retention"] in retentions
    table = CliRunner().invoke(command, ["--no-pictures", "--retentions", "200000,400000"])
    assert table.exit_code == 0, table.output
    assert "The study" not in table.output and "Tableau" not in table.output and "shipments" not in table.output


def _tiny_portfolio(path: Path) -> Path:
    """A small book in plain currency units: 40 policies of 10 000 to 400 000 over three years."""
    rows = []
    for i in range(40):
        tsi = 10_000.0 * (i + 1)
        rows.append({"policy_id": i, "underwriting_year": 2021 + i % 3, "sum_insured": tsi, "premium": tsi * 1e-2})
    for i, (amount, year) in enumerate([(3_000.0, 2021), (12_000.0, 2022), (800.0, 2023), (25_000.0, 2022)]):
        rows.append({**rows[9 * i + 4], "claim_amount": amount, "accident_year": year})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_csv_gets_no_seed_floor_nor_da(tmp_path: Path) -> None:
    """The reported failure: a company's CSV must not get the study's lowest retention (300 000 000),
    its thousand DA or its choice."""
    path = _tiny_portfolio(tmp_path / "book.csv")
    result = CliRunner().invoke(command, ["--csv", str(path), "--no-pictures", "--currency", "EUR"])
    assert "300000000" not in result.output and "min_retention=3" not in result.output
    assert "DA" not in result.output.replace("DAT", "") and "The study" not in result.output
    assert "amounts in EUR" in result.output
    figures = CliRunner().invoke(
        command, ["--csv", str(path), "--no-pictures", "--format", "json", "--min-rol", "0", "--max-loss-ratio", "1"]
    )
    assert figures.exit_code == 0, figures.output
    body = json.loads(figures.output)
    assert body["appetite"]["min_retention"] is None and body["unit"] == "currency units"
    retentions = [row["retention"] for row in body["rows"]]
    assert min(retentions) >= 10_000 and max(retentions) <= 400_000 and body["retention"] in retentions
    args = ["--csv", str(path), "--no-pictures", "--format", "json", "--min-rol", "0", "--max-loss-ratio", "1"]
    floor = CliRunner().invoke(command, [*args, "--min-retention", "200000"])
    assert floor.exit_code == 0, floor.output
    assert json.loads(floor.output)["retention"] >= 200_000


def test_sources_exclude_each_other(tmp_path: Path) -> None:
    path = _tiny_portfolio(tmp_path / "book.csv")
    for args in (["--csv", str(path), "--seed", "3"], ["--db", "sqlite:///x.db", "--seed004"], ["--class", "FIRE"]):
        result = CliRunner().invoke(command, [*args, "--no-pictures"], env={"ASSURDB_URL": None})
        assert result.exit_code == 2, (args, result.output)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("50000:150000:50000", [50e6, 100e6, 150e6]), ("300000, 100000", [100e6, 300e6]), ("1_000", [1e6])],
)
def test_parse_retentions(spec: str, expected: list[float]) -> None:
    assert parse_retentions(spec).tolist() == expected
