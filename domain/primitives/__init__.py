"""Domain primitives of thesis chapter V, on the :class:`metadb.Session` contract only.

Every primitive takes the session first and answers a :class:`Result` (``rc``, ``message``,
``article``, ``articles``, ``batch``, ``text``, ``violations``, ``position``): ``rc`` 0 when done,
an interface return code when a request refused, ``1000 + n`` when integrity constraint *n*
refused (:class:`~domain.constraints.Constraint`), a :class:`DomainRC` otherwise. None raises for
bad input. Each opens what it needs (and the session lacks) for the call, and writes in one unit
of work — or in the caller's, if one is open.

Public names (stable; the accounting and reports modules build on them):

Base functions, every record type (thesis V.1.1) — :mod:`.generic`
    ``find_occurrence(s, rt, identifier)``, ``find_next_occurrence(s, rt, value, key="id")``,
    ``select_occurrences(s, rt, criteria)``, ``display_occurrence(s, rt, article)``,
    ``print_occurrence(s, rt, articles, path, fmt="text"|"csv"|"html")``,
    ``create_occurrence(s, rt, article)``, ``create_occurrences(s, rt, articles)`` (batch),
    ``modify_occurrence(s, rt, article)``,
    ``delete_occurrence(s, rt, identifier, confirm=None)``
Base functions, every path type (thesis V.1.2) — :mod:`.associations`
    ``find_association(s, pt, origin=… | target=…)``, ``create_association(s, pt, origin, target, link=None)``,
    ``create_associations(s, pt, links)``, ``delete_association(s, pt, origin, target, confirm=None)``
Cancellation and partial modification (thesis V.3.1) — :mod:`.lifecycle`
    ``cancel(s, rt, identifier, type, date)``, ``reinstate(s, rt, identifier, confirm=None)``,
    ``partial_modif(s, rt, article)``, ``accounting_items(record_type)``
COMBINE (thesis V.3.1) — :mod:`.combine`
    ``combine_occurrences(record_type, occurrences)``, ``difference(record_type, current, new)``
PRA (thesis V.3.1 b) — :mod:`.pra`
    ``create_policy(s, policy, guaranties, insured=, handling_cell=, intermediary=)``, ``create_policies``,
    ``create_previous_term(…)``, ``create_renewal(s, of, changes, guaranty_changes=, renewal_no=)``,
    ``create_renewals``, ``create_endorsement(s, of, changes, guaranty_changes=, effective=, endorsement_no=)``,
    ``create_endorsements``, ``extend_chains(s, steps)`` (renewals and endorsements in one batch),
    ``cancel_pra``, ``reinstate_pra``, ``combine_pra(s, pra)``,
    ``find_policy_chain(s, policy_no)``, ``find_contract_in_force(s, policy_no, when)``,
    ``contract_in_force(chain, when)``, ``pra_id``, ``parse_pra``, ``next_period``
Guaranty (thesis V.3.1 c) — :mod:`.guaranty`
    ``find_pra_guaranty(s, pra, current=None)``, ``combine_guaranties(s, pra, guaranty_no=None)``,
    ``guaranty_partial_modif``, ``cancel_guaranty``, ``reinstate_guaranty``,
    ``damage(s, guaranty, loss, amount=, pct=, damage_date=, indemnity_date=)``, ``damage_guaranties``,
    ``undamage(s, guaranty)``
Cessions (thesis V.3.1 d, e) — :mod:`.cessions`
    ``create_coinsurance(s, pra, company, cession)``, ``create_coinsurances``,
    ``create_reinsurance(s, guaranty, company, cession)``, ``create_reinsurances``,
    ``find_pra_coinsurance``, ``find_guaranty_reinsurance``, ``combine_coinsurances``,
    ``combine_reinsurances``, ``coinsurance_partial_modif``, ``reinsurance_partial_modif``,
    ``cancel_coinsurance``, ``reinstate_coinsurance``, ``cancel_reinsurance``, ``reinstate_reinsurance``
Loss (thesis V.3.1 f) — :mod:`.loss`
    ``create_loss(s, loss, policy_no=… | pra=…)``, ``create_losses``, ``loss_partial_modif``,
    ``cancel_loss``, ``reinstate_loss``
Loss history — :mod:`.movements`
    ``create_loss_movement(s, loss_code, kind, movement_date, amount, document_ref=None)`` (payment,
    reserve, recovery), ``create_loss_movements`` (batch), ``find_loss_movements(s, loss_code)``
Reinsurance program — :mod:`.treaties`
    ``create_treaty(s, treaty, placements=None, leader=None)``, ``create_treaties`` (batch),
    ``find_treaties(s, underwriting_year)``
Account (thesis V.4.1 b) — :mod:`.accounts`
    ``open_account(s, number, opened, name=, type=)``, ``close_account(s, number, closed)``

The integrity constraints themselves, and ``check_constraints(s)``, are in :mod:`domain.constraints`.
"""

from __future__ import annotations

from assurdb.domain.constraints import Constraint, Violation
from assurdb.domain.constraints.scan import check_constraints
from assurdb.domain.primitives.accounts import close_account, open_account
from assurdb.domain.primitives.associations import (
    create_association,
    create_associations,
    delete_association,
    find_association,
)
from assurdb.domain.primitives.cessions import (
    NewCoinsurance,
    NewReinsurance,
    cancel_coinsurance,
    cancel_reinsurance,
    coinsurance_partial_modif,
    combine_coinsurances,
    combine_reinsurances,
    create_coinsurance,
    create_coinsurances,
    create_reinsurance,
    create_reinsurances,
    find_guaranty_reinsurance,
    find_pra_coinsurance,
    reinstate_coinsurance,
    reinstate_reinsurance,
    reinsurance_partial_modif,
)
from assurdb.domain.primitives.combine import combine_occurrences, difference
from assurdb.domain.primitives.generic import (
    Confirm,
    create_occurrence,
    create_occurrences,
    delete_occurrence,
    display_occurrence,
    find_next_occurrence,
    find_occurrence,
    modify_occurrence,
    print_occurrence,
    select_occurrences,
)
from assurdb.domain.primitives.guaranty import (
    NewDamage,
    cancel_guaranty,
    combine_guaranties,
    damage,
    damage_guaranties,
    find_pra_guaranty,
    guaranty_partial_modif,
    reinstate_guaranty,
    undamage,
)
from assurdb.domain.primitives.lifecycle import accounting_items, cancel, partial_modif, reinstate
from assurdb.domain.primitives.loss import (
    NewLoss,
    cancel_loss,
    create_loss,
    create_losses,
    loss_partial_modif,
    reinstate_loss,
)
from assurdb.domain.primitives.movements import (
    NewLossMovement,
    create_loss_movement,
    create_loss_movements,
    find_loss_movements,
)
from assurdb.domain.primitives.pra import (
    NewEndorsement,
    NewPolicy,
    NewRenewal,
    cancel_pra,
    combine_pra,
    contract_in_force,
    create_endorsement,
    create_endorsements,
    create_policies,
    create_policy,
    create_previous_term,
    create_renewal,
    create_renewals,
    extend_chains,
    find_contract_in_force,
    find_policy_chain,
    next_period,
    parse_pra,
    pra_id,
    reinstate_pra,
)
from assurdb.domain.primitives.treaties import NewTreaty, create_treaties, create_treaty, find_treaties
from assurdb.domain.results import DomainRC, Result

__all__ = [
    "Confirm",
    "Constraint",
    "DomainRC",
    "NewCoinsurance",
    "NewDamage",
    "NewEndorsement",
    "NewLoss",
    "NewLossMovement",
    "NewPolicy",
    "NewReinsurance",
    "NewRenewal",
    "NewTreaty",
    "Result",
    "Violation",
    "accounting_items",
    "cancel",
    "cancel_coinsurance",
    "cancel_guaranty",
    "cancel_loss",
    "cancel_pra",
    "cancel_reinsurance",
    "check_constraints",
    "close_account",
    "coinsurance_partial_modif",
    "combine_coinsurances",
    "combine_guaranties",
    "combine_occurrences",
    "combine_pra",
    "combine_reinsurances",
    "contract_in_force",
    "create_association",
    "create_associations",
    "create_coinsurance",
    "create_coinsurances",
    "create_endorsement",
    "create_endorsements",
    "create_loss",
    "create_loss_movement",
    "create_loss_movements",
    "create_losses",
    "create_occurrence",
    "create_occurrences",
    "create_policies",
    "create_policy",
    "create_previous_term",
    "create_reinsurance",
    "create_reinsurances",
    "create_renewal",
    "create_renewals",
    "create_treaties",
    "create_treaty",
    "damage",
    "damage_guaranties",
    "delete_association",
    "delete_occurrence",
    "difference",
    "display_occurrence",
    "extend_chains",
    "find_association",
    "find_contract_in_force",
    "find_guaranty_reinsurance",
    "find_loss_movements",
    "find_next_occurrence",
    "find_occurrence",
    "find_policy_chain",
    "find_pra_coinsurance",
    "find_pra_guaranty",
    "find_treaties",
    "guaranty_partial_modif",
    "loss_partial_modif",
    "modify_occurrence",
    "next_period",
    "open_account",
    "parse_pra",
    "partial_modif",
    "pra_id",
    "print_occurrence",
    "reinstate",
    "reinstate_coinsurance",
    "reinstate_guaranty",
    "reinstate_loss",
    "reinstate_pra",
    "reinstate_reinsurance",
    "reinsurance_partial_modif",
    "select_occurrences",
    "undamage",
]
