"""MariaDB (``mysql://user@host/db``, PyMySQL).

* Alphanumeric columns are ``utf8mb4_nopad_bin``: code-point order with no padding.
* ``BOOLEAN`` is ``TINYINT(1)``: the codecs turn it back into ``bool``.
* The optimiser does not turn a row-value comparison into an index range, so keyset order is
  written ``a >= ? AND (a > ? OR b > ?)``.
* Proof of life: the holder's server connection, ``CONNECTION_ID()`` with the server's boot
  time (an id is reused after a restart).
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
        connection_id = self.one("SELECT CONNECTION_ID()")[0]
        self._server = f"my:{connection_id}:{int(self.one(self._BOOT)[0])}"

    def server_part(self) -> str:
        return self._server

    def servers_alive(self, parts: set[str]) -> set[str] | None:
        candidates = [p for p in parts if p.startswith("my:")]
        if not candidates:
            return set()
        boot = int(self.one(self._BOOT)[0])
        running = {int(r[0]) for r in self.all("SELECT ID FROM information_schema.PROCESSLIST")}
        return {
            p
            for p in candidates
            if int(p.split(":")[1]) in running and abs(int(p.split(":")[2]) - boot) <= self.BOOT_TOLERANCE
        }


class MariaDBBackend(RelationalBackend):
    name = "mariadb"
    label = "MariaDB"
    schemes: ClassVar[Mapping[str, str]] = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}
    connection_class = MariaDBConnection
    transactional_ddl = False

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
