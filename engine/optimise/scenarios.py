"""``scenarios(portfolio, treaty_factory, grid)``: the scenario method's table (the study, ch. 2 §3).

Each row of the grid is a scenario: ``treaty_factory(**row)`` builds the treaty (``Surplus``,
``QuotaShare``, ``ExcessOfLoss``, a ``Program`` of one proportional treaty then one excess of loss,
or ``None`` for no reinsurance); their parameters are read into arrays and every scenario is
evaluated at once by :mod:`engine.optimise.kernel`. Per scenario, totals over the portfolio's
underwriting years (the study's tables are 2017–2021 totals):

* ``retention_result`` = gross premiums − gross claims + (ceded claims − ceded premiums +
  commissions) over the treaty, the facultative placements and the excess of loss (the study, ch. 2
  §3.4.1; :func:`engine.results.retention_result`);
* ``reinsurer_result``: the proportional treaty's reinsurers, ceded premium − ceded claims −
  commission (Tableaux 24, 30); ``facultative_result`` and ``xl_result`` the others', so that
  ``gross_result = retention_result + reinsurer_result + facultative_result + xl_result``;
* ``loss_ratio``: net claims / (net premiums + commissions) — the study's S/P with reinsurance
  (Tableaux 24, 31: 30.1 % with treaty X against 33.5 % without, which only a ratio crediting the
  commissions gives, since its retained business runs at 46 % and the ceded at 27 %); and
  ``net_loss_ratio`` = net claims / net premiums (:mod:`engine.results`, Tableau 32);
* ``capacity`` = m·R and ``rate_on_line`` = ceded premium / capacity; the study divides the ceded
  premium of the whole period (Tableau 30: 990 450 thousand DA of 2017–2021 premium on a capacity of
  4 500 000 gives its 22.01 %), ``rol_basis="annual"`` divides by the number of years first;
* ``v_prem``, ``v_res`` (net Best Estimate from the net triangles), ``sigma``, ``scr``: the premium
  and reserve SCR of the marine segment (the study, annexes 01–08; QIS5 premium volume on gross
  premiums by default, as the study, or ``premium_basis="net"``).

Decisions where the study is silent: commissions are settled per underwriting year (it matters only
for a sliding scale); claims belong to their policy's underwriting year; an excess of loss without a
premium is priced at its burning cost × (1 + ``xl_loading``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError
from assurdb.engine.optimise.data import ScenarioData
from assurdb.engine.optimise.kernel import KernelResult, TreatyArrays, evaluate, prepare, scr_from_volumes
from assurdb.engine.optimise.seed004 import COMMISSION, CURRENT_LINES, FACULTATIVE_COMMISSION, RETENTIONS, SEED_CURVE
from assurdb.engine.reserving import discount_factors_from_curve, payment_times
from assurdb.engine.results import loss_ratio, retention_result
from assurdb.engine.treaties import (
    DepositPremium,
    ExcessOfLoss,
    FixedCommission,
    FlatPremium,
    MinimumDepositPremium,
    Program,
    QuotaShare,
    Surplus,
)
from assurdb.engine.treaties.commissions import Commission, as_commission, as_premium

if TYPE_CHECKING:
    import numpy.typing as npt

    from assurdb.engine.portfolio import MarineCargoPortfolio

    FloatArray = npt.NDArray[np.float64]

__all__ = [
    "RESULT_COLUMNS",
    "Treaty",
    "TreatyFactory",
    "as_data",
    "evaluate_table",
    "evaluate_treaties",
    "grid_frame",
    "net_triangle",
    "no_reinsurance",
    "scenarios",
    "scenarios_over",
    "seed_surplus",
    "treaty_arrays",
]

Treaty = Surplus | QuotaShare | ExcessOfLoss | Program | None
TreatyFactory = Callable[..., Treaty]

#: Columns of the scenario table after the grid's own (see the module notes).
RESULT_COLUMNS = (
    "gross_premium",
    "gross_claims",
    "ceded_premium",
    "ceded_claims",
    "commission",
    "facultative_premium",
    "facultative_claims",
    "facultative_commission",
    "xl_premium",
    "xl_claims",
    "net_premium",
    "net_claims",
    "gross_result",
    "retention_result",
    "reinsurer_result",
    "facultative_result",
    "xl_result",
    "loss_ratio",
    "net_loss_ratio",
    "capacity",
    "rate_on_line",
    "xl_rate_on_line",
    "v_prem",
    "v_res",
    "sigma",
    "scr",
)


def seed_surplus(retention: float, lines: float = CURRENT_LINES, commission: float = COMMISSION) -> Surplus:
    """The study's surplus: treaty X's conditions (Tableau 23: 8 lines, 38 % commission) at ``retention``."""
    return Surplus(retention, lines, commission=commission)


def as_data(portfolio: object) -> ScenarioData:
    """A :class:`ScenarioData` from the synthetic portfolio, a user table or itself."""
    if isinstance(portfolio, ScenarioData):
        return portfolio
    if isinstance(portfolio, pd.DataFrame):
        return ScenarioData.from_frame(portfolio)
    if all(hasattr(portfolio, a) for a in ("policies", "claims", "payments", "valuation_date")):
        return ScenarioData.from_portfolio(portfolio)  # type: ignore[arg-type]
    raise EngineError(
        f"portfolio must be a MarineCargoPortfolio, a ScenarioData or a DataFrame, got {type(portfolio).__name__}"
    )


def grid_frame(grid: Mapping[str, object] | pd.DataFrame | None) -> pd.DataFrame:
    """The scenarios as rows: a frame as given, or the Cartesian product of a mapping's values (the
    last key varies fastest; a scalar is a one-value axis). Default: the study's retentions."""
    if grid is None:
        return pd.DataFrame({"retention": RETENTIONS})
    if isinstance(grid, pd.DataFrame):
        if grid.empty:
            raise EngineError("grid: no scenario")
        return grid.reset_index(drop=True)
    if not isinstance(grid, Mapping) or not grid:
        raise EngineError("grid: a mapping {parameter: values} or a DataFrame of scenarios is needed")
    axes: dict[str, list[object]] = {}
    for name, values in grid.items():
        if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray | pd.Series | range):
            axes[str(name)] = [values]
        else:
            axes[str(name)] = list(values)
        if not axes[str(name)]:
            raise EngineError(f"grid: parameter {name!r} has no value")
    rows = list(itertools.product(*axes.values()))
    return pd.DataFrame(rows, columns=list(axes))


# --- treaties → arrays ---------------------------------------------------------------------------------


def _unsupported(name: str, what: str) -> EngineError:
    return EngineError(
        f"scenario {name}: {what} is not supported by the scenario kernel (the study's method prices surplus, "
        "quota share and a plain excess of loss); evaluate that treaty with engine.treaties.Program"
    )


def _layers(treaty: Treaty, name: str) -> tuple[Surplus | QuotaShare | None, ExcessOfLoss | None]:
    if treaty is None:
        return None, None
    if isinstance(treaty, Surplus | QuotaShare):
        return treaty, None
    if isinstance(treaty, ExcessOfLoss):
        return None, treaty
    if isinstance(treaty, Program):
        parts = list(treaty.treaties)
        prop: Surplus | QuotaShare | None = None
        xl: ExcessOfLoss | None = None
        first = parts[0] if parts else None
        if isinstance(first, Surplus | QuotaShare):
            prop = first
            parts.pop(0)
        first = parts[0] if parts else None
        if isinstance(first, ExcessOfLoss):
            xl = first
            parts.pop(0)
        if parts:
            raise _unsupported(name, f"a program with {type(parts[0]).__name__} there")
        return prop, xl
    raise EngineError(f"scenario {name}: the treaty factory returned {treaty!r}, not a treaty or None")


def _commission(value: Commission | float | None) -> Commission | None:
    # A rate is a fixed commission; testing it first skips a slow runtime-Protocol isinstance.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return FixedCommission(float(value))
    return as_commission(value)


def treaty_arrays(treaties: Sequence[Treaty]) -> tuple[TreatyArrays, list[Commission | None]]:
    """Read the scenarios' treaties into :class:`TreatyArrays` and their commission schemes."""
    n = len(treaties)
    share, retention, capacity = np.zeros(n), np.zeros(n), np.zeros(n)
    top, priority, limit = np.full(n, np.inf), np.full(n, np.inf), np.zeros(n)
    event, priced = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    flat, rate, minimum = np.zeros(n), np.zeros(n), np.zeros(n)
    schemes: list[Commission | None] = []
    for i, treaty in enumerate(treaties):  # attribute reads only: the arithmetic is in the kernel
        prop, xl = _layers(treaty, str(i))
        scheme: Commission | None = None
        if isinstance(prop, Surplus):
            share[i], retention[i] = 1.0, float(prop.retention)
            capacity[i], top[i] = prop.capacity, prop.underwriting_limit
        elif isinstance(prop, QuotaShare):
            share[i] = float(prop.share)
            capacity[i] = np.inf if prop.limit is None else float(prop.limit)
        if prop is not None:
            if prop.profit_commission is not None:
                raise _unsupported(str(i), "a profit commission")
            scheme = _commission(prop.commission)
        schemes.append(scheme)
        if xl is not None:
            if xl.aad or xl.aggregate_limit is not None or xl.reinstatements is not None or xl.index_clause:
                raise _unsupported(str(i), "an excess of loss with AAD, aggregate limit, reinstatements or index")
            priority[i], limit[i], event[i] = float(xl.priority), float(xl.limit), xl.basis == "event"
            premium = as_premium(xl.premium)
            priced[i] = premium is not None
            if isinstance(premium, FlatPremium):
                flat[i] = float(premium.amount)
            elif isinstance(premium, DepositPremium):
                rate[i] = float(premium.rate)
            elif isinstance(premium, MinimumDepositPremium):
                rate[i], minimum[i] = float(premium.rate), float(premium.minimum_deposit)
            elif premium is not None:
                raise _unsupported(str(i), f"the premium scheme {type(premium).__name__}")
    arrays = TreatyArrays(share, retention, capacity, top, priority, limit, event, priced, flat, rate, minimum)
    return arrays, schemes


# --- the table ---------------------------------------------------------------------------------------


def _discount(data: ScenarioData, discount_factors: object, spot_curve: Mapping[float, float] | None) -> FloatArray:
    n_o, n_d = data.origins.size, data.n_developments
    n_periods = n_o + n_d - 2 - (max(n_o, n_d) - 1)
    if discount_factors is not None:
        df = np.asarray(discount_factors, dtype=np.float64).reshape(-1)
        if df.shape != (n_periods,) or not np.isfinite(df).all() or (df <= 0).any():
            raise EngineError(f"discount_factors: {n_periods} finite positive factors expected, got {df.tolist()}")
        return df
    return discount_factors_from_curve(dict(spot_curve or SEED_CURVE), payment_times(n_periods))


def _commissions(schemes: list[Commission | None], premium: FloatArray, claims: FloatArray) -> FloatArray:
    """Commission by scenario × year; scenarios sharing a scheme (equal by value) in one call."""
    out = np.zeros_like(premium)
    groups: dict[Commission, list[int]] = {}
    for i, scheme in enumerate(schemes):
        if scheme is not None:
            groups.setdefault(scheme, []).append(i)
    for scheme, rows in groups.items():
        out[rows] = np.asarray(scheme.amount(premium[rows], claims[rows]), dtype=np.float64).reshape(len(rows), -1)
    return out


def _table(
    data: ScenarioData,
    arrays: TreatyArrays,
    schemes: list[Commission | None],
    k: KernelResult,
    *,
    facultative_commission: float,
    premium_basis: str,
    rol_basis: str,
) -> dict[str, FloatArray]:
    n = arrays.size
    gp, gc = np.full(n, data.gross_premium), np.full(n, data.gross_claims)
    cp, cc = k.ceded_premium_by_year.sum(axis=1), k.ceded_claims_by_year.sum(axis=1)
    com = _commissions(schemes, k.ceded_premium_by_year, k.ceded_claims_by_year).sum(axis=1)
    fp, fc = k.facultative_premium, k.facultative_claims
    fcom = facultative_commission * fp
    xp, xc = k.xl_premium, k.xl_claims
    net_premium = gp - cp - fp - xp
    net_claims = gc - cc - fc - xc
    result = retention_result(gp, gc, cc + fc + xc, cp + fp + xp, com + fcom)
    years = max(int(data.years.size), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ceded_for_rol = cp / years if rol_basis == "annual" else cp
        rol = np.where((arrays.capacity > 0) & np.isfinite(arrays.capacity), ceded_for_rol / arrays.capacity, np.nan)
        xl_rol = np.where(arrays.xl_limit > 0, xp / years / np.where(arrays.xl_limit > 0, arrays.xl_limit, 1.0), np.nan)
    gross_volume = float(data.volume_premiums.sum(axis=0).max())
    v_prem = np.full(n, gross_volume) if premium_basis == "gross" else np.maximum(k.net_volume.max(axis=1), 0.0)
    v_res = np.maximum(k.best_estimate, 0.0)
    sigma, scr = scr_from_volumes(v_prem, v_res)
    return {
        "gross_premium": gp,
        "gross_claims": gc,
        "ceded_premium": cp,
        "ceded_claims": cc,
        "commission": com,
        "facultative_premium": fp,
        "facultative_claims": fc,
        "facultative_commission": fcom,
        "xl_premium": xp,
        "xl_claims": xc,
        "net_premium": net_premium,
        "net_claims": net_claims,
        "gross_result": gp - gc,
        "retention_result": result,
        "reinsurer_result": cp - cc - com,
        "facultative_result": fp - fc - fcom,
        "xl_result": xp - xc,
        "loss_ratio": loss_ratio(net_claims, net_premium + com + fcom),
        "net_loss_ratio": loss_ratio(net_claims, net_premium),
        "capacity": np.where(np.isfinite(arrays.capacity), arrays.capacity, np.nan),
        "rate_on_line": rol,
        "xl_rate_on_line": xl_rol,
        "v_prem": v_prem,
        "v_res": v_res,
        "sigma": sigma,
        "scr": scr,
    }


def scenarios(
    portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame,
    treaty_factory: TreatyFactory | None = None,
    grid: Mapping[str, object] | pd.DataFrame | None = None,
    *,
    facultative_commission: float | None = FACULTATIVE_COMMISSION,
    xl_loading: float = 0.0,
    premium_basis: Literal["gross", "net"] = "gross",
    discount_factors: npt.ArrayLike | None = None,
    spot_curve: Mapping[float, float] | None = None,
    rol_basis: Literal["period", "annual"] = "period",
    chunk_size: int = 64,
    progress: Callable[[int], Any] | None = None,
) -> pd.DataFrame:
    """Evaluate every scenario of ``grid`` on ``portfolio`` (see the module notes).

    ``treaty_factory(**row)`` → the treaty of a scenario (default :func:`seed_surplus`: treaty X's
    conditions at the row's ``retention``); ``grid``: ``{parameter: values}`` (Cartesian product) or a
    frame of rows (default: the study's retentions 50 000 … 1 000 000 thousand DA).
    ``facultative_commission``: what exceeds a surplus's underwriting limit is placed facultatively
    at this commission (the study: 12 %); ``None`` keeps it in the retention. Discounting: the study's annex
    09 curve unless ``discount_factors`` or ``spot_curve`` is given. ``progress(n)`` is called after
    each chunk of ``chunk_size`` scenarios with the number just done (the grid's, then one more: the
    situation without reinsurance, evaluated with them).

    Returns one row per scenario: the grid's columns then :data:`RESULT_COLUMNS`. The situation
    without reinsurance (Tableau 22) is in ``.attrs["no_reinsurance"]`` (a dict), the grid's column
    names in ``.attrs["grid"]``.
    """
    data = as_data(portfolio)
    factory = treaty_factory or seed_surplus
    rows = grid_frame(grid)
    if premium_basis not in ("gross", "net"):
        raise EngineError(f"premium_basis must be 'gross' or 'net', got {premium_basis!r}")
    if rol_basis not in ("period", "annual"):
        raise EngineError(f"rol_basis must be 'period' or 'annual', got {rol_basis!r}")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise EngineError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if xl_loading < 0 or not np.isfinite(xl_loading):
        raise EngineError(f"xl_loading must be >= 0, got {xl_loading!r}")
    records = rows.to_dict("records")
    treaties: list[Treaty] = []
    for i, row in enumerate(records):
        try:
            treaties.append(factory(**{str(k): v for k, v in row.items()}))
        except TypeError as exc:
            raise EngineError(f"scenario {i} {row}: the treaty factory refused its parameters ({exc})") from exc
    arrays, schemes = treaty_arrays([*treaties, None])  # the last row: no reinsurance, for reference
    values = evaluate_table(
        data,
        arrays,
        schemes,
        facultative_commission=facultative_commission,
        xl_loading=xl_loading,
        premium_basis=premium_basis,
        discount_factors=_discount(data, discount_factors, spot_curve),
        rol_basis=rol_basis,
        chunk_size=chunk_size,
        progress=progress,
    )
    table = pd.concat([rows, pd.DataFrame({c: v[:-1] for c, v in values.items()})], axis=1)
    table.attrs["no_reinsurance"] = {c: float(v[-1]) for c, v in values.items()}
    table.attrs["grid"] = [str(c) for c in rows.columns]
    return table


def evaluate_table(
    data: ScenarioData,
    arrays: TreatyArrays,
    schemes: list[Commission | None],
    *,
    facultative_commission: float | None,
    xl_loading: float,
    premium_basis: str,
    discount_factors: FloatArray,
    rol_basis: str,
    chunk_size: int,
    progress: Callable[[int], Any] | None = None,
    keep_triangles: bool = False,
) -> dict[str, FloatArray]:
    """The columns of :data:`RESULT_COLUMNS` for the scenarios of ``arrays``, chunk by chunk (and the
    net cumulative triangles under ``"triangles"`` when ``keep_triangles``)."""
    facultative = facultative_commission is not None
    fac_rate = float(facultative_commission) if facultative_commission is not None else 0.0
    columns: dict[str, list[FloatArray]] = {c: [] for c in RESULT_COLUMNS}
    triangles: list[FloatArray] = []
    prepared = prepare(data)
    total = arrays.size
    for start in range(0, total, chunk_size):  # chunks bound the scenarios × claims arrays' memory
        stop = min(start + chunk_size, total)
        part = arrays.take(slice(start, stop))
        k = evaluate(
            prepared,
            part,
            facultative=facultative,
            xl_loading=xl_loading,
            discount_factors=discount_factors,
            keep_triangles=keep_triangles,
        )
        chunk = _table(
            data,
            part,
            schemes[start:stop],
            k,
            facultative_commission=fac_rate,
            premium_basis=premium_basis,
            rol_basis=rol_basis,
        )
        for c in RESULT_COLUMNS:
            columns[c].append(chunk[c])
        if k.triangles is not None:
            triangles.append(k.triangles)
        if progress is not None:
            progress(stop - start)
    out = {c: np.concatenate(v) for c, v in columns.items()}
    if keep_triangles:
        out["triangles"] = np.concatenate(triangles)
    return out


def no_reinsurance(portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame, **options: Any) -> pd.Series:
    """The situation without reinsurance (the study, Tableau 22): one row of :func:`scenarios`'s columns."""
    table = scenarios(portfolio, lambda retention: None, {"retention": [0.0]}, **options)
    return pd.Series(table.attrs["no_reinsurance"], name="no_reinsurance")


def evaluate_treaties(
    portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame,
    treaties: Mapping[str, Treaty],
    **options: Any,
) -> pd.DataFrame:
    """:func:`scenarios` for named treaties (one row each, indexed by name): e.g. the current treaty
    and the optimised one of Tableau 31."""
    names = list(treaties)
    table = scenarios(portfolio, lambda name: treaties[name], {"name": names}, **options)
    return table.set_index("name")


def net_triangle(
    portfolio: MarineCargoPortfolio | ScenarioData | pd.DataFrame,
    treaty: Treaty,
    *,
    facultative_commission: float | None = FACULTATIVE_COMMISSION,
    cumulative: bool = True,
) -> pd.DataFrame:
    """The paid triangle net of ``treaty`` (accident years × development years, as the study's annexes
    01–08 print them: incremental, or cumulative by default)."""
    data = as_data(portfolio)
    arrays, schemes = treaty_arrays([treaty])
    values = evaluate_table(
        data,
        arrays,
        schemes,
        facultative_commission=facultative_commission,
        xl_loading=0.0,
        premium_basis="gross",
        discount_factors=_discount(data, None, None),
        rol_basis="period",
        chunk_size=1,
        keep_triangles=True,
    )
    tri = values["triangles"][0]
    if not cumulative:
        tri = tri.copy()
        tri[:, 1:] -= values["triangles"][0][:, :-1]
    return pd.DataFrame(
        tri,
        index=pd.Index(data.origins, name="accident_year"),
        columns=pd.RangeIndex(data.n_developments, name="development"),
    )


def scenarios_over(
    portfolios: Iterable[MarineCargoPortfolio | ScenarioData | pd.DataFrame],
    treaty_factory: TreatyFactory | None = None,
    grid: Mapping[str, object] | pd.DataFrame | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`scenarios` on several loss histories, stacked with a ``simulation`` column (0, 1, …).

    Gross losses may be historical or simulated: simulated histories are portfolios drawn
    again — ``synthetic_marine_cargo(seed=k)`` for k = 1…n — so that each scenario gets a distribution
    of retention results and SCRs (``table.groupby(grid columns)[...].describe()``). The situation
    without reinsurance of each history is in ``.attrs["no_reinsurance"]``, a list.
    """
    tables, references = [], []
    for k, portfolio in enumerate(portfolios):
        table = scenarios(portfolio, treaty_factory, grid, **options)
        references.append(table.attrs["no_reinsurance"])
        tables.append(table.assign(simulation=k))
    if not tables:
        raise EngineError("scenarios_over: no portfolio given")
    out = pd.concat(tables, ignore_index=True)
    out.attrs["no_reinsurance"] = references
    out.attrs["grid"] = tables[0].attrs["grid"]
    return out
