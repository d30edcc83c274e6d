"""Default screens derived from the meta-database, and the values typed in their zones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assurdb.facade import load_interface
from assurdb.metadb.model import Schema
from assurdb.screens.derive import record_screens
from assurdb.screens.interface import Display, ScreenInterface
from assurdb.screens.linking import link_screen, unlink_screen
from assurdb.screens.model import Action, Screen
from assurdb.screens.values import article_fields, parse, read_article


@pytest.fixture(scope="module")
def schema() -> Schema:
    return load_interface().schema


def test_every_record_type_has_its_screens(schema: Schema) -> None:
    for rt, record in schema.record_types.items():
        screens = record_screens(schema, rt)
        assert set(screens.find) == set(record.keys.names)
        for screen in (screens.view, screens.create, screens.modify, screens.delete):
            assert {screens.item_of[z.field] for z in screen.fields if z.field} == set(record.items.names), rt
        assert all(z.has("protected") for z in screens.view.fields)
        ident = set(record.identifier_items)
        assert all(z.has("protected") for z in screens.modify.fields if screens.item_of[z.field or ""] in ident)
        assert screens.delete.actions[0].confirm
        for line in screens.create.lines:  # a label zone, then the field zone after it
            assert line.zones[0].position + line.zones[0].length <= line.zones[1].position


def test_insured_screens_follow_the_schema(schema: Schema) -> None:
    screens = record_screens(schema, "Insured")
    assert [z.field for z in screens.find["name"].fields] == ["name"]
    fields = [z.field for z in screens.create.fields]
    assert fields[:3] == ["code", "name", "address.street"] and "phone.3" in fields
    assert screens.create.field("code").has("required") and screens.create.field("code").kind == "number"
    assert not screens.create.field("kind").has("required")  # mandatory with a default: not needed
    assert screens.create.field("birth_date").kind == "date"
    assert screens.create.field("address.city").label == "Address: City"
    paths = {(p.path, p.other, p.direction) for p in screens.paths}
    assert paths == {("Insurance", "PRA", "target")}
    pra = {(p.path, p.other, p.direction) for p in record_screens(schema, "PRA").paths}
    assert ("Insurance", "Insured", "origin") in pra and ("Breakdown", "Guaranty", "target") in pra


def test_items_changed_only_by_a_primitive_are_protected(schema: Schema) -> None:
    for rt, record in schema.record_types.items():
        screens = record_screens(schema, rt)
        for item in record.items:
            if item.changed_by:
                needed = item.mandatory and item.default is None
                for screen, protected in ((screens.modify, True), (screens.create, not needed)):
                    zones = [z for z in screen.fields if screens.item_of[z.field or ""] == item.name]
                    assert zones and all(z.has("protected") == protected for z in zones), (rt, item.name)
    loss = record_screens(schema, "Loss")
    assert loss.create.field("loss_date").editable and loss.create.field("loss_date").has("required")
    assert not loss.create.field("amount").editable and not loss.modify.field("loss_date").editable


def test_typed_texts_become_values() -> None:
    assert parse("number", " 42 ") == 42 and parse("number", "4x") == "4x"
    assert parse("decimal", "12.50") == Decimal("12.50") and parse("decimal", "nan") == "nan"
    assert parse("date", "1986-01-31") == dt.date(1986, 1, 31) == parse("date", "31/01/1986")
    assert parse("date", "31/02/1986") == "31/02/1986"
    assert parse("boolean", "on") is True and parse("boolean", "") is False


def test_an_article_round_trips_through_its_fields(schema: Schema) -> None:
    record = schema.record_types["Insured"]
    article = {
        "code": 7,
        "name": "DUPONT",
        "address": {"street": "RUE X", "postcode": None, "city": "NAMUR", "country": None},
        "birth_date": dt.date(1960, 5, 1),
        "phone": ["081", "082"],
    }
    texts = article_fields(record, article)
    assert texts["phone.2"] == "082" and texts["phone.3"] == "" and texts["address.city"] == "NAMUR"
    back = read_article(record, texts, set(texts), blanks_are_absent=True)
    assert back == {
        "code": 7,
        "name": "DUPONT",
        "address": {"street": "RUE X", "city": "NAMUR"},
        "birth_date": dt.date(1960, 5, 1),
        "phone": ["081", "082"],
    }
    cleared = read_article(record, {"email": "", "code": "7"}, {"email", "code"}, blanks_are_absent=False)
    assert cleared == {"code": 7, "email": None}


class _Plain(ScreenInterface):
    """A terminal-like renderer: the interface holds with another screen manager."""

    def show(self, display: Display) -> str:
        rows = []
        for line in display.screen.lines:
            row = [" "] * 80
            for zone in line.zones:
                text = zone.text if not zone.is_field else display.values.get(zone.field or "", "")
                text = "*" * len(text) if zone.has("hidden") else text
                row[zone.position - 1 : zone.position - 1 + zone.length] = text.ljust(zone.length)[: zone.length]
            rows.append("".join(row).rstrip())
        return "\n".join(rows)


def test_another_renderer_shows_and_reads_the_same_screen() -> None:
    from assurdb.screens.loader import shipped_screen

    screen: Screen = shipped_screen("login")
    plain = _Plain()
    text = plain.show(Display(screen, {"user": "admin", "password": "demo"}))
    assert "PLEASE GIVE YOUR PASSWORD:" in text and "****" in text and "demo" not in text
    filled = plain.read(screen, {"user": "admin", "password": "", "intruder": "x"}, "login")
    assert filled.action == "login" and filled.values == {"user": "admin", "password": ""}
    assert filled.missing == ("password",)
    assert plain.read(screen, {}, "drop_tables").action is None


def test_a_password_hash_is_hidden(schema: Schema) -> None:
    screens = record_screens(schema, "User")
    assert all(s.field("password_hash").has("hidden") for s in (screens.view, screens.create, screens.modify))


def test_every_n_n_path_has_its_link_and_unlink_screens(schema: Schema) -> None:
    for path in (p for p in schema.path_types.values() if p.many_to_many):
        for other in {path.origin, path.target}:
            ident = list(schema.record_types[other].identifier_items)
            link = link_screen(schema, path, other)
            assert [z.field for z in link.fields] == [*ident, *path.items.names], path.name
            assert all(link.field(i).has("required") for i in ident) and link.action("link") is not None
            unlink = unlink_screen(schema, path, other)
            assert [z.field for z in unlink.fields] == ident and all(z.has("protected") for z in unlink.fields)
            assert unlink.action("unlink") == Action("unlink", "Unlink", confirm=True)
    role = link_screen(schema, schema.path_types["Composition"], "Employee").field("role")
    assert role.editable and not role.has("required")  # it has a default: member
