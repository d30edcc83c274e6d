"""PNG pictures of the scenario method (the study, Figures 34–36): the efficient frontier,
the retention result and the SCR against the retention, and a triangle heat map.

matplotlib is imported inside the functions (``engine.optimise`` never needs it) and drawn on an
Agg canvas through ``matplotlib.figure.Figure``, without pyplot's global state: nothing needs a
screen, and two threads may draw at once. Amounts are shown in thousand DA, as the study prints them,
unless a ``unit`` and its ``label`` are given (``1.0, "EUR"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assurdb.engine.errors import EngineError

if TYPE_CHECKING:
    from assurdb.engine.optimise.method import ScenarioMethod

__all__ = ["PICTURES", "frontier_png", "retention_png", "triangle_png", "write_pictures"]

#: The files :func:`write_pictures` writes, by picture.
PICTURES = {"frontier": "frontier.png", "retention": "retention.png", "triangle": "triangle.png"}

K = 1_000.0  # DA → thousand DA
_RULE_STYLE = {"max": ("s", "tab:red"), "marginal": ("D", "tab:green")}


def _figure(width: float = 7.5, height: float = 5.0) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _thousands(*axes: Any) -> None:
    """Tick labels as the study prints amounts: ``1 400 000``, no offset or scientific notation."""
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda v, _pos: f"{v:,.0f}".replace(",", " "))
    for axis in axes:
        axis.set_major_formatter(formatter)


def _save(fig: Any, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    return target


def frontier_png(
    table: pd.DataFrame,
    frontier: pd.DataFrame,
    chosen: pd.DataFrame,
    path: str | Path,
    *,
    feasible: pd.Series | None = None,
    marks: Mapping[str, pd.Series] | None = None,
    unit: float = K,
    label: str = "thousand DA",
) -> Path:
    """Retention result against SCR for every scenario (feasible ones filled), the efficient frontier
    as a line, the chosen scenario of each rule marked (``chosen``: one row per rule), and ``marks``
    (e.g. no reinsurance, the current treaty) as labelled crosses (the study, Figure 36). Amounts are
    divided by ``unit`` and labelled ``label``."""
    K = unit
    for column in ("retention_result", "scr"):
        if column not in table.columns:
            raise EngineError(f"frontier_png: the table has no column {column!r}")
    fig = _figure()
    ax = fig.add_subplot()
    x, y = table["scr"] / K, table["retention_result"] / K
    ok = np.ones(len(table), dtype=bool) if feasible is None else feasible.reindex(table.index).fillna(False).to_numpy()
    ax.scatter(x[~ok], y[~ok], s=14, facecolors="none", edgecolors="0.6", label="scenario (outside the appetite)")
    ax.scatter(x[ok], y[ok], s=14, color="tab:blue", label="scenario (within the appetite)")
    if not frontier.empty:
        ax.plot(
            frontier["scr"] / K, frontier["retention_result"] / K, color="tab:blue", lw=1.5, label="efficient frontier"
        )
    for rule, row in chosen.iterrows():
        marker, colour = _RULE_STYLE.get(str(rule), ("o", "black"))
        text = f"chosen ({rule})"
        if "retention" in row.index:
            text += f": R = {row['retention'] / K:,.0f}".replace(",", " ")
        ax.scatter(
            [row["scr"] / K], [row["retention_result"] / K], s=90, marker=marker, color=colour, zorder=5, label=text
        )
    for name, row in (marks or {}).items():
        ax.scatter([row["scr"] / K], [row["retention_result"] / K], s=60, marker="x", color="black", zorder=4)
        ax.annotate(
            name,
            (row["scr"] / K, row["retention_result"] / K),
            textcoords="offset points",
            xytext=(-8, -14),
            ha="right",
        )
    _thousands(ax.xaxis, ax.yaxis)
    ax.set_xlabel(f"SCR premium and reserve ({label})")
    ax.set_ylabel(f"retention result ({label})")
    ax.set_title("Efficient frontier: retention result against SCR")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def retention_png(
    table: pd.DataFrame,
    chosen: pd.DataFrame,
    path: str | Path,
    *,
    along: str = "retention",
    unit: float = K,
    label: str = "thousand DA",
) -> Path:
    """The retention result (left axis) and the SCR (right axis) against ``along`` (the study, Figures
    34–35), the chosen retentions as vertical lines. With several values of the other grid
    parameters, one line per combination. Amounts in ``unit`` (labelled ``label``)."""
    K = unit
    if along not in table.columns:
        raise EngineError(f"retention_png: the table has no column {along!r}")
    fig = _figure()
    ax = fig.add_subplot()
    ax2 = ax.twinx()
    grid = [c for c in table.attrs.get("grid", []) if c != along and c in table.columns]
    groups = table.groupby(grid, sort=True) if grid else [((), table)]
    for key, group in groups:
        part = group.sort_values(along)
        suffix = (
            ""
            if not grid
            else " ("
            + ", ".join(f"{g}={v:g}" for g, v in zip(grid, key if isinstance(key, tuple) else (key,), strict=True))
            + ")"
        )
        ax.plot(
            part[along] / K,
            part["retention_result"] / K,
            marker=".",
            color="tab:blue",
            label="retention result" + suffix,
        )
        ax2.plot(part[along] / K, part["scr"] / K, marker=".", color="tab:orange", label="SCR" + suffix)
    for rule, row in chosen.iterrows():
        _, colour = _RULE_STYLE.get(str(rule), ("o", "black"))
        ax.axvline(row[along] / K, color=colour, ls="--", lw=1, label=f"chosen ({rule})")
    _thousands(ax.xaxis, ax.yaxis, ax2.yaxis)
    ax.set_xlabel(f"{along} ({label})")
    ax.set_ylabel(f"retention result ({label})", color="tab:blue")
    ax2.set_ylabel(f"SCR premium and reserve ({label})", color="tab:orange")
    ax.set_title("Retention result and SCR against the retention")
    ax.grid(alpha=0.3)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
    return _save(fig, path)


def triangle_png(
    triangle: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Net paid triangle",
    unit: float = K,
    label: str = "thousand DA",
) -> Path:
    """A heat map of a triangle (accident years × development years; NaN cells blank), each cell's
    amount written in ``unit`` (thousand DA by default, as the study, annexes 01–08)."""
    K = unit
    values = triangle.to_numpy(dtype=np.float64)
    if values.ndim != 2 or values.size == 0:
        raise EngineError("triangle_png: a non-empty 2-D triangle is needed")
    fig = _figure(7.0, 4.8)
    ax = fig.add_subplot()
    shown = np.ma.masked_invalid(values / K)
    image = ax.imshow(shown, cmap="viridis", aspect="auto")
    bar = fig.colorbar(image, ax=ax, label=label)
    _thousands(bar.ax.yaxis)
    finite = shown.compressed()
    mid = float(np.median(finite)) if finite.size else 0.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            colour = "white" if v / K < mid else "black"
            ax.text(j, i, f"{v / K:,.0f}".replace(",", " "), ha="center", va="center", fontsize=8, color=colour)
    ax.set_xticks(range(values.shape[1]), [str(c) for c in triangle.columns])
    ax.set_yticks(range(values.shape[0]), [str(r) for r in triangle.index])
    ax.set_xlabel(str(triangle.columns.name or "development year"))
    ax.set_ylabel(str(triangle.index.name or "accident year"))
    ax.set_title(title)
    return _save(fig, path)


def write_pictures(
    method: ScenarioMethod, out_dir: str | Path, *, unit: float = K, label: str = "thousand DA"
) -> dict[str, Path]:
    """The three pictures of a fitted :class:`~engine.optimise.ScenarioMethod` into ``out_dir``
    (names: :data:`PICTURES`), amounts divided by ``unit`` and labelled ``label``."""
    if not hasattr(method, "scenarios_"):
        raise EngineError("write_pictures: fit the ScenarioMethod first")
    out = Path(out_dir)
    marks: dict[str, pd.Series] = {"no reinsurance": method.no_reinsurance_}
    if "current" in method.comparison_.columns:
        marks["current"] = method.comparison_["current"]
    retention = method.retention_ / unit
    return {
        "frontier": frontier_png(
            method.scenarios_,
            method.frontier_,
            method.chosen_,
            out / PICTURES["frontier"],
            feasible=method.constraints_["feasible"],
            marks=marks,
            unit=unit,
            label=label,
        ),
        "retention": retention_png(
            method.scenarios_, method.chosen_, out / PICTURES["retention"], along=method.along, unit=unit, label=label
        ),
        "triangle": triangle_png(
            method.triangle_,
            out / PICTURES["triangle"],
            title="Paid triangle net of the optimised surplus\n"
            + f"(retention {retention:,.0f} {label}; cumulative)".replace(",", " "),
            unit=unit,
            label=label,
        ),
    }
