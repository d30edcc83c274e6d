"""Retention result, reinsurer result and loss ratios (the study §3.4.1, Tableau 32)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assurdb.engine.errors import EngineError
from assurdb.engine.results import loss_ratio, reinsurer_result, results_table, retention_result


def test_loss_ratios_of_tableau_32() -> None:
    # the study, Tableau 32: retained premium bases and claims 2017–2021 (thousands of DA) and S/P.
    premiums = pd.Series([564_867, 301_274, 388_017, 148_954, 311_335], index=range(2017, 2022), dtype=float)
    claims = pd.Series([120_869, 116_112, 252_745, 174_208, 27_050], index=range(2017, 2022), dtype=float)
    ratios = loss_ratio(claims, premiums)
    assert (ratios * 100).round().tolist() == [21, 39, 65, 117, 9]  # the study, Tableau 32, S/P column
    # the study, Tableau 32, totals as printed (the printed premium total rounds to one unit less than
    # the sum of its rows): 690 984 / 1 714 446 → 40 %.
    assert round(loss_ratio(690_984.0, 1_714_446.0) * 100) == 40
    assert claims.sum() == 690_984  # the study, Tableau 32, total claims


def test_retention_result_formula() -> None:
    # the study §3.4.1 with the figures of Tableaux 11, 12 and 23 (38 % commission), computed by hand:
    # 130 000 − 1 480 000 + (1 134 285.71 − 96 428.57 + 36 642.86) = −275 500.
    ceded_claims = 1_020_000 + 200_000 * 4 / 7
    ceded_premiums = 85_000 + 20_000 * 4 / 7
    commission = 0.38 * ceded_premiums
    assert retention_result(130_000.0, 1_480_000.0, ceded_claims, ceded_premiums, commission) == pytest.approx(-275_500)
    assert reinsurer_result(ceded_premiums, ceded_claims, commission) == pytest.approx(-1_074_500)


def test_results_table() -> None:
    frame = pd.DataFrame(
        {
            "gross_premium": [1_000.0, 0.0],
            "gross_claims": [600.0, 10.0],
            "ceded_premium": [400.0, 0.0],
            "ceded_claims": [300.0, 0.0],
            "commission": [100.0, 0.0],
        },
        index=pd.Index([2020, 2021], name="treaty_year"),
    )
    out = results_table(frame)
    assert out.loc[2020, "retention_result"] == pytest.approx(1_000 - 600 + (300 - 400 + 100))
    assert out.loc[2020, "reinsurer_result"] == pytest.approx(400 - 300 - 100)
    assert out.loc[2020, "gross_loss_ratio"] == pytest.approx(0.6)
    assert out.loc[2020, "net_loss_ratio"] == pytest.approx(300 / 600)
    assert np.isnan(out.loc[2021, "gross_loss_ratio"])  # no premium: NaN, not an error
    with pytest.raises(EngineError, match="'commission'"):
        results_table(frame.drop(columns="commission"))


def test_loss_ratio_arrays() -> None:
    np.testing.assert_allclose(loss_ratio(np.array([1.0, 2.0]), np.array([2.0, 4.0])), [0.5, 0.5])
    assert loss_ratio(1.0, 4.0) == 0.25
