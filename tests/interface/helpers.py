"""Articles and set-ups shared by the conformance tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from assurdb.metadb.contract import RC

PRA_ID = {"policy_no": "123456-86", "renewal_no": 0, "endorsement_no": 0}


def insured(code: int, name: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "name": name, **extra}


def pra(policy_no: str = "123456-86", renewal_no: int = 0, endorsement_no: int = 0, **extra: Any) -> dict[str, Any]:
    article: dict[str, Any] = {
        "policy_no": policy_no,
        "renewal_no": renewal_no,
        "endorsement_no": endorsement_no,
        "class_of_business": "FIRE",
        "cover_start": date(1986, 1, 1),
        "cover_end": date(1986, 12, 31),
        "premium": Decimal("100.00"),
        "sum_insured": Decimal("100000.00"),
    }
    article.update(extra)
    return article


def pra_id(article: dict[str, Any]) -> dict[str, Any]:
    return {k: article[k] for k in ("policy_no", "renewal_no", "endorsement_no")}


def ok(reply: Any) -> Any:
    """Assert a reply is 0 and give it back (the message shows why when it is not)."""
    assert reply.rc == RC.OK, f"{reply!r}"
    return reply


def policy(s: Any, code: int, policy_no: str, guaranties: int = 1, **extra: Any) -> dict[str, Any]:
    """An insured's policy with its guaranties, written in one unit (a PRA needs a guaranty)."""
    article = pra(policy_no, **extra)
    ok(s.begin())
    ok(s.write_target_via_path("Insured", {"code": code}, "PRA", article, "Insurance"))
    for n in range(1, guaranties + 1):
        ok(
            s.write_target_via_path(
                "PRA", pra_id(article), "Guaranty", {"guaranty_no": n, "peril": f"P{n}"}, "Breakdown"
            )
        )
    ok(s.commit())
    return article
