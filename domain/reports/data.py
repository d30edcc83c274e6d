"""The company's data for the results analysis, read through the interface (thesis II.3:
"au départ du livre journal, des comptes et de l'état des données de production").

``load_company(session)`` opens the record types in mode 1 (consult: compatible with the
sessions that modify them), reads them with READ SELECTION (the journal in batches of
entry numbers) and derives, once, what every report needs:

* ``pra`` — one row per contract (previous terms left out: never accounted, thesis V.3.1), with
  its kind (policy, renewal, endorsement), the start of its term (the policy year: a renewal's
  own start, an endorsement's policy or renewal start), its class, branch and agent — an
  endorsement or renewal without its own Handling / Intermediation takes its policy's;
* ``losses`` — one row per loss with its contract's class, branch, agent and term start;
* ``lines`` — one row per journal line with its account type, cost category, signed amount
  (debit +, credit −) and the attributes of the contract or loss it comes from; a line of no
  contract (an expense) gets its class from the cost allocation key and its branch from the
  responsible department (thesis IV.5.1).

The branch of a cell is the ECS its level-1 ancestor belongs to (Decomposition, Organisation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import pandas as pd

from assurdb.domain.accounting.account import IDENTIFIERS, LOSS, PRA, source_id
from assurdb.domain.accounting.chart import Chart, load_chart
from assurdb.domain.accounting.journal import ENTRY, read_journal
from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.domain.reports.period import ReportError
from assurdb.metadb.contract import Mode, Session
from assurdb.metadb.progress import Progress, tracked

#: Record types a report reads, all in mode 1.
READ = (PRA, LOSS, ENTRY, "Account", "OrgCell", "ECS", "Intermediary")
#: What an absent class, branch, agent or territory is shown as.
NONE = "(none)"
ZERO = Decimal("0.00")


def day(value: Any) -> dt.date | None:
    """A frame's date (``datetime64[s]`` cell) as a ``date``; ``None`` for NaT / NA."""
    if value is None or value is pd.NaT or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise ReportError(f"not a date: {value!r}")


def text(value: Any) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else str(value)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as articles."""
    return cast("list[dict[str, Any]]", frame.to_dict("records"))


def money(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else ZERO


@dataclass(frozen=True)
class Company:
    """The frames of the results analysis (see the module's docstring)."""

    pra: pd.DataFrame
    losses: pd.DataFrame
    lines: pd.DataFrame
    agents: Mapping[str, str]
    branches: Mapping[str, str]


def _select(session: Session, rt: str) -> pd.DataFrame:
    reply = session.read_selection(rt, {})
    if not reply.ok or reply.batch is None:
        raise ReportError(f"cannot read {rt}: {reply.message} (code {int(reply.rc)})")
    return reply.batch


def load_company(
    session: Session,
    *,
    chart: Chart | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> Company:
    """Read the company through ``session`` (every record type of ``READ`` in mode 1); ``progress``
    hears of each record type read, then of the frames derived."""
    what = "reading the company"
    steps = len(READ) + 1
    with opened(session, [(rt, Mode.CONSULT) for rt in READ], timeout=timeout) as reply:
        if not reply.ok:
            raise ReportError(f"cannot open {', '.join(READ)}: {reply.message} (code {int(reply.rc)})")
        frames: dict[str, pd.DataFrame] = {}
        for rt in tracked([rt for rt in READ if rt != ENTRY], steps, what, progress):
            frames[rt] = _select(session, rt)
        journal = read_journal(session)
        if not journal.ok or journal.batch is None:
            raise ReportError(f"cannot read the journal: {journal.message} (code {int(journal.rc)})")
        frames[ENTRY] = journal.batch
    if progress is not None:
        progress(what, steps - 1, steps)
    company = build_company(frames, chart or load_chart())
    if progress is not None:
        progress(what, steps, steps)
    return company


def cell_branches(cells: pd.DataFrame) -> dict[str, str]:
    """Cell code → the ECS it belongs to (through its level-1 ancestor)."""
    parent = {str(c): text(p) for c, p in zip(cells["code"], cells["decomposition_code"], strict=True)}
    owner = {str(c): text(o) for c, o in zip(cells["code"], cells["organisation_code"], strict=True)}
    out: dict[str, str] = {}
    for cell in owner:
        seen: set[str] = set()
        at: str | None = cell
        while at is not None and at not in seen and owner.get(at) is None:
            seen.add(at)
            at = parent.get(at)
        found = owner.get(at) if at is not None else None
        if found:
            out[cell] = found
    return out


def _kind(renewal_no: int, endorsement_no: int) -> str:
    if endorsement_no:
        return "endorsement"
    return "renewal" if renewal_no else "policy"


def build_company(frames: Mapping[str, pd.DataFrame], chart: Chart) -> Company:
    """Derive the report frames from the record types read (pure: no session)."""
    branches = cell_branches(frames["OrgCell"])
    ecs_codes = {str(c) for c in frames["ECS"]["code"]}
    agents = {
        str(c): str(n) for c, n in zip(frames["Intermediary"]["code"], frames["Intermediary"]["name"], strict=True)
    }

    raw = frames[PRA]
    by_id = {tuple(r[i] for i in IDENTIFIERS[PRA]): r for r in records(raw)}
    rows = []
    for r in records(raw[~raw["previous_term"].fillna(False).astype(bool)]):
        policy = by_id.get((r["policy_no"], 0, 0), r)
        base = by_id.get((r["policy_no"], r["renewal_no"], 0), r)
        cell = text(r["handling_code"]) or text(policy["handling_code"])
        rows.append(
            {
                "pra": source_id(PRA, r),
                "policy_no": str(r["policy_no"]),
                "kind": _kind(int(r["renewal_no"]), int(r["endorsement_no"])),
                "class_of_business": text(r["class_of_business"]) or NONE,
                "branch": branches.get(cell, NONE) if cell else NONE,
                "agent": text(r["intermediation_code"]) or text(policy["intermediation_code"]) or NONE,
                "territory": text(r["territory"]) or NONE,
                "term_start": day(base["cover_start"]),
                "cover_start": day(r["cover_start"]),
                "cover_end": day(r["cover_end"]),
                "cancellation_date": day(r["cancellation_date"]),
                "premium": money(r["premium"]),
                "commission_rate": r["commission_rate"],
            }
        )
    pra = pd.DataFrame(rows, columns=_PRA_COLUMNS)
    attrs = {r["pra"]: r for r in rows}

    loss_rows = []
    for r in records(frames[LOSS]):
        bound = "/".join(str(r[f"accident_{i}"]) for i in IDENTIFIERS[PRA]) if text(r["accident_policy_no"]) else None
        terms = attrs.get(bound or "", {})
        loss_rows.append(
            {
                "loss": str(r["code"]),
                "pra": bound or NONE,
                "class_of_business": terms.get("class_of_business", NONE),
                "branch": terms.get("branch", NONE),
                "agent": terms.get("agent", NONE),
                "term_start": terms.get("term_start"),
                "territory": text(r["territory"]) or NONE,
                "loss_date": day(r["loss_date"]),
                "notification_date": day(r["notification_date"]) or day(r["loss_date"]),
                "closing_date": day(r["closing_date"]),
                "cancellation_date": day(r["cancellation_date"]),
            }
        )
    losses = pd.DataFrame(loss_rows, columns=_LOSS_COLUMNS)
    loss_attrs = {r["loss"]: r for r in loss_rows}

    account_types = {
        int(n): str(t) for n, t in zip(frames["Account"]["number"], frames["Account"]["type"], strict=True)
    }
    line_rows = []
    for e in records(frames[ENTRY]):
        account = int(e["accounting_number"])
        kind = account_types.get(account, NONE)
        category = text(e["cost_category"])
        if category is None and kind == "cost":
            known = chart.by_number.get(account)
            category = (known.category if known else None) or "general"
        rt, sid = text(e["source_rt"]), text(e["source_id"])
        loss_of = loss_attrs.get(sid or "") if rt == LOSS else None
        contract: str | None = None
        if rt == PRA:
            contract = sid
        elif rt == "Guaranty" and sid:
            contract = sid.rsplit("/", 1)[0]
        elif loss_of is not None:
            contract = loss_of["pra"]
        of = attrs.get(contract or "")
        department = text(e["department"])
        if of is not None:
            cls, branch, agent, term = of["class_of_business"], of["branch"], of["agent"], of["term_start"]
        else:
            cls = text(e["cost_key"]) or NONE
            branch = branches.get(department or "") or (department if department in ecs_codes else None) or NONE
            agent, term = NONE, None
        amount = money(e["amount"])
        line_rows.append(
            {
                "number": int(e["number"]),
                "journal_no": int(e["journal_no"]),
                "booking_date": day(e["booking_date"]) or day(e["writing_date"]),
                "event": text(e["event"]) or NONE,
                "account": account,
                "account_type": kind,
                "category": category,
                "signed": amount if e["side"] == "D" else -amount,
                "pra": contract if of is not None else None,
                "loss": loss_of["loss"] if loss_of is not None else None,
                "class_of_business": cls,
                "branch": branch,
                "agent": agent,
                "term_start": term,
                "loss_date": loss_of["loss_date"] if loss_of is not None else None,
                "territory": loss_of["territory"] if loss_of is not None else NONE,
            }
        )
    lines = pd.DataFrame(line_rows, columns=_LINE_COLUMNS)
    return Company(pra, losses, lines, agents, branches)


_PRA_COLUMNS = [
    "pra",
    "policy_no",
    "kind",
    "class_of_business",
    "branch",
    "agent",
    "territory",
    "term_start",
    "cover_start",
    "cover_end",
    "cancellation_date",
    "premium",
    "commission_rate",
]
_LOSS_COLUMNS = [
    "loss",
    "pra",
    "class_of_business",
    "branch",
    "agent",
    "term_start",
    "territory",
    "loss_date",
    "notification_date",
    "closing_date",
    "cancellation_date",
]
_LINE_COLUMNS = [
    "number",
    "journal_no",
    "booking_date",
    "event",
    "account",
    "account_type",
    "category",
    "signed",
    "pra",
    "loss",
    "class_of_business",
    "branch",
    "agent",
    "term_start",
    "loss_date",
    "territory",
]
