"""Route finding: the cheapest chain of path types between two record types (thesis VII.1.5).

The thesis: "when one wants to reach information in a database there are often several
itineraries … if the meta-database holds the approximate number of articles of each record type
and the mean access times by each key, procedures can search the itineraries systematically for
the one that is statistically the cheapest". This module is that procedure.

**Moves.** A path type can be walked both ways: from an origin to its targets (*forward*,
READ TARGET VIA PATH) and from a target to its origin(s) (*backward*, READ ORIGIN VIA PATH).

**Cost model.** Every step is priced *per article of the record type it starts from*, with
``n(X)`` the article count of ``X`` (``Schema.stats``; at least 1) and ``a(X)`` the mean access
cost of ``X``'s identifying key ``id`` (1.0 when the statistics do not say):

============  ==========  =================================  ===============================
path class    direction   articles reached (fan-out ``f``)   cost of the step
============  ==========  =================================  ===============================
1-N           forward     ``max(1, n(target) / n(origin))``  ``f × a(target)``
1-1           forward     1                                  ``a(target)``
1-N, 1-1      backward    1 (the target holds its origin's   ``a(origin)``
                          identifier)
N-N           forward     ``max(1, n(target) / n(origin))``  ``f × (J + a(target))``
N-N           backward    ``max(1, n(origin) / n(target))``  ``f × (J + a(origin))``
============  ==========  =================================  ===============================

An N-N path is stored as a junction record type, so each article reached through it
costs one more access, ``J`` = :data:`JUNCTION_COST`, the junction having no statistics of its
own; its fan-out assumes as many links as articles on the larger side. A route costs the sum of
its steps: fan-outs are not multiplied along the chain, which keeps every step's weight fixed so
that Dijkstra's algorithm applies (all weights are positive). Costs are computed exactly
(fractions of the decimal statistics), so equal routes really tie; ties go to the route whose
sequence of (path name, direction) sorts first — names compared as strings, forward before
backward — so the same schema always answers the same route.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from assurdb.metadb.errors import MetaDBError
from assurdb.metadb.model import IDENTIFIER_KEY, PathType, Schema

Direction = Literal["forward", "backward"]

#: The interface action each direction performs.
ACTIONS: dict[Direction, str] = {"forward": "READ TARGET VIA PATH", "backward": "READ ORIGIN VIA PATH"}

#: Cost of reading one junction article of an N-N path (its index record type).
JUNCTION_COST = Fraction(1)


class RouteError(MetaDBError):
    """A route was asked between record types the schema does not have."""


class NoRouteError(RouteError):
    """No chain of path types links the two record types."""


@dataclass(frozen=True)
class Step:
    """One move along a path type, from an article of ``from_rt`` to those of ``to_rt`` it reaches."""

    path: str
    direction: Direction
    from_rt: str
    to_rt: str
    fanout: float
    cost: float

    @property
    def action(self) -> str:
        """The interface request that performs the step (READ TARGET / ORIGIN VIA PATH)."""
        return ACTIONS[self.direction]


@dataclass(frozen=True)
class Route:
    """The cheapest itinerary from ``from_rt`` to ``to_rt``; no steps when they are the same."""

    schema: str
    from_rt: str
    to_rt: str
    steps: tuple[Step, ...]
    total: float

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(s.path for s in self.steps)


def _count(schema: Schema, rt: str) -> Fraction:
    return Fraction(max(schema.stats(rt).count, 1))


def _access(schema: Schema, rt: str) -> Fraction:
    # repr() gives the decimal the schema file wrote (1.2, not its binary approximation), so that
    # routes whose statistics add up to the same decimal tie exactly.
    return Fraction(repr(schema.stats(rt).cost(IDENTIFIER_KEY)))


def _price(schema: Schema, path: PathType, direction: Direction) -> tuple[Fraction, Fraction]:
    """(fan-out, cost) of one step, as the module's table says."""
    if direction == "forward":
        start, end = path.origin, path.target
    else:
        start, end = path.target, path.origin
    if path.many_to_many:
        fanout = max(Fraction(1), _count(schema, end) / _count(schema, start))
        return fanout, fanout * (JUNCTION_COST + _access(schema, end))
    if direction == "forward" and path.cls == "1-N":
        fanout = max(Fraction(1), _count(schema, end) / _count(schema, start))
        return fanout, fanout * _access(schema, end)
    return Fraction(1), _access(schema, end)


def step(schema: Schema, path_name: str, direction: Direction) -> Step:
    """The priced step along path type ``path_name`` in ``direction``."""
    path = schema.path_types.get(path_name)
    if path is None:
        raise RouteError(
            f"unknown path type {path_name!r} in schema {schema.name}{_hint(path_name, schema.path_types)}"
        )
    fanout, cost = _price(schema, path, direction)
    start, end = (path.origin, path.target) if direction == "forward" else (path.target, path.origin)
    return Step(path.name, direction, start, end, float(fanout), float(cost))


def _hint(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# A label orders routes of equal cost: its (path name, 0 forward / 1 backward) sequence.
_Label = tuple[tuple[str, int], ...]


def route(schema: Schema, from_rt: str, to_rt: str) -> Route:
    """The cheapest route from ``from_rt`` to ``to_rt`` (Dijkstra over both directions of every path).

    Raises :class:`RouteError` for a record type the schema does not have and
    :class:`NoRouteError` when no chain of path types links the two.
    """
    for rt in (from_rt, to_rt):
        if rt not in schema.record_types:
            raise RouteError(f"unknown record type {rt!r} in schema {schema.name}{_hint(rt, schema.record_types)}")
    if from_rt == to_rt:
        return Route(schema.name, from_rt, to_rt, (), 0.0)
    moves: dict[str, list[tuple[PathType, Direction, str]]] = {rt: [] for rt in schema.record_types}
    for path in schema.path_types.values():
        if path.origin == path.target:
            continue  # a loop (Centralisation, RenewalEndorsement…) never shortens a route
        moves[path.origin].append((path, "forward", path.target))
        moves[path.target].append((path, "backward", path.origin))
    # Heap entries order by exact cost, then label: the tie-breaking rule of the module docstring.
    # Extending two routes by the same step keeps their order, so the first route popped at a
    # record type is the least in (cost, label) of all routes reaching it.
    heap: list[tuple[Fraction, _Label, str, tuple[Step, ...]]] = [(Fraction(0), (), from_rt, ())]
    done: set[str] = set()
    while heap:
        cost, label, rt, steps = heapq.heappop(heap)
        if rt in done:
            continue
        done.add(rt)
        if rt == to_rt:
            return Route(schema.name, from_rt, to_rt, steps, float(cost))
        for path, direction, end in moves[rt]:
            if end in done:
                continue
            fanout, price = _price(schema, path, direction)
            move = Step(path.name, direction, rt, end, float(fanout), float(price))
            rank = (path.name, 0 if direction == "forward" else 1)
            heapq.heappush(heap, (cost + price, (*label, rank), end, (*steps, move)))
    raise NoRouteError(f"no route from {from_rt} to {to_rt} in schema {schema.name}: no chain of path types links them")
