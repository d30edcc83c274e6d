"""MariaDB (``mysql://user@host/db``, PyMySQL).

* Alphanumeric columns are ``utf8mb4_nopad_bin``: code-point order with no padding.
* ``BOOLEAN`` is ``TINYINT(1)``: the codecs turn it back into ``bool``.
* The optimiser does not turn a row-value comparison into an index range, so keyset order is
  written ``a >= ? AND (a > ? OR b > ?)``.
* Proof of life: a user lock (``GET_LOCK``) named after the holder's session, taken on its own
  connection when it first opens a record type and released when it closes; the holder is alive
  while the lock is in use (``IS_FREE_LOCK``). This holds whatever DBMS accounts the processes
  log in as — without the PROCESS privilege an account sees only its own connections in the
  process list (audit D3). Openings written by an older assurdb name the holder's
  ``CONNECTION_ID()`` with the server's boot time, tested as before.
* OPEN DB and CLOSE run in READ COMMITTED: no gap locks on the openings table, whose gap locks
  deadlocked OPEN DB of different record types in REPEATABLE READ (audit D4).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine.interfaces import Dialect

from assurdb.metadb.model import Item
from assurdb.metadb.physical import Column
from assurdb.runtime.backends.relational import RelationalBackend
from assurdb.runtime.connection import Connection
from assurdb.runtime.errors import BackendError

COLLATION = "utf8mb4_nopad_bin"


class MariaDBConnection(Connection):
    name = "mariadb"
    begin_sql = "START TRANSACTION"
    #: The server's boot time moves by a second between readings (now − uptime).
    BOOT_TOLERANCE = 2
    _BOOT = (
        "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'"
    )

    def __init__(self, raw: Any, dbapi_connection: Any) -> None:
        dbapi_connection.autocommit(True)
        super().__init__(raw, dbapi_connection)
        #: the user lock this connection holds as its session's proof of life
        self._proof: tuple[str, str] | None = None

    def begin_openings(self) -> None:
        # READ COMMITTED takes no gap locks. In REPEATABLE READ, deleting an opening that was not
        # there (a session's first opening of a record type) locked a gap of the openings' keys,
        # and two OPEN DB of different record types deadlocked inserting into each other's gap.
        self.cur.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        self.begin()

    def server_part(self, session: str) -> str:
        if self._proof is None or self._proof[0] != session:
            self.release_proof()
            name = lock_name(session)
            if self.one("SELECT GET_LOCK(%s, 0)", [name])[0] != 1:
                raise BackendError(f"the proof of life of session {session} is held by another connection")
            self._proof = (session, name)
        return f"myl:{self._proof[1]}"

    def release_proof(self) -> None:
        if self._proof is not None:
            name, self._proof = self._proof[1], None
            self.one("SELECT RELEASE_LOCK(%s)", [name])

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        alive: set[str] = set()
        names = sorted({p.split(":", 1)[1] for p in parts if p.startswith("myl:")})
        if names:
            row = self.one("SELECT " + ", ".join(["IS_FREE_LOCK(%s)"] * len(names)), names)
            alive |= {f"myl:{name}" for name, free in zip(names, row, strict=True) if free == 0}
        legacy = [p for p in parts if p.startswith("my:")]
        if legacy:  # an older assurdb's holder: its server connection, if this account can see it
            boot = int(self.one(self._BOOT)[0])
            running = {int(r[0]) for r in self.all("SELECT ID FROM information_schema.PROCESSLIST")}
            alive |= {
                p
                for p in legacy
                if int(p.split(":")[1]) in running and abs(int(p.split(":")[2]) - boot) <= self.BOOT_TOLERANCE
            }
        return alive


def lock_name(session: str) -> str:
    """The user lock of a session (at most 64 characters; a lock is the server's, not a database's)."""
    return f"assurdb.{session}"[:64]


class MariaDBBackend(RelationalBackend):
    name = "mariadb"
    label = "MariaDB"
    schemes: ClassVar[Mapping[str, str]] = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}
    connection_class = MariaDBConnection
    transactional_ddl = False

    @classmethod
    def failure_reason(cls, exc: BaseException) -> str:
        code = exc.args[0] if getattr(exc, "args", None) else None
        # 1049 unknown database; 1044/1045/1698 access denied; 2003/2005/2006/2013 no server there
        return {1049: "database", 1044: "login", 1045: "login", 1698: "login", 2003: "server", 2005: "server",
                2006: "server", 2013: "server"}.get(code, "other")  # type: ignore[arg-type]  # fmt: skip

    @classmethod
    def failure_detail(cls, exc: BaseException) -> str:
        args: tuple[object, ...] = tuple(getattr(exc, "args", ()))
        return str(args[1]) if len(args) > 1 else str(exc)

    @classmethod
    def missing_database_advice(cls, url: str) -> str:
        name = sa.engine.make_url(url).database
        return f"create it first (in the mariadb client: CREATE DATABASE `{name}`), then run assurdb init"

    @classmethod
    def retryable(cls, exc: BaseException) -> bool:
        # 1213: deadlock found (InnoDB rolled the transaction back); 1205: lock wait timeout
        return bool(getattr(exc, "args", None)) and exc.args[0] in (1205, 1213)

    def begin_migration(self, cx: sa.Connection) -> None:
        # MariaDB commits each DDL statement: every statement commits, and each operation looks
        # first whether it is already done, so a killed migration is finished by running it again.
        cx.execution_options(isolation_level="AUTOCOMMIT")

    def begin_finish(self, cx: sa.Connection) -> None:
        cx.exec_driver_sql("START TRANSACTION")

    def end_migration(self, cx: sa.Connection) -> None:
        cx.exec_driver_sql("COMMIT")

    def abort_migration(self, cx: sa.Connection) -> None:
        with contextlib.suppress(Exception):
            cx.exec_driver_sql("ROLLBACK")

    @classmethod
    def dialect(cls) -> Dialect:
        return mysql.pymysql.dialect(paramstyle="format")

    @classmethod
    def text_type(cls, column: Column) -> sa.types.TypeEngine[Any]:
        return mysql.VARCHAR(column.length, charset="utf8mb4", collation=COLLATION)

    @classmethod
    def table_options(cls) -> dict[str, Any]:
        return {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": COLLATION}

    @classmethod
    def keyset(cls, cols: Sequence[Any], params: Sequence[Any], *, strict: bool) -> Any:
        def step(i: int) -> Any:
            if i == len(cols) - 1:
                return cols[i] > params[i] if strict else cols[i] >= params[i]
            return sa.and_(cols[i] >= params[i], sa.or_(cols[i] > params[i], step(i + 1)))

        return step(0)

    @classmethod
    def decode_expr(cls, item: Item, expr: str) -> str:
        return f"_bool({expr})" if item.type == "boolean" else expr
