"""The scenario kernel: every scenario of a grid in one array computation (the study, ch. 2 §3.3–3.4).

Pure functions over numpy arrays with a leading scenario axis ``S``; no Python loop runs per
scenario. For a chunk of scenarios:

1. cession rates of the proportional treaty (one formula for surplus and quota share,
   :func:`cession_rates`) and facultative rates of what exceeds the surplus's underwriting limit
   (:func:`facultative_rates`), as 2-D arrays scenarios × risks;
2. ceded premiums by underwriting year and the premium-volume fields: ``rates @ columns`` over the
   policies. Summed in closed form over the policies sorted by sum insured (:func:`ceded_sums`,
   prefix sums: ``O(S log N)``, the same numbers as the dense product, which the tests check) — for
   the premiums of 25 307 policies the ``S × N`` array would cost more than everything else;
3. per claim, the cession rates ``S × claims`` of its policy and the retained charge; per event (or
   per claim) the excess of loss on it, shared back among the event's claims pro rata;
4. net incremental triangles ``S × origins × developments`` (net share of each claim × its payments
   per cell), cumulated, into :func:`engine.reserving.chain_ladder` as one 3-D array → Best
   Estimates → :func:`engine.solvency.premium_reserve_scr_array` (the study, annexes 01–08).

The surplus rate ``min(max(0, 1 − R/TSI), m·R/TSI)`` (the study, ch. 2 §3.3) is written
here again with a scenario axis (``engine.treaties.kernels.surplus_rate`` takes scalar parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assurdb.engine.reserving import chain_ladder
from assurdb.engine.solvency import SIGMA_PREMIUM, SIGMA_RESERVE, premium_reserve_scr_array

if TYPE_CHECKING:
    import numpy.typing as npt

    from assurdb.engine.optimise.data import ScenarioData

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]
    IntArray = npt.NDArray[np.int64]

__all__ = [
    "KernelResult",
    "Prepared",
    "TreatyArrays",
    "ceded_sums",
    "cession_rates",
    "evaluate",
    "event_layer",
    "facultative_rates",
    "facultative_sums",
    "prepare",
    "scr_from_volumes",
]

MAT = "marine_aviation_transport"


@dataclass(frozen=True)
class TreatyArrays:
    """Treaty parameters, one value per scenario (``S``).

    Proportional layer: cession rate ``clip(share − retention/TSI, 0, capacity/TSI)`` — a surplus is
    ``share = 1``, ``retention = R``, ``capacity = m·R``; a quota share ``share = q``, ``retention = 0``,
    ``capacity`` its per-risk limit (``inf``); no treaty ``share = 0``. ``top``: the underwriting limit
    ``(1+m)·R`` above which the rest of a risk is placed facultatively (``inf``: none).
    Excess of loss on the retention: ``xl_priority``, ``xl_limit`` (``xl_limit = 0``: none),
    ``xl_event`` (per event, else per claim), annual premium ``max(xl_minimum, xl_rate × retained
    premium) + xl_flat`` when ``xl_priced``, else the burning cost × (1 + loading).
    """

    share: FloatArray
    retention: FloatArray
    capacity: FloatArray
    top: FloatArray
    xl_priority: FloatArray
    xl_limit: FloatArray
    xl_event: BoolArray
    xl_priced: BoolArray
    xl_flat: FloatArray
    xl_rate: FloatArray
    xl_minimum: FloatArray

    @property
    def size(self) -> int:
        return int(self.share.size)

    def take(self, rows: slice | IntArray) -> TreatyArrays:
        return TreatyArrays(**{k: getattr(self, k)[rows] for k in self.__dataclass_fields__})

    @classmethod
    def none(cls, size: int = 1) -> TreatyArrays:
        """No reinsurance at all (the study, Tableau 22, "sans réassurance")."""
        zero, inf = np.zeros(size), np.full(size, np.inf)
        false = np.zeros(size, dtype=bool)
        return cls(zero, zero, zero, inf, inf, zero, false, false, zero, zero, zero)


@dataclass(frozen=True)
class KernelResult:
    """Per scenario (``S``), totals over the portfolio's underwriting years, and per year where named.

    ``ceded_premium_by_year``, ``ceded_claims_by_year``: ``S × years`` of the proportional treaty (for
    commissions settled by year); ``net_volume``: ``S × 3`` retained premium earned N, written N,
    written N−1; ``best_estimate``: net BE of claims provisions; ``triangles``: net cumulative paid
    triangles ``S × origins × developments`` when asked for.
    """

    ceded_premium_by_year: FloatArray
    ceded_claims_by_year: FloatArray
    facultative_premium: FloatArray
    facultative_claims: FloatArray
    xl_premium: FloatArray
    xl_claims: FloatArray
    net_volume: FloatArray
    best_estimate: FloatArray
    triangles: FloatArray | None


def cession_rates(
    inverse_tsi: FloatArray, share: FloatArray, retention: FloatArray, capacity: FloatArray
) -> FloatArray:
    """``clip(q − R/TSI, 0, cap/TSI)`` for every scenario × risk: ``S × N`` (see :class:`TreatyArrays`).

    Surplus (q = 1, cap = m·R): ``min(max(0, 1 − R/TSI), m·R/TSI)`` (the study, ch. 2 §3.3).
    """
    rate = share[:, None] - retention[:, None] * inverse_tsi[None, :]
    np.maximum(rate, 0.0, out=rate)
    np.minimum(rate, capacity[:, None] * inverse_tsi[None, :], out=rate)
    return rate


def facultative_rates(inverse_tsi: FloatArray, top: FloatArray) -> FloatArray:
    """``max(0, 1 − U/TSI)``: the part of each risk above the underwriting limit ``U = (1+m)·R``."""
    rate = 1.0 - top[:, None] * inverse_tsi[None, :]
    np.maximum(rate, 0.0, out=rate)
    return rate


def event_layer(
    retained: FloatArray, event_order: IntArray, event_starts: IntArray, priority: FloatArray, limit: FloatArray
) -> FloatArray:
    """Per claim, its share of ``limit xs priority`` applied to its event's retained total.

    ``retained``: ``S × C``; claims are gathered by ``event_order`` so each event is a contiguous run
    starting at ``event_starts``; the layer on each event total is shared among its claims pro rata
    to their retained amounts (as ``ExcessOfLoss(basis="event")`` allocates).
    """
    if retained.shape[1] == 0:
        return np.zeros_like(retained)
    by_event = retained[:, event_order]
    total = np.add.reduceat(by_event, event_starts, axis=1)
    ceded = np.minimum(np.maximum(total - priority[:, None], 0.0), limit[:, None])
    share = np.divide(ceded, total, out=np.zeros_like(total), where=total > 0.0)
    lengths = np.diff(np.append(event_starts, by_event.shape[1]))
    out = np.empty_like(retained)
    out[:, event_order] = by_event * np.repeat(share, lengths, axis=1)
    return out


@dataclass(frozen=True)
class Prepared:
    """What every chunk of scenarios reuses, computed once per portfolio (:func:`prepare`).

    ``columns``: per policy, its premium by underwriting year then the three premium-volume fields
    (``N × K``); ``sorted_tsi`` and the prefix sums ``sum_w`` (of ``columns``) and ``sum_w_over_t``
    (of ``columns / TSI``), ``(N+1) × K``, over the policies sorted by sum insured — from which
    :func:`ceded_sums` gives ``rates @ columns`` exactly without the ``S × N`` rates. Claims: the
    inverse sum insured of each claim's policy, its policy's underwriting year one-hot (``C × years``), the
    order that makes each event contiguous and the events' starts.
    """

    data: ScenarioData
    columns: FloatArray
    sorted_tsi: FloatArray
    sum_w: FloatArray
    sum_w_over_t: FloatArray
    claim_inverse_tsi: FloatArray
    claim_year_onehot: FloatArray
    event_order: IntArray
    event_starts: IntArray
    mask: BoolArray


def prepare(data: ScenarioData) -> Prepared:
    """Sort and cumulate the per-policy columns once (see :class:`Prepared`)."""
    n_years = data.years.size
    year_onehot = np.zeros((data.n_policies, n_years))
    year_onehot[np.arange(data.n_policies), data.policy_year] = 1.0
    columns = np.hstack([data.premium[:, None] * year_onehot, data.volume_premiums])
    order = np.argsort(data.tsi, kind="stable")
    tsi = data.tsi[order]
    weights = columns[order]
    zero = np.zeros((1, columns.shape[1]))
    sum_w = np.vstack([zero, np.cumsum(weights, axis=0)])
    sum_w_over_t = np.vstack([zero, np.cumsum(weights / tsi[:, None], axis=0)])
    claim_onehot = np.zeros((data.n_claims, n_years))
    claim_onehot[np.arange(data.n_claims), data.policy_year[data.claim_policy]] = 1.0
    event_order = np.argsort(data.claim_event, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(data.claim_event[event_order]) != 0]) if data.n_claims else event_order
    return Prepared(
        data=data,
        columns=columns,
        sorted_tsi=tsi,
        sum_w=sum_w,
        sum_w_over_t=sum_w_over_t,
        claim_inverse_tsi=1.0 / data.tsi[data.claim_policy],
        claim_year_onehot=claim_onehot,
        event_order=np.asarray(event_order, dtype=np.int64),
        event_starts=np.asarray(starts, dtype=np.int64),
        mask=data.observed_mask(),
    )


def _between(prefix: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """Σ of the sorted rows ``lo ≤ i < hi`` per scenario, from prefix sums: ``S × K``."""
    return np.asarray(prefix[hi] - prefix[lo], dtype=np.float64)


def ceded_sums(p: Prepared, share: FloatArray, retention: FloatArray, capacity: FloatArray) -> FloatArray:
    """``cession_rates(...) @ columns`` in closed form: ``S × K``, exact, ``O(S log N)``.

    The rate ``clip(q − R/t, 0, cap/t)`` is 0 for ``t < R/q``, ``q − R/t`` up to ``t = (R + cap)/q``
    and ``cap/t`` beyond; over the policies sorted by ``t`` each piece is a difference of prefix sums
    of ``w`` and ``w/t``.
    """
    t = p.sorted_tsi
    n = t.size
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # a tiny share: bounds at inf
        a = np.where(share > 0, retention / np.where(share > 0, share, 1.0), np.inf)
        b = np.where(share > 0, (retention + capacity) / np.where(share > 0, share, 1.0), np.inf)
    lo = np.searchsorted(t, a, side="left")
    hi = np.searchsorted(t, b, side="right")
    middle = share[:, None] * _between(p.sum_w, lo, hi) - retention[:, None] * _between(p.sum_w_over_t, lo, hi)
    tail = _between(p.sum_w_over_t, hi, np.full_like(hi, n))
    top = np.where(np.isfinite(capacity), capacity, 0.0)[:, None] * tail  # an unlimited capacity: no tail
    return np.asarray(middle + top, dtype=np.float64)


def facultative_sums(p: Prepared, top: FloatArray) -> FloatArray:
    """``facultative_rates(...) @ columns`` in closed form: Σ over ``t > U`` of ``w − U·w/t``."""
    n = p.sorted_tsi.size
    lo = np.searchsorted(p.sorted_tsi, top, side="right")
    end = np.full_like(lo, n)
    finite = np.isfinite(top)[:, None]
    above = _between(p.sum_w, lo, end) - np.where(finite, top[:, None], 0.0) * _between(p.sum_w_over_t, lo, end)
    return np.asarray(np.where(finite, np.maximum(above, 0.0), 0.0), dtype=np.float64)


def evaluate(
    p: Prepared,
    treaties: TreatyArrays,
    *,
    facultative: bool,
    xl_loading: float,
    discount_factors: FloatArray,
    keep_triangles: bool = False,
) -> KernelResult:
    """The scenarios of ``treaties`` on the prepared portfolio (one chunk; see the module notes)."""
    data = p.data
    n_years = data.years.size
    ceded_cols = ceded_sums(p, treaties.share, treaties.retention, treaties.capacity)
    fac_cols = facultative_sums(p, treaties.top) if facultative else np.zeros_like(ceded_cols)
    ceded_premium_by_year = ceded_cols[:, :n_years]
    net_volume = p.columns[:, n_years:].sum(axis=0)[None, :] - ceded_cols[:, n_years:] - fac_cols[:, n_years:]

    # Claims: the cession rates of each claim's policy, scenarios × claims.
    c_rate = cession_rates(p.claim_inverse_tsi, treaties.share, treaties.retention, treaties.capacity)
    c_fac = facultative_rates(p.claim_inverse_tsi, treaties.top) if facultative else np.zeros_like(c_rate)
    amount = data.claim_amount
    ceded_claims_by_year = (c_rate * amount[None, :]) @ p.claim_year_onehot
    facultative_claims = c_fac @ amount
    retained = (1.0 - c_rate - c_fac) * amount[None, :]

    # Excess of loss on the retention, per event or per claim.
    xl = np.zeros_like(retained)
    has_xl = treaties.xl_limit > 0.0
    if has_xl.any():
        per_event = has_xl & treaties.xl_event
        per_claim = has_xl & ~treaties.xl_event
        if per_event.any():
            xl[per_event] = event_layer(
                retained[per_event],
                p.event_order,
                p.event_starts,
                treaties.xl_priority[per_event],
                treaties.xl_limit[per_event],
            )
        if per_claim.any():
            prio, lim = treaties.xl_priority[per_claim, None], treaties.xl_limit[per_claim, None]
            xl[per_claim] = np.minimum(np.maximum(retained[per_claim] - prio, 0.0), lim)
    xl_claims = xl.sum(axis=1)
    gross_by_year = p.columns[:, :n_years].sum(axis=0)[None, :]
    retained_premium_by_year = gross_by_year - ceded_premium_by_year - fac_cols[:, :n_years]
    priced = np.maximum(treaties.xl_minimum[:, None], treaties.xl_rate[:, None] * retained_premium_by_year)
    priced = (priced + treaties.xl_flat[:, None]).sum(axis=1)
    xl_premium = np.where(treaties.xl_priced, priced, (1.0 + xl_loading) * xl_claims)
    xl_premium = np.where(has_xl, xl_premium, 0.0)

    # Net triangles → chain ladder → Best Estimate, all scenarios at once. (einsum, not BLAS: the
    # product is small and BLAS threads cost more than they save on it.)
    net_share = np.divide(retained - xl, amount[None, :], out=np.zeros_like(retained), where=amount[None, :] > 0)
    n_o, n_d = data.origins.size, data.n_developments
    incremental = np.einsum("sc,ck->sk", net_share, data.paid).reshape(-1, n_o, n_d)
    cumulative = np.cumsum(incremental, axis=2)
    cumulative[:, ~p.mask] = np.nan
    fit = chain_ladder(cumulative)
    best_estimate = np.asarray(fit.cash_flows @ discount_factors, dtype=np.float64)
    return KernelResult(
        ceded_premium_by_year=ceded_premium_by_year,
        ceded_claims_by_year=ceded_claims_by_year,
        facultative_premium=fac_cols[:, :n_years].sum(axis=1),
        facultative_claims=facultative_claims,
        xl_premium=xl_premium,
        xl_claims=xl_claims,
        net_volume=net_volume,
        best_estimate=best_estimate,
        triangles=cumulative if keep_triangles else None,
    )


def scr_from_volumes(v_prem: FloatArray, v_res: FloatArray) -> tuple[FloatArray, FloatArray]:
    """σ and SCR of the marine, aviation and transport segment alone (the study: DIV = 1), per scenario."""
    _, _, _, sigma, scr = premium_reserve_scr_array(
        v_prem[:, None],
        v_res[:, None],
        sigma_prem=np.array([SIGMA_PREMIUM[MAT]]),
        sigma_res=np.array([SIGMA_RESERVE[MAT]]),
        correlation=np.ones((1, 1)),
    )
    return sigma, scr
