"""The reinsurance program: CREATE TREATY (with its placements) and FIND TREATIES.

A treaty is one underwriting year of a reinsurance contract with the terms the engine applies
(quota share, surplus, per-risk and per-event excess of loss, stop loss); its placement gives each
reinsurer's share (path Placing from the treaty, Participation from the reinsurer, an
``ExtCompany``). The cessions of guaranties already made under the treaty's reference (their
``treaty_ref``) are linked to it (path TreatyCession) in the same unit of work, so a database
whose cessions predate their treaty gets the link when the treaty is entered.

Checks, besides the items' own (length, type, scale): the kind is known and carries the terms it
needs; the cover dates are in order; rates lie in [0, 100] %; every reinsurer exists and their
shares lie in ]0, 100] % and make at most 100 %; no more reinstatement rates than reinstatements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assurdb.domain.constraints import Lookup, articles_of
from assurdb.domain.primitives.generic import select_occurrences, validate
from assurdb.domain.primitives.pra import HUNDRED
from assurdb.domain.primitives.support import (
    Work,
    fail,
    guarded,
    in_unit,
    lookup_failed,
    merge,
    opened_for,
    reading,
    writing,
)
from assurdb.domain.results import Result, done
from assurdb.metadb.contract import RC, Session

#: The kinds of treaty and the terms each needs (a decomposable item's sub-item as ``item.sub``).
KINDS: Mapping[str, tuple[str, ...]] = {
    "quota_share": ("share_pct",),
    "surplus": ("retention", "lines"),
    "risk_xl": ("layer.priority", "layer.limit"),
    "event_xl": ("layer.priority", "layer.limit"),
    "stop_loss": ("layer.priority", "layer.limit"),
}
PROPORTIONAL = ("quota_share", "surplus")
ZERO = Decimal(0)
WHAT = "CREATE TREATY"


@dataclass(frozen=True)
class NewTreaty:
    """A treaty (a mapping of Treaty items) and its placement: reinsurer code → share of the treaty (%)."""

    treaty: Mapping[str, Any]
    placements: Mapping[str, Decimal | int] = field(default_factory=dict)
    leader: str | None = None


def _term(article: Mapping[str, Any], name: str) -> Any:
    item, _, sub = name.partition(".")
    value = article.get(item)
    if sub:
        return value.get(sub) if isinstance(value, Mapping) else None
    return value


def _check_terms(article: Mapping[str, Any], position: int | None) -> None:
    code, kind = article["code"], article["kind"]
    if kind not in KINDS:
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: kind {kind!r} is not one of {', '.join(KINDS)}", position=position)
    missing = [t for t in KINDS[kind] if _term(article, t) is None]
    if missing:
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: a {kind} treaty needs {', '.join(missing)}", position=position)
    for name in ("share_pct", "retention", "lines", "layer.priority", "layer.limit"):
        value = _term(article, name)
        if value is not None and value <= ZERO:
            fail(RC.VALUE_INVALID, f"{WHAT} {code}: {name} must be positive, not {value}", position=position)
    for name in ("layer.aad", "layer.aggregate_limit", "premium.amount", "reinstatements"):
        value = _term(article, name)
        if value is not None and value < 0:
            fail(RC.VALUE_INVALID, f"{WHAT} {code}: {name} may not be negative ({value})", position=position)
    rates = [
        ("share_pct", article.get("share_pct")),
        ("premium.rate_pct", _term(article, "premium.rate_pct")),
        ("commission_pct", article.get("commission_pct")),
        ("profit_commission_pct", article.get("profit_commission_pct")),
        ("portfolio.premium_pct", _term(article, "portfolio.premium_pct")),
        ("portfolio.loss_pct", _term(article, "portfolio.loss_pct")),
        *(("reinstatement_rates", r) for r in article.get("reinstatement_rates") or ()),
    ]
    for name, rate in rates:
        if rate is not None and not ZERO <= rate <= HUNDRED * (2 if name == "reinstatement_rates" else 1):
            fail(RC.VALUE_INVALID, f"{WHAT} {code}: {name} is a percentage, not {rate}", position=position)
    if article["expiry"] <= article["inception"]:
        fail(
            RC.VALUE_INVALID,
            f"{WHAT} {code}: expiry {article['expiry']} is not after inception {article['inception']}",
            position=position,
        )
    if article["attachment"] not in ("LORA", "LOD"):
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: attachment is LORA or LOD, not {article['attachment']!r}")
    terms = _term(article, "layer.terms")
    if terms not in (None, "amount", "loss_ratio") or (terms == "loss_ratio" and article["kind"] != "stop_loss"):
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: layer.terms {terms!r} is amount (or loss_ratio for a stop loss)")
    count = article.get("reinstatements")
    given = len(article.get("reinstatement_rates") or ())
    if given and (count is None or given > count):
        fail(RC.VALUE_INVALID, f"{WHAT} {code}: {given} reinstatement rate(s) for {count or 0} reinstatement(s)")


def _plan(
    session: Session, lk: Lookup, spec: NewTreaty, position: int | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(spec.treaty, Mapping) or not isinstance(spec.placements, Mapping):
        fail(RC.RT_MISMATCH, f"{WHAT}: the treaty and its placements are mappings", position=position)
    article = validate(session, "Treaty", spec.treaty, full=True)
    if isinstance(article, Result):
        fail(article.rc, f"{WHAT}: {article.message}", position=position)
    assert not isinstance(article, Result)
    _check_terms(article, position)
    if lk.get("Treaty", article) is not None:
        fail(RC.ALREADY_EXISTS, f"{WHAT}: treaty {article['code']} already exists", position=position)
    placements: list[dict[str, Any]] = []
    total = ZERO
    for company, share in spec.placements.items():
        placement = validate(
            session,
            "Placement",
            {
                "treaty_code": article["code"],
                "reinsurer_code": company,
                "share_pct": share,
                "role": "leader" if company == spec.leader else "follower",
            },
            full=True,
        )
        if isinstance(placement, Result):
            fail(placement.rc, f"{WHAT} {article['code']}: placement with {company}: {placement.message}")
        assert not isinstance(placement, Result)
        if lk.get("ExtCompany", {"code": company}) is None:
            fail(RC.NOT_FOUND, f"{WHAT} {article['code']}: no external company {company}", position=position)
        if not ZERO < placement["share_pct"] <= HUNDRED:
            fail(
                RC.VALUE_INVALID,
                f"{WHAT} {article['code']}: {company}'s share lies in ]0, 100] %, not {placement['share_pct']}",
                position=position,
            )
        total += placement["share_pct"]
        placements.append(placement)
    if total > HUNDRED:
        fail(RC.VALUE_INVALID, f"{WHAT} {article['code']}: the reinsurers' shares make {total} %, more than 100 %")
    if spec.leader is not None and spec.leader not in spec.placements:
        fail(RC.VALUE_INVALID, f"{WHAT} {article['code']}: the leader {spec.leader} has no share", position=position)
    problem = lookup_failed(lk, WHAT)
    if problem is not None:
        fail(problem.rc, problem.message, position=position)
    lk.put("Treaty", article)
    return article, placements


def create_treaties(session: Session, treaties: Sequence[NewTreaty]) -> Result:
    """CREATE TREATY's batch form: the treaties, their placements and the links of the cessions
    made under their references, in one unit of work (all or none)."""
    if not treaties:
        return done("no treaty to create")
    count = len(treaties)
    needs = merge(writing("Treaty", "Placement", "ReinsuranceCession"), reading("ExtCompany"))

    def plan() -> Result:
        with opened_for(session, needs) as refusal:
            if refusal is not None:
                return refusal
            lk = Lookup(session)
            planned = [_plan(session, lk, spec, i if count > 1 else None) for i, spec in enumerate(treaties)]

            def body(work: Work) -> Result:
                articles = [a for a, _ in planned]
                work.do(session.write_batch("Treaty", articles), WHAT)
                placements = [p for _, ps in planned for p in ps]
                if placements:
                    work.do(session.write_batch("Placement", placements), f"{WHAT} (placements)")
                linked = sum(_link_cessions(session, work, a["code"]) for a in articles)
                shown = f"treaty {articles[0]['code']}" if count == 1 else f"{count} treaties"
                return done(
                    f"{WHAT}: {shown} created, {len(placements)} placement(s), {linked} cession(s) linked",
                    articles[0] if count == 1 else None,
                    articles=articles,
                )

            return in_unit(session, body)

    return guarded(plan)


def _link_cessions(session: Session, work: Work, code: str) -> int:
    """BOUND each cession whose ``treaty_ref`` is ``code`` and that has no treaty yet."""
    reply = session.read_selection("ReinsuranceCession", {"treaty_ref": code})
    if not reply.ok:
        work.do(reply, f"{WHAT}: reading the cessions of {code}")
    frame = reply.batch
    if frame is None or frame.empty:
        return 0
    unlinked = frame[frame["treaty_code"].isna()]
    for cession in unlinked["code"]:
        work.do(
            session.bound("Treaty", {"code": code}, "ReinsuranceCession", {"code": cession}, "TreatyCession"),
            f"{WHAT}: linking cession {cession} to {code}",
        )
    return len(unlinked)


def create_treaty(
    session: Session,
    treaty: Mapping[str, Any],
    placements: Mapping[str, Decimal | int] | None = None,
    *,
    leader: str | None = None,
) -> Result:
    """CREATE TREATY: the treaty (its terms checked for its kind), each reinsurer's share
    (``{"R0001": 60, "R0002": 40}``, at most 100 % in all; ``leader`` one of them), and the link of
    the cessions whose ``treaty_ref`` is the treaty's code."""
    return create_treaties(session, [NewTreaty(treaty, placements or {}, leader)])


def find_treaties(session: Session, underwriting_year: int) -> Result:
    """FIND TREATIES: the program of an underwriting year, in rank order (``articles``)."""
    selected = select_occurrences(session, "Treaty", {"underwriting_year": underwriting_year})
    if not selected.ok or selected.batch is None:
        return Result(selected.rc, f"FIND TREATIES {underwriting_year}: {selected.message}", reply=selected.reply)
    rows = articles_of(selected.batch)
    return done(f"{len(rows)} treaty(ies) of {underwriting_year}", articles=rows, batch=selected.batch)
