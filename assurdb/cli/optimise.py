"""``assurdb optimise``: seed 004's scenario method on the synthetic portfolio or a user CSV.

Prints the seed-style tables (Tableaux 22, 27–28, 29, 30, 31, 33–34; amounts in thousand DA as the
seed prints them) with a progress bar while the scenarios run, and writes three PNGs (the efficient
frontier, the retention result and SCR against the retention, the net triangle's heat map).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from assurdb.engine.optimise import ScenarioMethod
    from assurdb.engine.optimise.data import ScenarioData

K = 1_000.0  # the tables' thousand DA
DEFAULT_OUT = Path("out") / "optimise"

_CSV_HELP = """\b
CSV columns (one row per policy, or one row per claim with its policy's columns repeated):
  policy_id, underwriting_year, sum_insured (DA, > 0), premium (DA)   required
  inception_date, expiry_date        optional: earned premium pro rata (else earned = written)
  claim_amount (DA), accident_year   a claim on the row (or accident_date instead of the year)
  event_id                           optional: claims of one vessel (else each claim alone)
  paid_0, paid_1, ...                optional: payments by development year known at valuation
                                     (else paid like seed 004 annex 08)"""


_HELP = f"""Optimise the surplus retention by seed 004's scenario method and draw the pictures.

Every retention of the grid is evaluated at once (retention result, SCR premium & reserve from the
net triangles, S/P, reinsurer result, rate on line); the risk appetite filters them; the constrained
maximum and the marginal rule choose; the capacity is sized by the rate on line and a per-event XL
protects the retention. Tables in thousand DA, as the seed prints them.

{_CSV_HELP}"""


def _amount(value: float) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value / K:,.0f}".replace(",", " ")


def _pct(value: float, digits: int = 2) -> str:
    return "-" if not math.isfinite(value) else f"{100 * value:.{digits}f} %"


def _num(value: float, digits: int = 2) -> str:
    return "-" if not math.isfinite(value) else f"{value:.{digits}f}"


def _print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    click.echo(f"\n{title}")
    click.echo("  " + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    click.echo("  " + "  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def parse_retentions(spec: str) -> npt.NDArray[np.float64]:
    """``START:STOP:STEP`` (inclusive of STOP) or ``a,b,c``, in thousand DA → DA."""
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
    return np.asarray(np.unique(values) * K, dtype=np.float64)


def _load(seed: int, csv: Path | None, valuation_year: int | None) -> tuple[ScenarioData, str]:
    from assurdb.engine.optimise import ScenarioData

    if csv is not None:
        data = ScenarioData.read_csv(csv, valuation_year=valuation_year)
        return data, f"portfolio {csv}"
    from assurdb.engine.portfolio import synthetic_marine_cargo

    return ScenarioData.from_portfolio(synthetic_marine_cargo(seed=seed)), f"synthetic marine cargo (seed {seed})"


def _scenario_tables(method: ScenarioMethod, source: str) -> pd.DataFrame:
    """Tableaux 22, 26 (the appetite), 27–28 and 29; returns the joined scenario table."""
    data = method.data_
    table = method.scenarios_.join(method.steps_).join(method.constraints_.add_prefix("ok_"))
    ref = method.no_reinsurance_
    years = f"{data.years.min()}–{data.years.max()}"
    counts = f"{data.n_policies:,} policies {years}; {data.n_claims:,} claims".replace(",", " ")
    click.echo(f"\n{source}: {counts}; amounts in thousand DA")
    _print_table(
        "Tableau 22 — without reinsurance",
        ["retention result", "SCR premium & reserve", "S/P"],
        [[_amount(ref["retention_result"]), _amount(ref["scr"]), _pct(ref["loss_ratio"], 1)]],
    )
    appetite = method.appetite_
    scr_cap = appetite.scr_ceiling if appetite.scr_ceiling is not None else ref["scr"]
    lr_cap = appetite.loss_ratio_ceiling if appetite.loss_ratio_ceiling is not None else ref["loss_ratio"]
    bounds = []
    if appetite.min_retention is not None:
        bounds.append(f"retention ≥ {_amount(appetite.min_retention)}")
    if appetite.max_retention is not None:
        bounds.append(f"retention ≤ {_amount(appetite.max_retention)}")
    click.echo(
        f"\nRisk appetite (Tableau 26): SCR ≤ {_amount(scr_cap)}, S/P ≤ {_pct(lr_cap)}, "
        f"ROL ≥ {_pct(appetite.minimum_rol, 0)} ({appetite.market} market)"
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
                _amount(row["retention"]),
                _amount(row["retention_result"]),
                _num(row["slope"]),
                _pct(row["growth_rate"], 1),
                _pct(row["loss_ratio"]),
                _pct(row["rate_on_line"]),
                marks(row),
                tag,
            ]
        )
    _print_table(
        "Tableaux 27–28 — retention result by retention: slope and growth rate per step",
        ["retention", "retention result", "slope", "growth", "S/P", "ROL", "appetite", "chosen"],
        rows,
    )
    _print_table(
        "Tableau 29 — premium and reserve SCR by retention (net triangles → BE → SCR)",
        ["retention", "V prem", "V res (net BE)", "σ", "SCR premium & reserve"],
        [
            [_amount(r["retention"]), _amount(r["v_prem"]), _amount(r["v_res"]), _pct(r["sigma"], 3), _amount(r["scr"])]
            for _, r in table.iterrows()
        ],
    )
    return table


def _report(method: ScenarioMethod, source: str) -> None:
    import numpy as np

    table = _scenario_tables(method, source)
    appetite = method.appetite_
    click.echo("")
    for rule, row in method.chosen_.iterrows():
        name = "marginal rule (highest growth rate)" if rule == "marginal" else "constrained maximum of the result"
        click.echo(
            f"Chosen by the {name}: retention {_amount(row['retention'])} — result {_amount(row['retention_result'])}, "
            f"SCR {_amount(row['scr'])}, growth {_pct(row['growth_rate'], 1)}, slope {_num(row['slope'])}"
        )
    if len(method.chosen_) < len(method.rules):
        click.echo(
            "No scenario satisfies the risk appetite for: "
            + ", ".join(sorted(set(method.rules) - set(method.chosen_.index)))
        )
    if "marginal" in method.chosen_.index and len(method.frontier_):
        steps = method.steps_["slope"].where(method.constraints_["feasible"])
        if steps.notna().any():
            closest = table.iloc[int(np.nanargmin((steps - 1).abs().to_numpy(dtype=float)))]
            slope, at = _num(closest["slope"]), _amount(closest["retention"])
            click.echo(f"Slope closest to 1 among the feasible steps: {slope} at {at}")
    click.echo(f"Seed 004's choice (Tableaux 27–29): retention 500 000 — this run: {_amount(method.retention_)}")

    cap = method.capacity_
    sized = method.lines_
    _print_table(
        f"Tableau 30 — treaty capacity at the retention {_amount(method.retention_)}",
        ["capacity", "underwriting limit", "pleins", "reinsurer result", "ROL", ""],
        [
            [
                _amount(r["capacity"]),
                _amount(r["underwriting_limit"]),
                f"{r['pleins']:g}",
                _amount(r["reinsurer_result"]),
                _pct(r["rate_on_line"]),
                "<sized>" if sized is not None and r["lines"] == sized else "",
            ]
            for _, r in cap.iterrows()
        ],
    )
    if sized is None:
        click.echo(f"No capacity reaches the minimum ROL {_pct(appetite.minimum_rol, 0)}.")
    comparison = method.comparison_
    labels = {
        "no_reinsurance": "no reinsurance",
        "current": "current treaty",
        "rule_max": "max rule",
        "rule_marginal": "marginal rule",
        "optimised": "optimised",
    }
    shown = [c for c in labels if c in comparison.columns]
    fmt = {
        "retention": _amount,
        "capacity": _amount,
        "retention_result": _amount,
        "scr": _amount,
        "loss_ratio": _pct,
        "reinsurer_result": _amount,
        "rate_on_line": _pct,
    }
    names = {
        "retention": "retention",
        "capacity": "capacity",
        "retention_result": "retention result",
        "scr": "SCR premium & reserve",
        "loss_ratio": "S/P",
        "reinsurer_result": "reinsurer result",
        "rate_on_line": "ROL",
    }
    _print_table(
        "Tableau 31 — comparison",
        ["criterion", *[labels[c] for c in shown]],
        [
            [
                names[k],
                *[fmt[k](float(comparison[c].to_numpy(dtype=float)[comparison.index.get_loc(k)])) for c in shown],
            ]
            for k in names
        ],
    )

    protection = method.protection_
    by_year = protection.by_year
    _print_table(
        f"Tableau 32 — retained premiums and claims at the retention {_amount(protection.retention)}",
        ["year", "premium", "claims", "S/P"],
        [
            [str(y), _amount(r["premium"]), _amount(r["claims"]), _pct(r["loss_ratio"], 0)]
            for y, r in by_year.iterrows()
        ],
    )
    lr = protection.profile.loss_ratio
    _print_table(
        "Tableau 33 — S/P by band of retained claim charge",
        ["band", *[str(c) for c in lr.columns]],
        [[str(band), *[_pct(v, 0) for v in r.to_numpy(dtype=float)]] for band, r in lr.iterrows()],
    )
    _print_table(
        "Tableau 34 — per-event XL: limit = retention × shipments on one vessel "
        f"(priority {_amount(protection.priority)})",
        ["scenario", "shipments", "limit", "ceded to the XL", "SCR"],
        [
            [str(i), str(int(r["shipments"])), _amount(r["limit"]), _amount(r["xl_claims"]), _amount(r["scr"])]
            for i, r in protection.limits.iterrows()
        ],
    )
    click.echo(
        f"Per-event XL protecting the retention: {_amount(protection.limit)} xs {_amount(protection.priority)} "
        f"({protection.shipments} shipments on one vessel, the most one event of the history touched)"
    )


@click.command("optimise", help=_HELP)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the synthetic marine-cargo portfolio.")
@click.option(
    "--csv",
    "csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A portfolio of your own instead of the synthetic one (columns below).",
)
@click.option("--valuation-year", type=int, default=None, help="Valuation year of the CSV (default: its latest year).")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Directory for frontier.png, retention.png and triangle.png.",
)
@click.option(
    "--retentions",
    default="50000:1000000:50000",
    show_default=True,
    help="Retention grid in thousand DA: START:STOP:STEP or a,b,c (seed 004 Tableau 27).",
)
@click.option("--lines", type=float, default=8.0, show_default=True, help="Lines of the surplus (treaty X: 8).")
@click.option(
    "--market", type=click.Choice(["soft", "hard"]), default="hard", show_default=True, help="Minimum ROL 12 % / 20 %."
)
@click.option(
    "--rule",
    type=click.Choice(["max", "marginal", "both"]),
    default="both",
    show_default=True,
    help="Constrained maximum of the result, the seed's marginal rule (Tableaux 27–28), or both side by side.",
)
@click.option(
    "--current-retention",
    type=float,
    default=300_000.0,
    show_default=True,
    help="Retention of the treaty in force, thousand DA (seed 004 treaty X); 0 for none.",
)
@click.option(
    "--min-retention",
    type=float,
    default=None,
    help="Lowest retention accepted, thousand DA (default: the current retention — the seed raises it).",
)
@click.option(
    "--max-scr", type=float, default=None, help="SCR ceiling, thousand DA (default: SCR without reinsurance)."
)
@click.option(
    "--max-loss-ratio", type=float, default=None, help="S/P ceiling, e.g. 0.335 (default: S/P without reinsurance)."
)
@click.option("--min-rol", type=float, default=None, help="Minimum rate on line, e.g. 0.15 (default: by --market).")
@click.option("--commission", type=float, default=0.38, show_default=True, help="Commission of the surplus.")
@click.option(
    "--fac-commission", type=float, default=0.12, show_default=True, help="Commission of facultative placements."
)
def command(
    seed: int,
    csv: Path | None,
    valuation_year: int | None,
    out: Path,
    retentions: str,
    lines: float,
    market: str,
    rule: str,
    current_retention: float,
    min_retention: float | None,
    max_scr: float | None,
    max_loss_ratio: float | None,
    min_rol: float | None,
    commission: float,
    fac_commission: float,
) -> None:
    """Optimise the surplus retention by seed 004's scenario method (help: :data:`_HELP`)."""
    grid = parse_retentions(retentions)
    from assurdb.engine.errors import EngineError
    from assurdb.engine.optimise import RiskAppetite, ScenarioMethod
    from assurdb.engine.pictures import write_pictures
    from assurdb.engine.treaties import Surplus

    def factory(retention: float) -> Surplus:
        return Surplus(retention, lines, commission=commission)

    try:  # the root group maps EngineError too; catching it here keeps the command usable alone
        current = Surplus(current_retention * K, lines, commission=commission) if current_retention > 0 else None
        floor = min_retention if min_retention is not None else (current_retention if current_retention > 0 else None)
        appetite = RiskAppetite(
            scr_ceiling=None if max_scr is None else max_scr * K,
            loss_ratio_ceiling=max_loss_ratio,
            market=market,  # type: ignore[arg-type]
            min_rol=min_rol,
            min_retention=None if floor is None else floor * K,
        )
        method = ScenarioMethod(
            factory,
            {"retention": grid},
            appetite=appetite,
            rule=rule,  # type: ignore[arg-type]
            current=current,
            commission=commission,
            facultative_commission=fac_commission,
            chunk_size=max(1, math.ceil((grid.size + 1) / 20)),  # ~20 ticks of the progress bar
        )
        data, source = _load(seed, csv, valuation_year)
        with click.progressbar(length=grid.size + 1, label="Scenarios") as bar:
            progress: Any = bar.update
            method.progress = progress
            try:
                method.fit(data)
            except EngineError:
                if hasattr(method, "constraints_"):  # the grid ran: show why nothing was chosen
                    _scenario_tables(method, source)
                raise
        _report(method, source)
        written = write_pictures(method, out)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("\nPictures: " + ", ".join(str(p) for p in written.values()))
