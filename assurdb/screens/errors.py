"""What goes wrong with a screen description: every problem, with its file and line."""

from __future__ import annotations

from assurdb.metadb.errors import AssurdbError, FileProblem

#: One thing wrong in a screen file: where, which element, what (the schema files' kind of problem).
ScreenProblem = FileProblem


class ScreenError(AssurdbError):
    """A screen file is invalid; ``problems`` lists every error found (nothing was loaded)."""

    def __init__(self, problems: list[ScreenProblem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} error(s) in screen description:\n{lines}")
