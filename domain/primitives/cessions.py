"""The coinsurance and reinsurance cession primitives of thesis V.3.1 d–e: CREATE (with the checks
a cession needs), FIND PRA COINSURANCE, FIND GUARANTY REINSURANCE, COMBINE COINSURANCES /
REINSURANCES, PARTIAL MODIF, CANCEL and REINSTATE.

Coinsurance works on the whole contract (a PRA, path ResponsibilitySharing), reinsurance on one
or more guaranties (path GuarantySharing); each cession goes to an external company (paths
Coinsurance, Reinsurance) — thesis IV.4.3. The cell that handles the contract must share risks
with that company (constraint 12). Shares stay within 100 % of the contract or guaranty.

COMBINE (thesis: "toutes les Xièmes Cessions d'une Police (ou d'un renouvellement) et de ses
avenants"): cessions carry no number, so the X-th cession of each PRA of a term is the one to
the same company (and, for reinsurance, under the same treaty) — an interpretation noted here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from assurdb.domain.constraints import (
    GUARANTY_ID,
    Lookup,
    guaranty_label,
    items_of,
    link_violations,
    pra_key,
    pra_label,
)
from assurdb.domain.constraints.codes import Article
from assurdb.domain.primitives.combine import ZERO, combine_occurrences
from assurdb.domain.primitives.generic import Confirm, validate
from assurdb.domain.primitives.guaranty import guaranty_id
from assurdb.domain.primitives.lifecycle import ACCOUNTED_PREFIX, CANCELLATION_ITEMS, cancel, partial_modif, reinstate
from assurdb.domain.primitives.pra import BULK, HUNDRED, Chains, pra_id
from assurdb.domain.primitives.support import (
    Work,
    fail,
    guarded,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    refuse_if,
    writing,
)
from assurdb.domain.results import DomainRC, Result, done, failed, from_reply
from assurdb.metadb.contract import RC, Session


@dataclass(frozen=True)
class NewCoinsurance:
    """A coinsurance cession of a PRA to an external company (its code)."""

    pra: Mapping[str, Any]
    company: str
    cession: Mapping[str, Any]


@dataclass(frozen=True)
class NewReinsurance:
    """A reinsurance cession of a guaranty to an external company (its code)."""

    guaranty: Mapping[str, Any]
    company: str
    cession: Mapping[str, Any]


def _live(articles: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [a for a in articles if a.get("cancellation_date") is None]


def _plan(
    lk: Lookup, rt: str, spec: NewCoinsurance | NewReinsurance, position: int | None
) -> tuple[Article, Mapping[str, Any]]:
    schema = lk.schema
    meta = schema.record_types[rt]
    coinsurance = rt == "CoinsuranceCession"
    holder_pt, company_pt = (
        ("ResponsibilitySharing", "Coinsurance") if coinsurance else ("GuarantySharing", "Reinsurance")
    )
    holder_rt = "PRA" if coinsurance else "Guaranty"
    what = "CREATE COINSURANCE" if coinsurance else "CREATE REINSURANCE"
    if not isinstance(spec.cession, Mapping):
        fail(RC.RT_MISMATCH, f"{what}: the cession is a mapping of item names to values", position=position)
    barred = [
        str(k)
        for k in spec.cession
        if k in items_of(meta)
        and (items_of(meta)[k].path is not None or k.startswith(ACCOUNTED_PREFIX) or k in CANCELLATION_ITEMS)
    ]
    if barred:
        fail(DomainRC.ITEM_NOT_ALLOWED, f"{what} may not set {', '.join(barred)}", position=position)
    holder_id = pra_id(spec.pra) if isinstance(spec, NewCoinsurance) else guaranty_id(spec.guaranty)
    holder = lk.get(holder_rt, holder_id)
    company = lk.get("ExtCompany", {"code": spec.company})
    problem = lookup_failed(lk, what)
    if problem is not None:
        fail(problem.rc, problem.message, position=position)
    shown = pra_label(holder_id) if coinsurance else guaranty_label(holder_id)
    if holder is None:
        fail(RC.NOT_FOUND, f"{what}: no {holder_rt} {shown}", position=position)
    if company is None:
        fail(RC.NOT_FOUND, f"{what}: no external company {spec.company}", position=position)
    assert holder is not None and company is not None
    pra = holder if coinsurance else lk.get("PRA", holder)
    for owner in (holder, pra):
        if owner is not None and owner.get("cancellation_date") is not None:
            fail(DomainRC.WRONG_STATE, f"{what}: {lk.describe(holder_rt, holder)} is cancelled", position=position)
    links = {t: holder[o] for o, t in schema.path_types[holder_pt].origin_items}
    links.update({t: company[o] for o, t in schema.path_types[company_pt].origin_items})
    article = validate(lk.session, meta.name, {**spec.cession, **links}, full=True)
    if isinstance(article, Result):
        fail(article.rc, f"{what}: {article.message}", position=position)
    assert not isinstance(article, Result)
    if lk.get(rt, article) is not None:
        fail(RC.ALREADY_EXISTS, f"{what}: {lk.describe(rt, article)} already exists", position=position)
    if not coinsurance and "Treaty" in schema.record_types:
        # the treaty the cession's reference names, when it is entered (path TreatyCession);
        # CREATE TREATY links the cessions made before it
        treaty = lk.get("Treaty", {"code": article["treaty_ref"]})
        if treaty is not None:
            article.update({t: treaty[o] for o, t in schema.path_types["TreatyCession"].origin_items})
    share = "share_pct" if coinsurance else "ceded_pct"
    value = article.get(share)
    if coinsurance and value is None and article.get("share_amount") is None:
        fail(RC.VALUE_INVALID, f"{what}: give the share (%) or the share amount", position=position)
    if not coinsurance and value is None:
        fail(RC.VALUE_INVALID, f"{what}: give the ceded percentage", position=position)
    if value is not None:
        if not ZERO < value <= HUNDRED:
            fail(RC.VALUE_INVALID, f"{what}: {share} lies in ]0, 100], not {value}", position=position)
        total = sum((Decimal(c.get(share) or 0) for c in _live(lk.targets(holder_pt, holder))), ZERO) + value
        if total > HUNDRED:
            fail(
                RC.VALUE_INVALID,
                f"{what}: the cessions of {shown} would share {total} %, more than the whole",
                position=position,
            )
    refuse_if(link_violations(lk, holder_pt, holder, article), position=position)
    problem = lookup_failed(lk, what)
    if problem is not None:
        fail(problem.rc, problem.message, position=position)
    lk.link(holder_pt, holder, article)
    lk.put(rt, article)
    return article, holder


def _preload(lk: Lookup, rt: str, specs: Sequence[NewCoinsurance | NewReinsurance]) -> None:
    """A batch's checks read in bulk: the PRAs and guaranties of its policies, every cession of
    the kind (they are few beside the contracts) and the external companies."""
    holders = [s.pra if isinstance(s, NewCoinsurance) else s.guaranty for s in specs]
    pras, guaranties = lk.preload_policies(h.get("policy_no") for h in holders if isinstance(h, Mapping))
    existing = lk.select(rt, {}, complete=True) or []
    coinsurance = rt == "CoinsuranceCession"
    lk.preload_links(
        "ResponsibilitySharing" if coinsurance else "GuarantySharing", pras if coinsurance else guaranties, existing
    )
    lk.select("ExtCompany", {}, complete=True)
    if not coinsurance and "Treaty" in lk.schema.record_types:
        lk.select("Treaty", {}, complete=True)


def _create(session: Session, rt: str, specs: Sequence[NewCoinsurance | NewReinsurance]) -> Result:
    what = "CREATE COINSURANCE" if rt == "CoinsuranceCession" else "CREATE REINSURANCE"
    if not specs:
        return done("no cession to create")
    count = len(specs)
    needs = merge(
        writing(rt), reading("PRA", "Guaranty", "ExtCompany", "OrgCell", "CoinsuranceCession", "ReinsuranceCession")
    )
    if rt == "ReinsuranceCession" and "Treaty" in session.schema.record_types:
        needs = merge(needs, reading("Treaty"))

    def plan() -> Result:
        with opened_for(session, needs) as refusal:
            if refusal is not None:
                return refusal
            lk = Lookup(session)
            if count > BULK:
                _preload(lk, rt, specs)
            planned = [_plan(lk, rt, spec, i if count > 1 else None)[0] for i, spec in enumerate(specs)]

            def body(work: Work) -> Result:
                reply = session.write_batch(rt, planned)
                if not reply.ok:
                    result = from_reply(reply, what)
                    fail(result.rc, result.message, position=reply.position if count > 1 else None)
                work.wrote = True
                if count == 1:
                    return done(f"{what}: {lk.describe(rt, planned[0])} created", planned[0], articles=planned)
                return done(f"{what}: {count} cession(s) created", articles=planned)

            return in_unit(session, body)

    return guarded(plan)


def create_coinsurances(session: Session, cessions: Sequence[NewCoinsurance]) -> Result:
    """CREATE COINSURANCE's batch form (one unit of work, all or none)."""
    return _create(session, "CoinsuranceCession", cessions)


def create_coinsurance(session: Session, pra: Mapping[str, Any], company: str, cession: Mapping[str, Any]) -> Result:
    """CREATE COINSURANCE (thesis V.3.1 d): a cession of the whole PRA to ``company`` (share % or
    amount, contract type, role…), linked by ResponsibilitySharing and Coinsurance. Refused when
    the PRA is cancelled, the shares would exceed 100 %, or the PRA's handling cell shares no
    risks with the company (constraint 12)."""
    return create_coinsurances(session, [NewCoinsurance(pra, company, cession)])


def create_reinsurances(session: Session, cessions: Sequence[NewReinsurance]) -> Result:
    """CREATE REINSURANCE's batch form (one unit of work, all or none)."""
    return _create(session, "ReinsuranceCession", cessions)


def create_reinsurance(
    session: Session, guaranty: Mapping[str, Any], company: str, cession: Mapping[str, Any]
) -> Result:
    """CREATE REINSURANCE (thesis V.3.1 e): a cession of a guaranty to ``company`` (treaty, ceded %,
    contract type…), linked by GuarantySharing and Reinsurance; refused like CREATE COINSURANCE
    (ceded shares of a guaranty within 100 %, constraint 12)."""
    return create_reinsurances(session, [NewReinsurance(guaranty, company, cession)])


def find_pra_coinsurance(session: Session, pra: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> Result:
    """FIND PRA COINSURANCE (thesis V.3.1 d): the first coinsurance cession of the PRA, or with
    ``current`` the next; 401 when there is none."""
    with opened_for(session, reading("PRA", "CoinsuranceCession")) as refusal:
        if refusal is not None:
            return refusal
        reply = session.read_target_via_path(
            "PRA",
            pra_id(pra),
            "ResponsibilitySharing",
            "CoinsuranceCession",
            None if current is None else {"code": current.get("code")},
        )
    if reply.ok:
        return done(f"coinsurance cession of PRA {pra_label(pra)}", reply.article, reply=reply)
    return from_reply(reply, f"FIND PRA COINSURANCE {pra_label(pra)}")


def find_guaranty_reinsurance(
    session: Session, guaranty: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> Result:
    """FIND GUARANTY REINSURANCE (thesis V.3.1 e): the first reinsurance cession of the guaranty,
    or with ``current`` the next; 401 when there is none."""
    with opened_for(session, reading("Guaranty", "ReinsuranceCession")) as refusal:
        if refusal is not None:
            return refusal
        reply = session.read_target_via_path(
            "Guaranty",
            guaranty_id(guaranty),
            "GuarantySharing",
            "ReinsuranceCession",
            None if current is None else {"code": current.get("code")},
        )
    if reply.ok:
        return done(f"reinsurance cession of guaranty {guaranty_label(guaranty)}", reply.article, reply=reply)
    return from_reply(reply, f"FIND GUARANTY REINSURANCE {guaranty_label(guaranty)}")


def _term(session: Session, lk: Lookup, pra: Mapping[str, Any]) -> list[Article] | Result:
    chains = Chains(session)
    chains.load([str(pra.get("policy_no"))])
    if chains.failure is not None:
        return from_reply(chains.failure, "COMBINE")
    if not any(pra_key(p) == pra_key(pra) for p in chains.chain(str(pra.get("policy_no")))):
        return failed(RC.NOT_FOUND, f"no PRA {pra_label(pra)}")
    return chains.term_of(pra)


def combine_coinsurances(session: Session, pra: Mapping[str, Any]) -> Result:
    """COMBINE COINSURANCES (thesis V.3.1 d): the coinsurance cessions of the term of ``pra`` (up to
    it), those to one company composed by the combine rules — one per company, in ``articles``."""
    if not isinstance(pra, Mapping):
        return failed(RC.RT_MISMATCH, "a PRA is identified by policy_no, renewal_no and endorsement_no")
    meta = session.schema.record_types["CoinsuranceCession"]
    with opened_for(session, reading("PRA", "Guaranty", "CoinsuranceCession")) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        term = _term(session, lk, pra)
        if isinstance(term, Result):
            return term
        groups: dict[Any, list[Article]] = defaultdict(list)
        for each in term:
            for cession in lk.targets("ResponsibilitySharing", each):
                groups[cession.get("coinsurance_code")].append(cession)
    problem = lookup_failed(lk, "COMBINE COINSURANCES")
    if problem is not None:
        return problem
    composed = [combine_occurrences(meta, group) for group in groups.values()]
    return done(f"{len(composed)} coinsurance cession(s) composed as of {pra_label(pra)}", articles=composed)


def combine_reinsurances(session: Session, guaranty: Mapping[str, Any]) -> Result:
    """COMBINE REINSURANCES (thesis V.3.1 e): the reinsurance cessions of the X-th guaranties of the
    term (up to this guaranty's PRA), those to one company under one treaty composed — one each."""
    if not isinstance(guaranty, Mapping) or any(guaranty.get(i) is None for i in GUARANTY_ID):
        return failed(RC.RT_MISMATCH, "a guaranty is identified by policy_no, renewal_no, endorsement_no, guaranty_no")
    meta = session.schema.record_types["ReinsuranceCession"]
    with opened_for(session, reading("PRA", "Guaranty", "ReinsuranceCession")) as refusal:
        if refusal is not None:
            return refusal
        lk = Lookup(session)
        term = _term(session, lk, guaranty)
        if isinstance(term, Result):
            return term
        groups: dict[tuple[Any, Any], list[Article]] = defaultdict(list)
        for each in term:
            same = {**pra_id(each), "guaranty_no": guaranty["guaranty_no"]}
            if lk.get("Guaranty", same) is None:
                continue
            for cession in lk.targets("GuarantySharing", same):
                groups[(cession.get("reinsurance_code"), cession.get("treaty_ref"))].append(cession)
    problem = lookup_failed(lk, "COMBINE REINSURANCES")
    if problem is not None:
        return problem
    composed = [combine_occurrences(meta, group) for group in groups.values()]
    return done(f"{len(composed)} reinsurance cession(s) composed as of {guaranty_label(guaranty)}", articles=composed)


def coinsurance_partial_modif(session: Session, cession: Mapping[str, Any]) -> Result:
    """COINSURANCE PARTIAL MODIF (thesis V.3.1 d): only items that do not change the accounting."""
    return partial_modif(session, "CoinsuranceCession", cession)


def reinsurance_partial_modif(session: Session, cession: Mapping[str, Any]) -> Result:
    """REINSURANCE PARTIAL MODIF (thesis V.3.1 e): only items that do not change the accounting."""
    return partial_modif(session, "ReinsuranceCession", cession)


def cancel_coinsurance(session: Session, code: str, cancellation_type: str, cancellation_date: date) -> Result:
    """CANCEL COINSURANCE (thesis V.3.1 d)."""
    return cancel(session, "CoinsuranceCession", {"code": code}, cancellation_type, cancellation_date)


def reinstate_coinsurance(session: Session, code: str, *, confirm: Confirm | None = None) -> Result:
    """REINSTATE COINSURANCE (thesis V.3.1 d): the inverse of CANCEL COINSURANCE, if confirmed."""
    return reinstate(session, "CoinsuranceCession", {"code": code}, confirm=confirm)


def cancel_reinsurance(session: Session, code: str, cancellation_type: str, cancellation_date: date) -> Result:
    """CANCEL REINSURANCE (thesis V.3.1 e)."""
    return cancel(session, "ReinsuranceCession", {"code": code}, cancellation_type, cancellation_date)


def reinstate_reinsurance(session: Session, code: str, *, confirm: Confirm | None = None) -> Result:
    """REINSTATE REINSURANCE (thesis V.3.1 e): the inverse of CANCEL REINSURANCE, if confirmed."""
    return reinstate(session, "ReinsuranceCession", {"code": code}, confirm=confirm)
