"""Schema transformations (thesis VI.3–VI.4) on the insurance schema."""

from __future__ import annotations

import pytest

from assurdb.metadb.loader import load_schema
from assurdb.metadb.meta import with_meta
from assurdb.metadb.physical import transform

SCHEMA = load_schema("insurance")
NN = {"Employment", "RiskSharing", "Communication", "Composition", "GeneralManagement"}


@pytest.mark.parametrize("family", ["relational", "columnar"])
def test_one_table_per_record_type_and_a_junction_per_nn_path(family: str) -> None:
    model = transform(SCHEMA, family)  # type: ignore[arg-type]
    assert {t.record_type for t in model.tables if t.record_type} == set(SCHEMA.record_types)
    assert {t.path_type for t in model.tables if t.path_type} == NN
    composition = model.junction_of("Composition")
    assert composition.primary_key == ("origin_code", "target_code")
    assert [c.name for c in composition.columns] == ["origin_code", "target_code", "role"]
    assert composition.indexes[0].columns == ("target_code", "origin_code")


def test_1n_paths_store_the_origin_identifier_in_the_target() -> None:
    model = transform(SCHEMA, "relational")
    pra = model.table_of("PRA")
    names = [c.name for c in pra.columns]
    assert "insurance_code" in names and "handling_code" in names and "intermediation_code" in names
    fks = {fk.path: (fk.columns, fk.ref_table, fk.ref_columns) for fk in pra.foreign_keys}
    assert fks["Insurance"] == (("insurance_code",), "insured", ("code",))
    assert fks["RenewalEndorsement"][1] == "pra"
    # 1-1: a 1-N with uniqueness on the target's path items
    assert [u.columns for u in pra.uniques] == [
        ("renewal_endorsement_policy_no", "renewal_endorsement_renewal_no", "renewal_endorsement_endorsement_no")
    ]
    guaranty = model.table_of("Guaranty")
    breakdown = next(fk for fk in guaranty.foreign_keys if fk.path == "Breakdown")
    assert breakdown.columns == ("policy_no", "renewal_no", "endorsement_no")  # identifying: its own identifier


def test_existence_constraints_the_interface_checks() -> None:
    model = transform(SCHEMA, "relational")
    stars = {(e.path, e.side, e.record_type, e.code) for e in model.existence}
    assert stars == {
        ("Insurance", "target", "PRA", 901),
        ("ResponsibilitySharing", "target", "CoinsuranceCession", 901),
        ("Coinsurance", "target", "CoinsuranceCession", 901),
        ("Breakdown", "target", "Guaranty", 901),
        ("Breakdown", "origin", "PRA", 900),
        ("GuarantySharing", "target", "ReinsuranceCession", 901),
        ("Reinsurance", "target", "ReinsuranceCession", 901),
        ("Accident", "target", "Loss", 901),
        ("Accounting", "target", "Entry", 901),
        ("Placing", "target", "Placement", 901),
        ("Participation", "target", "Placement", 901),
        ("Movement", "target", "LossMovement", 901),
        ("Recovered", "target", "TreatyRecovery", 901),
        ("TreatyAccounting", "target", "TreatyAccount", 901),
        ("ReinsurerAccount", "target", "TreatyAccount", 901),
    }
    assert model.one_to_one == ("RenewalEndorsement",)


def test_repetitive_and_decomposable_items() -> None:
    relational = transform(SCHEMA, "relational").table_of("Insured")
    columnar = transform(SCHEMA, "columnar").table_of("Insured")
    rel = {c.name: c for c in relational.columns}
    assert [n for n in rel if n.startswith("phone")] == ["phone_1", "phone_2", "phone_3"]  # thesis VI.4.1
    assert [n for n in rel if n.startswith("address")] == [
        "address_street",
        "address_postcode",
        "address_city",
        "address_country",
    ]
    col = {c.name: c for c in columnar.columns}
    assert col["phone"].kind == "list" and col["phone"].type == "alphanumeric"
    assert col["address"].kind == "struct"
    assert [f.name for f in col["address"].fields] == ["street", "postcode", "city", "country"]
    assert not columnar.foreign_keys  # DuckDB: the interface enforces paths itself


def test_access_keys_become_indexes_in_keyset_order() -> None:
    model = transform(SCHEMA, "relational")
    insured = model.table_of("Insured")
    assert [(i.key, i.columns) for i in insured.indexes if i.key] == [("name", ("name", "code"))]
    accident = next(i for i in model.table_of("Loss").indexes if i.path == "Accident")
    assert accident.columns == (
        "accident_policy_no",
        "accident_renewal_no",
        "accident_endorsement_no",
        "loss_date",
        "code",
    )


def test_meta_schema_tables_are_prefixed() -> None:
    model = transform(with_meta(SCHEMA), "relational")
    assert model.table_of("User").name == "meta_user"
    assert model.table_of("RecordType").name == "meta_record_type"
    assert model.table_of("Insured").name == "insured"


def test_transform_is_pure_and_deterministic() -> None:
    assert transform(SCHEMA, "relational") == transform(SCHEMA, "relational")
    with pytest.raises(ValueError, match="family"):
        transform(SCHEMA, "network")  # type: ignore[arg-type]
