"""Layers call downwards only (DEVELOPERS.md rule 1; STYLE.md "Dependencies point one way").

metadb ← generator/templates ← generated ← domain ← engine ← assurdb. ``domain`` and
``engine`` never import SQLAlchemy, DuckDB, a driver or a generated backend: they get a session.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["metadb", "generator", "generated", "domain", "engine", "assurdb"]
DBMS_LIBRARIES = {"sqlalchemy", "duckdb", "psycopg", "psycopg2", "pymysql", "sqlite3", "alembic", "generated"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ORDER)
def test_no_upward_or_sideways_import(package: str) -> None:
    allowed = set(ORDER[: ORDER.index(package) + 1])
    bad = []
    for path in _files(package):
        for line, module in _imports(path):
            if module in ORDER and module not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "layers call downwards only:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", ["domain", "engine"])
def test_domain_and_engine_never_touch_a_dbms(package: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _files(package)
        for line, module in _imports(path)
        if module in DBMS_LIBRARIES
    ]
    assert not bad, f"{package}/ receives a session; it never imports a DBMS library:\n" + "\n".join(bad)


def test_metadb_imports_no_dbms_library() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _files("metadb")
        for line, module in _imports(path)
        if module in DBMS_LIBRARIES
    ]
    assert not bad, "importing metadb never imports a DBMS library (SPEC §3.4):\n" + "\n".join(bad)


def test_the_layering_test_sees_a_violation(tmp_path: Path) -> None:
    """The walker itself works: an upward import in a file is found."""
    bad = tmp_path / "x.py"
    bad.write_text("import sqlalchemy\nfrom generated.insurance import sqlite\n", encoding="utf-8")
    assert [m for _, m in _imports(bad)] == ["sqlalchemy", "generated"]
