"""The HTML renderer of the screen interface: a :class:`Display` → a page (Jinja2, autoescaped).

Zones keep their places: a line is a grid of character columns and a zone spans its columns
from its position (a narrow window stacks them). A text zone just before a field on its line is
that field's ``<label>``; a field without one gets its label for assistive technology only.
Hidden fields are password inputs; protected fields are shown, not editable; the message of a
refusal sits next to the field it concerns (``aria-describedby``), or at the top of the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import jinja2

from assurdb.screens.interface import SCREEN, Display, Place, ScreenInterface
from assurdb.screens.model import Line, Zone

#: The places whose forms are GET forms: they read and change nothing.
GET_KINDS = ("find", "report", "optimisation")
#: A page's URL for a place of the application.
Router = Callable[[Place], str]


def url_for(place: Place) -> str:
    """``/``, ``/login``, ``/logout``, ``/screens/<name>``, ``/reports/<name>``, ``/optimisation`` or
    ``/rt/<record type>/<kind>?<params>``."""
    if place.kind in ("home", "login", "logout"):
        return "/" if place.kind == "home" else f"/{place.kind}"
    if place.kind == "written":
        return f"/screens/{place.record_type}"
    if place.kind == "optimisation":
        return "/optimisation"
    if place.kind == "report":
        return f"/reports/{place.record_type}"
    query = f"?{urlencode(place.params)}" if place.params else ""
    return f"/rt/{place.record_type}/{place.kind}{query}"


@dataclass(frozen=True)
class Cell:
    """A zone as the template lays it out."""

    zone: Zone
    id: str
    value: str
    error: str
    #: the text zone that labels this field (rendered as its ``<label>``), or the field this text labels
    labels: str = ""
    labelled: bool = False


def _cells(line: Line, display: Display) -> list[Cell]:
    cells: list[Cell] = []
    zones = line.zones
    for n, zone in enumerate(zones):
        ident = f"f-{zone.field}".replace(".", "-") if zone.field else f"z-{line.number}-{n}"
        nxt = zones[n + 1] if n + 1 < len(zones) else None
        labels = f"f-{nxt.field}".replace(".", "-") if not zone.is_field and nxt is not None and nxt.is_field else ""
        prev = zones[n - 1] if n else None
        labelled = zone.is_field and prev is not None and not prev.is_field
        value = display.values.get(zone.field or "", "") if zone.is_field else zone.text
        cells.append(Cell(zone, ident, value, display.errors.get(zone.field or "\0", ""), labels, labelled))
    return cells


class HtmlScreens(ScreenInterface):
    """Shows a display as an HTML page for one request (its user and its CSRF token)."""

    def __init__(self, env: jinja2.Environment, *, user: str | None, csrf: str, router: Router = url_for) -> None:
        self.env = env
        self.user = user
        self.csrf = csrf
        self.router = router

    def show(self, display: Display) -> str:
        screen = display.screen
        editable = any(z.editable for z in screen.fields)
        return self.env.get_template("screen.html").render(
            display=display,
            screen=screen,
            lines=[(line, _cells(line, display)) for line in screen.lines],
            editable=editable,
            screen_error=display.errors.get(SCREEN, ""),
            action_url=self.router(display.target) if display.target else "",
            method="get" if display.target is not None and display.target.kind in GET_KINDS else "post",
            url=self.router,
            user=self.user,
            csrf=self.csrf,
        )
