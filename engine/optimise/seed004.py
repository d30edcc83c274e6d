"""The conditions of the worked example of O. Bensadoune, "Optimisation de la réassurance sous les
exigences de la Solvabilité II" ("the study" in assurdb), used as the scenario method's defaults
(each cited where it is printed).

Amounts in DA; the study's chapter 3 prints thousand DA.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

import numpy as np

__all__ = [
    "BAND_WIDTH",
    "CAPACITY_LINES",
    "COMMISSION",
    "CURRENT_LINES",
    "CURRENT_RETENTION",
    "FACULTATIVE_COMMISSION",
    "MIN_ROL",
    "RETENTIONS",
    "SEED_CURVE",
    "SEED_OPTIMUM",
    "SHIPMENT_MULTIPLES",
]

#: Tableau 23 (traité X): retention 300 000 thousand DA.
CURRENT_RETENTION: Final = 300_000_000.0
#: Tableau 23: "9 pleins", capacity 2 400 000 and underwriting limit 2 700 000 thousand DA — the study
#: counts the retention line among its "pleins" in ch. 3 (Tableau 30: capacity 4 500 000 = 9 × 500 000
#: with "10 pleins"), so the treaty has m = 8 lines of capacity (capacity m·R).
CURRENT_LINES: Final = 8.0
#: Tableau 23 and ch. 3 §3: commission 38 % of the ceded premium on the surplus ("traité EDP").
COMMISSION: Final = 0.38
#: Ch. 3 §3: "12 % pour les affaires FAC" — what exceeds the underwriting limit is placed facultatively.
FACULTATIVE_COMMISSION: Final = 0.12
#: Ch. 3 §3, Tableau 27: retentions from 0 to 1 000 000 thousand DA in steps of 50 000. The first row
#: ("-") cannot be a retention of 0 (a surplus with R = 0 cedes nothing and its underwriting limit 0
#: sends everything facultative: the result would be 325 330, not the 1 017 098 printed), so the grid
#: starts at 50 000.
RETENTIONS: Final = np.arange(1, 21) * 50_000_000.0
#: Tableau 30: capacities 1 500 000 … 7 000 000 for a retention of 500 000, i.e. m = 3 … 14 lines.
CAPACITY_LINES: Final = tuple(float(m) for m in range(3, 15))
#: Ch. 3 §5: a reinsurer accepts a rate on line above 12 % in a soft market, 20 % in a hard one.
MIN_ROL: Final = MappingProxyType({"soft": 0.12, "hard": 0.20})
#: Tableau 33: claim bands of 40 000 thousand DA ("0-40 000", "40 000-80 000", … "160 000-200 000").
BAND_WIDTH: Final = 40_000_000.0
#: Tableau 34: scenarios of 5, 10, 15, 20 shipments on one vessel — multiples of the first.
SHIPMENT_MULTIPLES: Final = (1, 2, 3, 4)
#: Ch. 3 §4 and §7: the retention the study chooses, 500 000 thousand DA.
SEED_OPTIMUM: Final = 500_000_000.0
#: Annex 09, BTA curve at 31/12/2021 (annually compounded spot rates by maturity in years), with the
#: study's own 4-year rate 5.13 % (the 3–5-year interpolation, 5.125 %, rounded) that its annexes use:
#: it gives the discount factors 0.95857058, 0.90444351, 0.85762326, 0.81864072 used in the tests.
SEED_CURVE: Final = MappingProxyType(
    {
        0.25: 0.02742,
        0.5: 0.02992,
        1.0: 0.04322,
        2.0: 0.0515,
        3.0: 0.05253,
        4.0: 0.0513,
        5.0: 0.04997,
        7.0: 0.068,
        10.0: 0.07321,
        15.0: 0.07962,
    }
)
