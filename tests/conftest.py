"""Shared fixtures: one conformance suite, parametrised over every backend (Ibis's ``con`` fixture).

``backend`` is one of ``sqlite``, ``duckdb``, ``postgresql``, ``mariadb``. PostgreSQL and
MariaDB are real servers (DEVELOPERS.md rule 6), read from ``ASSURDB_PG_URL`` and
``ASSURDB_MYSQL_URL``; each test run (and each xdist worker) isolates itself in a schema /
database of its own, dropped at the end. Without the servers those tests are skipped with the
reason — unless ``ASSURDB_REQUIRE_SERVERS=1`` (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import compileall
import graphlib
import os
import queue
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# CI is reproducible: property tests draw the same examples every run (``make soak`` explores).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("ASSURDB_REQUIRE_SERVERS") == "1" and os.environ.get("ASSURDB_SOAK") != "1":
    settings.load_profile("ci")

BACKENDS = ("sqlite", "duckdb", "postgresql", "mariadb")
PG_URL = os.environ.get("ASSURDB_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("ASSURDB_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REQUIRE = os.environ.get("ASSURDB_REQUIRE_SERVERS") == "1"
ADMIN_PASSWORD = "admin-secret"
RUN = uuid.uuid4().hex[:8]


def _cheap_password_hashes() -> None:
    """Tests only: scrypt at n=16 instead of the product's 2**14 (45 ms a hash here; every test
    creates a database and logs in). Hashes carry their parameters, so verification follows them;
    processes the tests start keep the product's cost, and tests/interface/test_users.py checks
    that an installed assurdb hashes at full cost."""
    from assurdb.runtime import passwords

    passwords.N = 2**4


_cheap_password_hashes()


def _bytecode_for_subprocesses() -> None:
    """Compile assurdb once for the processes the tests start, where the environment forbids
    writing bytecode (``PYTHONDONTWRITEBYTECODE``, as in many containers).

    Otherwise every process a test starts (the eight accounting processes, the killed migrations,
    the CLI runs) compiles assurdb from source again: 0.3 s each, a minute of a run. The bytecode
    goes where Python puts it by default, the ``__pycache__`` folders git ignores, beside the
    caches of pytest, mypy and ruff; third-party packages have theirs from their installation."""
    if not sys.dont_write_bytecode or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    package = Path(__file__).resolve().parents[1] / "assurdb"
    # the layers are symbolic links inside assurdb/ (compile_dir skips those): walk them as imported
    for folder, _dirs, files in os.walk(package, followlinks=True):
        for name in files:
            if name.endswith(".py"):
                compileall.compile_file(os.path.join(folder, name), quiet=2)


_bytecode_for_subprocesses()


def _server_problem(backend: str) -> str | None:
    """Why a server backend cannot be used here, or None."""
    import sqlalchemy as sa

    url = PG_URL if backend == "postgresql" else MYSQL_URL
    try:
        engine = sa.create_engine(url)
        with engine.connect() as cx:
            cx.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{backend} server not reachable at {url} ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    return None


_PROBLEMS: dict[str, str | None] = {}


def require_backend(backend: str) -> None:
    if backend not in ("postgresql", "mariadb"):
        return
    if backend not in _PROBLEMS:
        _PROBLEMS[backend] = _server_problem(backend)
    problem = _PROBLEMS[backend]
    if problem:
        if REQUIRE:
            pytest.fail(f"ASSURDB_REQUIRE_SERVERS=1 but {problem}")
        pytest.skip(problem)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


class ServerNamespace:
    """PostgreSQL schemas or databases and MariaDB databases of this run, created on demand.

    A test's are dropped by a thread of their own once the test is over (``drop_later``: the
    servers drop while the next tests run); the rest (the templates) at exit."""

    def __init__(self) -> None:
        self.created: list[tuple[str, str]] = []
        self.kept: list[tuple[str, str]] = []
        self._queue: queue.Queue[list[tuple[str, str]] | None] = queue.Queue()
        self._dropper = threading.Thread(target=self._drop_queued, name="namespace-dropper", daemon=True)
        self._dropper.start()

    def keep(self, since: int) -> None:
        """Namespaces created from index ``since`` on live until exit (templates)."""
        self.kept += self.created[since:]
        del self.created[since:]

    def drop_later(self, since: int) -> None:
        """Drop, in the background, the namespaces created from index ``since`` on."""
        batch = self.created[since:]
        del self.created[since:]
        if batch:
            self._queue.put(batch)

    def discard(self, namespace: tuple[str, str]) -> None:
        """Drop, in the background, one namespace kept until now."""
        self.kept.remove(namespace)
        self._queue.put([namespace])

    def _drop_queued(self) -> None:
        while (batch := self._queue.get()) is not None:
            self._drop(batch)

    def url(self, backend: str, tag: str) -> str:
        import sqlalchemy as sa

        name = f"assurdb_{RUN}_{_worker()}_{tag}".lower()
        if backend == "postgresql":
            engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as cx:
                cx.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                cx.execute(sa.text(f'CREATE SCHEMA "{name}"'))
            engine.dispose()
            self.created.append((backend, name))
            sep = "&" if "?" in PG_URL else "?"
            return f"{PG_URL}{sep}options=-csearch_path%3D{name}"
        engine = sa.create_engine(MYSQL_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as cx:
            cx.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
            cx.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"))
        engine.dispose()
        self.created.append((backend, name))
        base = MYSQL_URL.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def pg_database(self, tag: str, template: str | None = None) -> str:
        """A PostgreSQL database of this run (a copy of ``template`` if given: CREATE DATABASE …
        TEMPLATE copies its files, 20 ms where assurdb.create takes 200)."""
        import sqlalchemy as sa

        name = f"assurdb_{RUN}_{_worker()}_{tag}".lower()
        engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as cx:
            cx.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            cx.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        engine.dispose()
        self.created.append(("postgresql-database", name))
        return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        self._queue.put(None)
        self._dropper.join()
        self._drop(self.created + self.kept)

    @staticmethod
    def _drop(namespaces: list[tuple[str, str]]) -> None:
        import sqlalchemy as sa

        engines: dict[str, sa.Engine] = {}
        for backend, name in reversed(namespaces):  # copies before their templates
            server = backend.partition("-")[0]
            statement = {
                "postgresql": f'DROP SCHEMA IF EXISTS "{name}" CASCADE',
                "postgresql-database": f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                "mariadb": f"DROP DATABASE IF EXISTS `{name}`",
            }[backend]
            try:
                if server not in engines:
                    engines[server] = sa.create_engine(
                        PG_URL if server == "postgresql" else MYSQL_URL, isolation_level="AUTOCOMMIT"
                    )
                with engines[server].connect() as cx:
                    if server == "mariadb":  # a connection a test left open must not hold the drop for good
                        cx.exec_driver_sql("SET SESSION lock_wait_timeout = 30")
                    cx.execute(sa.text(statement))
            except Exception:  # noqa: BLE001 - best effort
                pass
        for engine in engines.values():
            engine.dispose()


#: What a PostgreSQL database holds besides its rows, in one text: schemas, relations and their
#: rights, columns, indexes, constraints, functions, triggers, the database's own rights and
#: settings. Two databases with the same text are the same to a test.
PG_SIGNATURE = """
SELECT string_agg(part, E'\\n' ORDER BY part) FROM (
  SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
  UNION ALL
  SELECT concat_ws(' ', 'relation', n.nspname, c.relname, c.relkind, c.relacl::text)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT concat_ws(' ', 'column', a.attrelid::regclass::text, a.attname, format_type(a.atttypid, a.atttypmod),
                   a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attnum > 0 AND NOT a.attisdropped AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  UNION ALL
  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT concat_ws(' ', 'constraint', c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid))
  FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT concat_ws(' ', 'function', n.nspname, p.proname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT concat_ws(' ', 'trigger', tgrelid::regclass::text, tgname) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT concat_ws(' ', 'database', datacl::text) FROM pg_database WHERE datname = current_database()
  UNION ALL
  SELECT concat_ws(' ', 'setting', setrole, setconfig::text) FROM pg_db_role_setting
  WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) parts (part)
"""

#: Other sessions in this database (PostgreSQL, MariaDB): a database still in use is never reused.
OTHERS = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    "mariadb": "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()",
}


class Templates:
    """One insurance database per backend and worker made by ``assurdb.create``, copied for each
    test's ``db``: a file copy (SQLite, DuckDB), CREATE DATABASE … TEMPLATE (PostgreSQL), the
    template's own CREATE TABLE statements and rows (MariaDB). A copy is the database create()
    makes, bytes for bytes where the DBMS allows, in a tenth of the time; the tests of create()
    itself call it.

    On the servers a test's database is then made the template again and reused by a later test
    of the worker (:meth:`give_back`): its rows are emptied and the template's put back. It is
    reused only if nothing else changed — the same tables, columns, indexes, constraints,
    rights (:data:`PG_SIGNATURE`, MariaDB's ``SHOW CREATE TABLE``), and no session of its own
    left open; otherwise it is dropped and the next test gets a new copy. Creating and dropping
    a database per test cost the servers more than most tests themselves."""

    def __init__(self, namespaces: ServerNamespace, folder: Path) -> None:
        self.namespaces = namespaces
        self.folder = folder
        self.made: dict[str, str] = {}
        self.mariadb_tables: list[tuple[str, str]] = []
        #: per server: the template's tables, its signature, and its rows (table, COPY data or source)
        self.tables: dict[str, list[str]] = {}
        self.signature: dict[str, object] = {}
        self.rows: dict[str, list[tuple[str, Any]]] = {}
        self.pool: dict[str, list[tuple[str, tuple[str, str]]]] = {"postgresql": [], "mariadb": []}
        self.reused = 0

    def _template(self, backend: str) -> str:
        import assurdb

        if backend in self.made:
            return self.made[backend]
        since = len(self.namespaces.created)
        if backend == "sqlite":
            url = f"sqlite:///{self.folder / 'template.db'}"
        elif backend == "duckdb":
            url = f"duckdb:///{self.folder / 'template.duckdb'}"
        elif backend == "postgresql":
            url = self.namespaces.pg_database("template")
        else:
            url = self.namespaces.url(backend, "template")
        assurdb.create(url, schema="insurance", admin_password=ADMIN_PASSWORD).close()
        if backend == "mariadb":
            self.mariadb_tables = self._mariadb_tables(url)
        if backend in ("postgresql", "mariadb"):
            self._remember(backend, url)
        self.namespaces.keep(since)
        self.made[backend] = url
        return url

    @staticmethod
    def _mariadb_tables(url: str) -> list[tuple[str, str]]:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as cx:
            names = [row[0] for row in cx.exec_driver_sql("SHOW TABLES")]
            tables = [(name, cx.exec_driver_sql(f"SHOW CREATE TABLE `{name}`").one()[1]) for name in names]
        engine.dispose()
        return tables

    @staticmethod
    def _driver(cx: Any) -> Any:
        """psycopg's own connection under SQLAlchemy's (COPY is psycopg's)."""
        driver = cx.connection.driver_connection
        assert driver is not None
        return driver

    @staticmethod
    def _quoted(backend: str, name: str) -> str:
        return f'"{name}"' if backend == "postgresql" else f"`{name}`"

    def _signature(self, backend: str, cx: Any) -> object:
        if backend == "postgresql":
            return cx.exec_driver_sql(PG_SIGNATURE).scalar()
        tables = [(row[0], row[1]) for row in cx.exec_driver_sql("SHOW FULL TABLES")]
        ddl = [cx.exec_driver_sql(f"SHOW CREATE TABLE `{name}`").one()[1] for name, _kind in tables]
        others = cx.exec_driver_sql(
            "SELECT (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()),"
            " (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()),"
            " (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()),"
            " (SELECT COUNT(*) FROM mysql.db WHERE Db = DATABASE()),"
            " (SELECT COUNT(*) FROM mysql.tables_priv WHERE Db = DATABASE()),"
            " (SELECT CONCAT(DEFAULT_CHARACTER_SET_NAME, ' ', DEFAULT_COLLATION_NAME)"
            "  FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE())"
        ).one()
        return (tables, ddl, tuple(others))

    def _table_names(self, backend: str, cx: Any) -> list[str]:
        if backend == "postgresql":
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        else:
            sql = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
        return [row[0] for row in cx.exec_driver_sql(sql)]

    def _filled(self, backend: str, cx: Any, tables: list[str]) -> list[str]:
        """The tables that hold rows, in one query."""
        probes = " UNION ALL ".join(
            f"SELECT '{name}' FROM (SELECT 1 AS one) probe WHERE EXISTS (SELECT 1 FROM {self._quoted(backend, name)})"
            for name in tables
        )
        return [row[0] for row in cx.exec_driver_sql(probes)]

    def _remember(self, backend: str, url: str) -> None:
        """The template's tables, signature and rows, to make a used copy the template again."""
        import sqlalchemy as sa

        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as cx:
            tables = self._table_names(backend, cx)
            self.tables[backend] = tables
            self.signature[backend] = self._signature(backend, cx)
            filled = self._filled(backend, cx, tables)
            if backend == "postgresql":
                # foreign keys are checked row by row: rows deleted referencing tables first, put back
                # referenced tables first
                graph: dict[str, set[str]] = {name: set() for name in tables}
                for child, parent in cx.exec_driver_sql(
                    "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
                ):
                    if child.strip('"') in graph and parent.strip('"') in graph and child != parent:
                        graph[child.strip('"')].add(parent.strip('"'))
                self.tables[backend] = tables = list(graphlib.TopologicalSorter(graph).static_order())
                filled = [name for name in tables if name in filled]
                cursor = self._driver(cx).cursor()
                rows = []
                for name in filled:
                    with cursor.copy(f'COPY "{name}" TO STDOUT (FORMAT BINARY)') as copy:
                        rows.append((name, b"".join(bytes(block) for block in copy)))
                self.rows[backend] = rows
            else:
                source = sa.engine.make_url(url).database
                self.rows[backend] = [
                    (name, f"INSERT INTO `{name}` SELECT * FROM `{source}`.`{name}`") for name in filled
                ]
        engine.dispose()

    def copy(self, backend: str, make_url: Any) -> str:
        """The URL of a new copy of the backend's template (or of a used one made the template again)."""
        import shutil

        import sqlalchemy as sa

        template = self._template(backend)
        if backend in ("sqlite", "duckdb"):
            url: str = make_url()
            shutil.copyfile(template.split(":///", 1)[1], url.split(":///", 1)[1])
            return url
        if self.pool[backend]:
            self.reused += 1
            return self.pool[backend].pop()[0]
        since = len(self.namespaces.created)
        if backend == "postgresql":
            url = self.namespaces.pg_database(uuid.uuid4().hex[:8], template=sa.engine.make_url(template).database)
        else:
            url = make_url()
            source = sa.engine.make_url(template).database
            engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as cx:
                cx.exec_driver_sql("SET foreign_key_checks = 0")
                for _name, ddl in self.mariadb_tables:
                    cx.exec_driver_sql(ddl)
                for name, _ddl in self.mariadb_tables:
                    cx.exec_driver_sql(f"INSERT INTO `{name}` SELECT * FROM `{source}`.`{name}`")
            engine.dispose()
        self.namespaces.keep(since)  # given back after the test (give_back), dropped at exit
        return url

    def give_back(self, backend: str, url: str) -> None:
        """After a test: its database made the template again for the next test, or dropped."""
        if backend not in self.pool:
            return
        namespace = self._namespace(backend, url)
        try:
            clean = self._reset(backend, url)
        except Exception:  # noqa: BLE001 - whatever went wrong, the database is not reused
            clean = False
        if clean:
            self.pool[backend].append((url, namespace))
        else:
            self.namespaces.discard(namespace)

    @staticmethod
    def _namespace(backend: str, url: str) -> tuple[str, str]:
        import sqlalchemy as sa

        parsed = sa.engine.make_url(url)
        return ("postgresql-database" if backend == "postgresql" else "mariadb", str(parsed.database))

    def _reset(self, backend: str, url: str) -> bool:
        """Empty the database and put the template's rows back, if it is still the template's shape."""
        import sqlalchemy as sa

        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as cx:
                if (
                    cx.exec_driver_sql(OTHERS[backend]).scalar()
                    or self._signature(backend, cx) != self.signature[backend]
                ):
                    return False
                tables = self.tables[backend]
                seeded = [name for name, _ in self.rows[backend]]
                filled = set(self._filled(backend, cx, tables)) | set(seeded)
                emptied = [name for name in reversed(tables) if name in filled]  # referencing tables first
                if backend == "postgresql":
                    cx.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                    for name in emptied:  # DELETE: a few rows each, cheaper than TRUNCATE's new files
                        cx.exec_driver_sql(f'DELETE FROM "{name}"')
                    cursor = self._driver(cx).cursor()
                    for name, data in self.rows[backend]:
                        with cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT BINARY)') as copy:
                            copy.write(data)
                else:
                    cx.exec_driver_sql(
                        "SET SESSION lock_wait_timeout = 5, innodb_lock_wait_timeout = 5, foreign_key_checks = 0"
                    )
                    for name in emptied:
                        cx.exec_driver_sql(f"DELETE FROM `{name}`")
                    for _name, insert in self.rows[backend]:
                        cx.exec_driver_sql(insert)
                cx.commit()
                return True
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def namespaces() -> Iterator[ServerNamespace]:
    spaces = ServerNamespace()
    yield spaces
    spaces.drop_all()


@pytest.fixture
def make_url(backend: str, namespaces: ServerNamespace, tmp_path: Path) -> Iterator[Any]:
    """A factory of fresh, empty database URLs for ``backend`` (several per test if needed)."""
    require_backend(backend)
    counter = iter(range(1000))
    since = len(namespaces.created)

    def make(tag: str = "") -> str:
        n = next(counter)
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'db{n}{tag}.db'}"
        if backend == "duckdb":
            return f"duckdb:///{tmp_path / f'db{n}{tag}.duckdb'}"
        return namespaces.url(backend, f"{uuid.uuid4().hex[:6]}{n}")

    yield make
    namespaces.drop_later(since)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def templates(namespaces: ServerNamespace, tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(namespaces, tmp_path_factory.mktemp("templates"))


@pytest.fixture
def db(backend: str, make_url: Any, templates: Templates) -> Iterator[Any]:
    """A new insurance database on the backend, with the user ``admin`` (a copy of the one
    ``assurdb.create`` made for this worker: see :class:`Templates`)."""
    import assurdb

    url = templates.copy(backend, make_url)
    database = assurdb.connect(url)
    yield database
    database.close()
    templates.give_back(backend, url)


@pytest.fixture
def admin(db: Any) -> Iterator[Any]:
    """A session of ``admin`` (every record type up to mode 3)."""
    session = db.login("admin", ADMIN_PASSWORD)
    yield session
    session.close()
