"""Schema versions applied in place, on every DBMS, with data: every kind of change, renames,
refused changes (data loss, a missing default, a new constraint the data breaks), a downgrade,
the meta-database of an older assurdb upgraded, and a migration killed half-way."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import assurdb
from assurdb.metadb.loader import load
from assurdb.migrations import migrate_apply, migrate_plan, migrate_sql
from assurdb.migrations.interfaces import interface_for
from assurdb.runtime.database import Database, open_database
from assurdb.runtime.specs import Interface
from tests.conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
V1 = ROOT / "examples" / "library" / "library.yaml"
DATA = ROOT / "tests" / "data"
V2, V3, BACK = DATA / "library_v2.yaml", DATA / "library_v3.yaml", DATA / "library_v1_back.yaml"
LOGIN = {"user": "admin", "password": ADMIN_PASSWORD}


def interface(backend: str, file: Path, meta_version: int | None = None) -> Interface:
    return interface_for(load(file), backend, meta_version)[0]


def library(url: str, backend: str, *, meta_version: int | None = None) -> None:
    """A library of version 1 with a few articles of every shape, and links of every class."""
    db = open_database(interface(backend, V1, meta_version), url, create=True, admin_password=ADMIN_PASSWORD)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        s.open_db([("Author", 2), ("Book", 2), ("Member", 2), ("Loan", 2)])
        assert s.write("Author", {"code": 1, "name": "Hergé", "born": dt.date(1907, 5, 22)}).ok
        assert s.write("Author", {"code": 2, "name": "Goscinny"}).ok
        book = {
            "isbn": "9782203001015",
            "title": "Tintin au Tibet",
            "price": Decimal("12.50"),
            "subjects": ["bd", "asia"],
        }
        assert s.write_target_via_path("Author", {"code": 1}, "Book", {**book, "role": "author"}, "Writing").ok
        assert s.write("Member", {"number": 7, "name": "Dupont", "address": {"street": "rue", "city": "Namur"}}).ok
        assert s.begin().ok
        loan = {"number": 1, "lent_on": dt.date(2026, 1, 5), "due_on": dt.date(2026, 2, 5)}
        assert s.write_target_via_path("Member", {"number": 7}, "Loan", loan, "Borrowing").ok
        assert s.bound("Book", {"isbn": "9782203001015"}, "Loan", {"number": 1}, "Lending").ok
        assert s.commit().ok
    finally:
        s.close()
        db.close()


def read(url: str, backend: str, file: Path, rt: str) -> list[dict[str, Any]]:
    db = open_database(interface(backend, file), url)
    try:
        s = db.login("admin", ADMIN_PASSWORD)
        s.open_db([rt])
        rows = s.read_selection(rt, {}).batch
        s.close()
        assert rows is not None
        return [{k: (None if v is None or v != v else v) for k, v in r.items()} for r in rows.to_dict("records")]
    finally:
        db.close()


def test_every_kind_of_change_applied_with_the_data(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend)
    report = migrate_plan(url, V2, **LOGIN)
    kinds = {c.kind for c in report.plan.changes}
    assert {"rename record type", "rename item", "add item", "change item", "rename sub-item", "add key"} <= kinds
    assert {"rename path", "add path", "add record type", "rename key"} <= kinds
    assert not report.refusals, report.text()
    assert "Writer.shout" in report.text() and "compute upper(full_name)" in report.text()
    assert migrate_apply(url, V2, **LOGIN).applied
    writers = read(url, backend, V2, "Writer")
    assert [(w["code"], w["full_name"], w["country"], w["shout"]) for w in writers] == [
        (1, "Hergé", "BE", "HERGÉ!"),
        (2, "Goscinny", "BE", "GOSCINNY!"),
    ]
    [book] = read(url, backend, V2, "Book")
    assert (book["price"], book["subjects"], book["pages"]) == (Decimal("12.50"), ["bd", "asia"], None)
    [member] = read(url, backend, V2, "Member")
    assert member["address"] == {"street": "rue", "town": "Namur", "postcode": None}
    assert str(member["since"])[:10] == "2020-01-01"
    db = open_database(interface(backend, V2), url)
    try:
        s = db.login("admin", ADMIN_PASSWORD)
        s.open_db(["Writer", "Book", "Member", "Loan", "SchemaVersion", "Shelf"])
        assert s.read_target_via_path("Writer", {"code": 1}, "Authorship", "Book").article["role"] == "author"
        loan = s.read_target_via_path("Member", {"number": 7}, "Borrowing", "Loan").article
        assert loan["lending_isbn"] == "9782203001015"
        history = s.read_selection("SchemaVersion", {}).batch
        states = {(r["name"], r["version"]): r["state"] for r in history.to_dict("records")}
        assert states[("library", 1)] == "former" and states[("library", 2)] == "current"
        assert s.read_sequential("Writer", {"full_name": "G"}, key="full_name").article["code"] == 2
        assert s.read_direct("Shelf", {"code": "x"}).rc == assurdb.RC.NOT_FOUND
        s.close()
    finally:
        db.close()
    # the migrated database is the new version's, for the facade too; the former one is refused
    db = open_database(interface(backend, V2), url)
    db.close()
    with pytest.raises(assurdb.SchemaMismatchError, match="migrate"):
        open_database(interface(backend, V1), url)


def test_lossy_changes_are_refused_unless_allowed(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend)
    assert migrate_apply(url, V2, **LOGIN).applied
    report = migrate_apply(url, V3, **LOGIN)
    assert not report.applied
    lost = {f.subject: f for f in report.refusals}
    assert lost["Writer.shout"].text == "2 value(s) lost" and lost["Book.subjects"].kind == "loses data"
    assert "--allow-data-loss" in report.text()
    assert read(url, backend, V2, "Writer")[0]["shout"] == "HERGÉ!"  # nothing changed
    assert migrate_apply(url, V3, allow_data_loss=True, **LOGIN).applied
    [book] = read(url, backend, V3, "Book")
    assert book["subjects"] is None and book["title"] == "Tintin au Tibet"


def test_a_new_mandatory_item_needs_a_default_and_a_new_constraint_meets_the_data(
    make_url: Any, backend: str, tmp_path: Path
) -> None:
    url = make_url()
    library(url, backend)
    text = V1.read_text(encoding="utf-8").replace("version: 1", "version: 2")
    needs = tmp_path / "needs.yaml"
    needs.write_text(
        text.replace(
            "      born: {type: date}\n",
            "      born: {type: date}\n      nation: {type: alphanumeric, length: 2, mandatory: true}\n",
        ),
        encoding="utf-8",
    )
    report = migrate_apply(url, needs, allow_data_loss=True, **LOGIN)
    assert not report.applied
    [finding] = report.refusals
    assert finding.kind == "needs a default" and finding.subject == "Author.nation" and finding.examples == ["1", "2"]
    constraint = tmp_path / "constraint.yaml"
    constraint.write_text(
        text.replace(
            "  Borrowing:",
            "  Shelving:\n    origin: Member\n    target: Book\n    class: 1-N\n"
            "    target_needs_origin: true\n\n  Borrowing:",
        ),
        encoding="utf-8",
    )
    report = migrate_plan(url, constraint, **LOGIN)
    [finding] = report.refusals
    assert finding.subject == "path Shelving" and "1 Book article(s) would have no Member" in finding.text


def test_a_downgrade_is_a_plan_like_any_other(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend)
    assert migrate_apply(url, V2, **LOGIN).applied
    report = migrate_apply(url, BACK, **LOGIN)
    assert not report.applied and {f.subject for f in report.refusals} == {
        "Writer.shout",
        "Writer.country",
        "Member.since",
    }
    assert migrate_apply(url, BACK, allow_data_loss=True, **LOGIN).applied
    authors = read(url, backend, V1, "Author")
    assert [(a["code"], a["name"]) for a in authors] == [(1, "Hergé"), (2, "Goscinny")]
    [member] = read(url, backend, V1, "Member")
    assert member["address"] == {"street": "rue", "city": "Namur"}


def test_the_meta_database_of_an_older_assurdb_is_upgraded(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend, meta_version=1)
    with pytest.raises(assurdb.SchemaMismatchError) as caught:
        open_database(interface(backend, V1), url)
    assert caught.value.stored_meta == 1 and "upgrade it with `assurdb migrate apply" in str(caught.value)
    report = migrate_apply(url, None, **LOGIN)
    assert report.applied and report.meta_upgrade == (1, 4)
    db = open_database(interface(backend, V1), url)  # now it opens
    stored = db.stored()
    db.close()
    assert stored is not None and stored.meta_version == 4 and stored.schema.name == "library"
    assert [a["name"] for a in read(url, backend, V1, "Author")] == ["Hergé", "Goscinny"]
    assert migrate_apply(url, V2, **LOGIN).applied  # and migrates on


def test_meta_schema_3_gets_login_throttling_and_keeps_its_users(make_url: Any, backend: str) -> None:
    """Meta-schema 4 adds LoginAttempt: a database of meta-schema 3 (users, rights, a hash made by
    the older assurdb) is upgraded in place; its users log in as before, now throttled."""
    url = make_url()
    library(url, backend, meta_version=3)
    old = open_database(interface(backend, V1, 3), url)
    try:
        assert not old.throttled  # the older meta-database has no LoginAttempt: not throttled
        with old.login("admin", ADMIN_PASSWORD) as admin:
            assert admin.add_user("clerk", "clerk-secret").ok and admin.grant("clerk", "Book", 1).ok
    finally:
        old.close()
    report = migrate_apply(url, None, **LOGIN)
    assert report.applied and report.meta_upgrade == (3, 4) and report.plan.new.version == 1
    db = open_database(interface(backend, V1), url)
    try:
        assert db.throttled and db.stored() is not None and db.stored().meta_version == 4  # type: ignore[union-attr]
        with db.login("clerk", "clerk-secret") as clerk:  # the hash made before the upgrade still verifies
            assert clerk.open_db([("Book", 1)]).ok
            assert clerk.open_db([("Author", 1)]).rc == 501
        with db.login("admin", ADMIN_PASSWORD) as admin:
            listed = {r.name: r.permissions for r in admin.list_users().batch.itertuples()}
            assert listed["clerk"] == {"Book": 1} and "LoginAttempt" not in listed["admin"]
            assert admin.open_db([("LoginAttempt", 1)]).rc == 501
        for _ in range(5):
            with pytest.raises(assurdb.AuthenticationError):
                db.login("clerk", "wrong")
        with pytest.raises(assurdb.LoginLockedError):
            db.login("clerk", "clerk-secret")
    finally:
        db.close()


def test_apply_needs_an_administrator_and_no_openings(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend)
    with pytest.raises(assurdb.AuthenticationError):
        migrate_apply(url, V2, user="admin", password="wrong")
    db = open_database(interface(backend, V1), url)
    try:
        holder = db.login("admin", ADMIN_PASSWORD)
        holder.open_db(["Author"])
        with pytest.raises(assurdb.AssurdbError, match="hold openings"):
            migrate_apply(url, V2, **LOGIN)
        holder.close()
    finally:
        db.close()


def test_apply_sql_prints_the_script(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend)
    sql = migrate_sql(url, V2)
    assert "shelf" in sql.lower() and ("CREATE TABLE" in sql or "create table" in sql.lower())
    assert "converted by `assurdb migrate apply`" in sql
    assert read(url, backend, V1, "Author")  # nothing ran


KILLED = """
import sys
from assurdb.migrations import migrate_apply
migrate_apply(sys.argv[1], sys.argv[2], user="admin", password=sys.argv[3])
"""


@pytest.mark.parametrize("backend", ["mariadb", "duckdb", "sqlite"], indirect=True)
def test_a_killed_apply_leaves_a_version_and_a_rerun_finishes(make_url: Any, backend: str) -> None:
    url = make_url()
    library(url, backend)
    env = {**os.environ, "ASSURDB_MIGRATION_STEP_DELAY": "0.4"}
    child = subprocess.Popen([sys.executable, "-c", KILLED, url, str(V2), ADMIN_PASSWORD], env=env)
    if backend == "mariadb":
        # DDL commits by itself: kill once the migration is marked underway (a fixed sleep raced a
        # slow child start on a loaded machine), one slow step later
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and child.poll() is None:
            probe = Database(interface(backend, V1), url)
            marked = probe.stored()
            probe.close()
            if marked is not None and marked.migrating is not None:
                break
            time.sleep(0.2)
        time.sleep(0.5)
    else:
        time.sleep(4.0)  # well inside the 30-odd slow steps
    assert child.poll() is None, "the migration ended before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait()
    probe = Database(interface(backend, V1), url)
    stored = probe.stored()
    probe.close()
    assert stored is not None
    if backend != "mariadb":  # one transaction: rolled back whole, the former version stays
        assert stored.schema.version == 1 and stored.migrating is None
        assert [a["name"] for a in read(url, backend, V1, "Author")] == ["Hergé", "Goscinny"]
    else:  # DDL commits by itself: the migration is marked underway, and nobody connects half-way
        assert stored.migrating is not None and stored.migrating.version == 2
        with pytest.raises(assurdb.SchemaMismatchError, match="interrupted"):
            open_database(interface(backend, V2), url)
    assert migrate_apply(url, V2, **LOGIN).applied
    assert [w["full_name"] for w in read(url, backend, V2, "Writer")] == ["Hergé", "Goscinny"]


ALEMBIC_ENV = """
import sqlalchemy as sa
from alembic import context

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # outside any transaction, or SQLite ignores it
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_script_is_an_alembic_revision_alembic_runs(make_url: Any, backend: str, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    url = make_url()
    library(url, backend)
    env = tmp_path / "migrations"
    env.mkdir()
    (env / "env.py").write_text(ALEMBIC_ENV, encoding="utf-8")
    revision = assurdb.migrate_script(url, V2, env / "versions")
    text = revision.read_text(encoding="utf-8")
    assert "op.create_table('shelf'" in text or 'op.create_table("shelf"' in text, text[:3000]
    config = Config()
    config.set_main_option("script_location", str(env))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolates
    command.upgrade(config, "head")  # the DBA's command, not assurdb's
    writers = read(url, backend, V2, "Writer")
    assert [(w["code"], w["full_name"], w["shout"]) for w in writers] == [
        (1, "Hergé", "HERGÉ!"),
        (2, "Goscinny", "GOSCINNY!"),
    ]
    with pytest.raises(assurdb.SchemaMismatchError):
        open_database(interface(backend, V1), url)
