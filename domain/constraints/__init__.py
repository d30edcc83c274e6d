"""The fifteen integrity constraints of thesis IV.6, plus IV.3.8's rule and the endorsement
amounts rule: each as a check the primitive that could break it runs before writing,
and all of them together, on demand, in :func:`check_constraints`.

Numbering as in thesis IV.6:

1. only the head office reports to nobody; every other ECS reports to the level just above;
2. Centralisation links contiguous levels only;
3. an employee belongs to several cells or managements only if they are geographically close
   (their ECS share a ``region``);
4. Decomposition links contiguous levels, and a level-1 cell is part of no other cell;
5. only level-3 commercial cells (departments) share risks or communicate with intermediaries;
6. an employee is in at least one Composition (member or director) or GeneralManagement;
7. an ECS has at least one level-1 cell and no cell of a higher level directly;
8. a policy is nobody's renewal or endorsement;
9. an endorsement depends on the policy, the previous endorsement or the renewal, numbers matching;
10. a renewal depends on the policy, the last endorsement or the previous renewal, endorsement
    number 0, renewal numbers consecutive;
11. endorsement and renewal numbers are consecutive from 1;
12. cells handling ceded contracts are in contact (RiskSharing) with the companies they cede to;
13. a loss damages only guaranties of its own contract;
14. a loss date lies inside its PRA's cover period;
15. entry numbers are consecutive (accounting numbers them; only checked here).

Thesis IV.3.8 (8): a central entity has no production cells (:attr:`Constraint.NO_CENTRAL_PRODUCTION`).
The contract amounts rule: policies and renewals carry full amounts, endorsements differences, and no contract's
composed amount is ever negative (:attr:`Constraint.ENDORSEMENT_AMOUNTS`).

Where each is enforced. *Structural* rules — those no sequence of valid operations needs to
break — are refused by the primitive that would break them: CREATE ASSOCIATION on the path (and
CREATE / MODIFY when an article's path items or the levels, kinds, regions, dates the rule reads
change). *Existence* rules — every ECS but the head office reports to someone (1), an employee is
assigned (6), an ECS has a level-1 cell (7) — cannot hold while a company is being built (an ECS
exists before its cells), so they are verified on demand by :func:`check_constraints`, which
reports every violation of every rule.

The package does one job per module: :mod:`.codes` (the constraints' numbers, violations and
the identifiers they name), :mod:`.lookup` (what the checks read, cached for one call),
:mod:`.rules` (each constraint as a check, and the guards the primitives run before writing) and
:mod:`.scan` (every constraint over the whole database: :func:`~.scan.check_constraints`, which
returns a primitive's result and so is imported from there).
"""

from __future__ import annotations

from assurdb.domain.constraints.codes import (
    COMMERCIAL,
    DEPARTMENT_LEVEL,
    GUARANTY_ID,
    PRA_ID,
    PRODUCTION,
    Constraint,
    Key,
    Violation,
    articles_of,
    describe,
    guaranty_label,
    items_of,
    pra_key,
    pra_label,
    violation,
)
from assurdb.domain.constraints.lookup import Lookup
from assurdb.domain.constraints.rules import (
    article_violations,
    check_amounts,
    check_loss_date,
    link_violations,
    unlink_violations,
)

__all__ = [
    "COMMERCIAL",
    "DEPARTMENT_LEVEL",
    "GUARANTY_ID",
    "PRA_ID",
    "PRODUCTION",
    "Constraint",
    "Key",
    "Lookup",
    "Violation",
    "article_violations",
    "articles_of",
    "check_amounts",
    "check_loss_date",
    "describe",
    "guaranty_label",
    "items_of",
    "link_violations",
    "pra_key",
    "pra_label",
    "unlink_violations",
    "violation",
]
