"""Differential test: random request sequences give identical return codes and
articles on SQLite, DuckDB, PostgreSQL and MariaDB (not the wording of 999 messages).

Hypothesis draws sequences over a small universe of insured, contracts, guaranties and losses
so that collisions (duplicates, missing origins, constraints at the end of units) are frequent.
``make soak`` (ASSURDB_SOAK=1) runs many more examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assurdb
from tests.conftest import ADMIN_PASSWORD, BACKENDS, require_backend

SOAK = os.environ.get("ASSURDB_SOAK") == "1"
EXAMPLES = 400 if SOAK else 20

DATA_RTS = ("Insured", "PRA", "Guaranty", "Loss")

names = st.sampled_from(["A", "AB", "B", "DUP", "DUPONT", "Dupont", "É", "O'B", "", "x" * 25, "x" * 26])
codes = st.integers(1, 4)
policies = st.sampled_from(["P1", "P2", "P3"])
dates = st.sampled_from([date(1986, 1, 1), date(1986, 6, 30), date(1987, 2, 1)])
money = st.sampled_from([Decimal("0"), Decimal("12.30"), Decimal("1.005"), 7, 0.25, "12"])


def _pra(policy: str, renewal: int, **extra: Any) -> dict[str, Any]:
    return {"policy_no": policy, "renewal_no": renewal, "endorsement_no": 0, **extra}


pra_ids = st.builds(_pra, policies, st.integers(0, 1))
insured_articles = st.fixed_dictionaries(
    {"code": codes, "name": names},
    optional={
        "phone": st.lists(st.sampled_from(["1", "22"]), max_size=4),
        "address": st.sampled_from([None, {"city": "Namur"}, {"city": "N", "country": "BE"}, {"town": "x"}]),
    },
)
pra_articles = st.builds(
    lambda i, cls, start, premium, insured, extra: {
        **i,
        "class_of_business": cls,
        "cover_start": start,
        "cover_end": date(1987, 12, 31),
        "premium": premium,
        **({"insurance_code": insured} if insured else {}),
        **extra,
    },
    pra_ids,
    st.sampled_from(["FIRE", "MARINE"]),
    dates,
    money,
    st.one_of(st.none(), codes),
    st.sampled_from([{}, {"colour": 1}, {"cover_start": None}]),
)
guaranty_articles = st.builds(
    lambda i, n, peril: {**i, "guaranty_no": n, "peril": peril}, pra_ids, st.integers(1, 2), st.sampled_from(["F", "W"])
)
loss_articles = st.builds(
    lambda code, when, pra: {
        "code": code,
        "loss_date": when,
        **(
            {
                "accident_policy_no": pra["policy_no"],
                "accident_renewal_no": pra["renewal_no"],
                "accident_endorsement_no": 0,
            }
            if pra
            else {}
        ),
    },
    st.sampled_from(["L1", "L2"]),
    dates,
    st.one_of(st.none(), pra_ids),
)

operations = st.one_of(
    st.tuples(st.just("write"), st.just("Insured"), insured_articles),
    st.tuples(st.just("write"), st.just("PRA"), pra_articles),
    st.tuples(st.just("write"), st.just("Guaranty"), guaranty_articles),
    st.tuples(st.just("write"), st.just("Loss"), loss_articles),
    st.tuples(st.just("write_batch"), st.just("Insured"), st.lists(insured_articles, max_size=4)),
    st.tuples(st.just("rewrite"), st.just("Insured"), insured_articles),
    st.tuples(st.just("rewrite"), st.just("PRA"), pra_articles),
    st.tuples(st.just("delete"), st.just("Insured"), st.builds(lambda c: {"code": c}, codes)),
    st.tuples(st.just("delete"), st.just("PRA"), pra_ids),
    st.tuples(st.just("delete"), st.just("Guaranty"), guaranty_articles),
    st.tuples(st.just("read_direct"), st.just("Insured"), st.builds(lambda c: {"code": c}, codes)),
    st.tuples(st.just("read_direct_name"), st.just("Insured"), st.builds(lambda n: {"name": n}, names)),
    st.tuples(st.just("read_sequential_name"), st.just("Insured"), st.builds(lambda n: {"name": n}, names)),
    st.tuples(st.just("read_sequential"), st.just("PRA"), st.builds(lambda p: {"policy_no": p}, policies)),
    st.tuples(
        st.just("read_selection"),
        st.just("Insured"),
        st.sampled_from([{}, {"name": ("A", "D")}, {"code": (2, 3)}, {"email": "x"}]),
    ),
    st.tuples(st.just("targets"), st.just("Insured"), st.builds(lambda c: {"code": c}, codes)),
    st.tuples(st.just("origin"), st.just("PRA"), pra_ids),
    st.tuples(st.just("bound"), st.just("Insured"), st.tuples(codes, pra_ids)),
    st.tuples(st.just("debound"), st.just("Insured"), st.tuples(codes, pra_ids)),
    st.tuples(st.just("write_target"), st.just("PRA"), st.tuples(pra_ids, guaranty_articles)),
    st.tuples(st.just("begin"), st.just(""), st.none()),
    st.tuples(st.just("commit"), st.just(""), st.none()),
    st.tuples(st.just("rollback"), st.just(""), st.none()),
)


def _run(s: Any, op: tuple[str, str, Any]) -> Any:
    kind, rt, arg = op
    if kind == "write":
        return s.write(rt, arg)
    if kind == "write_batch":
        return s.write_batch(rt, arg)
    if kind == "rewrite":
        return s.rewrite(rt, arg)
    if kind == "delete":
        return s.delete(rt, arg)
    if kind == "read_direct":
        return s.read_direct(rt, arg)
    if kind == "read_direct_name":
        return s.read_direct(rt, arg, key="name")
    if kind == "read_sequential_name":
        return s.read_sequential(rt, arg, key="name")
    if kind == "read_sequential":
        return s.read_sequential(rt, arg)
    if kind == "read_selection":
        return s.read_selection(rt, arg)
    if kind == "targets":
        return s.read_target_via_path("Insured", arg, "Insurance", "PRA")
    if kind == "origin":
        return s.read_origin_via_path("Insured", "Insurance", "PRA", arg)
    if kind == "bound":
        return s.bound("Insured", {"code": arg[0]}, "PRA", arg[1], "Insurance")
    if kind == "debound":
        return s.debound("Insured", {"code": arg[0]}, "PRA", arg[1], "Insurance")
    if kind == "write_target":
        body = {k: v for k, v in arg[1].items() if k not in ("policy_no", "renewal_no", "endorsement_no")}
        return s.write_target_via_path("PRA", arg[0], "Guaranty", body, "Breakdown")
    return getattr(s, kind)()


def _outcome(reply: Any) -> Any:
    """What must agree: the code, the article, the batch's rows (not 999's wording)."""
    batch = None
    if reply.batch is not None:
        frame = reply.batch.astype(object).where(reply.batch.notna(), None)
        batch = [tuple(row) for row in frame.itertuples(index=False)]
    return (int(reply.rc), reply.article, reply.position, batch)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory, namespaces: Any) -> Iterator[dict[str, Any]]:
    out: dict[str, Any] = {}
    dbs = []
    for backend in BACKENDS:
        require_backend(backend)
        folder = tmp_path_factory.mktemp(f"diff-{backend}")
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'd.db'}"
        elif backend == "duckdb":
            url = f"duckdb:///{folder / 'd.duckdb'}"
        else:
            url = namespaces.url(backend, "diff")
        db = assurdb.create(url, admin_password=ADMIN_PASSWORD)
        dbs.append(db)
        out[backend] = (db, db.login("admin", ADMIN_PASSWORD))
    yield out
    for db, s in out.values():
        s.close()
        db.close()


def _reset(db: Any, s: Any) -> None:
    """Empty the data tables between examples (the test's own housekeeping, not a request)."""
    if s.in_unit:
        s.rollback()
    s.close_db()
    tables = [db.records[rt].table for rt in ("Loss", "Guaranty", "PRA", "Insured")]
    with db.system_session() as system:
        d = system.conn
        if db.dbms == "mariadb":
            d.run("SET FOREIGN_KEY_CHECKS = 0")
        d.begin()
        for table in tables:
            d.run(f"DELETE FROM {table}")
        d.commit()
        if db.dbms == "mariadb":
            d.run("SET FOREIGN_KEY_CHECKS = 1")
    assert s.open_db([(rt, 2) for rt in DATA_RTS]).rc == 0


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operations, min_size=1, max_size=14))
def test_same_calls_same_codes_same_articles(sessions: dict[str, Any], ops: list[tuple[str, str, Any]]) -> None:
    for db, s in sessions.values():
        _reset(db, s)
    for step, op in enumerate(ops):
        outcomes = {backend: _outcome(_run(s, op)) for backend, (_, s) in sessions.items()}
        reference = outcomes["sqlite"]
        for backend, outcome in outcomes.items():
            assert outcome == reference, f"step {step} {op}: {backend} {outcome} != sqlite {reference}"
