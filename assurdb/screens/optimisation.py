"""The optimisation screen: the scenario method on the stored business of one class, its retained
scenarios as a table and its efficient frontier as a picture.

The figures are those of ``assurdb optimise --db URL --class C`` without options: the stored
portfolio of the class (:func:`~assurdb.engine.optimise.stored.stored_portfolio`, READ SELECTION
through the session) and the method the data sets up
(:func:`~assurdb.engine.optimise.defaults.stored_method`). Decisions: an empty class is the one the
command takes without ``--class`` (the class the most stored surplus treaties name), and the field
then shows it; amounts are in currency units; the picture draws every scenario (risk: the SCR
premium & reserve, on x; return: the expected retained result, on y; hollow when outside the risk
appetite), joins the efficient ones (the non-dominated scenarios within the appetite, the
command's frontier.png) and rings the retention each rule chose. A refusal (no business of the
class, no right to read it, a method that chooses nothing) is shown in words at the top of the
screen.
"""

from __future__ import annotations

import math

from assurdb.engine.optimise.defaults import stored_method
from assurdb.engine.optimise.method import ScenarioMethod
from assurdb.engine.optimise.stored import stored_portfolio
from assurdb.engine.stored import StoredBusiness
from assurdb.metadb.contract import Session
from assurdb.metadb.errors import AssurdbError
from assurdb.screens.interface import SCREEN, Display, Filled, Frontier, Place, Point, Table
from assurdb.screens.loader import shipped_screen
from assurdb.screens.model import Screen

#: The picture's size and its drawing area (left, top, right, bottom), in pixels.
WIDTH, HEIGHT = 760, 400
PLOT = (110.0, 20.0, 740.0, 340.0)
TICKS = 5
COLUMNS = ("Retention", "Retained result", "SCR", "S/P", "ROL", "Efficient", "Appetite", "Chosen")
NUMERIC = (True, True, True, True, True, False, False, False)
PLACE = Place("optimisation")


def amount(value: float) -> str:
    """An amount as the command prints it: whole units, spaces between thousands, ``-`` if none."""
    return "-" if not math.isfinite(value) else f"{value:,.0f}".replace(",", " ")


def percent(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{100 * value:.2f} %"


def _appetite(ok: dict[str, bool]) -> str:
    """``ok`` or ``no: scr,s/p,rol,retention`` — the constraints the scenario fails, as the command."""
    failed = [name for name in ("scr", "loss_ratio", "rate_on_line", "retention") if not ok[name]]
    names = {"loss_ratio": "s/p", "rate_on_line": "rol"}
    return "ok" if not failed else "no: " + ",".join(names.get(f, f) for f in failed)


def _scale(low: float, high: float) -> tuple[float, float]:
    """``(low, high)`` widened by 5 % of the span each side (a single value: of itself, or by 1)."""
    span = high - low or abs(high) or 1.0
    return low - 0.05 * span, high + 0.05 * span


def picture(method: ScenarioMethod, currency: str) -> Frontier:
    """Every scenario of the fitted ``method`` on the risk/return plane (see the module notes)."""
    table = method.scenarios_
    within = {label for label, ok in method.constraints_["feasible"].items() if ok}
    efficient = set(method.frontier_.index)
    marks = _chosen(method)
    risks = [float(v) for v in table["scr"]]
    results = [float(v) for v in table["retention_result"]]
    left, top, right, bottom = PLOT
    x0, x1 = _scale(min(risks), max(risks))
    y0, y1 = _scale(min(results), max(results))

    def x(value: float) -> float:
        return round(left + (value - x0) / (x1 - x0) * (right - left), 1)

    def y(value: float) -> float:
        return round(bottom - (value - y0) / (y1 - y0) * (bottom - top), 1)

    points = tuple(
        Point(
            amount(float(row["retention"])),
            r,
            v,
            x(r),
            y(v),
            label in within,
            label in efficient,
            marks.get(position, ""),
        )
        for position, ((label, row), r, v) in enumerate(zip(table.iterrows(), risks, results, strict=True))
    )
    joined = sorted((p for p in points if p.efficient), key=lambda p: (p.risk, p.result))
    steps = [i / (TICKS - 1) for i in range(TICKS)]
    return Frontier(
        "Efficient frontier: retained result against SCR",
        f"SCR premium & reserve ({currency})",
        f"Expected retained result ({currency})",
        points,
        " ".join(f"{p.x},{p.y}" for p in joined),
        tuple((x(x0 + s * (x1 - x0)), amount(x0 + s * (x1 - x0))) for s in steps),
        tuple((y(y0 + s * (y1 - y0)), amount(y0 + s * (y1 - y0))) for s in steps),
        WIDTH,
        HEIGHT,
        PLOT,
    )


def _chosen(method: ScenarioMethod) -> dict[int, str]:
    """Position of a scenario → the rules that chose it, as ``<marginal> <max>``."""
    rules: dict[int, list[str]] = {}
    for rule, position in method.choice_.chosen.items():
        if position is not None:
            rules.setdefault(position, []).append(rule)
    return {position: " ".join(f"<{r}>" for r in sorted(names)) for position, names in rules.items()}


def scenario_table(method: ScenarioMethod, title: str) -> Table:
    """One row per retention of the fitted ``method``'s grid (columns :data:`COLUMNS`)."""
    table = method.scenarios_.join(method.constraints_.add_prefix("ok_"))
    efficient = set(method.frontier_.index)
    marks = _chosen(method)
    rows = tuple(
        (
            amount(float(row["retention"])),
            amount(float(row["retention_result"])),
            amount(float(row["scr"])),
            percent(float(row["loss_ratio"])),
            percent(float(row["rate_on_line"])),
            "efficient" if label in efficient else "",
            _appetite({n: bool(row[f"ok_{n}"]) for n in ("scr", "loss_ratio", "rate_on_line", "retention")}),
            marks.get(position, ""),
        )
        for position, (label, row) in enumerate(table.iterrows())
    )
    return Table(title, COLUMNS, rows, NUMERIC)


def optimisation_screen() -> Screen:
    """The shipped screen ``files/optimisation.yaml``."""
    return shipped_screen("optimisation")


def optimisation(session: Session, filled: Filled | None) -> Display:
    """The screen, and with the action ``show`` the method's answer for the class typed."""
    screen = optimisation_screen()
    if filled is None or filled.action != "show":
        return Display(screen, filled.values if filled else {}, target=PLACE)
    klass = filled.values.get("class_of_business", "").strip() or None
    values = dict(filled.values)
    try:
        stored = stored_portfolio(StoredBusiness(session), klass)
        values["class_of_business"] = stored.class_of_business
        method = stored_method(stored).fit(stored.data)
    except AssurdbError as exc:
        return Display(screen, values, {SCREEN: str(exc)}, PLACE)
    currency = stored.currency or "currency units"
    day = stored.as_of.date().isoformat()
    title = f"Stored {stored.class_of_business} business as at {day}: retained scenarios ({currency})"
    notice = f"Retention chosen: {amount(float(method.retention_))} {currency} (rule {method.rule_})."
    if stored.current is not None:
        c = stored.current
        notice += f" Current treaty: {c.code} ({c.underwriting_year}), retention {amount(c.retention)}."
    return Display(
        screen,
        values,
        target=PLACE,
        notice=notice,
        table=scenario_table(method, title),
        frontier=picture(method, currency),
    )


__all__ = ["optimisation", "optimisation_screen", "picture", "scenario_table"]
