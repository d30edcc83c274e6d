"""The exceptions of the meta-database package (one root, as SQLAlchemy's ``exc.py``)."""

from __future__ import annotations

from dataclasses import dataclass


class MetaDBError(Exception):
    """Root of every error raised by ``metadb``."""


@dataclass(frozen=True)
class SchemaProblem:
    """One thing wrong in a schema file: where, which element, what."""

    file: str
    line: int | None
    element: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.element}: {self.message}"


class SchemaError(MetaDBError):
    """A schema file is invalid; ``problems`` lists every error found (nothing was loaded)."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} error(s) in schema:\n{lines}")


class AuthenticationError(MetaDBError):
    """A login failed: unknown user, wrong password or inactive user (nothing was opened)."""


class SchemaMismatchError(MetaDBError):
    """The database's schema fingerprint differs from the generated interface's."""


class DatabaseLockedError(MetaDBError):
    """A DuckDB file is held by another process; the message names the holder."""
