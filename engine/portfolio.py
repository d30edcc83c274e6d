"""A synthetic marine-cargo portfolio reproducing the published marginals of the study.

The study's portfolio (CAAT, "transport maritime sur facultés", ch. 3 §1) is confidential; its
tables are not. This generator draws 25 307 policies/shipments written 2017–2021 and their claims so
that, per band of sum insured, the policy count is exact and the sums insured, premiums, claim counts
and claim amounts match the study's annex 11 (the 50-million bands behind Tableaux 14, 15, 17, 18
and 21) — the sums by construction, not by tuning — and claims are paid over the years like the
annex triangles. Every parameter below comes from a table of the study, or is an assumption named as
such where the study is silent; nothing is fitted to the optimisation's outcome.

Amounts are in DA (the annexes' unit; the tables of ch. 3 are in thousands of DA).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from assurdb.engine.checks import check_seed
from assurdb.engine.errors import EngineError
from assurdb.engine.reserving import chain_ladder, to_cumulative, triangle_from_payments
from assurdb.engine.solvency import Premiums

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

DATA = Path(__file__).parent / "data"

__all__ = [
    "TABLE_BANDS",
    "MarineCargoParameters",
    "MarineCargoPortfolio",
    "annex11_bands",
    "annex_triangles",
    "payment_pattern",
    "synthetic_marine_cargo",
]

YEARS = (2017, 2018, 2019, 2020, 2021)

#: Tableau 13: smallest and largest sum insured (2 thousand DA; the largest, 7 514 472 471 DA, is
#: annex 11's single policy above 7.5 billion).
TSI_MIN = 2_000.0
TSI_MAX = 7_514_472_471.0

#: Annexes 01–08: earned premiums 2021, written 2021 and 2020 (gross, DA).
EARNED_2021 = 585_790_328.0
WRITTEN_2021 = 588_058_880.0
WRITTEN_2020 = 446_279_322.0

#: Tableau 32: premiums retained at a 500 000 thousand DA retention, 2017 and 2019 (thousand DA), the
#: only premium figures the study prints for those years besides the total; and ch. 3 §1.2: 9 % more
#: policies written in 2018 than in 2017. The 2017–2019 gross premium (the total minus 2020 and 2021)
#: is split 1 : 1.09 : 388 017/564 867 — assumptions: gross 2019/2017 as retained 2019/2017, and
#: premium growing like the count in 2018.
RETAINED_2017 = 564_867.0
RETAINED_2019 = 388_017.0
GROWTH_2018 = 1.09

#: Ch. 3 §1.2 (Figure 32's text): 620 claims occurred in 2018, 75 in 2021. The other years' counts
#: are not printed; they share the rest in proportion to the year's premium (assumption).
CLAIMS_BY_YEAR_PRINTED = {2018: 620, 2021: 75}

#: Tableau 19: claims by month of occurrence, % of the year's claims (rows January … December).
MONTHLY_PERCENT = {
    2017: (5, 5, 4, 1, 5, 16, 0, 4, 25, 5, 5, 26),
    2018: (6, 4, 24, 17, 16, 6, 3, 4, 4, 7, 4, 3),
    2019: (7, 3, 2, 7, 7, 0, 8, 1, 59, 1, 3, 2),
    2020: (5, 59, 27, 0, 0, 1, 1, 4, 1, 0, 1, 1),
    2021: (0, 12, 32, 8, 0, 5, 16, 14, 0, 13, 0, 0),
}

#: Tableaux 14 and 15 bands of sum insured (lower bounds, DA) and their labels (thousand DA).
TABLE_BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "0-50 000"),
    (50e6, "50 000-100 000"),
    (100e6, "100 000-150 000"),
    (150e6, "150 000-200 000"),
    (200e6, "200 000-250 000"),
    (250e6, "250 000-300 000"),
    (300e6, "300 000-600 000"),
    (600e6, "600 000-900 000"),
    (900e6, "900 000-1 200 000"),
    (1200e6, "1 200 000-1 500 000"),
    (1500e6, "1 500 000-1 800 000"),
    (1800e6, "1 800 000-2 100 000"),
    (2100e6, "2 100 000-2 400 000"),
    (2400e6, "> 2 400 000"),
)


def annex11_bands() -> pd.DataFrame:
    """The study, annex 11 ("Profil de sinistre 2017-2021"), one row per 50-million DA band of sum
    insured: claims, policies, sum_insured, premium, claim_amount (DA). Transcribed as printed; its
    rows add up to 871 720 929 DA of claims where its own total, Tableau 20 and Tableau 21 say
    870 432 878 / 870 434 thousand — a slip of 1 288 051 DA somewhere in the bands above 300 million
    (Tableau 21: 535 501 thousand; the rows: 536 789 thousand)."""
    table = pd.read_csv(DATA / "seed004_annex11_bands.csv")
    return table


def annex_triangles() -> pd.DataFrame:
    """The study, annexes 01–08: incremental paid claims net of the surplus treaty, DA, by retention,
    accident year and development year (long form)."""
    return pd.read_csv(DATA / "seed004_annex_triangles.csv", dtype={"annex": str})


def payment_pattern(annex: str = "08") -> FloatArray:
    """Share of a claim paid in development years 0, 1, … from the chain-ladder factors of an annex
    triangle. Default annex 08 (retention 700 000 thousand DA): the largest retention printed, the
    nearest to the gross portfolio."""
    long = annex_triangles()
    rows = long[long["annex"] == annex]
    if rows.empty:
        raise EngineError(f"payment_pattern: no annex {annex!r}; the study prints annexes 01–08")
    incremental = rows.pivot(index="accident_year", columns="development", values="paid").astype(float)
    cdf = np.asarray(chain_ladder(to_cumulative(incremental)).cdf, dtype=np.float64)
    developed = 1.0 / cdf
    return np.asarray(np.diff(developed, prepend=0.0), dtype=np.float64)


def _cover_days() -> int:
    """Days of cover of one shipment, from earned vs written premiums (annexes 01–08): with inceptions
    spread evenly over each year and a fixed cover of D years, earned N = written N − D/2·(written N −
    written N−1), so D = 2·(W21 − E21)/(W21 − W20) = 0.032 years ≈ 12 days."""
    years = 2 * (WRITTEN_2021 - EARNED_2021) / (WRITTEN_2021 - WRITTEN_2020)
    return round(years * 365)


def _claim_severity_sigma() -> float:
    """Lognormal σ of a claim from Tableau 20: per policy, mean 34 and standard deviation 1 454
    thousand DA over 25 307 policies, 870 434 thousand in 1 470 claims. Taking each claimed policy as
    one claim, E[X²] = 25 307·(1 454² + m_p²)/1 470 and CV² = E[X²]/m² − 1, σ² = ln(1 + CV²)."""
    n_policies, n_claims, total, std_policy = 25_307, 1_470, 870_434.0, 1_454.0
    mean_policy = total / n_policies
    mean_claim = total / n_claims
    second = n_policies * (std_policy**2 + mean_policy**2) / n_claims
    return float(np.sqrt(np.log(second / mean_claim**2)))


@dataclass(frozen=True)
class MarineCargoParameters:
    """The generator's parameters; defaults are the study's figures (see the module constants)."""

    cover_days: int = field(default_factory=_cover_days)
    claim_sigma: float = field(default_factory=_claim_severity_sigma)
    #: Assumption (the study silent): shape of sums insured inside a band, Beta with a + b = 2 around the
    #: band's mean — uniform when the mean is mid-band, skewed towards the lower bound otherwise.
    tsi_concentration: float = 2.0
    #: Tableau 34, scenario 01 (the one the study keeps): up to 5 shipments of different clients on one
    #: vessel; claims of the same month are grouped into events of 1–5 shipments (uniform; assumption).
    shipments_per_vessel: int = 5
    #: Assumption (the study silent): how a claim's amount spreads over development years, Dirichlet with
    #: mean the annex payment pattern and this concentration (small: most claims paid in 1–2 years).
    payment_concentration: float = 4.0
    pattern_annex: str = "08"


def _largest_remainder(total: int, weights: FloatArray) -> IntArray:
    share = total * weights / weights.sum()
    counts = np.floor(share).astype(np.int64)
    rest = total - int(counts.sum())
    if rest:
        counts[np.argsort(-(share - counts), kind="stable")[:rest]] += 1
    return np.asarray(counts, dtype=np.int64)


def _year_premium_targets(total_premium: float) -> dict[int, float]:
    rest = total_premium - WRITTEN_2021 - WRITTEN_2020
    weights = {2017: 1.0, 2018: GROWTH_2018, 2019: RETAINED_2019 / RETAINED_2017}
    total_weight = sum(weights.values())
    targets = {y: rest * w / total_weight for y, w in weights.items()}
    targets.update({2020: WRITTEN_2020, 2021: WRITTEN_2021})
    return targets


def _group_sum(values: FloatArray, groups: IntArray, n: int) -> FloatArray:
    return np.asarray(np.bincount(groups, weights=values, minlength=n), dtype=np.float64)


@dataclass(frozen=True)
class MarineCargoPortfolio:
    """The generated portfolio.

    ``policies``: policy_id, underwriting_year, inception_date, expiry_date, sum_insured, premium,
    band (annex 11), table_band (Tableaux 14–15).
    ``claims``: claim_id, policy_id, event_id, accident_date, accident_year, underwriting_year,
    sum_insured, premium, amount (the claim charge, taken as ultimate), paid and outstanding at
    ``valuation_date``.
    ``payments``: claim_id, policy_id, event_id, accident_date, payment_date, development, amount —
    the full run-off, including payments after the valuation date.
    """

    policies: pd.DataFrame
    claims: pd.DataFrame
    payments: pd.DataFrame
    valuation_date: pd.Timestamp
    parameters: MarineCargoParameters

    def _payment_share(self, share: npt.ArrayLike | None, policy_share: npt.ArrayLike | None) -> FloatArray:
        out = np.ones(len(self.payments))
        if share is not None:
            s = np.asarray(share, dtype=np.float64)
            if s.shape != (len(self.claims),):
                raise EngineError(f"share: one value per claim expected ({len(self.claims)}), got {s.shape}")
            out = out * s[self.payments["claim_id"].to_numpy() - 1]
        if policy_share is not None:
            s = np.asarray(policy_share, dtype=np.float64)
            if s.shape != (len(self.policies),):
                raise EngineError(f"policy_share: one value per policy expected ({len(self.policies)}), got {s.shape}")
            out = out * s[self.payments["policy_id"].to_numpy() - 1]
        return out

    def paid_triangle(
        self,
        *,
        share: npt.ArrayLike | None = None,
        policy_share: npt.ArrayLike | None = None,
        valuation_date: str | pd.Timestamp | None = None,
        cumulative: bool = True,
    ) -> pd.DataFrame:
        """Paid triangle, accident years 2017–2021 × development years, as at the valuation date.

        ``share`` (per claim) or ``policy_share`` (per policy) multiply the payments — e.g. the
        retained share ``1 − cession_rate(sum_insured)`` of a surplus treaty gives the net triangle of
        the study's annexes.
        """
        valuation = pd.Timestamp(valuation_date) if valuation_date is not None else self.valuation_date
        return triangle_from_payments(
            self.payments,
            valuation_date=valuation,
            first_year=YEARS[0],
            last_year=min(YEARS[-1], valuation.year),
            weights=self._payment_share(share, policy_share),
            cumulative=cumulative,
        )

    def written_premium(self, year: int, policy_share: npt.ArrayLike | None = None) -> float:
        """Premiums of the policies incepting in ``year`` (times ``policy_share`` if given)."""
        p = self.policies["premium"].to_numpy() * (1.0 if policy_share is None else np.asarray(policy_share))
        return float(p[self.policies["underwriting_year"].to_numpy() == year].sum())

    def earned_premium(self, year: int, policy_share: npt.ArrayLike | None = None) -> float:
        """Premiums earned in ``year``, pro rata temporis over each policy's days of cover."""
        start = self.policies["inception_date"].to_numpy().astype("datetime64[D]")
        end = self.policies["expiry_date"].to_numpy().astype("datetime64[D]") + np.timedelta64(1, "D")
        y0, y1 = np.datetime64(f"{year}-01-01", "D"), np.datetime64(f"{year + 1}-01-01", "D")
        overlap = (np.minimum(end, y1) - np.maximum(start, y0)).astype(np.int64).clip(0)
        days = (end - start).astype(np.int64)
        p = self.policies["premium"].to_numpy() * (1.0 if policy_share is None else np.asarray(policy_share))
        return float((p * overlap / days).sum())

    def premiums(self, year: int = 2021, policy_share: npt.ArrayLike | None = None) -> Premiums:
        """The QIS5 premium figures of the study for ``year``: earned N, written N, written N−1."""
        return Premiums(
            earned_current=self.earned_premium(year, policy_share),
            written_current=self.written_premium(year, policy_share),
            written_previous=self.written_premium(year - 1, policy_share),
        )


def synthetic_marine_cargo(
    seed: int | np.random.Generator | None = 0,
    *,
    parameters: MarineCargoParameters | None = None,
    valuation_date: str | pd.Timestamp = "2021-12-31",
) -> MarineCargoPortfolio:
    """Generate the marine-cargo portfolio like the study's (seeded, reproducible, vectorised)."""
    prm = parameters or MarineCargoParameters()
    rng = check_seed("seed", seed)
    bands = annex11_bands()
    n_bands = len(bands)
    count = bands["policies"].to_numpy(dtype=np.int64)
    band = np.repeat(np.arange(n_bands), count)
    n = int(count.sum())

    # Sums insured: Beta inside each band around the band's mean, then moved towards the nearer bound
    # so that each band's sum is the annex's exactly and every value stays inside the band.
    lo_b = np.maximum(bands["band_low"].to_numpy(dtype=np.float64), TSI_MIN)
    hi_b = bands["band_high"].fillna(TSI_MAX).to_numpy(dtype=np.float64)
    target_b = bands["sum_insured"].to_numpy(dtype=np.float64) / count
    if ((target_b < lo_b - 1e-6) | (target_b > hi_b + 1e-6)).any():
        raise EngineError("annex 11: a band's mean sum insured lies outside the band")
    frac = np.clip((target_b - lo_b) / (hi_b - lo_b), 1e-3, 1 - 1e-3)
    c = prm.tsi_concentration
    lo, hi = lo_b[band], hi_b[band]
    tsi = lo + (hi - lo) * rng.beta(c * frac[band], c * (1 - frac[band]))
    mean_b = _group_sum(tsi, band, n_bands) / count
    up = mean_b < target_b
    t_up = np.divide(target_b - mean_b, hi_b - mean_b, out=np.zeros(n_bands), where=up & (hi_b > mean_b))
    t_down = np.divide(mean_b - target_b, mean_b - lo_b, out=np.zeros(n_bands), where=~up & (mean_b > lo_b))
    tsi = np.where(up[band], tsi + t_up[band] * (hi - tsi), tsi - t_down[band] * (tsi - lo))

    # Premiums: the band's rate (annex 11 premium / sum insured) times the sum insured. Tableau 16's
    # dispersion (CV 2.90) is below the sums insured's (Tableau 13: CV 2.97), leaving no room for a
    # rate noise on top of the band rates.
    rate_b = bands["premium"].to_numpy(dtype=np.float64) / bands["sum_insured"].to_numpy(dtype=np.float64)
    premium = tsi * rate_b[band]

    # Claimed policies: in each band the annex's number of claims, on policies drawn without
    # replacement with probability ∝ sum insured (Gumbel top-k); a band with more claims than
    # policies gives some policies several.
    claims_b = bands["claims"].to_numpy(dtype=np.int64)
    key = np.log(tsi) + rng.gumbel(size=n)
    order = np.lexsort((-key, band))
    rank = np.empty(n, dtype=np.int64)
    first_of_band = np.concatenate(([0], np.cumsum(count)[:-1]))
    rank[order] = np.arange(n) - first_of_band[band[order]]
    per_policy = claims_b[band] // count[band] + (rank < claims_b[band] % count[band])
    claimed = np.nonzero(per_policy)[0]
    claim_policy = np.repeat(np.arange(n), per_policy)
    n_claims = claim_policy.size

    # Occurrence year and month of each claim (printed counts, Tableau 19's months), then events:
    # claimed policies of one month grouped into vessels of 1…shipments_per_vessel shipments.
    targets = _year_premium_targets(float(premium.sum()))
    free_years = [y for y in YEARS if y not in CLAIMS_BY_YEAR_PRINTED]
    free = _largest_remainder(
        n_claims - sum(CLAIMS_BY_YEAR_PRINTED.values()), np.array([targets[y] for y in free_years])
    )
    claims_per_year = {**CLAIMS_BY_YEAR_PRINTED, **dict(zip(free_years, free.tolist(), strict=True))}
    slots = []
    for y in YEARS:  # five years × twelve months: a loop over the calendar, not over claims
        months = _largest_remainder(claims_per_year[y], np.array(MONTHLY_PERCENT[y], dtype=np.float64))
        slots.append(np.repeat((y - YEARS[0]) * 12 + np.arange(12), months))
    slot_of_claim = rng.permutation(np.concatenate(slots))
    first_claim = np.searchsorted(claim_policy, claimed)  # claims are grouped by policy
    policy_slot = slot_of_claim[first_claim]  # every claim of a policy shares its first claim's date
    shuffle = rng.random(claimed.size)
    by_slot = np.lexsort((shuffle, policy_slot))
    sizes = rng.integers(1, prm.shipments_per_vessel + 1, size=claimed.size)
    vessel = np.searchsorted(np.cumsum(sizes), np.arange(claimed.size), side="right")
    event_key = policy_slot[by_slot] * (claimed.size + 1) + vessel
    _, event_sorted = np.unique(event_key, return_inverse=True)
    event = np.empty(claimed.size, dtype=np.int64)
    event[by_slot] = event_sorted
    n_events = int(event.max()) + 1
    event_slot = np.zeros(n_events, dtype=np.int64)
    event_slot[event] = policy_slot
    month_start = np.array(
        [np.datetime64(f"{YEARS[0] + s // 12}-{s % 12 + 1:02d}-01", "D") for s in range(12 * len(YEARS))]
    )
    month_days = (np.append(month_start[1:], np.datetime64(f"{YEARS[-1] + 1}-01-01", "D")) - month_start).astype(
        np.int64
    )
    event_day = (rng.random(n_events) * month_days[event_slot]).astype(np.int64)
    event_date = month_start[event_slot] + event_day.astype("timedelta64[D]")

    # Inception dates: a claimed policy incepts up to cover_days − 1 before its accident (not before
    # 1 January of that year); the others get underwriting years that bring each year's written
    # premium to the targets, by systematic sampling on their shuffled cumulative premium.
    days = prm.cover_days
    inception = np.empty(n, dtype="datetime64[D]")
    acc = event_date[event]
    jan1 = acc.astype("datetime64[Y]").astype("datetime64[D]")
    inception[claimed] = np.maximum(acc - rng.integers(0, days, claimed.size).astype("timedelta64[D]"), jan1)
    claimed_year = inception[claimed].astype("datetime64[Y]").astype(np.int64) + 1970
    rest = np.setdiff1d(np.arange(n), claimed)
    remaining = np.array(
        [max(targets[y] - premium[claimed][claimed_year == y].sum(), 0.0) for y in YEARS], dtype=np.float64
    )
    rest = rng.permutation(rest)
    cum = np.cumsum(premium[rest])
    position = (cum - premium[rest] / 2) / cum[-1] * remaining.sum()
    year_index = np.minimum(np.searchsorted(np.cumsum(remaining), position, side="right"), len(YEARS) - 1)
    start = np.array([np.datetime64(f"{y}-01-01", "D") for y in YEARS])
    length = np.array(
        [(np.datetime64(f"{y + 1}-01-01", "D") - np.datetime64(f"{y}-01-01", "D")).astype(int) for y in YEARS]
    )
    offset = (rng.random(rest.size) * length[year_index]).astype(np.int64)
    inception[rest] = start[year_index] + offset.astype("timedelta64[D]")
    expiry = (inception + np.timedelta64(days - 1, "D")).astype("datetime64[D]")
    underwriting_year = inception.astype("datetime64[Y]").astype(np.int64) + 1970

    # Claim amounts: lognormal with σ from Tableau 20, scaled to each band's annex total, capped at the
    # sum insured (the excess spread over the band's other claims, a few rounds).
    amount_b = bands["claim_amount"].to_numpy(dtype=np.float64)
    cb = band[claim_policy]
    amount = rng.lognormal(0.0, prm.claim_sigma, n_claims)
    cap = tsi[claim_policy]
    for _ in range(50):  # rounds of capping, each vectorised over all claims
        free_claim = amount < cap
        fixed = _group_sum(np.where(free_claim, 0.0, cap), cb, n_bands)
        loose = _group_sum(np.where(free_claim, amount, 0.0), cb, n_bands)
        scale = np.divide(amount_b - fixed, loose, out=np.ones(n_bands), where=loose > 0)
        amount = np.where(free_claim, amount * np.maximum(scale[cb], 0.0), cap)
        if (amount <= cap * (1 + 1e-12)).all():
            break
    amount = np.minimum(amount, cap)

    # Payments: each claim spread over development years 0…4 (Dirichlet around the annex pattern);
    # year 0 between the accident and 31 December, later years anywhere in the calendar year.
    pattern = payment_pattern(prm.pattern_annex)
    n_dev = pattern.size
    alpha = np.maximum(prm.payment_concentration * pattern, 1e-3)
    g = rng.gamma(np.broadcast_to(alpha, (n_claims, n_dev)))
    total_g = g.sum(axis=1, keepdims=True)
    weights = np.where(total_g > 0, g / np.where(total_g > 0, total_g, 1.0), np.eye(n_dev)[np.argmax(pattern)])
    claim_date = acc[np.searchsorted(claimed, claim_policy)]
    acc_year = claim_date.astype("datetime64[Y]").astype(np.int64) + 1970
    dev = np.tile(np.arange(n_dev), n_claims)
    pay_claim = np.repeat(np.arange(n_claims), n_dev)
    # Payments under 1 DA are folded into the claim's others (the claim's total is unchanged).
    split = amount[:, None] * weights
    split[(split < 1.0) & (np.arange(n_dev) != np.argmax(weights, axis=1)[:, None])] = 0.0
    split *= (amount / split.sum(axis=1))[:, None]
    pay_amount = split.reshape(-1)
    year_start = (np.repeat(acc_year, n_dev) + dev - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    year_end = (np.repeat(acc_year, n_dev) + dev + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    first = np.where(dev == 0, np.repeat(claim_date, n_dev), year_start)
    span = (year_end - first).astype(np.int64)
    pay_date = first + (rng.random(pay_claim.size) * span).astype(np.int64).astype("timedelta64[D]")
    keep = pay_amount > 0
    valuation = pd.Timestamp(valuation_date)
    paid_to_date = np.bincount(
        pay_claim[keep],
        weights=np.where(pay_date[keep] <= valuation.to_datetime64(), pay_amount[keep], 0.0),
        minlength=n_claims,
    )

    labels = np.array(
        [
            f"{int(a)}-{'' if np.isnan(b) else int(b)}"
            for a, b in zip(bands["band_low"], bands["band_high"], strict=True)
        ]
    )
    table_lo = np.array([b for b, _ in TABLE_BANDS])
    table_labels = np.array([lab for _, lab in TABLE_BANDS])
    table_band = table_labels[np.searchsorted(table_lo, bands["band_low"].to_numpy(dtype=np.float64), side="right") - 1]
    policy_id = np.arange(1, n + 1)
    policies = pd.DataFrame(
        {
            "policy_id": policy_id,
            "underwriting_year": underwriting_year,
            "inception_date": pd.to_datetime(inception),
            "expiry_date": pd.to_datetime(expiry),
            "sum_insured": tsi,
            "premium": premium,
            "band": labels[band],
            "table_band": table_band[band],
        }
    )
    claim_event = event[np.searchsorted(claimed, claim_policy)] + 1
    claims = pd.DataFrame(
        {
            "claim_id": np.arange(1, n_claims + 1),
            "policy_id": policy_id[claim_policy],
            "event_id": claim_event,
            "accident_date": pd.to_datetime(claim_date),
            "accident_year": acc_year,
            "underwriting_year": underwriting_year[claim_policy],
            "sum_insured": tsi[claim_policy],
            "premium": premium[claim_policy],
            "amount": amount,
            "paid": paid_to_date,
            "outstanding": amount - paid_to_date,
        }
    )
    payments = pd.DataFrame(
        {
            "claim_id": pay_claim[keep] + 1,
            "policy_id": policy_id[claim_policy][pay_claim[keep]],
            "event_id": claim_event[pay_claim[keep]],
            "accident_date": pd.to_datetime(np.repeat(claim_date, n_dev)[keep]),
            "payment_date": pd.to_datetime(pay_date[keep]),
            "development": dev[keep],
            "amount": pay_amount[keep],
        }
    )
    return MarineCargoPortfolio(
        policies=policies, claims=claims, payments=payments, valuation_date=valuation, parameters=prm
    )
