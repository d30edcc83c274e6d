"""A WRITE BATCH the DBMS refuses leaves its connection fit for the next requests, in the same
session and in the next ones that get it from the pool (audit D2: on PostgreSQL, psycopg went on
naming prepared statements the server did not have, and every later write answered 999)."""

from __future__ import annotations

from typing import Any

import pytest

from assurdb import RC
from tests.conftest import ADMIN_PASSWORD
from tests.interface.helpers import insured, ok


def _refused(s: Any, first: int) -> None:
    """A batch of 300 whose article 150 is a duplicate the interface leaves to the DBMS to find."""
    batch = [insured(first + i, "BATCH") for i in range(300)]
    batch[150] = insured(1, "DUPLICATE")
    reply = s.write_batch("Insured", batch)
    assert reply.rc == RC.ALREADY_EXISTS and reply.position == 150, reply


def _valid_writes(s: Any, first: int) -> None:
    for code in range(first, first + 8):  # past psycopg's prepare threshold (5)
        ok(s.write("Insured", insured(code, "AFTER")))
        ok(s.read_direct("Insured", {"code": code}))
    ok(s.write_batch("Insured", [insured(first + 100 + i, "AFTER") for i in range(300)]))
    ok(s.begin())
    ok(s.write("Insured", insured(first + 500, "UNIT")))
    ok(s.commit())


def _scenario(db: Any) -> None:
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(s.open_db([("Insured", 2)]))
        for code in range(1, 9):  # statements run often enough to be prepared on PostgreSQL
            ok(s.write("Insured", insured(code, "BEFORE")))
            ok(s.read_direct("Insured", {"code": code}))
        _refused(s, 1000)
        _valid_writes(s, 2000)
        ok(s.begin())  # refused inside a unit: the unit goes on
        _refused(s, 3000)
        ok(s.write("Insured", insured(3500, "UNIT")))
        ok(s.commit())
        _valid_writes(s, 4000)
    finally:
        s.close()
    for first in (5000, 6000):  # new sessions, on the connections the pool gives back
        t = db.login("admin", ADMIN_PASSWORD)
        try:
            ok(t.open_db([("Insured", 2)]))
            _valid_writes(t, first)
        finally:
            t.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_valid_writes_after_a_refused_batch_answer_zero(db: Any) -> None:
    _scenario(db)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_refusal_resets_the_connection_for_the_same_session(db: Any) -> None:
    """Made certain: while the DBMS refuses the batch, the server also forgets its prepared
    statements behind psycopg's back (libpq directly). psycopg forgets its own only when a ROLLBACK
    is new to its cache, which this one is not; the session resets the connection itself once the
    refused batch is rolled back (DEALLOCATE ALL, psycopg's cache cleared)."""
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(s.open_db([("Insured", 2)]))
        ok(s.write("Insured", insured(1, "FIRST")))
        _refused(s, 1000)
        ok(s.begin())
        ok(s.rollback())  # psycopg has now seen ROLLBACK: the next one does not clear its cache
        for code in range(10, 18):  # run often enough to be prepared
            ok(s.write("Insured", insured(code, "BEFORE")))
            ok(s.read_direct("Insured", {"code": code}))
        conn = s.conn
        run_many = conn.run_many

        def refused_and_forgotten(sql: str, rows: Any) -> None:
            conn.run_many = run_many  # once
            conn.cx.pgconn.exec_(b"DEALLOCATE ALL")
            run_many(sql, rows)

        conn.run_many = refused_and_forgotten
        _refused(s, 2000)
        _valid_writes(s, 3000)
    finally:
        s.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_that_saw_an_error_does_not_go_back_to_the_pool_as_it_was(db: Any) -> None:
    """Whatever state a refusal leaves the driver in, the pool never hands it to a new session. Made
    certain here: after the refused batch, the server forgets its prepared statements behind
    psycopg's back (libpq directly) — the state D2 left psycopg in, naming statements the server
    did not have."""
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        ok(s.open_db([("Insured", 2)]))
        for code in range(1, 9):  # run often enough to be prepared
            ok(s.write("Insured", insured(code, "BEFORE")))
            ok(s.read_direct("Insured", {"code": code}))
        _refused(s, 1000)
        for code in range(10, 18):  # prepared again since
            ok(s.write("Insured", insured(code, "BETWEEN")))
            ok(s.read_direct("Insured", {"code": code}))
        s.conn.cx.pgconn.exec_(b"DEALLOCATE ALL")
    finally:
        s.close()
    for first in (5000, 6000, 7000):
        t = db.login("admin", ADMIN_PASSWORD)
        try:
            ok(t.open_db([("Insured", 2)]))
            _valid_writes(t, first)
        finally:
            t.close()
