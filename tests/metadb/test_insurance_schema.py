"""The shipped insurance schema: thesis chapter IV consolidated, with the public names; the meta-schema round-trips."""

from __future__ import annotations

import pytest

from assurdb.metadb.loader import load_schema
from assurdb.metadb.meta import meta_schema, schema_from_articles, schema_to_articles, version_articles
from assurdb.metadb.model import IDENTIFIER_KEY, Schema, to_plain


@pytest.fixture(scope="module")
def schema() -> Schema:
    return load_schema("insurance")


# Nineteen record types (fourteen in version 1, seventeen in version 2) with their identifiers.
IDENTIFIERS = {
    "ECS": ("code",),
    "OrgCell": ("code",),
    "Employee": ("code",),
    "Worker": ("code",),
    "Intermediary": ("code",),
    "ExtCompany": ("code",),
    "Insured": ("code",),
    "PRA": ("policy_no", "renewal_no", "endorsement_no"),
    "Guaranty": ("policy_no", "renewal_no", "endorsement_no", "guaranty_no"),
    "CoinsuranceCession": ("code",),
    "ReinsuranceCession": ("code",),
    "Loss": ("code",),
    "Treaty": ("code",),
    "Placement": ("treaty_code", "reinsurer_code"),
    "LossMovement": ("loss_code", "movement_no"),
    "TreatyRecovery": ("treaty_code", "subject"),
    "TreatyAccount": ("treaty_code", "reinsurer_code", "period"),
    "Account": ("number",),
    "Entry": ("number",),
}

# Twenty-seven path types (twenty in version 1, twenty-four in version 2): origin, target, class,
# target needs origin, origin needs target.
# A flag the design writes "(constraint n)" is conditional (e.g. only the head office
# reports to nobody) and is checked by the domain layer's constraint n, not by the interface:
# the path's flag is off.
PATHS = {
    "Employment": ("ECS", "Worker", "N-N", False, False),
    "Centralisation": ("ECS", "ECS", "1-N", False, False),
    "Organisation": ("ECS", "OrgCell", "1-N", False, False),
    "Decomposition": ("OrgCell", "OrgCell", "1-N", False, False),
    "RiskSharing": ("OrgCell", "ExtCompany", "N-N", False, False),
    "Communication": ("OrgCell", "Intermediary", "N-N", False, False),
    "Composition": ("OrgCell", "Employee", "N-N", False, False),
    "GeneralManagement": ("ECS", "Employee", "N-N", False, False),
    "RenewalEndorsement": ("PRA", "PRA", "1-1", False, False),
    "Insurance": ("Insured", "PRA", "1-N", True, False),
    "ResponsibilitySharing": ("PRA", "CoinsuranceCession", "1-N", True, False),
    "Handling": ("OrgCell", "PRA", "1-N", False, False),
    "Intermediation": ("Intermediary", "PRA", "1-N", False, False),
    "Coinsurance": ("ExtCompany", "CoinsuranceCession", "1-N", True, False),
    "Breakdown": ("PRA", "Guaranty", "1-N", True, True),
    "GuarantySharing": ("Guaranty", "ReinsuranceCession", "1-N", True, False),
    "Reinsurance": ("ExtCompany", "ReinsuranceCession", "1-N", True, False),
    "Accident": ("PRA", "Loss", "1-N", True, False),
    "Damage": ("Loss", "Guaranty", "1-N", False, False),
    "Accounting": ("Account", "Entry", "1-N", True, False),
    "Placing": ("Treaty", "Placement", "1-N", True, False),
    "Participation": ("ExtCompany", "Placement", "1-N", True, False),
    "TreatyCession": ("Treaty", "ReinsuranceCession", "1-N", False, False),
    "Movement": ("Loss", "LossMovement", "1-N", True, False),
    "Recovered": ("Treaty", "TreatyRecovery", "1-N", True, False),
    "TreatyAccounting": ("Treaty", "TreatyAccount", "1-N", True, False),
    "ReinsurerAccount": ("ExtCompany", "TreatyAccount", "1-N", True, False),
}


def test_nineteen_record_types_and_twenty_seven_path_types(schema: Schema) -> None:
    assert schema.name == "insurance"
    assert sorted(schema.record_types) == sorted(IDENTIFIERS)
    assert sorted(schema.path_types) == sorted(PATHS)
    assert (schema.version, len(schema.record_types), len(schema.path_types)) == (3, 19, 27)


@pytest.mark.parametrize("name", sorted(PATHS))
def test_path_type_is_as_spec_table(schema: Schema, name: str) -> None:
    path = schema.path_types[name]
    actual = (path.origin, path.target, path.cls, path.target_needs_origin, path.origin_needs_target)
    assert actual == PATHS[name]


@pytest.mark.parametrize("name", sorted(IDENTIFIERS))
def test_identifying_key_is_id_with_spec_items(schema: Schema, name: str) -> None:
    rt = schema.record_types[name]
    identifier = rt.keys[IDENTIFIER_KEY]
    assert identifier.identifying
    assert identifier.items == IDENTIFIERS[name]
    assert [k.name for k in rt.keys if k.identifying] == [IDENTIFIER_KEY]
    # Identifier and access-key items are always mandatory (ordering never meets NULL).
    for key in rt.keys:
        for item in key.items:
            assert rt.items[item].mandatory, f"{name}.{item} is in key {key.name} but optional"


def test_breakdown_is_identifying_with_the_pra_identifier(schema: Schema) -> None:
    breakdown = schema.path_types["Breakdown"]
    assert breakdown.identifying
    pra_id = schema.record_types["PRA"].identifier_items
    assert breakdown.origin_items == tuple((item, item) for item in pra_id)
    guaranty = schema.record_types["Guaranty"]
    assert guaranty.identifier_items[:3] == pra_id
    for item in pra_id:
        assert guaranty.items[item].path == "Breakdown"
        assert guaranty.items[item].identifying


def test_insured_items_are_the_thesis_examples(schema: Schema) -> None:
    insured = schema.record_types["Insured"]
    code, name = insured.items["code"], insured.items["name"]
    assert (code.type, code.length) == ("numeric", 10)
    assert (name.type, name.length) == ("alphanumeric", 25)
    assert insured.keys["name"].items == ("name",)
    assert not insured.keys["name"].identifying


def test_pra_and_loss_items_of_spec_10(schema: Schema) -> None:
    pra = schema.record_types["PRA"].items
    for item in ("sum_insured", "premium", "cover_start", "cover_end", "class_of_business"):
        assert item in pra.names
    loss = schema.record_types["Loss"].items
    for item in ("loss_date", "amount", "paid", "outstanding"):
        assert item in loss.names
    assert pra["cover_start"].type == pra["cover_end"].type == loss["loss_date"].type == "date"
    assert pra["premium"].type == pra["sum_insured"].type == "decimal"


# Thesis VI.4.1: a 1-N (or 1-1) path stores the origin's identifier in the target, in items named
# <snake(path)>_<origin identifier item> unless origin_items names them (Breakdown).
DEFAULT_PATH_ITEMS = {
    "Insurance": ("PRA", ("insurance_code",)),
    "Handling": ("PRA", ("handling_code",)),
    "Intermediation": ("PRA", ("intermediation_code",)),
    "RenewalEndorsement": (
        "PRA",
        (
            "renewal_endorsement_policy_no",
            "renewal_endorsement_renewal_no",
            "renewal_endorsement_endorsement_no",
        ),
    ),
    "Accident": ("Loss", ("accident_policy_no", "accident_renewal_no", "accident_endorsement_no")),
    "Accounting": ("Entry", ("accounting_number",)),
    "Centralisation": ("ECS", ("centralisation_code",)),
    "Damage": ("Guaranty", ("damage_code",)),
}


@pytest.mark.parametrize("name", sorted(DEFAULT_PATH_ITEMS))
def test_path_items_default_names(schema: Schema, name: str) -> None:
    target, items = DEFAULT_PATH_ITEMS[name]
    assert schema.path_types[name].target_items == items
    for item in items:
        assert schema.record_types[target].items[item].path == name


@pytest.mark.parametrize("name", sorted(n for n, p in PATHS.items() if p[2] != "N-N"))
def test_one_to_n_path_stores_origin_identifier_in_target(schema: Schema, name: str) -> None:
    path = schema.path_types[name]
    origin, target = schema.record_types[path.origin], schema.record_types[path.target]
    assert [o for o, _ in path.origin_items] == list(origin.identifier_items)
    for origin_item, target_item in path.origin_items:
        stored, source = target.items[target_item], origin.items[origin_item]
        assert stored.path == name
        assert (stored.type, stored.length, stored.scale) == (source.type, source.length, source.scale)
        # The target needs its origin only where the path says so: the stored item is optional
        # otherwise — unless it is part of the target's identifier (a Placement is its treaty's
        # and its reinsurer's: Participation's reinsurer_code is identifying without the path being so).
        if not path.identifying and target_item not in target.identifier_items:
            assert not stored.mandatory


@pytest.mark.parametrize("name", sorted(n for n, p in PATHS.items() if p[2] == "N-N"))
def test_n_n_path_stores_nothing_in_its_ends(schema: Schema, name: str) -> None:
    path = schema.path_types[name]
    assert path.origin_items == ()
    assert not path.identifying
    for rt in (path.origin, path.target):
        assert all(item.path != name for item in schema.record_types[rt].items)


def test_composition_carries_the_role(schema: Schema) -> None:
    assert schema.path_types["Composition"].items.names == ("role",)


@pytest.mark.parametrize("name", ["PRA", "Guaranty", "CoinsuranceCession", "ReinsuranceCession"])
def test_contract_items_have_combine_rules(schema: Schema, name: str) -> None:
    # Amounts of endorsements (thesis IV.4.1, V.3.1): COMBINE cumulates `sum` items, keeps the last `last` item
    # and the first `keep` item (a contract's cover start is its term's, not its last endorsement's).
    rt = schema.record_types[name]
    for item in rt.items:
        if item.identifying or item.path is not None:
            assert item.combine is None, f"{name}.{item.name}"
        else:
            assert item.combine in ("sum", "last", "keep"), f"{name}.{item.name} has no combine rule"
    if name == "PRA":
        assert rt.items["cover_start"].combine == "keep"
    for amount in ("premium", "sum_insured"):
        if amount in rt.items.names:
            assert rt.items[amount].combine == "sum"


def test_premium_and_sum_insured_cumulate_on_pra_and_guaranty(schema: Schema) -> None:
    for name in ("PRA", "Guaranty"):
        items = schema.record_types[name].items
        assert (items["premium"].combine, items["sum_insured"].combine) == ("sum", "sum")


def test_statistics_cover_every_record_type(schema: Schema) -> None:
    # Route finding (thesis VII.1.5) weighs every step with these.
    assert sorted(schema.statistics) == sorted(IDENTIFIERS)
    for name, stats in schema.statistics.items():
        assert stats.count > 0
        assert stats.cost(IDENTIFIER_KEY) > 0, name


def test_meta_schema_loads() -> None:
    meta = meta_schema()
    assert {
        "RecordType",
        "Item",
        "AccessKey",
        "PathType",
        "User",
        "Permission",
        "Opening",
        "Statistics",
    } <= set(meta.record_types)


@pytest.mark.parametrize("name", ["insurance", "meta"])
def test_meta_database_round_trip_is_identical(name: str) -> None:
    original = load_schema(name)
    articles = schema_to_articles(original)
    articles["SchemaVersion"] = [version_articles(original)[0]]
    rebuilt = schema_from_articles(articles)
    assert to_plain(rebuilt) == to_plain(original)
    assert rebuilt.fingerprint == original.fingerprint
