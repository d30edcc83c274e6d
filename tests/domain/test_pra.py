"""The PRA primitives (thesis V.3.1 b) on every backend: numbering, composition by
the combine rules, units of work, previous terms, cancellation and their refusals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assurdb.domain.primitives import (
    Constraint,
    DomainRC,
    NewPolicy,
    NewRenewal,
    cancel_pra,
    combine_pra,
    create_endorsement,
    create_policies,
    create_policy,
    create_previous_term,
    create_renewal,
    extend_chains,
    find_occurrence,
    find_policy_chain,
    modify_occurrence,
    next_period,
    parse_pra,
    reinstate_pra,
)
from assurdb.metadb.contract import RC
from tests.domain.conftest import DUPONT, POLICY, D, fire_policy, guaranty, ok, pra

CHAIN = ("renewal_endorsement_policy_no", "renewal_endorsement_renewal_no", "renewal_endorsement_endorsement_no")


def _predecessor(article: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(article[i] for i in CHAIN)


def test_numbering_follows_the_thesis_example(org: Any) -> None:
    """Thesis IV.4.1: 123456-86/0/0 the policy, /0/1 its endorsement, /1/0 the first renewal
    (chained to the last endorsement), /1/1 the renewal's endorsement; each chained to its predecessor."""
    s = org
    policy = fire_policy(s).article
    assert policy is not None and (policy["renewal_no"], policy["endorsement_no"]) == (0, 0)
    endorsement = ok(create_endorsement(s, POLICY, {"territory": "LU"})).article
    renewal = ok(create_renewal(s, POLICY)).article
    second = ok(create_endorsement(s, POLICY, {"territory": "NL"})).article
    assert endorsement is not None and renewal is not None and second is not None
    assert [(a["renewal_no"], a["endorsement_no"]) for a in (endorsement, renewal, second)] == [(0, 1), (1, 0), (1, 1)]
    chain = ok(find_policy_chain(s, POLICY)).articles
    assert [(a["renewal_no"], a["endorsement_no"]) for a in chain] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert _predecessor(chain[0]) == (None, None, None)  # constraint 8: a policy follows nobody
    assert [_predecessor(a) for a in chain[1:]] == [(POLICY, 0, 0), (POLICY, 0, 1), (POLICY, 1, 0)]
    # the insured, cell and intermediary carry along the chain (path items)
    assert {(a["insurance_code"], a["handling_code"], a["intermediation_code"]) for a in chain} == {
        (DUPONT, "B1-DEP", "AG1")
    }
    assert parse_pra("123456-86/7/3") == {"policy_no": "123456-86", "renewal_no": 7, "endorsement_no": 3}
    assert parse_pra("123456-86") is None


def test_composition_by_the_combine_rules(org: Any) -> None:
    """Amounts of endorsements on a hand-computable chain. Policy /0/0: premium 1 000.00, sum insured 120 000.00,
    territory BE; guaranty 1 FIRE 600.00 / 100 000.00, guaranty 2 THEFT 400.00 / 20 000.00."""
    s = org
    fire_policy(s)
    # /0/1 raises the premium to 1 200 (stores +200) and moves the territory to LU (a `last` item);
    # its guaranty 2 goes to 600 (stores +200), guaranty 1 unchanged (stores 0).
    e1 = ok(
        create_endorsement(
            s, POLICY, {"premium": D(1200), "territory": "LU"}, guaranty_changes={2: {"premium": D(600)}},
            effective=dt.date(1986, 4, 1),
        )
    )  # fmt: skip
    assert e1.article is not None
    assert (e1.article["premium"], e1.article["sum_insured"], e1.article["territory"]) == (D("200.00"), D(0), "LU")
    assert e1.article["cover_start"] == dt.date(1986, 4, 1) and e1.article["cover_end"] == dt.date(1986, 12, 31)
    g1, g2 = e1.articles[1], e1.articles[2]
    assert (g1["premium"], g2["premium"]) == (D("0.00"), D("200.00"))
    # /0/2 raises the sum insured to 150 000 (stores +30 000) and lowers the premium to 1 100 (stores -100)
    e2 = ok(create_endorsement(s, POLICY, {"sum_insured": D(150000), "premium": D(1100)}))
    assert e2.article is not None
    assert (e2.article["sum_insured"], e2.article["premium"]) == (D("30000.00"), D("-100.00"))
    assert e2.article["territory"] == "LU"  # a `last` item the endorsement keeps: stored as is
    # composed: premium 1 000 + 200 − 100 = 1 100; sum insured 120 000 + 0 + 30 000 = 150 000; territory LU
    composed = ok(combine_pra(s, pra(POLICY, 0, 2))).article
    assert composed is not None
    assert (composed["premium"], composed["sum_insured"], composed["territory"]) == (D(1100), D(150000), "LU")
    as_of_first = ok(combine_pra(s, pra(POLICY, 0, 1))).article
    assert as_of_first is not None and as_of_first["premium"] == D(1200)  # 1 000 + 200, before /0/2
    # the renewal stores the composed totals (full amounts) over the next year
    renewal = ok(create_renewal(s, POLICY))
    assert renewal.article is not None
    assert (renewal.article["premium"], renewal.article["sum_insured"]) == (D(1100), D(150000))
    assert (renewal.article["cover_start"], renewal.article["cover_end"]) == (
        dt.date(1987, 1, 1),
        dt.date(1987, 12, 31),
    )
    # guaranty 2 renewed: 400 + 200 + 0 = 600; guaranty 1: 600 + 0 + 0 = 600
    assert [(g["guaranty_no"], g["premium"]) for g in renewal.articles[1:]] == [(1, D(600)), (2, D(600))]
    stored = ok(find_occurrence(s, "Guaranty", guaranty(POLICY, 1, 0, 2))).article
    assert stored is not None and stored["premium"] == D(600) and stored["accounted_creation"] is False


def test_create_policy_is_one_unit_of_work(org: Any) -> None:
    s = org
    article = {"policy_no": "200000-86", "class_of_business": "FIRE", "cover_start": dt.date(1986, 1, 1),
               "cover_end": dt.date(1986, 12, 31), "premium": D(10)}  # fmt: skip
    # the insured does not exist: nothing at all is written (the PRA nor its guaranty)
    missing = create_policy(s, article, [{"peril": "FIRE"}], insured=999)
    assert missing.rc == RC.NOT_FOUND and "999" in missing.message
    assert find_occurrence(s, "PRA", pra("200000-86")).rc == RC.NOT_FOUND
    assert find_occurrence(s, "Guaranty", guaranty("200000-86")).rc == RC.NOT_FOUND
    # a contract holds at least one guaranty (thesis IV.4.3)
    assert create_policy(s, article, [], insured=DUPONT).rc == RC.ORIGIN_CONSTRAINT
    # a policy is numbered /0/0; links go through the parameters, not the article
    assert create_policy(s, {**article, "renewal_no": 1}, [{"peril": "F"}], insured=DUPONT).rc == (
        Constraint.RENEWAL_CHAIN.rc
    )
    assert create_policy(s, {**article, "handling_code": "B1-DEP"}, [{"peril": "F"}], insured=DUPONT).rc == (
        DomainRC.ITEM_NOT_ALLOWED
    )
    assert create_policy(s, {**article, "cover_end": dt.date(1985, 1, 1)}, [{"peril": "F"}], insured=DUPONT).rc == (
        RC.VALUE_INVALID
    )
    # inside the caller's unit of work the primitive joins it: the caller's ROLLBACK undoes it
    assert s.begin().ok
    ok(create_policy(s, article, [{"peril": "FIRE"}], insured=DUPONT))
    assert s.rollback().ok
    assert find_occurrence(s, "PRA", pra("200000-86")).rc == RC.NOT_FOUND
    # the batch form: all or none, the position names the refused policy
    batch = create_policies(
        s,
        [
            NewPolicy(article, [{"peril": "FIRE"}], DUPONT),
            NewPolicy({**article, "policy_no": "200001-86"}, [{"peril": "FIRE", "share_pct": D(101)}], DUPONT),
        ],
    )
    assert batch.rc == RC.VALUE_INVALID and batch.position == 1
    assert find_occurrence(s, "PRA", pra("200000-86")).rc == RC.NOT_FOUND


def test_previous_term_has_zero_amounts_and_bases_a_renewal(org: Any) -> None:
    s = org
    previous = ok(
        create_previous_term(
            s,
            {"policy_no": "100000-80", "class_of_business": "MOTOR", "cover_start": dt.date(1985, 7, 1),
             "cover_end": dt.date(1986, 6, 30), "premium": D(500), "sum_insured": D(20000)},
            [{"peril": "THIRD PARTY", "premium": D(500)}],
            insured=DUPONT, handling_cell="B1-DEP",
        )
    )  # fmt: skip
    assert previous.article is not None
    assert (previous.article["premium"], previous.article["sum_insured"], previous.article["previous_term"]) == (
        D(0), D(0), True
    )  # fmt: skip
    assert previous.articles[1]["premium"] == D(0)
    renewal = ok(create_renewal(s, "100000-80", {"premium": D(550)}, guaranty_changes={1: {"premium": D(550)}}))
    assert renewal.article is not None
    assert (renewal.article["premium"], renewal.article["previous_term"]) == (D(550), False)
    assert (renewal.article["cover_start"], renewal.article["cover_end"]) == (dt.date(1986, 7, 1), dt.date(1987, 6, 30))


def test_renewal_and_endorsement_refusals(org: Any) -> None:
    s = org
    fire_policy(s)
    ok(create_endorsement(s, POLICY, {"territory": "LU"}))
    # constraint 9 / 10: only the last PRA of the chain is followed
    not_last = create_endorsement(s, pra(POLICY, 0, 0), {"territory": "NL"})
    assert not_last.rc == Constraint.ENDORSEMENT_CHAIN.rc and not_last.constraint is Constraint.ENDORSEMENT_CHAIN
    assert "123456-86/0/1 is the last" in not_last.message
    assert create_renewal(s, pra(POLICY, 0, 0)).rc == Constraint.RENEWAL_CHAIN.rc
    # constraint 11: the number the operator gives must be the next one
    skipped = create_renewal(s, POLICY, renewal_no=2)
    assert skipped.rc == Constraint.CONSECUTIVE_NUMBERS.rc and "is 1, not 2" in skipped.message
    assert create_endorsement(s, POLICY, {}, endorsement_no=3).rc == Constraint.CONSECUTIVE_NUMBERS.rc
    # An endorsement may not take an amount below zero (1 000 − 1 500)
    negative = create_endorsement(s, POLICY, {"premium": D(-500)})
    assert negative.rc == Constraint.ENDORSEMENT_AMOUNTS.rc and "premium" in negative.message
    assert create_endorsement(s, POLICY, {}, guaranty_changes={2: {"premium": D(-1)}}).rc == (
        Constraint.ENDORSEMENT_AMOUNTS.rc
    )
    # the identifier, links and own state are not the operator's to set
    assert create_endorsement(s, POLICY, {"renewal_no": 5}).rc == DomainRC.ITEM_NOT_ALLOWED
    assert create_renewal(s, POLICY, {"accounted_creation": True}).rc == DomainRC.ITEM_NOT_ALLOWED
    assert create_endorsement(s, POLICY, {}, effective=dt.date(1987, 3, 1)).rc == RC.VALUE_INVALID
    assert create_renewal(s, "999999-99").rc == RC.NOT_FOUND
    # a cancelled contract is neither renewed nor endorsed
    ok(cancel_pra(s, pra(POLICY, 0, 1), "insured", dt.date(1986, 9, 1)))
    assert create_renewal(s, POLICY).rc == DomainRC.WRONG_STATE
    assert [a["endorsement_no"] for a in ok(find_policy_chain(s, POLICY)).articles] == [0, 1]  # nothing written


def test_extend_chains_writes_a_whole_history_at_once(org: Any) -> None:
    s = org
    fire_policy(s)
    fire_policy(s, "123457-86", insured=DUPONT)
    steps = [NewRenewal(POLICY), NewRenewal(POLICY, {"premium": D(1050)}), NewRenewal("123457-86")]
    result = ok(extend_chains(s, steps))
    assert [(a["policy_no"], a["renewal_no"]) for a in result.articles] == [(POLICY, 1), (POLICY, 2), ("123457-86", 1)]
    chain = ok(find_policy_chain(s, POLICY)).articles
    assert [a["cover_start"].year for a in chain] == [1986, 1987, 1988]
    assert _predecessor(chain[2]) == (POLICY, 1, 0)


def test_cancel_and_reinstate_pra(org: Any) -> None:
    s = org
    fire_policy(s)
    outside = cancel_pra(s, pra(), "insured", dt.date(1987, 1, 15))
    assert outside.rc == RC.VALUE_INVALID and "cover period" in outside.message
    cancelled = ok(cancel_pra(s, pra(), "insured", dt.date(1986, 6, 30))).article
    assert cancelled is not None
    assert (cancelled["cancellation_type"], cancelled["cancellation_date"]) == ("insured", dt.date(1986, 6, 30))
    assert cancelled["premium"] == D(1000)  # CANCEL changes the cancellation items only
    assert cancel_pra(s, pra(), "insurer", dt.date(1986, 7, 1)).rc == DomainRC.WRONG_STATE
    assert reinstate_pra(s, pra(), confirm=lambda _: False).rc == DomainRC.NOT_CONFIRMED
    back = ok(reinstate_pra(s, pra(), confirm=lambda text: "123456-86/0/0" in text)).article
    assert back is not None and (back["cancellation_type"], back["cancellation_date"]) == (None, None)
    assert reinstate_pra(s, pra()).rc == DomainRC.WRONG_STATE  # not cancelled any more
    # a cancellation ACCOUNT PRA has journalised is not reinstated
    ok(cancel_pra(s, pra(), "insured", dt.date(1986, 6, 30)))
    ok(
        modify_occurrence(
            s, "PRA", {**pra(), "accounted_cancellation": True}, allowed=frozenset({"accounted_cancellation"})
        )
    )
    accounted = reinstate_pra(s, pra())
    assert accounted.rc == DomainRC.WRONG_STATE and "already accounted" in accounted.message


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(1986, 1, 1), dt.date(1986, 12, 31), (dt.date(1987, 1, 1), dt.date(1987, 12, 31))),
        (dt.date(1987, 3, 1), dt.date(1988, 2, 29), (dt.date(1988, 3, 1), dt.date(1989, 2, 28))),  # leap year
        (dt.date(1986, 2, 1), dt.date(1986, 4, 30), (dt.date(1986, 5, 1), dt.date(1986, 7, 31))),  # 3 months
        (dt.date(1986, 1, 10), dt.date(1986, 1, 19), (dt.date(1986, 1, 20), dt.date(1986, 1, 29))),  # 10 days
    ],
)
def test_next_period(start: dt.date, end: dt.date, expected: tuple[dt.date, dt.date]) -> None:
    assert next_period(start, end) == expected


def test_combine_keeps_the_contract_s_own_cover_start(org: Any) -> None:
    """An endorsement's cover start is its effective date; the composed contract's is its term's."""
    s = org
    fire_policy(s)
    ok(create_endorsement(s, POLICY, {"premium": D(1800)}, effective=dt.date(1986, 7, 1)))
    composed = ok(combine_pra(s, pra(POLICY, 0, 1))).article
    assert composed is not None
    assert (composed["cover_start"], composed["cover_end"], composed["premium"]) == (
        dt.date(1986, 1, 1),
        dt.date(1986, 12, 31),
        D(1800),
    )
    stored = ok(find_occurrence(s, "PRA", pra(POLICY, 0, 1))).article
    assert stored is not None and stored["cover_start"] == dt.date(1986, 7, 1)
    # a second endorsement without a date takes effect with the current period, not the term's start
    second = ok(create_endorsement(s, POLICY, {"premium": D(2000)})).article
    assert second is not None and second["cover_start"] == dt.date(1986, 7, 1)
    early = create_endorsement(s, POLICY, {"premium": D(2100)}, effective=dt.date(1986, 3, 1))
    assert early.rc == RC.VALUE_INVALID and "1986-07-01 – 1986-12-31" in early.message


def test_a_negative_policy_premium_names_the_contract_amounts_rule(org: Any) -> None:
    s = org
    refused = create_policy(
        s,
        {"policy_no": "654321-86", "class_of_business": "FIRE", "cover_start": dt.date(1986, 1, 1),
         "cover_end": dt.date(1986, 12, 31), "premium": D(-5)},
        [{"peril": "FIRE", "premium": D(-5)}],
        insured=DUPONT,
        handling_cell="B1-DEP",
    )  # fmt: skip
    assert refused.rc == Constraint.ENDORSEMENT_AMOUNTS.rc, refused
    assert "the contract amounts rule" in refused.message and "endorsement" not in refused.message
