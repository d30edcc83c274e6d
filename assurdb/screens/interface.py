"""The screen interface (thesis chapter VIII): what applications talk to, not a screen manager.

An application hands the interface a :class:`Display` — a screen, the values of its fields, the
messages next to them, where its actions lead — and reads back a :class:`Filled`: the action the
user chose and what they typed in the zones they could change. A renderer implements
:class:`ScreenInterface` for one screen manager: :class:`assurdb.web.html.HtmlScreens` writes
HTML pages; a terminal renderer would implement the same two methods, and no screen would change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from assurdb.screens.model import Screen

#: Where a link or a screen's actions lead, whatever the screen manager calls it.
PlaceKind = Literal[
    "home",
    "login",
    "logout",
    "find",
    "view",
    "next",
    "previous",
    "create",
    "modify",
    "delete",
    "link",
    "unlink",
    "written",
    "report",
    "optimisation",
]
#: The key of :attr:`Display.errors` for a message about the whole screen.
SCREEN = ""


@dataclass(frozen=True)
class Place:
    """A screen of the application: its kind, its record type (a written screen: its name) and
    what it needs (an identifier, a key…) as field texts."""

    kind: PlaceKind
    record_type: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str, default: str = "") -> str:
        return next((v for k, v in self.params if k == name), default)


@dataclass(frozen=True)
class Link:
    """A way from one screen to another (``hint``: a short note after it, like a record type;
    ``actions``: what can be done with what it leads to, shown beside it — unlink an article)."""

    label: str
    place: Place
    hint: str = ""
    actions: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Section:
    """Links under a title: an article's targets along a path, the record types of the home screen;
    ``actions`` what can be done there (a new target along the path)."""

    title: str
    links: tuple[Link, ...]
    note: str = ""
    actions: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Table:
    """Rows of texts under their columns (``numeric`` columns align right), and a bar chart of one
    column: ``bars`` are (row label, value)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    chart_title: str = ""
    bars: tuple[tuple[str, float], ...] = ()

    @property
    def widest(self) -> float:
        """The largest bar's length (1 when there is none), the chart's scale."""
        return max((abs(v) for _, v in self.bars), default=0.0) or 1.0


@dataclass(frozen=True)
class Point:
    """A scenario on a risk/return picture: its ``label``, ``risk`` and ``result`` (figures), where
    it is drawn (``x``, ``y``: pixels from the picture's top left), whether it is ``within`` the
    constraints, ``efficient``, and the ``chosen`` mark (empty when no rule chose it)."""

    label: str
    risk: float
    result: float
    x: float
    y: float
    within: bool = True
    efficient: bool = False
    chosen: str = ""


@dataclass(frozen=True)
class Frontier:
    """A risk/return picture: every ``points`` drawn, the efficient ones joined by ``path`` (SVG
    polyline points), axes named ``x_label`` and ``y_label`` with ``x_ticks``/``y_ticks`` (pixel,
    text), within ``width`` × ``height`` pixels; ``plot`` the drawing area (left, top, right, bottom)."""

    title: str
    x_label: str
    y_label: str
    points: tuple[Point, ...]
    path: str
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    width: int
    height: int
    plot: tuple[float, float, float, float]


@dataclass(frozen=True)
class Display:
    """One showing of a screen: ``values`` field → text, ``errors`` field (or :data:`SCREEN`) →
    message, ``target`` where the screen's actions go, ``links`` navigation, ``sections`` link
    lists, ``notice`` a message that is no refusal, ``table`` a report, ``frontier`` a risk/return
    picture."""

    screen: Screen
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    target: Place | None = None
    links: tuple[Link, ...] = ()
    sections: tuple[Section, ...] = ()
    notice: str = ""
    table: Table | None = None
    frontier: Frontier | None = None


@dataclass(frozen=True)
class Filled:
    """What the user gave back: the action chosen (``None``: none of the screen's), the texts of
    the fields they could change, and the required fields left empty."""

    action: str | None
    values: dict[str, str]
    missing: tuple[str, ...] = ()


class ScreenInterface(ABC):
    """Shows a screen and reads it back; one implementation per screen manager."""

    @abstractmethod
    def show(self, display: Display) -> str:
        """The screen as the screen manager takes it (an HTML page, a terminal's text…)."""

    def read(self, screen: Screen, answers: Mapping[str, str], action: str | None) -> Filled:
        """Keep what the user could change: the editable fields' texts and a known action."""
        values = {z.field: answers.get(z.field, "") for z in screen.fields if z.editable and z.field}
        missing = tuple(
            name
            for name, z in ((z.field, z) for z in screen.fields)
            if name and z.has("required") and not values.get(name, "").strip()
        )
        return Filled(action if screen.action(action or "") else None, values, missing)
