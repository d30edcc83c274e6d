"""The base functions of thesis V.1.2 for every path type: FIND ASSOCIATION, CREATE ASSOCIATION
(existence, then the integrity constraints of the association, then the link) and DELETE
ASSOCIATION (the link must exist; confirmation; the link is removed).

Thesis V.2.2, V.3.2 and V.4.2 list the path types they serve; here the path type is the first
argument. :func:`create_associations` is CREATE ASSOCIATION's batch form: many links of one
path type in one unit of work, each checked as if the earlier ones were made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assurdb.domain.constraints import Lookup, link_violations, unlink_violations
from assurdb.domain.constraints.codes import Article
from assurdb.domain.primitives.generic import Confirm
from assurdb.domain.primitives.support import (
    Work,
    fail,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    writing,
)
from assurdb.domain.results import DomainRC, Result, done, failed, from_reply, refused
from assurdb.metadb.contract import RC, Session
from assurdb.metadb.model import PathType

#: A link to make: (origin identifier, target identifier) or, with the link's own items
#: (Composition's ``role``), (origin identifier, target identifier, link items).
Link = tuple[Mapping[str, Any], Mapping[str, Any]] | tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]


def path_type(session: Session, pt: object) -> PathType | Result:
    found = session.schema.path_types.get(pt) if isinstance(pt, str) else None
    if found is None:
        return failed(RC.PATH_INVALID, f"path type {pt!r} is unknown")
    return found


def find_association(
    session: Session,
    pt: str,
    *,
    origin: Mapping[str, Any] | None = None,
    target: Mapping[str, Any] | None = None,
) -> Result:
    """FIND ASSOCIATION (thesis V.1.2 a): given one end's identifier, every occurrence of the other
    end linked to it (``articles``, in the path's order); 401 when an origin has no target, 400
    when a target has no origin (the contract's convention), or when the occurrence given does not exist."""
    path = path_type(session, pt)
    if isinstance(path, Result):
        return path
    if (origin is None) == (target is None):
        return failed(RC.RT_MISMATCH, "FIND ASSOCIATION takes the identifier of one end: origin= or target=")
    with opened_for(session, reading(path.origin, path.target)) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        if origin is not None:
            found = lk.get(path.origin, origin)
            if found is None:
                problem = lookup_failed(lk, f"FIND ASSOCIATION {pt}")
                return problem or failed(RC.NOT_FOUND, f"no {lk.describe(path.origin, origin)}")
            linked = lk.targets(pt, found)
            end, missing_rc, other = lk.describe(path.origin, found), RC.TARGET_NOT_FOUND, path.target
        else:
            assert target is not None
            found = lk.get(path.target, target)
            if found is None:
                problem = lookup_failed(lk, f"FIND ASSOCIATION {pt}")
                return problem or failed(RC.TARGET_NOT_FOUND, f"no {lk.describe(path.target, target)}")
            linked = lk.origins(pt, found)
            end, missing_rc, other = lk.describe(path.target, found), RC.NOT_FOUND, path.origin
        problem = lookup_failed(lk, f"FIND ASSOCIATION {pt}")
    if problem is not None:
        return problem
    if not linked:
        return failed(missing_rc, f"no {other} is linked to {end} by {pt}")
    return done(f"{len(linked)} {other} linked to {end} by {pt}", articles=linked)


def create_association(
    session: Session,
    pt: str,
    origin: Mapping[str, Any],
    target: Mapping[str, Any],
    *,
    link: Mapping[str, Any] | None = None,
) -> Result:
    """CREATE ASSOCIATION (thesis V.1.2 b): both occurrences must exist (400 / 401); the integrity
    constraints of the association are checked (constraints 1, 2, 3, 4, 5, 7, 8–11, 12, 13, 14 and
    IV.3.8, by path type); then BOUND. ``link`` holds the link's own items (Composition's role)."""
    return create_associations(session, pt, [(origin, target, link or {})])


def create_associations(session: Session, pt: str, links: Sequence[Link]) -> Result:
    """CREATE ASSOCIATION's batch form: every link checked (each as if the earlier ones were
    made), then all made in one unit of work — all or none; ``position`` names the first refused."""
    path = path_type(session, pt)
    if isinstance(path, Result):
        return path
    needs = merge(reading(path.origin), writing(path.target))
    with opened_for(session, needs) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        planned: list[tuple[dict[str, Any], dict[str, Any], Article]] = []
        for position, entry in enumerate(links):
            origin_id, target_id = entry[0], entry[1]
            own: Mapping[str, Any] = entry[2] if len(entry) == 3 else {}
            origin = lk.get(path.origin, origin_id) if isinstance(origin_id, Mapping) else None
            target = lk.get(path.target, target_id) if isinstance(target_id, Mapping) else None
            problem = lookup_failed(lk, f"CREATE ASSOCIATION {pt}")
            if problem is not None:
                return problem
            if origin is None:
                return failed(RC.NOT_FOUND, f"no {path.origin} {_show(origin_id)}", position=_pos(links, position))
            if target is None:
                return failed(
                    RC.TARGET_NOT_FOUND, f"no {path.target} {_show(target_id)}", position=_pos(links, position)
                )
            found = link_violations(lk, pt, origin, target)
            problem = lookup_failed(lk, f"CREATE ASSOCIATION {pt}")
            if problem is not None:
                return problem
            if found:
                return refused(found, position=_pos(links, position))
            linked = dict(target)
            if not path.many_to_many:
                linked.update({t: origin.get(o) for o, t in path.origin_items})
            lk.link(pt, origin, linked)
            lk.put(path.target, linked)
            planned.append((lk.ident(path.origin, origin), {**lk.ident(path.target, target), **dict(own)}, linked))

        def body(work: Work) -> Result:
            made: list[Article] = []
            for position, (o, t, _) in enumerate(planned):
                reply = session.bound(path.origin, o, path.target, t, pt)
                if not reply.ok:
                    result = from_reply(reply, f"CREATE ASSOCIATION {pt}")
                    fail(result.rc, result.message, position=_pos(links, position))
                work.wrote = True
                assert reply.article is not None
                made.append(reply.article)
            shown = "" if len(made) != 1 else f" {_show(planned[0][0])} → {_show(planned[0][1])}"
            return done(f"{len(made)} {pt} link(s) created{shown}", made[0] if len(made) == 1 else None, made)

        return in_unit(session, body)


def delete_association(
    session: Session,
    pt: str,
    origin: Mapping[str, Any],
    target: Mapping[str, Any],
    *,
    confirm: Confirm | None = None,
) -> Result:
    """DELETE ASSOCIATION (thesis V.1.2 c): FIND ASSOCIATION (401 if the link does not exist),
    ask ``confirm`` (given a description of the link), check what removing it would break
    (constraint 12 for RiskSharing), then DEBOUND."""
    path = path_type(session, pt)
    if isinstance(path, Result):
        return path
    needs = merge(reading(path.origin), writing(path.target))
    if pt == "RiskSharing":
        needs = merge(needs, reading("PRA", "Guaranty", "CoinsuranceCession", "ReinsuranceCession"))
    with opened_for(session, needs) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        found_origin = lk.get(path.origin, origin)
        found_target = lk.get(path.target, target)
        problem = lookup_failed(lk, f"DELETE ASSOCIATION {pt}")
        if problem is not None:
            return problem
        if found_origin is None:
            return failed(RC.NOT_FOUND, f"no {path.origin} {_show(origin)}")
        if found_target is None:
            return failed(RC.TARGET_NOT_FOUND, f"no {path.target} {_show(target)}")
        key = lk.key(path.target, found_target)
        if not any(lk.key(path.target, t) == key for t in lk.targets(pt, found_origin)):
            problem = lookup_failed(lk, f"DELETE ASSOCIATION {pt}")
            return problem or failed(
                RC.TARGET_NOT_FOUND,
                f"no {pt} link from {lk.describe(path.origin, found_origin)} "
                f"to {lk.describe(path.target, found_target)}",
            )
        described = f"{pt}: {lk.describe(path.origin, found_origin)} → {lk.describe(path.target, found_target)}"
        if confirm is not None and not confirm(described):
            return failed(DomainRC.NOT_CONFIRMED, f"removal of the link {described} not confirmed")
        found = unlink_violations(lk, pt, found_origin, found_target)
        problem = lookup_failed(lk, f"DELETE ASSOCIATION {pt}")
        if problem is not None:
            return problem
        if found:
            return refused(found)

        def body(work: Work) -> Result:
            reply = work.do(
                session.debound(
                    path.origin,
                    lk.ident(path.origin, found_origin),
                    path.target,
                    lk.ident(path.target, found_target),
                    pt,
                ),
                f"DELETE ASSOCIATION {pt}",
            )
            return done(f"link removed: {described}", reply=reply)

        return in_unit(session, body)


def _pos(links: Sequence[Any], position: int) -> int | None:
    return position if len(links) > 1 else None


def _show(values: object) -> str:
    if isinstance(values, Mapping):
        return "/".join(str(v) for v in values.values())
    return repr(values)
