"""Programs: treaties in inuring order, gross → each layer → net."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.treaties import ExcessOfLoss, Program, QuotaShare, Reinstatements, StopLoss, Surplus


def tableau_11_12() -> tuple[pd.DataFrame, pd.DataFrame]:
    # the study, Tableaux 11 and 12: three policies (R = 300 000, 10 lines), their premiums and claims.
    portfolio = pd.DataFrame(
        {"policy_id": [1, 2, 3], "tsi": [130_000.0, 700_000.0, 2_000_000.0], "premium": [10_000.0, 20_000.0, 100_000.0]}
    )
    losses = pd.DataFrame(
        {
            "loss_id": ["s1", "s2", "s3"],
            "policy_id": [1, 2, 3],
            "date": pd.to_datetime(["2021-02-01", "2021-03-01", "2021-04-01"]),
            "amount": [80_000.0, 200_000.0, 1_200_000.0],
            "event_id": [None, "V1", "V1"],
        }
    )
    return portfolio, losses


def test_surplus_alone_gives_seed_figures_and_result() -> None:
    portfolio, losses = tableau_11_12()
    prog = Program([Surplus(300_000, 10, commission=0.38)]).fit(portfolio, losses)
    s = prog.summary_.loc[2021]
    assert s.loc["surplus", "claims"] == pytest.approx(1_020_000 + 200_000 * 4 / 7)  # the study, Tableau 11
    assert s.loc["surplus", "premium"] == pytest.approx(85_000 + 20_000 * 4 / 7)  # the study, Tableau 12 unrounded
    assert s.loc["surplus", "commission"] == pytest.approx(0.38 * (85_000 + 20_000 * 4 / 7))  # Tableau 23: 38 %
    r = prog.results_.loc[2021]
    # Retention result (the study §3.4.1) by hand: 130 000 − 1 480 000 + (1 134 285.71 − 96 428.57 + 36 642.86).
    assert r["retention_result"] == pytest.approx(-275_500.0)
    assert r["reinsurer_result"] == pytest.approx(-1_074_500.0)
    assert r["retention_result"] + r["reinsurer_result"] == pytest.approx(r["gross_result"])


def test_program_inuring_order_and_balance() -> None:
    portfolio, losses = tableau_11_12()
    xl = ExcessOfLoss(
        limit=200_000, priority=100_000, basis="event", premium=5_000, reinstatements=Reinstatements(1, 1.0)
    )
    prog = Program([Surplus(300_000, 10, commission=0.38), xl, StopLoss(limit=0.4, priority=0.8)]).fit(
        portfolio, losses
    )
    out = prog.losses_
    # The XL sees the surplus's retention: event V1 retains 85 714.29 + 180 000 = 265 714.29.
    assert out["ceded_excess_of_loss"].sum() == pytest.approx(165_714.2857, abs=1e-3)
    # net + ceded = gross, paid and outstanding separately
    ceded_cols = [c for c in out.columns if c.startswith("ceded_paid_")]
    np.testing.assert_allclose(out["net_paid"] + out[ceded_cols].sum(axis=1), out["gross_paid"])
    # The stop loss base is the net premium income: 130 000 − 96 428.57 − 5 000.
    sl = prog.layers_["stop_loss"]
    assert isinstance(sl, pd.DataFrame)
    assert sl["priority_amount"].iloc[0] == pytest.approx(0.8 * (130_000 - 96_428.5714 - 5_000), abs=1e-3)
    stages = prog.summary_.loc[2021].index.tolist()
    assert stages == ["gross", "surplus", "excess_of_loss", "stop_loss", "net"]
    s = prog.summary_.loc[2021]
    layers = s.drop(index=["gross", "net"])
    assert s.loc["net", "claims"] == pytest.approx(s.loc["gross", "claims"] - layers["claims"].sum())
    assert s.loc["excess_of_loss", "reinstatement_premium"] == pytest.approx(165_714.2857 / 200_000 * 5_000, abs=1e-3)
    r = prog.results_.loc[2021]
    assert r["retention_result"] == pytest.approx(s.loc["net", "result"])
    assert r["retention_result"] + r["reinsurer_result"] == pytest.approx(r["gross_result"])


def test_quota_share_then_surplus_works_on_the_retention() -> None:
    portfolio = pd.DataFrame({"policy_id": [1], "tsi": [1_000_000.0], "premium": [1_000.0], "treaty_year": [2021]})
    losses = pd.DataFrame(
        {"loss_id": [1], "policy_id": [1], "date": pd.to_datetime(["2021-05-01"]), "amount": [500_000.0]}
    )
    prog = Program([QuotaShare(0.5), Surplus(100_000, 10)]).fit(portfolio, losses)
    # After a 50 % QS the retained sum insured is 500 000: surplus rate 1 − 100 000/500 000 = 80 %.
    assert prog.losses_["ceded_surplus"].iloc[0] == pytest.approx(0.8 * 250_000)
    assert prog.premiums_["ceded_premium_surplus"].iloc[0] == pytest.approx(0.8 * 500)
    assert prog.premiums_["net_premium"].iloc[0] == pytest.approx(100.0)


def test_losses_with_their_own_sum_insured_need_no_join() -> None:
    portfolio = pd.DataFrame({"policy_id": [1], "tsi": [1e6], "premium": [1_000.0]})
    losses = pd.DataFrame({"loss_id": [1], "tsi": [1e6], "date": pd.to_datetime(["2021-05-01"]), "amount": [5e5]})
    prog = Program([Surplus(500_000, 1)]).fit(portfolio, losses)
    assert prog.losses_["ceded_surplus"].iloc[0] == pytest.approx(250_000)


def test_program_errors() -> None:
    portfolio, losses = tableau_11_12()
    with pytest.raises(EngineError, match="names must differ"):
        Program([Surplus(1, 1), Surplus(2, 1)])
    with pytest.raises(EngineError, match="at least one"):
        Program([])
    with pytest.raises(EngineError, match="'tsi'"):
        Program([Surplus(300_000, 10)]).fit(portfolio.drop(columns="tsi"), losses)
    with pytest.raises(EngineError, match="not in the portfolio"):
        Program([Surplus(300_000, 10)]).fit(portfolio, losses.assign(policy_id=[1, 2, 99]))
    with pytest.raises(EngineError, match="'event_id'"):
        Program([ExcessOfLoss(1e6, 1e6, basis="event")]).fit(portfolio, losses.drop(columns="event_id"))
    two_years = losses.assign(date=pd.to_datetime(["2020-02-01", "2021-03-01", "2021-04-01"]))
    with pytest.raises(EngineError, match="treaty_year"):
        Program([Surplus(300_000, 10)]).fit(portfolio, two_years)
    prog = Program([Surplus(300_000, 10)]).fit(portfolio, two_years, treaty_year=2021)
    assert prog.summary_.index.get_level_values("treaty_year").unique().tolist() == [2020, 2021]


def test_empty_portfolio_and_losses() -> None:
    portfolio, losses = tableau_11_12()
    prog = Program([Surplus(300_000, 10), ExcessOfLoss(1e6, 1e6), StopLoss(0.4, 0.8)]).fit(
        portfolio.iloc[:0], losses.iloc[:0]
    )
    assert prog.premiums_.empty and prog.losses_.empty and prog.summary_.empty and prog.results_.empty
