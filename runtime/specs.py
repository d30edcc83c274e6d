"""What a generated package tells the runtime about each record type and path type.

The generator computes every statement (SQL rendered per DBMS by SQLAlchemy at generation
time) and every codec (straight-line validation, encoding and decoding per record type) and
emits them as these frozen objects; the runtime's request algorithms only combine them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Validation modes of a record type's ``check`` codec.
FULL = 0  #: WRITE: defaults applied, mandatory items and the identifier required
PATCH = 1  #: REWRITE: the identifier required, other items as given
LOOKUP = 2  #: identifiers, keys and criteria: only the items given are checked


@dataclass(frozen=True, slots=True)
class Refusal:
    """A codec's answer when an article does not fit: a return code and why."""

    rc: int
    message: str


@dataclass(frozen=True, slots=True)
class Stmt:
    """A statement and the names of the values it binds, in order."""

    sql: str
    params: tuple[str, ...] = ()


Check = Callable[[Mapping[str, Any], int], "dict[str, Any] | Refusal"]


@dataclass(frozen=True)
class RecordSpec:
    """One record type as its interface sees it."""

    name: str
    table: str
    ident: tuple[str, ...]
    items: frozenset[str]
    #: access key → its items; ``order`` → key items then identifier items (keyset order)
    keys: Mapping[str, tuple[str, ...]]
    order: Mapping[str, tuple[str, ...]]
    #: item → its type ("numeric", "alphanumeric", …) for scalar items
    types: Mapping[str, str]
    check: Check
    encode: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    decode: Callable[[Any], dict[str, Any]]
    encode_value: Callable[[str, Any], Any]
    columns: tuple[str, ...]
    exists: Stmt
    select_by_id: Stmt
    insert: Stmt
    update: Stmt
    delete: Stmt
    select_all: str
    #: item → WHERE fragments (equality, inclusive range) for READ SELECTION
    where_eq: Mapping[str, str] = field(default_factory=dict)
    where_range: Mapping[str, str] = field(default_factory=dict)
    order_by: Mapping[str, str] = field(default_factory=dict)
    #: DataFrame dtypes per item (READ SELECTION answers the same dtypes on every DBMS)
    dtypes: Mapping[str, str] = field(default_factory=dict)
    item_order: tuple[str, ...] = ()
    #: paths stored in this record type's rows (it is their target), and paths it is origin of
    stored_paths: tuple[str, ...] = ()
    origin_of: tuple[str, ...] = ()
    target_of: tuple[str, ...] = ()

    def ident_text(self, values: Mapping[str, Any]) -> str:
        return "/".join(str(values.get(i)) for i in self.ident)


@dataclass(frozen=True)
class PathSpec:
    """One path type: where its links live and the statements that walk and change them."""

    name: str
    origin: str
    target: str
    cls: str
    target_needs_origin: bool
    origin_needs_target: bool
    identifying: bool
    #: (origin identifier item, target item holding it) for 1-1/1-N paths
    origin_items: tuple[tuple[str, str], ...]
    sort: tuple[str, ...]
    #: N-N: junction table and link items
    junction: str | None = None
    link_items: frozenset[str] = frozenset()
    check_link: Check | None = None
    decode_link: Callable[[Any], dict[str, Any]] | None = None
    #: statements (see the generator's ``paths`` builder for each one's shape)
    first_target: Stmt | None = None
    next_target: Stmt | None = None
    first_origin: Stmt | None = None
    next_origin: Stmt | None = None
    link: Stmt | None = None
    unlink: Stmt | None = None
    unlink_all_from_origin: Stmt | None = None
    unlink_all_to_target: Stmt | None = None
    targets_of_origin: Stmt | None = None
    origins_of_target: Stmt | None = None
    has_target: Stmt | None = None
    has_origin: Stmt | None = None
    link_exists: Stmt | None = None
    any_target_without_origin: Stmt | None = None
    any_origin_without_target: Stmt | None = None

    @property
    def many_to_many(self) -> bool:
        return self.cls == "N-N"

    @property
    def target_items(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.origin_items)
