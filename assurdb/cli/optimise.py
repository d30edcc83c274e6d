"""``assurdb optimise``: the scenario method on a database's stored business, a user CSV or the
synthetic marine-cargo portfolio.

Prints the scenario tables (without reinsurance, the retention result and SCR by retention, the
capacity, the comparison, the per-event XL protecting the retention) with a progress bar while the
scenarios run, and writes three PNGs (the efficient frontier, the retention result and SCR against
the retention, the net triangle's heat map); ``--format csv|json`` gives the figures by retention.

Currency, unit and defaults come from the data: with ``--db``, the class's stored surplus treaty
of the latest underwriting year is the current treaty (retention, lines, commission), the
retentions range over the portfolio's sums insured and no minimum retention applies. ``--seed004``
applies the study's conditions instead (treaty X's 300 000 thousand DA as the current treaty and
the lowest retention, the study's grid, its Tableau numbers) and compares with the study's choice.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click
from click.core import ParameterSource

from assurdb.cli.options import (
    logged_in,
    login_when_needed,
    optional_database,
    output,
    password_or_prompt,
    write_rows,
)
from assurdb.cli.progress import Bars, quiet_option

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from assurdb.engine.optimise import ScenarioMethod
    from assurdb.engine.optimise.data import ScenarioData
    from assurdb.engine.optimise.stored import CurrentTreaty

K = 1_000.0  # the study's thousand DA
DEFAULT_OUT = Path("out") / "optimise"
UNITS = {"1": 1.0, "1000": 1_000.0, "1000000": 1_000_000.0}
#: ``--unit auto`` prints thousands when the median sum insured reaches this (else currency units).
THOUSANDS_FROM = 1_000_000.0

_CSV_HELP = """\b
CSV columns (one row per policy, or one row per claim with its policy's columns repeated):
  policy_id, underwriting_year, sum_insured (> 0), premium    required
  inception_date, expiry_date        optional: earned premium pro rata (else earned = written)
  claim_amount, accident_year        a claim on the row (or accident_date instead of the year)
  event_id                           optional: claims of one event (else each claim alone)
  paid_0, paid_1, ...                optional: payments by development year known at valuation
                                     (else paid like the study's annex 08)
Amounts in one currency (--currency names it)."""


_HELP = f"""Optimise the surplus retention by the scenario method and draw the pictures.

Every retention of the grid is evaluated at once (retention result, SCR premium & reserve from the
net triangles, S/P, reinsurer result, rate on line); the risk appetite filters them; the constrained
maximum and the marginal rule choose; the capacity is sized by the rate on line and a per-event XL
protects the retention.

\b
Sources (one of):
  --db URL     the stored business of one class (--class; default: the class most stored
               surplus treaties name), one risk per term guaranty; ASSURDB_URL when no other
               source is given
  --csv FILE   a portfolio of your own (columns below)
  --seed N     the synthetic marine-cargo portfolio (the default), in DA

Defaults come from the data: the currency (stored, or --currency), amounts in currency units or
in thousands when the median sum insured reaches a million (--unit), the current treaty (with
--db: the class's stored surplus of the latest underwriting year: its retention, lines and
commission), retentions in round steps between the median and the 99th percentile of the sums
insured (widened to the current retention), no lowest retention. Amounts given to the options are
in the unit the tables print. --seed004 applies instead the conditions of the worked example of
"Optimisation de la réassurance sous les exigences de la Solvabilité II" (O. Bensadoune; "the study"
in assurdb): retentions 50000 to 1000000 thousand DA, treaty X's 300000 as the current treaty and
the lowest retention, 8 lines, 38 % commission, its Tableau numbers; and compares the result with
the study's choice.

{_CSV_HELP}"""


@dataclass(frozen=True)
class _Units:
    """How amounts are printed: divided by ``scale``, in ``currency``."""

    scale: float
    currency: str | None

    @property
    def label(self) -> str:
        prefix = {1.0: "", 1_000.0: "thousand ", 1_000_000.0: "million "}.get(self.scale, f"{self.scale:g} × ")
        return f"{prefix}{self.currency or 'currency units'}"

    def amount(self, value: float) -> str:
        if not math.isfinite(value):
            return "-"
        return f"{value / self.scale:,.0f}".replace(",", " ")


@dataclass(frozen=True)
class _Printer:
    """The table report: amounts in ``units``; the study's Tableau numbers with ``seed004``."""

    units: _Units
    seed004: bool
    out: TextIO

    def title(self, seed: str, neutral: str) -> str:
        return seed if self.seed004 else neutral

    def echo(self, text: str = "") -> None:
        click.echo(text, file=self.out)

    def amount(self, value: float) -> str:
        return self.units.amount(value)

    def table(self, title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        self.echo(f"\n{title}")
        self.echo("  " + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
        self.echo("  " + "  ".join("-" * w for w in widths))
        for row in rows:
            self.echo("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def _pct(value: float, digits: int = 2) -> str:
    return "-" if not math.isfinite(value) else f"{100 * value:.{digits}f} %"


def _num(value: float, digits: int = 2) -> str:
    return "-" if not math.isfinite(value) else f"{value:.{digits}f}"


def parse_retentions(spec: str, scale: float = K) -> npt.NDArray[np.float64]:
    """``START:STOP:STEP`` (inclusive of STOP) or ``a,b,c``, in units of ``scale`` (thousands by
    default) → currency units."""
    import numpy as np

    text = spec.replace(" ", "").replace("_", "")
    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) != 3:
                raise ValueError("START:STOP:STEP needs three numbers")
            start, stop, step = parts
            if step <= 0 or stop < start:
                raise ValueError("STEP must be > 0 and STOP ≥ START")
            count = math.floor((stop - start) / step + 1e-9) + 1
            values = start + step * np.arange(count)
        else:
            values = np.array([float(p) for p in text.split(",") if p], dtype=np.float64)
    except ValueError as exc:
        raise click.BadParameter(f"{spec!r}: {exc}", param_hint="'--retentions'") from None
    if values.size == 0 or (values <= 0).any() or not np.isfinite(values).all():
        raise click.BadParameter(f"{spec!r}: retentions must be positive numbers", param_hint="'--retentions'")
    return np.asarray(np.unique(values) * scale, dtype=np.float64)


# --- the source ---------------------------------------------------------------------------------------


@dataclass
class _Source:
    """What the method runs on, and what the data says about it."""

    data: ScenarioData
    description: str
    currency: str | None
    current: CurrentTreaty | None = None
    header: dict[str, Any] | None = None
    notes: tuple[str, ...] = ()


def _from_db(
    url: str, user: str, password: str | None, klass: str | None, as_of: dt.datetime | None, quiet: bool = False
) -> _Source:
    from assurdb.engine.optimise.stored import stored_portfolio
    from assurdb.engine.stored import StoredBusiness

    with logged_in(url, user, password_or_prompt(password)) as session, Bars(quiet) as bars:
        stored = stored_portfolio(
            StoredBusiness(session, progress=bars), klass, as_of=None if as_of is None else as_of.date()
        )
    day = stored.as_of.date().isoformat()
    notes = []
    if stored.left_out:
        notes.append("Left out: " + ", ".join(f"{n} {what}" for what, n in stored.left_out.items()) + ".")
    header = {"class": stored.class_of_business, "as_of": day, "left_out": stored.left_out}
    return _Source(
        stored.data,
        f"stored {stored.class_of_business} business as at {day} (one risk per term guaranty)",
        stored.currency,
        stored.current,
        header,
        tuple(notes),
    )


def _from_file(seed: int, csv: Path | None, valuation_year: int | None, currency: str | None) -> _Source:
    from assurdb.engine.optimise import ScenarioData

    if csv is not None:
        data = ScenarioData.read_csv(csv, valuation_year=valuation_year)
        return _Source(data, f"portfolio {csv}", currency, header={"csv": str(csv)})
    from assurdb.engine.portfolio import synthetic_marine_cargo

    data = ScenarioData.from_portfolio(synthetic_marine_cargo(seed=seed))
    return _Source(data, f"synthetic marine cargo (seed {seed})", currency or "DA", header={"seed": seed})


# --- the table report ------------------------------------------------------------------------------------


def _scenario_tables(method: ScenarioMethod, source: _Source, p: _Printer) -> pd.DataFrame:
    """Without reinsurance, the appetite, the results and the SCR by retention; returns the joined
    scenario table."""
    data = method.data_
    table = method.scenarios_.join(method.steps_).join(method.constraints_.add_prefix("ok_"))
    ref = method.no_reinsurance_
    years = f"{data.years.min()}–{data.years.max()}"
    counts = f"{data.n_policies:,} policies {years}; {data.n_claims:,} claims".replace(",", " ")
    p.echo(f"\n{source.description}: {counts}; amounts in {p.units.label}")
    for note in source.notes:
        p.echo(note)
    if source.current is not None:
        c = source.current
        p.echo(
            f"Current treaty: {c.code} ({c.underwriting_year}) — retention {p.amount(c.retention)}, "
            f"{c.lines:g} lines, commission {_pct(c.commission, 1)}"
        )
    p.table(
        p.title("Tableau 22 — without reinsurance", "Without reinsurance"),
        ["retention result", "SCR premium & reserve", "S/P"],
        [[p.amount(ref["retention_result"]), p.amount(ref["scr"]), _pct(ref["loss_ratio"], 1)]],
    )
    appetite = method.appetite_
    scr_cap = appetite.scr_ceiling if appetite.scr_ceiling is not None else ref["scr"]
    lr_cap = appetite.loss_ratio_ceiling if appetite.loss_ratio_ceiling is not None else ref["loss_ratio"]
    bounds = []
    if appetite.min_retention is not None:
        bounds.append(f"retention ≥ {p.amount(appetite.min_retention)}")
    if appetite.max_retention is not None:
        bounds.append(f"retention ≤ {p.amount(appetite.max_retention)}")
    p.echo(
        f"\n{p.title('Risk appetite (Tableau 26)', 'Risk appetite')}: SCR ≤ {p.amount(scr_cap)}, "
        f"S/P ≤ {_pct(lr_cap)}, ROL ≥ {_pct(appetite.minimum_rol, 0)} ({appetite.market} market)"
        + (", " + ", ".join(bounds) if bounds else "")
    )

    def marks(row: pd.Series) -> str:
        failed = [name for name in ("scr", "loss_ratio", "rate_on_line", "retention") if not row[f"ok_{name}"]]
        return (
            "ok"
            if not failed
            else "no: " + ",".join(f.replace("rate_on_line", "rol").replace("loss_ratio", "s/p") for f in failed)
        )

    chosen = {label: rule for rule, label in method.choice_.chosen.items() if label is not None}
    rows = []
    for label, row in table.iterrows():
        tag = " ".join(f"<{chosen_rule}>" for lab, chosen_rule in chosen.items() if lab == label)
        rows.append(
            [
                p.amount(row["retention"]),
                p.amount(row["retention_result"]),
                _num(row["slope"]),
                _pct(row["growth_rate"], 1),
                _pct(row["loss_ratio"]),
                _pct(row["rate_on_line"]),
                marks(row),
                tag,
            ]
        )
    p.table(
        p.title(
            "Tableaux 27–28 — retention result by retention: slope and growth rate per step",
            "Retention result by retention: slope and growth rate per step",
        ),
        ["retention", "retention result", "slope", "growth", "S/P", "ROL", "appetite", "chosen"],
        rows,
    )
    p.table(
        p.title(
            "Tableau 29 — premium and reserve SCR by retention (net triangles → BE → SCR)",
            "Premium and reserve SCR by retention (net triangles → BE → SCR)",
        ),
        ["retention", "V prem", "V res (net BE)", "σ", "SCR premium & reserve"],
        [
            [
                p.amount(r["retention"]),
                p.amount(r["v_prem"]),
                p.amount(r["v_res"]),
                _pct(r["sigma"], 3),
                p.amount(r["scr"]),
            ]
            for _, r in table.iterrows()
        ],
    )
    return table


def _report(method: ScenarioMethod, source: _Source, p: _Printer) -> None:
    import numpy as np

    table = _scenario_tables(method, source, p)
    appetite = method.appetite_
    p.echo("")
    for rule, row in method.chosen_.iterrows():
        name = "marginal rule (highest growth rate)" if rule == "marginal" else "constrained maximum of the result"
        p.echo(
            f"Chosen by the {name}: retention {p.amount(row['retention'])} — "
            f"result {p.amount(row['retention_result'])}, SCR {p.amount(row['scr'])}, "
            f"growth {_pct(row['growth_rate'], 1)}, slope {_num(row['slope'])}"
        )
    if len(method.chosen_) < len(method.rules):
        p.echo(
            "No scenario satisfies the risk appetite for: "
            + ", ".join(sorted(set(method.rules) - set(method.chosen_.index)))
        )
    if "marginal" in method.chosen_.index and len(method.frontier_):
        steps = method.steps_["slope"].where(method.constraints_["feasible"])
        if steps.notna().any():
            closest = table.iloc[int(np.nanargmin((steps - 1).abs().to_numpy(dtype=float)))]
            slope, at = _num(closest["slope"]), p.amount(closest["retention"])
            p.echo(f"Slope closest to 1 among the feasible steps: {slope} at {at}")
    if p.seed004:
        from assurdb.engine.optimise.seed004 import SEED_OPTIMUM

        p.echo(
            f"The study's choice (Tableaux 27–29): retention {p.amount(SEED_OPTIMUM)} — "
            f"this run: {p.amount(method.retention_)}"
        )

    cap = method.capacity_
    sized = method.lines_
    p.table(
        p.title("Tableau 30 — treaty capacity", "Treaty capacity") + f" at the retention {p.amount(method.retention_)}",
        ["capacity", "underwriting limit", "pleins" if p.seed004 else "lines + 1", "reinsurer result", "ROL", ""],
        [
            [
                p.amount(r["capacity"]),
                p.amount(r["underwriting_limit"]),
                f"{r['pleins']:g}",
                p.amount(r["reinsurer_result"]),
                _pct(r["rate_on_line"]),
                "<sized>" if sized is not None and r["lines"] == sized else "",
            ]
            for _, r in cap.iterrows()
        ],
    )
    if sized is None:
        p.echo(f"No capacity reaches the minimum ROL {_pct(appetite.minimum_rol, 0)}.")
    comparison = method.comparison_
    labels = {
        "no_reinsurance": "no reinsurance",
        "current": "current treaty",
        "rule_max": "max rule",
        "rule_marginal": "marginal rule",
        "optimised": "optimised",
    }
    shown = [c for c in labels if c in comparison.columns]
    percent = {"loss_ratio", "rate_on_line"}
    names = {
        "retention": "retention",
        "capacity": "capacity",
        "retention_result": "retention result",
        "scr": "SCR premium & reserve",
        "loss_ratio": "S/P",
        "reinsurer_result": "reinsurer result",
        "rate_on_line": "ROL",
    }
    p.table(
        p.title("Tableau 31 — comparison", "Comparison"),
        ["criterion", *[labels[c] for c in shown]],
        [
            [
                names[k],
                *[
                    (_pct if k in percent else p.amount)(
                        float(comparison[c].to_numpy(dtype=float)[comparison.index.get_loc(k)])
                    )
                    for c in shown
                ],
            ]
            for k in names
        ],
    )

    protection = method.protection_
    p.table(
        p.title("Tableau 32 — retained premiums and claims", "Retained premiums and claims")
        + f" at the retention {p.amount(protection.retention)}",
        ["year", "premium", "claims", "S/P"],
        [
            [str(y), p.amount(r["premium"]), p.amount(r["claims"]), _pct(r["loss_ratio"], 0)]
            for y, r in protection.by_year.iterrows()
        ],
    )
    lr = protection.profile.loss_ratio
    width = float(method.band_width)

    def band(label: Any) -> str:
        if label == "all" or label not in protection.profile.upper.index:
            return str(label)
        upper = float(protection.profile.upper[label])
        return f"{p.amount(upper - width)}-{p.amount(upper)}"

    p.table(
        p.title("Tableau 33 — S/P by band of retained claim charge", "S/P by band of retained claim charge"),
        ["band", *[str(c) for c in lr.columns]],
        [[band(b), *[_pct(v, 0) for v in r.to_numpy(dtype=float)]] for b, r in lr.iterrows()],
    )
    what = "shipments" if p.seed004 else "risks"
    p.table(
        p.title(
            "Tableau 34 — per-event XL: limit = retention × shipments on one vessel",
            "Per-event XL: limit = retention × risks one event touches",
        )
        + f" (priority {p.amount(protection.priority)})",
        ["scenario", what, "limit", "ceded to the XL", "SCR"],
        [
            [str(i), str(int(r["shipments"])), p.amount(r["limit"]), p.amount(r["xl_claims"]), p.amount(r["scr"])]
            for i, r in protection.limits.iterrows()
        ],
    )
    where = "shipments on one vessel" if p.seed004 else "risks in one event"
    p.echo(
        f"Per-event XL protecting the retention: {p.amount(protection.limit)} xs {p.amount(protection.priority)} "
        f"({protection.shipments} {where}, the most one event of the history touched)"
    )


# --- csv / json ------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A figure as CSV and JSON print it: amounts to the cent, rates to 6 decimals, NaN as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, 6) + 0.0 if abs(value) < 10 else round(value, 2) + 0.0
    return value


def scenario_rows(method: ScenarioMethod) -> list[dict[str, Any]]:
    """One row per retention of the grid: its figures, whether the appetite accepts it, the rules
    that chose it."""
    table = method.scenarios_.join(method.steps_).join(method.constraints_[["feasible"]])
    chosen: dict[int, list[str]] = {}
    for rule, position in method.choice_.chosen.items():
        if position is not None:
            chosen.setdefault(position, []).append(rule)
    columns = ["retention", "retention_result", "scr", "loss_ratio", "rate_on_line", "reinsurer_result"]
    columns += ["slope", "growth_rate", "v_prem", "v_res", "feasible"]
    rows = []
    for position, (_, row) in enumerate(table.iterrows()):
        out = {c: _plain(row[c]) for c in columns if c in table.columns}
        out["feasible"] = bool(row["feasible"])
        out["chosen"] = " ".join(sorted(chosen.get(position, [])))
        rows.append(out)
    return rows


def _summary(method: ScenarioMethod, source: _Source, units: _Units) -> dict[str, Any]:
    data = method.data_
    comparison = {
        column: {str(k): _plain(v) for k, v in method.comparison_[column].items()}
        for column in method.comparison_.columns
    }
    current = source.current
    return {
        "source": source.description,
        **(source.header or {}),
        "currency": units.currency,
        "unit": units.label,
        "valuation_year": data.valuation_year,
        "policies": data.n_policies,
        "claims": data.n_claims,
        "years": [int(y) for y in data.years],
        "current": None
        if current is None
        else {
            "code": current.code,
            "underwriting_year": current.underwriting_year,
            "retention": current.retention,
            "lines": current.lines,
            "commission": current.commission,
        },
        "appetite": {
            "scr_ceiling": _plain(method.appetite_.scr_ceiling),
            "loss_ratio_ceiling": _plain(method.appetite_.loss_ratio_ceiling),
            "min_rol": _plain(method.appetite_.minimum_rol),
            "min_retention": _plain(method.appetite_.min_retention),
            "max_retention": _plain(method.appetite_.max_retention),
        },
        "chosen": {str(rule): _plain(row["retention"]) for rule, row in method.chosen_.iterrows()},
        "rule": method.rule_,
        "retention": _plain(method.retention_),
        "lines": method.lines_,
        "comparison": comparison,
        "xl": {"priority": _plain(method.protection_.priority), "limit": _plain(method.protection_.limit)},
    }


# --- the command -----------------------------------------------------------------------------------------


def _given(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


@click.command("optimise", help=_HELP)
@optional_database
@login_when_needed
@click.option(
    "--class",
    "klass",
    default=None,
    help="Class of business of --db (default: the class the most stored surplus treaties name).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date of the stored figures of --db (default: the latest movement or term start stored).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the synthetic marine-cargo portfolio.")
@click.option(
    "--csv",
    "csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A portfolio of your own (columns below).",
)
@click.option("--valuation-year", type=int, default=None, help="Valuation year of the CSV (default: its latest year).")
@click.option(
    "--currency",
    default=None,
    help="Currency of the CSV or the synthetic portfolio (default: none named for a CSV; DA for the synthetic "
    "portfolio and with --seed004).",
)
@click.option(
    "--unit",
    type=click.Choice(["auto", *UNITS]),
    default="auto",
    show_default=True,
    help="Print amounts in currency units (1), thousands or millions; auto: thousands when the median "
    "sum insured reaches a million.",
)
@click.option(
    "--seed004",
    is_flag=True,
    help="The study's conditions (grid, treaty X, lowest retention, DA) and the comparison with its choice.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Directory for frontier.png, retention.png and triangle.png.",
)
@click.option("--no-pictures", is_flag=True, help="Draw no picture.")
@click.option(
    "--retentions",
    default=None,
    help="Retention grid, in the unit printed: START:STOP:STEP or a,b,c (default: from the sums insured; "
    "--seed004: 50000:1000000:50000 thousand DA).",
)
@click.option("--lines", type=float, default=None, help="Lines of the surplus (default: the current treaty's, else 8).")
@click.option(
    "--market", type=click.Choice(["soft", "hard"]), default="hard", show_default=True, help="Minimum ROL 12 % / 20 %."
)
@click.option(
    "--rule",
    type=click.Choice(["max", "marginal", "both"]),
    default="both",
    show_default=True,
    help="Constrained maximum of the result, the marginal rule (highest growth rate), or both side by side.",
)
@click.option(
    "--current-retention",
    type=float,
    default=None,
    help="Retention of the treaty in force, in the unit printed; 0 for none (default: the stored treaty's "
    "with --db, none for a CSV or the synthetic portfolio; --seed004: 300 000 thousand DA).",
)
@click.option(
    "--min-retention",
    type=float,
    default=None,
    help="Lowest retention accepted, in the unit printed (default: none; --seed004: the current retention).",
)
@click.option(
    "--max-scr",
    type=float,
    default=None,
    help="SCR ceiling, in the unit printed (default: the SCR without reinsurance).",
)
@click.option(
    "--max-loss-ratio", type=float, default=None, help="S/P ceiling, e.g. 0.335 (default: S/P without reinsurance)."
)
@click.option("--min-rol", type=float, default=None, help="Minimum rate on line, e.g. 0.15 (default: by --market).")
@click.option(
    "--commission",
    type=float,
    default=None,
    help="Commission of the surplus, e.g. 0.3 (default: the current treaty's, else 0.38).",
)
@click.option(
    "--fac-commission", type=float, default=0.12, show_default=True, help="Commission of facultative placements."
)
@output
@quiet_option
def command(
    url: str | None,
    user: str,
    password: str | None,
    klass: str | None,
    as_of: dt.datetime | None,
    seed: int,
    csv: Path | None,
    valuation_year: int | None,
    currency: str | None,
    unit: str,
    seed004: bool,
    out: Path,
    no_pictures: bool,
    retentions: str | None,
    lines: float | None,
    market: str,
    rule: str,
    current_retention: float | None,
    min_retention: float | None,
    max_scr: float | None,
    max_loss_ratio: float | None,
    min_rol: float | None,
    commission: float | None,
    fac_commission: float,
    fmt: str,
    output: TextIO,
    quiet: bool,
) -> None:
    """Optimise the surplus retention by the scenario method (help: :data:`_HELP`)."""
    ctx = click.get_current_context()
    others = [f"--{n.replace('_', '')}" for n in ("csv", "seed", "seed004") if _given(ctx, n)]
    from_command_line = ctx.get_parameter_source("url") == ParameterSource.COMMANDLINE
    if from_command_line and others:
        raise click.UsageError(f"--db excludes {', '.join(others)}: give one source")
    if csv is not None and _given(ctx, "seed"):
        raise click.UsageError("--csv excludes --seed: give one source")
    use_db = url is not None and (from_command_line or not others)
    if not use_db:
        wrong = [f"--{n.replace('_', '-')}" for n in ("klass", "as_of") if _given(ctx, n)]
        if wrong:
            raise click.UsageError(f"{', '.join(wrong).replace('klass', 'class')} needs --db")
    elif currency is not None or valuation_year is not None:
        raise click.UsageError("--db takes the currency and the valuation date from the data (see --as-of)")
    if retentions is not None:
        parse_retentions(retentions, 1.0)  # the spec's errors before any work

    from assurdb.engine.errors import EngineError
    from assurdb.engine.optimise import RiskAppetite, ScenarioMethod
    from assurdb.engine.optimise import seed004 as s004
    from assurdb.engine.optimise.stored import band_width, retention_grid
    from assurdb.engine.pictures import write_pictures
    from assurdb.engine.treaties import Surplus

    table = fmt == "table"
    try:  # the root group maps EngineError too; catching it here keeps the command usable alone
        import numpy as np

        if use_db:
            assert url is not None
            source = _from_db(url, user, password, klass, as_of, quiet)
        else:
            source = _from_file(seed, csv, valuation_year, currency)
        data = source.data
        if unit != "auto":
            scale = UNITS[unit]
        elif seed004:
            scale = K
        else:
            scale = K if float(np.median(data.tsi)) >= THOUSANDS_FROM else 1.0
        units = _Units(scale, source.currency or ("DA" if seed004 else None))
        current = source.current
        if current is not None and not seed004:
            lines = current.lines if lines is None else lines
            commission = current.commission if commission is None else commission
        lines = s004.CURRENT_LINES if lines is None else lines
        commission = s004.COMMISSION if commission is None else commission
        if current_retention is not None:
            current_value = current_retention * scale if current_retention > 0 else None
            source.current = None
        elif seed004:
            current_value = s004.CURRENT_RETENTION
        else:
            current_value = None if current is None else current.retention
        floor = min_retention * scale if min_retention is not None else (current_value if seed004 else None)
        if retentions is not None:
            grid = parse_retentions(retentions, scale)
        elif seed004:
            grid = np.asarray(s004.RETENTIONS, dtype=np.float64)
        else:
            grid = retention_grid(data.tsi, include=current_value)

        def factory(retention: float) -> Surplus:
            return Surplus(retention, lines, commission=commission)

        appetite = RiskAppetite(
            scr_ceiling=None if max_scr is None else max_scr * scale,
            loss_ratio_ceiling=max_loss_ratio,
            market=market,  # type: ignore[arg-type]
            min_rol=min_rol,
            min_retention=floor,
        )
        method = ScenarioMethod(
            factory,
            {"retention": grid},
            appetite=appetite,
            rule=rule,  # type: ignore[arg-type]
            current=Surplus(current_value, lines, commission=commission) if current_value else None,
            commission=commission,
            band_width=s004.BAND_WIDTH if seed004 else band_width(data.claim_amount, grid),
            facultative_commission=fac_commission,
            chunk_size=max(1, math.ceil((grid.size + 1) / 20)),  # ~20 ticks of the progress bar
        )
        p = _Printer(units, seed004, output)
        try:
            if table:
                with click.progressbar(length=grid.size + 1, label="Scenarios") as bar:
                    progress: Any = bar.update
                    method.progress = progress
                    method.fit(data)
            else:
                method.fit(data)
        except EngineError:
            if table and hasattr(method, "constraints_"):  # the grid ran: show why nothing was chosen
                _scenario_tables(method, source, p)
            raise
        if table:
            _report(method, source, p)
        written = {} if no_pictures else write_pictures(method, out, unit=scale, label=units.label)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    if not table:
        write_rows(scenario_rows(method), fmt, output, _summary(method, source, units))
    if written:
        click.echo(
            "\nPictures: " + ", ".join(str(path) for path in written.values()),
            file=output if table else sys.stderr,
        )
