"""``assurdb schema show | check | diagram`` and ``assurdb route`` through click's runner."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assurdb.cli import main
from assurdb.cli.schema import summary
from assurdb.metadb.loader import builtin_path, load_schema
from tests.conftest import REQUIRE

HAS_DOT = shutil.which("dot") is not None
# CI (ASSURDB_REQUIRE_SERVERS=1) installs Graphviz: there, a missing dot fails instead of skipping.
NEEDS_DOT = pytest.mark.skipif(
    not HAS_DOT and not REQUIRE, reason="Graphviz's dot is not installed (apt-get install graphviz)"
)

BROKEN = """\
format: 1
schema: broken
version: 1
record_types:
  Insured:
    items:
      code: {type: numeric, length: 10, mandatory: true}
      name: {type: text, length: 25}
    identifier: [code]
path_types:
  Insurance: {origin: Insured, target: Policy, class: 1-N}
"""

NODE = re.compile(r'^  "(\w+)" \[label=')
EDGE = re.compile(r'^  "(\w+)" -> "(\w+)" \[label="(\w+)\\n([^"]*)"')


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["schema"], "show"),
        (["schema", "show"], "NAME_OR_FILE"),
        (["schema", "check"], "FILE"),
        (["schema", "diagram"], "--format"),
        (["route"], "FROM TO"),
    ],
)
def test_help(args: list[str], expected: str) -> None:
    result = run(*args, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert expected in result.output


def test_schema_show_summarises_the_insurance_schema() -> None:
    result = run("schema", "show")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Schema insurance v3")
    assert "Record types (19):" in out
    assert "Path types (27):" in out
    items = sum(len(rt.items) for rt in load_schema("insurance").record_types.values())
    assert f"Totals: 19 record types, 27 path types, {items} items" in out
    lines = out.splitlines()
    [breakdown] = [line for line in lines if line.split()[:1] == ["Breakdown"]]
    assert "PRA -> Guaranty" in breakdown
    assert "1-N  T! O+ id" in breakdown
    [pra] = [line for line in lines if line.split()[:1] == ["PRA"]]
    assert "policy_no, renewal_no, endorsement_no" in pra
    assert "class (class_of_business)" in pra


def test_schema_show_another_schema_by_name_or_file() -> None:
    by_name = run("schema", "show", "meta")
    by_file = run("schema", "show", str(builtin_path("meta")))
    assert by_name.exit_code == by_file.exit_code == 0
    assert by_name.output == by_file.output
    assert by_name.output.startswith("Schema meta v4")


def test_schema_show_names_the_source_file_only_when_there_is_one() -> None:
    from_file = load_schema("meta")
    assert f"Source: {from_file.source}" in summary(from_file)
    stored = dataclasses.replace(from_file, source="")  # as read back from a database
    lines = summary(stored)
    assert not [line for line in lines if line.startswith("Source")]
    assert lines[1].startswith("Fingerprint: ")


def test_schema_check_ok() -> None:
    schema = load_schema("insurance")
    items = sum(len(rt.items) for rt in schema.record_types.values())
    result = run("schema", "check", str(builtin_path("insurance")))
    assert result.exit_code == 0, result.output
    assert result.output == f"OK: 19 record types, 27 path types, {items} items\n"


def test_schema_check_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = run("schema", "check", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines == [
        f"{path}:8: record type Insured.name: unknown type 'text' "
        "(known: numeric, decimal, alphanumeric, boolean, date)",
        f"{path}:11: path type Insurance: target 'Policy' is not a record type of this schema",
        f"2 problem(s) in {path}: not loaded.",
    ]


def test_schema_check_missing_file(tmp_path: Path) -> None:
    result = run("schema", "check", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1
    assert "cannot read" in result.output


def test_schema_show_of_a_broken_file_fails_with_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = run("schema", "show", str(path))
    assert result.exit_code == 1
    assert "2 error(s) in schema" in result.output
    assert "unknown type 'text'" in result.output


def test_schema_diagram_dot_has_every_record_type_and_path_type() -> None:
    result = run("schema", "diagram")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    nodes = [m.group(1) for m in map(NODE.match, lines) if m]
    edges = {m.group(3): (m.group(1), m.group(2), m.group(4)) for m in map(EDGE.match, lines) if m}
    schema = load_schema("insurance")
    assert nodes == sorted(schema.record_types)
    assert len(edges) == 27
    assert {name: (p.origin, p.target) for name, p in schema.path_types.items()} == {
        name: (origin, target) for name, (origin, target, _) in edges.items()
    }
    # Class and flags on the label; crow's feet at the ends.
    assert edges["Breakdown"][2] == "1-N  T! O+ id"
    assert edges["Employment"][2] == "N-N"
    assert edges["RenewalEndorsement"][2] == "1-1"
    [breakdown] = [line for line in lines if '"PRA" -> "Guaranty"' in line]
    assert "arrowtail=teetee" in breakdown
    assert "arrowhead=crowtee" in breakdown
    assert run("schema", "diagram").output == result.output  # byte-stable


def test_schema_diagram_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "insurance.dot"
    result = run("schema", "diagram", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} (dot, 19 record types, 27 path types)" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("// Schema insurance v3")
    assert text == run("schema", "diagram").output


def test_schema_diagram_png_needs_a_file() -> None:
    result = run("schema", "diagram", "--format", "png")
    assert result.exit_code == 2
    assert "give -o FILE.png" in result.output


def test_schema_diagram_without_graphviz_says_how_to_install_it(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run("schema", "diagram", "-o", str(tmp_path / "d.svg"), env={"PATH": str(empty)})
    assert result.exit_code == 1
    assert "Graphviz is a prerequisite of rendering SVG" in result.output
    assert "apt-get install graphviz" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "d.svg").exists()


def test_schema_diagram_help_names_graphviz_as_a_prerequisite() -> None:
    text = " ".join(run("schema", "diagram", "--help").output.split())
    assert "Prerequisite for SVG and PNG: Graphviz's dot program" in text


def test_schema_show_lists_the_items_of_each_record_type() -> None:
    lines = run("schema", "show").output.splitlines()
    at = lines.index("  Account: Account")
    assert lines[at + 1].split() == ["item", "type", "mandatory", "keys", "label"]
    assert lines[at + 2].split() == ["number", "numeric(8)", "yes", "identifier", "Number"]
    assert lines[at + 3].split()[:4] == ["name", "alphanumeric(40)", "yes", "name"]
    assert lines[at + 4].split() == ["type", "alphanumeric(16)", "yes", "type", "Type"]
    ecs = lines.index("  ECS: Central entity / branch")
    region = [line.split() for line in lines[ecs : ecs + 12]]
    assert ["level", "numeric(2)", "yes", "region", "Hierarchy", "level"] in region  # 2nd item of key region
    assert ["phone", "alphanumeric(20)", "×", "3", "-", "-", "Phone"] in region
    brief = run("schema", "show", "--no-items").output
    assert "  Account: Account" not in brief and "Record types (19):" in brief


@NEEDS_DOT
def test_schema_diagram_svg(tmp_path: Path) -> None:
    out = tmp_path / "insurance.svg"
    result = run("schema", "diagram", "-o", str(out))  # format from the suffix
    assert result.exit_code == 0, result.output
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg
    for name in load_schema("insurance").record_types:
        assert f"<title>{name}</title>" in svg


@NEEDS_DOT
def test_schema_diagram_png(tmp_path: Path) -> None:
    out = tmp_path / "diagram.bin"
    result = run("schema", "diagram", "meta", "--format", "png", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_route_prints_the_itinerary() -> None:
    result = run("route", "Insured", "Loss")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Route from Insured to Loss (schema insurance), 2 steps:"
    assert lines[1].split() == ["#", "from", "->", "to", "path", "action", "fan-out", "cost"]
    assert lines[2].split() == [
        "1",
        "Insured",
        "->",
        "PRA",
        "Insurance",
        "READ",
        "TARGET",
        "VIA",
        "PATH",
        "5",
        "6",
    ]
    assert lines[3].split() == [
        "2",
        "PRA",
        "->",
        "Loss",
        "Accident",
        "READ",
        "TARGET",
        "VIA",
        "PATH",
        "1",
        "1",
    ]
    assert lines[4] == "Total cost: 7"
    assert len(lines) == 5


def test_route_same_record_type() -> None:
    result = run("route", "PRA", "PRA")
    assert result.exit_code == 0, result.output
    assert "no step" in result.output
    assert "Total cost: 0" in result.output


def test_route_with_a_schema_file(tmp_path: Path) -> None:
    path = tmp_path / "pair.yaml"
    path.write_text(
        """\
format: 1
schema: pair
version: 1
record_types:
  Insured: {items: {code: {type: numeric, length: 10, mandatory: true}}, identifier: [code]}
  Policy: {items: {no: {type: numeric, length: 6, mandatory: true}}, identifier: [no]}
path_types:
  Insurance: {origin: Insured, target: Policy, class: 1-N}
  Claim: {origin: Insured, target: Policy, class: 1-N}
""",
        encoding="utf-8",
    )
    result = run("route", "Policy", "Insured", "--schema", str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Route from Policy to Insured (schema pair), 1 step:"
    # Both paths cost a(Insured) = 1 backwards (no statistics: the defaults): the tie goes to Claim.
    assert lines[2].split() == [
        "1",
        "Policy",
        "->",
        "Insured",
        "Claim",
        "READ",
        "ORIGIN",
        "VIA",
        "PATH",
        "1",
        "1",
    ]
    assert lines[-1] == "Total cost: 1"


def test_route_errors_exit_1() -> None:
    unknown = run("route", "Insurd", "Loss")
    assert unknown.exit_code == 1
    assert "unknown record type 'Insurd'" in unknown.output
    assert "did you mean 'Insured'" in unknown.output
    nowhere = run("route", "Account", "Insured")
    assert nowhere.exit_code == 1
    assert "no route from Account to Insured" in nowhere.output
