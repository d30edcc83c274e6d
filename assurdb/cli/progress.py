"""Progress bars of the command line: on stderr, never in the output (CSV, JSON, a page).

A :class:`Bars` is the ``progress(what, done, total)`` callback the layers below take
(``metadb.progress``): each new ``what`` is a new bar. Bars are drawn only on a terminal (a log
or a pipe gets none) and never with ``--quiet``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
#: Seconds between two redraws of a bar.
REDRAW = 0.1


def quiet_option(function: F) -> F:
    """``-q/--quiet``: no progress bars."""
    return click.option("-q", "--quiet", is_flag=True, help="No progress bars (they go to stderr).")(function)


def stderr() -> TextIO:
    """Where bars are drawn (the runner of a test swaps it, as it swaps stdout)."""
    return sys.stderr


class Bars:
    """The progress callback of a command: a bar per stage on stderr, when it is a terminal."""

    def __init__(self, quiet: bool = False) -> None:
        self.stream = stderr()
        self.shown = not quiet and self.stream.isatty()
        self._bar: Any = None
        self._what: str | None = None
        self._drawn = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.shown:
            return
        if total <= 0:  # a stage with nothing to do draws no bar
            if what != self._what:
                self.finish()
            return
        if self._bar is None or what != self._what:
            self.finish()
            self._bar = click.progressbar(
                length=max(total, 1), label=what, file=self.stream, show_pos=True, show_eta=True, width=30
            )
            self._bar.__enter__()
            self._what = what
        elif done < total and time.monotonic() - self._drawn < REDRAW:
            return  # at most a redraw per REDRAW seconds (a bar per article would flood a slow terminal)
        if max(total, 1) != self._bar.length:
            self._bar.length = max(total, 1)
        self._bar.update(max(0, done - self._bar.pos))
        self._drawn = time.monotonic()

    def stage(self, what: str, done: int = 0, total: int = 1) -> None:
        """A step with no count of its own: a bar of ``total`` steps named ``what``."""
        self(what, done, total)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar, self._what = None, None

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.finish()
