"""Route finding over the statistics (thesis VII.1.5), with the cost model of ``metadb.routes``."""

from __future__ import annotations

from textwrap import dedent

import pytest

from assurdb.metadb.errors import MetaDBError
from assurdb.metadb.loader import load_schema, parse
from assurdb.metadb.model import Schema
from assurdb.metadb.routes import NoRouteError, Route, RouteError, route, step


def rt(name: str) -> str:
    return f"  {name}: {{items: {{code: {{type: numeric, length: 4, mandatory: true}}}}, identifier: [code]}}\n"


def path(name: str, origin: str, target: str, cls: str = "1-N") -> str:
    return f"  {name}: {{origin: {origin}, target: {target}, class: {cls}}}\n"


# A hand-made schema with known counts (n) and identifier access costs (a):
#   A, B, C (n 10, a 1) and D (n 100000, a 2): the direct path A→D is one step but reaches
#   10000 D per A (cost 20000); the detour A→B→C, then C→D backwards (a C holds its D), costs 4.
#   E (n 50, a 0.5) and F (n 200, a 1.5) joined by the N-N path Link; K→L (a 3) is 1-1.
#   G→H twice at the same cost: Beta (declared first) and Alpha.
#   S→T directly (n 1 → n 8, a(T) 0.1: 8 × 0.1 = 0.8) or S→X→T (0.7 + 0.1 = 0.8): an exact tie
#   that floating point would break (0.7 + 0.1 = 0.7999999999999999 < 0.8).
#   Z has no path at all and no statistics.
SMALL = (
    "format: 1\nschema: small\nversion: 1\nrecord_types:\n"
    + "".join(rt(n) for n in ("A", "B", "C", "D", "E", "F", "G", "H", "K", "L", "S", "T", "X", "Z"))
    + "path_types:\n"
    + path("Direct", "A", "D")
    + path("AtoB", "A", "B")
    + path("BtoC", "B", "C")
    + path("DtoC", "D", "C")
    + path("Loop", "A", "A")
    + path("Link", "E", "F", "N-N")
    + path("Pair", "K", "L", "1-1")
    + path("Beta", "G", "H")
    + path("Alpha", "G", "H")
    + path("Aaa", "S", "T")
    + path("Zz1", "S", "X")
    + path("Zz2", "T", "X")
    + dedent(
        """\
        statistics:
          A: {count: 10, key_costs: {id: 1.0}}
          B: {count: 10, key_costs: {id: 1.0}}
          C: {count: 10, key_costs: {id: 1.0}}
          D: {count: 100000, key_costs: {id: 2.0}}
          E: {count: 50, key_costs: {id: 0.5}}
          F: {count: 200, key_costs: {id: 1.5}}
          G: {count: 5}
          H: {count: 5}
          K: {count: 10}
          L: {count: 1000, key_costs: {id: 3.0}}
          S: {count: 1}
          T: {count: 8, key_costs: {id: 0.1}}
          X: {count: 1, key_costs: {id: 0.7}}
        """
    )
)


@pytest.fixture(scope="module")
def small() -> Schema:
    return parse(SMALL, "small.yaml")


def moves(found: Route) -> list[tuple[str, str, str, str]]:
    return [(s.path, s.direction, s.from_rt, s.to_rt) for s in found.steps]


def test_cheapest_route_is_not_the_shortest(small: Schema) -> None:
    found = route(small, "A", "D")
    assert moves(found) == [
        ("AtoB", "forward", "A", "B"),
        ("BtoC", "forward", "B", "C"),
        ("DtoC", "backward", "C", "D"),
    ]
    assert [s.cost for s in found.steps] == [1.0, 1.0, 2.0]
    assert found.total == 4.0
    # The one-step alternative it beat: 100000 / 10 D per A, each read at 2.
    assert step(small, "Direct", "forward").cost == 20000.0


def test_backwards_the_direct_path_wins(small: Schema) -> None:
    # From a D, its A is one read (the D holds A's identifier): 1, against 3 for the detour.
    found = route(small, "D", "A")
    assert moves(found) == [("Direct", "backward", "D", "A")]
    assert found.total == 1.0
    assert found.steps[0].action == "READ ORIGIN VIA PATH"


def test_one_to_n_step_costs(small: Schema) -> None:
    forward = step(small, "Direct", "forward")
    assert (forward.from_rt, forward.to_rt, forward.fanout, forward.cost) == ("A", "D", 10000.0, 20000.0)
    assert forward.action == "READ TARGET VIA PATH"
    backward = step(small, "Direct", "backward")
    assert (backward.from_rt, backward.to_rt, backward.fanout, backward.cost) == ("D", "A", 1.0, 1.0)
    # Fewer targets than origins still reach at least one: fan-out max(1, 10 / 100000).
    assert step(small, "DtoC", "forward").fanout == 1.0


def test_n_n_step_costs_the_junction_too(small: Schema) -> None:
    # E→F: 200 / 50 = 4 F per E, each through one junction article: 4 × (1 + 1.5).
    forward = step(small, "Link", "forward")
    assert (forward.fanout, forward.cost) == (4.0, 10.0)
    # F→E: max(1, 50 / 200) = 1 E per F: 1 × (1 + 0.5).
    backward = step(small, "Link", "backward")
    assert (backward.fanout, backward.cost) == (1.0, 1.5)
    assert route(small, "E", "F").total == 10.0
    assert route(small, "F", "E").total == 1.5


def test_one_to_one_step_reaches_one_article(small: Schema) -> None:
    # K→L is 1-1: one L per K whatever the counts (10 and 1000), read at 3.
    assert (step(small, "Pair", "forward").fanout, step(small, "Pair", "forward").cost) == (1.0, 3.0)
    assert step(small, "Pair", "backward").cost == 1.0  # K has no statistics of its key: 1.0


def test_tie_between_parallel_paths_goes_to_the_first_name(small: Schema) -> None:
    assert route(small, "G", "H").paths == ("Alpha",)
    assert route(small, "H", "G").paths == ("Alpha",)


def test_exact_tie_goes_to_the_first_names_not_to_rounding(small: Schema) -> None:
    found = route(small, "S", "T")
    assert found.paths == ("Aaa",)
    assert found.total == 0.8
    detour = [step(small, "Zz1", "forward"), step(small, "Zz2", "backward")]
    assert [s.cost for s in detour] == [0.7, 0.1]


def test_same_record_type_is_an_empty_route(small: Schema) -> None:
    found = route(small, "A", "A")
    assert found.steps == ()
    assert found.total == 0.0
    assert (found.from_rt, found.to_rt, found.schema) == ("A", "A", "small")


def test_no_route(small: Schema) -> None:
    with pytest.raises(NoRouteError) as raised:
        route(small, "A", "Z")
    assert "no route from A to Z" in str(raised.value)
    assert isinstance(raised.value, MetaDBError)


@pytest.mark.parametrize(("start", "end"), [("Nowhere", "A"), ("A", "Nowhere")])
def test_unknown_record_type(small: Schema, start: str, end: str) -> None:
    with pytest.raises(RouteError) as raised:
        route(small, start, end)
    assert "unknown record type 'Nowhere'" in str(raised.value)
    assert not isinstance(raised.value, NoRouteError)


def test_unknown_record_type_suggests_a_close_name() -> None:
    with pytest.raises(RouteError, match="did you mean 'Insured'"):
        route(load_schema("insurance"), "Insurd", "Loss")


def test_unknown_path_type_for_a_step(small: Schema) -> None:
    with pytest.raises(RouteError, match="unknown path type 'Nope'"):
        step(small, "Nope", "forward")


def test_insured_to_loss_on_the_insurance_schema() -> None:
    schema = load_schema("insurance")
    found = route(schema, "Insured", "Loss")
    assert moves(found) == [
        ("Insurance", "forward", "Insured", "PRA"),
        ("Accident", "forward", "PRA", "Loss"),
    ]
    # Insurance: 1,000,000 PRA / 200,000 insured = 5 per insured, read at 1.2 → 6;
    # Accident: 150,000 losses / 1,000,000 PRA → at least 1 per PRA, read at 1.0 → 1.
    assert [s.cost for s in found.steps] == [6.0, 1.0]
    assert found.total == 7.0


def test_insurance_route_backwards_uses_origin_reads() -> None:
    found = route(load_schema("insurance"), "Loss", "Insured")
    assert moves(found) == [
        ("Accident", "backward", "Loss", "PRA"),
        ("Insurance", "backward", "PRA", "Insured"),
    ]
    assert found.total == pytest.approx(2.2)  # a(PRA) 1.2 + a(Insured) 1.0
