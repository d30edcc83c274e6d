"""The constraints' numbers and violations, the identifiers they name, and small helpers on articles."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from assurdb.metadb.model import Item, RecordType, Schema

#: An occurrence as the domain works on it: an article whose values the interface has checked (or
#: read), so each is the Python value of its item type; the domain reads them by item name.
Article = dict[str, Any]

#: The level of departments: thesis IV.6 (5) "des Cellules d'organisation de niveau 3, c'est-à-dire
#: des départements".
DEPARTMENT_LEVEL = 3
#: OrgCell kinds the constraints name (constraint 5, IV.3.8).
COMMERCIAL = "commercial"
PRODUCTION = "production"
#: The identifier items of a PRA (thesis IV.4.1: policy, renewal and endorsement numbers).
PRA_ID = ("policy_no", "renewal_no", "endorsement_no")
GUARANTY_ID = (*PRA_ID, "guaranty_no")

Key = tuple[Any, ...]


class Constraint(IntEnum):
    """The integrity constraints, numbered as in thesis IV.6 (16 and 17 are the two extra rules).

    A primitive refused by constraint *n* answers ``1000 + n`` (:attr:`rc`).
    """

    HEAD_OFFICE = 1
    CONTIGUOUS_CENTRALISATION = 2
    GEOGRAPHIC_PROXIMITY = 3
    CONTIGUOUS_DECOMPOSITION = 4
    COMMERCIAL_DEPARTMENTS = 5
    EMPLOYEE_ASSIGNED = 6
    LEVEL_ONE_CELLS = 7
    POLICY_UNCHAINED = 8
    ENDORSEMENT_CHAIN = 9
    RENEWAL_CHAIN = 10
    CONSECUTIVE_NUMBERS = 11
    RISK_SHARING_CONTACT = 12
    LOSS_GUARANTIES = 13
    LOSS_DATE = 14
    CONSECUTIVE_ENTRIES = 15
    #: thesis IV.3.8 (8): "une Entité Centralisatrice ne peut pas être liée … à des Cellules de production"
    NO_CENTRAL_PRODUCTION = 16
    #: the contract amounts rule: no composed amount of a contract is negative (an endorsement stores differences)
    ENDORSEMENT_AMOUNTS = 17

    @property
    def rc(self) -> int:
        """The return code of a primitive this constraint refused."""
        return 1000 + int(self)

    @property
    def label(self) -> str:
        if self is Constraint.NO_CENTRAL_PRODUCTION:
            return "rule IV.3.8 (8)"
        if self is Constraint.ENDORSEMENT_AMOUNTS:
            return "the contract amounts rule"
        return f"constraint {int(self)} (thesis IV.6)"


@dataclass(frozen=True, slots=True)
class Violation:
    """One violation: which constraint, what is wrong (in words), and the occurrence concerned."""

    constraint: Constraint
    message: str
    subject: str = ""


def violation(constraint: Constraint, subject: str, text: str) -> Violation:
    return Violation(constraint, f"{constraint.label}: {text}", subject)


# -- identifiers ----------------------------------------------------------------------------------


def pra_label(values: Mapping[str, Any]) -> str:
    """``123456-86/1/0`` (thesis IV.4.1's notation)."""
    return f"{values.get('policy_no')}/{values.get('renewal_no')}/{values.get('endorsement_no')}"


def guaranty_label(values: Mapping[str, Any]) -> str:
    return f"{pra_label(values)} guaranty {values.get('guaranty_no')}"


def pra_key(values: Mapping[str, Any]) -> Key:
    return tuple(values.get(i) for i in PRA_ID)


def describe(schema: Schema, rt: str, values: Mapping[str, Any]) -> str:
    """How messages name an occurrence: ``PRA 123456-86/0/1``, ``OrgCell B01-COM``."""
    if rt == "PRA":
        return f"PRA {pra_label(values)}"
    if rt == "Guaranty":
        return f"Guaranty {guaranty_label(values)}"
    ids = schema.record_types[rt].identifier_items
    return f"{rt} {'/'.join(str(values.get(i)) for i in ids)}"


_ITEMS: dict[int, tuple[RecordType, dict[str, Item]]] = {}


def items_of(rt: RecordType) -> Mapping[str, Item]:
    """A record type's items by name (the meta-model's tuple is searched linearly; this is not)."""
    found = _ITEMS.get(id(rt))
    if found is None or found[0] is not rt:
        found = (rt, {item.name: item for item in rt.items})
        _ITEMS[id(rt)] = found
    return found[1]


def articles_of(frame: pd.DataFrame | None) -> list[Article]:
    """READ SELECTION's DataFrame back to articles: dates as ``date``, nulls as ``None``."""
    if frame is None or frame.empty:
        return []
    import pandas as pd

    columns: list[list[Any]] = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            days = column.dt.date.astype(object)
            columns.append(days.where(column.notna(), None).tolist())
        elif column.dtype == object:
            columns.append([None if v is pd.NA or v is pd.NaT or _nan(v) else v for v in column.tolist()])
        else:
            columns.append(column.astype(object).where(column.notna(), None).tolist())
    names = [str(n) for n in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
