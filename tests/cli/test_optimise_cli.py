"""``assurdb optimise`` through click's runner: help, a coarse run writing the three PNGs, a CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from assurdb.cli.optimise import command, parse_retentions

PNG = b"\x89PNG\r\n\x1a\n"


def test_help_documents_the_options_and_the_csv() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    for option in ("--seed", "--csv", "--out", "--retentions", "--market", "--rule"):
        assert option in result.output
    for column in ("policy_id", "underwriting_year", "sum_insured", "premium", "claim_amount", "paid_0"):
        assert column in result.output


def test_run_writes_the_pictures_and_the_seed_tables(tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    result = CliRunner().invoke(command, ["--retentions", "200000:600000:100000", "--out", str(out), "--rule", "both"])
    assert result.exit_code == 0, result.output
    for table in ("Tableau 22", "Tableaux 27–28", "Tableau 29", "Tableau 30", "Tableau 31", "Tableau 33", "Tableau 34"):
        assert table in result.output
    assert "marginal rule" in result.output and "constrained maximum" in result.output
    assert "Seed 004's choice" in result.output
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
    assert "Tableaux 27–28" in result.output and "no: scr" in result.output
    assert "no scenario satisfies the risk appetite" in result.output


def test_bad_input_is_reported(tmp_path: Path) -> None:
    bad = CliRunner().invoke(command, ["--retentions", "10:5:1", "--out", str(tmp_path)])
    assert bad.exit_code == 2
    assert "--retentions" in bad.output
    csv = tmp_path / "p.csv"
    csv.write_text("policy_id,premium\n1,10\n", encoding="utf-8")
    missing = CliRunner().invoke(command, ["--csv", str(csv), "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert "'underwriting_year'" in missing.output


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("50000:150000:50000", [50e6, 100e6, 150e6]), ("300000, 100000", [100e6, 300e6]), ("1_000", [1e6])],
)
def test_parse_retentions(spec: str, expected: list[float]) -> None:
    assert parse_retentions(spec).tolist() == expected
