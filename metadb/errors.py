"""The root of every assurdb exception, and the meta-database's own (as SQLAlchemy's ``exc.py``).

:class:`AssurdbError` is the one root: each package has its subclass (``MetaDBError`` here,
``BackendError`` in the runtime, ``GeneratorError``, ``DomainError``, ``EngineError``), and
each error carries its facts as attributes, so nobody parses a message. ``exit_code`` is what
the command line exits with. Requests never raise: they answer return codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class AssurdbError(Exception):
    """Root of every exception assurdb raises."""

    #: The command line's exit status for this error (documented in the CLI reference).
    exit_code: ClassVar[int] = 1


class MetaDBError(AssurdbError):
    """Root of the errors of ``assurdb.metadb``: schemas, their files and the meta-database."""


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in a file assurdb reads (a schema file, a screen file): where, which
    element, what."""

    file: str
    line: int | None
    element: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.element}: {self.message}"


#: A schema file's problem (and a screen file's: ``assurdb.screens.errors.ScreenProblem``).
SchemaProblem = FileProblem


class SchemaError(MetaDBError):
    """A schema file is invalid; ``problems`` lists every error found (nothing was loaded)."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        self.problems = list(problems)
        if len(self.problems) == 1:  # one problem, one line (file:line: element: message)
            super().__init__(f"schema {self.problems[0]}")
            return
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} error(s) in schema:\n{lines}")
