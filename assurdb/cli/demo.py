"""``assurdb demo``: the main job on the embedded default (SQLite) — ``make demo``.

Creates a company database, shows its schema, and runs a session through the generated
access interface: a policy with its guaranty written in one unit of work, read back by key,
by partial key and along its paths, and the return codes of refused requests.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from assurdb.cli.schema import summary
from assurdb.facade import create
from metadb.contract import RC, Mode, Reply

DEFAULT_DB = Path("out") / "demo.db"


def _show(label: str, reply: Reply) -> None:
    code = reply.rc.name if isinstance(reply.rc, RC) else str(int(reply.rc))
    text = f"  {label:<58} → {int(reply.rc):>3} {code}"
    if reply.message and reply.rc != RC.OK:
        text += f": {reply.message}"
    click.echo(text)


@click.command("demo")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="SQLite file to create (replaced if it exists).",
)
def command(db_path: Path) -> None:
    """Create a demo company database on SQLite and run a session through the interface."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-openings", "-openings-wal", "-openings-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = create(f"sqlite:///{db_path}", schema="insurance", admin_password="demo")
    try:
        data = db.schema
        shown = type(data)(
            name=data.name,
            version=data.version,
            label=data.label,
            source=data.source,
            statistics=data.statistics,
            record_types={n: r for n, r in data.record_types.items() if n in _insurance_names()},
            path_types={n: p for n, p in data.path_types.items() if p.origin in _insurance_names()},
        )
        for line in summary(shown):
            click.echo(line)
        click.echo(f"\nDatabase {db_path} created; session of user admin:")
        s = db.login("admin", "demo")
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
            "WRITE Insured 1234000002 with a 26-character name",
            s.write("Insured", {"code": 1234000002, "name": "X" * 26}),
        )
        pra_id = {"policy_no": "123456-86", "renewal_no": 0, "endorsement_no": 0}
        pra = {
            **pra_id,
            "class_of_business": "FIRE",
            "sum_insured": Decimal("250000.00"),
            "premium": Decimal("1234.50"),
            "cover_start": date(1986, 1, 1),
            "cover_end": date(1986, 12, 31),
        }
        _show(
            "WRITE TARGET VIA PATH PRA, outside a unit (no guaranty)",
            s.write_target_via_path("Insured", {"code": 1234000000}, "PRA", pra, "Insurance"),
        )
        _show("BEGIN", s.begin())
        _show(
            "WRITE TARGET VIA PATH PRA 123456-86/0/0 (Insurance)",
            s.write_target_via_path("Insured", {"code": 1234000000}, "PRA", pra, "Insurance"),
        )
        _show(
            "WRITE TARGET VIA PATH Guaranty 1 (Breakdown)",
            s.write_target_via_path("PRA", pra_id, "Guaranty", {"guaranty_no": 1, "peril": "FIRE"}, "Breakdown"),
        )
        _show("COMMIT", s.commit())
        found = s.read_sequential("Insured", {"name": "DUP"}, key="name")
        _show("READ SEQUENTIAL Insured name 'DUP'", found)
        click.echo(f"      {found.article}")
        if found.article is not None:
            nxt = s.read_sequential("Insured", found.article, key="name")
            _show("READ SEQUENTIAL Insured after it", nxt)
            click.echo(f"      {nxt.article and nxt.article['name']}")
        target = s.read_target_via_path("Insured", {"code": 1234000000}, "Insurance", "PRA")
        _show("READ TARGET VIA PATH Insurance", target)
        if target.article is not None:
            a = target.article
            click.echo(
                f"      {a['policy_no']}/{a['renewal_no']}/{a['endorsement_no']} {a['class_of_business']} "
                f"premium {a['premium']} cover {a['cover_start']}..{a['cover_end']}"
            )
        _show("DELETE Insured 1234000000 (its policy needs it)", s.delete("Insured", {"code": 1234000000}))
        _show("READ DIRECT Loss (not open)", s.read_direct("Loss", {"code": "L1"}))
        selection = s.read_selection("Insured", {"name": ("A", "E")})
        _show("READ SELECTION Insured name A..E", selection)
        if selection.batch is not None:
            click.echo(selection.batch[["code", "name"]].to_string(index=False))
        _show("CLOSE DB", s.close_db())
        s.close()
    finally:
        db.close()


def _insurance_names() -> set[str]:
    from metadb.loader import load_schema

    return set(load_schema("insurance").record_types)
