"""Accounting (thesis IV.5, V.3.1 ACCOUNT x, V.4): the chart of accounts, the journal
with consecutive entry numbers, and the ACCOUNT primitives.

    install_chart(session)                                   # the accounts of chart.yaml, once
    done = account_pra(session, {"policy_no": "123456-86", "renewal_no": 0, "endorsement_no": 0})
    done.rc, done.entries                                    # 0, (1, 2, 3, 4): premium and commission
"""

from __future__ import annotations

from assurdb.domain.accounting.account import (
    account_all,
    account_coinsurance,
    account_guaranty,
    account_loss,
    account_pending,
    account_pra,
    account_reinsurance,
    account_treaty_account,
    account_treaty_accounts,
    pending,
    returned_premium,
    source_id,
)
from assurdb.domain.accounting.chart import AccountDef, Chart, ChartError, Installed, Rule, install_chart, load_chart
from assurdb.domain.accounting.journal import (
    Accounted,
    Journal,
    Line,
    journal_problems,
    last_entry,
    lines_for,
    post_expense,
    post_journal,
    read_journal,
)

__all__ = [
    "AccountDef",
    "Accounted",
    "Chart",
    "ChartError",
    "Installed",
    "Journal",
    "Line",
    "Rule",
    "account_all",
    "account_coinsurance",
    "account_guaranty",
    "account_loss",
    "account_pending",
    "account_pra",
    "account_reinsurance",
    "account_treaty_account",
    "account_treaty_accounts",
    "install_chart",
    "journal_problems",
    "last_entry",
    "lines_for",
    "load_chart",
    "pending",
    "post_expense",
    "post_journal",
    "read_journal",
    "returned_premium",
    "source_id",
]
