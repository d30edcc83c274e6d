"""Proof of life between processes that log in to the DBMS as different accounts (audit D3).

An ordinary account does not see the others' connections (``pg_stat_activity``, MariaDB's process
list): a live holder must not look dead to it, and a dead one must still be reclaimed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

import assurdb
from assurdb import RC
from tests.conftest import ADMIN_PASSWORD, MYSQL_URL, PG_URL, RUN, _worker
from tests.interface.helpers import ok

pytestmark = pytest.mark.parametrize("backend", ["postgresql", "mariadb"])


def _superuser(backend: str) -> sa.Engine:
    return sa.create_engine(PG_URL if backend == "postgresql" else MYSQL_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture
def account_urls(backend: str, make_url: Any) -> Iterator[list[str]]:
    """The URLs of a new database for two DBMS accounts of their own (named after this test),
    granted what a session needs there and nothing more; dropped at the end."""
    url = make_url()
    assurdb.create(url, admin_password=ADMIN_PASSWORD).close()
    address = sa.engine.make_url(url)
    tag = uuid.uuid4().hex[:6]
    names = [f"proof_of_life_{RUN}_{_worker()}_{tag}_{n}".lower() for n in (1, 2)]
    engine = _superuser(backend)
    with engine.connect() as cx:
        for name in names:
            if backend == "postgresql":
                schema = str(address.query["options"]).split("=", 1)[1]
                cx.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
                cx.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO "{name}"')
                tables = f'ALL TABLES IN SCHEMA "{schema}"'
                cx.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO "{name}"')
            else:
                cx.exec_driver_sql(f"CREATE USER '{name}'@'%%'")
                cx.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON `{address.database}`.* TO '{name}'@'%%'")
    try:
        yield [address.set(username=name).render_as_string(hide_password=False) for name in names]
    finally:
        with engine.connect() as cx:
            for name in names:
                if backend == "postgresql":
                    cx.exec_driver_sql(f'DROP OWNED BY "{name}"')
                    cx.exec_driver_sql(f'DROP ROLE "{name}"')
                else:
                    cx.exec_driver_sql(f"DROP USER '{name}'@'%%'")
        engine.dispose()


def _kill(backend: str, session: Any) -> None:
    """End a session's server connection as the superuser (its process dies, in effect)."""
    if backend == "postgresql":
        ident = session.conn.one("SELECT pg_backend_pid()")[0]
        statement = f"SELECT pg_terminate_backend({int(ident)})"
    else:
        ident = session.conn.one("SELECT CONNECTION_ID()")[0]
        statement = f"KILL {int(ident)}"
    engine = _superuser(backend)
    with engine.connect() as cx:
        cx.exec_driver_sql(statement)
    engine.dispose()


def _open_within(session: Any, openings: list[tuple[str, int]], seconds: float) -> Any:
    """OPEN DB, again while it answers 600+i (a killed connection takes a moment to end)."""
    deadline = time.monotonic() + seconds
    while True:
        reply = session.open_db(openings)
        if not 600 < reply.rc < 700 or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def test_a_live_holder_of_another_account_is_not_taken_over(backend: str, account_urls: list[str]) -> None:
    first, second = (assurdb.connect(url) for url in account_urls)
    a = first.login("admin", ADMIN_PASSWORD)
    b = second.login("admin", ADMIN_PASSWORD)
    try:
        ok(a.open_db([("Insured", 2)]))
        refused = b.open_db([("Loss", 1), ("Insured", 2)])
        assert refused.rc == 602 and refused.position == 2, refused
        ok(b.open_db([("Insured", 1)]))  # 1 with 2 stays compatible
        ok(b.close_db())
        _kill(backend, a)  # the holder's connection dies, its openings stay behind
        ok(_open_within(b, [("Insured", 2)], 10))
        assert a.write("Insured", {"code": 1, "name": "GONE"}).rc == RC.DBMS_FAILURE
    finally:
        a.close()  # its connection is dead: closing it neither raises nor pools it
        b.close()
        first.close()
        second.close()


def test_the_proof_of_life_ends_with_the_session(backend: str, account_urls: list[str]) -> None:
    first, second = (assurdb.connect(url) for url in account_urls)
    b = second.login("admin", ADMIN_PASSWORD)
    try:
        for _ in range(2):  # the pool gives the first connection back to the next session
            a = first.login("admin", ADMIN_PASSWORD)
            ok(a.open_db([("Insured", 2)]))
            proof = a.conn.holder(a.id).partition("|")[0]
            assert b.conn.servers_alive({proof}) == {proof}
            assert b.open_db([("Insured", 2)]).rc == 601
            a.close()
            assert b.conn.servers_alive({proof}) == set()  # released on close, not left in the pool
            ok(b.open_db([("Insured", 2)]))
            ok(b.close_db())
    finally:
        b.close()
        first.close()
        second.close()
