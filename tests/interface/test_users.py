"""Users, permissions, the facade and the meta-database read through the interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

import assurdb
from assurdb import RC
from tests.conftest import ADMIN_PASSWORD
from tests.interface.helpers import ok


def test_users_and_permissions(db: Any, admin: Any) -> None:
    ok(admin.add_user("alice", "s3cret"))
    ok(admin.grant("alice", "Insured", assurdb.Mode.MODIFY_SHARED))
    ok(admin.grant("alice", "PRA", 1))
    with pytest.raises(assurdb.AuthenticationError):
        db.login("alice", "wrong")
    with pytest.raises(assurdb.AuthenticationError):
        db.login("nobody", "s3cret")
    alice = db.login("alice", "s3cret")
    try:
        assert alice.user == "alice"
        assert alice.open_db([("Insured", 3)]).rc == 501
        assert alice.open_db([("Insured", 2), ("PRA", 2)]).rc == 502
        assert alice.open_db([("Loss", 1)]).rc == 501
        ok(alice.open_db([("Insured", 2), ("PRA", 1)]))
        ok(alice.write("Insured", {"code": 1, "name": "A"}))
        ok(admin.grant("alice", "PRA", 2))  # granting again replaces the mode, for the live session too
        ok(alice.open_db([("PRA", 2)]))
    finally:
        alice.close()
    assert admin.add_user("alice", "again").rc == RC.ALREADY_EXISTS
    assert admin.grant("alice", "Nope", 1).rc == RC.RT_UNKNOWN
    assert admin.grant("bob", "PRA", 1).rc == RC.NOT_FOUND
    db.login("alice", "s3cret").close()  # the refused add_user changed nothing


def test_passwords_are_kept_as_salted_hashes(db: Any, admin: Any) -> None:
    ok(admin.add_user("carol", "same"))
    ok(admin.add_user("dave", "same"))
    with db.system_session() as system:  # only the system's own sessions read a hash
        system.opened["User"] = 1
        carol = system.read_direct("User", {"name": "carol"}).article
        dave = system.read_direct("User", {"name": "dave"}).article
    assert "same" not in carol["password_hash"] and carol["password_hash"].startswith("scrypt$")
    assert carol["password_hash"] != dave["password_hash"]  # salted
    ok(admin.open_db([("Permission", 1)]))
    grant = admin.read_direct("Permission", {"user": "admin", "record_type": "Loss"})
    assert grant.article["mode"] == 3


def test_the_meta_database_is_read_through_the_interface(db: Any, admin: Any) -> None:
    ok(admin.open_db([("RecordType", 1), ("Item", 1), ("PathType", 1), ("SchemaVersion", 1), ("AccessKey", 1)]))
    version = admin.read_direct("SchemaVersion", {"name": "insurance", "version": db.schema.version}).article
    assert version["fingerprint"] == db.interface.fingerprint and version["state"] == "current"
    assert version["applied_by"] == "admin" and version["parts"] > 0
    meta = admin.read_direct("SchemaVersion", {"name": "meta", "version": db.interface.meta_version}).article
    assert meta["state"] == "current"
    item = admin.read_direct("Item", {"owner": "Insured", "name": "name"}).article
    assert (item["type"], item["length"], item["access_key"], item["mandatory"]) == ("alphanumeric", 25, True, True)
    key = admin.read_direct("AccessKey", {"record_type": "PRA", "name": "id"}).article
    assert key["items"] == ["policy_no", "renewal_no", "endorsement_no"]
    path = admin.read_direct("PathType", {"name": "Breakdown"}).article
    assert (path["origin"], path["target"], path["class"], path["identifying"]) == ("PRA", "Guaranty", "1-N", True)
    names = []
    reply = admin.read_sequential("RecordType", {"position": 1}, key="position")
    while reply.rc == RC.OK:
        names.append(reply.article["name"])
        reply = admin.read_sequential("RecordType", reply.article, key="position")
    assert names[:3] == ["ECS", "OrgCell", "Employee"] and "Opening" in names
    assert len(names) == len(db.schema.record_types)


def test_connect_checks_the_schema_fingerprint(make_url: Any, backend: str) -> None:
    url = make_url()
    assurdb.create(url, admin_password=ADMIN_PASSWORD).close()
    with pytest.raises(assurdb.BackendError, match="already holds"):
        assurdb.create(url, admin_password=ADMIN_PASSWORD)
    db = assurdb.connect(url)
    try:
        ok(db.login("admin", ADMIN_PASSWORD).open_db(["Insured"]))
        with db.system_session() as system:
            table = "meta_schema_version"
            system.conn.begin()
            system.conn.run(f"UPDATE {table} SET fingerprint = 'x' WHERE name = 'insurance'")
            system.conn.commit()
    finally:
        db.close()
    with pytest.raises(assurdb.SchemaMismatchError, match="migrate the database") as caught:
        assurdb.connect(url)
    # the facts travel as attributes: nobody parses the message
    assert caught.value.stored == assurdb.SchemaVersion("insurance", 3, "x")
    assert caught.value.interface.name == "insurance" and caught.value.interface.fingerprint != "x"
    assert caught.value.package == "assurdb.generated.insurance"
    assert isinstance(caught.value, assurdb.AssurdbError)


def test_connect_to_something_that_is_not_an_assurdb_database(make_url: Any, backend: str) -> None:
    url = make_url()
    if backend in ("sqlite", "duckdb"):
        # a file that is not there is not created by looking at it
        with pytest.raises(assurdb.DatabaseNotFoundError, match="assurdb init") as missing:
            assurdb.connect(url)
        assert not Path(missing.value.path).exists()
        if backend == "sqlite":
            sa.create_engine(url).connect().close()  # an empty file: a database, not an assurdb one
        else:
            duckdb.connect(missing.value.path).close()
    with pytest.raises(assurdb.SchemaMismatchError, match="assurdb init") as caught:
        assurdb.connect(url)
    assert caught.value.stored is None


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("oracle://x/y", "unsupported"),
        ("company.db", "not a database URL"),
        ("sqlite://", "needs a database file"),
        ("duckdb:///:memory:", "needs a database file"),
    ],
)
def test_bad_urls(url: str, match: str) -> None:
    with pytest.raises(assurdb.BackendError, match=match):
        assurdb.create(url, admin_password="x")
    with pytest.raises(assurdb.AssurdbError):
        assurdb.create("sqlite:///x.db")  # no admin password


@pytest.mark.parametrize(
    ("user", "password"),
    [
        (b"admin", ADMIN_PASSWORD),
        (["admin"], ADMIN_PASSWORD),
        (None, ADMIN_PASSWORD),
        ("adm\ud800", ADMIN_PASSWORD),  # a lone surrogate no driver can encode
        ("ad\x00min", ADMIN_PASSWORD),
        ("a" * 500, ADMIN_PASSWORD),
        ("admin", b"secret"),
        ("admin", "p\ud800ss"),
        ("admin", None),
        ("system", ADMIN_PASSWORD),  # the system's own sessions' name: no login takes it
    ],
)
def test_login_refuses_bad_arguments_on_every_dbms(db: Any, user: Any, password: Any) -> None:
    with pytest.raises(assurdb.AuthenticationError):
        db.login(user, password)
    db.login("admin", ADMIN_PASSWORD).close()  # nothing was left half-done


@pytest.mark.parametrize(
    ("name", "password"),
    [("clerk\ud800", "pw"), ("clerk", "p\x00w"), (b"clerk", "pw"), ("system", "pw"), ("", "pw"), ("x" * 41, "pw")],
)
def test_add_user_refuses_names_and_passwords_no_driver_can_store(admin: Any, name: Any, password: Any) -> None:
    reply = admin.add_user(name, password)
    assert reply.rc == RC.VALUE_INVALID, repr(reply)
    assert list(admin.list_users().batch["name"]) == ["admin"]  # a failed request changes nothing


def test_an_unknown_user_costs_a_password_verification(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """User enumeration by timing: a refusal verifies a password hash whether the name exists or
    not (an unknown name against a dummy hash), so both cost one scrypt."""
    import assurdb.runtime.database as database

    calls: list[str] = []
    real = database.verify_password

    def counted(password: str, stored: str) -> bool:
        calls.append(stored)
        return real(password, stored)

    monkeypatch.setattr(database, "verify_password", counted)
    for user in ("admin", "nobody", b"admin"):
        with pytest.raises(assurdb.AuthenticationError):
            db.login(user, "wrong")
    assert len(calls) == 3 and calls[1] == calls[2] != calls[0]  # the dummy hash for both unknowns
