"""``assurdb demo``: the main job on the embedded default (SQLite) — ``make demo``.

Creates a company database, shows its schema, loads a seeded synthetic company through the
domain primitives, runs a session through the generated access interface (requests and their
return codes), then the thesis' primitives on one contract (policy, endorsement, renewal,
cancellation, reinstatement, loss), accounts everything, prints three results reports, applies the
stored reinsurance program of the year (cessions, recoveries, quarterly treaty accounts per
reinsurer, posted), then the claims reserves of the stored loss history and the Solvency II premium
and reserve risk, gross and net of that program.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from assurdb.cli.progress import Bars, quiet_option
from assurdb.cli.schema import summary
from assurdb.facade import create
from assurdb.metadb.contract import RC, Mode, Reply, explain

DEFAULT_DB = Path("out") / "demo.db"
YEAR = "2024"


def _code(rc: int) -> str:
    """A code's name (RC, a domain refusal), ``constraint n``, or OPEN DB's computed code in words."""
    if isinstance(rc, IntEnum):
        return rc.name
    return f"constraint {rc - 1000}" if rc > 1000 else explain(rc)


def _show(label: str, reply: Any) -> None:
    text = f"  {label:<58} → {int(reply.rc):>4} {_code(reply.rc)}"
    if reply.message and reply.rc != RC.OK:
        text += f": {reply.message}"
    click.echo(text)


def _title(text: str) -> None:
    click.echo(f"\n== {text} " + "=" * max(0, 86 - len(text)))


@click.command("demo")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite file to create (replaced if it exists).",
)
@click.option("--insured", default=1000, show_default=True, help="Size of the synthetic company (insured).")
@click.option("--seed", default=1, show_default=True, help="Seed of the synthetic company.")
@quiet_option
def command(db_path: Path, insured: int, seed: int, quiet: bool) -> None:
    """Create a demo company database on SQLite and run the interface, primitives and reports.

    It ends with how to log in to it (user admin, password demo) and commands to try.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-openings", "-openings-wal", "-openings-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = create(f"sqlite:///{db_path}", schema="insurance", admin_password="demo")
    try:
        _schema(db)
        s = db.login("admin", "demo")
        bars = Bars(quiet)  # on stderr, a terminal only: the demo's story is on stdout
        try:
            _company(s, insured, seed, db_path, bars)
            _interface(s)
            _primitives(s)
            _accounting(s, bars)
            _reports(s, bars)
            _reinsure(s, bars)
            _reserves(s, bars)
            _solvency(s, bars)
        finally:
            bars.finish()
            s.close()
    finally:
        db.close()
    _login(db_path)


def _login(db_path: Path) -> None:
    """How to come back to the demo database: its login and commands to try."""
    url = f"sqlite:///{db_path}"
    _title(f"Log in: user admin, password demo (the database is {db_path})")
    click.echo(f"  assurdb report ratios --db {url} --user admin --password demo --period {YEAR} --by class")
    html = "--format html -o production.html"
    click.echo(f"  assurdb report production --db {url} --password demo --period {YEAR} {html}")
    click.echo(f"  assurdb reserve --db {url} --password demo --basis incurred --rate 0.03")
    click.echo(f"  or in Python: assurdb.connect({url!r}).login('admin', 'demo')")


def _schema(db: Any) -> None:
    from assurdb.metadb.loader import load_schema

    names = set(load_schema("insurance").record_types)
    data = db.schema
    shown = type(data)(
        name=data.name,
        version=data.version,
        label=data.label,
        source=data.source,
        statistics=data.statistics,
        record_types={n: r for n, r in data.record_types.items() if n in names},
        path_types={n: p for n, p in data.path_types.items() if p.origin in names},
    )
    _title("The meta-database: schema insurance")
    for line in summary(shown, items=False):  # assurdb schema show lists the items
        click.echo(line)


def _company(s: Any, insured: int, seed: int, db_path: Path, bars: Bars) -> None:
    from assurdb.domain.synthetic import load_synthetic_company

    _title(f"A synthetic company (seed {seed}), loaded through the primitives into {db_path}")
    start = time.perf_counter()
    report = load_synthetic_company(s, seed=seed, insured=insured, progress=bars)
    bars.finish()
    counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
    click.echo(f"  {counts}")
    click.echo(f"  loaded in {time.perf_counter() - start:.1f} s")


def _interface(s: Any) -> None:
    _title("The access interface: requests and return codes")
    _show(
        "OPEN DB Insured, PRA, Guaranty (mode 2)",
        s.open_db([("Insured", Mode.MODIFY_SHARED), ("PRA", 2), ("Guaranty", 2)]),
    )
    _show(
        "WRITE Insured 1234000000 DUPONT ANNET",
        s.write("Insured", {"code": 1234000000, "name": "DUPONT ANNET", "address": {"city": "Namur"}}),
    )
    _show("WRITE Insured 1234000001 DURAND", s.write("Insured", {"code": 1234000001, "name": "DURAND"}))
    _show(
        "WRITE Insured 1234000002 with a 26-character name", s.write("Insured", {"code": 1234000002, "name": "X" * 26})
    )
    pra_id = {"policy_no": "654321-86", "renewal_no": 0, "endorsement_no": 0}
    pra = {
        **pra_id,
        "class_of_business": "FIRE",
        "sum_insured": Decimal("250000.00"),
        "premium": Decimal("1234.50"),
        "cover_start": date(2024, 1, 1),
        "cover_end": date(2024, 12, 31),
    }
    _show(
        "WRITE TARGET VIA PATH PRA, outside a unit (no guaranty)",
        s.write_target_via_path("Insured", {"code": 1234000001}, "PRA", pra, "Insurance"),
    )
    _show("BEGIN", s.begin())
    _show(
        "WRITE TARGET VIA PATH PRA 654321-86/0/0 (Insurance)",
        s.write_target_via_path("Insured", {"code": 1234000001}, "PRA", pra, "Insurance"),
    )
    _show(
        "WRITE TARGET VIA PATH Guaranty 1 (Breakdown)",
        s.write_target_via_path("PRA", pra_id, "Guaranty", {"guaranty_no": 1, "peril": "FIRE"}, "Breakdown"),
    )
    _show("COMMIT", s.commit())
    found: Reply = s.read_sequential("Insured", {"name": "DUP"}, key="name")
    _show("READ SEQUENTIAL Insured name 'DUP'", found)
    click.echo(f"      {found.article}")
    if found.article is not None:
        nxt = s.read_sequential("Insured", found.article, key="name")
        _show("READ SEQUENTIAL Insured after it", nxt)
        click.echo(f"      {nxt.article and nxt.article['name']}")
    target = s.read_target_via_path("Insured", {"code": 1234000001}, "Insurance", "PRA")
    _show("READ TARGET VIA PATH Insurance", target)
    _show("DELETE Insured 1234000001 (its policy needs it)", s.delete("Insured", {"code": 1234000001}))
    _show("READ DIRECT Loss (not open)", s.read_direct("Loss", {"code": "L1"}))
    selection = s.read_selection("Insured", {"name": ("DUP", "DUZ")})
    _show("READ SELECTION Insured name DUP..DUZ", selection)
    if selection.batch is not None:
        click.echo(selection.batch[["code", "name"]].to_string(index=False))
    _show("CLOSE DB", s.close_db())


def _primitives(s: Any) -> None:
    from assurdb.domain.primitives import (
        cancel_pra,
        combine_pra,
        create_endorsement,
        create_loss,
        create_loss_movement,
        create_policy,
        create_renewal,
        find_occurrence,
        find_treaties,
        reinstate_pra,
        select_occurrences,
    )

    _title("Domain primitives (thesis chapter V) on policy 123456-86")
    cell = select_occurrences(s, "OrgCell", {"kind": "production"})
    handling = None if cell.batch is None or not len(cell.batch) else str(cell.batch["code"].iloc[0])
    policy = {
        "policy_no": "123456-86",
        "class_of_business": "FIRE",
        "sum_insured": Decimal("250000.00"),
        "premium": Decimal("1200.00"),
        "commission_rate": Decimal("15.00"),
        "cover_start": date(2024, 1, 1),
        "cover_end": date(2024, 12, 31),
    }
    guaranties = [{"peril": "FIRE", "share_pct": Decimal("70")}, {"peril": "THEFT", "share_pct": Decimal("30")}]
    made = create_policy(s, policy, guaranties, insured=1234000000, handling_cell=handling)
    _show("CREATE POLICY 123456-86/0/0 (2 guaranties)", made)
    endorsed = create_endorsement(
        s, "123456-86", {"sum_insured": Decimal("300000.00"), "premium": Decimal("1500.00")}, effective=date(2024, 7, 1)
    )
    _show("CREATE ENDORSEMENT (sum insured 300 000, premium 1 500)", endorsed)
    if endorsed.article is not None:
        a = endorsed.article
        click.echo(
            f"      stored {a['policy_no']}/{a['renewal_no']}/{a['endorsement_no']}: premium {a['premium']}, "
            f"sum insured {a['sum_insured']} (an endorsement stores the differences)"
        )
        combined = combine_pra(s, a)
        if combined.article is not None:
            click.echo(
                f"      COMBINE: premium {combined.article['premium']}, sum insured {combined.article['sum_insured']}"
            )
    renewed = create_renewal(s, "123456-86", {"premium": Decimal("1600.00")})
    _show("CREATE RENEWAL 123456-86/1/0 (premium 1 600)", renewed)
    if renewed.article is not None:
        _show("CANCEL PRA 123456-86/1/0", cancel_pra(s, renewed.article, "insured", date(2025, 3, 1)))
        _show("REINSTATE PRA 123456-86/1/0", reinstate_pra(s, renewed.article))
    loss = {"code": "L-DEMO-1", "loss_date": date(2024, 9, 15), "territory": "DOMESTIC", "type": "FIRE"}
    declared = create_loss(s, loss, policy_no="123456-86")
    _show("CREATE LOSS on 15/09/2024 (the contract in force)", declared)
    if declared.article is not None:
        a = declared.article
        click.echo(
            f"      attached to {a['accident_policy_no']}/{a['accident_renewal_no']}/{a['accident_endorsement_no']}"
        )
    _show(
        "CREATE LOSS MOVEMENT reserve 42 000 on 20/09/2024",
        create_loss_movement(s, "L-DEMO-1", "reserve", date(2024, 9, 20), Decimal("42000.00")),
    )
    _show(
        "CREATE LOSS MOVEMENT payment 10 000 on 05/11/2024",
        create_loss_movement(s, "L-DEMO-1", "payment", date(2024, 11, 5), Decimal("10000.00")),
    )
    _show(
        "CREATE LOSS MOVEMENT payment dated before the loss",
        create_loss_movement(s, "L-DEMO-1", "payment", date(2024, 9, 1), Decimal("500.00")),
    )
    moved = find_occurrence(s, "Loss", {"code": "L-DEMO-1"}).article
    if moved is not None:
        click.echo(f"      loss L-DEMO-1: paid {moved['paid']}, outstanding {moved['outstanding']}")
    program = find_treaties(s, 2024)
    _show(f"FIND TREATIES 2024 ({len(program.articles)}: {', '.join(t['kind'] for t in program.articles)})", program)
    late = create_loss(s, {**loss, "code": "L-DEMO-2", "loss_date": date(2027, 1, 1)}, policy_no="123456-86")
    _show("CREATE LOSS on 01/01/2027 (no contract in force)", late)


def _accounting(s: Any, bars: Bars) -> None:
    from assurdb.domain.accounting import account_all

    _title(f"ACCOUNT everything not yet accounted, as at 31/12/{YEAR} (balanced journals, gapless numbers)")
    start = time.perf_counter()
    at = date(int(YEAR), 12, 31)
    done = account_all(s, writing_date=at, payment_date=at, progress=bars)
    bars.finish()
    _show(f"ACCOUNT {len(done.journals)} journal(s)", done)
    click.echo(f"  in {time.perf_counter() - start:.1f} s")


def _reports(s: Any, bars: Bars) -> None:
    from assurdb.domain.reports import load_company, make_report, render

    company = load_company(s, progress=bars)
    bars.finish()
    # Losses: accident-year basis (everything was accounted at one date, so the calendar year
    # would hold every payment since 2019); production and transactions: calendar year.
    for name, basis in (("ratios", "accident"), ("production", "calendar"), ("transactions", "calendar")):
        _title(f"Report {name}, {YEAR}, {basis}-year basis (thesis chapter III)")
        click.echo(render(make_report(company, name, YEAR, basis=basis)).rstrip())


def _reinsure(s: Any, bars: Bars) -> None:
    from assurdb.engine.errors import EngineError
    from assurdb.engine.reinsure import record, reinsure
    from assurdb.engine.stored import StoredBusiness

    _title(f"The {YEAR} reinsurance program on the stored business (assurdb reinsure --year {YEAR})")
    start = time.perf_counter()
    try:
        result = reinsure(StoredBusiness(s, progress=bars), int(YEAR))
        bars.stage("writing back and posting the accounts")
        done = record(s, result, writing_date=date(int(YEAR), 12, 31))
        bars.finish()
    except EngineError as error:
        bars.finish()
        click.echo(f"  {error}")
        return

    def money(frame: Any) -> str:
        return str(frame.to_string(float_format=lambda v: f"{v:,.2f}", index=False))

    click.echo(money(result.summary.drop(columns=["premium_portfolio_withdrawal", "loss_portfolio_withdrawal"])))
    written = ", ".join(f"{rt} {done.created[rt]} created / {done.modified[rt]} modified" for rt in done.created)
    click.echo(f"  written back: {written}; ACCOUNT REINSURANCE {len(done.accounted.journals)} journal(s)")
    click.echo(f"  in {time.perf_counter() - start:.1f} s")
    first = result.program["code"].iloc[0]
    _title(f"Treaty accounts of {first}, per reinsurer and quarter (assurdb reinsure --show accounts)")
    accounts = result.shares[result.shares["treaty_code"] == first].drop(columns=["treaty_code", "period_end"])
    shown = [c for c in accounts.columns if c in ("reinsurer_code", "period", "share_pct") or accounts[c].any()]
    click.echo(money(accounts[shown]))
    again = record(s, reinsure(StoredBusiness(s), int(YEAR)), writing_date=date(int(YEAR), 12, 31))
    changed = sum(again.created.values()) + sum(again.modified.values())
    click.echo(f"  run again: {changed} occurrence(s) written, {len(again.accounted.journals)} journal(s)")


def _reserves(s: Any, bars: Bars) -> None:
    from assurdb.cli.reserve import render_table
    from assurdb.engine.errors import EngineError
    from assurdb.engine.reserving.stored import reserve
    from assurdb.engine.stored import StoredBusiness

    _title("Claims reserves from the stored loss movements: incurred, gross and net (assurdb reserve)")
    start = time.perf_counter()
    try:
        result = reserve(StoredBusiness(s, progress=bars), basis="incurred", rate=0.03)
        bars.finish()
    except EngineError as error:  # a company too small to develop a triangle says so
        bars.finish()
        click.echo(f"  {error}")
        return
    render_table(result, sys.stdout)
    click.echo(f"  in {time.perf_counter() - start:.1f} s (Best Estimate at a flat 3 %)")


def _solvency(s: Any, bars: Bars) -> None:
    from assurdb.cli.solvency import render_table
    from assurdb.engine.capital import solvency
    from assurdb.engine.errors import EngineError
    from assurdb.engine.stored import StoredBusiness

    _title("Solvency II premium and reserve risk, gross and net of the stored program (assurdb solvency)")
    start = time.perf_counter()
    try:
        result = solvency(StoredBusiness(s, progress=bars), rate=0.03)
        bars.finish()
    except EngineError as error:
        bars.finish()
        click.echo(f"  {error}")
        return
    render_table(result, sys.stdout)
    click.echo(f"  in {time.perf_counter() - start:.1f} s")
