"""Screen files (YAML) → a validated, frozen :class:`~assurdb.screens.model.Screen`.

Every problem is reported with its file and line, then :class:`ScreenError` is raised; nothing
is half-loaded. The format is documented in ``assurdb/screens/files/README.md``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from assurdb.screens.errors import ScreenError, ScreenProblem
from assurdb.screens.model import (
    ATTRIBUTES,
    FIELD_KINDS,
    MAX_COLUMNS,
    Action,
    Attribute,
    FieldKind,
    Line,
    Screen,
    Zone,
)

#: The screen file format this loader reads (``format:`` at the top of a file).
FORMAT_VERSION = 1
#: The most lines a screen file describes (the thesis' terminal had 24; a laptop shows more).
MAX_LINES = 60
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TOP_KEYS = {"format", "screen", "title", "description", "lines", "actions"}
_ZONE_KEYS = {"at", "length", "text", "field", "label", "kind", "attributes"}
_ACTION_KEYS = {"name", "label", "confirm"}


@dataclass
class _Node:
    """A YAML value with the line (1-based) it starts on."""

    value: Any
    line: int
    #: in a mapping, the line of this value's key
    key_line: int = 0


def _plain(node: yaml.Node) -> _Node:
    """A composed YAML node as Python values, every mapping / sequence element a :class:`_Node`."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, _Node] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            if key in out:
                raise ScreenError([ScreenProblem("", key_node.start_mark.line + 1, str(key), "given twice")])
            out[key] = _plain(value_node)
            out[key].key_line = key_node.start_mark.line + 1
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_plain(v) for v in node.value], line)
    return _Node(yaml.safe_load(yaml.serialize(node)), line)


def _raw(node: _Node) -> Any:
    """The plain Python value of a node (lines dropped)."""
    if isinstance(node.value, dict):
        return {k: _raw(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_raw(v) for v in node.value]
    return node.value


class _Report:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[ScreenProblem] = []

    def add(self, line: int | None, element: str, message: str) -> None:
        self.problems.append(ScreenProblem(self.file, line, element, message))


def load_screen(path: str | Path) -> Screen:
    """Load and check one screen file."""
    path = Path(path)
    return parse_screen(path.read_text(encoding="utf-8"), str(path))


def shipped_screen(name: str) -> Screen:
    """A screen file assurdb ships (``assurdb/screens/files/<name>.yaml``)."""
    text = resources.files("assurdb.screens").joinpath(f"files/{name}.yaml").read_text(encoding="utf-8")
    return parse_screen(text, f"assurdb/screens/files/{name}.yaml")


def parse_screen(text: str, file: str = "<screen>") -> Screen:
    """Check a screen description (YAML text) and build its :class:`Screen`."""
    try:
        composed = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ScreenError([ScreenProblem(file, line, "file", f"not YAML: {getattr(exc, 'problem', exc)}")]) from exc
    try:
        root = _plain(composed) if composed is not None else _Node(None, 1)
    except ScreenError as exc:
        raise ScreenError([replace(p, file=file) for p in exc.problems]) from exc
    report = _Report(file)
    screen = _screen(report, root)
    if report.problems or screen is None:
        raise ScreenError(report.problems)
    return screen


def _unknown(report: _Report, node: _Node, allowed: set[str], element: str) -> None:
    for key, value in cast(dict[Any, _Node], node.value).items():
        if key not in allowed:
            report.add(value.line, element, f"unknown key {key!r} (known: {', '.join(sorted(allowed))})")


def _screen(report: _Report, root: _Node) -> Screen | None:
    if not isinstance(root.value, dict):
        report.add(root.line, "file", "a screen file is a mapping (format, screen, title, lines, actions)")
        return None
    top: dict[str, _Node] = root.value
    _unknown(report, root, _TOP_KEYS, "screen")
    fmt = top.get("format")
    if fmt is None or fmt.value != FORMAT_VERSION:
        report.add(fmt.line if fmt else root.line, "format", f"format must be {FORMAT_VERSION}")
    name_node = top.get("screen")
    name = name_node.value if name_node else None
    if not isinstance(name, str) or not NAME_RE.match(name):
        report.add(name_node.line if name_node else root.line, "screen", "screen: a name of letters, digits and _")
        name = "?"
    title = _text(report, top.get("title"), f"screen {name}: title", required=True)
    description = _text(report, top.get("description"), f"screen {name}: description", required=False)
    lines = _lines(report, top.get("lines"), name, root.line)
    actions = _actions(report, top.get("actions"), name)
    return Screen(name, title, lines, actions, description, report.file)


def _text(report: _Report, node: _Node | None, element: str, *, required: bool) -> str:
    if node is None:
        if required:
            report.add(None, element, "missing")
        return ""
    if not isinstance(node.value, str) or (required and not node.value.strip()):
        report.add(node.line, element, f"must be a text, not {node.value!r}")
        return ""
    return node.value


def _lines(report: _Report, node: _Node | None, screen: str, line: int) -> tuple[Line, ...]:
    if node is None or not isinstance(node.value, dict) or not node.value:
        report.add(node.line if node else line, f"screen {screen}: lines", "a mapping of line number → zones")
        return ()
    out: list[Line] = []
    fields: dict[str, int] = {}
    for number, zones_node in node.value.items():
        element = f"screen {screen}: line {number}"
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_LINES:
            report.add(zones_node.key_line, element, f"a line number is an integer from 1 to {MAX_LINES}")
            continue
        if not isinstance(zones_node.value, list) or not zones_node.value:
            report.add(zones_node.line, element, "a line is a non-empty list of zones")
            continue
        pairs = [(z, raw) for raw in zones_node.value if (z := _zone(report, raw, element)) is not None]
        pairs.sort(key=lambda pair: pair[0].position)
        zones = [z for z, _ in pairs]
        for before, after in itertools.pairwise(zones):
            if before.position + before.length > after.position:
                report.add(
                    zones_node.line,
                    element,
                    f"zones at {before.position} (length {before.length}) and {after.position} overlap",
                )
        for zone, raw in pairs:
            if zone.field is not None:
                if zone.field in fields:
                    report.add(raw.line, element, f"field {zone.field!r} is already on line {fields[zone.field]}")
                fields[zone.field] = number
        out.append(Line(number, tuple(zones)))
    out.sort(key=lambda li: li.number)
    return tuple(out)


def _zone(report: _Report, node: _Node, element: str) -> Zone | None:
    if not isinstance(node.value, dict):
        report.add(node.line, element, "a zone is a mapping (at, length, text or field, label, attributes)")
        return None
    _unknown(report, node, _ZONE_KEYS, element)
    raw: dict[str, _Node] = node.value
    values = {k: _raw(v) for k, v in raw.items()}
    ok = True
    position, length = values.get("at"), values.get("length")
    for key, value in (("at", position), ("length", length)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            report.add(raw[key].line if key in raw else node.line, element, f"{key} must be a positive integer")
            ok = False
    if ok and cast(int, position) + cast(int, length) - 1 > MAX_COLUMNS:
        report.add(node.line, element, f"the zone ends after column {MAX_COLUMNS}")
        ok = False
    text, field = values.get("text"), values.get("field")
    if (text is None) == (field is None):
        report.add(node.line, element, "a zone shows a text or holds a field (one of them)")
        return None
    if text is not None and (not isinstance(text, str) or (ok and len(text) > cast(int, length))):
        report.add(raw["text"].line, element, f"text must be a text of at most {length} characters")
        ok = False
    if field is not None and (not isinstance(field, str) or not NAME_RE.match(field)):
        report.add(raw["field"].line, element, "field: a name of letters, digits and _")
        ok = False
    label = values.get("label", "")
    if not isinstance(label, str):
        report.add(raw["label"].line, element, "label must be a text")
        ok = False
    if field is not None and not label:
        label = field.replace("_", " ").capitalize() if isinstance(field, str) else ""
    kind = values.get("kind", "text")
    if kind not in FIELD_KINDS:
        report.add(raw["kind"].line, element, f"kind must be one of {', '.join(FIELD_KINDS)}")
        ok = False
    attributes = values.get("attributes", [])
    if not isinstance(attributes, list) or any(a not in ATTRIBUTES for a in attributes):
        report.add(
            raw["attributes"].line if "attributes" in raw else node.line,
            element,
            f"attributes: a list of {', '.join(ATTRIBUTES)}",
        )
        ok = False
    elif text is not None and {"hidden", "required"} & set(attributes):
        report.add(raw["attributes"].line, element, "a text zone cannot be hidden or required (fields only)")
        ok = False
    if not ok:
        return None
    attrs = frozenset(cast(list[Attribute], attributes))
    if text is not None:
        attrs |= {"protected"}
    return Zone(
        cast(int, position),
        cast(int, length),
        text or "",
        field,
        cast(str, label),
        cast(FieldKind, kind),
        attrs,
    )


def _actions(report: _Report, node: _Node | None, screen: str) -> tuple[Action, ...]:
    if node is None:
        return ()
    element = f"screen {screen}: actions"
    if not isinstance(node.value, list):
        report.add(node.line, element, "a list of actions (name, label, confirm)")
        return ()
    out: list[Action] = []
    for raw in node.value:
        if not isinstance(raw.value, dict):
            report.add(raw.line, element, "an action is a mapping (name, label, confirm)")
            continue
        _unknown(report, raw, _ACTION_KEYS, element)
        values = {k: _raw(v) for k, v in raw.value.items()}
        name, label, confirm = values.get("name"), values.get("label"), values.get("confirm", False)
        if not isinstance(name, str) or not NAME_RE.match(name):
            report.add(raw.line, element, "an action needs a name of letters, digits and _")
            continue
        if any(a.name == name for a in out):
            report.add(raw.line, element, f"action {name!r} is given twice")
        if not isinstance(confirm, bool):
            report.add(raw.line, element, "confirm must be true or false")
            confirm = False
        out.append(Action(name, label if isinstance(label, str) and label else name.capitalize(), confirm))
    return tuple(out)
