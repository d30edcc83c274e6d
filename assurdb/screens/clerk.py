"""The clerk's application on the default screens: find, walk, view, create, modify, delete.

It talks to a :class:`~assurdb.metadb.contract.Session` only, and to the screen interface through
:class:`~assurdb.screens.interface.Display` and :class:`~assurdb.screens.interface.Filled`. Each
answer opens what it needs (:func:`opened`: READ in mode 1, a change in mode 2; waiting with
back-off while another session holds an incompatible mode, 600+i), does one thing, and closes:
no unit of work outlives an answer.

*Previous* walks back the way *next* came: READ SEQUENTIAL only reads forward, so each article
screen carries the trail of the articles the user walked from (the last :data:`TRAIL` ones).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from assurdb.metadb.contract import RC, Article, Mode, Reply, Session
from assurdb.metadb.meta import META_RECORD_TYPES
from assurdb.metadb.model import RecordType, Schema
from assurdb.screens.derive import SECRET_ITEMS, PathLink, RecordScreens, record_screens
from assurdb.screens.interface import SCREEN, Display, Filled, Link, Place, Section
from assurdb.screens.model import Screen
from assurdb.screens.values import article_fields, kind_of, parse, read_article, show

#: How long an answer waits for a record type another session holds in an incompatible mode.
OPEN_PATIENCE = 3.0
#: The most targets or origins listed under one path on an article's screen.
PATH_LIMIT = 20
#: How many articles *previous* can walk back.
TRAIL = 20


class Refused(Exception):
    """A request refused: the reply says why."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(str(reply))
        self.reply = reply


@contextmanager
def opened(session: Session, openings: Sequence[tuple[str, int]], *, partial: bool = True) -> Iterator[list[str]]:
    """OPEN DB for the time of one answer, then CLOSE DB. A record type the user may not open
    (500+i) is left out and named in the list yielded (``partial=False``: refused); one opened
    elsewhere in an incompatible mode (600+i) is waited for with back-off, then refused."""
    wanted = list(openings)
    left_out: list[str] = []
    deadline = time.monotonic() + OPEN_PATIENCE
    delay = 0.02
    while True:
        reply = session.open_db(wanted)
        if reply.ok:
            break
        position = reply.position
        if partial and 500 < reply.rc < 600 and position is not None and len(wanted) > 1 and position > 1:
            left_out.append(wanted.pop(position - 1)[0])
            continue
        if 600 < reply.rc < 700 and time.monotonic() < deadline:
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.5)
            continue
        raise Refused(reply)
    try:
        yield left_out
    finally:
        session.close_db()


def modifiable(session: Session, record_types: Sequence[str]) -> set[str]:
    """The record types the user may open in mode 2 (MODIFY SHARED), asked of OPEN DB and closed at
    once: 500+i leaves entry *i* out; 600+i means the rights are there (OPEN DB checks them before
    other sessions' openings), only busy now — the change itself will wait or say so."""
    wanted = list(dict.fromkeys(record_types))
    while wanted:
        reply = session.open_db([(rt, Mode.MODIFY_SHARED) for rt in wanted])
        if reply.ok:
            session.close_db()
            return set(wanted)
        position = reply.position
        if 500 < reply.rc < 600 and position is not None and 1 <= position <= len(wanted):
            wanted.pop(position - 1)
            continue
        return set(wanted) if 600 < reply.rc < 700 else set()
    return set()


def concerned_field(message: str, fields: Sequence[str], item_of: Mapping[str, str]) -> str:
    """The field a refusal's message is about (``item 'code'``, ``code=1``…), or :data:`SCREEN`."""
    for found in re.finditer(r"item '?([A-Za-z_][A-Za-z0-9_]*)'?|\b([A-Za-z_][A-Za-z0-9_]*)=", message):
        item = found.group(1) or found.group(2)
        for name in fields:
            if item_of.get(name, name) == item:
                return name
    return SCREEN


class Clerk:
    """The default screens of one schema, answered through a session."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.screens: dict[str, RecordScreens] = {rt: record_screens(schema, rt) for rt in schema.record_types}

    # -- helpers ------------------------------------------------------------------------------
    def record(self, rt: str) -> RecordType:
        return self.schema.record_types[rt]

    def known(self, rt: str) -> bool:
        return rt in self.screens

    def identifier(self, rt: str, article: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
        return tuple((i, show(article.get(i))) for i in self.record(rt).identifier_items)

    def key_of(self, rt: str, place: Place) -> dict[str, object]:
        """The identifier (or key) values a place names, typed as their items are."""
        record = self.record(rt)
        keyed = {i for key in record.keys for i in key.items}
        return {
            name: parse(kind_of(record.item(name)), text) for name, text in place.params if name in keyed and text != ""
        }

    def caption(self, rt: str, article: Mapping[str, object]) -> str:
        """How an article is named in a link: its identifier, then a name if it has one."""
        record = self.record(rt)
        ident = " / ".join(show(article.get(i)) for i in record.identifier_items)
        name = article.get("name")
        return f"{ident} {name}" if isinstance(name, str) and name else ident

    def values(self, rt: str, article: Mapping[str, object]) -> dict[str, str]:
        texts = article_fields(self.record(rt), article)  # type: ignore[arg-type]
        return {k: ("" if k.split(".")[0] in SECRET_ITEMS else v) for k, v in texts.items()}

    def refusal(self, screen: Screen, rt: str, reply: Reply) -> dict[str, str]:
        fields = [z.field for z in screen.fields if z.field]
        return {concerned_field(reply.message, fields, self.screens[rt].item_of): str(reply)}

    # -- home ---------------------------------------------------------------------------------
    def home(self, home: Screen, first: Sequence[Section] = (), *, notice: str = "") -> Display:
        """The sections given first (written screens, reports), then every record type with its
        find screens (those of the meta-database apart)."""

        def links(names: list[str]) -> tuple[Link, ...]:
            return tuple(Link(self.screens[rt].title, Place("find", rt, (("key", "id"),)), rt) for rt in names)

        data = [rt for rt in self.screens if rt not in META_RECORD_TYPES]
        meta = [rt for rt in self.screens if rt in META_RECORD_TYPES]
        sections = (
            *first,
            Section("Record types", links(data)),
            Section("The meta-database", links(meta)),
        )
        return Display(home, sections=sections, notice=notice)

    # -- find and walk ------------------------------------------------------------------------
    def find(self, session: Session, rt: str, key: str, filled: Filled | None) -> Display:
        screens = self.screens[rt]
        screen = screens.find.get(key) or screens.find["id"]
        key = screen.name.rsplit(".", 1)[1]
        other_keys = tuple(
            Link(f"by {k if k != 'id' else 'identifier'}", Place("find", rt, (("key", k),)))
            for k in screens.find
            if k != key
        )
        target = Place("find", rt, (("key", key),))
        if filled is None or filled.action != "find":
            return Display(screen, target=target, links=other_keys)
        given = {k: v for k, v in filled.values.items() if v.strip()}
        if not given:
            return Display(screen, filled.values, {SCREEN: "give the key, or its beginning"}, target, other_keys)
        article = read_article(self.record(rt), given, set(given), blanks_are_absent=True)
        complete = all(article.get(i) is not None for i in self.record(rt).keys[key].items)
        with opened(session, [(rt, Mode.CONSULT)]):
            # a complete key: that very article (READ DIRECT), else the first after it; a partial
            # key: the first at or after it (READ SEQUENTIAL)
            reply = session.read_direct(rt, article, key) if complete else None
            if reply is None or reply.rc == RC.NOT_FOUND:
                reply = session.read_sequential(rt, article, key)
        if not reply.ok or reply.article is None:
            return Display(screen, filled.values, self.refusal(screen, rt, reply), target, other_keys)
        return self.view(session, rt, Place("view", rt, (*self.identifier(rt, reply.article), ("key", key))))

    def next(self, session: Session, place: Place) -> Display:
        """READ SEQUENTIAL after the article the place names, in its key."""
        rt = place.record_type
        key = place.param("key", "id")
        record = self.record(rt)
        with opened(session, [(rt, Mode.CONSULT)]):
            current = session.read_direct(rt, self.key_of(rt, place))
            if not current.ok or current.article is None:
                return self._lost(rt, current)
            if record.keys.get(key) is None:
                key = "id"
            order = [*record.keys[key].items, *(i for i in record.identifier_items if i not in record.keys[key].items)]
            reply = session.read_sequential(rt, {i: current.article[i] for i in order}, key)
        trail = [*_trail(place), dict(self.identifier(rt, current.article))][-TRAIL:]
        if not reply.ok or reply.article is None:
            notice = "this is the last article" if reply.rc == RC.NOT_FOUND else str(reply)
            return self.view(session, rt, _with(place, "view", _trail(place)), notice=notice)
        return self.view(session, rt, Place("view", rt, (*self.identifier(rt, reply.article), ("key", key))), trail)

    def previous(self, session: Session, place: Place) -> Display:
        trail = _trail(place)
        rt = place.record_type
        if not trail:
            return self.view(session, rt, _with(place, "view", []), notice="no article before this one on this walk")
        back = trail[-1]
        return self.view(session, rt, Place("view", rt, (*back.items(), ("key", place.param("key", "id")))), trail[:-1])

    # -- an article and its paths -------------------------------------------------------------
    def view(
        self, session: Session, rt: str, place: Place, trail: list[dict[str, str]] | None = None, *, notice: str = ""
    ) -> Display:
        screens = self.screens[rt]
        key = place.param("key", "id")
        trail = _trail(place) if trail is None else trail
        others = {p.other for p in screens.paths} - {rt}
        with opened(session, [(rt, Mode.CONSULT), *((o, Mode.CONSULT) for o in sorted(others))]) as left_out:
            reply = session.read_direct(rt, self.key_of(rt, place))
            if not reply.ok or reply.article is None:
                return self._lost(rt, reply)
            article = reply.article
            sections = [self._path_section(session, rt, article, p, left_out) for p in screens.paths]
        linkable = [p for p in screens.paths if self.schema.path_types[p.path].many_to_many and p.other not in left_out]
        if linkable:
            # N-N paths: link and unlink for a user who may modify both record types
            may = modifiable(session, [rt, *(p.other for p in linkable)])
            ident_texts = self.identifier(rt, article)
            for n, p in enumerate(screens.paths):
                if p in linkable and rt in may and p.other in may:
                    sections[n] = self._linking(sections[n], rt, ident_texts, p)
        ident = self.identifier(rt, article)
        walk = (("key", key), ("trail", json.dumps(trail)))
        links = (
            Link("Previous", Place("previous", rt, (*ident, *walk))),
            Link("Next", Place("next", rt, (*ident, *walk))),
            Link("Modify", Place("modify", rt, ident)),
            Link("Delete", Place("delete", rt, ident)),
            Link("Find", Place("find", rt, (("key", key),))),
            Link("New", Place("create", rt)),
        )
        return Display(screens.view, self.values(rt, article), links=links, sections=tuple(sections), notice=notice)

    def _path_section(
        self, session: Session, rt: str, article: Article, path: PathLink, left_out: list[str]
    ) -> Section:
        title = f"{path.label} → {self.screens[path.other].title}"
        if path.other in left_out:
            return Section(title, (), f"not authorised to read {path.other}")
        ident = {i: article[i] for i in self.record(rt).identifier_items}
        found: list[Link] = []
        current: Article | None = None
        note = ""
        while len(found) < PATH_LIMIT:
            if path.direction == "target":
                reply = session.read_target_via_path(rt, ident, path.path, path.other, current)
            else:
                reply = session.read_origin_via_path(path.other, path.path, rt, ident, current)
            if not reply.ok or reply.article is None:
                if reply.rc not in (RC.NOT_FOUND, RC.TARGET_NOT_FOUND):
                    note = str(reply)
                break
            current = reply.article
            found.append(
                Link(
                    self.caption(path.other, current),
                    Place("view", path.other, self.identifier(path.other, current)),
                    self._link_items(path, current),
                )
            )
            if not path.many:
                break
        else:
            note = f"the first {PATH_LIMIT} are shown"
        actions: tuple[Link, ...] = ()
        if path.direction == "target" and not self.schema.path_types[path.path].many_to_many:
            params = (("via", path.path), *((f"origin.{i}", show(v)) for i, v in ident.items()))
            actions = (
                Link(f"New {self.screens[path.other].title} via {path.label}", Place("create", path.other, params)),
            )
        return Section(title, tuple(found), note or ("none" if not found else ""), actions)

    def _link_items(self, path: PathLink, article: Article) -> str:
        """An N-N link's own items (Composition's role), as READ TARGET VIA PATH gives them."""
        items = self.schema.path_types[path.path].items
        return ", ".join(f"{i.title}: {show(article[i.name])}" for i in items if i.name in article)

    def _linking(self, section: Section, rt: str, ident: tuple[tuple[str, str], ...], path: PathLink) -> Section:
        """A path section with *link another* and, beside each linked article, *unlink*."""
        via = (("via", path.path), ("as", "origin" if path.direction == "target" else "target"), *ident)
        other = self.screens[path.other].title
        links = tuple(
            Link(
                link.label,
                link.place,
                link.hint,
                (Link("Unlink", Place("unlink", rt, (*via, *((f"other.{k}", v) for k, v in link.place.params)))),),
            )
            for link in section.links
        )
        actions = (*section.actions, Link(f"Link {other} via {path.label}", Place("link", rt, via)))
        return Section(section.title, links, section.note, actions)

    def _lost(self, rt: str, reply: Reply) -> Display:
        screens = self.screens[rt]
        return Display(screens.find["id"], errors={SCREEN: str(reply)}, target=Place("find", rt, (("key", "id"),)))

    # -- create, modify, delete ---------------------------------------------------------------
    def create(self, session: Session, place: Place, filled: Filled | None) -> Display:
        """A new article (WRITE) — or, when the place names a path (``via``) and its origin
        (``origin.<item>``), a new target of that origin (WRITE TARGET VIA PATH), the items that
        hold the origin's identifier filled in."""
        rt = place.record_type
        screen = self.screens[rt].create
        target = Place("create", rt, place.params)
        path = self.schema.path_types.get(place.param("via"))
        origin: dict[str, object] = {}
        given: dict[str, str] = {}
        if path is not None:
            if path.target != rt or path.many_to_many:
                return Display(screen, errors={SCREEN: f"path {path.name} does not lead to {rt}"}, target=target)
            origin_rt = self.record(path.origin)
            origin = {
                i: parse(kind_of(origin_rt.item(i)), place.param(f"origin.{i}")) for i in origin_rt.identifier_items
            }
            given = {t: place.param(f"origin.{o}") for o, t in path.origin_items}
        if filled is None or filled.action != "save":
            return Display(screen, given, target=target)
        values = {**given, **{k: v for k, v in filled.values.items() if v.strip() or k not in given}}
        errors = {n: m for n, m in _missing(screen, filled).items() if not values.get(n, "").strip()}
        if errors:
            return Display(screen, values, errors, target)
        article = read_article(self.record(rt), values, set(values), blanks_are_absent=True)
        if path is None:
            with opened(session, [(rt, Mode.MODIFY_SHARED)]):
                reply = session.write(rt, article)
        else:
            needs = [(rt, Mode.MODIFY_SHARED), *([(path.origin, Mode.CONSULT)] if path.origin != rt else [])]
            with opened(session, needs):
                reply = session.write_target_via_path(path.origin, origin, rt, article, path.name)
        if not reply.ok:
            return Display(screen, values, self.refusal(screen, rt, reply), target)
        ident = tuple((i, show(article.get(i))) for i in self.record(rt).identifier_items)
        return self.view(session, rt, Place("view", rt, ident), notice="created")

    def modify(self, session: Session, place: Place, filled: Filled | None) -> Display:
        rt = place.record_type
        screen = self.screens[rt].modify
        ident = self.key_of(rt, place)
        target = Place("modify", rt, tuple((i, show(v)) for i, v in ident.items()))
        if filled is None or filled.action != "save":
            with opened(session, [(rt, Mode.CONSULT)]):
                reply = session.read_direct(rt, ident)
            if not reply.ok or reply.article is None:
                return self._lost(rt, reply)
            return Display(screen, self.values(rt, reply.article), target=target)
        values = {**{k: v for k, v in target.params}, **filled.values}
        errors = _missing(screen, filled)
        if errors:
            return Display(screen, values, errors, target)
        changed = read_article(self.record(rt), filled.values, set(filled.values), blanks_are_absent=False)
        with opened(session, [(rt, Mode.MODIFY_SHARED)]):
            reply = session.rewrite(rt, {**changed, **ident})
        if not reply.ok:
            return Display(screen, values, self.refusal(screen, rt, reply), target)
        return self.view(session, rt, Place("view", rt, target.params), notice="saved")

    def delete(self, session: Session, place: Place, filled: Filled | None) -> Display:
        rt = place.record_type
        screen = self.screens[rt].delete
        ident = self.key_of(rt, place)
        target = Place("delete", rt, tuple((i, show(v)) for i, v in ident.items()))
        with opened(session, [(rt, Mode.MODIFY_SHARED if filled and filled.action == "delete" else Mode.CONSULT)]):
            reply = session.read_direct(rt, ident)
            if not reply.ok or reply.article is None:
                return self._lost(rt, reply)
            if filled is None or filled.action != "delete":
                return Display(screen, self.values(rt, reply.article), target=target)
            done = session.delete(rt, ident)
        if not done.ok:
            return Display(screen, self.values(rt, reply.article), {SCREEN: str(done)}, target)
        return Display(
            self.screens[rt].find["id"],
            target=Place("find", rt, (("key", "id"),)),
            notice=f"{self.caption(rt, reply.article)} deleted",
        )


def _missing(screen: Screen, filled: Filled) -> dict[str, str]:
    return {name: f"{screen.field(name).label} is required" for name in filled.missing}


def _trail(place: Place) -> list[dict[str, str]]:
    """The articles walked before this one (a JSON list of identifiers; anything else: none)."""
    try:
        trail = json.loads(place.param("trail", "[]"))
    except ValueError:
        return []
    if not isinstance(trail, list):
        return []
    return [{str(k): str(v) for k, v in step.items()} for step in trail[-TRAIL:] if isinstance(step, dict)]


def _with(place: Place, kind: str, trail: list[dict[str, str]]) -> Place:
    params = tuple((k, v) for k, v in place.params if k != "trail")
    return Place(kind, place.record_type, (*params, ("trail", json.dumps(trail))))  # type: ignore[arg-type]
