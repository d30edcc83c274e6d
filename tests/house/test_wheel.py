"""One distribution, one namespace, interfaces generated into the user's own project.

The wheel is built from this checkout and holds ``assurdb`` alone at its top level. It is
installed into a fresh virtual environment outside the repository — its dependencies from a
local wheelhouse built once and cached (``~/.cache/assurdb/wheelhouse-<pins>``), so the test needs
no package index after its first run — where a project of another domain (a lending library)
generates its interface with ``assurdb generate FILE --out app/dbi`` and works through it on every
DBMS the machine offers. Two versions of that schema then live side by side in two packages.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import BACKENDS, require_backend

#: One worker builds the wheel and the environment once for the whole module (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("wheel")

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "examples" / "library" / "library.yaml"
#: What builds the wheel in pip's isolated build environment.
BUILD = {"setuptools": "80.9.0", "wheel": "0.45.1"}


def _closure(name: str, extras: tuple[str, ...], seen: dict[str, str]) -> None:
    """The installed distributions ``name[extras]`` needs at run time, with their versions."""
    dist = md.distribution(name)
    key = dist.metadata["Name"].lower().replace("_", "-")
    if key in seen and not extras:
        return
    seen[key] = dist.version
    for text in dist.requires or []:
        req = Requirement(text)
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
            continue
        try:
            _closure(req.name, tuple(req.extras), seen)
        except md.PackageNotFoundError:
            continue


def _environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the processes run here, allowed to write bytecode.

    The fresh environment is installed without compiling every module of every package (pip's
    default: most of the install's minute, pandas' and numpy's own tests included); its processes
    compile what they import, once, where ``PYTHONDONTWRITEBYTECODE`` would have them compile it
    again at every start."""
    return {k: v for k, v in (env or os.environ).items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(args: list[str], env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # type: ignore[call-overload]
        args, capture_output=True, text=True, check=False, env=_environment(env), **kwargs
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))}\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    """assurdb's dependencies (and build tools) as wheels, pinned to this environment's versions."""
    pins: dict[str, str] = {}
    _closure("assurdb", ("drivers",), pins)
    pins.pop("assurdb")
    pins.update(BUILD)
    digest = hashlib.sha256(json.dumps(sorted(pins.items())).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assurdb" / f"wheelhouse-{digest}"
    if not (cache / "complete").exists():
        cache.mkdir(parents=True, exist_ok=True)
        wanted = [f"{n}=={v}" for n, v in sorted(pins.items())]
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(cache),
                *wanted,
            ]
        )
        (cache / "complete").write_text("\n".join(wanted), encoding="utf-8")
    return cache


@pytest.fixture(scope="module")
def installed(wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel built from this checkout; its python."""
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    # Built from a copy of the checkout: setuptools builds in the source tree's build/, and two
    # builds there at once (another worker, another run) trip over each other's files.
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,  # assurdb/<layer> are relative links to the repository's folders
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "site", "out", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
        ),
    )
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--find-links", str(wheelhouse),
         "-w", str(dist), str(source)]
    )  # fmt: skip
    wheels = list(dist.glob("assurdb-*.whl"))
    assert len(wheels) == 1
    top = {name.split("/")[0] for name in zipfile.ZipFile(wheels[0]).namelist()}
    assert top == {"assurdb", f"{wheels[0].name.split('-')[0]}-{wheels[0].name.split('-')[1]}.dist-info"}, top
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", "--no-index",
         "--find-links", str(wheelhouse), "--find-links", str(dist), "assurdb[drivers]"]
    )  # fmt: skip
    return python


def test_the_wheel_holds_one_top_level_package(installed: Path) -> None:
    site = _run([str(installed), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    packages = sorted(p.name for p in Path(site).iterdir() if (p / "__init__.py").exists())
    assert "assurdb" in packages
    for old in ("metadb", "generator", "generated", "domain", "engine", "templates", "runtime"):
        assert old not in packages, f"the wheel installed a top-level {old}"
    assert (Path(site) / "assurdb" / "py.typed").exists()
    shipped = Path(site) / "assurdb"
    for data in (
        "metadb/schemas/insurance.yaml",
        "metadb/schemas/exchange.yaml",
        "generated/exchange/sqlite.py",
        "screens/files/login.yaml",
        "web/templates/base.html",
        "domain/reports/page.html.j2",
    ):
        assert (shipped / data).exists(), f"the wheel lacks {data}"
    assert list((shipped / "web" / "static").glob("htmx*.js")), "the wheel lacks the vendored htmx"


SESSION = """
import datetime as dt, json, sys
from decimal import Decimal
import assurdb
from assurdb import RC

url, interface = sys.argv[1], sys.argv[2]
db = assurdb.create(url, interface=interface, admin_password="pw")
s = db.login("admin", "pw")
out = {"open": int(s.open_db([("Author", 2), ("Book", 2), ("Member", 2), ("Loan", 2)]).rc)}
out["author"] = int(s.write("Author", {"code": 1, "name": "Hergé"}).rc)
out["book"] = int(s.write_target_via_path(
    "Author", {"code": 1}, "Book",
    {"isbn": "9782203001015", "title": "Tintin au Tibet", "price": Decimal("12.50"), "subjects": ["bd"],
     "role": "author"}, "Writing").rc)
out["member"] = int(s.write("Member", {"number": 7, "name": "Dupont", "address": {"city": "Namur"}}).rc)
s.begin()
s.write_target_via_path("Member", {"number": 7}, "Loan",
                        {"number": 1, "lent_on": dt.date(2026, 1, 5), "due_on": dt.date(2026, 2, 5)}, "Borrowing")
out["commit_without_book"] = int(s.commit().rc)   # a loan needs its book (Lending): 901, rolled back
s.begin()
s.write_target_via_path("Member", {"number": 7}, "Loan",
                        {"number": 1, "lent_on": dt.date(2026, 1, 5), "due_on": dt.date(2026, 2, 5)}, "Borrowing")
s.bound("Book", {"isbn": "9782203001015"}, "Loan", {"number": 1}, "Lending")
out["commit"] = int(s.commit().rc)
book = s.read_target_via_path("Author", {"code": 1}, "Writing", "Book").article
out["book_read"] = [book["title"], str(book["price"]), book["subjects"], book["role"], book["on_loan"]]
loan = s.read_target_via_path("Member", {"number": 7}, "Borrowing", "Loan").article
out["loan"] = [loan["lending_isbn"], loan["lent_on"].isoformat()]
out["bad"] = int(s.write("Member", {"number": 8, "name": "x" * 41}).rc)
out["interface"] = type(s).__module__
s.close(); db.close()
db = assurdb.connect(url, interface=interface)
out["schema"] = [db.interface.name, db.interface.version, db.dbms]
db.close()
print(json.dumps(out))
"""

EXPECTED = {
    "open": 0,
    "author": 0,
    "book": 0,
    "member": 0,
    "commit_without_book": 901,
    "commit": 0,
    "book_read": ["Tintin au Tibet", "12.50", ["bd"], "author", False],
    "loan": ["9782203001015", "2026-01-05"],
    "bad": 13,
    "interface": "app.dbi.router",
}


def _project(root: Path, python: Path) -> Path:
    """A project of another domain: its schema file, its interface generated into app/dbi."""
    (root / "app").mkdir(parents=True)
    shutil.copy(LIBRARY, root / "library.yaml")
    shutil.copy(LIBRARY.parent / "lend.py", root / "lend.py")
    (root / "session.py").write_text(textwrap.dedent(SESSION), encoding="utf-8")
    assurdb = python.parent / "assurdb"
    _run([str(assurdb), "generate", "library.yaml", "--out", "app/dbi"], cwd=root)
    _run([str(assurdb), "generate", "library.yaml", "--out", "app/dbi", "--check"], cwd=root)
    assert (root / "app" / "dbi" / "sqlite.py").exists() and (root / "app" / "dbi" / "checks.py").exists()
    return root


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_project_generates_its_interface_and_works_through_it(
    installed: Path, tmp_path: Path, backend: str, namespaces: object
) -> None:
    require_backend(backend)
    project = _project(tmp_path / "project", installed)
    if backend == "sqlite":
        url = f"sqlite:///{project / 'library.db'}"
    elif backend == "duckdb":
        url = f"duckdb:///{project / 'library.duckdb'}"
    else:
        url = namespaces.url(backend, f"wheel{os.getpid()}")  # type: ignore[attr-defined]
    result = _run([str(installed), "session.py", url, "app.dbi"], cwd=project, env={**os.environ, "PYTHONPATH": ""})
    out = json.loads(result.stdout.strip().splitlines()[-1])
    schema = out.pop("schema")
    assert out == EXPECTED
    assert schema == ["library", 1, backend]
    if backend == "sqlite":  # the example application, run twice: it creates, then connects
        for _ in range(2):
            shown = _run([str(installed), "lend.py", "sqlite:///lend.db"], cwd=project).stdout
            assert shown.strip() == "Tintin au Tibet (author), 12.50"


def test_two_versions_of_one_schema_side_by_side(installed: Path, tmp_path: Path) -> None:
    """v1 and v2 of the library in two packages; each database opens through its own, and the
    other answers SchemaMismatchError naming what the database holds."""
    project = _project(tmp_path / "project", installed)
    v2 = (project / "library.yaml").read_text(encoding="utf-8").replace("version: 1", "version: 2")
    v2 = v2.replace("      born: {type: date}\n", "      born: {type: date}\n      died: {type: date}\n")
    (project / "library2.yaml").write_text(v2, encoding="utf-8")
    _run([str(installed.parent / "assurdb"), "generate", "library2.yaml", "--out", "app/dbi2"], cwd=project)
    script = textwrap.dedent(
        """
        import json, assurdb
        out = {}
        for name, url in (("app.dbi", "sqlite:///v1.db"), ("app.dbi2", "sqlite:///v2.db")):
            assurdb.create(url, interface=name, admin_password="pw").close()
        for name, url in (("app.dbi", "sqlite:///v1.db"), ("app.dbi2", "sqlite:///v2.db")):
            db = assurdb.connect(url, interface=name)
            out[name] = [db.interface.version, sorted(db.schema.record_types["Author"].items.names)]
            db.close()
        try:
            assurdb.connect("sqlite:///v1.db", interface="app.dbi2")
        except assurdb.SchemaMismatchError as exc:
            out["mismatch"] = [str(exc.stored), str(exc.interface), exc.package]
        try:
            assurdb.connect("sqlite:///v1.db")
        except assurdb.SchemaMismatchError as exc:
            out["default"] = [exc.stored.name, exc.stored.version, "assurdb generate library.yaml" in str(exc)]
        print(json.dumps(out))
        """
    )
    (project / "both.py").write_text(script, encoding="utf-8")
    out = json.loads(_run([str(installed), "both.py"], cwd=project).stdout.strip().splitlines()[-1])
    assert out["app.dbi"] == [1, ["born", "code", "name"]]
    assert out["app.dbi2"] == [2, ["born", "code", "died", "name"]]
    assert out["mismatch"] == ["library v1", "library v2", "app.dbi2"]
    assert out["default"] == ["library", 1, True]


def test_init_uses_the_project_interface(installed: Path, tmp_path: Path) -> None:
    """``assurdb init URL --interface app.dbi`` and ``--schema FILE`` find the project's package."""
    project = _project(tmp_path / "project", installed)
    assurdb = str(installed.parent / "assurdb")
    env = {**os.environ, "ASSURDB_ADMIN_PASSWORD": "pw"}
    done = _run([assurdb, "init", "sqlite:///a.db", "--interface", "app.dbi"], cwd=project, env=env)
    assert "library v1" in done.stdout
    done = _run([assurdb, "init", "sqlite:///b.db", "--schema", "library.yaml"], cwd=project, env=env)
    assert "app.dbi" in done.stdout
    (project / "other.yaml").write_text(
        (project / "library.yaml").read_text(encoding="utf-8").replace("schema: library", "schema: other"),
        encoding="utf-8",
    )
    missing = subprocess.run(
        [assurdb, "init", "sqlite:///c.db", "--schema", "other.yaml"],
        check=False,
        cwd=project,
        env=_environment(env),
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "assurdb generate other.yaml --out" in missing.stderr
    assert "Traceback" not in missing.stderr
