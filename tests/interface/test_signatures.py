"""Every generated backend implements the one contract (Ibis ``tests/test_signatures.py``)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from assurdb.facade import load_interface
from assurdb.metadb.contract import Action, Session
from assurdb.runtime.backends import BACKENDS as BACKEND_CLASSES
from assurdb.runtime.backends import Backend

BACKENDS = ("sqlite", "postgresql", "mariadb", "duckdb")


def _members(cls: type) -> dict[str, object]:
    return {n: m for n, m in inspect.getmembers(cls, predicate=inspect.isfunction) if not n.startswith("_")}


def test_generated_session_matches_the_protocol() -> None:
    router = importlib.import_module("assurdb.generated.insurance.router")
    session_cls = router.Session
    for name, member in _members(Session).items():
        implemented = getattr(session_cls, name)
        expected = inspect.signature(member)  # type: ignore[arg-type]
        actual = inspect.signature(implemented)
        assert list(actual.parameters) == list(expected.parameters), name
        for param, exp in expected.parameters.items():
            assert actual.parameters[param].default == exp.default, (name, param)
            assert actual.parameters[param].kind == exp.kind, (name, param)
    for action in Action:
        assert callable(getattr(session_cls, action.method)), action
    assert {"user", "schema"} <= set(dir(session_cls))  # "opened" is set per session, in __init__


@pytest.mark.parametrize("dbms", BACKENDS)
def test_every_backend_class_keeps_the_base_signatures(dbms: str) -> None:
    """A backend overrides the base class's methods with the same parameters (Ibis' signature test)."""
    cls = BACKEND_CLASSES[dbms]
    for name, member in _members(Backend).items():
        mine = getattr(cls, name)
        assert list(inspect.signature(mine).parameters) == list(inspect.signature(member).parameters), (dbms, name)  # type: ignore[arg-type]
    assert cls.name == dbms and cls.schemes


@pytest.mark.parametrize("dbms", BACKENDS)
def test_one_module_per_action_code_one_function_per_record_or_path_type(dbms: str) -> None:
    interface = load_interface()
    schema = interface.schema
    compiled = interface.compiled(dbms)
    assert set(compiled.records) == set(schema.record_types)
    assert set(compiled.paths) == set(schema.path_types)
    for action in Action:
        try:
            module = importlib.import_module(f"assurdb.generated.insurance.{action.method}")
        except ModuleNotFoundError:
            # OPEN DB, CLOSE RT/DB, BEGIN, COMMIT, ROLLBACK act on the session, not a record type
            assert action.method in ("open_db", "close_rt", "close_db", "begin", "commit", "rollback"), action
            continue
        if hasattr(module, "BY_RT"):
            assert set(module.BY_RT) == set(schema.record_types), action
        else:
            assert set(module.BY_PT) == set(schema.path_types), action


def test_public_api_of_spec_10() -> None:
    import assurdb

    for name in (
        "create",
        "connect",
        "Action",
        "RC",
        "Mode",
        "AuthenticationError",
        "SchemaMismatchError",
        "DatabaseLockedError",
    ):
        assert hasattr(assurdb, name), name
    assert [int(a) for a in assurdb.Action] == [
        10,
        18,
        19,
        20,
        21,
        22,
        30,
        31,
        40,
        41,
        42,
        43,
        50,
        51,
        60,
        70,
        71,
        80,
        81,
        82,
    ]
    assert (assurdb.Mode.CONSULT, assurdb.Mode.MODIFY_SHARED, assurdb.Mode.MODIFY_EXCLUSIVE) == (1, 2, 3)
    expected_rc = {
        "OK": 0,
        "ACTION_UNKNOWN": 1,
        "RT_UNKNOWN": 10,
        "RT_MISMATCH": 11,
        "KEY_NOT_ACCESS": 12,
        "VALUE_INVALID": 13,
        "TARGET_RT_UNKNOWN": 20,
        "TARGET_MISMATCH": 21,
        "TARGET_KEY_NOT_ACCESS": 22,
        "TARGET_VALUE_INVALID": 23,
        "PATH_INVALID": 30,
        "NOT_FOUND": 400,
        "TARGET_NOT_FOUND": 401,
        "ALREADY_EXISTS": 500,
        "TARGET_ALREADY_EXISTS": 501,
        "MODE_FORBIDS": 600,
        "ALREADY_OPEN": 700,
        "ALREADY_CLOSED": 800,
        "ORIGIN_CONSTRAINT": 900,
        "TARGET_CONSTRAINT": 901,
        "DBMS_FAILURE": 999,
    }
    assert {m.name: int(m) for m in assurdb.RC} == expected_rc
    from assurdb.engine.reserving import chain_ladder
    from assurdb.engine.solvency import premium_reserve_scr

    assert callable(chain_ladder) and callable(premium_reserve_scr)
