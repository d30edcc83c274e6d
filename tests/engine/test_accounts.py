"""Treaty accounts of proportional treaties and the AAD listing (the treaty notes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.accounts import PortfolioTransfer, TreatyAccounts, aad_listing
from assurdb.engine.errors import EngineError
from assurdb.engine.treaties import ExcessOfLoss


def qs_2018() -> tuple[pd.DataFrame, pd.DataFrame]:
    """the treaty notes' example: a QS & surplus treaty 01/01/2018–31/12/2018 with quarterly accounts.

    Four policies incept in 2018 (one a quarter); one loss is paid over 2018–2020, a second loss
    occurs in 2019 on a 2018 policy.
    """
    premiums = pd.DataFrame(
        {
            "treaty_id": "QS-SS",
            "booking_date": pd.to_datetime(["2018-03-31", "2018-06-30", "2018-09-30", "2018-12-31"]),
            "premium": [100.0, 100.0, 100.0, 100.0],
            "commission": [30.0, 30.0, 30.0, 30.0],
            "inception": pd.to_datetime(["2018-01-01", "2018-04-01", "2018-07-01", "2018-10-01"]),
            "cover_end": pd.to_datetime(["2019-01-01", "2019-04-01", "2019-07-01", "2019-10-01"]),
        }
    )
    claims = pd.DataFrame(
        {
            "treaty_id": "QS-SS",
            "loss_id": ["L1", "L1", "L1", "L2", "L2"],
            "booking_date": pd.to_datetime(["2018-05-10", "2019-02-01", "2020-11-01", "2019-03-15", "2019-08-01"]),
            "paid": [0.0, 50.0, 40.0, 0.0, 20.0],
            "outstanding": [100.0, 40.0, 0.0, 20.0, 0.0],
            "inception": pd.to_datetime(["2018-01-01"] * 3 + ["2018-10-01"] * 2),
            "loss_date": pd.to_datetime(["2018-05-01"] * 3 + ["2019-03-01"] * 2),
        }
    )
    return premiums, claims


def test_development_quarters_run_into_later_years() -> None:
    # the treaty notes: "en 2019, nous recevrons 4 décomptes pour l'année 2018 (5ème quart, 6ème quart...)";
    # "en 2020, … les 9ème, 10ème, 11ème… se référant à l'année de souscription 2018".
    acc = TreatyAccounts().fit(*qs_2018()).accounts_
    uy = acc[acc["underwriting_year"] == 2018]
    assert uy.loc[uy["account_year"] == 2018, "dev"].tolist() == [1, 2, 3, 4]  # the treaty notes: 4 décomptes en 2018
    assert uy.loc[uy["account_year"] == 2019, "dev"].tolist() == [5, 6, 7, 8]  # the treaty notes: 5ème, 6ème… en 2019
    assert uy.loc[uy["account_year"] == 2020, "dev"].tolist() == [9, 10, 11, 12]  # the treaty notes: 9ème… en 2020
    assert uy["period"].iloc[4] == "2019Q1"
    assert set(acc["underwriting_year"]) == {2018}  # LORA: the 2019 loss on a 2018 policy stays in 2018


def test_lora_amounts_and_balance() -> None:
    acc = TreatyAccounts().fit(*qs_2018()).accounts_.set_index("dev")
    assert acc.loc[2, "outstanding_movement"] == 100.0  # L1 reported with 100 outstanding
    assert acc.loc[5, "claims_paid"] == 50.0
    assert acc.loc[5, "outstanding_movement"] == pytest.approx(-60.0 + 20.0)  # L1 down to 40, L2 opens at 20
    assert acc.loc[5, "outstanding"] == pytest.approx(60.0)
    assert acc.loc[12, "outstanding"] == pytest.approx(0.0)
    assert acc.loc[1, "balance"] == pytest.approx(70.0)  # 100 premium − 30 commission
    assert acc["claims_paid"].sum() == pytest.approx(110.0)
    assert acc["balance"].sum() == pytest.approx(400 - 120 - 110)


def test_lod_attaches_claims_by_loss_date() -> None:
    acc = TreatyAccounts(attachment="LOD").fit(*qs_2018()).accounts_
    y2019 = acc[acc["underwriting_year"] == 2019]
    assert y2019["claims_paid"].sum() == 20.0  # L2 occurred in 2019
    assert y2019["dev"].tolist() == [1, 2, 3]
    assert acc.loc[acc["underwriting_year"] == 2018, "claims_paid"].sum() == 90.0


def test_portfolio_withdrawal_ends_the_run_off() -> None:
    # the treaty notes: "Si des portefeuilles sont prévus, nous recevrons uniquement 4 comptes trimestriels
    # pour l'année 2018": the cedant sends nothing after the year-end withdrawal.
    premiums, claims = qs_2018()
    claims_2018 = claims[claims["booking_date"] < "2019-01-01"]
    accounts = TreatyAccounts(portfolio=PortfolioTransfer(loss_rate=0.9), as_at="2018-12-31")
    acc = accounts.fit(premiums, claims_2018).accounts_
    assert acc["dev"].tolist() == [1, 2, 3, 4]  # the treaty notes: 4 comptes trimestriels
    q4 = acc.iloc[3]
    # Unearned premium at 31/12/2018, pro rata temporis: 0 + 90/365 + 181/365 + 273/365 of 100.
    assert q4["premium_portfolio_withdrawal"] == pytest.approx(100 * (90 + 181 + 273) / 365)
    assert q4["loss_portfolio_withdrawal"] == pytest.approx(0.9 * 100.0)
    assert q4["outstanding"] == pytest.approx(0.0)


def test_portfolio_entry_into_the_renewal() -> None:
    premiums, claims = qs_2018()
    renewal = pd.DataFrame(
        {
            "treaty_id": ["QS-SS"],
            "booking_date": pd.to_datetime(["2019-03-31"]),
            "premium": [50.0],
            "commission": [15.0],
            "inception": pd.to_datetime(["2019-01-01"]),
            "cover_end": pd.to_datetime(["2020-01-01"]),
        }
    )
    acc = TreatyAccounts(portfolio=PortfolioTransfer(premium_rate=0.35)).fit(
        pd.concat([premiums, renewal], ignore_index=True), claims
    )
    table = acc.accounts_
    y2018, y2019 = table[table["underwriting_year"] == 2018], table[table["underwriting_year"] == 2019]
    assert y2018["dev"].tolist() == [1, 2, 3, 4]
    assert y2018["premium_portfolio_withdrawal"].sum() == pytest.approx(0.35 * 400)
    assert y2019["premium_portfolio_entry"].iloc[0] == pytest.approx(0.35 * 400)
    assert y2019["loss_portfolio_entry"].iloc[0] == pytest.approx(100.0)
    # Clean cut: the 2019 and 2020 movements of 2018's losses are booked to the years in force.
    assert y2019["claims_paid"].sum() == pytest.approx(70.0)
    assert y2019["outstanding"].iloc[-1] == pytest.approx(0.0)  # withdrawn at the end of 2019
    y2020 = table[table["underwriting_year"] == 2020]
    assert y2020["loss_portfolio_entry"].iloc[0] == pytest.approx(40.0)
    assert y2020["claims_paid"].sum() == pytest.approx(40.0)


def test_half_yearly_accounts() -> None:
    acc = TreatyAccounts(frequency="half").fit(*qs_2018()).accounts_
    assert acc["period"].tolist()[:3] == ["2018H1", "2018H2", "2019H1"]
    assert acc["dev"].tolist() == [1, 2, 3, 4, 5, 6]


def test_account_errors() -> None:
    premiums, claims = qs_2018()
    with pytest.raises(EngineError, match="'inception'"):
        TreatyAccounts().fit(premiums.drop(columns="inception"), claims)
    with pytest.raises(EngineError, match="'loss_date'"):
        TreatyAccounts(attachment="LOD").fit(premiums, claims.drop(columns="loss_date"))
    with pytest.raises(EngineError, match=r"'premium'.*negative"):
        TreatyAccounts().fit(premiums.assign(premium=-1.0), claims)
    with pytest.raises(EngineError, match="'outstanding'"):
        TreatyAccounts().fit(premiums, claims.drop(columns="outstanding"))
    with pytest.raises(EngineError, match="'cover_end'"):
        TreatyAccounts(portfolio=PortfolioTransfer()).fit(premiums.drop(columns="cover_end"), claims)
    with pytest.raises(EngineError, match="frequency"):
        TreatyAccounts(frequency="month")  # type: ignore[arg-type]


def test_empty_accounts() -> None:
    premiums, claims = qs_2018()
    acc = TreatyAccounts().fit(premiums.iloc[:0], claims.iloc[:0]).accounts_
    assert acc.empty and "balance" in acc.columns


def test_aad_listing_seed_001() -> None:
    # the treaty notes: "le technicien devra tenir à jour un listing des sinistres … en distinguant le paid,
    # l'OS et le montant repris dans l'aggregate".
    losses = pd.DataFrame(
        {
            "loss_id": ["A", "B", "C", "D"],
            "date": pd.to_datetime(["2018-01-10", "2018-02-10", "2018-03-10", "2018-04-10"]),
            "amount": [2e6, 5e5, 4e6, 5e6],
            "paid": [0.0, 0.0, 0.0, 5e6],
            "outstanding": [2e6, 5e5, 4e6, 0.0],
        }
    )
    listing = aad_listing(ExcessOfLoss(limit=5e6, priority=1e6, aad=3e6, aggregate_limit=5e6), losses)
    assert listing["ceded_outstanding"].tolist() == [1e6, 0, 3e6, 0]  # the treaty notes: A 1 000 000 OS, C 3 000 000 OS
    assert listing["ceded_paid"].tolist() == [0, 0, 0, 1e6]  # the treaty notes: D 1 000 000 paid
    assert listing["absorbed_by_aad"].tolist() == [0, 0, 0, 3e6]  # the treaty notes: AAD 3 000 000
    assert listing["aad_remaining"].iloc[-1] == 0.0
    assert listing["aggregate_remaining"].tolist() == [4e6, 4e6, 1e6, 0.0]  # limit 5 000 000 reached
    np.testing.assert_allclose(listing["cumulative_ceded"], [1e6, 1e6, 4e6, 5e6])
    with pytest.raises(EngineError, match="not been applied"):
        aad_listing(ExcessOfLoss(limit=5e6, priority=1e6))
