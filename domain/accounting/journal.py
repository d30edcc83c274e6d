"""The journal: consecutive entry numbers and balanced journals (thesis IV.5, IV.6 constraint 15).

**Numbering.** Entry numbers are consecutive from 1, without gap or duplicate, even when many
processes account at once. Under the thesis' openings only one session may modify ``Entry`` at a
time (mode 2 excludes mode 2), so a session that holds ``Entry`` in mode 2 reads the
last number and writes the next ones without a race. Every posting runs in an *accounting
window*: OPEN DB of ``Entry`` (mode 2), ``Account`` (mode 1) and the record types the event needs,
retried with back-off on 600+i (``domain.openings``); BEGIN; read the last entry; write the lines;
COMMIT; close. If anything fails before COMMIT — or COMMIT itself — nothing was written and the
numbers stay gapless; if the process dies, the interface rolls its unit back and reclaims its
openings (proof of life).

**Last number.** There is no "read last" request; since numbers are gapless, the numbers in use
are a prefix 1..N: a galloping search with READ DIRECT from the last number this process saw,
then one READ SEQUENTIAL to confirm nothing follows (and to walk on if someone broke the prefix).

**Journals.** The lines of one event share a ``journal_no`` (the last entry's + 1) and balance:
debit = credit. Amounts are positive ``Decimal``; the side says D or C.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from assurdb.domain.accounting.chart import ACCOUNT, Chart, load_chart
from assurdb.domain.errors import DomainError
from assurdb.domain.frames import articles
from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.metadb.contract import RC, Mode, Opening, Reply, Session

ENTRY = "Entry"
DEBIT, CREDIT = "D", "C"
CENT = Decimal("0.01")

#: The last entry number each session saw committed: where the next search starts.
_LAST_SEEN: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Line:
    """One journal line to write: an account, a side, a positive amount and the cost analysis
    items of thesis IV.5.1 (allocation key, responsible department and employee, cost category)."""

    account: int
    side: str
    amount: Decimal
    text: str | None = None
    document_ref: str | None = None
    cost_key: str | None = None
    department: str | None = None
    employee: str | None = None
    cost_category: str | None = None


class Journal(NamedTuple):
    """One written journal: its number, its entry numbers, and what produced it. A named tuple: ACCOUNT
    makes one per journal (the demo company's 17 781 in one call), and a frozen dataclass sets each
    field by a call of ``object.__setattr__``: making them cost some fifteen times as much."""

    journal_no: int
    numbers: tuple[int, ...]
    event: str | None = None
    source_rt: str | None = None
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Accounted:
    """What a posting or an ACCOUNT primitive answers (thesis V.3.1: "identification des
    occurrences Entrée"): the return code, why, and the journals written (none if nothing was due)."""

    rc: int
    message: str
    journals: tuple[Journal, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.rc == RC.OK

    @property
    def entries(self) -> tuple[int, ...]:
        return tuple(n for j in self.journals for n in j.numbers)


class Refused(DomainError):
    """Raised inside an accounting window to abandon the unit with the interface's reply
    (``in_window`` turns it into the :class:`Accounted` it answers)."""

    def __init__(self, rc: int, message: str) -> None:
        super().__init__(message)
        self.rc = int(rc)
        self.message = message

    @classmethod
    def of(cls, reply: Reply, what: str) -> Refused:
        return cls(reply.rc, f"{what}: {reply.message}")


def lines_for(amount: Decimal, debit: int, credit: int, text: str | None = None, **analysis: str | None) -> list[Line]:
    """A debit and a credit of ``amount``: none for zero, sides swapped for a negative amount."""
    turned = oriented(amount, debit, credit)
    if turned is None:
        return []
    amount, debit, credit = turned
    return [Line(debit, DEBIT, amount, text, **analysis), Line(credit, CREDIT, amount, text, **analysis)]


def oriented(amount: Decimal, debit: int, credit: int) -> tuple[Decimal, int, int] | None:
    """``amount`` to the cent with its debit and credit accounts, swapped for a negative amount;
    None for zero — the rule of :func:`lines_for`, and of the pairs ACCOUNT makes column by column."""
    amount = amount.quantize(CENT)
    if not amount:
        return None
    return (amount, debit, credit) if amount > 0 else (-amount, credit, debit)


def unbalanced(lines: Sequence[Line]) -> str | None:
    """Why ``lines`` cannot be one journal, or None: positive cent amounts, debit = credit."""
    if not lines:
        return "a journal needs at least one line"
    for i, line in enumerate(lines, start=1):
        if line.side not in (DEBIT, CREDIT):
            return f"line {i}: side must be D or C, not {line.side!r}"
        if not isinstance(line.amount, Decimal) or not line.amount.is_finite() or line.amount <= 0:
            return f"line {i}: amount must be a positive Decimal, not {line.amount!r}"
        if line.amount != line.amount.quantize(CENT):
            return f"line {i}: amount {line.amount} has more than two decimals"
    debit = sum((ln.amount for ln in lines if ln.side == DEBIT), Decimal(0))
    credit = sum((ln.amount for ln in lines if ln.side == CREDIT), Decimal(0))
    if debit != credit:
        return f"debit {debit} differs from credit {credit}"
    return None


# -- the last entry ----------------------------------------------------------------------------
def _entry(session: Session, number: int) -> dict[str, Any] | None:
    reply = session.read_direct(ENTRY, {"number": number})
    if reply.rc == RC.NOT_FOUND:
        return None
    if not reply.ok or reply.article is None:
        raise Refused.of(reply, f"cannot read entry {number}")
    return reply.article


def last_entry(session: Session) -> dict[str, Any] | None:
    """The entry with the highest number, or None on an empty journal (``Entry`` must be open).

    The last number this session saw is looked up with at most one number above it: alone, it is
    the last (one request per accounting window). Otherwise a galloping search from it (numbers
    1..N in use, constraint 15), then a READ SELECTION of the numbers above confirms that nothing
    follows — or finds the last past a gap.
    """
    hint = _LAST_SEEN.get(session, 0)
    low, found = 0, None
    top = 10 ** (session.schema.record_types[ENTRY].item("number").length or 18) - 1
    if hint > 0:
        # The common case, this session's own last entry still the last: one READ SELECTION of
        # the hint and at most one number above it says so (or that the search must go on).
        reply = session.read_selection(ENTRY, {"number": (hint, top)}, limit=2)
        if not reply.ok or reply.batch is None:
            raise Refused.of(reply, "cannot read the journal")
        near = articles(reply.batch)
        if near and int(near[0]["number"]) == hint:
            low, found = hint, near[0]
            if len(near) == 1:
                return found
    step = 1
    while (probe := _entry(session, low + step)) is not None:
        low, found, step = low + step, probe, step * 2
    high = low + step  # low exists (or is 0), high does not
    while high - low > 1:
        middle = (low + high) // 2
        probe = _entry(session, middle)
        if probe is None:
            high = middle
        else:
            low, found = middle, probe
    # Whatever lies past a gap: one READ SELECTION of the numbers above (DuckDB answers a READ
    # SEQUENTIAL from a snapshot of the key's order, rebuilt after each window's commit).
    reply = session.read_selection(ENTRY, {"number": (low + 1, top)})
    if not reply.ok or reply.batch is None:
        raise Refused.of(reply, "cannot read the journal")
    if len(reply.batch):
        found = articles(reply.batch.tail(1))[0]
        low = int(found["number"])
    if found is not None:
        _LAST_SEEN[session] = low
    return found


# -- writing --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Draft:
    """A journal to write: its balanced lines, its booking date and what produced it."""

    lines: Sequence[Line]
    booking_date: dt.date | None
    source_rt: str | None = None
    source_id: str | None = None
    event: str | None = None


class Postings:
    """Balanced journals to write, held column by column (a list per entry item, not a ``Line`` per
    line): what ACCOUNT builds for a window's thousands of articles (:meth:`add_columns`: its
    debit/credit pairs, balanced by construction — each amount to the cent, none for zero, the sides
    swapped for a negative amount, the rule of :func:`lines_for`), or journals of lines given
    (:meth:`add_lines`)."""

    __slots__ = ("accounts", "amounts", "analysis", "bookings", "events", "sides", "sizes", "source_ids",
                 "source_rts", "texts")  # fmt: skip

    def __init__(self) -> None:
        self.accounts: list[int] = []
        self.sides: list[str] = []
        self.amounts: list[Decimal] = []
        self.texts: list[str | None] = []
        #: per line: (document_ref, cost_key, department, employee, cost_category)
        self.analysis: list[tuple[str | None, ...]] = []
        #: per journal
        self.sizes: list[int] = []
        self.bookings: list[dt.date | None] = []
        self.source_rts: list[str | None] = []
        self.source_ids: list[str | None] = []
        self.events: list[str | None] = []

    def __len__(self) -> int:
        return len(self.sizes)

    def add_lines(self, draft: Draft) -> None:
        """A journal of lines as they are (checked by :func:`unbalanced` first)."""
        for line in draft.lines:
            self.accounts.append(line.account)
            self.sides.append(line.side)
            self.amounts.append(line.amount)
            self.texts.append(line.text)
            self.analysis.append((line.document_ref, line.cost_key, line.department, line.employee, line.cost_category))
        self._journal(len(draft.lines), draft.booking_date, draft.source_rt, draft.source_id, draft.event)

    def add_columns(
        self,
        *,
        accounts: Sequence[int],
        sides: Sequence[str],
        amounts: Sequence[Decimal],
        texts: Sequence[str | None],
        analysis: Sequence[tuple[str | None, ...]],
        sizes: Sequence[int],
        bookings: Sequence[dt.date | None],
        source_rts: Sequence[str | None],
        source_ids: Sequence[str | None],
        events: Sequence[str | None],
    ) -> None:
        """Journals given column by column, balanced by their maker (ACCOUNT makes them of debit/credit
        pairs): the lines' columns, then per journal its number of lines and what produced it."""
        self.accounts += accounts
        self.sides += sides
        self.amounts += amounts
        self.texts += texts
        self.analysis += analysis
        self.sizes += sizes
        self.bookings += bookings
        self.source_rts += source_rts
        self.source_ids += source_ids
        self.events += events

    def _journal(self, size: int, booking: dt.date | None, rt: str | None, sid: str | None, event: str | None) -> None:
        self.sizes.append(size)
        self.bookings.append(booking)
        self.source_rts.append(rt)
        self.source_ids.append(sid)
        self.events.append(event)


#: The items of an entry, in the order of :meth:`Postings` columns.
_ENTRY_ITEMS = ("number", "journal_no", "writing_date", "booking_date", "source_rt", "source_id", "event",
                "amount", "side", "text", "accounting_number",  # path Accounting: Account → Entry
                "document_ref", "cost_key", "department", "employee", "cost_category")  # fmt: skip


def _per_line(values: Sequence[Any], sizes: Sequence[int]) -> list[Any]:
    """Each journal's value once per line of it."""
    return list(chain.from_iterable(map(repeat, values, sizes)))


def write_postings(session: Session, postings: Postings, *, writing_date: dt.date | None = None) -> list[Journal]:
    """Write ``postings`` with the next entry and journal numbers, in order, in **one** WRITE BATCH
    (the last entry is searched once, not once per journal).

    Runs inside an accounting window (``Entry`` held in mode 2, a unit open): the caller
    commits. Raises :class:`Refused` with the interface's code when a line is refused (naming the
    journal and its line), instead of writing anything.
    """
    if not postings.sizes:
        return []
    last = last_entry(session)
    number = 1 if last is None else int(last["number"]) + 1
    journal_no = 1 if last is None else int(last["journal_no"]) + 1
    sizes = postings.sizes
    count = len(postings.amounts)
    journal_nos = range(journal_no, journal_no + len(sizes))
    columns: list[Any] = [
        np.arange(number, number + count, dtype=np.int64),
        np.repeat(np.arange(journal_no, journal_no + len(sizes), dtype=np.int64), sizes),
        [writing_date or dt.date.today()] * count,
        _per_line(postings.bookings, sizes),
        _per_line(postings.source_rts, sizes),
        _per_line(postings.source_ids, sizes),
        _per_line(postings.events, sizes),
        postings.amounts,
        postings.sides,
        postings.texts,
        np.asarray(postings.accounts, dtype=np.int64),
        *(zip(*postings.analysis, strict=True)),
    ]
    # the lines as a frame — WRITE BATCH takes its columns as they are, checks them column by
    # column and builds no article (a dict per line cost more than the check); the numbers as
    # int64 columns, which it takes as their Arrow arrays (no Python int per value), the rest as
    # object columns
    lines = pd.DataFrame(
        {
            item: values if isinstance(values, np.ndarray) else pd.Series(values, dtype=object)
            for item, values in zip(_ENTRY_ITEMS, columns, strict=True)
        }
    )
    ends = np.cumsum(sizes) + number
    journals = list(
        map(
            Journal,
            journal_nos,
            map(tuple, map(range, (ends - sizes).tolist(), ends.tolist())),
            postings.events,
            postings.source_rts,
            postings.source_ids,
        )
    )
    reply = session.write_batch(ENTRY, lines)
    if not reply.ok:
        refused, at = "", journals[0]
        if reply.position is not None:
            at = next(j for j in journals if j.numbers[-1] >= number + reply.position)
            refused = f" (line {number + reply.position - at.numbers[0] + 1})"
        hint = " (is the chart of accounts installed? install_chart)" if reply.rc == RC.NOT_FOUND else ""
        raise Refused.of(reply, f"cannot write journal {at.journal_no}{refused}{hint}")
    # Later searches of this unit start here; only a committed unit keeps it (see in_window).
    _LAST_SEEN[session] = number + count - 1
    return journals


def write_journals(session: Session, drafts: Sequence[Draft], *, writing_date: dt.date | None = None) -> list[Journal]:
    """Write balanced journals with the next entry and journal numbers, in order, in **one**
    WRITE BATCH (:func:`write_postings`).

    Runs inside an accounting window (``Entry`` held in mode 2, a unit open): the caller
    commits. Raises :class:`Refused` with the interface's code when a journal is unbalanced or a
    line refused (naming the journal and its line), before or instead of writing anything.
    """
    postings = Postings()
    for draft in drafts:
        problem = unbalanced(draft.lines)
        if problem is not None:
            raise Refused(RC.VALUE_INVALID, f"unbalanced journal: {problem}")
        postings.add_lines(draft)
    return write_postings(session, postings, writing_date=writing_date)


def write_journal(
    session: Session,
    lines: Sequence[Line],
    *,
    booking_date: dt.date | None,
    writing_date: dt.date | None = None,
    source_rt: str | None = None,
    source_id: str | None = None,
    event: str | None = None,
) -> Journal:
    """Write one balanced journal with the next entry numbers (:func:`write_journals` of one)."""
    draft = Draft(lines, booking_date, source_rt, source_id, event)
    return write_journals(session, [draft], writing_date=writing_date)[0]


def _merged(openings: Sequence[Opening]) -> list[tuple[str, int]]:
    modes: dict[str, int] = {}
    for o in openings:
        name, mode = (o, int(Mode.CONSULT)) if isinstance(o, str) else (o[0], int(o[1]))
        modes[name] = max(modes.get(name, 0), mode)
    return list(modes.items())


def in_window(
    session: Session,
    openings: Sequence[Opening],
    work: Callable[[], Sequence[Journal]],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    done: str = "accounted",
) -> Accounted:
    """Run ``work`` in an accounting window: open ``Entry`` (2), ``Account`` (1) and ``openings``
    with back-off, BEGIN, work, COMMIT, close. Everything or nothing is written (a unit of work).

    ``work`` raises :class:`Refused` to abandon the unit; its code is answered. OPEN DB and BEGIN
    are refused inside a unit (700): call this outside one.
    """
    wanted = _merged([*openings, (ENTRY, Mode.MODIFY_SHARED), (ACCOUNT, Mode.CONSULT)])
    with window(session, wanted, timeout=timeout) as reply:
        if not reply.ok:
            return Accounted(reply.rc, f"cannot start accounting ({', '.join(n for n, _ in wanted)}): {reply.message}")
        hint = _LAST_SEEN.get(session)
        try:
            journals = tuple(work())
        except Refused as refused:
            _forget(session, hint)
            return Accounted(refused.rc, refused.message)
        except BaseException:
            _forget(session, hint)
            raise
        committed = session.commit()
        if not committed.ok:
            _forget(session, hint)
            return Accounted(committed.rc, f"nothing written: {committed.message}")
    entries = sum(len(j.numbers) for j in journals)
    return Accounted(RC.OK, f"{done}: {len(journals)} journal(s), {entries} entr(ies)", journals)


@contextmanager
def window(session: Session, openings: Sequence[Opening], *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Reply]:
    """Open ``openings`` with back-off, then BEGIN; yields the reply of OPEN DB or of BEGIN.

    The caller commits (or not: a unit still open when the block ends is rolled back); the
    record types this window opened are closed afterwards.
    """
    with opened(session, openings, timeout=timeout) as reply:
        if not reply.ok:
            yield reply
            return
        begun = session.begin()
        try:
            yield begun
        finally:
            if begun.ok:
                session.rollback()  # 800 once committed: the unit is over, nothing to undo


def _forget(session: Session, hint: int | None) -> None:
    """Numbers of a unit that did not commit were never written: go back to the old hint."""
    if hint is None:
        _LAST_SEEN.pop(session, None)
    else:
        _LAST_SEEN[session] = hint


# -- explicit entries (thesis II.3: those that cannot be derived from transactions) ----------------
def post_journal(
    session: Session,
    lines: Sequence[Line],
    *,
    booking_date: dt.date,
    writing_date: dt.date | None = None,
    source_rt: str | None = None,
    source_id: str | None = None,
    event: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """CREATE ENTRY (thesis V.4.1) for one balanced journal written by hand, in its own window."""
    return in_window(
        session,
        [],
        lambda: [
            write_journal(
                session,
                lines,
                booking_date=booking_date,
                writing_date=writing_date,
                source_rt=source_rt,
                source_id=source_id,
                event=event,
            )
        ],
        timeout=timeout,
        done="posted",
    )


def post_expense(
    session: Session,
    amount: Decimal,
    *,
    account: str | int = "general_costs",
    booking_date: dt.date,
    credit: str | int = "expenses_payable",
    cost_category: str | None = None,
    cost_key: str | None = None,
    department: str | None = None,
    employee: str | None = None,
    document_ref: str | None = None,
    text: str | None = None,
    source_rt: str | None = None,
    source_id: str | None = None,
    writing_date: dt.date | None = None,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Accounted:
    """An expense on a cost account (thesis II.5, IV.5.1): debit the cost, credit what is owed.

    ``account`` and ``credit`` are chart roles or account numbers. The cost category defaults to
    the cost account's (thesis II.5: acquisition, claims, general, investment); an allocated claims
    expense names its loss with ``source_rt="Loss", source_id=code`` (thesis III.1.3).
    """
    chart = chart or load_chart()
    debit_no = account if isinstance(account, int) else chart.number(account)
    credit_no = credit if isinstance(credit, int) else chart.number(credit)
    known = chart.by_number.get(debit_no)
    category = cost_category or (known.category if known else None)
    analysis: Mapping[str, str | None] = {
        "document_ref": document_ref,
        "cost_key": cost_key,
        "department": department,
        "employee": employee,
        "cost_category": category,
    }
    lines = lines_for(amount, debit_no, credit_no, text or (known.name if known else "Expense"), **analysis)
    return post_journal(
        session,
        lines,
        booking_date=booking_date,
        writing_date=writing_date,
        source_rt=source_rt,
        source_id=source_id,
        event="expense",
        timeout=timeout,
    )


# -- constraint 15 -----------------------------------------------------------------------------
#: Entries read per READ SELECTION when the whole journal is read.
BATCH = 10_000


def read_journal(session: Session, *, batch: int = BATCH) -> Reply:
    """Every entry, in number order, as one READ SELECTION frame (read in batches of numbers;
    ``Entry`` must be open). Answers the first refusal instead."""
    try:
        last = last_entry(session)
    except Refused as refused:
        return Reply(refused.rc, None, refused.message)
    top = 0 if last is None else int(last["number"])
    frames = []
    low = 1
    while True:
        reply = session.read_selection(ENTRY, {"number": (low, low + batch - 1)})
        if not reply.ok or reply.batch is None:
            return reply
        frames.append(reply.batch)
        low += batch
        if low > top:
            break
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return Reply(RC.OK, None, f"{len(frame)} entr(ies)", None, frame)


def journal_problems(session: Session) -> list[str]:
    """What breaks thesis IV.6 constraint 15 or the balance of a journal: gaps or numbers not
    from 1, journals whose debit differs from credit or whose entries are not consecutive.
    Empty when the journal is sound. ``Entry`` is opened in mode 1 while it is read."""
    with opened(session, [(ENTRY, Mode.CONSULT)]) as reply:
        if not reply.ok:
            return [f"cannot open {ENTRY}: {reply.message}"]
        read = read_journal(session)
    if not read.ok or read.batch is None:
        return [f"cannot read the journal: {read.message}"]
    frame = read.batch
    problems = []
    numbers = [int(n) for n in frame["number"]]
    if numbers != list(range(1, len(numbers) + 1)):
        missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
        problems.append(f"entry numbers are not consecutive from 1: missing {missing[:10]}")
    for journal_no, lines in frame.groupby("journal_no", sort=True):
        debit = sum((a for a, s in zip(lines["amount"], lines["side"], strict=True) if s == DEBIT), Decimal(0))
        credit = sum((a for a, s in zip(lines["amount"], lines["side"], strict=True) if s == CREDIT), Decimal(0))
        if debit != credit:
            problems.append(f"journal {journal_no}: debit {debit} differs from credit {credit}")
        held = sorted(int(n) for n in lines["number"])
        if held != list(range(held[0], held[0] + len(held))):
            problems.append(f"journal {journal_no}: entries {held} are not consecutive")
    return problems
