"""The repository stands alone, and the documentation's contract tables say what the contract says.

- No tracked file points at design sources outside the repository (a clone has none of them):
  the patterns are assembled below so that this file does not match itself.
- The Python sessions of the pages that show one run as typed.
- ``docs/hooks.py`` (the MkDocs hook that writes the contract's tables at build time) covers every
  action code, return code and mode of ``metadb/contract.py``, and refuses a member it could not
  describe. ``make docs`` builds the whole site with ``--strict``; this test keeps the part that
  matters to the contract in the ordinary suite, without MkDocs installed.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from enum import IntEnum
from pathlib import Path
from types import ModuleType

import pytest

from assurdb.metadb import contract

ROOT = Path(__file__).resolve().parents[2]

#: Text that only makes sense next to files outside the repository.
OUTSIDE = ("../" + "shared", "SPEC" + " §", "shared/" + "seeds")
#: Folders never scanned when the tree is not a git checkout.
SKIPPED = {".git", ".venv", "site", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis"}


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks under ``root``, or every file but caches and the virtual env."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, timeout=60
        ).stdout.decode()
        return [root / name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        return [p for p in root.rglob("*") if p.is_file() and not SKIPPED.intersection(p.relative_to(root).parts)]


def references_outside(files: list[Path], root: Path) -> list[str]:
    """``path:line: text`` for every line of a text file that names a file outside the repository."""
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # binary (a PNG, a Parquet file) or gone
        for number, line in enumerate(text.splitlines(), start=1):
            if any(pattern in line for pattern in OUTSIDE):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_tracked_file_points_outside_the_repository() -> None:
    files = tracked_files(ROOT)
    assert any(p.name == "README.md" for p in files)
    assert references_outside(files, ROOT) == []


def test_the_scan_finds_a_reference(tmp_path: Path) -> None:
    for number, pattern in enumerate(OUTSIDE):
        (tmp_path / f"f{number}.py").write_text(f'"""ok"""\n# see {pattern} 4.2\n', encoding="utf-8")
    (tmp_path / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    found = references_outside(sorted(tmp_path.iterdir()), tmp_path)
    assert [f.split(":")[:2] for f in found] == [[f"f{n}.py", "2"] for n in range(len(OUTSIDE))]


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_contract_tables_cover_every_member(hooks: ModuleType) -> None:
    page = hooks.render(
        "\n\n".join(f"<!-- contract: {name} -->" for name in ("version", "actions", "return-codes", "modes", "types"))
    )
    assert "<!-- contract:" not in page
    assert f"version **{contract.CONTRACT_VERSION}**" in page
    for action in contract.Action:
        row = next(line for line in page.splitlines() if line.startswith(f"| {int(action)} | "))
        assert f"`{action.method}`" in row
        method = getattr(contract.Session, action.method)
        for name in list(method.__code__.co_varnames[1 : method.__code__.co_argcount]):
            assert f"`{name}: " in row, (action, name)
    for rc in contract.RC:
        assert f"| {int(rc)} | `RC.{rc.name}` | " in page
    for mode in contract.Mode:
        assert f"`Mode.{mode.name}`" in page


def test_open_db_codes_read_in_the_actions_words(hooks: ModuleType) -> None:
    page = hooks.render("<!-- contract: open-db-codes -->")
    assert "not authorised (OPEN DB entry 2)" in page
    assert "opened elsewhere in an incompatible mode (OPEN DB entry 2)" in page


def test_a_member_without_its_description_or_an_unknown_marker_fails_the_build(hooks: ModuleType) -> None:
    class Undocumented(IntEnum):
        SILENT = 1

    with pytest.raises(ValueError, match=r"Undocumented\.SILENT has no #: comment"):
        hooks._described(Undocumented, Undocumented.SILENT)
    with pytest.raises(ValueError, match="unknown contract table 'action'"):
        hooks.render("<!-- contract: action -->")


def test_sphinx_roles_show_as_code(hooks: ModuleType) -> None:
    html = "a :class:<code>~assurdb.runtime.errors.AuthenticationError</code> or :func:<code>explain</code>"
    assert hooks.on_page_content(html) == "a <code>AuthenticationError</code> or <code>explain</code>"


#: Pages whose Python blocks run as they are, one namespace per page (the others show the API of
#: a project of the reader's, or of files they have).
RUNNABLE = ("index.md", "getting-started.md", "engine.md")


@pytest.mark.parametrize("page", RUNNABLE)
def test_the_pages_python_runs_as_typed(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / page).read_text(encoding="utf-8"), flags=re.S)
    assert blocks, f"docs/{page} shows Python"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    try:
        for block in blocks:
            exec(compile(block, f"docs/{page}", "exec"), namespace)  # the page's own code
    finally:
        for name in ("s", "db"):
            closing = getattr(namespace.get(name), "close", None)
            if closing is not None:
                closing()
    assert list(tmp_path.glob("*.db")), "each page makes a database"
