"""Screen files: the shipped login screen loads; every mistake is named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assurdb.metadb.errors import AssurdbError
from assurdb.screens.errors import ScreenError
from assurdb.screens.loader import load_screen, parse_screen, shipped_screen

GOOD = """\
format: 1
screen: welcome
title: Welcome
lines:
  11:
    - {at: 10, length: 40, text: "PLEASE GIVE YOUR PASSWORD:"}
    - {at: 51, length: 10, field: password, attributes: [hidden, required]}
actions:
  - {name: enter, label: Enter}
"""


def test_the_login_screen_is_figure_viii_1() -> None:
    screen = shipped_screen("login")
    assert screen.name == "login"
    assert [line.number for line in screen.lines] == [10, 11]
    password = screen.field("password")
    assert (password.position, password.length) == (51, 20)
    assert password.has("hidden") and password.has("required") and password.editable
    label = screen.lines[1].zones[0]
    assert label.text == "PLEASE GIVE YOUR PASSWORD:" and label.has("protected") and not label.is_field
    assert [a.name for a in screen.actions] == ["login"]


def test_a_file_loads_into_a_frozen_screen(tmp_path: Path) -> None:
    path = tmp_path / "welcome.yaml"
    path.write_text(GOOD, encoding="utf-8")
    screen = load_screen(path)
    assert screen.field("password").label == "Password"  # the field's name made readable
    with pytest.raises(AttributeError):
        screen.title = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("format: 1", "format: 2"), 1, "format must be 1"),
        (("at: 51", "at: 45"), 6, "overlap"),
        (("attributes: [hidden, required]", "attributes: [bright]"), 7, "attributes: a list of"),
        (("field: password", "field: pass word"), 7, "field: a name"),
        (
            ('text: "PLEASE GIVE YOUR PASSWORD:"', 'text: "PLEASE GIVE YOUR PASSWORD, IN FULL, NOW AND HERE:"'),
            6,
            "at most 40",
        ),
        (("  11:", "  99:"), 5, "line number"),
        (("{name: enter, label: Enter}", "{name: enter, lable: Enter}"), 9, "unknown key 'lable'"),
        (("length: 10, field", "length: 0, field"), 7, "length must be a positive integer"),
        (("at: 51, length: 10", "at: 151, length: 20"), 7, "ends after column 160"),
    ],
)
def test_each_mistake_is_named_with_file_and_line(change: tuple[str, str], line: int, words: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ScreenError) as caught:
        parse_screen(text, "welcome.yaml")
    assert isinstance(caught.value, AssurdbError)
    found = [p for p in caught.value.problems if words in p.message or words in str(p)]
    assert found, caught.value
    assert found[0].line == line and str(found[0]).startswith(f"welcome.yaml:{line}: ")


def test_every_problem_at_once_and_text_xor_field() -> None:
    text = GOOD.replace("format: 1", "format: 3").replace('text: "PLEASE GIVE YOUR PASSWORD:"', 'field: x, text: "A"')
    with pytest.raises(ScreenError) as caught:
        parse_screen(text, "w.yaml")
    messages = [p.message for p in caught.value.problems]
    assert any("format" in m for m in messages) and any("one of them" in m for m in messages)


def test_a_duplicate_key_or_field_is_refused() -> None:
    with pytest.raises(ScreenError, match=r"w.yaml:4: title: given twice"):
        parse_screen(GOOD.replace("title: Welcome", "title: Welcome\ntitle: Again"), "w.yaml")
    twice = GOOD.replace("lines:\n", "lines:\n  2:\n    - {at: 1, length: 5, field: password}\n")
    with pytest.raises(ScreenError, match="already on line 2"):
        parse_screen(twice, "w.yaml")


def test_not_yaml_names_its_line() -> None:
    with pytest.raises(ScreenError, match=r"w.yaml:\d+: file: not YAML"):
        parse_screen("format: 1\nlines: [\n", "w.yaml")


def test_every_shipped_screen_file_loads() -> None:
    folder = Path(__file__).resolve().parents[2] / "assurdb" / "screens" / "files"
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert {"login", "policy", "endorsement", "renewal", "contract", "loss", "report", "optimisation"} <= set(names)
    for name in names:
        assert shipped_screen(name).name == name
