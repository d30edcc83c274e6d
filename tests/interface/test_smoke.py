"""The README's ten-line session, on every backend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from assurdb import RC, Mode

PRA_ID = {"policy_no": "123456-86", "renewal_no": 0, "endorsement_no": 0}


def test_readme_session(admin: Any) -> None:
    s = admin
    assert s.open_db([("Insured", Mode.MODIFY_SHARED), ("PRA", 2), ("Guaranty", 2)]).rc == RC.OK
    assert s.write("Insured", {"code": 1234000000, "name": "DUPONT ANNET"}).rc == RC.OK
    assert s.write("Insured", {"code": 1234000001, "name": "DURAND"}).rc == RC.OK
    first = s.read_sequential("Insured", {"name": "DUP"}, key="name")
    assert first.rc == RC.OK and first.article is not None
    assert first.article["name"] == "DUPONT ANNET"
    second = s.read_sequential("Insured", first.article, key="name")
    assert second.article is not None and second.article["name"] == "DURAND"
    assert s.read_sequential("Insured", second.article, key="name").rc == RC.NOT_FOUND
    pra = {
        **PRA_ID,
        "class_of_business": "FIRE",
        "cover_start": date(1986, 1, 1),
        "cover_end": date(1986, 12, 31),
        "premium": Decimal("1234.50"),
    }
    assert s.begin().rc == RC.OK
    assert s.write_target_via_path("Insured", {"code": 1234000000}, "PRA", pra, "Insurance").rc == RC.OK
    guaranty = {"guaranty_no": 1, "peril": "FIRE"}
    assert s.write_target_via_path("PRA", PRA_ID, "Guaranty", guaranty, "Breakdown").rc == RC.OK
    assert s.commit().rc == RC.OK
    target = s.read_target_via_path("Insured", {"code": 1234000000}, "Insurance", "PRA")
    assert target.rc == RC.OK and target.article is not None
    assert target.article["premium"] == Decimal("1234.50")
    assert target.article["insurance_code"] == 1234000000
    origin = s.read_origin_via_path("Insured", "Insurance", "PRA", PRA_ID)
    assert origin.article is not None and origin.article["name"] == "DUPONT ANNET"
