"""ACCOUNT PRA / GUARANTY / COINSURANCE / REINSURANCE / LOSS (thesis V.3.1).

Each primitive writes the journal entries of what is not yet accounted — the creation, the
cancellation, and (guaranties) the damage; (losses) the payments made since the last call — then
sets the accounted flags **in the same unit of work** as the entries, so that running it twice
writes nothing the second time, even when several processes run it at once: the article is read
again inside the accounting window, where this session alone may modify it and ``Entry``.

Amounts (each rounded to the cent, half up), per event; the accounts are those of ``chart.yaml``:

* PRA creation: its own premium (an endorsement's difference) and the commission at
  its ``commission_rate``. A previous term (CREATE PREVIOUS TERM) is never accounted.
* PRA cancellation: the premium returned **pro rata temporis** — the days from the cancellation
  date to the cover end (both inclusive) over the days of the cover — and its commission.
* Guaranty creation: the sum insured committed (off-balance): its own ``sum_insured``, or its
  ``share_pct`` of the PRA's. Damage: the commitment reduced by the damage (``damage_amount``, or
  ``damage_pct`` of the sum insured), never below zero. Cancellation: what remains released.
* Coinsurance cession: the coinsurer's share of the PRA's premium (``share_pct``, or
  ``share_amount`` as a part of the sum insured, thesis IV.4.3) and the commission it pays back.
* Reinsurance cession: ``ceded_pct`` of the guaranty's premium (its own, or its share of the
  PRA's) and the reinsurance commission. Cancellations of cessions return pro rata temporis over
  the PRA's cover. A cession made under a stored treaty (``treaty_code`` set) is not accounted on
  its own: its premium, with everything else the treaty moves, is in the treaty's accounts.
* Treaty account (ACCOUNT REINSURANCE at the grain of the treaty account, treaty × reinsurer ×
  quarter, written by ``assurdb reinsure``): premium and reinstatement premium, commission, claims
  recovered, premium and loss portfolio entry less withdrawal — each less what the account's
  ``accounted`` item says the ledger holds, so a rerun writes nothing and a changed account
  writes only its differences. The reinsurer's current account is credited with the balance.
* Loss creation: the reserve, ``amount`` (the claim's assessed cost). Payments: ``paid`` less what
  was accounted (``accounted_paid``), and the reserve they use up, never more than ``amount``.
  Cancellation: the reserve left released.

Booking dates: the cover start (creations of contracts, guaranties and cessions), the
cancellation date, the damage date, the notification (else loss) date, and for payments the
date given (else the writing date); treaty accounts on the quarter's last day.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, repeat
from numbers import Integral
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from assurdb.domain.accounting.chart import Chart, load_chart
from assurdb.domain.accounting.journal import (
    CENT,
    CREDIT,
    DEBIT,
    Accounted,
    Journal,
    Postings,
    Refused,
    in_window,
    oriented,
    write_postings,
)
from assurdb.domain.frames import articles, records
from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.domain.results import DomainRC
from assurdb.metadb.contract import RC, Mode, Opening, Session
from assurdb.metadb.progress import Progress

PRA = "PRA"
GUARANTY = "Guaranty"
COINSURANCE = "CoinsuranceCession"
REINSURANCE = "ReinsuranceCession"
LOSS = "Loss"
TREATY_ACCOUNT = "TreatyAccount"

#: Identifier items.
IDENTIFIERS: Mapping[str, tuple[str, ...]] = {
    PRA: ("policy_no", "renewal_no", "endorsement_no"),
    GUARANTY: ("policy_no", "renewal_no", "endorsement_no", "guaranty_no"),
    COINSURANCE: ("code",),
    REINSURANCE: ("code",),
    LOSS: ("code",),
    TREATY_ACCOUNT: ("treaty_code", "reinsurer_code", "period"),
}
#: A treaty account's amounts the ledger holds (the sub-items of its ``accounted`` item), each the
#: sum of the account's items named, a leading ``-`` subtracting (entry less withdrawal).
SETTLED: Mapping[str, tuple[str, ...]] = {
    "premium": ("premium", "reinstatement_premium"),
    "commission": ("commission",),
    "claims_paid": ("claims_paid",),
    "premium_portfolio": ("premium_portfolio_entry", "-premium_portfolio_withdrawal"),
    "loss_portfolio": ("loss_portfolio_entry", "-loss_portfolio_withdrawal"),
}
#: Items of a cession / loss holding its origin's identifier.
_PRA_OF_COINSURANCE = ("responsibility_sharing_policy_no", "responsibility_sharing_renewal_no",
                       "responsibility_sharing_endorsement_no")  # fmt: skip
_GUARANTY_OF_REINSURANCE = ("guaranty_sharing_policy_no", "guaranty_sharing_renewal_no",
                            "guaranty_sharing_endorsement_no", "guaranty_sharing_guaranty_no")  # fmt: skip
_PRA_OF_LOSS = ("accident_policy_no", "accident_renewal_no", "accident_endorsement_no")
#: What the articles of a record type hang on, read for a whole window before its plans: the
#: record type and the items naming its article (a reinsurance cession's PRA: its guaranty's).
_LEANS_ON: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    COINSURANCE: ((PRA, _PRA_OF_COINSURANCE),),
    REINSURANCE: ((GUARANTY, _GUARANTY_OF_REINSURANCE), (PRA, IDENTIFIERS[PRA])),
    LOSS: ((PRA, _PRA_OF_LOSS),),
}

#: The items of a record type's articles that the plans, the marks and the journals read (the
#: identifier, what the article hangs on); None: every item.
_USES: Mapping[str, frozenset[str] | None] = {
    PRA: frozenset({*IDENTIFIERS[PRA], "premium", "commission_rate", "accounted_creation", "previous_term",
                    "cover_start", "cover_end", "cancellation_date", "accounted_cancellation", "handling_code",
                    "sum_insured"}),
    GUARANTY: frozenset({*IDENTIFIERS[GUARANTY], "sum_insured", "share_pct", "premium", "damage_date",
                         "damage_amount", "damage_pct", "cancellation_date", "accounted_creation",
                         "accounted_damage", "accounted_cancellation"}),
    COINSURANCE: frozenset({*IDENTIFIERS[COINSURANCE], *_PRA_OF_COINSURANCE, "share_pct", "share_amount",
                            "commission_rate", "cancellation_date", "accounted_creation",
                            "accounted_cancellation"}),
    REINSURANCE: frozenset({*IDENTIFIERS[REINSURANCE], *_GUARANTY_OF_REINSURANCE, "treaty_code", "ceded_pct",
                            "commission_rate", "cancellation_date", "accounted_creation",
                            "accounted_cancellation"}),
    LOSS: frozenset({*IDENTIFIERS[LOSS], *_PRA_OF_LOSS, "amount", "paid", "accounted_paid",
                     "accounted_creation", "accounted_cancellation", "accounted_outstanding",
                     "notification_date", "loss_date", "cancellation_date"}),
    TREATY_ACCOUNT: None,
}  # fmt: skip
#: The items the plans read of the articles others hang on (a guaranty's or a cession's PRA, a
#: cession's guaranty): a window gathers thousands of them, a dict each.
_HUNG_ON_USES: Mapping[str, frozenset[str]] = {
    PRA: frozenset({*IDENTIFIERS[PRA], "premium", "sum_insured", "previous_term", "cover_start", "cover_end",
                    "handling_code"}),
    GUARANTY: frozenset({*IDENTIFIERS[GUARANTY], "premium", "share_pct"}),
}  # fmt: skip

WRITE, READ = Mode.MODIFY_SHARED, Mode.CONSULT


def source_id(rt: str, article: Mapping[str, Any]) -> str:
    """How an Entry names the article it comes from: ``123456-86/0/0``, ``123456-86/0/0/1``, ``L1``."""
    return "/".join(map(str, map(article.__getitem__, IDENTIFIERS[rt])))


def percent(amount: Decimal, rate: Decimal | None) -> Decimal:
    """``rate`` % of ``amount``, to the cent (half up)."""
    if not rate:
        return Decimal("0.00")
    return (amount * rate / 100).quantize(CENT, ROUND_HALF_UP)


def cover_days(start: dt.date, end: dt.date) -> int:
    """Days of a cover, both ends inclusive (1986-01-01 .. 1986-12-31 is 365 days)."""
    return (end - start).days + 1


def returned_premium(premium: Decimal, start: dt.date, end: dt.date, cancelled_on: dt.date) -> Decimal:
    """The premium returned on cancellation, pro rata temporis: the cover no longer runs from
    ``cancelled_on`` (inclusive) to ``end`` (inclusive)."""
    total = cover_days(start, end)
    if total <= 0:
        return Decimal("0.00")
    unexpired = min(max(cover_days(max(cancelled_on, start), end), 0), total)
    return (premium * unexpired / total).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _Event:
    name: str
    booking_date: dt.date | None
    amounts: Mapping[str, Decimal]


def _identifier(rt: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The identifier items of ``given`` (an identifier or a whole article); the interface
    answers 11 for what is missing."""
    return {i: given[i] for i in IDENTIFIERS[rt] if i in given}


def _read(session: Session, rt: str, ident: Mapping[str, Any]) -> dict[str, Any]:
    reply = session.read_direct(rt, ident)
    if not reply.ok or reply.article is None:
        raise Refused.of(reply, f"cannot read {rt}")
    return reply.article


def _key(rt: str, article: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(map(article.get, IDENTIFIERS[rt]))


#: A window's articles lying close together in identifier order are read with one READ SELECTION
#: over their range, reading at most ``SPREAD`` rows per article wanted; those it does not reach
#: are read one by one. Per article it costs DuckDB a few microseconds instead of ~0.5 ms (a
#: planned statement per READ DIRECT), a server one round trip per window instead of one per
#: article, SQLite about three quarters of READ DIRECT's time (25 µs instead of 34 µs).
SPREAD = 2
#: Fewer articles than this are read one by one.
NEAR = 8
#: The articles a window's articles hang on (the PRA of a cession or a loss, a cession's guaranty)
#: lie scattered: one READ SELECTION over their range reads at most ``GATHER_SPREAD`` rows per
#: article wanted. On the demo company the cessions and losses of a window read their PRAs and
#: guaranties with one READ SELECTION instead of hundreds of READ DIRECTs (seconds on DuckDB,
#: where a READ DIRECT costs 3-6 ms; about the same on SQLite) — or of a range per 64 values,
#: which read as many rows with twenty times as many requests (DuckDB: ~5 ms each).
GATHER_SPREAD = 16


def _near(
    session: Session,
    rt: str,
    firsts: Sequence[Any],
    *,
    spread: int = SPREAD,
    uses: Mapping[str, frozenset[str] | None] = _USES,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The articles, by identifier, that one READ SELECTION over the range of ``firsts`` (values of
    the identifier's first item, one per article wanted) finds (see ``SPREAD``), among those whose
    first item is wanted (no article is made of the rows between them). An article holds the
    items the plans use (``uses``: :data:`_USES`, or :data:`_HUNG_ON_USES` for what others hang on)."""
    first = IDENTIFIERS[rt][0]
    wanted = Counter(firsts)
    if len(firsts) < NEAR or None in wanted:
        return {}
    try:
        values = sorted(wanted)  # None was ruled out above
    except TypeError:  # values of several types: the interface answers each READ DIRECT
        return {}
    reply = session.read_selection(rt, {first: (values[0], values[-1])}, limit=spread * len(firsts))
    if not reply.ok or reply.batch is None:
        raise Refused.of(reply, f"cannot read {rt}")
    frame = reply.batch
    kept = np.fromiter(map(wanted.__contains__, frame[first].tolist()), dtype=bool, count=len(frame))
    return _by_key(rt, frame if kept.all() else frame.loc[kept], uses)


def _articles(rt: str, frame: pd.DataFrame, uses: Mapping[str, frozenset[str] | None] = _USES) -> list[dict[str, Any]]:
    """A READ SELECTION's articles: only the items the plans use, when known (a 24-item PRA made a
    dict of every item for the four or five a plan reads)."""
    used = uses.get(rt)
    return articles(frame, [c for c in frame.columns if c in used] if used is not None else None)


def _by_key(
    rt: str, frame: pd.DataFrame, uses: Mapping[str, frozenset[str] | None] = _USES
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """A READ SELECTION's articles (:func:`_articles`) by identifier."""
    rows = _articles(rt, frame, uses)
    ident = IDENTIFIERS[rt]
    keys = map(itemgetter(*ident), rows) if len(ident) > 1 else zip(map(itemgetter(ident[0]), rows))
    return dict(zip(keys, rows, strict=True))


def _origins(article: Mapping[str, Any], of: str, items: Sequence[str]) -> dict[str, Any] | None:
    """The identifier of the ``of`` article ``article`` names in ``items``, or None."""
    ident = dict(zip(IDENTIFIERS[of], (article.get(i) for i in items), strict=True))
    return None if any(v is None for v in ident.values()) else ident


#: How a plan reads the articles its article hangs on (a PRA, a guaranty): once per window.
Read = Callable[[str, Mapping[str, Any]], dict[str, Any]]
#: A plan: an article's events, the accounted flags to set (none: nothing due) and its department.
Plan = Callable[[dict[str, Any], Read], tuple[list[_Event], dict[str, Any], str | None]]
#: A flag an article's plan does not set (in :attr:`_Plans.flags`).
_UNSET: Any = object()


class _Events:
    """A window's events of one name coming ``rank``-th among their articles' events, column by
    column (gathered with :meth:`add`): the positions of the articles having it (in the window's
    order), their booking dates and their amounts (amount name → one per event)."""

    __slots__ = ("amounts", "at", "bookings", "name", "rank")

    def __init__(self, name: str, rank: int, *amounts: str) -> None:
        self.name, self.rank = name, rank
        self.at: list[int] = []
        self.bookings: list[dt.date | None] = []
        self.amounts: dict[str, list[Decimal]] = {n: [] for n in amounts}

    def add(self, position: int, booking: dt.date | None, *amounts: Decimal) -> None:
        """The event of the article at ``position``: its booking date, its amounts in order."""
        self.at.append(position)
        self.bookings.append(booking)
        for column, amount in zip(self.amounts.values(), amounts, strict=True):
            column.append(amount)


@dataclass(frozen=True, slots=True)
class _Plans:
    """The plans of a window's articles, column by column: their events; per accounted flag, each
    article's value (:data:`_UNSET` where its plan does not set it: an article setting none has
    nothing due, and its events are not posted); each article's department."""

    events: Sequence[_Events]
    flags: Mapping[str, Sequence[Any]]
    departments: Sequence[str | None]


#: A window's plans at once (:func:`_each` makes one of a :data:`Plan`).
Plans = Callable[[Sequence[dict[str, Any]], Read], _Plans]


def _each(plan: Plan) -> Plans:
    """A plan made article by article, as a window's :class:`_Plans` (what the few cessions, losses
    and treaty accounts need: their plans are not worth writing column by column)."""

    def plans(found: Sequence[dict[str, Any]], read: Read) -> _Plans:
        zero = Decimal(0)
        grouped: dict[tuple[int, str], tuple[list[int], list[dt.date | None], list[Mapping[str, Decimal]]]] = {}
        flags: dict[str, list[Any]] = {}
        departments: list[str | None] = []
        for position, article in enumerate(found):
            events, setting, department = plan(article, read)
            departments.append(department)
            if not setting:
                continue
            for name, value in setting.items():
                flags.setdefault(name, [_UNSET] * len(found))[position] = value
            for rank, event in enumerate(events):
                at, bookings, amounts = grouped.setdefault((rank, event.name), ([], [], []))
                at.append(position)
                bookings.append(event.booking_date)
                amounts.append(event.amounts)
        columns = []
        for (rank, name), (at, bookings, amounts) in grouped.items():
            names = dict.fromkeys(n for a in amounts for n in a)
            gathered = _Events(name, rank, *names)
            for position, booking, given in zip(at, bookings, amounts, strict=True):
                gathered.add(position, booking, *(given.get(n, zero) for n in names))
            columns.append(gathered)
        return _Plans(columns, flags, departments)

    return plans


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0.00")


#: A posting rule with its accounts' numbers: (amount, debit, credit, text).
_Resolved = tuple[tuple[str, int, int, str], ...]


def _postings(
    rt: str, found: Sequence[Mapping[str, Any]], plans: _Plans, rules: Callable[[str], _Resolved]
) -> Postings:
    """The journals of a window's plans, built column by column: one per event with lines, in
    article order and each article's events in their order; an event whose amounts are all zero
    writes none. A rule's lines are made for all the events of a name at once (each amount to the
    cent, none for zero, the sides swapped for a negative amount: the rule of ``lines_for``), then
    put in order: article, event, rule, debit before credit. Journal by journal (an event, its
    pairs, their lines appended one by one) this was a third of ACCOUNT's own time."""
    postings = Postings()
    # one block per event name and rule: (events, which of them, the rule's rank, amounts, accounts, text)
    blocks: list[tuple[_Events, np.ndarray, int, list[Decimal], np.ndarray, np.ndarray, str]] = []
    for events in plans.events:
        for order, (item, debit, credit, text) in enumerate(rules(events.name)):
            given = events.amounts.get(item)
            if given is None:
                continue
            turned = [(k, pair) for k, pair in enumerate(oriented(amount, debit, credit) for amount in given) if pair]
            if not turned:
                continue
            kept = np.fromiter((k for k, _ in turned), dtype=np.int64, count=len(turned))
            amounts = [pair[0] for _, pair in turned]
            debits = np.fromiter((pair[1] for _, pair in turned), dtype=np.int64, count=len(turned))
            credits = np.fromiter((pair[2] for _, pair in turned), dtype=np.int64, count=len(turned))
            blocks.append((events, kept, order, amounts, debits, credits, text))
    if not blocks:
        return postings
    counts = [len(block[1]) for block in blocks]
    which = np.concatenate([block[1] for block in blocks])  # each pair's event, in its block's events
    block_of = np.repeat(np.arange(len(blocks)), counts)
    articles_at = np.concatenate([np.asarray(block[0].at, dtype=np.int64)[block[1]] for block in blocks])
    ranks = np.repeat([block[0].rank for block in blocks], counts)
    line = np.lexsort((np.repeat([block[2] for block in blocks], counts), ranks, articles_at))  # journal order
    pairs = len(line)
    sums = np.empty(pairs, dtype=object)
    sums[:] = list(chain.from_iterable(block[3] for block in blocks))
    accounts = np.empty(2 * pairs, dtype=np.int64)
    accounts[0::2] = np.concatenate([block[4] for block in blocks])[line]
    accounts[1::2] = np.concatenate([block[5] for block in blocks])[line]
    texts = np.repeat(np.array([block[6] for block in blocks], dtype=object), counts)[line]
    articles_at, ranks, which, block_of = articles_at[line], ranks[line], which[line], block_of[line]
    starts = np.flatnonzero(np.r_[True, (articles_at[1:] != articles_at[:-1]) | (ranks[1:] != ranks[:-1])])
    sizes = (2 * np.diff(np.r_[starts, pairs])).tolist()
    journals = list(zip(block_of[starts].tolist(), which[starts].tolist(), articles_at[starts].tolist(), strict=True))
    departments = plans.departments
    analysis = [(None, None, departments[a], None, None) for _, _, a in journals]
    postings.add_columns(
        accounts=accounts.tolist(),
        sides=[DEBIT, CREDIT] * pairs,
        amounts=np.repeat(sums[line], 2).tolist(),
        texts=np.repeat(texts, 2).tolist(),
        analysis=list(chain.from_iterable(map(repeat, analysis, sizes))),
        sizes=sizes,
        bookings=[blocks[b][0].bookings[k] for b, k, _ in journals],
        source_rts=[rt] * len(sizes),
        source_ids=[source_id(rt, found[a]) for _, _, a in journals],
        events=[blocks[b][0].name for b, _, _ in journals],
    )
    return postings


def _marks(rt: str, found: Sequence[Mapping[str, Any]], flags: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The REWRITE BATCH marking accounted what a window's plans set: one article per article with
    a flag set. Every mark gives the same items — the flags any of them sets, in the order they are
    first set, each as set or as the article holds it (this window alone modifies it) — so REWRITE
    BATCH checks them column by column and rewrites them in one part, not one per set of flags."""
    names = list(flags)
    setting = {n: np.fromiter((v is not _UNSET for v in flags[n]), dtype=bool, count=len(found)) for n in names}
    flagged = sorted((n for n in names if setting[n].any()), key=lambda n: (int(setting[n].argmax()), names.index(n)))
    if not flagged:
        return []
    ident = IDENTIFIERS[rt]
    marks = []
    for position in np.flatnonzero(np.logical_or.reduce([setting[n] for n in flagged])).tolist():
        article = found[position]
        mark = {i: article[i] for i in ident if i in article}
        for name in flagged:
            value = flags[name][position]
            if value is not _UNSET:
                mark[name] = value
            elif name in article:
                mark[name] = article[name]
        marks.append(mark)
    return marks


def _account(
    session: Session,
    rt: str,
    given: Mapping[str, Any] | Sequence[Mapping[str, Any]] | _Pending | _Keys,
    openings: Sequence[Opening],
    plans: Plans,
    *,
    writing_date: dt.date | None,
    chart: Chart | None,
    timeout: float,
) -> Accounted:
    """The common frame of every ACCOUNT: read the article (or each of several, in order; or, for
    :class:`_Pending`, the first of those with something not yet accounted) inside one window, plan
    its events, post them and mark them accounted — or nothing at all.

    The window's journals are numbered in article order and written in one WRITE BATCH, then the
    articles are marked in one REWRITE BATCH: a per-journal search of the last entry and a WRITE BATCH per
    journal were most of ACCOUNT's time. An article given twice is accounted once (its second
    reading would have found the flags the first one set). The articles a plan hangs on (the PRA
    of a guaranty, a cession's guaranty) are read once per window: nothing in the window changes
    them."""
    chart = chart or load_chart()
    assert chart is not None
    idents: dict[tuple[Any, ...], dict[str, Any] | None] = {}
    if isinstance(given, _Keys):  # a dict per identifier only if it is read alone
        idents = dict.fromkeys(_keys(rt, given.frame))
    elif not isinstance(given, _Pending):
        for g in [given] if isinstance(given, Mapping) else given:
            ident = _identifier(rt, g)
            idents.setdefault(tuple(map(ident.get, IDENTIFIERS[rt])), ident)

    def work() -> list[Journal]:
        if isinstance(given, _Pending):
            found = given.read(session, rt)
            if not found:  # nothing pending
                return []
        else:
            near = _near(session, rt, [key[0] for key in idents])
            found = [
                near.get(key) or _read(session, rt, ident or dict(zip(IDENTIFIERS[rt], key, strict=True)))
                for key, ident in idents.items()
            ]
        seen: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        if rt == GUARANTY:  # a guaranty's PRA comes first in its identifier: they lie together
            seen[PRA] = _near(session, PRA, [g[IDENTIFIERS[PRA][0]] for g in found], uses=_HUNG_ON_USES)
        else:  # what the articles hang on lies scattered
            named: list[dict[str, Any]] = []
            for of, items in _LEANS_ON.get(rt, ()):
                # a reinsurance cession's PRA is named by its guaranty, gathered just before
                source = [seen[GUARANTY].get(_key(GUARANTY, g)) for g in named] if of == PRA and named else found
                named = [i for a in source if a is not None and (i := _origins(a, of, items)) is not None]
                firsts = [i[IDENTIFIERS[of][0]] for i in named]
                seen[of] = _near(session, of, firsts, spread=GATHER_SPREAD, uses=_HUNG_ON_USES)

        def read(of: str, ident: Mapping[str, Any]) -> dict[str, Any]:
            held = seen.setdefault(of, {})
            key = _key(of, ident)
            article = held.get(key)
            if article is None:
                article = held[key] = _read(session, of, ident)
            return article

        resolved: dict[str, _Resolved] = {}

        def rules(event: str) -> _Resolved:  # the chart's rules with their accounts' numbers, once per event
            known = resolved.get(event)
            if known is None:
                known = resolved[event] = tuple(
                    (r.amount, chart.number(r.debit), chart.number(r.credit), r.text) for r in chart.rules(rt, event)
                )
            return known

        planned = plans(found, read)
        journals = write_postings(session, _postings(rt, found, planned, rules), writing_date=writing_date)
        marks = _marks(rt, found, planned.flags)
        marked = session.rewrite_batch(rt, marks)
        if not marked.ok:
            which = marks[marked.position] if marked.position is not None else None
            raise Refused.of(marked, f"cannot mark {rt} {source_id(rt, which) if which else ''} accounted")
        return journals

    return in_window(session, [(rt, WRITE), *openings], work, timeout=timeout)


def _pra_plans(found: Sequence[dict[str, Any]], read: Read) -> _Plans:
    """ACCOUNT PRA's plans of a window's PRAs, column by column: the creation (the PRA's own premium
    — an endorsement's difference — and the commission at its ``commission_rate``; a previous term,
    thesis V.3.1, "ne doit pas être comptabilisé": no amount) and the cancellation (the premium
    returned pro rata temporis and its commission) not yet accounted."""
    zero = Decimal(0)
    creation, cancellation = (
        _Events("creation", 0, "premium", "commission"),
        _Events("cancellation", 1, "premium", "commission"),
    )
    created, cancelled = [_UNSET] * len(found), [_UNSET] * len(found)
    for position, a in enumerate(found):
        premium, rate, previous = _money(a["premium"]), a["commission_rate"], a["previous_term"]
        if not a["accounted_creation"]:
            amount = zero if previous else premium
            creation.add(position, a["cover_start"], amount, percent(amount, rate))
            created[position] = True
        if a["cancellation_date"] is not None and not a["accounted_cancellation"]:
            back = (
                zero
                if previous
                else returned_premium(premium, a["cover_start"], a["cover_end"], a["cancellation_date"])
            )
            cancellation.add(position, a["cancellation_date"], back, percent(back, rate))
            cancelled[position] = True
    flags = {"accounted_creation": created, "accounted_cancellation": cancelled}
    return _Plans([creation, cancellation], flags, [a["handling_code"] for a in found])


def _guaranty_plans(writing_date: dt.date | None) -> Plans:
    """ACCOUNT GUARANTY's plans of a window's guaranties, column by column: the sum insured committed
    at creation (none for a previous term's), the damage (the commitment reduced, booked on the
    damage date, else ``writing_date``) and the cancellation (what remains released), not yet
    accounted; the department: the PRA's ``handling_code``."""

    def plans(found: Sequence[dict[str, Any]], read: Read) -> _Plans:
        zero = Decimal(0)
        creation, damaged_on = _Events("creation", 0, "sum_insured"), _Events("damage", 1, "damage")
        cancellation = _Events("cancellation", 2, "remaining")
        names = ("accounted_creation", "accounted_damage", "accounted_cancellation")
        flags: dict[str, list[Any]] = {n: [_UNSET] * len(found) for n in names}
        departments: list[str | None] = []
        for position, g in enumerate(found):
            pra = read(PRA, {i: g[i] for i in IDENTIFIERS[PRA]})
            insured = zero if pra["previous_term"] else _guaranty_sum(g, pra)
            damage = _damage(g, insured)
            cancelled, damaged = bool(g["accounted_cancellation"]), bool(g["accounted_damage"])
            if not g["accounted_creation"]:
                creation.add(position, pra["cover_start"], insured)
                flags["accounted_creation"][position] = True
            if not damaged and (g["damage_date"] is not None or g["damage_amount"] is not None
                                or g["damage_pct"] is not None):  # fmt: skip
                # after a cancellation nothing is committed any more: nothing to reduce
                when = g["damage_date"] or writing_date or dt.date.today()
                damaged_on.add(position, when, zero if cancelled else damage)
                flags["accounted_damage"][position] = damaged = True
            if g["cancellation_date"] is not None and not cancelled:
                cancellation.add(position, g["cancellation_date"], insured - (damage if damaged else zero))
                flags["accounted_cancellation"][position] = True
            departments.append(pra["handling_code"])
        return _Plans([creation, damaged_on, cancellation], flags, departments)

    return plans


def account_pra(
    session: Session,
    pra: Mapping[str, Any],
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT PRA (thesis V.3.1 b): the creation and the cancellation not yet accounted."""

    return _account(session, PRA, pra, [], _pra_plans, writing_date=writing_date, chart=chart, timeout=timeout)


def _pra_of(read: Read, rt: str, items: Sequence[str], article: Mapping[str, Any]) -> dict[str, Any]:
    """The PRA an article hangs on, through the items holding its path's origin."""
    ident = dict(zip(IDENTIFIERS[PRA], (article[i] for i in items), strict=True))
    if any(v is None for v in ident.values()):
        raise Refused(RC.NOT_FOUND, f"{rt} {source_id(rt, article)} is bound to no PRA")
    return read(PRA, ident)


def _guaranty_sum(guaranty: Mapping[str, Any], pra: Mapping[str, Any]) -> Decimal:
    own = _money(guaranty["sum_insured"])
    if own:
        return own
    share = guaranty["share_pct"] if guaranty["share_pct"] is not None else Decimal(100)
    return percent(_money(pra["sum_insured"]), share)


def _damage(guaranty: Mapping[str, Any], insured: Decimal) -> Decimal:
    if guaranty["damage_amount"] is not None:
        return min(_money(guaranty["damage_amount"]), insured)
    return min(percent(insured, guaranty["damage_pct"]), insured)


def account_guaranty(
    session: Session,
    guaranty: Mapping[str, Any],
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT GUARANTY (thesis V.3.1 c): creation, damage and cancellation not yet accounted."""
    plans = _guaranty_plans(writing_date)
    return _account(
        session, GUARANTY, guaranty, [(PRA, READ)], plans, writing_date=writing_date, chart=chart, timeout=timeout
    )


def account_coinsurance(
    session: Session,
    cession: Mapping[str, Any],
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT COINSURANCE (thesis V.3.1 d): the share ceded to a coinsurer, and its cancellation."""

    def plan(c: dict[str, Any], read: Read) -> tuple[list[_Event], dict[str, Any], str | None]:
        pra = _pra_of(read, COINSURANCE, _PRA_OF_COINSURANCE, c)
        share = c["share_pct"]
        if share is None:  # thesis IV.4.3: "le montant ou le pourcentage de la coassurance"
            insured = _money(pra["sum_insured"])
            share = _money(c["share_amount"]) * 100 / insured if insured else Decimal(0)
        premium = Decimal(0) if pra["previous_term"] else percent(_money(pra["premium"]), share)
        return _cession_events(c, pra, premium), _cession_flags(c), pra["handling_code"]

    return _account(
        session,
        COINSURANCE,
        cession,
        [(PRA, READ)],
        _each(plan),
        writing_date=writing_date,
        chart=chart,
        timeout=timeout,
    )


def account_reinsurance(
    session: Session,
    cession: Mapping[str, Any],
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT REINSURANCE (thesis V.3.1 e): the premium ceded on a guaranty, and its cancellation."""

    def plan(c: dict[str, Any], read: Read) -> tuple[list[_Event], dict[str, Any], str | None]:
        if c.get("treaty_code") is not None:
            raise Refused(
                DomainRC.WRONG_STATE,
                f"reinsurance cession {c['code']} is made under treaty {c['treaty_code']}: its premium is "
                "accounted in the treaty's accounts (assurdb reinsure), not cession by cession",
            )
        ident = dict(zip(IDENTIFIERS[GUARANTY], (c[i] for i in _GUARANTY_OF_REINSURANCE), strict=True))
        if any(v is None for v in ident.values()):
            raise Refused(RC.NOT_FOUND, f"reinsurance cession {c['code']} is bound to no guaranty")
        guaranty = read(GUARANTY, ident)
        pra = read(PRA, {i: guaranty[i] for i in IDENTIFIERS[PRA]})
        base = _money(guaranty["premium"])
        if not base:
            share = guaranty["share_pct"] if guaranty["share_pct"] is not None else Decimal(100)
            base = percent(_money(pra["premium"]), share)
        premium = Decimal(0) if pra["previous_term"] else percent(base, c["ceded_pct"])
        return _cession_events(c, pra, premium), _cession_flags(c), pra["handling_code"]

    return _account(
        session,
        REINSURANCE,
        cession,
        [(GUARANTY, READ), (PRA, READ)],
        _each(plan),
        writing_date=writing_date,
        chart=chart,
        timeout=timeout,
    )


def _cession_events(c: Mapping[str, Any], pra: Mapping[str, Any], premium: Decimal) -> list[_Event]:
    rate = c["commission_rate"]
    events = []
    if not c["accounted_creation"]:
        events.append(
            _Event("creation", pra["cover_start"], {"premium": premium, "commission": percent(premium, rate)})
        )
    if c["cancellation_date"] is not None and not c["accounted_cancellation"]:
        back = returned_premium(premium, pra["cover_start"], pra["cover_end"], c["cancellation_date"])
        events.append(
            _Event("cancellation", c["cancellation_date"], {"premium": back, "commission": percent(back, rate)})
        )
    return events


def _cession_flags(c: Mapping[str, Any]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    if not c["accounted_creation"]:
        flags["accounted_creation"] = True
    if c["cancellation_date"] is not None and not c["accounted_cancellation"]:
        flags["accounted_cancellation"] = True
    return flags


def settled(account: Mapping[str, Any]) -> dict[str, Decimal]:
    """The amounts of a treaty account the ledger must hold (:data:`SETTLED`)."""
    due: dict[str, Decimal] = {}
    for name, items in SETTLED.items():
        total = Decimal("0.00")
        for item in items:
            value = _money(account.get(item.lstrip("-")))
            total += -value if item.startswith("-") else value
        due[name] = total
    return due


def _treaty_plan(a: dict[str, Any], read: Read) -> tuple[list[_Event], dict[str, Any], str | None]:
    """A treaty account's settlement: its amounts less those the ledger holds (``accounted``)."""
    due = settled(a)
    held = a.get("accounted") or {}
    difference = {name: amount - _money(held.get(name)) for name, amount in due.items()}
    if not any(difference.values()) and all(held.get(name) is not None for name in due):
        return [], {}, None
    return [_Event("settlement", a["period_end"], difference)], {"accounted": due}, None


def account_treaty_account(
    session: Session,
    account: Mapping[str, Any],
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT REINSURANCE at the grain of the treaty account (treaty × reinsurer × quarter): the
    differences between the account's amounts and those the ledger holds (its ``accounted`` item),
    one journal booked on the quarter's last day, then ``accounted`` brought up to date. An account
    already in the ledger writes nothing."""
    return _account(
        session,
        TREATY_ACCOUNT,
        account,
        [],
        _each(_treaty_plan),
        writing_date=writing_date,
        chart=chart,
        timeout=timeout,
    )


def account_treaty_accounts(
    session: Session,
    accounts: Sequence[Mapping[str, Any]] | None = None,
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT REINSURANCE of many treaty accounts (``accounts``: identifiers; default: every one
    not yet in the ledger) in **one** accounting window and unit of work — a program's accounts
    are posted together or not at all, their journals consecutive."""
    if accounts is None:
        found = pending(session, TREATY_ACCOUNT, timeout=timeout)
        if isinstance(found, Accounted):
            return found
        accounts = found
    if not accounts:
        return Accounted(RC.OK, "no treaty account to post")
    return _account(
        session,
        TREATY_ACCOUNT,
        accounts,
        [],
        _each(_treaty_plan),
        writing_date=writing_date,
        chart=chart,
        timeout=timeout,
    )


def account_loss(
    session: Session,
    loss: Mapping[str, Any],
    *,
    payment_date: dt.date | None = None,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """ACCOUNT LOSS (thesis V.3.1 f): the reserve at creation, the payments since the last
    call (booked on ``payment_date``, else the writing date) and the reserve they use up, the
    revaluation of the reserve since the last call (a reserve raised or released by a loss
    movement or a new amount, booked on the writing date), the reserve left on cancellation.

    The reserve due is ``amount − paid`` (never below 0: with loss movements, the outstanding);
    ``accounted_outstanding`` keeps what the ledger holds, so the next call posts the difference."""

    def plan(a: dict[str, Any], read: Read) -> tuple[list[_Event], dict[str, Any], str | None]:
        pra = _pra_of(read, LOSS, _PRA_OF_LOSS, a)
        reserve = _money(a["amount"])
        before = max(_money(a["accounted_paid"]), Decimal(0))
        after = max(_money(a["paid"]), Decimal(0))
        cancelled = bool(a["accounted_cancellation"])
        # the reserve in the ledger (a schema without accounted_outstanding posts no revaluation)
        tracked = "accounted_outstanding" in a
        held = _money(a.get("accounted_outstanding"))
        events: list[_Event] = []
        flags: dict[str, Any] = {}
        if not a["accounted_creation"]:
            events.append(_Event("creation", a["notification_date"] or a["loss_date"], {"reserve": reserve}))
            flags["accounted_creation"] = True
            held = reserve
        if _money(a["paid"]) != _money(a["accounted_paid"]):
            # the reserve used up is what the payments consume of it: min(paid, reserve) moves;
            # a refund (paid lowered) puts back what it had used (negative: swapped sides)
            used = Decimal(0) if cancelled else min(after, reserve) - min(before, reserve)
            delta = _money(a["paid"]) - _money(a["accounted_paid"])
            when = payment_date or writing_date or dt.date.today()
            events.append(_Event("payment", when, {"paid": delta, "reserve": used}))
            flags["accounted_paid"] = _money(a["paid"])
            held -= used
        if a["cancellation_date"] is not None and not cancelled:
            events.append(_Event("cancellation", a["cancellation_date"], {"reserve": held}))
            flags["accounted_cancellation"] = True
            held = Decimal(0)
        elif tracked and not cancelled and held != max(reserve - after, Decimal(0)):
            due = max(reserve - after, Decimal(0))
            events.append(_Event("revaluation", writing_date or dt.date.today(), {"reserve": due - held}))
            held = due
        if tracked and held != _money(a["accounted_outstanding"]):
            flags["accounted_outstanding"] = held
        return events, flags, pra["handling_code"]

    return _account(
        session, LOSS, loss, [(PRA, READ)], _each(plan), writing_date=writing_date, chart=chart, timeout=timeout
    )


# -- everything not yet accounted -------------------------------------------------------------------
ACCOUNTERS: Mapping[str, Callable[..., Accounted]] = {
    PRA: account_pra,
    GUARANTY: account_guaranty,
    COINSURANCE: account_coinsurance,
    REINSURANCE: account_reinsurance,
    TREATY_ACCOUNT: account_treaty_account,
    LOSS: account_loss,
}
#: Order in which ``account_all`` walks the record types (contracts before what hangs on them);
#: those the database's schema lacks (``TreatyAccount`` before version 3) are passed over.
ORDER = (PRA, GUARANTY, COINSURANCE, REINSURANCE, TREATY_ACCOUNT, LOSS)


def pending(session: Session, rt: str, *, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]] | Accounted:
    """Identifiers of the ``rt`` articles with something not yet accounted (READ SELECTION), or
    the refusal. ``rt`` is opened in mode 1 only while it is read."""
    with opened(session, [(rt, READ)], timeout=timeout) as reply:
        if not reply.ok:
            return Accounted(reply.rc, f"cannot open {rt}: {reply.message}")
        selected = session.read_selection(rt, {})
    if not selected.ok or selected.batch is None:
        return Accounted(selected.rc, f"cannot read {rt}: {selected.message}")
    return _identifiers(rt, _due(rt, selected.batch))


def _due(rt: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` (every ``rt`` article, READ SELECTION) with something not yet accounted."""
    if rt == TREATY_ACCOUNT:
        rows = records(frame)
        return frame.loc[np.array([settled(a) != _held(a) for a in rows], dtype=bool)]
    if rt == REINSURANCE and "treaty_code" in frame:  # accounted in their treaty's accounts
        frame = frame[frame["treaty_code"].isna()]
    due = ~frame["accounted_creation"].fillna(False)
    if "accounted_cancellation" in frame:
        due |= frame["cancellation_date"].notna() & ~frame["accounted_cancellation"].fillna(False)
    if rt == GUARANTY:
        damaged = frame["damage_date"].notna() | frame["damage_amount"].notna() | frame["damage_pct"].notna()
        due |= damaged & ~frame["accounted_damage"].fillna(False)
    if rt == LOSS:
        zero = Decimal(0)
        due |= frame["paid"].map(lambda v: v or zero) != frame["accounted_paid"].map(lambda v: v or zero)
        if "accounted_outstanding" in frame:  # a reserve revalued since the last ACCOUNT LOSS
            amounts = zip(frame["amount"], frame["paid"], strict=True)
            reserve = [max((a or zero) - (p or zero), zero) for a, p in amounts]
            live = frame["accounted_creation"].fillna(False) & ~frame["accounted_cancellation"].fillna(False)
            held = frame["accounted_outstanding"].map(lambda v: v or zero)
            due |= live & (pd.Series(reserve, index=frame.index) != held)
    return frame.loc[due]


def _held(account: Mapping[str, Any]) -> dict[str, Decimal | None]:
    held = account.get("accounted") or {}
    return {name: held.get(name) for name in SETTLED}


def _identifiers(rt: str, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The identifiers of ``frame``'s rows, each value an ``int`` or a ``str`` (converted column by
    column, the dicts made in C)."""
    return list(map(dict, map(zip, repeat(IDENTIFIERS[rt]), _keys(rt, frame))))


def _keys(rt: str, frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The identifiers of ``frame``'s rows as tuples (:func:`_key`), each value an ``int`` or a ``str``."""
    columns = []
    for name in IDENTIFIERS[rt]:
        values = frame[name].tolist()  # an identifier is never empty
        if str(frame[name].dtype) not in ("Int64", "string"):  # else Python's int or str already
            values = [int(v) if isinstance(v, Integral) else str(v) for v in values]
        columns.append(values)
    return zip(*columns, strict=True)


#: The most articles ACCOUNT posts per accounting window (one unit of work). A window per article
#: spent a third of ACCOUNT's time opening, beginning, committing and closing. Since a window reads
#: its articles with one READ SELECTION and writes its journals with one WRITE BATCH, its cost per
#: article falls until about a thousand articles (on SQLite a window of 25 read one by one cost as
#: much per article as one of 2 000 read by range; on DuckDB, where each READ DIRECT costs ~0.5 ms,
#: the range read is most of the gain). Once a window's journals were built column-wise and its
#: articles marked by a few statements, a thousand articles took a tenth of a second on SQLite and
#: each window's fixed cost (OPEN DB, COMMIT, CLOSE; on DuckDB 20 ms of OPEN DB alone) and its
#: gathering of scattered PRAs (a range read over most of the PRAs, per window) weighed again:
#: windows of up to 4 000, still held about ``WINDOW_SECONDS`` each. Once plans and journals were
#: made column by column, up to 6 000, from a first window of ``FIRST``: the demo company in seven
#: windows instead of nine (each one, on DuckDB, some fifteen statements of a few milliseconds).
WINDOW = 6000
#: The size of the first window (``account_all``: of the first record type's), before any was timed.
FIRST = WINDOW // 4
#: How long a window should hold ``Entry``, so that other sessions get it between two: each window
#: is sized from the time the previous one took per article (from ``FIRST``, between
#: ``NEAR`` and ``WINDOW`` articles). A quarter of a second made windows so short on MariaDB and
#: DuckDB that their fixed cost (OPEN DB, COMMIT and its checks, CLOSE) took a third of ACCOUNT's
#: time (300 insured on DuckDB: 30.6 s, 21.1 s with a second).
WINDOW_SECONDS = 1.0


def _next_size(size: int, seconds: float) -> int:
    """The size of the next window, after one of ``size`` articles took ``seconds``."""
    fitted = int(size * WINDOW_SECONDS / max(seconds, 1e-3))
    return max(NEAR, min(WINDOW, fitted, 2 * size))


def account_pending(
    session: Session,
    rt: str,
    *,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    payment_date: dt.date | None = None,
    progress: Progress | None = None,
) -> Accounted:
    """ACCOUNT every ``rt`` article with something not yet accounted, many articles per accounting
    window (at most ``WINDOW``, a window holding ``Entry`` about ``WINDOW_SECONDS``, so other
    sessions get ``Entry`` between two); stops at the first refusal,
    answering it with the journals written before it (a refused window is posted again article by
    article). ``payment_date`` books loss payments (ACCOUNT LOSS); ``progress``
    hears of each article accounted (``metadb.progress``)."""
    return _account_pending(
        session,
        rt,
        writing_date=writing_date,
        chart=chart,
        timeout=timeout,
        payment_date=payment_date,
        progress=progress,
    )[0]


class _Pending:
    """The first window of :func:`_account_pending`, given to its record type's ACCOUNT instead of
    identifiers: that window reads what is pending itself (the READ SELECTION of :func:`pending`),
    inside itself, and posts the first ``size`` of those articles from that very reading — they were
    read in the window, where this session alone may modify them. A separate reading of what is
    pending, opening and closing the record type for it, then a second reading of the window's
    articles, took a tenth of ACCOUNT on DuckDB (its OPEN DB, CLOSE and reads; the same work
    elsewhere). ``rest``: the other pending articles (their identifiers), for the next windows
    (None until read: the window was refused before); ``total``: how many were pending."""

    __slots__ = ("count", "head", "progress", "rest", "size", "total", "what")

    def __init__(self, size: int, progress: Progress | None, what: str) -> None:
        self.size, self.progress, self.what = size, progress, what
        self.count = self.total = 0
        self.head: pd.DataFrame | None = None
        self.rest: pd.DataFrame | None = None

    def read(self, session: Session, rt: str) -> list[dict[str, Any]]:
        """The window's articles: the first ``size`` of those pending (``rt`` is open, a unit begun)."""
        selected = session.read_selection(rt, {})
        if not selected.ok or selected.batch is None:
            raise Refused.of(selected, f"cannot read {rt}")
        due = _due(rt, selected.batch)
        self.head, self.total = due.iloc[: self.size], len(due)
        self.count = len(self.head)
        self.rest = due.iloc[self.size :][list(IDENTIFIERS[rt])]
        if self.progress is not None:
            self.progress(self.what, 0, self.total)
        return _articles(rt, self.head)

    def taken(self, rt: str) -> list[dict[str, Any]]:
        """The identifiers of the window's articles (posted again one by one if it was refused)."""
        return [] if self.head is None else _identifiers(rt, self.head)


class _Keys:
    """A later window of :func:`_account_pending`: its articles' identifiers as the rows of a frame
    (what :func:`pending` reads), given to the record type's ACCOUNT instead of a dict each, which
    it would make tuples of again."""

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return len(self.frame)

    def identifiers(self, rt: str) -> list[dict[str, Any]]:
        return _identifiers(rt, self.frame)


def _account_pending(
    session: Session,
    rt: str,
    *,
    writing_date: dt.date | None,
    chart: Chart | None,
    timeout: float,
    payment_date: dt.date | None,
    progress: Progress | None,
    size: int = FIRST,
) -> tuple[Accounted, int]:
    """:func:`account_pending`, its first window of ``size`` articles; also answers the size its
    last window measured for the next one (``account_all`` starts the next record type there)."""
    if rt not in ACCOUNTERS:
        return Accounted(RC.RT_UNKNOWN, f"{rt!r} is not accounted (one of {', '.join(ORDER)})"), size
    options: dict[str, Any] = {"payment_date": payment_date} if rt == LOSS else {}

    def post(given: Any) -> Accounted:
        return ACCOUNTERS[rt](session, given, writing_date=writing_date, chart=chart, timeout=timeout, **options)

    journals: list[Journal] = []
    what = f"ACCOUNT {rt}"
    head = _Pending(size, progress, what)
    group: Any = head
    done = 0
    while True:
        began = time.monotonic()
        result = post(group)
        if group is head and head.rest is None:  # refused before what is pending was read: nothing written
            return result, size
        count = head.count if group is head else len(group)
        if count == size:  # the last, partial window of a record type says little of the next one
            size = _next_size(size, time.monotonic() - began)
        if result.ok:
            journals += result.journals
        else:  # nothing of the group was written: again one window each, to keep what precedes the refusal
            for ident in head.taken(rt) if group is head else group.identifiers(rt):
                result = post(ident)
                journals += result.journals
                if not result.ok:
                    message = f"{rt} {source_id(rt, ident)}: {result.message}"
                    return Accounted(result.rc, message, tuple(journals)), size
        done += count
        if progress is not None and count:
            progress(what, done, head.total)
        if done >= head.total:
            break
        assert head.rest is not None
        group = _Keys(head.rest.iloc[done - head.count : done - head.count + size])
    message = f"{rt}: {head.total} article(s) looked at, {len(journals)} journal(s)"
    return Accounted(RC.OK, message, tuple(journals)), size


def account_all(
    session: Session,
    *,
    writing_date: dt.date | None = None,
    payment_date: dt.date | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> Accounted:
    """ACCOUNT everything not yet accounted, record type by record type (``ORDER``); ``progress``
    hears of each article accounted, a stage per record type. A record type's first window has the
    size the windows of the one before reached (:data:`WINDOW_SECONDS`), not ``FIRST`` again."""
    journals: list[Journal] = []
    size = FIRST
    for rt in ORDER:
        if rt not in session.schema.record_types:
            continue
        result, size = _account_pending(
            session,
            rt,
            writing_date=writing_date,
            chart=None,
            payment_date=payment_date,
            timeout=timeout,
            progress=progress,
            size=size,
        )
        journals += result.journals
        if not result.ok:
            return Accounted(result.rc, result.message, tuple(journals))
    return Accounted(RC.OK, f"{len(journals)} journal(s) written", tuple(journals))
