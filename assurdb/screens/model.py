"""A screen as data (thesis chapter VIII): a screen of lines of zones.

The thesis describes a screen as COBOL levels: the screen (01) holds lines (02) of zones (03),
each with its position, its length, its attributes — bright, blinking, protected, hidden for a
password — and its content (04). Here a :class:`Screen` holds :class:`Line` s of :class:`Zone` s;
a zone either shows a text (a label: protected) or holds the value of a field (an item the user
fills in, or sees when the zone is protected). A screen's :class:`Action` s are what the user can
do with it (log in, find, save, delete…). Screens are frozen: a renderer shows them, the
application reads back what the user typed (:mod:`assurdb.screens.interface`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: Zone attributes: ``protected`` the user cannot change it; ``hidden`` typed but not shown
#: (a password); ``required`` it must be filled; ``emphasis`` shown bright; ``blinking`` calls the
#: eye (a renderer that cannot blink shows it bright).
Attribute = Literal["protected", "hidden", "required", "emphasis", "blinking"]
ATTRIBUTES: tuple[Attribute, ...] = ("protected", "hidden", "required", "emphasis", "blinking")
#: How a field is typed in: ``text`` (any), ``number``, ``decimal``, ``date``, ``boolean`` (a tick).
FieldKind = Literal["text", "number", "decimal", "date", "boolean"]
FIELD_KINDS: tuple[FieldKind, ...] = ("text", "number", "decimal", "date", "boolean")
#: The widest line: the 80 columns of the thesis' terminals, doubled for a laptop screen.
MAX_COLUMNS = 160


@dataclass(frozen=True)
class Zone:
    """One zone of a line: at ``position`` (1-based column), ``length`` characters wide.

    A zone with ``text`` is a label; a zone with ``field`` holds that field's value (``label``
    names it for the user and for assistive technology). ``kind`` says how the value is typed.
    """

    position: int
    length: int
    text: str = ""
    field: str | None = None
    label: str = ""
    kind: FieldKind = "text"
    attributes: frozenset[Attribute] = frozenset()

    @property
    def is_field(self) -> bool:
        return self.field is not None

    def has(self, attribute: Attribute) -> bool:
        return attribute in self.attributes

    @property
    def editable(self) -> bool:
        return self.is_field and "protected" not in self.attributes


@dataclass(frozen=True)
class Line:
    """One line of a screen (its number, 1-based) and its zones, left to right."""

    number: int
    zones: tuple[Zone, ...]


@dataclass(frozen=True)
class Action:
    """Something the user does with a screen: ``name`` is what the application reads back,
    ``label`` what the user sees; ``confirm`` asks the user again before it is done (delete)."""

    name: str
    label: str
    confirm: bool = False


@dataclass(frozen=True)
class Screen:
    """A screen: its name, its title, its lines and its actions."""

    name: str
    title: str
    lines: tuple[Line, ...]
    actions: tuple[Action, ...] = ()
    description: str = ""
    source: str = field(default="", compare=False)

    @property
    def zones(self) -> tuple[Zone, ...]:
        return tuple(z for line in self.lines for z in line.zones)

    @property
    def fields(self) -> tuple[Zone, ...]:
        """The zones holding a field, in reading order."""
        return tuple(z for z in self.zones if z.is_field)

    def field(self, name: str) -> Zone:
        for zone in self.fields:
            if zone.field == name:
                return zone
        raise KeyError(name)

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)
