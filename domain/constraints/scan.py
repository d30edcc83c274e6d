"""Every constraint over the whole database, on demand: :func:`check_constraints`."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assurdb.domain.constraints.codes import (
    Article,
    Constraint,
    Key,
    Violation,
    articles_of,
    guaranty_label,
    pra_key,
    pra_label,
    violation,
)
from assurdb.domain.constraints.lookup import Lookup
from assurdb.domain.constraints.rules import (
    _first,
    _production_below,
    _regions_clash,
    cell_subtree,
    cession_companies,
    check_amounts,
    check_centralisation,
    check_chain,
    check_contact,
    check_damage,
    check_decomposition,
    check_department,
    check_loss_date,
    check_organisation,
    check_unchained,
    sum_items,
)
from assurdb.domain.openings import open_with_retry
from assurdb.domain.results import Result, from_reply, refused
from assurdb.metadb.contract import RC, Reply, Session

if TYPE_CHECKING:
    from assurdb.metadb.model import Schema

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
        # composed amounts never negative, term by term (policy/renewal full, endorsements differences)
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
    """Every violation of the integrity constraints in the database (thesis IV.6).

    Reads the record types the constraints speak of (opening, in mode 1, those the session has
    not open) and answers a result whose ``violations`` list every one found, in constraint
    order; ``rc`` is 0 when there is none, else the code (1000 + n) of the first. ``only``
    restricts the check to some constraint numbers (16: IV.3.8, 17: endorsement amounts).
    """
    held = session.opened
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
