"""An article of the version a database holds, as the version it is to hold has it.

Items keep their values through renames; a changed item's value is converted (a number to text,
text to a number or a date when it reads as one…); new items get their data step's value
(``migrate: value | compute | callable``) or their default; a decomposable item keeps its
sub-items through their renames. Every converted article is then checked by the new version's
own check, so nothing reaches the database that the new interface would refuse.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from assurdb.metadb.errors import MetaDBError
from assurdb.metadb.expressions import Expression, ExpressionError
from assurdb.metadb.migration import Plan
from assurdb.metadb.model import DataStep, Item, RecordType
from assurdb.metadb.values import check_value

#: A value that could not be converted (reported as lost data, then written as null).
LOST: Any = object()


class MigrationError(MetaDBError):
    """A migration cannot be planned or applied: the message says what and why (nothing changed)."""


def convert_value(value: Any, old: Item, new: Item) -> Any:
    """``value`` of ``old`` as a value of ``new`` (``LOST`` when it has none)."""
    if value is None:
        return None
    if new.decomposable or old.decomposable:
        return value if new.decomposable and old.decomposable else LOST
    if old.repetitive and not new.repetitive:
        values = list(value)
        if len(values) > 1:
            return LOST
        return convert_value(values[0], _single(old), new) if values else None
    if new.repetitive and not old.repetitive:
        converted = convert_value(value, old, _single(new))
        return LOST if converted is LOST else [converted]
    if new.repetitive:
        converted = [convert_value(v, _single(old), _single(new)) for v in value]
        if any(c is LOST for c in converted) or len(converted) > new.repetitive:
            return LOST
        return converted
    return _scalar(value, str(old.type), str(new.type))


def _single(item: Item) -> Item:
    return Item(item.name, item.type, item.length, item.scale)


def _scalar(value: Any, old: str, new: str) -> Any:
    if old == new:
        return value
    try:
        if new == "alphanumeric":
            if isinstance(value, bool):
                return "true" if value else "false"
            return value.isoformat() if isinstance(value, date) else str(value)
        if new == "numeric":
            number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
            if number is None or number != number.to_integral_value():
                return LOST
            return int(number)
        if new == "decimal":
            return LOST if isinstance(value, bool) else Decimal(str(value).strip())
        if new == "date":
            return date.fromisoformat(str(value).strip()) if isinstance(value, str) else LOST
        if new == "boolean":
            text = str(value).strip().lower()
            return {"true": True, "false": False, "1": True, "0": False}.get(text, LOST)
    except (ValueError, InvalidOperation):
        return LOST
    return LOST


def _callable(target: str) -> Callable[[Mapping[str, Any]], Any]:
    module, _, name = target.partition(":")
    try:
        function = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise MigrationError(f"migrate callable {target}: {exc}") from exc
    if not callable(function):
        raise MigrationError(f"migrate callable {target} is not callable")
    return function  # type: ignore[no-any-return]


@dataclass
class Lost:
    """What a conversion loses, per item: how many values, and a few articles as examples."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, item: str, ident: str) -> None:
        self.counts[item] = self.counts.get(item, 0) + 1
        shown = self.examples.setdefault(item, [])
        if len(shown) < 5:
            shown.append(ident)


class Transformer:
    """Articles of one record type, from the old version to the new one."""

    def __init__(self, plan: Plan, new_rt: RecordType, old_rt: RecordType) -> None:
        self.plan = plan
        self.new_rt = new_rt
        self.old_rt = old_rt
        self.name = new_rt.name
        hints = plan.new.migration.items
        self.sources: dict[str, str] = {}
        self.subs: dict[str, dict[str, str]] = {}
        for item in new_rt.items:
            former = plan.items.get((self.name, item.name))
            if former is None:
                continue
            self.sources[item.name] = former
            if item.decomposable and old_rt.items[former].decomposable:
                before = old_rt.items[former]
                mapping = {}
                for sub in item.sub_items:
                    old_sub = hints.get((self.name, f"{item.name}.{sub.name}"), sub.name)
                    if before.sub_items.get(old_sub) is not None:
                        mapping[sub.name] = old_sub
                self.subs[item.name] = mapping
        self.steps: dict[str, Callable[[Mapping[str, Any]], Any]] = {}
        for item in new_rt.items:
            step = plan.steps.get((self.name, item.name))
            if step is not None:
                self.steps[item.name] = _evaluator(step)
        self.ident = old_rt.identifier_items
        self.lost = Lost()

    def __call__(self, old: Mapping[str, Any]) -> dict[str, Any]:
        article: dict[str, Any] = {}
        shown = "/".join(str(old.get(i)) for i in self.ident)
        for item in self.new_rt.items:
            former = self.sources.get(item.name)
            if former is None:
                article[item.name] = None
                continue
            value = old.get(former)
            old_item = self.old_rt.items[former]
            if item.name in self.subs and value is not None:
                mapping = self.subs[item.name]
                value = {sub: value.get(mapping[sub]) if sub in mapping else None for sub in item.sub_items.names}
                if any(v is not None for k, v in old[former].items() if k not in mapping.values()):
                    self.lost.note(f"{self.name}.{item.name}", shown)
            elif _differs(old_item, item):
                converted = convert_value(value, old_item, item)
                if converted is not LOST and converted is not None and check_value(item, converted)[1] is not None:
                    converted = LOST  # it does not fit the new item (too long, too many digits…)
                if converted is LOST:
                    self.lost.note(f"{self.name}.{item.name}", shown)
                    converted = None
                value = converted
            article[item.name] = value
        for gone in set(self.old_rt.items.names) - set(self.sources.values()):
            if old.get(gone) not in (None, [], {}):
                self.lost.note(f"{self.old_rt.name}.{gone}", shown)
        if self.steps:
            env = {**old, **article}
            for name, step in self.steps.items():
                article[name] = step(env)
        for item in self.new_rt.items:
            if article[item.name] is None and item.default is not None:
                article[item.name] = item.default
        return article


def _differs(old: Item, new: Item) -> bool:
    return (old.type, old.length, old.scale, old.repetitive) != (new.type, new.length, new.scale, new.repetitive)


def _evaluator(step: DataStep) -> Callable[[Mapping[str, Any]], Any]:
    if step.kind == "value":
        value = step.source
        return lambda _: value
    if step.kind == "compute":
        expression: Expression = step.source

        def compute(env: Mapping[str, Any]) -> Any:
            try:
                return expression.evaluate(env)
            except ExpressionError as exc:
                raise MigrationError(f"migrate compute: {exc}") from exc

        return compute
    return _callable(str(step.source))
