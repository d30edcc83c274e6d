"""Solvency II non-life premium and reserve risk.

Commission Delegated Regulation (EU) 2015/35, Articles 115–117, Annex II (standard deviations) and
Annex IV (correlations between segments), as amended by Delegated Regulation (EU) 2019/981:

- Art. 115: ``SCR = 3 · σ_nl · V_nl``;
- Art. 116(1)–(2): ``V_nl = Σ_s V_s``, ``V_s = (V_prem,s + V_res,s) · (0.75 + 0.25 · DIV_s)``;
  116(3): ``V_prem,s = max(P_s, P_last,s) + FP_existing,s + FP_future,s`` on premiums earned net of
  reinsurance; 116(6): ``V_res,s`` the Best Estimate of claims provisions net of reinsurance, not
  negative; 116(7) and Annex III: ``DIV_s`` is 1 or
  ``Σ_r (V_prem,r,s + V_res,r,s)² / (Σ_r (V_prem,r,s + V_res,r,s))²`` over the geographic regions;
- Art. 117: ``σ_nl = sqrt(Σ_s,t Corr(s,t)·σ_s·V_s·σ_t·V_t) / V_nl``,
  ``σ_s = sqrt((σp·Vp)² + σp·Vp·σr·Vr + (σr·Vr)²) / (Vp + Vr)``, ``σp`` = Annex II gross factor × the
  non-proportional reinsurance adjustment (80 % for segments 1, 4 and 5 when opted for, else 100 %).

The study (ch. 2 §3.4.2, ch. 3 §2, annexes 01–08) uses the older QIS5 premium volume
``max(earned N, written N, written N−1)`` on gross premiums; both forms and both bases are here
(:func:`premium_volume`). Factors are exact decimals and never rounded inside a computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "CORRELATION",
    "NP_ADJUSTMENT_SEGMENTS",
    "SEGMENTS",
    "SIGMA_PREMIUM",
    "SIGMA_RESERVE",
    "PremiumReserveSCR",
    "Premiums",
    "SegmentSCR",
    "diversification_factor",
    "premium_reserve_scr",
    "premium_reserve_scr_array",
    "premium_volume",
]

#: The twelve non-life segments in the order of Annex II/IV of Delegated Regulation (EU) 2015/35
#: (the public segment names). Segments 1–9 are direct and proportional reinsurance, 10–12 non-proportional.
SEGMENTS: tuple[str, ...] = (
    "motor_vehicle_liability",
    "other_motor",
    "marine_aviation_transport",
    "fire_property",
    "general_liability",
    "credit_suretyship",
    "legal_expenses",
    "assistance",
    "miscellaneous_financial_loss",
    "np_casualty",
    "np_marine_aviation_transport",
    "np_property",
)

#: Annex II, Delegated Regulation (EU) 2015/35 as amended by (EU) 2019/981: gross standard deviation
#: for premium risk (σ_prem) and for reserve risk (σ_res) per segment.
SIGMA_PREMIUM: dict[str, float] = dict(
    zip(SEGMENTS, (0.10, 0.08, 0.15, 0.08, 0.14, 0.19, 0.083, 0.064, 0.13, 0.17, 0.17, 0.17), strict=True)
)
SIGMA_RESERVE: dict[str, float] = dict(
    zip(SEGMENTS, (0.09, 0.08, 0.11, 0.10, 0.11, 0.172, 0.055, 0.22, 0.20, 0.20, 0.20, 0.20), strict=True)
)

#: Annex IV, Delegated Regulation (EU) 2015/35: correlation coefficients CorrS(s,t) between the
#: non-life segments for premium and reserve risk, rows and columns in the order of ``SEGMENTS``.
CORRELATION: FloatArray = np.array(
    [
        [1, 0.5, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.25, 0.25],
        [0.5, 1, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25],
        [0.5, 0.25, 1, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.25, 0.5, 0.25],
        [0.25, 0.25, 0.25, 1, 0.25, 0.25, 0.25, 0.5, 0.5, 0.25, 0.5, 0.5],
        [0.5, 0.25, 0.25, 0.25, 1, 0.5, 0.5, 0.25, 0.5, 0.5, 0.25, 0.25],
        [0.25, 0.25, 0.25, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.5, 0.25, 0.25],
        [0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 1, 0.25, 0.5, 0.5, 0.25, 0.25],
        [0.25, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 1, 0.5, 0.25, 0.25, 0.5],
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 0.25, 0.5, 0.25],
        [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.25, 0.25, 1, 0.25, 0.25],
        [0.25, 0.25, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.5, 0.25, 1, 0.25],
        [0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.25, 1],
    ],
    dtype=np.float64,
)
CORRELATION.setflags(write=False)

#: Art. 117(3): the adjustment factor for non-proportional reinsurance, 80 % for segments 1, 4 and 5
#: (motor vehicle liability, fire and other damage, general liability) when the undertaking opts for it.
NP_ADJUSTMENT_SEGMENTS: frozenset[str] = frozenset({"motor_vehicle_liability", "fire_property", "general_liability"})
NP_ADJUSTMENT = 0.8

_INDEX = {s: i for i, s in enumerate(SEGMENTS)}


# --- premium volume -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Premiums:
    """A segment's premium figures, gross or ceded, in one currency unit.

    Regulation form (Art. 116(3)): ``earned_next`` (P_s, to be earned in the next 12 months),
    ``earned_last`` (P_last,s, earned in the last 12 months), ``fp_existing``, ``fp_future``.
    QIS5 form used by the study: ``earned_current`` (earned N), ``written_current`` (written N),
    ``written_previous`` (written N−1).
    """

    earned_next: float = 0.0
    earned_last: float = 0.0
    fp_existing: float = 0.0
    fp_future: float = 0.0
    earned_current: float = 0.0
    written_current: float = 0.0
    written_previous: float = 0.0

    def __sub__(self, other: Premiums) -> Premiums:
        return Premiums(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})


def premium_volume(
    gross: Premiums,
    ceded: Premiums | None = None,
    *,
    form: Literal["regulation", "qis5"] = "regulation",
    premium_basis: Literal["net", "gross"] = "net",
) -> float:
    """V_prem,s of one segment.

    ``form="regulation"``: ``max(P_s, P_last,s) + FP_existing,s + FP_future,s`` (Art. 116(3));
    ``form="qis5"``: ``max(earned N, written N, written N−1)`` (the study, ch. 2 §3.4.2 step 1).
    ``premium_basis="net"`` deducts ``ceded`` field by field (pass ``Premiums()`` when nothing is
    ceded); ``"gross"`` ignores it, as every annex of the study does (V_prem 588 058 880 for every
    retention).
    """
    if premium_basis not in ("net", "gross"):
        raise EngineError(f"premium_basis must be 'net' or 'gross', got {premium_basis!r}")
    if premium_basis == "net":
        if ceded is None:
            raise EngineError("premium_volume: premium_basis='net' needs the ceded premiums (Premiums() if none)")
        basis = gross - ceded
    else:
        basis = gross
    for f in fields(basis):
        value = getattr(basis, f.name)
        if not np.isfinite(value):
            raise EngineError(f"premium_volume: {f.name} is not finite ({value!r})")
    if form == "regulation":
        for name in ("fp_existing", "fp_future"):
            if getattr(basis, name) < 0:
                raise EngineError(f"premium_volume: {name} is negative ({getattr(basis, name)!r})")
        volume = max(basis.earned_next, basis.earned_last) + basis.fp_existing + basis.fp_future
    elif form == "qis5":
        volume = max(basis.earned_current, basis.written_current, basis.written_previous)
    else:
        raise EngineError(f"form must be 'regulation' or 'qis5', got {form!r}")
    return float(max(volume, 0.0))


def diversification_factor(regional_volumes: Mapping[str, tuple[float, float]]) -> float:
    """DIV_s (Art. 116(7), Annex III) from ``{region: (v_prem, v_res)}``.

    ``Σ_r V_r² / (Σ_r V_r)²`` with ``V_r = V_prem,r + V_res,r``: 1 for a single region.
    """
    if not regional_volumes:
        raise EngineError("diversification_factor: no regions given")
    v = np.array([float(p) + float(r) for p, r in regional_volumes.values()], dtype=np.float64)
    if not np.isfinite(v).all() or (v < 0).any():
        bad = next(k for k, (p, r) in regional_volumes.items() if not np.isfinite(p + r) or p + r < 0)
        raise EngineError(f"diversification_factor: region {bad!r} has a negative or non-finite volume")
    total = v.sum()
    return 1.0 if total == 0 else float((v * v).sum() / (total * total))


# --- the SCR ------------------------------------------------------------------------------------------


def premium_reserve_scr_array(
    v_prem: npt.ArrayLike,
    v_res: npt.ArrayLike,
    *,
    sigma_prem: npt.ArrayLike,
    sigma_res: npt.ArrayLike,
    div: npt.ArrayLike = 1.0,
    correlation: npt.ArrayLike = CORRELATION,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The kernel, vectorised over scenarios: inputs ``(..., segments)``.

    Returns ``(V_s, σ_s, V_nl, σ_nl, SCR)`` with ``V_s`` and ``σ_s`` shaped ``(..., segments)`` and
    the rest ``(...)``. ``V_res`` is floored at 0 (Art. 116(6): the volume is never negative).
    """
    vp = np.asarray(v_prem, dtype=np.float64)
    vr = np.maximum(np.asarray(v_res, dtype=np.float64), 0.0)
    sp = np.asarray(sigma_prem, dtype=np.float64)
    sr = np.asarray(sigma_res, dtype=np.float64)
    corr = np.asarray(correlation, dtype=np.float64)
    a, b = sp * vp, sr * vr
    both = vp + vr
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma_s = np.where(both > 0, np.sqrt(a * a + a * b + b * b) / np.where(both > 0, both, 1.0), 0.0)
    v_s = both * (0.75 + 0.25 * np.asarray(div, dtype=np.float64))
    x = sigma_s * v_s
    sigma_v = np.sqrt(np.maximum(np.einsum("...s,st,...t->...", x, corr, x), 0.0))
    v_nl = v_s.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma_nl = np.where(v_nl > 0, sigma_v / np.where(v_nl > 0, v_nl, 1.0), 0.0)
    scr = 3.0 * sigma_v  # = 3 · σ_nl · V_nl (Art. 115), without dividing and multiplying back
    return v_s, sigma_s, np.asarray(v_nl), np.asarray(sigma_nl), np.asarray(scr)


@dataclass(frozen=True)
class SegmentSCR:
    """One segment's figures: volumes, DIV, σ's, V_s and its stand-alone ``3·σ_s·V_s``."""

    segment: str
    v_prem: float
    v_res: float
    div: float
    sigma_prem: float
    sigma_res: float
    sigma: float
    volume: float
    scr: float


@dataclass(frozen=True)
class PremiumReserveSCR:
    """``volume`` (V_nl), ``sigma`` (σ_nl), ``scr``, and ``segments`` (name → :class:`SegmentSCR`)."""

    volume: float
    sigma: float
    scr: float
    segments: dict[str, SegmentSCR] = field(default_factory=dict)

    def __getitem__(self, segment: str) -> SegmentSCR:
        try:
            return self.segments[segment]
        except KeyError:
            raise EngineError(f"no segment {segment!r} in this result; it has {sorted(self.segments)}") from None

    def to_frame(self) -> pd.DataFrame:
        """One row per segment plus a ``total`` row."""
        rows = [vars(s) for s in self.segments.values()]
        table = pd.DataFrame(rows).set_index("segment")
        table.loc["total", ["volume", "sigma", "scr"]] = [self.volume, self.sigma, self.scr]
        return table


def _div_value(segment: str, spec: float | Mapping[str, tuple[float, float]], total: float) -> float:
    if isinstance(spec, Mapping):
        regional_total = sum(float(p) + float(r) for p, r in spec.values())
        if not np.isclose(regional_total, total, rtol=1e-9, atol=1e-6):
            raise EngineError(
                f"div[{segment!r}]: regional volumes add up to {regional_total!r}, "
                f"but the segment's V_prem + V_res is {total!r}"
            )
        return diversification_factor(spec)
    value = float(spec)
    if not 0.0 <= value <= 1.0:
        raise EngineError(f"div[{segment!r}] must be in [0, 1], got {value!r}")
    return value


def premium_reserve_scr(
    volumes: Mapping[str, tuple[float, float]],
    *,
    np_reinsurance: bool | Iterable[str] = False,
    div: Mapping[str, float | Mapping[str, tuple[float, float]]] | None = None,
) -> PremiumReserveSCR:
    """Premium and reserve risk SCR over the segments given.

    ``volumes``: ``{segment: (V_prem, V_res)}`` with the names of :data:`SEGMENTS`.
    ``np_reinsurance``: ``True`` applies the 80 % adjustment to all of segments 1, 4, 5 given, or name
    the ones it applies to. ``div``: per segment, a DIV value in [0, 1] or the regional volumes
    ``{region: (V_prem, V_res)}`` it is computed from; segments not named get DIV = 1.
    """
    if not volumes:
        raise EngineError("premium_reserve_scr: no segment given")
    unknown = sorted(set(volumes) - set(SEGMENTS))
    if unknown:
        raise EngineError(f"premium_reserve_scr: unknown segment(s) {unknown}; known: {', '.join(SEGMENTS)}")
    if isinstance(np_reinsurance, bool):
        adjusted = set(NP_ADJUSTMENT_SEGMENTS) if np_reinsurance else set()
    else:
        adjusted = set(np_reinsurance)
        wrong = sorted(adjusted - NP_ADJUSTMENT_SEGMENTS)
        if wrong:
            raise EngineError(
                f"np_reinsurance: the 80 % adjustment applies only to {sorted(NP_ADJUSTMENT_SEGMENTS)} "
                f"(Art. 117(3)), not {wrong}"
            )
    div = div or {}
    unknown_div = sorted(set(div) - set(volumes))
    if unknown_div:
        raise EngineError(f"div: segment(s) {unknown_div} have no volumes")

    names = [s for s in SEGMENTS if s in volumes]
    vp = np.zeros(len(names))
    vr = np.zeros(len(names))
    for k, name in enumerate(names):
        try:
            p, r = (float(x) for x in volumes[name])
        except (TypeError, ValueError) as exc:
            raise EngineError(f"volumes[{name!r}] must be a pair (V_prem, V_res) of numbers ({exc})") from exc
        if not (np.isfinite(p) and np.isfinite(r)):
            raise EngineError(f"volumes[{name!r}] = ({p!r}, {r!r}) is not finite")
        if p < 0:
            raise EngineError(f"volumes[{name!r}]: V_prem is negative ({p!r})")
        vp[k], vr[k] = p, max(r, 0.0)  # Art. 116(6): V_res is the net Best Estimate, never negative
    sp = np.array([SIGMA_PREMIUM[s] * (NP_ADJUSTMENT if s in adjusted else 1.0) for s in names])
    sr = np.array([SIGMA_RESERVE[s] for s in names])
    dv = np.array([_div_value(s, div[s], vp[k] + vr[k]) if s in div else 1.0 for k, s in enumerate(names)])
    idx = [_INDEX[s] for s in names]
    v_s, sigma_s, v_nl, sigma_nl, scr = premium_reserve_scr_array(
        vp, vr, sigma_prem=sp, sigma_res=sr, div=dv, correlation=CORRELATION[np.ix_(idx, idx)]
    )
    segments = {
        s: SegmentSCR(
            segment=s,
            v_prem=float(vp[k]),
            v_res=float(vr[k]),
            div=float(dv[k]),
            sigma_prem=float(sp[k]),
            sigma_res=float(sr[k]),
            sigma=float(sigma_s[k]),
            volume=float(v_s[k]),
            scr=float(3.0 * sigma_s[k] * v_s[k]),
        )
        for k, s in enumerate(names)
    }
    return PremiumReserveSCR(volume=float(v_nl), sigma=float(sigma_nl), scr=float(scr), segments=segments)
