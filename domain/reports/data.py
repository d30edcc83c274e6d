"""The company's data for the results analysis, read through the interface (thesis II.3:
"au départ du livre journal, des comptes et de l'état des données de production").

``load_company(session)`` opens the record types in mode 1 (consult: compatible with the
sessions that modify them), reads each with one READ SELECTION and derives, once, what every
report needs:

* ``pra`` — one row per contract (previous terms left out: never accounted, thesis V.3.1), with
  its kind (policy, renewal, endorsement), the start of its term (the policy year: a renewal's
  own start, an endorsement's policy or renewal start), its class, branch and agent — an
  endorsement or renewal without its own Handling / Intermediation takes its policy's;
* ``losses`` — one row per loss with its contract's class, branch, agent and term start;
* ``lines`` — one row per journal line of the accounts of ``LINE_TYPES`` with its account type,
  cost category, signed amount (in cents, debit +, credit −) and the attributes of the contract
  or loss it comes from; a line of no contract (an expense) gets its class from the cost
  allocation key and its branch from the responsible department (thesis IV.5.1).

The branch of a cell is the ECS its level-1 ancestor belongs to (Decomposition, Organisation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pandas as pd

from assurdb.domain.accounting.account import LOSS, PRA, returned_premium
from assurdb.domain.accounting.chart import Chart, load_chart
from assurdb.domain.accounting.journal import ENTRY
from assurdb.domain.openings import DEFAULT_TIMEOUT, opened
from assurdb.domain.reports.period import ReportError
from assurdb.metadb.contract import Mode, Session
from assurdb.metadb.progress import Progress, tracked

#: Record types a report reads, all in mode 1.
READ = (PRA, LOSS, ENTRY, "Account", "OrgCell", "ECS", "Intermediary")
#: The account types whose journal lines the reports use: commissions, claims paid, claims
#: provisions and costs. Premiums come from the contracts (earned pro rata temporis, thesis III.1);
#: the other lines (premiums receivable, off-balance commitments, cessions, bank) are in no
#: figure, and were nine lines in ten of the demo company's journal: they are left out once read.
LINE_TYPES = ("commission", "claims", "reserve", "cost")
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
        frames[ENTRY] = _select(session, ENTRY)  # one READ SELECTION: its batches cost a call each
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


# -- columns -------------------------------------------------------------------------------------
# The frames are derived column by column (a Python loop per row took seconds for the demo
# company's 45 898 journal lines); each helper answers an ``object`` Series of the values the
# per-row functions above give.
def _texts(column: pd.Series[Any]) -> pd.Series[Any]:
    """``text(v) or None`` of each value: str, or None for a null or an empty text."""
    missing = column.isna().to_numpy(dtype=bool)
    values = column.astype("object").where(~missing, None)
    return values.where(~(missing | (values.to_numpy() == "")), None)


def _either(first: pd.Series[Any], second: pd.Series[Any]) -> pd.Series[Any]:
    """``first or second``, value by value (None where both are none)."""
    return first.where(first.notna(), second)


def _named(column: pd.Series[Any]) -> pd.Series[Any]:
    """None → ``(none)``."""
    return column.where(column.notna(), NONE).astype("object")


def _dates(column: pd.Series[Any]) -> pd.Series[Any]:
    """A date column as ``datetime64[s]`` (NaT for none)."""
    return pd.to_datetime(column).astype("datetime64[s]")


def cents(values: Any) -> np.ndarray[Any, Any]:
    """Decimal amounts (None: 0) as integer cents, exactly: the schema keeps money to the cent and a
    journal line is in cents by construction; an amount with finer decimals is refused here."""
    out = np.zeros(len(values), dtype=np.int64)
    for n, value in enumerate(values):
        if isinstance(value, Decimal) and value:
            scaled = value.scaleb(2)
            if scaled != scaled.to_integral_value():
                raise ReportError(f"amount {value} is not in cents")
            out[n] = int(scaled)
    return out


def decimals(amounts: Any) -> list[Decimal]:
    """Integer cents as ``Decimal`` amounts (two places)."""
    return [Decimal(int(c)).scaleb(-2) for c in amounts]


def policy_years(term_start: pd.Series[Any]) -> pd.Series[Any]:
    """The policy year of each term start (thesis III.1.5 "année police": the year the contract's
    term started), ``(none)`` for none."""
    years: pd.Series[Any] = term_start.dt.year.astype("Int64").astype("object")
    return years.map(lambda y: NONE if y is pd.NA else str(y))


def build_company(frames: Mapping[str, pd.DataFrame], chart: Chart) -> Company:
    """Derive the report frames from the record types read (pure: no session)."""
    branches = cell_branches(frames["OrgCell"])
    ecs_codes = {str(c) for c in frames["ECS"]["code"]}
    agents = {
        str(c): str(n) for c, n in zip(frames["Intermediary"]["code"], frames["Intermediary"]["name"], strict=True)
    }

    # -- contracts: a renewal's or endorsement's handling cell and agent default to its policy's,
    # its term starts at its renewal's (or policy's) cover start; previous terms left out
    raw = frames[PRA].reset_index(drop=True)
    policy_no = raw["policy_no"].astype("object").map(str)
    renewal_no = raw["renewal_no"].astype("int64")
    endorsement_no = raw["endorsement_no"].astype("int64")
    handling, agent_code = _texts(raw["handling_code"]), _texts(raw["intermediation_code"])
    policies = (renewal_no == 0) & (endorsement_no == 0)
    policy_handling = dict(zip(policy_no[policies], handling[policies], strict=True))
    policy_agent = dict(zip(policy_no[policies], agent_code[policies], strict=True))
    cover_start = _dates(raw["cover_start"])
    term_of = dict(zip(zip(policy_no[endorsement_no == 0], renewal_no[endorsement_no == 0], strict=True),
                       cover_start[endorsement_no == 0], strict=True))  # fmt: skip
    pairs = list(zip(policy_no, renewal_no, strict=True))
    term_start = pd.Series(
        [term_of.get(pair, own) for pair, own in zip(pairs, cover_start, strict=True)], dtype="datetime64[s]"
    )
    cell = _either(handling, policy_no.map(policy_handling).astype("object"))
    cell = cell.where(cell.notna(), None)
    kind = np.where(endorsement_no != 0, "endorsement", np.where(renewal_no != 0, "renewal", "policy"))
    premium = raw["premium"].map(money).astype("object")
    ident = policy_no + "/" + renewal_no.map(str) + "/" + endorsement_no.map(str)
    cancellation = _dates(raw["cancellation_date"])
    cover_end = _dates(raw["cover_end"])
    returned = np.zeros(len(raw), dtype=np.int64)
    for n in np.flatnonzero(cancellation.notna().to_numpy()):
        back = returned_premium(premium[n], day(cover_start[n]), day(cover_end[n]), day(cancellation[n]))  # type: ignore[arg-type]
        returned[n] = int(back.scaleb(2))
    every = pd.DataFrame(
        {
            "pra": ident.astype("object"),
            "policy_no": policy_no,
            "kind": kind.astype("object"),
            "class_of_business": _named(_texts(raw["class_of_business"])),
            "branch": cell.map(lambda c: branches.get(c, NONE) if c else NONE).astype("object"),
            "agent": _named(_either(agent_code, policy_no.map(policy_agent).astype("object"))),
            "territory": _named(_texts(raw["territory"])),
            "term_start": term_start,
            "cover_start": cover_start,
            "cover_end": cover_end,
            "cancellation_date": cancellation,
            "premium": premium,
            "premium_cents": cents(premium),
            "returned_cents": returned,
            "commission_rate": raw["commission_rate"].astype("object"),
        },
        columns=_PRA_COLUMNS,
    )
    pra = every[~raw["previous_term"].fillna(False).astype(bool).to_numpy()].reset_index(drop=True)
    pra["policy_year"] = policy_years(pra["term_start"])
    attrs = pra.set_index("pra")

    # -- losses, with their contract's class, branch, agent and term
    raw_losses = frames[LOSS].reset_index(drop=True)
    bound_policy = _texts(raw_losses["accident_policy_no"])
    bound = (bound_policy.astype("object").map(str) + "/" + raw_losses["accident_renewal_no"].astype("object").map(str)
             + "/" + raw_losses["accident_endorsement_no"].astype("object").map(str))  # fmt: skip
    bound = bound.where(bound_policy.notna(), None)
    terms = attrs.reindex(bound.fillna(""))
    loss_date = _dates(raw_losses["loss_date"])
    losses = pd.DataFrame(
        {
            "loss": raw_losses["code"].astype("object").map(str),
            "pra": _named(bound),
            "class_of_business": _named(pd.Series(terms["class_of_business"].to_numpy(), dtype="object")),
            "branch": _named(pd.Series(terms["branch"].to_numpy(), dtype="object")),
            "agent": _named(pd.Series(terms["agent"].to_numpy(), dtype="object")),
            "term_start": pd.Series(terms["term_start"].to_numpy(), dtype="datetime64[s]"),
            "territory": _named(_texts(raw_losses["territory"])),
            "loss_date": loss_date,
            "notification_date": _either(_dates(raw_losses["notification_date"]), loss_date).astype("datetime64[s]"),
            "closing_date": _dates(raw_losses["closing_date"]),
            "cancellation_date": _dates(raw_losses["cancellation_date"]),
        },
        columns=_LOSS_COLUMNS,
    )
    losses["policy_year"] = policy_years(losses["term_start"])
    loss_attrs = losses.set_index("loss")

    # -- journal lines, with the attributes of the contract or loss they come from; a line of
    # no contract (an expense) takes its class from its cost key and its branch from its department
    account_types = {
        int(n): str(t) for n, t in zip(frames["Account"]["number"], frames["Account"]["type"], strict=True)
    }
    journal = frames[ENTRY]
    used = [n for n, t in account_types.items() if t in LINE_TYPES]
    raw_lines = journal[journal["accounting_number"].isin(used).to_numpy(dtype=bool)].reset_index(drop=True)
    account = raw_lines["accounting_number"].astype("int64")
    kinds = account.map(lambda n: account_types.get(n, NONE)).astype("object")
    default_category = {
        n: ((chart.by_number[n].category if n in chart.by_number else None) or "general")
        for n, t in account_types.items()
        if t == "cost"
    }
    category = _texts(raw_lines["cost_category"])
    category = _either(category, account.map(default_category).astype("object").where(kinds == "cost", None))
    category = category.where(category.notna(), None)
    rt, sid = _texts(raw_lines["source_rt"]), _texts(raw_lines["source_id"])
    from_loss = (rt == LOSS).to_numpy() & sid.isin(loss_attrs.index).to_numpy()
    loss_of = sid.where(from_loss, None)
    loss_rows = loss_attrs.reindex(loss_of.fillna(""))
    contract = pd.Series(None, index=raw_lines.index, dtype="object")
    contract = contract.where(~(rt == PRA).to_numpy(), sid)
    guaranty = ((rt == "Guaranty") & sid.notna()).to_numpy()
    contract = contract.where(~guaranty, sid.where(guaranty, "").str.rsplit("/", n=1).str[0])
    contract = contract.where(~from_loss, pd.Series(loss_rows["pra"].to_numpy(), dtype="object"))
    has = contract.isin(attrs.index).to_numpy()
    of = attrs.reindex(contract.where(has, "").fillna(""))
    department = _texts(raw_lines["department"])
    branch_of_department = department.map(lambda d: branches.get(d) or (d if d in ecs_codes else None) if d else None)
    amount = cents(raw_lines["amount"].to_numpy())
    signed = np.where(raw_lines["side"].astype("object").to_numpy() == "D", amount, -amount)
    lines = pd.DataFrame(
        {
            "number": raw_lines["number"].astype("int64"),
            "journal_no": raw_lines["journal_no"].astype("int64"),
            "booking_date": _either(_dates(raw_lines["booking_date"]), _dates(raw_lines["writing_date"])).astype(
                "datetime64[s]"
            ),
            "event": _named(_texts(raw_lines["event"])),
            "account": account,
            "account_type": kinds,
            "category": category.astype("object"),
            "cents": signed.astype(np.int64),
            "pra": contract.where(has, None).astype("object"),
            "loss": loss_of.astype("object"),
            "class_of_business": pd.Series(
                np.where(has, of["class_of_business"].to_numpy(), _named(_texts(raw_lines["cost_key"])).to_numpy()),
                dtype="object",
            ),
            "branch": pd.Series(
                np.where(has, of["branch"].to_numpy(), _named(branch_of_department).to_numpy()), dtype="object"
            ),
            "agent": pd.Series(np.where(has, of["agent"].to_numpy(), NONE), dtype="object"),
            "term_start": pd.Series(
                np.where(has, of["term_start"].to_numpy(), np.datetime64("NaT")), dtype="datetime64[s]"
            ),
            "loss_date": pd.Series(loss_rows["loss_date"].to_numpy(), dtype="datetime64[s]"),
            "territory": _named(pd.Series(loss_rows["territory"].to_numpy(), dtype="object")),
        },
        columns=_LINE_COLUMNS,
    )
    lines["policy_year"] = policy_years(lines["term_start"])
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
    "premium_cents",
    "returned_cents",
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
    "cents",
    "pra",
    "loss",
    "class_of_business",
    "branch",
    "agent",
    "term_start",
    "loss_date",
    "territory",
]
