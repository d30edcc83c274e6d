"""What the checks read, through the interface, cached for one primitive's call."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from assurdb.domain.constraints.codes import (
    Article,
    Key,
    articles_of,
    describe,
)
from assurdb.domain.openings import open_on_demand
from assurdb.metadb.contract import RC, Reply, Session

# -- reading for the checks -----------------------------------------------------------------------


class Lookup:
    """Reads occurrences and links through the session for one primitive's checks, each once.

    Articles a batch form is about to write are added with :meth:`put` / :meth:`link`, so the
    checks of its later elements see its earlier ones. A read that fails with anything but
    "not found" (600: a record type not open; 999) is kept in :attr:`failure`: the primitive
    answers it instead of trusting an incomplete check.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schema = session.schema
        self.failure: Reply | None = None
        self._articles: dict[tuple[str, Key], Article | None] = {}
        self._targets: dict[tuple[str, Key], list[Article]] = {}
        self._origins: dict[tuple[str, Key], list[Article]] = {}
        self._new_targets: dict[tuple[str, Key], list[Article]] = defaultdict(list)
        self._new_origins: dict[tuple[str, Key], list[Article]] = defaultdict(list)
        self._complete: set[str] = set()

    # identifiers
    def ids(self, rt: str) -> tuple[str, ...]:
        return self.schema.record_types[rt].identifier_items

    def key(self, rt: str, values: Mapping[str, Any]) -> Key:
        return tuple(values.get(i) for i in self.ids(rt))

    def ident(self, rt: str, values: Mapping[str, Any]) -> dict[str, Any]:
        return {i: values.get(i) for i in self.ids(rt)}

    def describe(self, rt: str, values: Mapping[str, Any]) -> str:
        return describe(self.schema, rt, values)

    def _read(self, rts: tuple[str, ...], request: Callable[[], Reply]) -> Reply:
        """A read for a check; refused because a record type is not open (600), it is opened in
        mode 1 for the rest of the primitive when the primitive allows it, and the read made again."""
        reply = request()
        if reply.rc == RC.MODE_FORBIDS and open_on_demand(self.session, rts):
            reply = request()
        return reply

    def _keep(self, reply: Reply) -> None:
        if self.failure is None:
            self.failure = reply

    # occurrences
    def get(self, rt: str, values: Mapping[str, Any]) -> Article | None:
        """The occurrence with these identifier values (``None`` if there is none)."""
        key = self.key(rt, values)
        if any(v is None for v in key):
            return None
        slot = (rt, key)
        if slot not in self._articles:
            if rt in self._complete:
                return None
            wanted = dict(zip(self.ids(rt), key, strict=True))
            reply = self._read((rt,), partial(self.session.read_direct, rt, wanted))
            if reply.ok:
                self._articles[slot] = reply.article
            else:
                if reply.rc != RC.NOT_FOUND:
                    self._keep(reply)
                self._articles[slot] = None
        return self._articles[slot]

    def put(self, rt: str, article: Mapping[str, Any]) -> None:
        """An occurrence written (or about to be) by this primitive."""
        self._articles[(rt, self.key(rt, article))] = dict(article)

    def preload(self, rt: str, articles: Iterable[Article], *, complete: bool = False) -> None:
        """Occurrences read in bulk; ``complete``: they are all there are (others need no reading)."""
        for article in articles:
            self._articles[(rt, self.key(rt, article))] = article
        if complete:
            self._complete.add(rt)

    def select(self, rt: str, criteria: Mapping[str, Any], *, complete: bool = False) -> list[Article] | None:
        """READ SELECTION, its occurrences kept (``None`` if it failed: see :attr:`failure`)."""
        reply = self._read((rt,), partial(self.session.read_selection, rt, criteria))
        if not reply.ok:
            self._keep(reply)
            return None
        found = articles_of(reply.batch)
        self.preload(rt, found, complete=complete)
        return found

    def preload_links(
        self, pt: str, origins: Iterable[Mapping[str, Any]], targets: Iterable[Mapping[str, Any]]
    ) -> None:
        """The targets of a 1-N path for these origins, from targets read in bulk (all of them)."""
        path = self.schema.path_types[pt]
        grouped: dict[Key, list[Article]] = defaultdict(list)
        for target in targets:
            held = tuple(target.get(t) for _, t in path.origin_items)
            if all(v is not None for v in held):
                grouped[held].append(dict(target))
        for origin in origins:
            key = self.key(path.origin, origin)
            self._targets[(pt, key)] = grouped.get(key, [])

    def preload_policies(self, policy_nos: Iterable[Any]) -> tuple[list[Article], list[Article]]:
        """The PRAs and guaranties of these policies (and those between them), with one READ
        SELECTION each over the policy numbers' range, and their Breakdown links."""
        wanted = sorted({str(p) for p in policy_nos if p is not None})
        if not wanted:
            return [], []
        span = {"policy_no": (wanted[0], wanted[-1])}
        pras = self.select("PRA", span) or []
        guaranties = self.select("Guaranty", span) or []
        self.preload_links("Breakdown", pras, guaranties)
        return pras, guaranties

    # links
    def targets(self, pt: str, origin: Mapping[str, Any]) -> list[Article]:
        """Every target of ``origin`` on path ``pt`` (READ TARGET VIA PATH, first then next)."""
        path = self.schema.path_types[pt]
        slot = (pt, self.key(path.origin, origin))
        if slot not in self._targets:
            found: list[Article] = []
            current: Article | None = None
            ident = self.ident(path.origin, origin)
            while True:
                reply = self._read(
                    (path.origin, path.target),
                    partial(self.session.read_target_via_path, path.origin, ident, pt, path.target, current),
                )
                if not reply.ok:
                    if reply.rc not in (RC.TARGET_NOT_FOUND, RC.NOT_FOUND):
                        self._keep(reply)
                    break
                assert reply.article is not None
                found.append(reply.article)
                current = reply.article
            self._targets[slot] = found
        return self._targets[slot] + self._new_targets.get(slot, [])

    def origins(self, pt: str, target: Mapping[str, Any]) -> list[Article]:
        """Every origin of ``target`` on path ``pt`` (from its path items, or READ ORIGIN VIA PATH)."""
        path = self.schema.path_types[pt]
        slot = (pt, self.key(path.target, target))
        if slot not in self._origins:
            found: list[Article] = []
            if not path.many_to_many:
                held = {o: target.get(t) for o, t in path.origin_items}
                origin = self.get(path.origin, held)
                if origin is not None:
                    found.append(origin)
            else:
                current: Article | None = None
                ident = self.ident(path.target, target)
                while True:
                    reply = self._read(
                        (path.origin, path.target),
                        partial(self.session.read_origin_via_path, path.origin, pt, path.target, ident, current),
                    )
                    if not reply.ok:
                        if reply.rc not in (RC.TARGET_NOT_FOUND, RC.NOT_FOUND):
                            self._keep(reply)
                        break
                    assert reply.article is not None
                    found.append(reply.article)
                    current = reply.article
            self._origins[slot] = found
        return self._origins[slot] + self._new_origins.get(slot, [])

    def preload_targets(self, pt: str, origin_key: Key, targets: list[Article]) -> None:
        self._targets[(pt, origin_key)] = targets

    def preload_origins(self, pt: str, target_key: Key, origins: list[Article]) -> None:
        self._origins[(pt, target_key)] = origins

    def link(self, pt: str, origin: Mapping[str, Any], target: Mapping[str, Any]) -> None:
        """A link this primitive writes (or is about to)."""
        path = self.schema.path_types[pt]
        self._new_targets[(pt, self.key(path.origin, origin))].append(dict(target))
        self._new_origins[(pt, self.key(path.target, target))].append(dict(origin))

    def origin_of(self, pt: str, target: Mapping[str, Any]) -> Article | None:
        """The origin of a 1-N / 1-1 path held in the target's path items (``None``: not linked)."""
        path = self.schema.path_types[pt]
        return self.get(path.origin, {o: target.get(t) for o, t in path.origin_items})
