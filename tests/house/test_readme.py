"""The README's session works as typed (DEVELOPERS.md rule 7; issue 3 "Done when")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_readme_session_runs_as_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README shows a Python session"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # the README's own code
    assert (tmp_path / "company.db").exists()


def test_readme_reserves_run_as_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "StoredBusiness" in b]
    assert len(blocks) == 2  # the reserves, then reinsure continuing the same session
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # the README's own code
    reserves = namespace["r"]
    assert reserves.gross.totals["ibnr"] > 0  # type: ignore[attr-defined]
    done = namespace["done"]
    assert done.ok and done.created["TreatyAccount"] > 0  # type: ignore[attr-defined]
    namespace["s"].close()  # type: ignore[attr-defined]
    namespace["db"].close()  # type: ignore[attr-defined]
