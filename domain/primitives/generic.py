"""The base functions of thesis V.1.1, for every record type, driven by the meta-database.

FIND OCCURRENCE (:func:`find_occurrence`), FIND NEXT OCCURRENCE (:func:`find_next_occurrence`),
SELECT OCCURRENCES (:func:`select_occurrences`), DISPLAY OCCURRENCE (:func:`display_occurrence`),
PRINT OCCURRENCE (:func:`print_occurrence`), CREATE OCCURRENCE (:func:`create_occurrence`),
MODIFY OCCURRENCE (:func:`modify_occurrence`) and DELETE OCCURRENCE (:func:`delete_occurrence`).
Thesis V.2–V.4 name them per record type (FIND ECS, CREATE INSURED, DELETE ACCOUNT…): here
the record type is the first argument, so one function serves all fourteen (and the
meta-database's own record types).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assurdb.domain.constraints import (
    Constraint,
    Lookup,
    article_violations,
    items_of,
    pra_label,
    violation,
)
from assurdb.domain.display import PRINT_FORMATS, PrintFormat, format_article, render, write_file
from assurdb.domain.primitives.support import (
    Work,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    writing,
)
from assurdb.domain.results import DomainRC, Result, done, failed, from_reply, refused
from assurdb.metadb.contract import RC, Session
from assurdb.metadb.model import IDENTIFIER_KEY, RecordType

#: DELETE's confirmation hook: given the occurrence as DISPLAY shows it, answers whether to go on.
Confirm = Callable[[str], bool]
#: Items that describe a guaranty's damage (thesis IV.4.5: the merged "damaged guaranty").
DAMAGE_ITEMS = ("damage_date", "damage_amount", "damage_pct", "indemnity_date")


def record_type(session: Session, rt: object) -> RecordType | Result:
    """The record type's meta-data, or 10 if the meta-database does not know it."""
    found = session.schema.record_types.get(rt) if isinstance(rt, str) else None
    if found is None:
        return failed(RC.RT_UNKNOWN, f"record type {rt!r} is unknown")
    return found


def validate(session: Session, rt: str, article: object, *, full: bool) -> dict[str, Any] | Result:
    """Check an article against the meta-database as the interface will (11, 13) — the interface's
    own check, asked for every problem at once; answer the values in canonical form.

    ``full``: a new occurrence — the meta-database's defaults applied, the identifier (11) and the
    mandatory items (13) required. Otherwise a change: the identifier and the items given.
    """
    if not isinstance(article, Mapping):
        return failed(RC.RT_MISMATCH, f"{rt}: an article is a mapping of item names to values")
    reply = session.check(rt, article, purpose="write" if full else "rewrite")
    if not reply.ok or reply.article is None:
        return failed(reply.rc, reply.message)
    return dict(reply.article)


def identifier_of(rt: RecordType, article: Mapping[str, Any]) -> dict[str, Any]:
    return {i: article.get(i) for i in rt.identifier_items}


def path_origins(session: Session, rt: str, article: Mapping[str, Any]) -> dict[str, int]:
    """Reading needs for the origins an article's path items name (WRITE checks they exist)."""
    needs: dict[str, int] = {}
    for path in session.schema.paths_to(rt):
        if not path.many_to_many and any(article.get(t) is not None for _, t in path.origin_items):
            needs.update(reading(path.origin))
    return needs


# -- FIND, FIND NEXT, SELECT ----------------------------------------------------------------------


def find_occurrence(session: Session, rt: str, identifier: Mapping[str, Any]) -> Result:
    """FIND OCCURRENCE (thesis V.1.1 a): the occurrence with this identifier, or 400."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    with opened_for(session, reading(rt)) as refusal:
        if refusal is not None:
            return refusal
        reply = session.read_direct(rt, identifier)
    if reply.ok:
        return done(f"{rt} found", reply.article, reply=reply)
    return from_reply(reply, f"FIND {rt}")


def _pattern(meta: RecordType, key_items: Sequence[str], value: Mapping[str, Any]) -> dict[str, Any] | Result:
    """Thesis V.1.1 b's partial numeric values: ``'1234.....'`` (or ``'1234'``) for a numeric item
    of 10 digits stands for its smallest completion, 1234000000."""
    out = dict(value)
    given = [i for i in key_items if out.get(i) is not None]
    for name in given:
        item = items_of(meta)[name]
        raw = out[name]
        if item.type != "numeric" or not isinstance(raw, str):
            continue
        digits = raw.rstrip(".")
        if name != given[-1] or not digits.isdigit() or item.length is None or len(digits) > item.length:
            return failed(
                RC.VALUE_INVALID,
                f"{meta.name}.{name}: a partial value is the leading digits of the last item given, "
                f"at most {item.length} (e.g. '1234.....'), not {raw!r}",
            )
        out[name] = int(digits.ljust(item.length, "0"))
    return out


def find_next_occurrence(session: Session, rt: str, value: Mapping[str, Any], key: str = IDENTIFIER_KEY) -> Result:
    """FIND NEXT OCCURRENCE (thesis V.1.1 b) on any access key: the occurrence whose key value
    is the closest strictly greater than a complete value, or the first at or after a partial one
    — leading items of a composite key, a prefix of an alphanumeric item (``'DUP'`` →
    DUPONT ANNET), or the leading digits of a numeric item (``'1234.....'`` → 1234000000).
    Give an occurrence found back to get the next one in the key's order; 400 when none follows.
    """
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    access = meta.keys.get(key) if isinstance(key, str) else None
    if access is None:
        return failed(RC.KEY_NOT_ACCESS, f"{key!r} is not an access key of {rt} (keys: {', '.join(meta.keys.names)})")
    if not isinstance(value, Mapping):
        return failed(RC.RT_MISMATCH, f"{rt}: a key value is a mapping of item names to values")
    wanted = _pattern(meta, access.items, value)
    if isinstance(wanted, Result):
        return wanted
    patterned = wanted != dict(value)
    with opened_for(session, reading(rt)) as refusal:
        if refusal is not None:
            return refusal
        if patterned and all(wanted.get(i) is not None for i in meta.identifier_items):
            # a pattern stands for a range: its smallest completion itself is "at or after" it
            reply = session.read_direct(rt, wanted, key) if key == IDENTIFIER_KEY else None
            if reply is not None and reply.ok:
                return done(f"{rt} found", reply.article, reply=reply)
        reply = session.read_sequential(rt, wanted, key)
    if reply.ok:
        return done(f"{rt} found", reply.article, reply=reply)
    return from_reply(reply, f"FIND NEXT {rt}")


def select_occurrences(session: Session, rt: str, criteria: Mapping[str, Any]) -> Result:
    """SELECT OCCURRENCES (thesis V.1.1 c): the occurrences whose access-key items match
    ``criteria`` (a value, or an inclusive ``(low, high)`` range, per item), as a DataFrame in
    key order (READ SELECTION); ``batch`` holds it."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    with opened_for(session, reading(rt)) as refusal:
        if refusal is not None:
            return refusal
        reply = session.read_selection(rt, criteria)
    if not reply.ok:
        return from_reply(reply, f"SELECT {rt}")
    return Result(RC.OK, reply.message, batch=reply.batch, reply=reply)


# -- DISPLAY, PRINT -------------------------------------------------------------------------------


def display_occurrence(session: Session, rt: str, article: Mapping[str, Any]) -> Result:
    """DISPLAY OCCURRENCE (thesis V.1.1 e): the occurrence as text, with the item labels and
    display formats of the meta-database (``text``)."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    if not isinstance(article, Mapping):
        return failed(RC.RT_MISMATCH, f"{rt}: an article is a mapping of item names to values")
    unknown = [str(k) for k in article if k not in items_of(meta)]
    if unknown:
        return failed(RC.RT_MISMATCH, f"{rt} has no item(s) {', '.join(unknown)}")
    return Result(RC.OK, f"{rt} displayed", dict(article), text=format_article(meta, article))


def print_occurrence(
    session: Session,
    rt: str,
    articles: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    path: str | Path,
    fmt: PrintFormat = "text",
) -> Result:
    """PRINT OCCURRENCE (thesis V.1.1 d): DISPLAY's formatting, to a file, as ``text``, ``csv`` or
    ``html`` (one occurrence or several)."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    if fmt not in PRINT_FORMATS:
        return failed(RC.VALUE_INVALID, f"PRINT formats are {', '.join(PRINT_FORMATS)}, not {fmt!r}")
    many = [articles] if isinstance(articles, Mapping) else list(articles)
    for article in many:
        if not isinstance(article, Mapping):
            return failed(RC.RT_MISMATCH, f"{rt}: an article is a mapping of item names to values")
        unknown = [str(k) for k in article if k not in items_of(meta)]
        if unknown:
            return failed(RC.RT_MISMATCH, f"{rt} has no item(s) {', '.join(unknown)}")
    text = render(meta, many, fmt)
    try:
        write_file(path, text)
    except OSError as exc:
        return failed(RC.DBMS_FAILURE, f"PRINT {rt} could not write {path}: {exc}")
    return Result(RC.OK, f"{len(many)} {rt} occurrence(s) printed to {path} as {fmt}", text=text)


# -- CREATE, MODIFY, DELETE -----------------------------------------------------------------------


def create_occurrence(session: Session, rt: str, article: Mapping[str, Any]) -> Result:
    """CREATE OCCURRENCE (thesis V.1.1 f): the meta-database's defaults for the items not given,
    every item validated, the integrity constraints its items and path items concern checked,
    then WRITE. ``article`` is the occurrence as created."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    values = validate(session, rt, article, full=True)
    if isinstance(values, Result):
        return values
    needs = merge(writing(rt), path_origins(session, rt, values))
    with opened_for(session, needs) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        if lk.get(rt, values) is not None:
            return failed(RC.ALREADY_EXISTS, f"{lk.describe(rt, values)} already exists")
        found = article_violations(lk, rt, None, values)
        problem = lookup_failed(lk, f"CREATE {rt}")
        if problem is not None:
            return problem
        if found:
            return refused(found)
        reply = session.write(rt, values)
    if not reply.ok:
        return from_reply(reply, f"CREATE {rt}")
    return done(f"{lk.describe(rt, values)} created", reply.article, reply=reply)


def create_occurrences(session: Session, rt: str, articles: Sequence[Mapping[str, Any]]) -> Result:
    """CREATE OCCURRENCE's batch form: every article defaulted, validated and checked (each as if
    the earlier ones were written, so a batch may hold a cell and its sub-cells), then all written
    in one unit of work with WRITE BATCH — all or none; ``position`` names the first refused."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    count = len(articles)
    values: list[dict[str, Any]] = []
    for position, article in enumerate(articles):
        checked = validate(session, rt, article, full=True)
        if isinstance(checked, Result):
            return failed(checked.rc, checked.message, position=position)
        values.append(checked)
    needs = merge(writing(rt), *(path_origins(session, rt, v) for v in values))
    with opened_for(session, needs) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        keys = {lk.key(rt, v): n for n, v in enumerate(values)}
        if len(keys) != count:
            twice = next(n for n, v in enumerate(values) if keys[lk.key(rt, v)] != n)
            return failed(RC.ALREADY_EXISTS, f"{lk.describe(rt, values[twice])} given twice", position=twice)
        waves: list[int] = []
        for position, article in enumerate(values):
            found = article_violations(lk, rt, None, article)
            problem = lookup_failed(lk, f"CREATE {rt}")
            if problem is not None:
                return problem
            if found:
                return refused(found, position=position)
            lk.put(rt, article)
            wave = 0
            for path in session.schema.paths_to(rt):
                held = {o: article.get(t) for o, t in path.origin_items}
                if path.many_to_many or any(v is None for v in held.values()):
                    continue
                lk.link(path.name, held, article)
                parent = keys.get(lk.key(path.origin, held)) if path.origin == rt else None
                if parent is not None and parent < position:
                    wave = max(wave, waves[parent] + 1)  # its origin is in this batch: write it first
            waves.append(wave)

        def body(work: Work) -> Result:
            for wave in sorted(set(waves)):
                members = [n for n in range(count) if waves[n] == wave]
                reply = session.write_batch(rt, [values[n] for n in members])
                if not reply.ok:
                    where = members[reply.position] if reply.position is not None else None
                    result = from_reply(reply, f"CREATE {rt}")
                    return failed(result.rc, result.message, position=where)
                work.wrote = True
            return done(f"{count} {rt} occurrence(s) created", articles=values)

        return in_unit(session, body)


def changed_elsewhere(meta: RecordType, items: Iterable[str]) -> str:
    """What the meta-database says of the items among ``items`` that only a primitive of their own
    changes (their ``changed_by``: they change the accounts, or they are the system's own), one
    clause per primitive — empty when there is none."""
    by: dict[str, list[str]] = {}
    for name in items:
        item = meta.items.get(name)
        if item is not None and item.changed_by:
            by.setdefault(item.changed_by, []).append(name)
    clauses = []
    for primitive, names in by.items():
        what = "are the system's own" if primitive == "ACCOUNT" else "change the accounts"
        clauses.append(f"{', '.join(names)} {what}: only {primitive} changes them")
    return "; ".join(clauses)


def modify_occurrence(
    session: Session, rt: str, article: Mapping[str, Any], *, allowed: frozenset[str] | None = None
) -> Result:
    """MODIFY OCCURRENCE (thesis V.1.1 g): every item but the identifier may change; only the
    items given change (REWRITE). The integrity constraints the changed items concern are checked
    first. ``allowed`` restricts the items (PARTIAL MODIF, CANCEL…); ``article`` is the result."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    values = validate(session, rt, article, full=False)
    if isinstance(values, Result):
        return values
    ident = identifier_of(meta, values)
    changes = {k: v for k, v in values.items() if k not in meta.identifier_items}
    if allowed is not None:
        outside = [k for k in changes if k not in allowed]
        if outside:
            return failed(DomainRC.ITEM_NOT_ALLOWED, f"{rt}: this primitive may not change {', '.join(outside)}")
    else:
        elsewhere = changed_elsewhere(meta, changes)
        if elsewhere:
            return failed(DomainRC.ITEM_NOT_ALLOWED, f"MODIFY {rt}: {elsewhere}")
    needs = merge(writing(rt), path_origins(session, rt, values))
    with opened_for(session, needs) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get(rt, ident)
        if current is None:
            problem = lookup_failed(lk, f"MODIFY {rt}")
            return problem or failed(RC.NOT_FOUND, f"no {lk.describe(rt, ident)}")
        merged = {**current, **changes}
        found = article_violations(lk, rt, current, merged)
        problem = lookup_failed(lk, f"MODIFY {rt}")
        if problem is not None:
            return problem
        if found:
            return refused(found)
        reply = session.rewrite(rt, {**ident, **changes})
    if not reply.ok:
        return from_reply(reply, f"MODIFY {rt}")
    return done(f"{lk.describe(rt, ident)} modified", reply.article, reply=reply)


def delete_occurrence(
    session: Session, rt: str, identifier: Mapping[str, Any], *, confirm: Confirm | None = None
) -> Result:
    """DELETE OCCURRENCE (thesis V.1.1 h): DISPLAY the occurrence, ask ``confirm`` (if given),
    then delete it in one unit of work with what cannot outlive it: the targets of identifying
    paths (a PRA's guaranties) and, for a loss, the damage items of the guaranties it damaged.
    A PRA followed in its chain is refused (constraints 9–10: its successor would depend on
    nothing) — delete from the end of the chain."""
    meta = record_type(session, rt)
    if isinstance(meta, Result):
        return meta
    ident = validate(session, rt, identifier, full=False)
    if isinstance(ident, Result):
        return ident
    ident = identifier_of(meta, ident)
    schema = session.schema
    dependants = [p for p in schema.paths_from(rt) if p.identifying]
    needs = merge(writing(rt, *(p.target for p in dependants)))
    if rt == "Loss":
        needs = merge(needs, writing("Guaranty"))
    if rt == "PRA":
        needs = merge(needs, reading("PRA"))
    with opened_for(session, needs) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        current = lk.get(rt, ident)
        if current is None:
            problem = lookup_failed(lk, f"DELETE {rt}")
            return problem or failed(RC.NOT_FOUND, f"no {lk.describe(rt, ident)}")
        if rt == "PRA":
            successors = lk.targets("RenewalEndorsement", current)
            if successors:
                kind = Constraint.ENDORSEMENT_CHAIN if successors[0]["endorsement_no"] else Constraint.RENEWAL_CHAIN
                return refused(
                    violation(
                        kind,
                        f"PRA {pra_label(successors[0])}",
                        f"{pra_label(successors[0])} depends on {pra_label(current)}: delete it first "
                        "(a chain is deleted from its end)",
                    )
                )
        if confirm is not None and not confirm(format_article(meta, current)):
            return failed(DomainRC.NOT_CONFIRMED, f"deletion of {lk.describe(rt, ident)} not confirmed")
        damaged = lk.targets("Damage", current) if rt == "Loss" else []
        owned = [(p.target, t) for p in dependants for t in lk.targets(p.name, current)]
        problem = lookup_failed(lk, f"DELETE {rt}")
        if problem is not None:
            return problem

        def body(work: Work) -> Result:
            for guaranty in damaged:
                reset = {i: None for i in DAMAGE_ITEMS if i in items_of(schema.record_types["Guaranty"])}
                ident_g = {i: guaranty[i] for i in schema.record_types["Guaranty"].identifier_items}
                work.do(session.rewrite("Guaranty", {**ident_g, **reset}), "DELETE Loss: reset the damage")
            for target_rt, target in owned:
                target_ids = schema.record_types[target_rt].identifier_items
                work.do(
                    session.delete(target_rt, {i: target[i] for i in target_ids}),
                    f"DELETE {rt}: delete {lk.describe(target_rt, target)}",
                )
            reply = work.do(session.delete(rt, ident), f"DELETE {rt}")
            extra = f" with {len(owned)} dependent occurrence(s)" if owned else ""
            return done(f"{lk.describe(rt, ident)} deleted{extra}", reply.article, reply=reply)

        return in_unit(session, body)


__all__ = [
    "DAMAGE_ITEMS",
    "Confirm",
    "create_occurrence",
    "create_occurrences",
    "delete_occurrence",
    "display_occurrence",
    "find_next_occurrence",
    "find_occurrence",
    "modify_occurrence",
    "print_occurrence",
    "select_occurrences",
]
