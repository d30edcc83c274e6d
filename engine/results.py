"""Results of a reinsurance structure: retention result, reinsurer result, loss ratios.

The study, ch.2 §3.4.1: ``Résultat_net = Primes brutes − Sinistres bruts + R_réassurance`` with
``R_réassurance = Sinistres cédés − Primes cédées + Commissions``. The reinsurer's result is the
other side: ``Primes cédées − Sinistres cédés − Commissions``; the two add up to the gross result.
Claims are incurred (paid + outstanding); ceded premiums include non-proportional premiums and
reinstatement premiums; commissions include profit commissions.

Decision (the study silent on the net loss ratio of Tableau 24): the net loss ratio is net claims over
net premiums, ``(gross claims − ceded claims) / (gross premiums − ceded premiums)``; commissions are
expenses and stay out of loss ratios. A loss ratio on no premium is NaN, not an error.
"""

from __future__ import annotations

from typing import TypeVar, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from assurdb.engine.errors import EngineError

FloatArray = npt.NDArray[np.float64]

Amount = TypeVar("Amount", float, FloatArray, pd.Series)

RESULT_INPUTS = ("gross_premium", "gross_claims", "ceded_premium", "ceded_claims", "commission")


def retention_result(
    gross_premiums: Amount, gross_claims: Amount, ceded_claims: Amount, ceded_premiums: Amount, commissions: Amount
) -> Amount:
    """``gross premiums − gross claims + (ceded claims − ceded premiums + commissions)``."""
    return gross_premiums - gross_claims + (ceded_claims - ceded_premiums + commissions)


def reinsurer_result(ceded_premiums: Amount, ceded_claims: Amount, commissions: Amount) -> Amount:
    """``ceded premiums − ceded claims − commissions``: what the reinsurers make on the cession."""
    return ceded_premiums - ceded_claims - commissions


@overload
def loss_ratio(claims: float, premiums: float) -> float: ...
@overload
def loss_ratio(claims: pd.Series, premiums: pd.Series | float) -> pd.Series: ...
@overload
def loss_ratio(claims: FloatArray, premiums: FloatArray | float) -> FloatArray: ...
def loss_ratio(
    claims: float | FloatArray | pd.Series, premiums: float | FloatArray | pd.Series
) -> float | FloatArray | pd.Series:
    """Claims / premiums (S/P); NaN where premiums are not positive."""
    c = np.asarray(claims, dtype=np.float64)
    p = np.asarray(premiums, dtype=np.float64)
    out = np.divide(c, p, out=np.full(np.broadcast(c, p).shape, np.nan), where=p > 0)
    if isinstance(claims, pd.Series):
        return pd.Series(out, index=claims.index)
    if isinstance(premiums, pd.Series):
        return pd.Series(out, index=premiums.index)
    if out.ndim == 0:
        return float(out)
    return np.asarray(out, dtype=np.float64)


def results_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Add results to a frame of ``gross_premium, gross_claims, ceded_premium, ceded_claims, commission``.

    One row per treaty year (or per scenario, per treaty…): the index is kept. Added columns:
    ``net_premium``, ``net_claims``, ``retention_result``, ``reinsurer_result``,
    ``gross_result``, ``gross_loss_ratio``, ``net_loss_ratio``, ``ceded_loss_ratio``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise EngineError(f"results_table needs a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in RESULT_INPUTS if c not in frame.columns]
    if missing:
        raise EngineError(f"results_table: missing column(s) {', '.join(map(repr, missing))}")
    values = {c: frame[c].astype(np.float64) for c in RESULT_INPUTS}
    for name, series in values.items():
        if series.isna().any():
            raise EngineError(f"results_table: column {name!r} has a missing value")
    gp, gc, cp, cc, com = (values[c] for c in RESULT_INPUTS)
    return frame.assign(
        net_premium=gp - cp,
        net_claims=gc - cc,
        gross_result=gp - gc,
        retention_result=retention_result(gp, gc, cc, cp, com),
        reinsurer_result=reinsurer_result(cp, cc, com),
        gross_loss_ratio=loss_ratio(gc, gp),
        net_loss_ratio=loss_ratio(gc - cc, gp - cp),
        ceded_loss_ratio=loss_ratio(cc, cp),
    )
