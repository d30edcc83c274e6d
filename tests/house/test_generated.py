"""Generated code is generated (DEVELOPERS.md rule 2): the committed files are what the
templates produce now, byte for byte, and ``assurdb generate --check`` says how to fix it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from assurdb.cli import main
from assurdb.generator.render import GENERATED, diff, render_all, write
from assurdb.metadb.loader import load_schema


def test_committed_generated_code_is_current() -> None:
    files = render_all({"insurance": load_schema("insurance")})
    stale = diff(
        files, GENERATED, scope={"insurance/sqlite", "insurance/postgresql", "insurance/mariadb", "insurance/duckdb"}
    )
    assert not stale, "generated/ is stale: run `assurdb generate`\n" + stale[:4000]


def test_generation_is_byte_stable() -> None:
    schema = load_schema("insurance")
    assert render_all({"insurance": schema}) == render_all({"insurance": schema})


def test_check_prints_the_diff_and_the_fix(tmp_path: Path, monkeypatch: object) -> None:
    files = render_all({"insurance": load_schema("insurance")})
    write(files, tmp_path)
    target = tmp_path / "insurance" / "sqlite" / "write.py"
    target.write_text(target.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    import assurdb.cli.generate as gen

    monkeypatch.setattr(gen, "GENERATED", tmp_path)  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["generate", "--check"])
    assert result.exit_code == 1
    assert "-# edited by hand" in result.output
    assert "To fix run: assurdb generate" in result.output


def test_headers_say_do_not_edit() -> None:
    for path in sorted(GENERATED.rglob("*.py")):
        if path.parent == GENERATED:
            continue
        head = path.read_text(encoding="utf-8").splitlines()[0]
        assert "DO NOT EDIT" in head, path
