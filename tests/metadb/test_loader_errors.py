"""Broken schema files: every problem names the file, the line and the element.

Each case breaks one line of :data:`VALID` (whose line numbers are listed beside it) and
checks the one problem the loader reports: where, which element, and the key phrase of why.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from assurdb.metadb.errors import SchemaError, SchemaProblem
from assurdb.metadb.loader import builtin_path, load, parse

FILE = "broken.yaml"

VALID = dedent(
    """\
    format: 1
    schema: mini
    version: 1
    record_types:
      Insured:
        items:
          code: {type: numeric, length: 10, mandatory: true}
          name: {type: alphanumeric, length: 25, mandatory: true}
        identifier: [code]
        keys:
          name: [name]
      PRA:
        items:
          policy_no: {type: alphanumeric, length: 9, mandatory: true}
          premium: {type: decimal, length: 13, scale: 2, combine: sum}
        identifier: [policy_no]
    path_types:
      Insurance:
        origin: Insured
        target: PRA
        class: 1-N
        sort: [policy_no]
    statistics:
      Insured: {count: 200, key_costs: {id: 1.0}}
    """
)
# Lines: 7 Insured.code, 8 Insured.name, 9 Insured identifier, 11 key name, 12 PRA,
# 14 PRA.policy_no, 15 PRA.premium, 16 PRA identifier, 18 Insurance, 20 target, 22 sort,
# 24 statistics of Insured.


def broken(old: str, new: str) -> str:
    """VALID with its only occurrence of ``old`` replaced."""
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


def problems(text: str) -> list[SchemaProblem]:
    with pytest.raises(SchemaError) as raised:
        parse(text, FILE)
    return raised.value.problems


def the_problem(text: str) -> SchemaProblem:
    found = problems(text)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def assert_problem(problem: SchemaProblem, line: int | None, element: str, phrase: str) -> None:
    assert (problem.file, problem.line, problem.element) == (FILE, line, element), str(problem)
    assert phrase in problem.message, str(problem)


def test_the_valid_base_loads() -> None:
    # Every case below differs from this file by one edit, so each fails for its own reason.
    schema = parse(VALID, FILE)
    assert sorted(schema.record_types) == ["Insured", "PRA"]
    assert schema.record_types["PRA"].items["insurance_code"].path == "Insurance"


def test_the_readme_example_loads() -> None:
    # metadb/schemas/README.md documents the format with this example: keep it true.
    readme = (builtin_path("meta").parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    schema = parse(example, "README.md")
    assert schema.record_types["PRA"].items["insurance_code"].type == "numeric"
    assert schema.path_types["Insurance"].target_items == ("insurance_code",)


def test_unknown_item_type() -> None:
    text = broken("name: {type: alphanumeric,", "name: {type: text,")
    assert_problem(the_problem(text), 8, "record type Insured.name", "unknown type 'text'")


def test_unknown_attribute_typo() -> None:
    text = broken("scale: 2, combine: sum}", "scale: 2, combin: sum}")
    assert_problem(the_problem(text), 15, "record type PRA.premium", "unknown attribute 'combin'")


def test_duplicate_record_type_name() -> None:
    again = "  Insured:\n    items: {code: {type: numeric, length: 4, mandatory: true}}\n    identifier: [code]\n"
    text = broken("path_types:\n", again + "path_types:\n")
    assert_problem(the_problem(text), 17, "record type Insured", "duplicate name")


def test_duplicate_item_name() -> None:
    premium = "      premium: {type: decimal, length: 13, scale: 2, combine: sum}\n"
    text = broken(premium, premium + "      premium: {type: numeric, length: 3}\n")
    assert_problem(the_problem(text), 16, "record type PRA.premium", "duplicate name")


def test_path_to_a_missing_record_type() -> None:
    text = broken("target: PRA", "target: Policy")
    assert_problem(the_problem(text), 20, "path type Insurance", "target 'Policy' is not a record type")


def test_key_on_a_missing_item() -> None:
    text = broken("name: [name]", "name: [nmae]")
    # One problem only: the path from the rejected Insured is not also reported as "missing".
    assert_problem(the_problem(text), 11, "record type Insured, key name", "key on a missing item 'nmae'")


def test_sort_item_not_in_the_target() -> None:
    text = broken("sort: [policy_no]", "sort: [name]")
    assert_problem(the_problem(text), 22, "path type Insurance", "sort item 'name' is not an item of the target PRA")


def test_sort_item_not_mandatory() -> None:
    text = broken("sort: [policy_no]", "sort: [premium]")
    assert_problem(the_problem(text), 22, "path type Insurance", "sort item 'premium' must be mandatory")


def test_identifier_missing() -> None:
    text = broken("    identifier: [policy_no]\n", "")
    assert_problem(the_problem(text), 12, "record type PRA", "an identifier (list of items) is required")


def test_identifier_item_not_mandatory() -> None:
    text = broken("code: {type: numeric, length: 10, mandatory: true}", "code: {type: numeric, length: 10}")
    assert_problem(the_problem(text), 9, "record type Insured, key id", "identifier item 'code' must be mandatory")


def test_access_key_item_not_mandatory() -> None:
    text = broken("name: {type: alphanumeric, length: 25, mandatory: true}", "name: {type: alphanumeric, length: 25}")
    assert_problem(the_problem(text), 11, "record type Insured, key name", "access-key item 'name' must be mandatory")


def test_decimal_scale_greater_than_length() -> None:
    text = broken("length: 13, scale: 2", "length: 3, scale: 4")
    assert_problem(
        the_problem(text),
        15,
        "record type PRA.premium",
        "scale must be an integer between 0 and the length 3",
    )


def test_bad_combine_rule() -> None:
    text = broken("combine: sum}", "combine: max}")
    assert_problem(
        the_problem(text), 15, "record type PRA.premium", "combine rule must be one of sum, last, keep, not 'max'"
    )


def test_combine_sum_on_text() -> None:
    text = broken("length: 25, mandatory: true}", "length: 25, mandatory: true, combine: sum}")
    assert_problem(the_problem(text), 8, "record type Insured.name", "only numeric and decimal items can be cumulated")


def test_default_that_does_not_fit_its_item() -> None:
    text = broken("length: 25, mandatory: true}", "length: 25, mandatory: true, default: ABCDEFGHIJKLMNOPQRSTUVWXYZ}")
    problem = the_problem(text)
    assert_problem(problem, 8, "record type Insured.name", "does not fit")
    assert "at most 25 characters" in problem.message


def test_repetitive_and_decomposable() -> None:
    phone = "      phone: {repetitive: 3, items: {number: {type: alphanumeric, length: 20}}}\n"
    text = broken("    identifier: [code]\n", phone + "    identifier: [code]\n")
    assert_problem(the_problem(text), 9, "record type Insured.phone", "repetitive or decomposable, not both")


def test_invalid_yaml() -> None:
    text = broken("identifier: [policy_no]", "identifier: [policy_no")
    problem = the_problem(text)
    assert (problem.file, problem.element) == (FILE, "file")
    assert problem.message.startswith("not valid YAML")
    # PyYAML notices the sequence opened on line 16 is unclosed at the next key, on line 17;
    # the reason fits on one line (the CLI prints one problem a line).
    assert problem.line == 17
    assert "flow sequence on line 16" in problem.message
    assert "\n" not in problem.message


def test_wrong_format_version() -> None:
    text = broken("format: 1", "format: 2")
    assert_problem(the_problem(text), 1, "schema", "format must be 1")


def test_path_name_equal_to_a_record_type_name() -> None:
    text = broken("  Insurance:\n", "  Insured:\n")
    assert_problem(the_problem(text), 18, "path type Insured", "may not share its name with a record type")


def test_reserved_meta_schema_name_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "company.yaml"
    path.write_text(broken("  PRA:\n", "  User:\n").replace("target: PRA", "target: User"), encoding="utf-8")
    with pytest.raises(SchemaError) as raised:
        load(path)
    [problem] = raised.value.problems
    assert (problem.file, problem.line, problem.element) == (str(path), 12, "record type User")
    assert "reserved" in problem.message
    assert "meta-schema" in problem.message


def test_several_errors_are_all_reported_and_nothing_is_returned() -> None:
    text = VALID
    for old, new in [
        ("name: {type: alphanumeric,", "name: {type: text,"),
        ("combine: sum}", "combine: max}"),
        ("sort: [policy_no]", "sort: [name]"),
        ("format: 1", "format: 2"),
    ]:
        assert text.count(old) == 1
        text = text.replace(old, new)
    found = problems(text)
    assert [(p.file, p.line, p.element) for p in found] == [
        (FILE, 1, "schema"),
        (FILE, 8, "record type Insured.name"),
        (FILE, 15, "record type PRA.premium"),
        (FILE, 22, "path type Insurance"),
    ]


# Regression tests for the loader fixes made while writing the cases above.


def test_meta_path_type_name_is_reserved_too(tmp_path: Path) -> None:
    # with_meta() merges the meta-schema's path types too: "Definition" would clash there.
    path = tmp_path / "company.yaml"
    path.write_text(broken("  Insurance:\n", "  Definition:\n"), encoding="utf-8")
    with pytest.raises(SchemaError) as raised:
        load(path)
    [problem] = raised.value.problems
    assert (problem.line, problem.element) == (18, "path type Definition")
    assert "path type of the meta-schema" in problem.message


def test_a_file_named_meta_yaml_is_not_the_meta_schema(tmp_path: Path) -> None:
    path = tmp_path / "meta.yaml"
    path.write_text(broken("  PRA:\n", "  User:\n").replace("target: PRA", "target: User"), encoding="utf-8")
    assert path.resolve() != builtin_path("meta").resolve()
    with pytest.raises(SchemaError) as raised:
        load(path)
    assert [p.element for p in raised.value.problems] == ["record type User"]


def test_key_costs_not_a_mapping_is_a_problem_not_a_crash() -> None:
    text = broken("key_costs: {id: 1.0}", "key_costs: [id]")
    assert_problem(the_problem(text), 24, "statistics of Insured", "key_costs must be a mapping")


def test_origin_items_to_a_non_name_is_reported() -> None:
    # It used to drop the path silently and load the rest: a half-loaded schema.
    text = broken("    class: 1-N\n", "    class: 1-N\n    origin_items: {code: 5}\n")
    assert_problem(the_problem(text), 22, "path type Insurance", "origin_items: 'code' must map to an item name")


def test_record_types_sharing_a_table_name() -> None:
    # Both would be the table "pra" (metadb.physical names tables snake_case).
    again = "  Pra:\n    items: {code: {type: numeric, length: 4, mandatory: true}}\n    identifier: [code]\n"
    text = broken("path_types:\n", again + "path_types:\n")
    assert_problem(the_problem(text), 17, "record type Pra", "its table name 'pra' clashes with record type PRA")


def test_record_type_without_items_names_its_line() -> None:
    text = broken(
        "    items:\n      policy_no: {type: alphanumeric, length: 9, mandatory: true}\n"
        "      premium: {type: decimal, length: 13, scale: 2, combine: sum}\n",
        "",
    )
    found = problems(text)
    assert (found[0].line, found[0].element) == (12, "record type PRA")
    assert "items must be a non-empty mapping" in found[0].message


def test_yes_and_no_are_names_not_booleans() -> None:
    # YAML 1.1 read an item named `no` as False and a default NO (Norway) as false.
    text = broken(
        "name: {type: alphanumeric, length: 25, mandatory: true}",
        "no: {type: alphanumeric, length: 2, default: NO}",
    )
    text = text.replace("name: [name]", "no_key: [code]")
    schema = parse(text, FILE)
    item = schema.record_types["Insured"].items["no"]
    assert item.default == "NO"
    yes = broken("length: 9, mandatory: true}", "length: 9, mandatory: yes}")
    assert_problem(the_problem(yes), 14, "record type PRA.policy_no", "mandatory must be true or false, not 'yes'")


def test_label_longer_than_the_meta_database_holds() -> None:
    text = broken("sort: [policy_no]", "sort: [policy_no]\n    label: " + "x" * 121)
    assert_problem(the_problem(text), 23, "path type Insurance", "label holds at most 120 characters, got 121")
