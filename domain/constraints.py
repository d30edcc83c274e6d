"""The fifteen integrity constraints of thesis IV.6 (SPEC §2), plus IV.3.8's rule and SPEC §2's
endorsement amounts rule: each as a check the primitive that could break it runs before writing,
and all of them together, on demand, in :func:`check_constraints`.

Numbering as in thesis IV.6 (and SPEC §2):

1. only the head office reports to nobody; every other ECS reports to the level just above;
2. Centralisation links contiguous levels only;
3. an employee belongs to several cells or managements only if they are geographically close
   (their ECS share a ``region``);
4. Decomposition links contiguous levels, and a level-1 cell is part of no other cell;
5. only level-3 commercial cells (departments) share risks or communicate with intermediaries;
6. an employee is in at least one Composition (member or director) or GeneralManagement;
7. an ECS has at least one level-1 cell and no cell of a higher level directly;
8. a policy is nobody's renewal or endorsement;
9. an endorsement depends on the policy, the previous endorsement or the renewal, numbers matching;
10. a renewal depends on the policy, the last endorsement or the previous renewal, endorsement
    number 0, renewal numbers consecutive;
11. endorsement and renewal numbers are consecutive from 1;
12. cells handling ceded contracts are in contact (RiskSharing) with the companies they cede to;
13. a loss damages only guaranties of its own contract;
14. a loss date lies inside its PRA's cover period;
15. entry numbers are consecutive (accounting numbers them; only checked here).

Thesis IV.3.8 (8): a central entity has no production cells (:attr:`Constraint.NO_CENTRAL_PRODUCTION`).
SPEC §2: policies and renewals carry full amounts, endorsements differences, and no contract's
composed amount is ever negative (:attr:`Constraint.ENDORSEMENT_AMOUNTS`).

Where each is enforced. *Structural* rules — those no sequence of valid operations needs to
break — are refused by the primitive that would break them: CREATE ASSOCIATION on the path (and
CREATE / MODIFY when an article's path items or the levels, kinds, regions, dates the rule reads
change). *Existence* rules — every ECS but the head office reports to someone (1), an employee is
assigned (6), an ECS has a level-1 cell (7) — cannot hold while a company is being built (an ECS
exists before its cells), so they are verified on demand by :func:`check_constraints`, which
reports every violation of every rule.

This module is a leaf of the domain layer (it imports only :mod:`metadb` and :mod:`domain.openings`),
so the primitives can all use it.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from assurdb.domain.openings import open_with_retry
from assurdb.metadb.contract import RC, Article, Reply, Session

if TYPE_CHECKING:
    import pandas as pd

    from assurdb.domain.primitives.results import Result
    from assurdb.metadb.model import Item, RecordType, Schema

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
    #: SPEC §2 "Amounts of endorsements"
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
            return "the endorsement amounts rule (SPEC §2)"
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


# -- reading for the checks -----------------------------------------------------------------------


class Lookup:
    """Reads occurrences and links through the session for one primitive's checks, each once.

    Articles a batch form is about to write are added with :meth:`put` / :meth:`link`, so the
    checks of its later elements see its earlier ones. A read that fails with anything but
    "not found" (600: a record type not open; 999) is kept in :attr:`failure`: the primitive
    answers it instead of trusting an incomplete check.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.schema = session.schema
        self.failure: Reply | None = None
        self._articles: dict[tuple[str, Key], Article | None] = {}
        self._targets: dict[tuple[str, Key], list[Article]] = {}
        self._origins: dict[tuple[str, Key], list[Article]] = {}
        self._new_targets: dict[tuple[str, Key], list[Article]] = defaultdict(list)
        self._new_origins: dict[tuple[str, Key], list[Article]] = defaultdict(list)
        self._complete: set[str] = set()

    # identifiers
    def ids(self, rt: str) -> tuple[str, ...]:
        return self.schema.record_types[rt].identifier_items

    def key(self, rt: str, values: Mapping[str, Any]) -> Key:
        return tuple(values.get(i) for i in self.ids(rt))

    def ident(self, rt: str, values: Mapping[str, Any]) -> dict[str, Any]:
        return {i: values.get(i) for i in self.ids(rt)}

    def describe(self, rt: str, values: Mapping[str, Any]) -> str:
        return describe(self.schema, rt, values)

    def _keep(self, reply: Reply) -> None:
        if self.failure is None:
            self.failure = reply

    # occurrences
    def get(self, rt: str, values: Mapping[str, Any]) -> Article | None:
        """The occurrence with these identifier values (``None`` if there is none)."""
        key = self.key(rt, values)
        if any(v is None for v in key):
            return None
        slot = (rt, key)
        if slot not in self._articles:
            if rt in self._complete:
                return None
            reply = self.session.read_direct(rt, dict(zip(self.ids(rt), key, strict=True)))
            if reply.ok:
                self._articles[slot] = reply.article
            else:
                if reply.rc != RC.NOT_FOUND:
                    self._keep(reply)
                self._articles[slot] = None
        return self._articles[slot]

    def put(self, rt: str, article: Mapping[str, Any]) -> None:
        """An occurrence written (or about to be) by this primitive."""
        self._articles[(rt, self.key(rt, article))] = dict(article)

    def preload(self, rt: str, articles: Iterable[Article], *, complete: bool = False) -> None:
        """Occurrences read in bulk; ``complete``: they are all there are (others need no reading)."""
        for article in articles:
            self._articles[(rt, self.key(rt, article))] = article
        if complete:
            self._complete.add(rt)

    def select(self, rt: str, criteria: Mapping[str, Any], *, complete: bool = False) -> list[Article] | None:
        """READ SELECTION, its occurrences kept (``None`` if it failed: see :attr:`failure`)."""
        reply = self.session.read_selection(rt, criteria)
        if not reply.ok:
            self._keep(reply)
            return None
        found = articles_of(reply.batch)
        self.preload(rt, found, complete=complete)
        return found

    def preload_links(
        self, pt: str, origins: Iterable[Mapping[str, Any]], targets: Iterable[Mapping[str, Any]]
    ) -> None:
        """The targets of a 1-N path for these origins, from targets read in bulk (all of them)."""
        path = self.schema.path_types[pt]
        grouped: dict[Key, list[Article]] = defaultdict(list)
        for target in targets:
            held = tuple(target.get(t) for _, t in path.origin_items)
            if all(v is not None for v in held):
                grouped[held].append(dict(target))
        for origin in origins:
            key = self.key(path.origin, origin)
            self._targets[(pt, key)] = grouped.get(key, [])

    def preload_policies(self, policy_nos: Iterable[Any]) -> tuple[list[Article], list[Article]]:
        """The PRAs and guaranties of these policies (and those between them), with one READ
        SELECTION each over the policy numbers' range, and their Breakdown links."""
        wanted = sorted({str(p) for p in policy_nos if p is not None})
        if not wanted:
            return [], []
        span = {"policy_no": (wanted[0], wanted[-1])}
        pras = self.select("PRA", span) or []
        guaranties = self.select("Guaranty", span) or []
        self.preload_links("Breakdown", pras, guaranties)
        return pras, guaranties

    # links
    def targets(self, pt: str, origin: Mapping[str, Any]) -> list[Article]:
        """Every target of ``origin`` on path ``pt`` (READ TARGET VIA PATH, first then next)."""
        path = self.schema.path_types[pt]
        slot = (pt, self.key(path.origin, origin))
        if slot not in self._targets:
            found: list[Article] = []
            current: Article | None = None
            ident = self.ident(path.origin, origin)
            while True:
                reply = self.session.read_target_via_path(path.origin, ident, pt, path.target, current)
                if not reply.ok:
                    if reply.rc not in (RC.TARGET_NOT_FOUND, RC.NOT_FOUND):
                        self._keep(reply)
                    break
                assert reply.article is not None
                found.append(reply.article)
                current = reply.article
            self._targets[slot] = found
        return self._targets[slot] + self._new_targets.get(slot, [])

    def origins(self, pt: str, target: Mapping[str, Any]) -> list[Article]:
        """Every origin of ``target`` on path ``pt`` (from its path items, or READ ORIGIN VIA PATH)."""
        path = self.schema.path_types[pt]
        slot = (pt, self.key(path.target, target))
        if slot not in self._origins:
            found: list[Article] = []
            if not path.many_to_many:
                held = {o: target.get(t) for o, t in path.origin_items}
                origin = self.get(path.origin, held)
                if origin is not None:
                    found.append(origin)
            else:
                current: Article | None = None
                ident = self.ident(path.target, target)
                while True:
                    reply = self.session.read_origin_via_path(path.origin, pt, path.target, ident, current)
                    if not reply.ok:
                        if reply.rc not in (RC.TARGET_NOT_FOUND, RC.NOT_FOUND):
                            self._keep(reply)
                        break
                    assert reply.article is not None
                    found.append(reply.article)
                    current = reply.article
            self._origins[slot] = found
        return self._origins[slot] + self._new_origins.get(slot, [])

    def preload_targets(self, pt: str, origin_key: Key, targets: list[Article]) -> None:
        self._targets[(pt, origin_key)] = targets

    def preload_origins(self, pt: str, target_key: Key, origins: list[Article]) -> None:
        self._origins[(pt, target_key)] = origins

    def link(self, pt: str, origin: Mapping[str, Any], target: Mapping[str, Any]) -> None:
        """A link this primitive writes (or is about to)."""
        path = self.schema.path_types[pt]
        self._new_targets[(pt, self.key(path.origin, origin))].append(dict(target))
        self._new_origins[(pt, self.key(path.target, target))].append(dict(origin))

    def origin_of(self, pt: str, target: Mapping[str, Any]) -> Article | None:
        """The origin of a 1-N / 1-1 path held in the target's path items (``None``: not linked)."""
        path = self.schema.path_types[pt]
        return self.get(path.origin, {o: target.get(t) for o, t in path.origin_items})


# -- the organisation (thesis IV.3) -----------------------------------------------------------------


def cell_parent(lk: Lookup, cell: Mapping[str, Any]) -> Article | None:
    return lk.origin_of("Decomposition", cell)


def cell_ecs(lk: Lookup, cell: Mapping[str, Any]) -> Article | None:
    """The ECS a cell belongs to: up the Decomposition links to its level-1 cell, then Organisation."""
    seen: set[Any] = set()
    current: Mapping[str, Any] | None = cell
    while current is not None and current.get("code") not in seen:
        seen.add(current.get("code"))
        ecs = lk.origin_of("Organisation", current)
        if ecs is not None:
            return ecs
        current = cell_parent(lk, current)
    return None


def cell_subtree(lk: Lookup, cell: Mapping[str, Any]) -> list[Article]:
    """The cell and every cell below it (Decomposition, breadth first)."""
    out: list[Article] = [dict(cell)]
    seen = {cell.get("code")}
    queue = [cell]
    while queue:
        parent = queue.pop(0)
        for child in lk.targets("Decomposition", parent):
            if child.get("code") not in seen:
                seen.add(child.get("code"))
                out.append(child)
                queue.append(child)
    return out


def employee_ecs(lk: Lookup, employee: Mapping[str, Any]) -> list[tuple[str, Article]]:
    """Every ECS an employee works for, with how: ``("cell X", ecs)`` or ``("general management", ecs)``."""
    out: list[tuple[str, Article]] = []
    for cell in lk.origins("Composition", employee):
        ecs = cell_ecs(lk, cell)
        if ecs is not None:
            out.append((f"cell {cell.get('code')}", ecs))
    out.extend(("general management", ecs) for ecs in lk.origins("GeneralManagement", employee))
    return out


def _regions_clash(
    lk: Lookup, employee: Mapping[str, Any], extra: Sequence[tuple[str, Mapping[str, Any]]]
) -> Violation | None:
    """Constraint 3: every ECS of the employee (with ``extra``) lies in one region."""
    where = [*employee_ecs(lk, employee), *extra]
    regions = {str(ecs.get("region")) for _, ecs in where}
    if len(regions) <= 1:
        return None
    shown = ", ".join(f"{how} of ECS {ecs.get('code')} ({ecs.get('region')})" for how, ecs in where)
    return violation(
        Constraint.GEOGRAPHIC_PROXIMITY,
        f"Employee {employee.get('code')}",
        f"employee {employee.get('code')} may work only for geographically close entities (one region), "
        f"not for {shown}",
    )


def _employees_of(lk: Lookup, cells: Iterable[Mapping[str, Any]]) -> list[Article]:
    out: dict[Any, Article] = {}
    for cell in cells:
        for employee in lk.targets("Composition", cell):
            out.setdefault(employee.get("code"), employee)
    return list(out.values())


def _production_below(lk: Lookup, ecs: Mapping[str, Any], cells: Iterable[Mapping[str, Any]]) -> Violation | None:
    """IV.3.8: a central entity (level ≥ 1) has no production cells."""
    if int(ecs.get("level") or 0) < 1:
        return None
    for cell in cells:
        if cell.get("kind") == PRODUCTION:
            return violation(
                Constraint.NO_CENTRAL_PRODUCTION,
                f"ECS {ecs.get('code')}",
                f"central entity {ecs.get('code')} (level {ecs.get('level')}) may have no production cell, "
                f"but cell {cell.get('code')} is one",
            )
    return None


def check_centralisation(origin: Mapping[str, Any], target: Mapping[str, Any]) -> Violation | None:
    """Constraints 1 and 2 on one Centralisation link (origin = the entity reported to)."""
    upper, lower = int(origin.get("level") or 0), int(target.get("level") or 0)
    if upper == lower + 1:
        return None
    subject = f"ECS {target.get('code')}"
    if upper == lower - 1:
        return violation(
            Constraint.HEAD_OFFICE,
            subject,
            f"ECS {target.get('code')} (level {lower}) must report to the level just above, "
            f"not to ECS {origin.get('code')} (level {upper})",
        )
    return violation(
        Constraint.CONTIGUOUS_CENTRALISATION,
        subject,
        f"Centralisation links contiguous levels only: ECS {origin.get('code')} is level {upper}, "
        f"ECS {target.get('code')} level {lower}",
    )


def check_decomposition(parent: Mapping[str, Any], child: Mapping[str, Any]) -> Violation | None:
    """Constraint 4 on one Decomposition link."""
    upper, lower = int(parent.get("level") or 0), int(child.get("level") or 0)
    subject = f"OrgCell {child.get('code')}"
    if lower == 1:
        return violation(
            Constraint.CONTIGUOUS_DECOMPOSITION,
            subject,
            f"cell {child.get('code')} is of level 1: it is part of no other cell (not of {parent.get('code')})",
        )
    if lower != upper + 1:
        return violation(
            Constraint.CONTIGUOUS_DECOMPOSITION,
            subject,
            f"Decomposition links contiguous levels only: cell {parent.get('code')} is level {upper}, "
            f"cell {child.get('code')} level {lower}",
        )
    return None


def check_department(cell: Mapping[str, Any], pt: str, other: str) -> Violation | None:
    """Constraint 5 on one RiskSharing or Communication link."""
    if int(cell.get("level") or 0) == DEPARTMENT_LEVEL and cell.get("kind") == COMMERCIAL:
        return None
    return violation(
        Constraint.COMMERCIAL_DEPARTMENTS,
        f"OrgCell {cell.get('code')}",
        f"only level-{DEPARTMENT_LEVEL} commercial cells take part in {pt}: cell {cell.get('code')} "
        f"is a level-{cell.get('level')} {cell.get('kind')} cell (link to {other})",
    )


def check_organisation(ecs: Mapping[str, Any], cell: Mapping[str, Any]) -> Violation | None:
    """Constraint 7's structural half on one Organisation link: level-1 cells only."""
    if int(cell.get("level") or 0) == 1:
        return None
    return violation(
        Constraint.LEVEL_ONE_CELLS,
        f"ECS {ecs.get('code')}",
        f"ECS {ecs.get('code')} is decomposed into level-1 cells only, not cell {cell.get('code')} "
        f"of level {cell.get('level')}",
    )


# -- production (thesis IV.4) ---------------------------------------------------------------------


def check_chain(lk: Lookup, predecessor: Mapping[str, Any], successor: Mapping[str, Any]) -> Violation | None:
    """Constraints 8–11 on one RenewalEndorsement link (origin = predecessor, target = successor)."""
    p = successor.get("policy_no")
    r, e = int(successor.get("renewal_no") or 0), int(successor.get("endorsement_no") or 0)
    subject = f"PRA {pra_label(successor)}"
    if r == 0 and e == 0:
        return violation(
            Constraint.POLICY_UNCHAINED,
            subject,
            f"{pra_label(successor)} is a policy: it is nobody's renewal or endorsement "
            f"(not of {pra_label(predecessor)})",
        )
    if e:
        expected = {"policy_no": p, "renewal_no": r, "endorsement_no": e - 1}
        if pra_key(predecessor) == pra_key(expected):
            return None
        if lk.get("PRA", expected) is None:
            return violation(
                Constraint.CONSECUTIVE_NUMBERS,
                subject,
                f"endorsement numbers are consecutive from 1: {pra_label(successor)} needs {pra_label(expected)}, "
                "which does not exist",
            )
        return violation(
            Constraint.ENDORSEMENT_CHAIN,
            subject,
            f"endorsement {pra_label(successor)} depends on {pra_label(expected)} "
            f"(the policy, the renewal or the previous endorsement), not on {pra_label(predecessor)}",
        )
    base = {"policy_no": p, "renewal_no": r - 1, "endorsement_no": 0}
    if lk.get("PRA", base) is None:
        return violation(
            Constraint.CONSECUTIVE_NUMBERS,
            subject,
            f"renewal numbers are consecutive from 1: {pra_label(successor)} needs {pra_label(base)}, "
            "which does not exist",
        )
    last: dict[str, Any] = base
    while True:
        following = {**last, "endorsement_no": int(last["endorsement_no"]) + 1}
        if lk.get("PRA", following) is None:
            break
        last = following
    if pra_key(predecessor) == pra_key(last):
        return None
    return violation(
        Constraint.RENEWAL_CHAIN,
        subject,
        f"renewal {pra_label(successor)} depends on {pra_label(last)} (the last PRA of term {r - 1}: "
        f"the policy, the last endorsement or the previous renewal), not on {pra_label(predecessor)}",
    )


def check_unchained(successor: Mapping[str, Any]) -> Violation | None:
    """Constraints 9 and 10 for a PRA given no predecessor: only a policy stands alone."""
    r, e = successor.get("renewal_no"), successor.get("endorsement_no")
    if not r and not e:
        return None
    if e:
        return violation(
            Constraint.ENDORSEMENT_CHAIN,
            f"PRA {pra_label(successor)}",
            f"endorsement {pra_label(successor)} must depend on the policy, the renewal or the previous "
            "endorsement (path RenewalEndorsement)",
        )
    return violation(
        Constraint.RENEWAL_CHAIN,
        f"PRA {pra_label(successor)}",
        f"renewal {pra_label(successor)} must depend on the policy, the last endorsement or the previous "
        "renewal (path RenewalEndorsement)",
    )


def _company_of_cession(rt: str, cession: Mapping[str, Any]) -> Any:
    return cession.get("coinsurance_code" if rt == "CoinsuranceCession" else "reinsurance_code")


def cession_companies(lk: Lookup, pra: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``(cession, company code)`` of every coinsurance and reinsurance cession of a PRA."""
    out = [
        (f"coinsurance cession {c.get('code')}", c.get("coinsurance_code"))
        for c in lk.targets("ResponsibilitySharing", pra)
    ]
    for guaranty in lk.targets("Breakdown", pra):
        out.extend(
            (f"reinsurance cession {c.get('code')}", c.get("reinsurance_code"))
            for c in lk.targets("GuarantySharing", guaranty)
        )
    return [(what, company) for what, company in out if company is not None]


def check_contact(
    lk: Lookup, cell: Mapping[str, Any] | None, pra: Mapping[str, Any], cessions: Iterable[tuple[str, Any]]
) -> Violation | None:
    """Constraint 12: the cell handling ``pra`` shares risks with every company it cedes to."""
    if cell is None:
        return None
    partners = {c.get("code") for c in lk.targets("RiskSharing", cell)}
    for what, company in cessions:
        if company is not None and company not in partners:
            return violation(
                Constraint.RISK_SHARING_CONTACT,
                f"PRA {pra_label(pra)}",
                f"cell {cell.get('code')} handles PRA {pra_label(pra)}, whose {what} goes to company {company}, "
                f"but shares no risks with it (RiskSharing)",
            )
    return None


def check_loss_date(loss: Mapping[str, Any], pra: Mapping[str, Any]) -> Violation | None:
    """Constraint 14: the loss date lies inside the PRA's cover period."""
    when, start, end = loss.get("loss_date"), pra.get("cover_start"), pra.get("cover_end")
    if isinstance(when, date) and isinstance(start, date) and isinstance(end, date) and start <= when <= end:
        return None
    return violation(
        Constraint.LOSS_DATE,
        f"Loss {loss.get('code')}",
        f"the date {when} of loss {loss.get('code')} lies outside the cover period {start} – {end} "
        f"of PRA {pra_label(pra)}",
    )


def loss_pra_key(loss: Mapping[str, Any]) -> Key:
    return (loss.get("accident_policy_no"), loss.get("accident_renewal_no"), loss.get("accident_endorsement_no"))


def check_damage(loss: Mapping[str, Any], guaranty: Mapping[str, Any]) -> Violation | None:
    """Constraint 13: the damaged guaranty belongs to the loss's own contract (its PRA)."""
    own = loss_pra_key(loss)
    if pra_key(guaranty) == own:
        return None
    contract = "no contract" if own[0] is None else f"PRA {'/'.join(str(v) for v in own)}"
    return violation(
        Constraint.LOSS_GUARANTIES,
        f"Loss {loss.get('code')}",
        f"loss {loss.get('code')} (of {contract}) may damage only guaranties of its own contract, "
        f"not {guaranty_label(guaranty)}",
    )


#: The items a primitive combines along the chain (``sum``): SPEC §2's amounts.
def sum_items(schema: Schema, rt: str) -> tuple[str, ...]:
    return tuple(i.name for i in schema.record_types[rt].items if i.combine == "sum")


def check_amounts(schema: Schema, rt: str, composed: Mapping[str, Any], subject: str) -> Violation | None:
    """SPEC §2: a contract's composed amounts (sum items) are never negative."""
    for name in sum_items(schema, rt):
        value = composed.get(name)
        if isinstance(value, Decimal) and value < 0:
            return violation(
                Constraint.ENDORSEMENT_AMOUNTS,
                subject,
                f"{subject}: {name} would be {value}; a contract's amounts are never negative "
                "(an endorsement stores the difference it brings)",
            )
    return None


# -- guards the primitives run before writing ---------------------------------------------------------


def _first(found: Iterable[Violation | None]) -> list[Violation]:
    return [v for v in found if v is not None]


def link_violations(lk: Lookup, pt: str, origin: Mapping[str, Any], target: Mapping[str, Any]) -> list[Violation]:
    """What CREATE ASSOCIATION on ``pt`` between these two occurrences would break (thesis V.1.2 b:
    "vérification des contraintes d'intégrité propres à l'association")."""
    guard = _LINK_GUARDS.get(pt)
    return guard(lk, origin, target) if guard is not None else []


def _guard_centralisation(lk: Lookup, origin: Mapping[str, Any], target: Mapping[str, Any]) -> list[Violation]:
    return _first([check_centralisation(origin, target)])


def _guard_organisation(lk: Lookup, ecs: Mapping[str, Any], cell: Mapping[str, Any]) -> list[Violation]:
    found = check_organisation(ecs, cell)
    if found is not None:
        return [found]
    cells = cell_subtree(lk, cell)
    found = _production_below(lk, ecs, cells)
    if found is not None:
        return [found]
    return _first(_regions_clash(lk, e, [(f"cell {cell.get('code')}", ecs)]) for e in _employees_of(lk, cells))


def _guard_decomposition(lk: Lookup, parent: Mapping[str, Any], child: Mapping[str, Any]) -> list[Violation]:
    found = check_decomposition(parent, child)
    if found is not None:
        return [found]
    ecs = cell_ecs(lk, parent)
    if ecs is None:
        return []
    cells = cell_subtree(lk, child)
    found = _production_below(lk, ecs, cells)
    if found is not None:
        return [found]
    return _first(_regions_clash(lk, e, [(f"cell {child.get('code')}", ecs)]) for e in _employees_of(lk, cells))


def _guard_department(pt: str) -> Callable[[Lookup, Mapping[str, Any], Mapping[str, Any]], list[Violation]]:
    def guard(lk: Lookup, cell: Mapping[str, Any], other: Mapping[str, Any]) -> list[Violation]:
        return _first([check_department(cell, pt, f"{other.get('code')}")])

    return guard


def _guard_composition(lk: Lookup, cell: Mapping[str, Any], employee: Mapping[str, Any]) -> list[Violation]:
    ecs = cell_ecs(lk, cell)
    if ecs is None:
        return []
    return _first([_regions_clash(lk, employee, [(f"cell {cell.get('code')}", ecs)])])


def _guard_management(lk: Lookup, ecs: Mapping[str, Any], employee: Mapping[str, Any]) -> list[Violation]:
    return _first([_regions_clash(lk, employee, [("general management", ecs)])])


def _guard_chain(lk: Lookup, predecessor: Mapping[str, Any], successor: Mapping[str, Any]) -> list[Violation]:
    return _first([check_chain(lk, predecessor, successor)])


def _guard_handling(lk: Lookup, cell: Mapping[str, Any], pra: Mapping[str, Any]) -> list[Violation]:
    return _first([check_contact(lk, cell, pra, cession_companies(lk, pra))])


def _guard_responsibility(lk: Lookup, pra: Mapping[str, Any], cession: Mapping[str, Any]) -> list[Violation]:
    cell = lk.origin_of("Handling", pra)
    what = f"coinsurance cession {cession.get('code')}"
    return _first([check_contact(lk, cell, pra, [(what, cession.get("coinsurance_code"))])])


def _guard_coinsurer(lk: Lookup, company: Mapping[str, Any], cession: Mapping[str, Any]) -> list[Violation]:
    pra = lk.origin_of("ResponsibilitySharing", cession)
    if pra is None:
        return []
    cell = lk.origin_of("Handling", pra)
    return _first([check_contact(lk, cell, pra, [(f"coinsurance cession {cession.get('code')}", company.get("code"))])])


def _guard_guaranty_sharing(lk: Lookup, guaranty: Mapping[str, Any], cession: Mapping[str, Any]) -> list[Violation]:
    pra = lk.get("PRA", guaranty)
    if pra is None:
        return []
    cell = lk.origin_of("Handling", pra)
    what = f"reinsurance cession {cession.get('code')}"
    return _first([check_contact(lk, cell, pra, [(what, cession.get("reinsurance_code"))])])


def _guard_reinsurer(lk: Lookup, company: Mapping[str, Any], cession: Mapping[str, Any]) -> list[Violation]:
    guaranty = lk.origin_of("GuarantySharing", cession)
    pra = None if guaranty is None else lk.get("PRA", guaranty)
    if pra is None:
        return []
    cell = lk.origin_of("Handling", pra)
    return _first([check_contact(lk, cell, pra, [(f"reinsurance cession {cession.get('code')}", company.get("code"))])])


def _guard_accident(lk: Lookup, pra: Mapping[str, Any], loss: Mapping[str, Any]) -> list[Violation]:
    found = check_loss_date(loss, pra)
    if found is not None:
        return [found]
    moved = {**loss, **{f"accident_{i}": pra.get(i) for i in PRA_ID}}
    return _first(check_damage(moved, g) for g in lk.targets("Damage", loss))


def _guard_damage(lk: Lookup, loss: Mapping[str, Any], guaranty: Mapping[str, Any]) -> list[Violation]:
    found = check_damage(loss, guaranty)
    if found is not None:
        return [found]
    pra = lk.get("PRA", guaranty)
    return [] if pra is None else _first([check_loss_date(loss, pra)])


_LINK_GUARDS: dict[str, Callable[[Lookup, Mapping[str, Any], Mapping[str, Any]], list[Violation]]] = {
    "Centralisation": _guard_centralisation,
    "Organisation": _guard_organisation,
    "Decomposition": _guard_decomposition,
    "RiskSharing": _guard_department("RiskSharing"),
    "Communication": _guard_department("Communication"),
    "Composition": _guard_composition,
    "GeneralManagement": _guard_management,
    "RenewalEndorsement": _guard_chain,
    "Handling": _guard_handling,
    "ResponsibilitySharing": _guard_responsibility,
    "Coinsurance": _guard_coinsurer,
    "GuarantySharing": _guard_guaranty_sharing,
    "Reinsurance": _guard_reinsurer,
    "Accident": _guard_accident,
    "Damage": _guard_damage,
}


def unlink_violations(lk: Lookup, pt: str, origin: Mapping[str, Any], target: Mapping[str, Any]) -> list[Violation]:
    """What DELETE ASSOCIATION would break. Only RiskSharing has a structural rule there (12):
    a cell stays in contact with the companies its contracts are ceded to. (Breaking an existence
    rule — 1, 6, 7 — is reported by :func:`check_constraints`.)"""
    if pt != "RiskSharing":
        return []
    cell, company = origin.get("code"), target.get("code")
    for rt, holder in (("CoinsuranceCession", "ResponsibilitySharing"), ("ReinsuranceCession", "GuarantySharing")):
        reply = lk.session.read_selection(rt, {})
        if not reply.ok:
            lk._keep(reply)
            return []
        for cession in articles_of(reply.batch):
            if _company_of_cession(rt, cession) != company:
                continue
            owner = lk.origin_of(holder, cession)
            pra = owner if rt == "CoinsuranceCession" or owner is None else lk.get("PRA", owner)
            if pra is not None and pra.get("handling_code") == cell:
                return [
                    violation(
                        Constraint.RISK_SHARING_CONTACT,
                        f"OrgCell {cell}",
                        f"cell {cell} handles PRA {pra_label(pra)}, ceded to company {company} "
                        f"({rt} {cession.get('code')}): it stays in contact with it (RiskSharing)",
                    )
                ]
    return []


def article_violations(
    lk: Lookup, rt: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]
) -> list[Violation]:
    """What writing ``after`` (a new occurrence when ``before`` is None) would break: the rules
    that read its items (levels, kinds, regions, dates) and the links its path items make."""
    schema = lk.schema
    found: list[Violation] = []

    def changed(*names: str) -> bool:
        return before is not None and any(before.get(n) != after.get(n) for n in names)

    if rt == "ECS" and changed("level"):
        parent = lk.origin_of("Centralisation", after)
        if parent is not None:
            found += _first([check_centralisation(parent, after)])
        found += _first(check_centralisation(after, child) for child in lk.targets("Centralisation", after))
        cells = [c for top in lk.targets("Organisation", after) for c in cell_subtree(lk, top)]
        found += _first([_production_below(lk, after, cells)])
    if rt == "ECS" and changed("region"):
        cells = [c for top in lk.targets("Organisation", after) for c in cell_subtree(lk, top)]
        how = ("general management", after)
        employees = {e.get("code"): e for e in _employees_of(lk, cells)}
        employees.update({e.get("code"): e for e in lk.targets("GeneralManagement", after)})
        for employee in employees.values():
            # the employee's view with the new region: replace this ECS in its list
            where = [(h, after if e.get("code") == after.get("code") else e) for h, e in employee_ecs(lk, employee)]
            regions = {str(e.get("region")) for _, e in [*where, how]}
            if len(regions) > 1:
                found.append(
                    violation(
                        Constraint.GEOGRAPHIC_PROXIMITY,
                        f"Employee {employee.get('code')}",
                        f"employee {employee.get('code')} works for entities of regions {', '.join(sorted(regions))}: "
                        f"ECS {after.get('code')} cannot move to region {after.get('region')}",
                    )
                )
    if rt == "OrgCell" and changed("level", "kind"):
        parent = lk.origin_of("Decomposition", after)
        if parent is not None:
            found += _first([check_decomposition(parent, after)])
        found += _first(check_decomposition(after, child) for child in lk.targets("Decomposition", after))
        ecs_link = lk.origin_of("Organisation", after)
        if ecs_link is not None:
            found += _first([check_organisation(ecs_link, after)])
        for pt in ("RiskSharing", "Communication"):
            others = lk.targets(pt, after)
            if others:
                found += _first([check_department(after, pt, str(others[0].get("code")))])
        ecs = cell_ecs(lk, after)
        if ecs is not None:
            found += _first([_production_below(lk, ecs, [after])])
    if rt == "PRA":
        if before is None and not any(
            after.get(t) is not None for _, t in schema.path_types["RenewalEndorsement"].origin_items
        ):
            found += _first([check_unchained(after)])
        if changed("cover_start", "cover_end"):
            found += _first(check_loss_date(loss, after) for loss in lk.targets("Accident", after))
    if rt == "Loss" and changed("loss_date"):
        pra = lk.origin_of("Accident", after)
        if pra is not None:
            found += _first([check_loss_date(after, pra)])
    # the links the article's path items make (WRITE / REWRITE set them as BOUND would, SPEC §3.1)
    for path in schema.paths_to(rt):
        if path.many_to_many or path.identifying:
            continue
        held = {o: after.get(t) for o, t in path.origin_items}
        if all(v is None for v in held.values()):
            continue
        if before is not None and all(before.get(t) == after.get(t) for _, t in path.origin_items):
            continue
        origin = lk.get(path.origin, held)
        if origin is not None:
            found += link_violations(lk, path.name, origin, after)
    return found


# -- every constraint, on demand ----------------------------------------------------------------------

#: The record types :func:`check_constraints` reads in full.
_SCANNED = (
    "ECS",
    "OrgCell",
    "Employee",
    "ExtCompany",
    "Intermediary",
    "PRA",
    "Guaranty",
    "CoinsuranceCession",
    "ReinsuranceCession",
    "Loss",
    "Entry",
)


@dataclass
class _Scan:
    lk: Lookup
    tables: dict[str, list[Article]]

    def by_key(self, rt: str) -> dict[Key, Article]:
        return {self.lk.key(rt, a): a for a in self.tables[rt]}


def _read_all(session: Session, only: Collection[int] | None) -> tuple[_Scan | None, Reply | None]:
    lk = Lookup(session)
    tables: dict[str, list[Article]] = {}
    for rt in _SCANNED:
        reply = session.read_selection(rt, {})
        if not reply.ok:
            return None, reply
        tables[rt] = articles_of(reply.batch)
        lk.preload(rt, tables[rt], complete=True)
    # 1-N links from the path items the targets hold, so the checks read nothing more
    for path in session.schema.path_types.values():
        if path.many_to_many or path.origin not in tables or path.target not in tables:
            continue
        grouped: dict[Key, list[Article]] = defaultdict(list)
        for target in tables[path.target]:
            held = tuple(target.get(t) for _, t in path.origin_items)
            if all(v is not None for v in held):
                grouped[held].append(target)
        for origin in tables[path.origin]:
            key = lk.key(path.origin, origin)
            lk.preload_targets(path.name, key, grouped.get(key, []))
    # N-N links: READ TARGET VIA PATH from every origin (there is no other way through the interface)
    wanted_nn = {
        "RiskSharing": {5, 12},
        "Communication": {5},
        "Composition": {3, 6},
        "GeneralManagement": {3, 6},
    }
    for pt, numbers in wanted_nn.items():
        if only is not None and not (numbers & set(only)):
            continue
        path = session.schema.path_types[pt]
        origins: dict[Key, list[Article]] = defaultdict(list)
        for origin in tables[path.origin]:
            for target in lk.targets(pt, origin):
                origins[lk.key(path.target, target)].append(origin)
        for target in tables[path.target]:
            lk.preload_origins(pt, lk.key(path.target, target), origins.get(lk.key(path.target, target), []))
    if lk.failure is not None:
        return None, lk.failure
    return _Scan(lk, tables), None


def _scan_organisation(scan: _Scan) -> Iterator[Violation]:
    lk, ecs_all = scan.lk, scan.tables["ECS"]
    # 1: one head office (the highest level) reports to nobody; 1 and 2 on every link
    if ecs_all:
        top = max(int(e.get("level") or 0) for e in ecs_all)
        head: Article | None = None
        for ecs in sorted(ecs_all, key=lambda e: str(e.get("code"))):
            parent = lk.origin_of("Centralisation", ecs)
            if parent is not None:
                yield from _first([check_centralisation(parent, ecs)])
                continue
            if int(ecs.get("level") or 0) == top and head is None:
                head = ecs
                continue
            yield violation(
                Constraint.HEAD_OFFICE,
                f"ECS {ecs.get('code')}",
                f"only the head office reports to nobody, but ECS {ecs.get('code')} (level {ecs.get('level')}) "
                f"reports to no entity" + (f" (the head office is {head.get('code')})" if head is not None else ""),
            )
    cells = scan.tables["OrgCell"]
    for cell in cells:
        parent = lk.origin_of("Decomposition", cell)
        if parent is not None:
            yield from _first([check_decomposition(parent, cell)])
        for pt in ("RiskSharing", "Communication"):
            others = lk.targets(pt, cell)
            if others:
                yield from _first([check_department(cell, pt, str(others[0].get("code")))])
    for ecs in ecs_all:
        tops = lk.targets("Organisation", ecs)
        if not any(int(c.get("level") or 0) == 1 for c in tops):
            yield violation(
                Constraint.LEVEL_ONE_CELLS,
                f"ECS {ecs.get('code')}",
                f"ECS {ecs.get('code')} must be decomposed into at least one level-1 cell, and has none",
            )
        yield from _first(check_organisation(ecs, c) for c in tops)
        yield from _first([_production_below(lk, ecs, [c for top in tops for c in cell_subtree(lk, top)])])
    for employee in scan.tables["Employee"]:
        if not lk.origins("Composition", employee) and not lk.origins("GeneralManagement", employee):
            yield violation(
                Constraint.EMPLOYEE_ASSIGNED,
                f"Employee {employee.get('code')}",
                f"employee {employee.get('code')} is in no Composition (member or director) and no GeneralManagement",
            )
        yield from _first([_regions_clash(lk, employee, [])])


def _scan_chains(scan: _Scan) -> Iterator[Violation]:
    lk, schema = scan.lk, scan.lk.schema
    policies: dict[Any, list[Article]] = defaultdict(list)
    for pra in scan.tables["PRA"]:
        policies[pra.get("policy_no")].append(pra)
    guaranties: dict[Key, list[Article]] = defaultdict(list)
    for g in scan.tables["Guaranty"]:
        guaranties[pra_key(g)].append(g)
    for policy_no, pras in sorted(policies.items(), key=lambda kv: str(kv[0])):
        pras.sort(key=lambda a: (a["renewal_no"], a["endorsement_no"]))
        terms: dict[int, list[int]] = defaultdict(list)
        for pra in pras:
            terms[int(pra["renewal_no"])].append(int(pra["endorsement_no"]))
        # 11: renewal numbers 0..R and, per term, endorsement numbers 0..E, consecutive
        if sorted(terms) != list(range(len(terms))):
            yield violation(
                Constraint.CONSECUTIVE_NUMBERS,
                f"policy {policy_no}",
                f"renewal numbers of policy {policy_no} are consecutive from 1 after the policy's 0, "
                f"not {sorted(terms)}",
            )
        for r, endorsements in sorted(terms.items()):
            if endorsements != list(range(len(endorsements))):
                yield violation(
                    Constraint.CONSECUTIVE_NUMBERS,
                    f"policy {policy_no}",
                    f"endorsement numbers of {policy_no}/{r} are consecutive from 1 after 0, not {endorsements}",
                )
        for pra in pras:
            predecessor = lk.origin_of("RenewalEndorsement", pra)
            if predecessor is None:
                yield from _first([check_unchained(pra)])
            else:
                yield from _first([check_chain(lk, predecessor, pra)])
        # SPEC §2: composed amounts never negative, term by term (policy/renewal full, endorsements differences)
        for r in sorted(terms):
            term = [p for p in pras if p["renewal_no"] == r]
            composed: dict[str, Any] = {}
            for pra in term:
                composed = _add_sums(schema, "PRA", composed, pra)
                yield from _first([check_amounts(schema, "PRA", composed, f"PRA {pra_label(pra)}")])
            per_guaranty: dict[Any, dict[str, Any]] = {}
            for pra in term:
                for g in guaranties.get(pra_key(pra), []):
                    n = g.get("guaranty_no")
                    per_guaranty[n] = _add_sums(schema, "Guaranty", per_guaranty.get(n, {}), g)
                    yield from _first(
                        [check_amounts(schema, "Guaranty", per_guaranty[n], f"Guaranty {guaranty_label(g)}")]
                    )


def _add_sums(schema: Schema, rt: str, composed: Mapping[str, Any], article: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(composed)
    for name in sum_items(schema, rt):
        value = article.get(name)
        if value is not None:
            out[name] = out.get(name, Decimal(0)) + value
    return out


def _scan_cessions(scan: _Scan) -> Iterator[Violation]:
    lk = scan.lk
    for pra in scan.tables["PRA"]:
        cell = lk.origin_of("Handling", pra)
        if cell is not None:
            yield from _first([check_contact(lk, cell, pra, cession_companies(lk, pra))])


def _scan_losses(scan: _Scan) -> Iterator[Violation]:
    lk = scan.lk
    losses = scan.by_key("Loss")
    for guaranty in scan.tables["Guaranty"]:
        code = guaranty.get("damage_code")
        if code is not None and (code,) in losses:
            yield from _first([check_damage(losses[(code,)], guaranty)])
    for loss in scan.tables["Loss"]:
        pra = lk.origin_of("Accident", loss)
        if pra is not None:
            yield from _first([check_loss_date(loss, pra)])


def _scan_entries(scan: _Scan) -> Iterator[Violation]:
    numbers = sorted(int(e["number"]) for e in scan.tables["Entry"])
    for previous, number in itertools.pairwise(numbers):
        if number != previous + 1:
            yield violation(
                Constraint.CONSECUTIVE_ENTRIES,
                f"Entry {number}",
                f"entry numbers are consecutive, but {previous} is followed by {number}",
            )


def check_constraints(session: Session, *, only: Collection[int] | None = None) -> Result:
    """Every violation of the integrity constraints in the database (thesis IV.6, SPEC §2).

    Reads the record types the constraints speak of (opening, in mode 1, those the session has
    not open) and answers a result whose ``violations`` list every one found, in constraint
    order; ``rc`` is 0 when there is none, else the code (1000 + n) of the first. ``only``
    restricts the check to some constraint numbers (16: IV.3.8, 17: endorsement amounts).
    """
    from assurdb.domain.primitives.results import Result, from_reply, refused

    held: Mapping[str, int] = getattr(session, "opened", None) or {}
    missing = [(rt, 1) for rt in _SCANNED if held.get(rt, 0) < 1]
    if missing:
        reply = open_with_retry(session, missing)
        if not reply.ok:
            return from_reply(reply, "check_constraints could not open the record types it reads")
    try:
        scan, failure = _read_all(session, only)
        if scan is None:
            assert failure is not None
            return from_reply(failure, "check_constraints could not read the database")
        found: list[Violation] = []
        for scanner in (_scan_organisation, _scan_chains, _scan_cessions, _scan_losses, _scan_entries):
            found.extend(scanner(scan))
    finally:
        if missing:
            for rt, _ in missing:
                session.close_rt(rt)
    if only is not None:
        found = [v for v in found if int(v.constraint) in set(only)]
    found.sort(key=lambda v: int(v.constraint))
    if not found:
        return Result(RC.OK, "every integrity constraint holds")
    result = refused(found)
    return Result(result.rc, f"{len(found)} violation(s): {result.message}", violations=result.violations)
