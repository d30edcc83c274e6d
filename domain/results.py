"""What every domain primitive answers: a typed :class:`Result` (thesis V).

A primitive never raises for bad input. It answers the interface's return code when a request
decided the outcome (an :class:`~metadb.contract.RC`, e.g. 400 when the occurrence is not
found), or a domain code when the domain layer refused before writing anything:
``1000 + n`` for integrity constraint *n* of thesis IV.6 (see :class:`~domain.constraints.Constraint`),
or one of :class:`DomainRC`. Either way ``message`` says why, in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from assurdb.domain.constraints.codes import Article, Constraint, Violation
from assurdb.metadb.contract import RC, Reply, as_rc

if TYPE_CHECKING:
    import pandas as pd


class DomainRC(IntEnum):
    """Refusals of the domain layer that are not integrity constraints (codes above the interface's)."""

    #: DELETE / DELETE ASSOCIATION / REINSTATE: the confirmation hook said no (thesis V.1.1 h).
    NOT_CONFIRMED = 1100
    #: the primitive may not change that item (the identifier in MODIFY, accounting items in
    #: PARTIAL MODIF, anything but the cancellation items in CANCEL…; thesis V.3.1).
    ITEM_NOT_ALLOWED = 1101
    #: the occurrence is not in a state the primitive applies to (already cancelled, not damaged…).
    WRONG_STATE = 1102


@dataclass(frozen=True, slots=True)
class Result:
    """A primitive's answer.

    ``rc``: 0 when done; an interface return code (:class:`RC`, or OPEN DB's computed 10·i,
    500+i, 600+i) when a request refused; ``1000 + n`` when integrity constraint *n* refused
    (``violations`` says where); a :class:`DomainRC` otherwise. ``article`` is the occurrence
    read, created or modified; ``articles`` several of them (FIND ASSOCIATION, batch forms);
    ``batch`` SELECT's DataFrame; ``text`` DISPLAY's text; ``position`` the index of the first
    refused element of a batch form; ``reply`` the interface's reply that decided, if any.
    """

    rc: int
    message: str = ""
    article: Article | None = None
    articles: tuple[Article, ...] = ()
    batch: pd.DataFrame | None = None
    text: str | None = None
    violations: tuple[Violation, ...] = ()
    position: int | None = None
    reply: Reply | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.rc == RC.OK

    @property
    def constraint(self) -> Constraint | None:
        """The integrity constraint that refused, if one did."""
        return self.violations[0].constraint if self.violations else None

    def __repr__(self) -> str:
        if isinstance(self.rc, IntEnum):
            code = self.rc.name
        elif 1000 < int(self.rc) < 1000 + len(Constraint) + 1:
            code = Constraint(int(self.rc) - 1000).name
        else:
            code = str(int(self.rc))
        return f"Result(rc={int(self.rc)} {code}, message={self.message!r})"


def done(
    message: str = "",
    article: Article | None = None,
    articles: Sequence[Article] = (),
    **extra: Any,
) -> Result:
    return Result(RC.OK, message, article, tuple(articles), **extra)


def from_reply(reply: Reply, context: str = "") -> Result:
    """The interface's answer as a result; ``context`` says which step of the primitive asked."""
    message = f"{context}: {reply.message}" if context and reply.message else (context or reply.message)
    return Result(
        as_rc(int(reply.rc)),
        message,
        reply.article,
        batch=reply.batch,
        position=reply.position,
        reply=reply,
    )


def refused(violations: Violation | Sequence[Violation], *, position: int | None = None) -> Result:
    """An integrity constraint refused: rc ``1000 + n`` of the first violation, every message joined."""
    found = (violations,) if isinstance(violations, Violation) else tuple(violations)
    first = found[0]
    message = "; ".join(v.message for v in found)
    if position is not None:
        message = f"element {position}: {message}"
    return Result(first.constraint.rc, message, violations=found, position=position)


def failed(rc: int, message: str, *, position: int | None = None, article: Article | None = None) -> Result:
    """Any other refusal (an :class:`RC` the domain decided itself, or a :class:`DomainRC`)."""
    if position is not None:
        message = f"element {position}: {message}"
    return Result(rc, message, article, position=position)
