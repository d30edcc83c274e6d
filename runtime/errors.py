"""Errors of the runtime: opening a database through a generated interface (outside requests).

Requests never raise: they answer return codes. These are for what happens before a session
exists — a URL no backend serves, a missing file, a server that does not answer, a database of
another schema, a refused login — and carry their facts as attributes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from assurdb.metadb.errors import AssurdbError


class BackendError(AssurdbError):
    """A database cannot be opened or used through its backend (URL, file, server, interface)."""

    exit_code: ClassVar[int] = 4


class AuthenticationError(BackendError):
    """A login failed: unknown user, wrong password or inactive user (nothing was opened)."""

    exit_code: ClassVar[int] = 3

    def __init__(self, user: object) -> None:
        self.user = user
        super().__init__(f"login refused for user {user!r}: unknown user, wrong password or inactive")


class ConnectionFailedError(BackendError):
    """The DBMS could not be reached, or refused the connection, before any session existed.

    ``reason`` says which: ``server`` (nothing answers at the URL's address), ``database`` (the
    server, or the file system, has no such database or folder), ``login`` (the DBMS refused the
    URL's account: :class:`ServerLoginError`), ``other``. ``detail`` is what the driver said, on one
    line; ``advice`` what to do. The message is one line: the command line prints it as it is.
    """

    def __init__(self, url: str, reason: str, detail: str, advice: str) -> None:
        self.url, self.reason, self.detail, self.advice = url, reason, one_line(detail), advice
        super().__init__(f"cannot connect to {url}: {self.detail}; {advice}")


class ServerLoginError(ConnectionFailedError):
    """The DBMS refused the account (user or password) of the URL; exits as a refused login."""

    exit_code: ClassVar[int] = 3


def one_line(text: str) -> str:
    """A driver's message on one line: whitespace runs (newlines, tabs) become one space."""
    return " ".join(str(text).split())


class LoginLockedError(AuthenticationError):
    """A login refused because its name failed too often: refused, whatever the password, until
    ``until`` (UTC). Unknown names are locked alike, so it tells nothing of which names exist."""

    def __init__(self, user: object, until: dt.datetime) -> None:
        super().__init__(user)
        self.until = until
        self.args = (
            f"login refused for user {user!r}: too many failed attempts, locked until "
            f"{until.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC",
        )


class DatabaseLockedError(BackendError):
    """A DuckDB file is held by another process (``pid`` when DuckDB names it)."""

    def __init__(self, path: str, pid: int | None, detail: str) -> None:
        self.path = path
        self.pid = pid
        who = f"process {pid}" if pid is not None else "another process"
        super().__init__(
            f"the DuckDB file {path} is held by {who}: a DuckDB file is exclusive to one process "
            f"(DuckDB said: {detail})"
        )


@dataclass(frozen=True)
class SchemaVersion:
    """A schema as a database stores it or as an interface was generated from it."""

    name: str
    version: int
    fingerprint: str

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class SchemaMismatchError(BackendError):
    """The database holds another schema, or another version, than the interface was generated from.

    ``stored`` is what the database holds (``None``: no assurdb meta-database at all);
    ``interface`` what the generated interface (``package``) was built from. ``advice`` says what
    to do: migrate the database, or generate an interface from the schema it holds.
    """

    def __init__(
        self,
        url: str,
        stored: SchemaVersion | None,
        interface: SchemaVersion,
        package: str,
        advice: str,
        *,
        stored_meta: int | None = None,
        interface_meta: int | None = None,
    ) -> None:
        self.url = url
        self.stored = stored
        self.interface = interface
        self.package = package
        self.advice = advice
        #: the meta-schema's version the database is at, and the interface's
        self.stored_meta = stored_meta
        self.interface_meta = interface_meta
        if stored is None:
            text = f"{url} holds no assurdb meta-database: {advice}"
        else:
            text = (
                f"{url} holds schema {stored} (fingerprint {stored.fingerprint[:12]}…), but the interface "
                f"{package} was generated from {interface} (fingerprint {interface.fingerprint[:12]}…): {advice}"
            )
        super().__init__(text)


class InterfaceNotFoundError(BackendError):
    """No generated interface under that name (``package``): generate one first."""

    def __init__(self, package: str, advice: str) -> None:
        self.package = package
        self.advice = advice
        super().__init__(f"no generated interface {package}: {advice}")


class DatabaseExistsError(BackendError):
    """``create`` on a database that already holds an assurdb meta-database (nothing was changed)."""

    exit_code: ClassVar[int] = 1

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"{url} already holds an assurdb database")


class DatabaseNotFoundError(BackendError):
    """A database file that is not there, opened as an existing database (nothing was created).
    Exit code 4, as a server's database that is not there: the database cannot be opened."""

    exit_code: ClassVar[int] = 4

    def __init__(self, url: str, path: str) -> None:
        self.url, self.path = url, path
        super().__init__(f"{url}: no database file at {path} (create one with `assurdb init` or assurdb.create)")


class NotAdministratorError(AuthenticationError):
    """The user logged in, but administration needs the admin right (mode 3 on ``User``)."""

    def __init__(self, user: object) -> None:
        super().__init__(user)
        self.args = (f"user {user!r} does not hold the admin right (mode 3 on the meta-database's User)",)
