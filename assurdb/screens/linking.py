"""Link and unlink along N-N paths (BOUND, DEBOUND) from an article's screen.

An article's screen lists, under each N-N path, the articles linked to it; for a user who may
modify both record types (:func:`~assurdb.screens.clerk.modifiable`) it offers *link* — a screen
asking for the other article's identifier and the link's own items (Composition's role) — and,
beside each linked article, *unlink*, which asks for confirmation first. Both screens are derived
from the meta-database (:func:`link_screen`, :func:`unlink_screen`). A place names the path
(``via``), which end of it the article is (``as``: ``origin`` or ``target``, so a path from a
record type to itself works too), the article's identifier, and for *unlink* the other article's
(``other.<item>``). Each answer opens both record types in mode 2, does one BOUND or DEBOUND,
and closes; a refusal is shown next to the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assurdb.metadb.contract import RC, Mode, Reply, Session
from assurdb.metadb.model import PathType, RecordType, Schema
from assurdb.screens.clerk import Clerk, Refused, concerned_field, opened
from assurdb.screens.derive import item_lines
from assurdb.screens.interface import SCREEN, Display, Filled, Link, Place
from assurdb.screens.model import Action, Line, Screen
from assurdb.screens.values import kind_of, parse


def _renumbered(lines: list[Line]) -> tuple[Line, ...]:
    return tuple(replace(line, number=n) for n, line in enumerate(lines, start=1))


def link_screen(schema: Schema, path: PathType, other: str) -> Screen:
    """The screen linking an article to an ``other`` article along N-N ``path``: the other's
    identifier (required) and the link's own items."""
    record = schema.record_types[other]
    lines = [
        *item_lines(record, [record.item(i) for i in record.identifier_items], "create"),
        *item_lines(record, list(path.items), "create"),
    ]
    return Screen(
        f"{path.name}.link.{other}",
        f"Link {record.title} via {path.label or path.name}",
        _renumbered(lines),
        (Action("link", "Link"),),
        f"Give the identifier of the {record.title} to link.",
    )


def unlink_screen(schema: Schema, path: PathType, other: str) -> Screen:
    """The confirmation before removing an N-N link: the other article's identifier, protected."""
    record = schema.record_types[other]
    lines = item_lines(record, [record.item(i) for i in record.identifier_items], "delete")
    return Screen(
        f"{path.name}.unlink.{other}",
        f"Unlink {record.title}?",
        _renumbered(lines),
        (Action("unlink", "Unlink", confirm=True),),
        f"The {path.label or path.name} link will be removed; both articles stay.",
    )


@dataclass(frozen=True)
class Ends:
    """What a link or unlink place names: the path, the article's record type and identifier,
    the other record type, and whether the article is the path's origin."""

    path: PathType
    rt: str
    other: str
    is_origin: bool


class Linking:
    """The link and unlink screens of one schema, answered through a session."""

    def __init__(self, clerk: Clerk) -> None:
        self.clerk = clerk
        self.schema = clerk.schema

    def ends(self, place: Place) -> Ends | str:
        """The path a place names, or why it names none."""
        rt = place.record_type
        path = self.schema.path_types.get(place.param("via"))
        side = place.param("as", "origin")
        if path is None or not path.many_to_many:
            return f"no N-N path {place.param('via')!r}"
        if side not in ("origin", "target") or (path.origin if side == "origin" else path.target) != rt:
            return f"{rt} is not the {side} of path {path.name}"
        return Ends(path, rt, path.target if side == "origin" else path.origin, side == "origin")

    def screen(self, place: Place) -> Screen | None:
        """The screen a place shows (``None``: it names no N-N path of its record type)."""
        ends = self.ends(place)
        if isinstance(ends, str):
            return None
        make = link_screen if place.kind == "link" else unlink_screen
        return make(self.schema, ends.path, ends.other)

    def _view_place(self, ends: Ends, place: Place) -> Place:
        record = self.schema.record_types[ends.rt]
        return Place("view", ends.rt, tuple((i, place.param(i)) for i in record.identifier_items))

    def _identifier(self, record: RecordType, texts: dict[str, str]) -> dict[str, object]:
        return {i: parse(kind_of(record.item(i)), texts.get(i, "")) for i in record.identifier_items}

    def _request(
        self, session: Session, ends: Ends, mine: dict[str, object], theirs: dict[str, object], *, bind: bool
    ) -> Reply:
        """Both record types open in mode 2, one BOUND (``theirs`` may carry the link items, which
        travel with the target's identifier) or DEBOUND, closed again; a refused opening (500+i;
        600+i after waiting) is the reply."""
        modes = [(ends.rt, Mode.MODIFY_SHARED), *([(ends.other, Mode.MODIFY_SHARED)] if ends.other != ends.rt else [])]
        links = {i.name: theirs.pop(i.name) for i in ends.path.items if i.name in theirs}
        request = session.bound if bind else session.debound
        try:
            with opened(session, modes, partial=False):
                if ends.is_origin:
                    return request(ends.rt, mine, ends.other, {**theirs, **links}, ends.path.name)
                return request(ends.other, theirs, ends.rt, {**mine, **links}, ends.path.name)
        except Refused as exc:
            return exc.reply

    def _refusal(self, screen: Screen, ends: Ends, reply: Reply) -> dict[str, str]:
        fields = [z.field for z in screen.fields if z.field]
        item_of = {**self.clerk.screens[ends.other].item_of, **{i.name: i.name for i in ends.path.items}}
        field = concerned_field(reply.message, fields, item_of)
        if field == SCREEN and reply.rc in (RC.TARGET_NOT_FOUND, RC.NOT_FOUND) and fields:
            field = fields[0]  # "no such article": the identifier typed
        return {field: str(reply)}

    def link(self, session: Session, place: Place, filled: Filled | None) -> Display:
        """BOUND: link the article the place names to the one whose identifier was typed."""
        ends = self.ends(place)
        screen = self.screen(place)
        if isinstance(ends, str) or screen is None:
            return Display(self.clerk.screens[place.record_type].view, errors={SCREEN: str(ends)})
        target = Place("link", ends.rt, place.params)
        back = (Link("Back", self._view_place(ends, place)),)
        if filled is None or filled.action != "link":
            return Display(screen, target=target, links=back)
        errors = {n: f"{screen.field(n).label} is required" for n in filled.missing}
        if errors:
            return Display(screen, filled.values, errors, target, back)
        other = self.schema.record_types[ends.other]
        theirs = self._identifier(other, filled.values)
        theirs.update(
            {
                i.name: parse(kind_of(i), filled.values[i.name])
                for i in ends.path.items
                if filled.values.get(i.name, "").strip()
            }
        )
        mine = self._identifier(self.schema.record_types[ends.rt], dict(place.params))
        reply = self._request(session, ends, mine, theirs, bind=True)
        if not reply.ok:
            return Display(screen, filled.values, self._refusal(screen, ends, reply), target, back)
        return self.clerk.view(
            session, ends.rt, self._view_place(ends, place), notice=f"{ends.path.label or ends.path.name} link added"
        )

    def unlink(self, session: Session, place: Place, filled: Filled | None) -> Display:
        """DEBOUND, once confirmed: remove the link between the two articles the place names."""
        ends = self.ends(place)
        screen = self.screen(place)
        if isinstance(ends, str) or screen is None:
            return Display(self.clerk.screens[place.record_type].view, errors={SCREEN: str(ends)})
        target = Place("unlink", ends.rt, place.params)
        back = (Link("Back", self._view_place(ends, place)),)
        values = {k.removeprefix("other."): v for k, v in place.params if k.startswith("other.")}
        record = self.schema.record_types[ends.rt]
        notice = f"from {record.title} " + " / ".join(place.param(i) for i in record.identifier_items)
        if filled is None or filled.action != "unlink":
            return Display(screen, values, target=target, links=back, notice=notice)
        theirs = self._identifier(self.schema.record_types[ends.other], values)
        mine = self._identifier(self.schema.record_types[ends.rt], dict(place.params))
        reply = self._request(session, ends, mine, theirs, bind=False)
        if not reply.ok:
            return Display(screen, values, {SCREEN: str(reply)}, target, back)
        return self.clerk.view(
            session, ends.rt, self._view_place(ends, place), notice=f"{ends.path.label or ends.path.name} link removed"
        )
