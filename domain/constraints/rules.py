"""Each integrity constraint as a check, and the guards the primitives run before writing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assurdb.domain.constraints.codes import (
    COMMERCIAL,
    DEPARTMENT_LEVEL,
    PRA_ID,
    PRODUCTION,
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

if TYPE_CHECKING:
    from assurdb.metadb.model import Schema

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


#: The items a primitive combines along the chain (``sum``): the contract's amounts.
def sum_items(schema: Schema, rt: str) -> tuple[str, ...]:
    return tuple(i.name for i in schema.record_types[rt].items if i.combine == "sum")


def check_amounts(schema: Schema, rt: str, composed: Mapping[str, Any], subject: str) -> Violation | None:
    """The contract amounts rule: a contract's composed amounts (sum items) are never negative."""
    endorsed = bool(composed.get("endorsement_no"))
    for name in sum_items(schema, rt):
        value = composed.get(name)
        if isinstance(value, Decimal) and value < 0:
            why = " (an endorsement stores the difference it brings)" if endorsed else ""
            return violation(
                Constraint.ENDORSEMENT_AMOUNTS,
                subject,
                f"{subject}: {name} would be {value}; a contract's amounts are never negative{why}",
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
    # the links the article's path items make (WRITE / REWRITE set them as BOUND would)
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
