"""What goes wrong with a screen description: every problem, with its file and line."""

from __future__ import annotations

from dataclasses import dataclass

from assurdb.metadb.errors import AssurdbError


@dataclass(frozen=True)
class ScreenProblem:
    """One thing wrong in a screen file: where, which element, what."""

    file: str
    line: int | None
    element: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.element}: {self.message}"


class ScreenError(AssurdbError):
    """A screen file is invalid; ``problems`` lists every error found (nothing was loaded)."""

    def __init__(self, problems: list[ScreenProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} error(s) in screen description:\n{lines}")
