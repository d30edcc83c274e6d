"""Whole databases moved: copied from one DBMS to another (a ring through the four), dumped to files
and loaded back, an interrupted copy resumed; the users and their passwords travel with the data,
the reports read the same numbers at the end, and what must be refused is refused."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import assurdb
from assurdb.domain.constraints.scan import check_constraints
from assurdb.domain.reports import load_company, make_report
from assurdb.domain.synthetic import load_synthetic_company
from assurdb.metadb.loader import load as load_schema
from assurdb.metadb.loader import load_schema as shipped
from assurdb.migrations import copy, dump, load
from assurdb.migrations.copy import Comparison, MigrationError, Side, order, read_articles
from assurdb.runtime.database import open_database
from assurdb.runtime.errors import NotAdministratorError
from tests.conftest import ADMIN_PASSWORD, BACKENDS, require_backend
from tests.migrations.test_migrate import LOGIN, V1, interface, library, read

#: insured in the ring's company under ``make soak`` (ASSURDB_COPY_INSURED; 60 in ``make test``)
SOAK_INSURED = int(os.environ.get("ASSURDB_COPY_INSURED", "3000"))
REPORTS = (("ratios", "2023"), ("production", "2024-Q3"), ("claims-dictionary", "2024"))


def reports(url: str) -> list[Any]:
    """The figures an actuary reads: the same after any number of copies."""
    db = assurdb.connect(url)
    try:
        session = db.login("admin", ADMIN_PASSWORD)
        company = load_company(session)
        out = [make_report(company, name, period).to_dict("records") for name, period in REPORTS]
        session.close()
        return out
    finally:
        db.close()


def fresh_url(backend: str, namespaces: Any, tmp_path: Path, tag: str) -> str:
    require_backend(backend)
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{tag}.db'}"
    if backend == "duckdb":
        return f"duckdb:///{tmp_path / f'{tag}.duckdb'}"
    return namespaces.url(backend, tag)


def assert_equal(comparison: Comparison) -> None:
    assert comparison.equal, comparison.text()


@pytest.mark.parametrize("insured", [60, pytest.param(SOAK_INSURED, marks=pytest.mark.soak, id="soak")])
def test_a_company_copied_round_the_four_dbmss_comes_back_the_same(
    namespaces: Any, tmp_path: Path, insured: int
) -> None:
    ring = [*BACKENDS[:1], "postgresql", "mariadb", "duckdb", "sqlite"]
    urls = [fresh_url(b, namespaces, tmp_path, f"ring{i}") for i, b in enumerate(ring)]
    db = assurdb.create(urls[0], admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    load_synthetic_company(session, seed=3, insured=insured)
    session.close()
    db.close()
    before = reports(urls[0])
    first: Comparison | None = None
    for source, target in itertools.pairwise(urls):
        comparison = copy(source, target, **LOGIN)
        assert_equal(comparison)
        first = first or comparison
        rows = sum(n for n, _ in comparison.source.rows.values())
        print(f"{source.split(':')[0]} → {target.split(':')[0]}: {rows} rows in {comparison.seconds:.1f} s")
    assert first is not None
    # the last copy holds what the first held, to the checksum, and reads the same reports
    last = copy(urls[-1], fresh_url("sqlite", namespaces, tmp_path, "again"), **LOGIN)
    assert last.source.rows == first.source.rows
    assert reports(urls[-1]) == before
    # the company is whole: every integrity constraint holds on the last copy
    db = assurdb.connect(urls[-1])
    session = db.login("admin", ADMIN_PASSWORD)
    result = check_constraints(session)
    session.close()
    db.close()
    assert result.ok, result.message


@pytest.mark.soak
def test_a_company_copied_between_every_pair_of_dbmss(namespaces: Any, tmp_path: Path) -> None:
    sources = {"sqlite": fresh_url("sqlite", namespaces, tmp_path, "pairs")}
    db = assurdb.create(sources["sqlite"], admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    load_synthetic_company(session, seed=4, insured=SOAK_INSURED)
    session.close()
    db.close()
    reference = None
    for backend in BACKENDS[1:]:
        sources[backend] = fresh_url(backend, namespaces, tmp_path, f"from{backend}")
        comparison = copy(sources["sqlite"], sources[backend], **LOGIN)
        assert_equal(comparison)
        reference = comparison.source.rows
    for source in BACKENDS:
        for target in BACKENDS:
            if source != target:
                comparison = copy(
                    sources[source], fresh_url(target, namespaces, tmp_path, f"{source}to{target}"), **LOGIN
                )
                assert_equal(comparison)
                assert comparison.source.rows == reference
                rows = sum(n for n, _ in comparison.source.rows.values())
                print(f"{source} → {target}: {rows} rows in {comparison.seconds:.1f} s")


def test_the_users_and_their_rights_travel_with_the_data(make_url: Any, backend: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    library(source, "sqlite")
    db = open_database(interface("sqlite", V1), source)
    with db.login("admin", ADMIN_PASSWORD) as admin:
        assert admin.add_user("clerk", "clerk-secret").ok and admin.grant("clerk", "Book", 1).ok
    db.close()
    target = make_url()
    assert_equal(copy(source, target, **LOGIN))
    db = open_database(interface(backend, V1), target)
    try:
        clerk = db.login("clerk", "clerk-secret")  # the password hash moved, not a new password
        assert clerk.open_db([("Book", 1)]).ok
        assert not clerk.open_db([("Member", 1)]).ok
        clerk.close()
    finally:
        db.close()
    for rt in ("Author", "Book", "Member", "Loan"):
        assert read(target, backend, V1, rt) == read(source, "sqlite", V1, rt)


def test_a_dump_loads_into_every_dbms(make_url: Any, backend: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    library(source, "sqlite")
    manifest = dump(source, tmp_path / "dump", **LOGIN)
    assert {p.name for p in manifest.parent.iterdir()} >= {"manifest.json", "schema.json", "library.yaml"}
    # the dumped schema file is a schema file: it loads to the very schema the database holds
    assert load_schema(manifest.parent / "library.yaml").fingerprint == load_schema(V1).fingerprint
    target = make_url()
    assert_equal(load(manifest.parent, target))
    for rt in ("Author", "Book", "Member", "Loan"):
        assert read(target, backend, V1, rt) == read(source, "sqlite", V1, rt)
    with pytest.raises(MigrationError, match="already holds an assurdb database"):
        load(manifest.parent, target)


def test_an_interrupted_copy_is_resumed(make_url: Any, backend: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    db = assurdb.create(source, admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    load_synthetic_company(session, seed=5, insured=15)
    session.close()
    db.close()
    target = make_url()
    seen: list[str] = []

    def crash(name: str, done: int, total: int) -> None:
        seen.append(name)
        if name == "PRA":
            raise KeyboardInterrupt  # the operator's Ctrl-C half-way

    with pytest.raises(KeyboardInterrupt):
        copy(source, target, **LOGIN, progress=crash)
    assert "ECS" in seen  # the first units reached the target
    with pytest.raises(MigrationError, match="already holds"):
        copy(source, target, **LOGIN)
    assert_equal(copy(source, target, **LOGIN, resume=True))


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_a_copy_killed_half_way_is_resumed(make_url: Any, backend: str, tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    db = assurdb.create(source, admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    load_synthetic_company(session, seed=6, insured=40)
    session.close()
    db.close()
    target = make_url()
    command = [sys.executable, "-m", "assurdb", "copy", source, target, "--password", ADMIN_PASSWORD]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    for line in child.stderr:  # one line per record type written (stderr is no terminal)
        if line.split()[0] == "Insured":
            child.send_signal(signal.SIGKILL)  # as the PRAs are being written
            break
    child.wait()
    assert child.returncode == -signal.SIGKILL
    side = Side(target, shipped("insurance"))
    try:  # the first units are there, the last are not
        held = side.open()
        assert read_articles(held, "ECS") and not read_articles(held, "Entry")
    finally:
        side.close()
    with pytest.raises(MigrationError, match="already holds"):
        copy(source, target, **LOGIN)
    resumed = copy(source, target, **LOGIN, resume=True)
    assert_equal(resumed)


def test_what_a_copy_refuses(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    library(source, "sqlite")
    db = open_database(interface("sqlite", V1), source)
    with db.login("admin", ADMIN_PASSWORD) as admin:
        assert admin.add_user("clerk", "clerk-secret").ok
    db.close()
    target = f"duckdb:///{tmp_path / 'target.duckdb'}"
    with pytest.raises(assurdb.AuthenticationError):
        copy(source, target, user="admin", password="wrong")
    with pytest.raises(NotAdministratorError):
        copy(source, target, user="clerk", password="clerk-secret")  # the copy holds password hashes
    assert not Path(target.removeprefix("duckdb:///")).exists()
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assurdb.create(other, admin_password=ADMIN_PASSWORD).close()
    with pytest.raises(MigrationError, match="cannot resume"):
        copy(source, other, **LOGIN, resume=True)  # an insurance database is no library


def test_units_follow_the_paths() -> None:
    schema = shipped("insurance")
    units = order(schema)
    place = {rt: (i, unit.index(rt)) for i, unit in enumerate(units) for rt in unit}
    assert sorted(place) == sorted(schema.record_types)
    # a PRA needs a guaranty: one unit, with the loss a damaged guaranty names, written before it
    assert ["PRA", "Loss", "Guaranty"] in units
    # every origin is written before its targets: no link waits for the end of the copy
    for path in schema.path_types.values():
        if not path.many_to_many and path.origin != path.target:
            assert place[path.origin] < place[path.target], path.name
