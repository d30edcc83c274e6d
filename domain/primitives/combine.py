"""COMBINE (thesis V.3.1 c–e): composing occurrences along a contract's chain by each item's rule.

"Selon les items, cumul des valeurs des occurrences d'input ou choix de la valeur de la dernière
occurrence d'input": an item whose meta-database ``combine`` is ``sum`` is cumulated (an
endorsement stores the difference it brings), one whose rule is ``last`` takes the value
of the last occurrence, one whose rule is ``keep`` keeps the first occurrence's (a contract's
cover start is its policy's or renewal's, whatever date its endorsements took effect). Items
with no rule (identifiers, path items) take the last occurrence's value: the composed
occurrence stands for the contract as of the last one.

:func:`difference` is the inverse an endorsement needs: from the composed contract and the new
state the operator wants, what the endorsement stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from assurdb.domain.constraints.codes import Article
from assurdb.metadb.model import RecordType

ZERO = Decimal(0)


def combine_occurrences(rt: RecordType, occurrences: Sequence[Mapping[str, Any]]) -> Article:
    """The occurrence composed from ``occurrences`` (in chain order) by each item's combine rule.

    ``sum``: the total of the values given (``None`` counts as nothing; all ``None`` → ``None``);
    ``keep``: the first occurrence's value; ``last`` and no rule: the last occurrence's value.
    """
    composed: Article = {}
    for occurrence in occurrences:
        for item in rt.items:
            if item.name not in occurrence:
                continue
            value = occurrence[item.name]
            if item.combine == "sum":
                if value is not None:
                    previous = composed.get(item.name)
                    composed[item.name] = value if previous is None else previous + value
                else:
                    composed.setdefault(item.name, None)
            elif item.combine == "keep":
                composed.setdefault(item.name, value)
            else:
                composed[item.name] = value
    return composed


def difference(rt: RecordType, current: Mapping[str, Any], new: Mapping[str, Any]) -> Article:
    """What an endorsement stores to take the contract from ``current`` to ``new``:
    the difference of every ``sum`` item, the new value of every ``last`` item (a ``keep`` item is
    the endorsement's own: its cover start is its effective date, set by CREATE ENDORSEMENT)."""
    stored: Article = {}
    for item in rt.items:
        if item.combine == "sum":
            after, before = new.get(item.name), current.get(item.name)
            if after is None and before is None:
                stored[item.name] = None
            else:
                stored[item.name] = (after if after is not None else ZERO) - (before if before is not None else ZERO)
        elif item.combine in ("last", "keep") and item.name in new:
            stored[item.name] = new[item.name]
    return stored
