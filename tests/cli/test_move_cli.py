"""``assurdb migrate``, ``copy``, ``dump`` and ``load`` through click's runner, as an operator types them:
the library of the README upgraded, copied to DuckDB, dumped and loaded back; a wrong password or a
database that is not there answers one line and its exit status."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from assurdb.cli import main
from tests.conftest import ADMIN_PASSWORD
from tests.migrations.test_migrate import V1, V2, library, read

ENV = {"ASSURDB_USER": "admin", "ASSURDB_PASSWORD": ADMIN_PASSWORD}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=ENV if env is None else env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_an_operator_upgrades_copies_dumps_and_loads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    library(url, "sqlite")
    code, out, _ = run("migrate", "plan", "--db", url, str(V2))
    assert code == 0, out
    assert out.startswith("library v1 → library v2: 18 change(s)"), out
    assert "value 2020-01-01" in out  # values as the schema file writes them
    code, out, _ = run("migrate", "apply", "--db", url, str(V2), "--sql")
    assert code == 0 and "CREATE TABLE shelf" in out, out
    assert "UPDATE member SET since='2020-01-01';" in out  # a script runs as printed: no placeholders
    code, out, _ = run("migrate", "apply", "--db", url, str(V2))
    assert code == 0, out
    copied = f"duckdb:///{tmp_path / 'library.duckdb'}"
    code, out, err = run("copy", url, copied)
    assert code == 0, out + err
    assert "every count and checksum equal" in out and "copied in" in out
    assert "Book" in err  # progress, one line per record type, on stderr
    code, out, _ = run("dump", "--db", copied, str(tmp_path / "dump"))
    assert code == 0 and "manifest.json" in out, out
    loaded = f"sqlite:///{tmp_path / 'loaded.db'}"
    code, out, _ = run("load", str(tmp_path / "dump"), "--db", loaded)
    assert code == 0 and "every count and checksum equal" in out, out
    assert read(loaded, "sqlite", V2, "Book") == read(url, "sqlite", V2, "Book")
    # the same load again: the target is taken, one line, exit status 1
    code, out, err = run("load", str(tmp_path / "dump"), "--db", loaded)
    assert code == 1 and err.count("\n") == 1 and "already holds an assurdb database" in err, err


def test_a_wrong_password_or_a_missing_database_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    library(url, "sqlite")
    code, _, err = run("copy", url, f"sqlite:///{tmp_path / 'b.db'}", "--password", "nope")
    assert code == 3 and err.count("\n") == 1 and err.startswith("Error:"), err
    code, _, err = run("copy", f"sqlite:///{tmp_path / 'none.db'}", f"sqlite:///{tmp_path / 'c.db'}")
    assert code == 4 and err.count("\n") == 1 and "no database file at" in err, err
    assert not (tmp_path / "none.db").exists()  # reading a database that is not there creates nothing
    code, _, err = run("migrate", "plan", "--db", url, str(V1), "--user", "nobody")
    assert code == 3 and err.count("\n") == 1, err
