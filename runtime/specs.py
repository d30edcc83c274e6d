"""What a generated interface tells the runtime: its schema, and per DBMS its statements and codecs.

A generated package (``assurdb generate FILE --out DIR``) has two halves:

* once per schema — :class:`Interface` (name, version, fingerprint), the checks of every record
  type against the meta-database and the DBMS-independent facts the request algorithms need:
  :class:`RecordShape` and :class:`PathShape`;
* once per DBMS — :class:`Compiled`: the DDL, every statement rendered for that DBMS at
  generation time, and the codecs between articles and rows: :class:`RecordSpec` and
  :class:`PathSpec`, each built on its shape.

The request algorithms only combine these; no SQL is assembled at run time from anything but
the pieces rendered here (a READ SELECTION's WHERE fragments, its ORDER BY and LIMIT).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from typing import Any

from assurdb.metadb.model import Item, Schema
from assurdb.metadb.plain import from_plain
from assurdb.runtime.errors import BackendError

#: What a record type's ``check`` checks an article for (see ``Session.check``).
FULL = 0  #: WRITE: defaults applied, mandatory items and the identifier required
PATCH = 1  #: REWRITE: the identifier required, other items as given
LOOKUP = 2  #: identifiers, keys and criteria: only the items given are checked
PURPOSES = {"write": FULL, "rewrite": PATCH, "lookup": LOOKUP}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A check's answer when an article does not fit: a return code and why."""

    rc: int
    message: str


@dataclass(frozen=True, slots=True)
class Stmt:
    """A statement and the names of the values it binds, in order; ``take(values)``: those values,
    by name, as the tuple of its parameters (an ``itemgetter``: a read's parameters at C speed)."""

    sql: str
    params: tuple[str, ...] = ()
    take: Callable[[Mapping[str, Any]], tuple[Any, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "take", _taker(self.params))


def _taker(params: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(params) > 1:
        return itemgetter(*params)
    if params:
        name = params[0]
        return lambda values: (values[name],)
    return lambda values: ()


#: ``check(article, mode, every)``: the checked values, or the refusal (every problem if ``every``).
Check = Callable[[Mapping[str, Any], int, bool], "dict[str, Any] | Refusal"]
#: ``lookup(article)``: what ``check(article, LOOKUP, False)`` answers (keys and criteria).
Lookup = Callable[[Mapping[str, Any]], "dict[str, Any] | Refusal"]


@dataclass(frozen=True)
class RecordShape:
    """One record type as every DBMS's interface sees it (generated once per schema)."""

    name: str
    table: str
    ident: tuple[str, ...]
    items: frozenset[str]
    #: the items themselves, in order (column-wise batch checks)
    item_list: tuple[Item, ...]
    #: access key → its items; ``order`` → key items then identifier items (keyset order)
    keys: Mapping[str, tuple[str, ...]]
    order: Mapping[str, tuple[str, ...]]
    #: DataFrame dtypes per item (READ SELECTION answers the same dtypes on every DBMS)
    dtypes: Mapping[str, str]
    check: Check
    #: paths stored in this record type's rows (it is their target), paths it is origin / target of
    stored_paths: tuple[str, ...] = ()
    origin_of: tuple[str, ...] = ()
    target_of: tuple[str, ...] = ()
    #: whether a new article has existence constraints to check when the unit ends
    needs_notes: bool = False
    #: ``check`` in mode LOOKUP, the first problem refusing, written for it (None: an interface
    #: generated before it had one calls ``check``)
    lookup: Lookup | None = None

    @property
    def item_order(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.item_list)


def _lookup_by_check(check: Check, article: Mapping[str, Any]) -> dict[str, Any] | Refusal:
    return check(article, LOOKUP, False)


def _decode_by_rows(
    decode: Callable[[Any], dict[str, Any]], items: Sequence[str], columns: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    articles = [decode(row) for row in zip(*columns, strict=True)]
    return {name: [a[name] for a in articles] for name in items}


class RecordSpec:
    """One record type on one DBMS: its shape, its statements and its codecs (generated per DBMS)."""

    __slots__ = (
        "after",
        "batch",
        "by_key",
        "check",
        "columns",
        "decimal_items",
        "decode",
        "decode_columns",
        "delete",
        "dtypes",
        "encode",
        "encode_value",
        "exists",
        "ident",
        "insert",
        "insert_into",
        "item_columns",
        "item_list",
        "item_order",
        "items",
        "keys",
        "limit",
        "lookup",
        "mark",
        "name",
        "needs_notes",
        "order",
        "order_by",
        "order_columns",
        "origin_of",
        "plain_keys",
        "quoted",
        "select_all",
        "select_by_id",
        "shape",
        "snapshot",
        "stored_paths",
        "strictly_after",
        "table",
        "target_of",
        "update",
        "update_of",
        "where_eq",
        "where_ident",
        "where_range",
    )

    def __init__(
        self,
        shape: RecordShape,
        *,
        columns: tuple[str, ...],
        encode: Callable[[Mapping[str, Any]], tuple[Any, ...]],
        decode: Callable[[Any], dict[str, Any]],
        encode_value: Callable[[str, Any], Any],
        item_columns: Mapping[str, tuple[tuple[str, ...], Callable[[list[Any]], list[list[Any]]] | None]],
        exists: Stmt,
        select_by_id: Stmt,
        insert: Stmt,
        update: Stmt,
        delete: Stmt,
        select_all: str,
        by_key: Mapping[str, Stmt],
        after: Mapping[str, Mapping[int, Stmt]],
        strictly_after: Mapping[str, Stmt],
        where_eq: Mapping[str, str],
        where_range: Mapping[str, str],
        order_by: Mapping[str, str],
        limit: str,
        insert_into: str,
        update_of: str,
        where_ident: str,
        quoted: Mapping[str, str],
        mark: str,
        snapshot: Mapping[str, Stmt] | None = None,
        batch: Mapping[str, Stmt] | None = None,
        decode_columns: Callable[[Sequence[Any]], dict[str, Any]] | None = None,
        encoders: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        self.shape = shape
        # the shape's facts, copied: the request algorithms read them on every call
        self.name = shape.name
        self.table = shape.table
        self.ident = shape.ident
        self.items = shape.items
        self.item_list = shape.item_list
        self.item_order = shape.item_order
        self.keys = shape.keys
        self.order = shape.order
        self.dtypes = shape.dtypes
        #: the simple decimal items, which READ SELECTION hands as floats on request (a repetitive
        #: item's list and a decomposable item's dict keep their ``Decimal`` values)
        self.decimal_items = tuple(
            i.name for i in shape.item_list if i.type == "decimal" and not (i.repetitive or i.decomposable)
        )
        self.check = shape.check
        self.lookup = shape.lookup or partial(_lookup_by_check, shape.check)
        self.stored_paths = shape.stored_paths
        self.origin_of = shape.origin_of
        self.target_of = shape.target_of
        self.needs_notes = shape.needs_notes
        self.columns = columns
        self.encode = encode
        self.decode = decode
        #: the fetched rows' columns → each item's values (READ SELECTION's frame, column by column);
        #: an interface generated before it had one decodes row by row
        self.decode_columns = decode_columns or partial(_decode_by_rows, decode, self.item_order)
        self.encode_value = encode_value
        #: the access keys whose items' values are their parameters as they are (``encode_value`` converts
        #: none of them): a read by such a key binds the checked values themselves. ``encoders``: the items
        #: ``encode_value`` converts (an interface generated without it: every key is encoded)
        self.plain_keys = (
            frozenset()
            if encoders is None
            else frozenset(k for k, items in shape.order.items() if not any(i in encoders for i in items))
        )
        #: per item: its columns, and how a batch's values of it become theirs (None: as they are)
        self.item_columns = item_columns
        #: per access key, the columns of its order (its items are simple: a column each), for a DBMS
        #: that orders a selection itself
        self.order_columns = {k: tuple(item_columns[i][0][0] for i in order) for k, order in shape.order.items()}
        self.exists = exists
        self.select_by_id = select_by_id
        self.insert = insert
        self.update = update
        self.delete = delete
        self.select_all = select_all
        self.by_key = by_key
        self.after = after
        self.strictly_after = strictly_after
        self.where_eq = where_eq
        self.where_range = where_range
        self.order_by = order_by
        self.limit = limit
        #: pieces of a WRITE BATCH's INSERT of the columns a batch sets (quoted names, placeholder)
        self.insert_into = insert_into
        #: pieces of a REWRITE BATCH's UPDATE of the columns its articles give: ``UPDATE <table>`` and
        #: `` WHERE <identifier columns> = <placeholders>`` (binding the identifier items in order)
        self.update_of = update_of
        self.where_ident = where_ident
        self.quoted = quoted
        self.mark = mark
        #: key → (key order's columns of every row, sorted): a columnar DBMS's keyset walks
        self.snapshot: Mapping[str, Stmt] = snapshot or {}
        #: a columnar DBMS's set-based checks of a batch (duplicates) and its insert
        self.batch: Mapping[str, Stmt] = batch or {}

    def batch_columns(self, columns: Mapping[str, list[Any]]) -> tuple[tuple[str, ...], list[list[Any]]]:
        """A batch's checked values, item by item → the names and values of the columns they fill."""
        names: list[str] = []
        data: list[list[Any]] = []
        for item, values in columns.items():
            cols, spread = self.item_columns[item]
            names.extend(cols)
            data.extend([values] if spread is None else spread(values))
        return tuple(names), data

    def ident_text(self, values: Mapping[str, Any]) -> str:
        return "/".join(str(values.get(i)) for i in self.ident)


@dataclass(frozen=True)
class PathShape:
    """One path type as every DBMS's interface sees it (generated once per schema)."""

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
    #: N-N: junction table and link items (e.g. Composition's role)
    junction: str | None = None
    link_items: frozenset[str] = frozenset()
    check_link: Check | None = None

    @property
    def many_to_many(self) -> bool:
        return self.cls == "N-N"

    @property
    def target_items(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.origin_items)


@dataclass(frozen=True)
class PathSpec:
    """One path type on one DBMS: where its links live and the statements that walk and change them.

    Statement names bind ``o_x`` (origin identifier item x), ``t_x`` (target identifier item),
    ``c_x`` (the current article's item) and ``l_x`` (a link item).
    """

    shape: PathShape
    decode_link: Callable[[Any], dict[str, Any]] | None = None
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
    #: N-N: every link, ordered by origin (origin row, target row, link items): a database moved whole
    all_links: Stmt | None = None
    #: a columnar DBMS: the walk's snapshot, and a batch's set-based checks of this path's items
    snapshot: Stmt | None = None
    batch: Mapping[str, Stmt] = field(default_factory=dict)

    # the shape's facts (read on every path request)
    @property
    def name(self) -> str:
        return self.shape.name

    @property
    def origin(self) -> str:
        return self.shape.origin

    @property
    def target(self) -> str:
        return self.shape.target

    @property
    def cls(self) -> str:
        return self.shape.cls

    @property
    def target_needs_origin(self) -> bool:
        return self.shape.target_needs_origin

    @property
    def origin_needs_target(self) -> bool:
        return self.shape.origin_needs_target

    @property
    def identifying(self) -> bool:
        return self.shape.identifying

    @property
    def origin_items(self) -> tuple[tuple[str, str], ...]:
        return self.shape.origin_items

    @property
    def sort(self) -> tuple[str, ...]:
        return self.shape.sort

    @property
    def junction(self) -> str | None:
        return self.shape.junction

    @property
    def link_items(self) -> frozenset[str]:
        return self.shape.link_items

    @property
    def check_link(self) -> Check | None:
        return self.shape.check_link

    @property
    def many_to_many(self) -> bool:
        return self.shape.cls == "N-N"

    @property
    def target_items(self) -> tuple[str, ...]:
        return self.shape.target_items


@dataclass(frozen=True)
class Compiled:
    """An interface compiled for one DBMS: its DDL, its statements and its codecs."""

    backend: str
    #: CREATE statements in dependency order (a backend may keep some apart, e.g. SQLite's openings file)
    ddl: Sequence[str]
    side_ddl: Sequence[str]
    #: the runtime's own statements on the meta-database's openings (lock, select_rt, select_all,
    #: delete, insert, delete_all, delete_session)
    openings: Mapping[str, Stmt]
    #: every version the meta-database holds (name, version, fingerprint, state); ``legacy``: the
    #: same without the state, readable whatever the meta-schema's version
    schema_versions: str
    legacy_schema_versions: str
    records: Mapping[str, RecordSpec]
    paths: Mapping[str, PathSpec]


@dataclass(frozen=True)
class Interface:
    """A generated interface: the schema it was generated from, and where its parts are.

    ``package`` is the dotted name of the generated package (``assurdb.generated.insurance``,
    ``myapp.dbi``…); ``backends`` the DBMSs it was compiled for, each a module of that package.
    """

    package: str
    name: str
    version: int
    #: the schema's fingerprint (its record and path types, not the meta-schema's)
    fingerprint: str
    #: the meta-schema the interface was generated with
    meta_version: int
    meta_fingerprint: str
    generator_version: str
    backends: tuple[str, ...]
    plain: Mapping[str, Any]

    @cached_property
    def schema(self) -> Schema:
        """The schema this interface was generated from (with the meta-schema)."""
        return from_plain(self.plain)

    def compiled(self, backend: str) -> Compiled:
        """The interface's half for one DBMS (imported on first use)."""
        if backend not in self.backends:
            raise BackendError(
                f"the interface {self.package} was not generated for {backend} (it has: {', '.join(self.backends)})"
            )
        module = importlib.import_module(f"{self.package}.{backend}")
        compiled = getattr(module, "COMPILED", None)
        if not isinstance(compiled, Compiled):
            raise BackendError(f"{self.package}.{backend} is not a generated interface module (no COMPILED)")
        return compiled
