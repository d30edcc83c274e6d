"""The PRA primitives of thesis V.3.1 b: CREATE POLICY, CREATE RENEWAL, CREATE ENDORSEMENT, CREATE
PREVIOUS TERM, CANCEL PRA, REINSTATE PRA, and the composition of a contract along its chain.

**Numbering** (thesis IV.4.1). ``123456-86/0/0`` is a policy; its endorsements ``/0/1``,
``/0/2``…; its first renewal ``/1/0``, whose endorsements are ``/1/1``…. Each PRA is chained to
its predecessor by the 1-1 path RenewalEndorsement (origin = predecessor, target = successor):
policy → its endorsements → renewal → its endorsements → …  A *term* is a policy or renewal
with its endorsements; the *contract* as of a PRA is its term composed up to it.

**Amounts**. A policy and a renewal carry full amounts; an endorsement only what it
changes: the difference of every ``sum`` item (premium, sum insured…) and the new value of every
``last`` item. COMBINE cumulates ``sum`` items and takes the last ``last`` value; CREATE RENEWAL
stores the composed totals. The same holds for each PRA's guaranties: every PRA carries every
live guaranty of its contract (thesis V.3.1 c: "la combinaison de toutes les Xièmes Garanties
d'une Police … et de ses avenants"), an endorsement's with differences.

**Own state.** What belongs to one occurrence and is never carried to the next PRA: the
accounted flags, the cancellation, the previous-term mark and (guaranties) the damage. A new
renewal or endorsement starts with them at their defaults.

Every creation is one unit of work: the PRA, its links (insured, handling cell,
intermediary, predecessor, all held in its path items) and its guaranties, whole or not at
all. The batch forms (:func:`create_policies`, :func:`create_renewals`,
:func:`create_endorsements`) do many in one unit with WRITE BATCH — the synthetic company uses
them — and their single forms are batches of one.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NoReturn

from assurdb.domain.constraints import (
    GUARANTY_ID,
    PRA_ID,
    Constraint,
    Key,
    articles_of,
    check_amounts,
    items_of,
    pra_key,
    pra_label,
    violation,
)
from assurdb.domain.constraints.codes import Article
from assurdb.domain.primitives.combine import ZERO, combine_occurrences, difference
from assurdb.domain.primitives.generic import DAMAGE_ITEMS, Confirm, validate
from assurdb.domain.primitives.lifecycle import ACCOUNTED_PREFIX, CANCELLATION_ITEMS, cancel, is_cancelled, reinstate
from assurdb.domain.primitives.support import (
    Abort,
    Work,
    fail,
    guarded,
    in_unit,
    merge,
    opened_for,
    reading,
    writing,
)
from assurdb.domain.results import DomainRC, Result, done, failed, from_reply, refused
from assurdb.metadb.contract import RC, Reply, Session
from assurdb.metadb.model import RecordType, Schema

#: Beyond this many policies, a batch form reads the PRAs and guaranties it needs with one READ
#: SELECTION over their policy numbers instead of READ SEQUENTIAL per policy.
BULK = 12
HUNDRED = Decimal(100)
#: The path items of a PRA (its insured, handling cell, intermediary and predecessor).
LINKS = ("Insurance", "Handling", "Intermediation", "RenewalEndorsement")


def pra_id(values: Mapping[str, Any]) -> dict[str, Any]:
    """The identifier of a PRA (or of a guaranty's PRA)."""
    return {i: values.get(i) for i in PRA_ID}


def parse_pra(label: str) -> dict[str, Any] | None:
    """``"123456-86/1/0"`` → the PRA identifier, or None if it is not written that way."""
    parts = label.rsplit("/", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return {"policy_no": parts[0], "renewal_no": int(parts[1]), "endorsement_no": int(parts[2])}


def own_state(rt: RecordType) -> tuple[str, ...]:
    """Items of one occurrence that the next PRA does not inherit (module docstring)."""
    return tuple(
        item.name
        for item in rt.items
        if item.name.startswith(ACCOUNTED_PREFIX)
        or item.name in CANCELLATION_ITEMS
        or item.name in DAMAGE_ITEMS
        or item.name == "previous_term"
        or (item.path is not None and rt.name == "Guaranty" and item.path != "Breakdown")
    )


def _reset(rt: RecordType, article: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(article)
    for name in own_state(rt):
        out[name] = items_of(rt)[name].default
    return out


def _path_items(schema: Schema, rt: str) -> set[str]:
    return {i.name for i in schema.record_types[rt].items if i.path is not None}


# -- reading chains --------------------------------------------------------------------------------


class Chains:
    """The PRAs of some policies (in chain order) and the guaranties of their current terms,
    read once for a primitive; the PRAs and guaranties it plans join them (:meth:`add`)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pras: dict[str, list[Article]] = {}
        self.guaranties: dict[Key, list[Article]] = defaultdict(list)
        self.failure: Reply | None = None
        self._terms: set[tuple[str, int]] = set()
        self._bulk: set[str] = set()

    def load(self, policy_nos: Collection[str]) -> None:
        wanted = sorted({p for p in policy_nos if isinstance(p, str)} - set(self.pras))
        if not wanted:
            return
        if len(wanted) > BULK:
            self._load_bulk(wanted)
        else:
            for policy_no in wanted:
                self._load_one(policy_no)

    def _keep(self, reply: Reply) -> None:
        if self.failure is None:
            self.failure = reply

    def _load_bulk(self, wanted: list[str]) -> None:
        span = {"policy_no": (wanted[0], wanted[-1])}
        keep = set(wanted)
        pras = self.session.read_selection("PRA", span)
        guaranties = self.session.read_selection("Guaranty", span)
        for reply in (pras, guaranties):
            if not reply.ok:
                self._keep(reply)
                return
        for policy_no in wanted:
            self.pras[policy_no] = []
        self._bulk.update(wanted)
        for pra in articles_of(pras.batch):
            if pra["policy_no"] in keep:
                self.pras[pra["policy_no"]].append(pra)
        for chain in self.pras.values():
            chain.sort(key=lambda a: (a["renewal_no"], a["endorsement_no"]))
        for g in articles_of(guaranties.batch):
            if g["policy_no"] in keep:
                self.guaranties[pra_key(g)].append(g)

    def _load_one(self, policy_no: str) -> None:
        chain: list[Article] = []
        reply = self.session.read_sequential("PRA", {"policy_no": policy_no})
        while reply.ok and reply.article is not None and reply.article["policy_no"] == policy_no:
            chain.append(reply.article)
            reply = self.session.read_sequential("PRA", reply.article)
        if not reply.ok and reply.rc != RC.NOT_FOUND:
            self._keep(reply)
        self.pras[policy_no] = chain
        if chain:
            self.load_term(policy_no, chain[-1]["renewal_no"])

    def load_term(self, policy_no: str, renewal_no: int) -> None:
        """The guaranties of one term (READ SEQUENTIAL on the guaranty identifier's leading items)."""
        if (policy_no, renewal_no) in self._terms or policy_no in self._bulk:
            return
        self._terms.add((policy_no, renewal_no))
        reply = self.session.read_sequential("Guaranty", {"policy_no": policy_no, "renewal_no": renewal_no})
        while (
            reply.ok
            and reply.article is not None
            and reply.article["policy_no"] == policy_no
            and reply.article["renewal_no"] == renewal_no
        ):
            self.guaranties[pra_key(reply.article)].append(reply.article)
            reply = self.session.read_sequential("Guaranty", reply.article)
        if not reply.ok and reply.rc != RC.NOT_FOUND:
            self._keep(reply)

    def chain(self, policy_no: str) -> list[Article]:
        return self.pras.get(policy_no, [])

    def term_of(self, pra: Mapping[str, Any]) -> list[Article]:
        """The term of ``pra`` up to and including it: its policy or renewal, then its endorsements."""
        self.load_term(str(pra["policy_no"]), int(pra["renewal_no"]))
        return [
            p
            for p in self.chain(str(pra["policy_no"]))
            if p["renewal_no"] == pra["renewal_no"] and p["endorsement_no"] <= pra["endorsement_no"]
        ]

    def add(self, pra: Article, guaranties: Sequence[Article]) -> None:
        self.pras.setdefault(str(pra["policy_no"]), []).append(pra)
        self.guaranties[pra_key(pra)] = list(guaranties)


def compose(schema: Schema, term: Sequence[Mapping[str, Any]]) -> Article:
    """The contract composed from a term (COMBINE on PRA, thesis V.3.1 b)."""
    return combine_occurrences(schema.record_types["PRA"], term)


def compose_guaranties(schema: Schema, chains: Chains, term: Sequence[Mapping[str, Any]]) -> dict[int, Article]:
    """COMBINE GUARANTIES of a term: the X-th guaranties of its PRAs composed, per X."""
    meta = schema.record_types["Guaranty"]
    per_number: dict[int, list[Article]] = defaultdict(list)
    for pra in term:
        for g in chains.guaranties.get(pra_key(pra), []):
            per_number[int(g["guaranty_no"])].append(g)
    return {n: combine_occurrences(meta, per_number[n]) for n in sorted(per_number)}


# -- periods -----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_period(start: date, end: date) -> tuple[date, date]:
    """The cover period after ``start`` – ``end``, as long: whole months stay whole months
    (1986-01-01 – 1986-12-31 → 1987-01-01 – 1987-12-31, leap years or not), else the same days."""
    following = end + timedelta(days=1)
    months = (following.year - start.year) * 12 + following.month - start.month
    if months > 0 and add_months(start, months) == following:
        return following, add_months(following, months) - timedelta(days=1)
    return following, following + (end - start)


# -- planning ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPolicy:
    """What CREATE POLICY (or CREATE PREVIOUS TERM) needs: the PRA (its identifier with renewal
    and endorsement numbers 0, by default), at least one guaranty, the insured's code and,
    optionally, the handling cell and the intermediary."""

    policy: Mapping[str, Any]
    guaranties: Sequence[Mapping[str, Any]]
    insured: int
    handling_cell: str | None = None
    intermediary: str | None = None
    previous_term: bool = False


@dataclass(frozen=True)
class NewRenewal:
    """What CREATE RENEWAL needs: the policy number or the PRA renewed (the last of its chain);
    ``changes``: new values of PRA items for the renewal (default: the composed contract, over the
    next period); ``guaranty_changes``: per guaranty number, new values (a new number adds a
    guaranty); ``renewal_no``: the number expected (the next one), if the operator gives one."""

    of: str | Mapping[str, Any]
    changes: Mapping[str, Any] = field(default_factory=dict)
    guaranty_changes: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    renewal_no: int | None = None


@dataclass(frozen=True)
class NewEndorsement:
    """What CREATE ENDORSEMENT needs: the policy number or the PRA endorsed (the last of its chain);
    ``changes``: the contract's new values (totals for ``sum`` items — the endorsement stores the
    differences); ``guaranty_changes`` likewise per guaranty number (a new number adds one);
    ``effective``: the date from which it applies (its cover start; default: the contract's);
    ``endorsement_no``: the number expected (the next one), if the operator gives one."""

    of: str | Mapping[str, Any]
    changes: Mapping[str, Any] = field(default_factory=dict)
    guaranty_changes: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    effective: date | None = None
    endorsement_no: int | None = None


@dataclass
class _Planned:
    pra: Article
    guaranties: list[Article]
    position: int
    wave: int = 0


def _stop(rc: int, message: str, position: int | None) -> NoReturn:
    fail(rc, message, position=position)


def _check_items(
    meta: RecordType, changes: Mapping[str, Any], barred: Collection[str], what: str, position: int | None
) -> None:
    if not isinstance(changes, Mapping):
        _stop(RC.RT_MISMATCH, f"{what}: changes are a mapping of item names to values", position)
    unknown = [str(k) for k in changes if k not in items_of(meta)]
    if unknown:
        _stop(RC.RT_MISMATCH, f"{what}: {meta.name} has no item(s) {', '.join(unknown)}", position)
    bad = [str(k) for k in changes if k in barred]
    if bad:
        _stop(DomainRC.ITEM_NOT_ALLOWED, f"{what} may not set {', '.join(bad)}", position)


def _validated(session: Session, meta: RecordType, article: Mapping[str, Any], position: int | None) -> dict[str, Any]:
    values = validate(session, meta.name, article, full=True)
    if isinstance(values, Result):
        raise Abort(failed(values.rc, values.message, position=position))
    return values


def _share(g: Mapping[str, Any], subject: str, position: int | None) -> None:
    """A guaranty covers a share of the sum insured (thesis IV.4.3: "le pourcentage du montant total")."""
    share = g.get("share_pct")
    if share is not None and not 0 <= share <= HUNDRED:
        _stop(RC.VALUE_INVALID, f"{subject}: a share of the sum insured lies in [0, 100] %, not {share}", position)


def _amounts(schema: Schema, rt: str, composed: Mapping[str, Any], subject: str, position: int | None) -> None:
    found = check_amounts(schema, rt, composed, subject)
    if found is not None:
        raise Abort(refused(found, position=position))


def _plan_policy(session: Session, spec: NewPolicy, position: int | None) -> _Planned:
    schema = session.schema
    pra_meta, g_meta = schema.record_types["PRA"], schema.record_types["Guaranty"]
    what = "CREATE PREVIOUS TERM" if spec.previous_term else "CREATE POLICY"
    if not isinstance(spec.policy, Mapping):
        _stop(RC.RT_MISMATCH, f"{what}: the policy is a mapping of item names to values", position)
    _check_items(pra_meta, spec.policy, _path_items(schema, "PRA") | set(own_state(pra_meta)), what, position)
    article = _validated(session, pra_meta, spec.policy, position)  # the meta-database's defaults, too
    label = pra_label(article)
    if article.get("renewal_no") or article.get("endorsement_no"):
        kind = Constraint.ENDORSEMENT_CHAIN if article.get("endorsement_no") else Constraint.RENEWAL_CHAIN
        raise Abort(
            refused(
                violation(
                    kind,
                    f"PRA {label}",
                    f"{what} creates a policy (renewal and endorsement numbers 0); {label} would be "
                    f"{'an endorsement' if article.get('endorsement_no') else 'a renewal'} depending on nothing",
                ),
                position=position,
            )
        )
    article.update(insurance_code=spec.insured, handling_code=spec.handling_cell)
    article["intermediation_code"] = spec.intermediary
    if spec.previous_term:
        # thesis V.3.1 b: "mise à zéro des montants de l'occurrence" — not accounted, a base only
        article.update({i.name: ZERO for i in pra_meta.items if i.combine == "sum"}, previous_term=True)
    article = _validated(session, pra_meta, article, position)
    if article["cover_start"] > article["cover_end"]:
        _stop(RC.VALUE_INVALID, f"{what} {label}: cover start {article['cover_start']} after cover end", position)
    _amounts(schema, "PRA", article, f"PRA {label}", position)
    if not spec.guaranties:
        _stop(
            RC.ORIGIN_CONSTRAINT,
            f"{what} {label}: a contract holds at least one guaranty (thesis IV.4.3, path Breakdown)",
            position,
        )
    guaranties: list[Article] = []
    seen: set[int] = set()
    barred = set(GUARANTY_ID[:3]) | _path_items(schema, "Guaranty") | set(own_state(g_meta))
    for n, given in enumerate(spec.guaranties, start=1):
        _check_items(g_meta, given, barred - {"guaranty_no"}, f"{what} {label} guaranty {n}", position)
        g = {"guaranty_no": n, **given, **pra_id(article)}
        if spec.previous_term:
            g.update({i.name: ZERO for i in g_meta.items if i.combine == "sum"})
        g = _validated(session, g_meta, g, position)
        if g["guaranty_no"] in seen:
            _stop(RC.TARGET_ALREADY_EXISTS, f"{what} {label}: guaranty {g['guaranty_no']} given twice", position)
        seen.add(g["guaranty_no"])
        _share(g, f"{what} {label} guaranty {g['guaranty_no']}", position)
        _amounts(schema, "Guaranty", g, f"Guaranty {label} guaranty {g['guaranty_no']}", position)
        guaranties.append(g)
    return _Planned(article, guaranties, position or 0)


class _ChainPlanner:
    """Plans renewals and endorsements against the chains read (and those planned before)."""

    def __init__(self, session: Session, chains: Chains, count: int) -> None:
        self.session = session
        self.schema = session.schema
        self.chains = chains
        self.count = count
        self.pra_meta = self.schema.record_types["PRA"]
        self.g_meta = self.schema.record_types["Guaranty"]
        self.waves: dict[str, int] = defaultdict(int)

    def pos(self, index: int) -> int | None:
        return index if self.count > 1 else None

    def last_of(self, of: str | Mapping[str, Any], kind: Constraint, what: str, index: int) -> Article:
        position = self.pos(index)
        policy_no = of if isinstance(of, str) else of.get("policy_no") if isinstance(of, Mapping) else None
        if not isinstance(policy_no, str):
            _stop(RC.RT_MISMATCH, f"{what}: give the policy number or the identifier of the PRA", position)
        chain = self.chains.chain(str(policy_no))
        if not chain:
            _stop(RC.NOT_FOUND, f"{what}: no policy {policy_no}", position)
        last = chain[-1]
        if isinstance(of, Mapping):
            given = pra_key(of)
            if not any(pra_key(p) == given for p in chain):
                _stop(RC.NOT_FOUND, f"{what}: no PRA {pra_label(of)}", position)
            if given != pra_key(last):
                dependant = "an endorsement" if kind is Constraint.ENDORSEMENT_CHAIN else "a renewal"
                raise Abort(
                    refused(
                        violation(
                            kind,
                            f"PRA {pra_label(of)}",
                            f"{dependant} depends on the last PRA of the chain: {pra_label(of)} is followed, "
                            f"{pra_label(last)} is the last of policy {policy_no}",
                        ),
                        position=position,
                    )
                )
        if is_cancelled(last):
            _stop(
                DomainRC.WRONG_STATE,
                f"{what}: the contract {pra_label(last)} is cancelled ({last.get('cancellation_type')}, "
                f"{last.get('cancellation_date')})",
                position,
            )
        return last

    def _numbered(self, expected: int, given: int | None, kind: str, label: str, index: int) -> None:
        if given is not None and given != expected:
            raise Abort(
                refused(
                    violation(
                        Constraint.CONSECUTIVE_NUMBERS,
                        f"PRA {label}",
                        f"{kind} numbers are consecutive from 1: the next {kind} of {label} is {expected}, not {given}",
                    ),
                    position=self.pos(index),
                )
            )

    def _barred(self, rt: str) -> set[str]:
        meta = self.schema.record_types[rt]
        return set(meta.identifier_items) | _path_items(self.schema, rt) | set(own_state(meta))

    def _links(self, last: Mapping[str, Any], new_id: Mapping[str, Any]) -> dict[str, Any]:
        """The new PRA's path items: the same insured, cell and intermediary; its predecessor."""
        out = {t: last.get(t) for name in LINKS[:3] for _, t in self.schema.path_types[name].origin_items}
        out.update({t: last[o] for o, t in self.schema.path_types["RenewalEndorsement"].origin_items})
        out.update(new_id)
        return out

    def _guaranty_changes(self, spec_changes: Mapping[int, Mapping[str, Any]], what: str, index: int) -> None:
        if not isinstance(spec_changes, Mapping):
            _stop(RC.RT_MISMATCH, f"{what}: guaranty changes are a mapping of guaranty numbers", self.pos(index))
        for n, changes in spec_changes.items():
            _check_items(self.g_meta, changes, self._barred("Guaranty"), f"{what} guaranty {n}", self.pos(index))

    def renewal(self, spec: NewRenewal, index: int) -> _Planned:
        what, position = "CREATE RENEWAL", self.pos(index)
        last = self.last_of(spec.of, Constraint.RENEWAL_CHAIN, what, index)
        _check_items(self.pra_meta, spec.changes, self._barred("PRA"), what, position)
        self._guaranty_changes(spec.guaranty_changes, what, index)
        term = self.chains.term_of(last)
        composed = compose(self.schema, term)
        new_id = {"policy_no": last["policy_no"], "renewal_no": last["renewal_no"] + 1, "endorsement_no": 0}
        self._numbered(new_id["renewal_no"], spec.renewal_no, "renewal", pra_label(last), index)
        start, end = next_period(term[0]["cover_start"], composed["cover_end"])
        article = _reset(self.pra_meta, composed)
        article.update(cover_start=start, cover_end=end)
        article.update(spec.changes)
        article.update(self._links(last, new_id))
        article = _validated(self.session, self.pra_meta, article, position)
        label = pra_label(article)
        if article["cover_start"] > article["cover_end"]:
            _stop(RC.VALUE_INVALID, f"{what} {label}: cover start after cover end", position)
        _amounts(self.schema, "PRA", article, f"PRA {label}", position)
        guaranties: list[Article] = []
        current = compose_guaranties(self.schema, self.chains, term)
        for n, g in current.items():
            if is_cancelled(g):
                continue  # a cancelled guaranty is not renewed
            renewed = _reset(self.g_meta, g)
            renewed.update(spec.guaranty_changes.get(n, {}))
            renewed.update({**new_id, "guaranty_no": n})
            guaranties.append(renewed)
        for n, changes in spec.guaranty_changes.items():
            if n in current and is_cancelled(current[n]):
                _stop(DomainRC.WRONG_STATE, f"{what} {label}: guaranty {n} is cancelled", position)
            if n not in current:
                guaranties.append({**changes, **new_id, "guaranty_no": n})  # defaults: _finish validates
        return self._finish(article, guaranties, label, what, index)

    def endorsement(self, spec: NewEndorsement, index: int) -> _Planned:
        what, position = "CREATE ENDORSEMENT", self.pos(index)
        last = self.last_of(spec.of, Constraint.ENDORSEMENT_CHAIN, what, index)
        _check_items(self.pra_meta, spec.changes, self._barred("PRA"), what, position)
        self._guaranty_changes(spec.guaranty_changes, what, index)
        term = self.chains.term_of(last)
        composed = compose(self.schema, term)
        new_id = {"policy_no": last["policy_no"], "renewal_no": last["renewal_no"], "endorsement_no": 0}
        new_id["endorsement_no"] = last["endorsement_no"] + 1
        self._numbered(new_id["endorsement_no"], spec.endorsement_no, "endorsement", pra_label(last), index)
        # the effective date is the endorsement's cover start (given either way), else the start of
        # the contract's current period (its last PRA's; COMBINE gives the term's own start)
        current = term[-1]["cover_start"]
        effective = spec.effective or spec.changes.get("cover_start") or current
        label = pra_label(new_id)
        if not isinstance(effective, date) or not current <= effective <= composed["cover_end"]:
            _stop(
                RC.VALUE_INVALID,
                f"{what} {label}: the effective date {effective} lies outside the contract's current period "
                f"{current} – {composed['cover_end']}",
                position,
            )
        # the contract the operator wants (new totals), checked whole, then stored as differences
        wanted = _validated(
            self.session, self.pra_meta, {**composed, **spec.changes, "cover_start": effective}, position
        )
        if wanted["cover_start"] > wanted["cover_end"]:
            _stop(RC.VALUE_INVALID, f"{what} {label}: cover start after cover end", position)
        _amounts(self.schema, "PRA", wanted, f"PRA {label}", position)
        article = _reset(self.pra_meta, {**composed, **difference(self.pra_meta, composed, wanted)})
        article.update(self._links(last, new_id))
        article = _validated(self.session, self.pra_meta, article, position)
        guaranties: list[Article] = []
        current = compose_guaranties(self.schema, self.chains, term)
        for n, g in current.items():
            if is_cancelled(g):
                continue  # a cancelled guaranty stays in the term where it was cancelled
            target = _validated(self.session, self.g_meta, {**g, **spec.guaranty_changes.get(n, {})}, position)
            _amounts(self.schema, "Guaranty", target, f"Guaranty {label} guaranty {n}", position)
            stored = _reset(self.g_meta, {**g, **difference(self.g_meta, g, target)})
            stored.update({**new_id, "guaranty_no": n})
            guaranties.append(stored)
        for n, changes in spec.guaranty_changes.items():
            if n in current and is_cancelled(current[n]):
                _stop(DomainRC.WRONG_STATE, f"{what} {label}: guaranty {n} is cancelled", position)
            if n not in current:
                # a guaranty the endorsement adds: its difference from nothing is its full value
                added = _validated(self.session, self.g_meta, {**changes, **new_id, "guaranty_no": n}, position)
                _amounts(self.schema, "Guaranty", added, f"Guaranty {label} guaranty {n}", position)
                guaranties.append(added)
        return self._finish(article, guaranties, label, what, index)

    def _finish(self, article: Article, guaranties: list[Article], label: str, what: str, index: int) -> _Planned:
        position = self.pos(index)
        checked = []
        for planned in guaranties:
            g = _validated(self.session, self.g_meta, planned, position)
            _share(g, f"{what} {label} guaranty {g['guaranty_no']}", position)
            if article["endorsement_no"] == 0:
                _amounts(self.schema, "Guaranty", g, f"Guaranty {label} guaranty {g['guaranty_no']}", position)
            checked.append(g)
        if not checked:
            _stop(
                RC.ORIGIN_CONSTRAINT,
                f"{what} {label}: a contract holds at least one guaranty, and none is left (all cancelled)",
                position,
            )
        policy_no = str(article["policy_no"])
        wave = self.waves[policy_no]
        self.waves[policy_no] += 1
        self.chains.add(article, checked)
        return _Planned(article, checked, index, wave)


# -- writing -----------------------------------------------------------------------------------------


def _write(session: Session, planned: Sequence[_Planned], count: int, what: str) -> Result:
    """WRITE BATCH of the PRAs (wave by wave: a PRA's predecessor is written before it), then of
    every guaranty, in one unit of work."""

    def body(work: Work) -> Result:
        waves: dict[int, list[_Planned]] = defaultdict(list)
        for p in planned:
            waves[p.wave].append(p)
        for wave in sorted(waves):
            batch = waves[wave]
            reply = session.write_batch("PRA", [p.pra for p in batch])
            _checked_batch(work, reply, batch, count, what)
        owners = [p for p in planned for _ in p.guaranties]
        reply = session.write_batch("Guaranty", [g for p in planned for g in p.guaranties])
        _checked_batch(work, reply, owners, count, f"{what}: guaranties")
        labels = ", ".join(pra_label(p.pra) for p in planned[:3]) + ("…" if len(planned) > 3 else "")
        pras = [p.pra for p in planned]
        if len(planned) == 1:
            return done(f"{what}: PRA {labels} created", pras[0], [pras[0], *planned[0].guaranties])
        return done(f"{what}: {len(planned)} PRA(s) created ({labels})", articles=pras)

    return in_unit(session, body)


def _checked_batch(work: Work, reply: Reply, owners: Sequence[_Planned], count: int, what: str) -> None:
    if reply.ok:
        work.wrote = True
        return
    result = from_reply(reply, what)
    position = owners[reply.position].position if reply.position is not None and reply.position < len(owners) else None
    fail(result.rc, result.message, position=position if count > 1 else None)


_PRA_NEEDS = merge(writing("PRA", "Guaranty"), reading("Insured", "OrgCell", "Intermediary"))


def create_policies(session: Session, policies: Sequence[NewPolicy]) -> Result:
    """CREATE POLICY's batch form: every policy checked, then all written in one unit of work
    (WRITE BATCH) — all or none; ``position`` names the first refused."""

    def plan() -> Result:
        planned = [_plan_policy(session, spec, i if len(policies) > 1 else None) for i, spec in enumerate(policies)]
        keys = [pra_key(p.pra) for p in planned]
        if len(set(keys)) != len(keys):
            twice = next(k for k in keys if keys.count(k) > 1)
            fail(RC.ALREADY_EXISTS, f"policy {'/'.join(map(str, twice))} given twice", position=keys.index(twice))
        with opened_for(session, _PRA_NEEDS) as refusal:
            if refusal is not None:
                return refusal
            what = "CREATE PREVIOUS TERM" if policies and policies[0].previous_term else "CREATE POLICY"
            return _write(session, planned, len(policies), what)

    if not policies:
        return done("no policy to create")
    return guarded(plan)


def create_policy(
    session: Session,
    policy: Mapping[str, Any],
    guaranties: Sequence[Mapping[str, Any]],
    *,
    insured: int,
    handling_cell: str | None = None,
    intermediary: str | None = None,
) -> Result:
    """CREATE POLICY (thesis V.3.1 b): the PRA ``policy`` (renewal and endorsement numbers 0) with
    its guaranties (at least one; numbered 1, 2… unless given), linked to its insured (Insurance),
    handling cell (Handling) and intermediary (Intermediation), in one unit of work. ``article``
    is the PRA as created, ``articles`` the PRA and its guaranties."""
    return create_policies(session, [NewPolicy(policy, guaranties, insured, handling_cell, intermediary)])


def create_previous_term(
    session: Session,
    policy: Mapping[str, Any],
    guaranties: Sequence[Mapping[str, Any]],
    *,
    insured: int,
    handling_cell: str | None = None,
    intermediary: str | None = None,
) -> Result:
    """CREATE PREVIOUS TERM (thesis V.3.1 b): a contract from before the system, with its amounts
    set to zero and ``previous_term`` true — never accounted, only the base of the renewals and
    endorsements that follow it."""
    return create_policies(session, [NewPolicy(policy, guaranties, insured, handling_cell, intermediary, True)])


def _chained(session: Session, specs: Sequence[NewRenewal | NewEndorsement], what: str) -> Result:
    if not specs:
        return done(f"no {what.rsplit(maxsplit=1)[-1].lower()} to create")

    def plan() -> Result:
        with opened_for(session, _PRA_NEEDS) as refusal:
            if refusal is not None:
                return refusal
            chains = Chains(session)
            chains.load([s.of if isinstance(s.of, str) else str(s.of.get("policy_no")) for s in specs])
            if chains.failure is not None:
                return from_reply(chains.failure, what)
            planner = _ChainPlanner(session, chains, len(specs))
            planned = [
                planner.renewal(s, i) if isinstance(s, NewRenewal) else planner.endorsement(s, i)
                for i, s in enumerate(specs)
            ]
            return _write(session, planned, len(specs), what)

    return guarded(plan)


def create_renewals(session: Session, renewals: Sequence[NewRenewal]) -> Result:
    """CREATE RENEWAL's batch form (one unit of work, all or none; a policy may appear several
    times, each renewal following the one planned before)."""
    return _chained(session, renewals, "CREATE RENEWAL")


def create_renewal(
    session: Session,
    of: str | Mapping[str, Any],
    changes: Mapping[str, Any] | None = None,
    *,
    guaranty_changes: Mapping[int, Mapping[str, Any]] | None = None,
    renewal_no: int | None = None,
) -> Result:
    """CREATE RENEWAL (thesis V.3.1 b): the next renewal (renewal number + 1, endorsement 0) of the
    last PRA of the chain (``of``: the policy number, or that PRA — another is refused,
    constraint 10), holding the contract composed from its term (``sum`` items cumulated, ``last``
    items the last value) over the next period, with ``changes`` and ``guaranty_changes``
    applied; chained to its predecessor, same insured, cell and intermediary, every live guaranty
    renewed. ``renewal_no``, if given, must be the next number (constraint 11)."""
    return create_renewals(session, [NewRenewal(of, changes or {}, guaranty_changes or {}, renewal_no)])


def extend_chains(session: Session, steps: Sequence[NewRenewal | NewEndorsement]) -> Result:
    """CREATE RENEWAL and CREATE ENDORSEMENT in one batch, in the order given: each step follows
    the last PRA of its chain, including those planned by the earlier steps — so a policy's whole
    history can be written at once (one unit of work, all or none)."""
    return _chained(session, steps, "CREATE RENEWAL / ENDORSEMENT")


def create_endorsements(session: Session, endorsements: Sequence[NewEndorsement]) -> Result:
    """CREATE ENDORSEMENT's batch form (one unit of work, all or none)."""
    return _chained(session, endorsements, "CREATE ENDORSEMENT")


def create_endorsement(
    session: Session,
    of: str | Mapping[str, Any],
    changes: Mapping[str, Any] | None = None,
    *,
    guaranty_changes: Mapping[int, Mapping[str, Any]] | None = None,
    effective: date | None = None,
    endorsement_no: int | None = None,
) -> Result:
    """CREATE ENDORSEMENT (thesis V.3.1 b): the next endorsement of the last PRA of the
    chain (``of``: the policy number, or that PRA — another is refused, constraint 9). ``changes``
    are the contract's new values (new totals); the endorsement stores the difference of each
    ``sum`` item and the value of each ``last`` item, and covers ``effective`` (default: the
    contract's start) to the contract's end. A composed amount may not become negative (the
    contract amounts rule, 1017). ``endorsement_no``, if given, must be the next (constraint 11)."""
    return create_endorsements(
        session, [NewEndorsement(of, changes or {}, guaranty_changes or {}, effective, endorsement_no)]
    )


# -- reading contracts -------------------------------------------------------------------------------


def find_policy_chain(session: Session, policy_no: str) -> Result:
    """Every PRA of a policy in chain order (policy, endorsements, renewal, …) in ``articles``."""
    with opened_for(session, reading("PRA", "Guaranty")) as refusal:
        if refusal is not None:
            return refusal
        chains = Chains(session)
        chains.load([policy_no])
    if chains.failure is not None:
        return from_reply(chains.failure, f"chain of policy {policy_no}")
    chain = chains.chain(policy_no)
    if not chain:
        return failed(RC.NOT_FOUND, f"no policy {policy_no}")
    return done(f"policy {policy_no}: {len(chain)} PRA(s)", chain[-1], chain)


def combine_pra(session: Session, pra: Mapping[str, Any]) -> Result:
    """The contract as of ``pra``: its term (policy or renewal, then endorsements) composed up to it
    by the combine rules (thesis V.3.1 b's "composition des valeurs d'items")."""
    if not isinstance(pra, Mapping) or any(pra.get(i) is None for i in PRA_ID):
        return failed(RC.RT_MISMATCH, "a PRA is identified by policy_no, renewal_no and endorsement_no")
    with opened_for(session, reading("PRA", "Guaranty")) as refusal:
        if refusal is not None:
            return refusal
        chains = Chains(session)
        chains.load([str(pra["policy_no"])])
    if chains.failure is not None:
        return from_reply(chains.failure, "COMBINE PRA")
    if not any(pra_key(p) == pra_key(pra) for p in chains.chain(str(pra["policy_no"]))):
        return failed(RC.NOT_FOUND, f"no PRA {pra_label(pra)}")
    term = chains.term_of(pra)
    return done(f"contract as of {pra_label(pra)} ({len(term)} PRA(s) composed)", compose(session.schema, term))


def contract_in_force(chain: Sequence[Mapping[str, Any]], when: date) -> Mapping[str, Any] | None:
    """Thesis IV.4.5: "le contrat en vigueur au moment de l'accident, c'est-à-dire … le dernier
    Avenant, Renouvellement ou Police dont la date de couverture chevauche la date du sinistre"."""
    found = None
    for pra in chain:
        if pra["cover_start"] <= when <= pra["cover_end"]:
            found = pra
    return found


def find_contract_in_force(session: Session, policy_no: str, when: date) -> Result:
    """The PRA of a policy in force on ``when`` (:func:`contract_in_force`); 400 if none, or if the
    contract was cancelled on or before that date."""
    chain = find_policy_chain(session, policy_no)
    if not chain.ok:
        return chain
    pra = contract_in_force(chain.articles, when)
    if pra is None:
        return failed(RC.NOT_FOUND, f"no PRA of policy {policy_no} covers {when}")
    cancelled = pra.get("cancellation_date")
    if cancelled is not None and cancelled <= when:
        return failed(RC.NOT_FOUND, f"PRA {pra_label(pra)}, covering {when}, was cancelled on {cancelled}")
    return done(f"PRA {pra_label(pra)} is in force on {when}", dict(pra))


# -- cancellation ---------------------------------------------------------------------------------


def cancel_pra(session: Session, pra: Mapping[str, Any], cancellation_type: str, cancellation_date: date) -> Result:
    """CANCEL PRA (thesis V.3.1 b): the contract is cancelled whole — the PRA named and every PRA
    of its term (its policy or renewal and that term's endorsements) not cancelled yet take the
    cancellation type and date, in one unit of work; the date lies in the term's cover. ACCOUNT
    then returns the unearned premium of each, so of the whole combined contract; an endorsement
    taking effect after the date returns all its premium. Only the cancellation items change."""
    return cancel(session, "PRA", pra_id(pra), cancellation_type, cancellation_date)


def reinstate_pra(session: Session, pra: Mapping[str, Any], *, confirm: Confirm | None = None) -> Result:
    """REINSTATE PRA (thesis V.3.1 b): the inverse of CANCEL PRA — the PRAs of the term cancelled
    with the named one (same type and date) are reinstated together; refused when a cancellation
    among them is already accounted."""
    return reinstate(session, "PRA", pra_id(pra), confirm=confirm)


__all__ = [
    "Chains",
    "NewEndorsement",
    "NewPolicy",
    "NewRenewal",
    "add_months",
    "cancel_pra",
    "combine_pra",
    "compose",
    "compose_guaranties",
    "contract_in_force",
    "create_endorsement",
    "create_endorsements",
    "create_policies",
    "create_policy",
    "create_previous_term",
    "create_renewal",
    "create_renewals",
    "extend_chains",
    "find_contract_in_force",
    "find_policy_chain",
    "next_period",
    "parse_pra",
    "pra_id",
    "reinstate_pra",
]
