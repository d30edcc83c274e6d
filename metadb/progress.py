"""How a long step says how far it has got, without knowing who listens (no click below the CLI).

A step that can take more than a second takes an optional ``progress`` callback and calls it
as it goes: ``progress(what, done, total)`` — ``done`` of ``total`` units of the work named
``what``. A new ``what`` starts a new stage (the command line draws a new bar). The domain, the
engine, the generator and the migrations call it; the command line draws the bars (on stderr),
and a program passes its own callback or none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

#: ``progress(what, done, total)``.
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


def tracked(items: Iterable[T], total: int, what: str, progress: Progress | None) -> Iterator[T]:
    """The items, calling ``progress`` before the first and after each (nothing when it is None)."""
    if progress is None:
        yield from items
        return
    progress(what, 0, total)
    for done, item in enumerate(items, 1):
        yield item
        progress(what, done, total)
