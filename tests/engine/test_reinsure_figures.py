"""``reinsure`` on a synthetic company stored in SQLite, in the variants its computation branches on,
gives the figures recorded in ``tests/data/reinsure_figures.json``.

The variants edit what READ SELECTION hands the engine (a session standing in front of the real
one): losses grouped in events and excess layers low enough to work (per-event recoveries,
reinstatement premiums, an annual aggregate deductible); layers attaching risks (LORA) and a stop
loss in amounts; losses that damaged no guaranty (spread by sums insured), damages without an
amount (equal weights) and losses without history. For each program year and date, each result
frame is recorded by its number of rows, a digest of its rows (every figure to the cent, rates to
four decimals) and its totals per treaty or reinsurer.

The figures were recorded by the engine that computed on pandas joins and groups of the stored
frames, before it computed on coded keys and arrays: any change of a figure, on any path, fails
here. To record them again after an intended change: ``python -m tests.engine.test_reinsure_figures``
(then read the diff of the JSON file before committing it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

FIGURES = Path(__file__).resolve().parents[1] / "data" / "reinsure_figures.json"
SEED, INSURED = 5, 150
RECOVERED = ["ceded_paid", "ceded_outstanding", "reinstatement_premium"]
LOW = {"XL-CAT": {"priority": Decimal(4_000), "limit": Decimal(12_000), "aad": Decimal(3_000)},
       "XL-RISK": {"priority": Decimal(2_500), "limit": Decimal(10_000)}}  # fmt: skip
RUNS = ((2021, None), (2023, None), (2024, None), (2024, "2024-06-30"), (2022, "2024-03-31"))


def _events(rt: str, frame: pd.DataFrame) -> pd.DataFrame:
    if rt == "Loss":  # two losses in three belong to one of 17 events
        events = [f"E{(i // 3) % 17}" if i % 3 != 1 else None for i in range(len(frame))]
        frame["event_id"] = pd.Series(events, index=frame.index, dtype=frame["event_id"].dtype)
    if rt == "Treaty":
        frame["layer"] = [_lowered(code, layer) for code, layer in zip(frame["code"], frame["layer"], strict=True)]
    return frame


def _lowered(code: str, layer: Any) -> Any:
    """The layer of an excess treaty low enough for the synthetic losses to reach it."""
    terms = next((v for prefix, v in LOW.items() if code.startswith(prefix)), None)
    return {**layer, **terms} if terms is not None and isinstance(layer, dict) else layer


def _attaching_risks(rt: str, frame: pd.DataFrame) -> pd.DataFrame:
    if rt == "Treaty":  # the excess layers attach risks; the stop loss is in amounts
        attachment = ["LORA" if c.startswith(("XL-RISK", "XL-CAT")) else a
                      for c, a in zip(frame["code"], frame["attachment"], strict=True)]  # fmt: skip
        frame["attachment"] = pd.Series(attachment, index=frame.index, dtype=frame["attachment"].dtype)
        amounts = {"terms": "amount", "priority": Decimal(40_000), "limit": Decimal(100_000)}
        frame["layer"] = [
            {**layer, **amounts} if code.startswith("SL-") and isinstance(layer, dict) else _lowered(code, layer)
            for code, layer in zip(frame["code"], frame["layer"], strict=True)
        ]
    return frame


def _weights(rt: str, frame: pd.DataFrame) -> pd.DataFrame:
    if rt == "Guaranty":  # a damage in four forgotten, one in four without its amount
        damaged = np.flatnonzero(frame["damage_code"].notna().to_numpy())
        codes, amounts = frame["damage_code"].copy(), frame["damage_amount"].copy()
        codes.iloc[damaged[::4]] = None
        amounts.iloc[damaged[1::4]] = None
        frame["damage_code"], frame["damage_amount"] = codes, amounts
    if rt == "LossMovement":  # one loss in ten without history
        dropped = set(sorted(set(frame["loss_code"]))[::10])
        return frame[~frame["loss_code"].isin(dropped)].reset_index(drop=True)
    return frame


VARIANTS: dict[str, Callable[[str, pd.DataFrame], pd.DataFrame] | None] = {
    "as stored": None,
    "events and low layers": _events,
    "layers attaching risks, stop loss in amounts": _attaching_risks,
    "weights and losses without history": _weights,
}


class _Editing:
    """A session whose READ SELECTION replies carry frames edited by ``edit(rt, frame)``."""

    def __init__(self, session: Any, edit: Callable[[str, pd.DataFrame], pd.DataFrame]) -> None:
        self._session, self._edit = session, edit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def read_selection(self, rt: str, *args: Any, **kwargs: Any) -> Any:
        reply = self._session.read_selection(rt, *args, **kwargs)
        return reply if reply.batch is None else dataclasses.replace(reply, batch=self._edit(rt, reply.batch))


def _digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame's rows as CSV, every float to 6 decimals (−0 written as 0)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == np.float64:
            frame[column] = frame[column].round(6) + 0.0
    text = frame.to_csv(index=False, float_format="%.6f", date_format="%Y-%m-%d")
    return hashlib.sha256(text.encode()).hexdigest()


def _totals(frame: pd.DataFrame, by: str, columns: list[str]) -> dict[str, list[float]]:
    sums = frame.groupby(by, sort=True)[columns].sum().round(2) + 0.0
    return {str(k): [float(v) for v in row] for k, row in zip(sums.index, sums.to_numpy(), strict=True)}


def figures(session: Any) -> dict[str, Any]:
    """The recorded figures of every variant, year and date on the company behind ``session``."""
    from assurdb.engine.reinsure import reinsure
    from assurdb.engine.stored import StoredBusiness

    found: dict[str, Any] = {}
    for variant, edit in VARIANTS.items():
        for year, as_of in RUNS:
            result = reinsure(StoredBusiness(session if edit is None else _Editing(session, edit)), year, as_of=as_of)
            frames = {"cessions": result.cessions, "recoveries": result.recoveries, "accounts": result.accounts,
                      "shares": result.shares}  # fmt: skip
            found[f"{variant} / {year} / {as_of or 'last movement'}"] = {
                "as_of": str(result.as_of.date()),
                "without_history": result.without_history,
                "rows": {name: len(frame) for name, frame in frames.items()},
                "digests": {name: _digest(frame) for name, frame in frames.items()},
                "ceded premium, commission": _totals(result.cessions, "treaty_code", ["ceded_premium", "commission"]),
                "recovered": _totals(result.recoveries, "treaty_code", RECOVERED),
                "balance, outstanding": _totals(result.accounts, "treaty_code", ["balance", "outstanding"]),
                "reinsurers' balance": _totals(result.shares, "reinsurer_code", ["balance"]),
            }
    return found


@pytest.fixture
def company(admin: Any) -> Iterator[Any]:
    from assurdb.domain.synthetic import load_synthetic_company

    load_synthetic_company(admin, seed=SEED, insured=INSURED)
    yield admin


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_figures_are_those_recorded(company: Any) -> None:
    recorded = json.loads(FIGURES.read_text(encoding="utf-8"))
    found = figures(company)
    assert list(found) == list(recorded)
    for run, expected in recorded.items():
        assert found[run] == expected, run
    # the variants reach what they are for: reinstatement premiums, losses without history
    recovered = {run: r["recovered"] for run, r in found.items()}
    assert any(v[2] > 0 for run, r in recovered.items() if run.startswith("events") for t, v in r.items() if "CAT" in t)
    assert any(t.startswith("SL-") for run, r in recovered.items() if run.startswith("layers") for t in r)
    assert all(r["without_history"] > 0 for k, r in found.items() if k.startswith("weights"))


def _record() -> None:  # pragma: no cover - run by hand (module docstring)
    import tempfile

    import assurdb
    from assurdb.domain.synthetic import load_synthetic_company

    with tempfile.TemporaryDirectory() as folder:
        db = assurdb.create(f"sqlite:///{folder}/company.db", admin_password="recording-secret")
        try:
            session = db.login("admin", "recording-secret")
            load_synthetic_company(session, seed=SEED, insured=INSURED)
            FIGURES.write_text(json.dumps(figures(session), indent=1, sort_keys=False) + "\n", encoding="utf-8")
            session.close()
        finally:
            db.close()


if __name__ == "__main__":  # pragma: no cover
    _record()
