"""Layers call downwards only (STYLE.md "Dependencies point one way"), in one namespace.

metadb ← runtime ← generator/templates ← generated ← domain ← engine ← screens ← web ← assurdb
(the facade, CLI and demo). ``domain``, ``engine``, ``screens`` and ``web`` never import
SQLAlchemy, DuckDB, a driver, the runtime or a generated backend: they get a session. ``screens``
and ``web`` live in the package folder (``assurdb/screens/``, ``assurdb/web/``). Every module has
one import name, ``assurdb.<layer>…``: the old top-level names (``metadb``, ``engine``…) are never
imported. No import cycles.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Layers, lowest first; a module may import its own layer and those to its left.
ORDER = ["metadb", "runtime", "generator", "templates", "generated", "domain", "engine", "screens", "web", "assurdb"]
LAYER_DIRS = ORDER[:-1]
#: Layers that live in the package folder itself (``assurdb/screens/``), not in a top-level folder.
INSIDE = {"screens", "web"}
DBMS_LIBRARIES = {"sqlalchemy", "duckdb", "psycopg", "psycopg2", "pymysql", "sqlite3", "alembic"}
#: What a layer handed a session never touches either: the DBMS libraries and Arrow, the columnar
#: DBMS's own format (the domain and the engine work on the pandas frames every backend answers).
#: The meta-database's value checks may use Arrow's compute functions on a batch's columns (a core
#: dependency, like numpy): Arrow is a format there, not a way to a DBMS.
SESSION_ONLY = DBMS_LIBRARIES | {"pyarrow"}


def _layer_of(module: str) -> str | None:
    """``assurdb.metadb.model`` → ``metadb``; ``assurdb.cli`` → ``assurdb``; others → None."""
    parts = module.split(".")
    if parts[0] != "assurdb":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYER_DIRS else "assurdb"


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only: never imported)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def _imports(path: Path, *, typing_too: bool = True) -> list[tuple[int, str]]:
    """Absolute imports of a file (relative ones stay inside their package), in functions too;
    ``typing_too=False`` leaves out those under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree) if typing_too else _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _own_files(layer: str) -> list[Path]:
    """The files of a layer (``assurdb/`` without the links to the other layers)."""
    if layer in INSIDE:
        return sorted((ROOT / "assurdb" / layer).rglob("*.py"))
    if layer != "assurdb":
        return sorted((ROOT / layer).rglob("*.py"))
    own = [ROOT / "assurdb" / "cli", *(p for p in (ROOT / "assurdb").iterdir() if p.suffix == ".py")]
    out: list[Path] = []
    for entry in own:
        out.extend(sorted(entry.rglob("*.py")) if entry.is_dir() else [entry])
    return out


@pytest.mark.parametrize("layer", ORDER)
def test_no_upward_or_sideways_import(layer: str) -> None:
    allowed = set(ORDER[: ORDER.index(layer) + 1])
    bad = []
    for path in _own_files(layer):
        for line, module in _imports(path):
            target = _layer_of(module)
            if target is not None and target not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "layers call downwards only:\n" + "\n".join(bad)


@pytest.mark.parametrize("layer", ["domain", "engine", "screens", "web"])
def test_domain_and_engine_never_touch_a_dbms(layer: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _own_files(layer)
        for line, module in _imports(path)
        if module.split(".")[0] in SESSION_ONLY or _layer_of(module) in ("runtime", "generator", "generated")
    ]
    assert _own_files(layer), f"no files found for layer {layer}"
    assert not bad, f"{layer}/ receives a session; it never imports a DBMS library or a backend:\n" + "\n".join(bad)


def test_metadb_imports_no_dbms_library() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _own_files("metadb")
        for line, module in _imports(path)
        if module.split(".")[0] in DBMS_LIBRARIES
    ]
    assert not bad, "importing assurdb.metadb never imports a DBMS library:\n" + "\n".join(bad)


def test_one_import_name_per_module() -> None:
    """The source tree is imported as ``assurdb.metadb``…, never as ``metadb`` (two ``RC`` classes)."""
    bad = []
    for layer in ORDER:
        for path in _own_files(layer):
            for line, module in _imports(path):
                if module.split(".")[0] in LAYER_DIRS:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    for path in sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py")):
        for line, module in _imports(path):
            if module.split(".")[0] in LAYER_DIRS:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, "import assurdb.<layer>…, not the top-level folder:\n" + "\n".join(bad)


def test_importing_everything_loads_no_top_level_copy() -> None:
    """Import every module of the package in a fresh interpreter: none appears under an old name."""
    code = (
        "import importlib, pkgutil, sys, assurdb\n"
        "for m in pkgutil.walk_packages(assurdb.__path__, 'assurdb.'):\n"
        "    if '.cli' in m.name or m.name.endswith('__main__'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {LAYER_DIRS!r})\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_import_cycles() -> None:
    """Imports form a DAG: an import inside a function does not hide a cycle, it counts (only
    annotations under ``if TYPE_CHECKING:`` are left out, since they are never imported)."""
    graph: dict[str, set[str]] = {}
    for layer in ORDER:
        for path in _own_files(layer):
            name = _module_name(path)
            deps = graph.setdefault(name, set())
            for _, module in _imports(path, typing_too=False):
                if module.startswith("assurdb"):
                    deps.add(module)
            deps.update(_relative_imports(path, name))
    # importing a.b.c runs the package a.b's __init__ first: an edge too, unless a.b is the
    # importer's own package (a package's __init__ importing its submodules is no cycle)
    for name, deps in graph.items():
        for dep in list(deps):
            parts = dep.split(".")
            packages = (".".join(parts[:k]) for k in range(2, len(parts)))
            deps.update(p for p in packages if not name.startswith(f"{p}."))
    names = set(graph)
    edges = {n: {d for d in deps if d in names and d != n} for n, deps in graph.items()}
    cycle = _find_cycle(edges)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] != "assurdb":
        parts.insert(0, "assurdb")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _relative_imports(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package.split(".")
            if node.level > 1:
                base = base[: -(node.level - 1)]
            prefix = ".".join(base)
            if node.module:
                out.add(f"{prefix}.{node.module}")
            else:
                out.update(f"{prefix}.{alias.name}" for alias in node.names)
    return out


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A module chain that comes back to its start (importing a package imports its ``__init__``)."""
    names = set(edges)

    def deps(n: str) -> set[str]:
        return {d for d in edges.get(n, ()) if d in names}

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(deps(n)):
            if state.get(d) == 1:
                return [*stack[stack.index(d) :], d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(names):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_the_layering_test_sees_a_violation(tmp_path: Path) -> None:
    """The walker itself works: an upward import in a file is found."""
    bad = tmp_path / "x.py"
    bad.write_text("import sqlalchemy\nfrom assurdb.generated.insurance import sqlite\n", encoding="utf-8")
    assert [m for _, m in _imports(bad)] == ["sqlalchemy", "assurdb.generated.insurance"]
    assert _layer_of("assurdb.generated.insurance") == "generated"
    assert _find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
