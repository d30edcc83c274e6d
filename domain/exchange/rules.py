"""The rules a file must follow before the leader's validation lets it go to the co-insurers.

:func:`check` returns **every** reason a file breaks a rule (an empty list: it may go on), so a
rejected file goes back to its sender with all of them at once. The rules:

* the exchange key has its check character, and the file's version is a number;
* the sender is an active participant; every participant a file names is registered, active and
  of the right kind (co-insurers CIE, agents AGT, the broker COU);
* a split: shares sum to exactly 100 %, each is positive, no co-insurer twice, the leader holds a
  share and no other share is larger; commission rates lie in 0 … 100 %;
* versions in order: a split of version 0 is a new split; version n > 0 follows the split's
  validated version n − 1 (an endorsement after its policy), with the same leader; any other
  flow needs the split validated up to its own version;
* a file with a total: the parts name exactly the split's co-insurers and each part is
  share × total to the cent, the leader taking the rounding remainder (:mod:`.amounts`);
* premium and claims payments come from the split's broker;
* commission differences: each line's rate is the co-insurer's rate in the split, and its difference
  the co-insurer's premium part × (rate − leader's rate), to the cent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assurdb.domain.exchange.amounts import HUNDRED, allocate, commission_difference
from assurdb.domain.exchange.flows import WITH_PARTS, Flow, SplitInfo, decimal_of, parse_json, split_from_file
from assurdb.domain.exchange.keys import key_problem, kind_of, participant_problem


@dataclass(frozen=True, slots=True)
class Standing:
    """A participant as the rules see it."""

    kind: str
    active: bool


@dataclass(frozen=True, slots=True)
class Checked:
    """What :func:`check` found: the reasons to reject, the split the file declares or belongs to,
    and the file's JSON content (None for a document)."""

    reasons: tuple[str, ...]
    split: SplitInfo | None
    data: dict[str, Any] | None
    total: Decimal | None = None
    parts: Mapping[str, Decimal] | None = None
    period: str | None = None


def check(
    *,
    sender: str,
    key: str,
    flow: str,
    version: int,
    content: bytes,
    participant: Callable[[str], Standing | None],
    stored_split: SplitInfo | None,
) -> Checked:
    """Every reason the file breaks a rule (see the module docstring)."""
    reasons: list[str] = []
    problem = key_problem(key)
    if problem:
        reasons.append(problem)
    _party(sender, None, "sender", participant, reasons)
    try:
        kind = Flow(flow)
    except ValueError:
        reasons.append(f"flow {flow!r} is none of {', '.join(f.value for f in Flow)}")
        return Checked(tuple(reasons), None, None)
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= 9999:
        reasons.append(f"version {version!r} is not a number 0 … 9999")
        return Checked(tuple(reasons), None, None)
    if kind is Flow.SPLIT:
        return _check_split(sender, key, version, content, participant, stored_split, reasons)
    if stored_split is None:
        reasons.append(f"no validated split for key {key}: the split list (flow split, version 0) comes first")
        return Checked(tuple(reasons), None, None)
    if version > stored_split.version:
        reasons.append(
            f"version {version} of key {key} comes before its split: the split is validated up to version "
            f"{stored_split.version} (send the split list of version {version} first)"
        )
    if sender not in stored_split.parties:
        reasons.append(f"the sender {sender} is no party of the split {key}")
    if kind in (Flow.PREMIUM_PAY, Flow.CLAIM_PAY) and sender != stored_split.broker:
        reasons.append(
            f"a {kind.value} comes from the split's broker ({stored_split.broker or 'none named'}), not from {sender}: "
            "the money passes between the broker and the co-insurers"
        )
    if kind is Flow.DOCUMENT:
        return Checked(tuple(reasons), stored_split, None)
    data = parse_json(content, reasons)
    if data is None:
        return Checked(tuple(reasons), stored_split, None)
    period = (
        _period(data, reasons) if kind in (Flow.PREMIUM, Flow.PREMIUM_PAY, Flow.CLAIM_PAY, Flow.COMMISSION) else None
    )
    if kind in (Flow.CLAIM_OPEN, Flow.CLAIM_EVAL, Flow.CLAIM_PAY) and not isinstance(data.get("claim_no"), str):
        reasons.append("claim_no: a claims file names its claim")
    if kind in WITH_PARTS:
        total, parts = _check_parts(data, stored_split, reasons)
        return Checked(tuple(reasons), stored_split, data, total, parts, period)
    _check_commission(data, stored_split, reasons)
    return Checked(tuple(reasons), stored_split, data, period=period)


def _party(
    code: Any, kind: str | None, what: str, participant: Callable[[str], Standing | None], reasons: list[str]
) -> None:
    if not isinstance(code, str):
        reasons.append(f"{what} {code!r} is not a participant identifier")
        return
    problem = participant_problem(code)
    if problem:
        reasons.append(f"{what}: {problem}")
        return
    standing = participant(code)
    if standing is None:
        reasons.append(f"{what} {code} is not a participant of the exchange")
    elif not standing.active:
        reasons.append(f"{what} {code} is not active")
    elif kind is not None and kind_of(code) != kind:
        reasons.append(f"{what} {code} is not of kind {kind}")


def _check_split(
    sender: str,
    key: str,
    version: int,
    content: bytes,
    participant: Callable[[str], Standing | None],
    stored: SplitInfo | None,
    reasons: list[str],
) -> Checked:
    data = parse_json(content, reasons)
    if data is None:
        return Checked(tuple(reasons), None, None)
    split = split_from_file(key, version, data, reasons)
    if split is None:
        return Checked(tuple(reasons), None, data)
    seen: set[str] = set()
    total = Decimal(0)
    for s in split.shares:
        _party(s.coinsurer, "CIE", f"co-insurer {s.coinsurer}", participant, reasons)
        if s.coinsurer in seen:
            reasons.append(f"co-insurer {s.coinsurer} holds two shares")
        seen.add(s.coinsurer)
        if s.share_pct <= 0:
            reasons.append(f"co-insurer {s.coinsurer}: share {s.share_pct} % is not positive")
        if not 0 <= s.commission_rate <= HUNDRED:
            reasons.append(f"co-insurer {s.coinsurer}: commission rate {s.commission_rate} % is not 0 … 100 %")
        if s.agent is not None:
            _party(s.agent, "AGT", f"agent of {s.coinsurer}", participant, reasons)
        total += s.share_pct
    if total != HUNDRED:
        reasons.append(f"shares sum to {total} %, not 100 %")
    _party(split.leader, "CIE", "leader", participant, reasons)
    lead = split.by_coinsurer.get(split.leader)
    if lead is None:
        reasons.append(f"the leader {split.leader} holds no share")
    else:
        larger = [s for s in split.shares if s.share_pct > lead.share_pct]
        if larger:
            top = max(larger, key=lambda s: s.share_pct)
            reasons.append(
                f"the leader {split.leader} holds {lead.share_pct} %, less than {top.coinsurer}'s {top.share_pct} %: "
                "the leader holds the largest share"
            )
    if split.broker is not None:
        _party(split.broker, "COU", "broker", participant, reasons)
    if sender not in (split.leader, split.broker):
        reasons.append(f"the sender {sender} is neither the split's broker nor its leader")
    if version == 0 and stored is not None:
        reasons.append(f"split {key} exists already (version {stored.version}): an endorsement has version ≥ 1")
    elif version > 0:
        if stored is None:
            reasons.append(f"version {version} of split {key} comes before its policy (version 0 is not validated)")
        elif version != stored.version + 1:
            reasons.append(
                f"version {version} of split {key} is out of order: the validated version is {stored.version}, "
                f"the next is {stored.version + 1}"
            )
        elif split.leader != stored.leader:
            reasons.append(
                f"the leader changes from {stored.leader} to {split.leader}: a new leader means a new split number"
            )
    return Checked(tuple(reasons), split, data)


def _period(data: Mapping[str, Any], reasons: list[str]) -> str | None:
    period = data.get("period")
    if isinstance(period, str) and re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        return period
    reasons.append(f"period {period!r} is not a month written YYYY-MM")
    return None


def _check_parts(
    data: Mapping[str, Any], split: SplitInfo, reasons: list[str]
) -> tuple[Decimal | None, dict[str, Decimal] | None]:
    total = decimal_of(data.get("total"), "total", reasons)
    raw = data.get("parts")
    if not isinstance(raw, dict):
        reasons.append("parts: the file gives each co-insurer's part of the total")
        return total, None
    parts: dict[str, Decimal] = {}
    for code, value in raw.items():
        amount = decimal_of(value, f"part of {code}", reasons)
        if amount is not None:
            parts[code] = amount
    missing = sorted(set(split.by_coinsurer) - set(raw))
    extra = sorted(set(raw) - set(split.by_coinsurer))
    if missing:
        reasons.append(f"parts: no part for co-insurer(s) {', '.join(missing)} of the split")
    if extra:
        reasons.append(f"parts: {', '.join(extra)} hold(s) no share of the split")
    if total is None or missing or extra or len(parts) != len(raw):
        return total, None
    if total != total.quantize(Decimal("0.01")):
        reasons.append(f"total {total} has more than 2 decimals")
        return total, None
    expected = allocate(total, {s.coinsurer: s.share_pct for s in split.shares}, split.leader)
    for code, want in expected.items():
        if parts[code] != want:
            who = "the leader, who takes the rounding remainder" if code == split.leader else "share × total"
            reasons.append(f"part of {code} is {parts[code]}, not {want} ({who})")
    return total, parts


def _check_commission(data: Mapping[str, Any], split: SplitInfo, reasons: list[str]) -> None:
    premium = decimal_of(data.get("premium"), "premium", reasons)
    lines = data.get("lines")
    if not isinstance(lines, list) or not lines:
        reasons.append("lines: commission differences need one line per co-insurer concerned")
        return
    if premium is None:
        return
    parts = allocate(premium, {s.coinsurer: s.share_pct for s in split.shares}, split.leader)
    for i, line in enumerate(lines, 1):
        code = line.get("coinsurer") if isinstance(line, dict) else None
        if not isinstance(code, str) or code not in split.by_coinsurer:
            reasons.append(f"line {i}: {code!r} holds no share of the split")
            continue
        rate = decimal_of(line.get("rate"), f"line {i} ({code}) rate", reasons)
        difference = decimal_of(line.get("difference"), f"line {i} ({code}) difference", reasons)
        if rate is None or difference is None:
            continue
        agreed = split.by_coinsurer[code].commission_rate
        if rate != agreed:
            reasons.append(f"line {i}: {code}'s rate is {agreed} % in the split, not {rate} %")
            continue
        want = commission_difference(parts[code], rate, split.commission_rate)
        if difference != want:
            reasons.append(
                f"line {i}: {code}'s difference is {want} ({parts[code]} × ({rate} − {split.commission_rate}) %), "
                f"not {difference}"
            )
