"""``assurdb reinsure``, ``reserve`` and ``solvency`` on a synthetic company stored in each DBMS print the
same figures, to the cent, as on SQLite; a second reinsure writes nothing and the ledger holds the
treaty accounts' balances; the reserves are not zero and the program cedes; the
solvency figures follow the regulation's formula by hand on a tiny book; bad options get a message."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import assurdb
from assurdb.cli import main
from assurdb.domain.accounting import journal_problems, read_journal
from assurdb.domain.openings import opened
from assurdb.domain.primitives import create_loss, create_loss_movement, create_treaty
from assurdb.domain.synthetic import load_synthetic_company
from assurdb.engine.capital import solvency
from assurdb.engine.stored import StoredBusiness
from assurdb.metadb.contract import Mode
from tests.conftest import ADMIN_PASSWORD
from tests.domain.conftest import POLICY, D, fire_policy, ok

SEED, INSURED = 5, 250
COMMANDS = {  # in this order: reinsure writes the cessions the net reserves then read
    "reinsure-2023": ["reinsure", "--year", "2023"],
    "reinsure-2024-accounts": ["reinsure", "--year", "2024", "--show", "accounts"],
    "reserve-paid": ["reserve", "--basis", "paid"],
    "reserve-incurred-quarter": ["reserve", "--basis", "incurred", "--grain", "quarter", "--rate", "0.03"],
    "solvency": ["solvency", "--rate", "0.03"],
}


def _company(url: str) -> None:
    db = assurdb.create(url, admin_password=ADMIN_PASSWORD)
    try:
        session = db.login("admin", ADMIN_PASSWORD)
        load_synthetic_company(session, seed=SEED, insured=INSURED)
        session.close()
    finally:
        db.close()


def _run(url: str, args: list[str], fmt: str = "csv") -> str:
    result = CliRunner().invoke(main, [*args, "--db", url, "--password", ADMIN_PASSWORD, "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The commands' CSV on the synthetic company stored in SQLite."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'company.db'}"
    _company(url)
    return {name: _run(url, args) for name, args in COMMANDS.items()}


def test_the_commands_print_the_same_figures_on_every_dbms(make_url: Any, reference: dict[str, str]) -> None:
    url = make_url()
    _company(url)
    for name, args in COMMANDS.items():
        assert _run(url, args) == reference[name], name
    figures = json.loads(_run(url, COMMANDS["reserve-paid"], "json"))
    totals = {row["side"]: row for row in figures["rows"] if row["origin"] == "total"}
    assert totals["gross"]["ibnr"] > 0 and 0 < totals["net"]["ultimate"] < totals["gross"]["ultimate"]
    assert figures["losses_without_history"] == 0
    capital = json.loads(_run(url, COMMANDS["solvency"], "json"))
    scr = {row["side"]: row["scr"] for row in capital["rows"] if row["segment"] == "total"}
    assert 0 < scr["net"] < scr["gross"] and "ACCIDENT" in capital["left_out"]
    dry = json.loads(_run(url, ["reinsure", "--year", "2023", "--show", "recoveries", "--dry-run"], "json"))
    assert "created" not in dry and dry["rows"] and {r["basis"] for r in dry["rows"]} >= {"loss", "year"}
    # reinsure again: nothing to write, nothing to post; the ledger holds the accounts' balances
    rerun = json.loads(_run(url, ["reinsure", "--year", "2024"], "json"))
    assert rerun["journals"] == 0 and not any(rerun["created"].values()) and not any(rerun["modified"].values())
    treaties = {row["treaty"]: row for row in rerun["rows"]}
    assert treaties["QS-MOTO-2024"]["premium_portfolio_entry"] > 0 and treaties["QS-MOTO-2024"]["claims_paid"] > 0
    db = assurdb.connect(url)
    try:
        session = db.login("admin", ADMIN_PASSWORD)
        assert journal_problems(session) == []
        with opened(session, [("Entry", Mode.CONSULT)]):
            entries = read_journal(session).batch
        assert entries is not None
        lines = entries[(entries["source_rt"] == "TreatyAccount") & (entries["accounting_number"] == 420000)]
        credit = sum(
            Decimal(a) * (1 if side == "C" else -1) for a, side in zip(lines["amount"], lines["side"], strict=True)
        )
        with opened(session, [("TreatyAccount", Mode.CONSULT)]):
            accounts = ok(session.read_selection("TreatyAccount", {})).batch  # exact amounts
        stored = sum(Decimal(b) for b in accounts["balance"])
        assert credit == stored != 0
        session.close()
    finally:
        db.close()


def test_solvency_by_hand(org: Any) -> None:
    """A 1986 fire policy (premium 1 000), a 30 % quota share and one loss: paid 1 000 of a 5 000
    reserve. One accident year cannot be developed: the reserve volume is the case reserve."""
    s = org
    fire_policy(s)
    treaty = {"code": "QS-86", "underwriting_year": 1986, "kind": "quota_share", "share_pct": D(30),
              "inception": dt.date(1986, 1, 1), "expiry": dt.date(1986, 12, 31)}  # fmt: skip
    ok(create_treaty(s, treaty))
    ok(create_loss(s, {"code": "L1", "loss_date": dt.date(1986, 3, 1)}, policy_no=POLICY))
    ok(create_loss_movement(s, "L1", "reserve", dt.date(1986, 3, 2), D(5000)))
    ok(create_loss_movement(s, "L1", "payment", dt.date(1986, 6, 1), D(1000)))
    result = solvency(StoredBusiness(s), as_of=dt.date(1986, 12, 31))
    assert list(result.case_reserves_only) == ["fire_property"]
    volumes = result.volumes.loc["fire_property"]
    assert volumes["earned_last"] == pytest.approx(1000)  # the twelve months to 31/12: all of 1986
    assert (volumes["v_prem_gross"], volumes["v_prem_net"]) == (pytest.approx(1000), pytest.approx(700))
    assert (volumes["be_gross"], volumes["be_net"]) == (4000, 2800)

    def scr(vp: float, vr: float) -> float:  # Art. 117, one segment: 3 · σ_s · V_s
        sp, sr = 0.08 * vp, 0.10 * vr
        return 3 * math.sqrt(sp * sp + sp * sr + sr * sr)

    assert result.gross.scr == pytest.approx(scr(1000, 4000)) and result.net.scr == pytest.approx(scr(700, 2800))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_what_the_commands_refuse(make_url: Any, tmp_path: Path) -> None:
    url = make_url()
    assurdb.create(url, admin_password=ADMIN_PASSWORD).close()
    empty = CliRunner().invoke(main, ["reserve", "--db", url, "--password", ADMIN_PASSWORD])
    assert empty.exit_code == 1 and "no loss movement" in empty.output
    both = CliRunner().invoke(main, ["solvency", "--db", url, "--password", ADMIN_PASSWORD, "--rate", "0.03",
                                     "--curve", __file__])  # fmt: skip
    assert both.exit_code == 2 and "--rate or --curve" in both.output
    bad = tmp_path / "curve.csv"
    bad.write_text("years,percent\n1,3\n")
    curve = CliRunner().invoke(main, ["reserve", "--db", url, "--password", ADMIN_PASSWORD, "--curve", str(bad)])
    assert curve.exit_code == 2 and "maturity" in curve.output
    mapping = tmp_path / "segments.csv"
    mapping.write_text("class_of_business,peril,segment\nFIRE,,fire\n")
    wrong = CliRunner().invoke(main, ["solvency", "--db", url, "--password", ADMIN_PASSWORD, "--as-of", "2024-12-31",
                                      "--mapping", str(mapping)])  # fmt: skip
    assert wrong.exit_code == 1 and "unknown segment" in wrong.output
    program = CliRunner().invoke(main, ["reinsure", "--db", url, "--password", ADMIN_PASSWORD, "--year", "2024"])
    assert program.exit_code == 1 and "no treaty is stored for underwriting year 2024" in program.output
    assert "Traceback" not in program.output
    refused = CliRunner().invoke(main, ["reserve", "--db", url, "--password", "wrong"])
    assert refused.exit_code == 3
