"""The meta-database as a typed, frozen model (thesis VI.1 and VII.1).

A :class:`Schema` holds :class:`RecordType` s (with their :class:`Item` s and
:class:`AccessKey` s) and :class:`PathType` s. Schemas are built by :mod:`metadb.loader` from a
schema file, which validates everything first; the objects here are immutable afterwards.
Users, permissions, openings and statistics are the meta-database's run-time content; their
shapes are here too, so every layer names them the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Generic, Literal, Protocol, TypeVar, overload

ItemType = Literal["numeric", "decimal", "alphanumeric", "boolean", "date"]
ITEM_TYPES: tuple[ItemType, ...] = ("numeric", "decimal", "alphanumeric", "boolean", "date")
PathClass = Literal["1-1", "1-N", "N-N"]
PATH_CLASSES: tuple[PathClass, ...] = ("1-1", "1-N", "N-N")
Combine = Literal["sum", "last", "keep"]
COMBINE_RULES: tuple[Combine, ...] = ("sum", "last", "keep")

#: The name of every record type's identifying access key.
IDENTIFIER_KEY = "id"


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


class Named(tuple[N, ...], Generic[N]):
    """A tuple of named elements, indexable by position *or* name (``rt.items["premium"]``)."""

    __slots__ = ()

    @overload  # type: ignore[override]
    def __getitem__(self, key: str) -> N: ...
    @overload
    def __getitem__(self, key: int) -> N: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[N, ...]: ...
    def __getitem__(self, key: str | int | slice) -> N | tuple[N, ...]:
        if isinstance(key, str):
            for element in self:
                if element.name == key:
                    return element
            raise KeyError(key)
        return tuple.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return any(element.name == key for element in self)
        return tuple.__contains__(self, key)

    def get(self, name: str) -> N | None:
        for element in self:
            if element.name == name:
                return element
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(element.name for element in self)


@dataclass(frozen=True)
class Item:
    """One item of a record type (thesis VI.1.1 b, d).

    ``length`` is the number of digits of a numeric item, the precision (total digits) of a
    decimal item and the number of characters of an alphanumeric item; ``scale`` the digits
    after the point of a decimal. ``repetitive`` is the maximum number of occurrences of a
    repetitive item (``None``: a simple item). A decomposable item has ``sub_items`` and no
    type of its own. ``path`` names the 1-N/1-1 path type whose origin identifier this item
    carries; such items are added by the loader.
    """

    name: str
    type: ItemType | None
    length: int | None = None
    scale: int = 0
    label: str = ""
    identifying: bool = False
    access_key: bool = False
    mandatory: bool = False
    repetitive: int | None = None
    sub_items: Named[Item] = field(default_factory=lambda: Named(()))
    default: Any = None
    display: str | None = None
    combine: Combine | None = None
    description: str = ""
    path: str | None = None
    #: the primitive through which alone the item changes — it changes the accounts (an
    #: endorsement, a cancellation, a loss movement) or it is the system's own bookkeeping
    #: (ACCOUNT): MODIFY and PARTIAL MODIF refuse it and name this primitive
    changed_by: str | None = None

    @property
    def decomposable(self) -> bool:
        return bool(self.sub_items)

    @property
    def title(self) -> str:
        """The label, or the name made readable."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def shape(self) -> str:
        """Type, size and occurrences as people write them: ``decimal(13,2)``, ``alphanumeric(20) × 3``,
        ``decomposable (street, city)``."""
        if self.decomposable:
            return "decomposable (" + ", ".join(s.name for s in self.sub_items) + ")"
        text = str(self.type)
        if self.length:
            text += f"({self.length}" + (f",{self.scale}" if self.type == "decimal" else "") + ")"
        if self.repetitive:
            text += f" × {self.repetitive}"
        return text


@dataclass(frozen=True)
class AccessKey:
    """An access key: ordered items (thesis VI.1.1 e). The identifier is the key ``id``."""

    name: str
    items: tuple[str, ...]
    identifying: bool = False


@dataclass(frozen=True)
class RecordType:
    """A record type ("type d'articles") with its items and access keys."""

    name: str
    items: Named[Item]
    keys: Named[AccessKey]
    label: str = ""
    description: str = ""

    @property
    def identifier(self) -> AccessKey:
        return self.keys[IDENTIFIER_KEY]

    @property
    def identifier_items(self) -> tuple[str, ...]:
        return self.identifier.items

    def item(self, name: str) -> Item:
        return self.items[name]

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class PathType:
    """A path type between two record types (thesis VI.1.1 c, f).

    ``target_needs_origin``: every target must have an origin; ``origin_needs_target``: every
    origin must have at least one target (the two existence flags). ``sort`` orders an origin's
    targets (then the target identifier). For 1-1 and 1-N paths, ``origin_items`` maps each
    origin identifier item to the target item that stores it; ``identifying`` says those items
    are part of the target's own identifier (Breakdown). N-N paths become a junction
    (``items`` are the link's own items, e.g. Composition's ``role``).
    """

    name: str
    origin: str
    target: str
    cls: PathClass
    target_needs_origin: bool = False
    origin_needs_target: bool = False
    sort: tuple[str, ...] = ()
    inverse: str = ""
    label: str = ""
    description: str = ""
    identifying: bool = False
    origin_items: tuple[tuple[str, str], ...] = ()
    items: Named[Item] = field(default_factory=lambda: Named(()))

    @property
    def many_to_many(self) -> bool:
        return self.cls == "N-N"

    @property
    def target_items(self) -> tuple[str, ...]:
        """The target items holding the origin identifier (1-1 and 1-N paths)."""
        return tuple(t for _, t in self.origin_items)


@dataclass(frozen=True)
class Statistics:
    """Per record type: approximate article count and mean access cost per key (VII.1.5)."""

    record_type: str
    count: int = 1000
    key_costs: tuple[tuple[str, float], ...] = ()

    def cost(self, key: str) -> float:
        return dict(self.key_costs).get(key, 1.0)


@dataclass(frozen=True)
class User:
    """A user of the meta-database; only a salted slow hash of the password is kept."""

    name: str
    password_hash: str
    active: bool = True


@dataclass(frozen=True)
class Permission:
    """A user may open a record type up to a mode (1 consult, 2 modify shared, 3 exclusive)."""

    user: str
    record_type: str
    mode: int


@dataclass(frozen=True)
class Opening:
    """A record type currently opened by a session, with its holder's proof of life."""

    session: str
    user: str
    record_type: str
    mode: int
    holder: str = ""


@dataclass(frozen=True)
class DataStep:
    """How existing articles get an item's value when a schema version is applied to a database:
    a constant (``value``), an expression on the article's items (``compute``, see
    :mod:`assurdb.metadb.expressions`) or a Python callable ``module:function`` of the article."""

    kind: Literal["value", "compute", "callable"]
    source: Any


@dataclass(frozen=True)
class MigrationHints:
    """What a schema file declares about the version before it: renamed elements (new name → old
    name) and data steps. Not part of the schema itself (nor of its fingerprint)."""

    record_types: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: (record type, item) → old item name; a sub-item is written ``item.sub``
    items: Mapping[tuple[str, str], str] = field(default_factory=lambda: MappingProxyType({}))
    keys: Mapping[tuple[str, str], str] = field(default_factory=lambda: MappingProxyType({}))
    paths: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: (record type, item) → how existing articles get the item's value
    steps: Mapping[tuple[str, str], DataStep] = field(default_factory=lambda: MappingProxyType({}))

    def __bool__(self) -> bool:
        return bool(self.record_types or self.items or self.keys or self.paths or self.steps)


@dataclass(frozen=True)
class Schema:
    """A whole schema: record types and path types, with its statistics and version."""

    name: str
    version: int
    record_types: Mapping[str, RecordType]
    path_types: Mapping[str, PathType]
    label: str = ""
    statistics: Mapping[str, Statistics] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""
    #: renames and data steps declared for migrating from the previous version (not in the fingerprint)
    migration: MigrationHints = field(default_factory=MigrationHints, compare=False)

    def __post_init__(self) -> None:
        for attr in ("record_types", "path_types", "statistics"):
            value = getattr(self, attr)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, attr, MappingProxyType(dict(value)))

    def paths_from(self, rt: str) -> Iterator[PathType]:
        return (p for p in self.path_types.values() if p.origin == rt)

    def paths_to(self, rt: str) -> Iterator[PathType]:
        return (p for p in self.path_types.values() if p.target == rt)

    def stats(self, rt: str) -> Statistics:
        return self.statistics.get(rt) or Statistics(rt)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the schema's canonical form: what a generated interface was built from."""
        canon = json.dumps(to_plain(self, with_statistics=False), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _plain_value(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def item_to_plain(item: Item) -> dict[str, Any]:
    return {
        "name": item.name,
        "type": item.type,
        "length": item.length,
        "scale": item.scale,
        "label": item.label,
        "identifying": item.identifying,
        "access_key": item.access_key,
        "mandatory": item.mandatory,
        "repetitive": item.repetitive,
        "sub_items": [item_to_plain(s) for s in item.sub_items],
        "default": _plain_value(item.default),
        "display": item.display,
        "combine": item.combine,
        "description": item.description,
        "path": item.path,
        **({"changed_by": item.changed_by} if item.changed_by else {}),
    }


def to_plain(schema: Schema, *, with_statistics: bool = True) -> dict[str, Any]:
    """The schema as plain JSON-able data in declaration order (the fingerprint sorts its keys)."""
    plain: dict[str, Any] = {
        "name": schema.name,
        "version": schema.version,
        "label": schema.label,
        "record_types": {
            rt.name: {
                "label": rt.label,
                "description": rt.description,
                "items": [item_to_plain(i) for i in rt.items],
                "keys": [
                    {"name": k.name, "items": list(k.items), "identifying": k.identifying}
                    for k in sorted(rt.keys, key=lambda k: (not k.identifying, k.name))
                ],
            }
            for rt in schema.record_types.values()
        },
        "path_types": {
            pt.name: {
                "origin": pt.origin,
                "target": pt.target,
                "class": pt.cls,
                "target_needs_origin": pt.target_needs_origin,
                "origin_needs_target": pt.origin_needs_target,
                "sort": list(pt.sort),
                "inverse": pt.inverse,
                "label": pt.label,
                "description": pt.description,
                "identifying": pt.identifying,
                "origin_items": [list(p) for p in pt.origin_items],
                "items": [item_to_plain(i) for i in pt.items],
            }
            for pt in schema.path_types.values()
        },
    }
    if with_statistics:
        plain["statistics"] = {
            s.record_type: {"count": s.count, "key_costs": dict(s.key_costs)}
            for s in sorted(schema.statistics.values(), key=lambda s: s.record_type)
        }
    return plain


def named(elements: Iterable[N]) -> Named[N]:
    return Named(tuple(elements))
