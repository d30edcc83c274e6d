"""The access-interface contract, written once (thesis VII.2–VII.3).

Every generated backend implements :class:`Session`; the domain layer and the engine use
nothing else. A request never raises for bad input or a DBMS failure: it answers a
:class:`Reply` whose ``rc`` is a return code and whose ``message`` names what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from assurdb.metadb.model import Schema

#: Bumped whenever the contract below changes shape; generated modules check it at import
#: (protobuf's runtime version check), so stale generated code fails loudly.
CONTRACT_VERSION = 3

#: One value of a simple item, as requests answer it (a decimal is always a ``Decimal``).
Scalar = int | Decimal | str | bool | date
#: The value of an item: simple, repetitive (a list of occurrences) or decomposable (sub-items).
Value = Scalar | list[Scalar] | dict[str, Scalar | None] | None
#: An article as requests answer it: item name → value (``None`` for an absent optional item).
Article = dict[str, Value]
#: What requests take: any mapping — the interface checks every value against the meta-database
#: and answers 11 or 13 for what does not fit, so nothing is excluded by the type alone.
Given = Mapping[str, object]
#: What :meth:`Session.check` checks an article for: a new article (WRITE: identifier and
#: mandatory items, defaults applied), a change (REWRITE: identifier, the items given) or a key.
Purpose = Literal["write", "rewrite", "lookup"]


class Action(IntEnum):
    """Action codes (thesis VII.3, plus units of work and batches)."""

    #: open record types for this session, each in a mode (a bare name: mode 1); checked in order: known (10·i),
    #: allowed to the user (500+i), compatible with other sessions' openings (600+i)
    OPEN_DB = 10
    #: close one record type this session opened
    CLOSE_RT = 18
    #: close every record type this session opened
    CLOSE_DB = 19
    #: the article whose access key ``key`` (default: the identifier) has the values given
    READ_DIRECT = 20
    #: the next article in the order of access key ``key``: the first at or after the leading items given, strictly
    #: after a complete key value (walk a key by passing back the article read)
    READ_SEQUENTIAL = 21
    #: every article whose access-key items equal the values or lie in the ``(low, high)`` ranges given, as a
    #: DataFrame in ``Reply.batch``; at most ``limit``; ``decimals="float"``: decimal items as float64 columns
    READ_SELECTION = 22
    #: the first target of an origin through path type ``pt`` — or, given ``current``, the one after it
    READ_TARGET_VIA_PATH = 30
    #: the first origin of a target through path type ``pt`` — or, given ``current``, the one after it
    READ_ORIGIN_VIA_PATH = 31
    #: a new article
    WRITE = 40
    #: a new target article, linked through path type ``pt`` to an existing origin
    WRITE_TARGET_VIA_PATH = 41
    #: a new origin and a new target, linked through path type ``pt``, together
    WRITE_ORIGIN_AND_TARGET = 42
    #: many new articles of one record type, all or none (a sequence, or a DataFrame of one per row: its columns
    #: the items, a missing value none); ``Reply.position`` names the first refused
    WRITE_BATCH = 43
    #: change the items given of the article the identifier names
    REWRITE = 50
    #: many REWRITEs of one record type, as if made in order, all or none (a sequence, or a DataFrame of one per
    #: row); ``Reply.position`` names the first refused
    REWRITE_BATCH = 51
    #: delete the article the identifier names (refused if a path type needs it)
    DELETE = 60
    #: link two existing articles through path type ``pt``
    BOUND = 70
    #: remove the link of two articles through path type ``pt``
    DEBOUND = 71
    #: open a unit of work: the requests up to COMMIT or ROLLBACK take effect together, existence constraints checked
    #: at COMMIT
    BEGIN = 80
    #: end the unit of work, keeping its changes if the existence constraints hold (else 900/901, all undone)
    COMMIT = 81
    #: end the unit of work, undoing its changes
    ROLLBACK = 82

    @property
    def method(self) -> str:
        """The :class:`Session` method of this action (its name in lower case)."""
        return self.name.lower()


class RC(IntEnum):
    """Fixed return codes. OPEN DB also answers 10·i, 500+i and 600+i."""

    #: done
    OK = 0
    #: the action code is none of the contract's (``Session.call``): the request was not understood
    ACTION_UNKNOWN = 1
    #: the record type (the origin's, on a path action) is unknown; OPEN DB answers 10·i instead
    RT_UNKNOWN = 10
    #: the input does not match the record type: an item it does not have, an article or an argument of the
    #: wrong shape
    RT_MISMATCH = 11
    #: the key (or a READ SELECTION criterion) is not an access key of the record type
    KEY_NOT_ACCESS = 12
    #: a value breaks its item's rules (type, length, scale, range, allowed values, a mandatory item missing), or
    #: an argument is out of range (an opening mode, a ``limit``, READ SELECTION's ``decimals``)
    VALUE_INVALID = 13
    #: 10 for the target record type of a path action
    TARGET_RT_UNKNOWN = 20
    #: 11 for the target's article
    TARGET_MISMATCH = 21
    #: 12 for the target's key
    TARGET_KEY_NOT_ACCESS = 22
    #: 13 for the target's values
    TARGET_VALUE_INVALID = 23
    #: the path type is unknown, or does not join these origin and target record types
    PATH_INVALID = 30
    #: no such article (the origin, on a path action); READ SEQUENTIAL: no next article; READ ORIGIN VIA PATH: no
    #: (next) origin
    NOT_FOUND = 400
    #: no such target article; READ TARGET VIA PATH: no (next) target
    TARGET_NOT_FOUND = 401
    #: an article with that identifier exists (or a 1-1 path would get a second article)
    ALREADY_EXISTS = 500
    #: the target article, or the link, exists already
    TARGET_ALREADY_EXISTS = 501
    #: this session's openings do not allow the request: the record type is not open, or is open in mode 1 and the
    #: request writes
    MODE_FORBIDS = 600
    #: a unit of work is open: BEGIN again, or OPEN DB, CLOSE RT, CLOSE DB inside one
    ALREADY_OPEN = 700
    #: nothing to close: COMMIT or ROLLBACK without a unit of work, CLOSE RT of a record type not open
    ALREADY_CLOSED = 800
    #: an origin would lack the target a path type requires of it (``origin_needs_target``); at COMMIT the unit is
    #: undone
    ORIGIN_CONSTRAINT = 900
    #: a target would lack the origin a path type requires of it (``target_needs_origin``); at COMMIT the unit is
    #: undone
    TARGET_CONSTRAINT = 901
    #: the DBMS failed (server gone, disk full…); the request, or its unit of work, is rolled back
    DBMS_FAILURE = 999


class Mode(IntEnum):
    """Opening modes: 1 with 1 and 1 with 2 are compatible; nothing with 3."""

    #: read only; shares the record type with sessions in mode 1 or 2
    CONSULT = 1
    #: read and write; shares it with sessions in mode 1 only: one modifier at a time
    MODIFY_SHARED = 2
    #: read and write; shares it with no other session
    MODIFY_EXCLUSIVE = 3

    def compatible_with(self, other: Mode) -> bool:
        """Whether two *different* sessions may hold these modes on one record type."""
        if Mode.MODIFY_EXCLUSIVE in (self, other):
            return False
        return not (self is Mode.MODIFY_SHARED and other is Mode.MODIFY_SHARED)

    @property
    def writes(self) -> bool:
        return self is not Mode.CONSULT


def explain(rc: int) -> str:
    """A return code in words. OPEN DB's computed codes name the entry they concern: 10·i its
    record type is unknown, 500+i the user is not authorised to open it in that mode, 600+i it is
    opened elsewhere in an incompatible mode — never the fixed code that shares their number."""
    if isinstance(rc, RC):
        return rc.name.lower().replace("_", " ")
    code = int(rc)
    if 500 < code < 600:
        return f"not authorised (OPEN DB entry {code - 500})"
    if 600 < code < 700:
        return f"opened elsewhere in an incompatible mode (OPEN DB entry {code - 600})"
    if 0 < code < 500 and code % 10 == 0:
        return f"record type unknown (OPEN DB entry {code // 10})"
    return f"return code {code}"


def as_rc(code: int) -> int:
    """An :class:`RC` member for a fixed code, the plain int for OPEN DB's computed ones."""
    try:
        return RC(code)
    except ValueError:
        return int(code)


@dataclass(frozen=True, slots=True)
class Reply:
    """What every request answers.

    ``rc`` is an int — an :class:`RC` member for fixed codes; ``article`` the article read
    (or ``None``); ``message`` says why in words; ``position`` is OPEN DB's 1-based *i* for
    10·i / 500+i / 600+i, or WRITE BATCH's 0-based index of the first refused article;
    ``batch`` is READ SELECTION's DataFrame.
    """

    rc: int
    article: Article | None = None
    message: str = ""
    position: int | None = None
    batch: pd.DataFrame | None = None

    @property
    def ok(self) -> bool:
        return self.rc == RC.OK

    @property
    def index(self) -> int | None:
        """WRITE BATCH's name for ``position``: the first refused article, or ``None``."""
        return self.position

    def __repr__(self) -> str:
        code = self.rc.name if isinstance(self.rc, RC) else str(self.rc)
        return f"Reply(rc={int(self.rc)} {code}, message={self.message!r}, position={self.position})"

    def __str__(self) -> str:
        """The code, what it means for the action that answered it, and the message:
        ``501 not authorised (OPEN DB entry 1): user clerk may not open PRA in mode 2``."""
        text = f"{int(self.rc)} {explain(self.rc)}"
        return f"{text}: {self.message}" if self.message and not self.ok else text


def _reply_init(
    self: Reply,
    rc: int,
    article: Article | None = None,
    message: str = "",
    position: int | None = None,
    batch: pd.DataFrame | None = None,
) -> None:
    # Every request builds a Reply, so its construction is on the path of every READ DIRECT. A frozen
    # dataclass' own __init__ calls object.__setattr__ once per field (~0.65 µs); the slots'
    # descriptors set the same fields in half the time, and the instance stays frozen to its users.
    _set_rc(self, rc)
    _set_article(self, article)
    _set_message(self, message)
    _set_position(self, position)
    _set_batch(self, batch)


_set_rc, _set_article, _set_message, _set_position, _set_batch = (
    vars(Reply)[name].__set__ for name in ("rc", "article", "message", "position", "batch")
)
Reply.__init__ = _reply_init  # type: ignore[method-assign]


#: OPEN DB's input: ``[("Insured", Mode.MODIFY_SHARED), "PRA", …]`` — a bare name means mode 1.
Opening = tuple[str, int] | str
#: READ SELECTION's criteria: ``{item: value}`` or ``{item: (low, high)}`` on access-key items.
Criteria = Mapping[str, object]


@runtime_checkable
class Session(Protocol):
    """One user's session on one database: the only door to the data (thesis VII).

    Each request is a method named after its action code (:attr:`Action.method`), its positional
    inputs in the order the contract lists them. ``call`` is the router: any action code with those
    inputs. Besides the requests: ``user``, ``schema``
    (the meta-database as a typed model), ``opened`` (record type → mode this session holds),
    ``check`` (an article against the meta-database, every problem at once, touching no data),
    user administration (``add_user``, ``grant``, ``revoke``, ``set_password``, ``deactivate``,
    ``activate``, ``list_users``: requests too, refused 501 without the admin right) and ``close``.
    """

    @property
    def user(self) -> str: ...

    @property
    def schema(self) -> Schema: ...

    @property
    def opened(self) -> Mapping[str, int]: ...

    def check(self, rt: str, article: Given, *, purpose: Purpose = "write", every: bool = True) -> Reply: ...

    def call(self, action: int, *inputs: object) -> Reply: ...

    def open_db(self, openings: Sequence[Opening]) -> Reply: ...

    def close_db(self) -> Reply: ...

    def close_rt(self, rt: str) -> Reply: ...

    def read_direct(self, rt: str, article: Given, key: str = "id") -> Reply: ...

    def read_sequential(self, rt: str, article: Given, key: str = "id") -> Reply: ...

    def read_selection(
        self, rt: str, criteria: Criteria, *, limit: int | None = None, decimals: str = "exact"
    ) -> Reply: ...

    def read_target_via_path(
        self,
        ort: str,
        origin_id: Given,
        pt: str,
        trt: str,
        current: Given | None = None,
    ) -> Reply: ...

    def read_origin_via_path(
        self,
        ort: str,
        pt: str,
        trt: str,
        target_id: Given,
        current: Given | None = None,
    ) -> Reply: ...

    def write(self, rt: str, article: Given) -> Reply: ...

    def write_target_via_path(self, ort: str, origin_id: Given, trt: str, article: Given, pt: str) -> Reply: ...

    def write_origin_and_target(
        self,
        ort: str,
        origin_article: Given,
        trt: str,
        target_article: Given,
        pt: str,
    ) -> Reply: ...

    def write_batch(self, rt: str, articles: Sequence[Given] | pd.DataFrame) -> Reply: ...

    def rewrite(self, rt: str, article: Given) -> Reply: ...

    def rewrite_batch(self, rt: str, articles: Sequence[Given] | pd.DataFrame) -> Reply: ...

    def delete(self, rt: str, identifier: Given) -> Reply: ...

    def bound(self, ort: str, origin_id: Given, trt: str, target_id: Given, pt: str) -> Reply: ...

    def debound(self, ort: str, origin_id: Given, trt: str, target_id: Given, pt: str) -> Reply: ...

    def begin(self) -> Reply: ...

    def commit(self) -> Reply: ...

    def rollback(self) -> Reply: ...

    # -- user administration: requests of a session holding the admin right (mode 3 on User) ---
    def add_user(self, name: str, password: str, *, active: bool = True) -> Reply: ...

    def grant(self, user: str, rt: str, mode: int) -> Reply: ...

    def revoke(self, user: str, rt: str | None = None) -> Reply: ...

    def set_password(self, user: str, password: str, *, old: str | None = None) -> Reply: ...

    def deactivate(self, user: str) -> Reply: ...

    def activate(self, user: str) -> Reply: ...

    def list_users(self) -> Reply: ...

    def close(self) -> None: ...
