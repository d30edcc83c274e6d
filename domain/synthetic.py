"""A synthetic insurance company, seeded, built through the domain primitives only.

:func:`load_synthetic_company` creates, in an empty insurance database: a head office, regional
centres and branches (Centralisation), their organisation cells down to level-3 departments
(Organisation, Decomposition), employees (Composition, GeneralManagement), workers (Employment),
intermediaries (Communication), external insurers and reinsurers (RiskSharing), a chart of
accounts (OPEN ACCOUNT), the insured, and their policies with renewals, endorsements,
previous terms, guaranties, coinsurance and reinsurance cessions, losses with their damaged
guaranties and their dated history (payments, reserve changes, recoveries; losses not reported
by the horizon are left out, as a real company's IBNR), the reinsurance program of each
underwriting year placed with several reinsurers, and a few cancellations — satisfying every
integrity constraint (thesis IV.6): after loading, :func:`domain.constraints.check_constraints`
finds nothing.

Everything goes through the primitives' batch forms (one unit of work and WRITE BATCH per
batch), policies in chunks so that each chunk's chains are read once. The same seed gives the
same company, on every backend.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assurdb.domain.errors import DomainError
from assurdb.domain.openings import open_with_retry
from assurdb.domain.primitives import (
    NewCoinsurance,
    NewDamage,
    NewEndorsement,
    NewLoss,
    NewLossMovement,
    NewPolicy,
    NewReinsurance,
    NewRenewal,
    NewTreaty,
    Result,
    cancel_pra,
    create_associations,
    create_coinsurances,
    create_loss_movements,
    create_losses,
    create_occurrences,
    create_policies,
    create_reinsurances,
    create_treaties,
    damage_guaranties,
    extend_chains,
    open_account,
)
from assurdb.domain.primitives.associations import Link
from assurdb.domain.primitives.pra import add_months, next_period
from assurdb.domain.primitives.support import held_modes
from assurdb.metadb.contract import Mode, Session
from assurdb.metadb.progress import Progress

#: The record types the loader writes (opened once, in mode 2, for the whole load).
RECORD_TYPES = (
    "ECS",
    "OrgCell",
    "Employee",
    "Worker",
    "Intermediary",
    "ExtCompany",
    "Insured",
    "PRA",
    "Guaranty",
    "CoinsuranceCession",
    "ReinsuranceCession",
    "Loss",
    "LossMovement",
    "Treaty",
    "Placement",
    "Account",
    "Entry",
)
#: The last day the synthetic company has lived.
HORIZON = date(2024, 12, 31)
FIRST_YEAR = 2019
CENT = Decimal("0.01")

REGIONS = {
    "BRU": ("Brussels", ["Bruxelles", "Ixelles", "Uccle", "Schaerbeek", "Anderlecht"], "10"),
    "FLA": ("Flanders", ["Antwerpen", "Gent", "Brugge", "Leuven", "Mechelen", "Hasselt"], "20"),
    "WAL": ("Wallonia", ["Namur", "Liège", "Charleroi", "Mons", "Wavre", "Arlon"], "50"),
}
SURNAMES = [
    "DUPONT", "DURAND", "MARTIN", "PEETERS", "JANSSENS", "MAES", "JACOBS", "MERTENS", "WILLEMS", "CLAES",
    "GOOSSENS", "WOUTERS", "DUBOIS", "LAMBERT", "DUPUIS", "LEROY", "RENARD", "SIMON", "LAURENT", "HERMANS",
    "VERMEULEN", "DESMET", "DE SMET", "COPPENS", "LEFEBVRE", "MICHEL", "FONTAINE", "GERARD", "COLLIGNON",
]  # fmt: skip
FIRST_NAMES = [
    "ANNET", "MARIE", "JEAN", "LUC", "SOPHIE", "PIERRE", "ANNE", "MARC", "JULIE", "PAUL", "ELS", "KOEN",
    "AN", "TOM", "SARAH", "LOUIS", "EMMA", "NOAH", "LEA", "HUGO", "INES", "BART", "GREET", "DIRK",
]  # fmt: skip
COMPANY_WORDS = ["ATELIERS", "BRASSERIE", "TRANSPORTS", "GARAGE", "BOULANGERIE", "IMPRIMERIE", "SERRES", "CHAI"]
#: Class of business → (weight, perils, typical sum insured, premium rate in ‰).
CLASSES: dict[str, tuple[int, tuple[str, ...], int, int]] = {
    "FIRE": (35, ("FIRE", "STORM", "WATER DAMAGE", "THEFT"), 250_000, 2),
    "MOTOR": (30, ("THIRD PARTY", "OWN DAMAGE", "THEFT", "GLASS"), 30_000, 25),
    "LIABILITY": (12, ("GENERAL LIABILITY", "PRODUCT LIABILITY"), 500_000, 3),
    "ACCIDENT": (10, ("DEATH", "DISABILITY", "MEDICAL COSTS"), 100_000, 6),
    "MARINE": (8, ("CARGO", "HULL"), 400_000, 5),
    "ENGINEERING": (5, ("MACHINERY BREAKDOWN", "ERECTION ALL RISKS"), 800_000, 3),
}
#: Yearly claim frequency per contract, and the loss ratio the severities are priced for.
FREQUENCY = 0.07
LOSS_RATIO = 0.65
#: External companies: (code, name, country, kind).
COMPANIES = [
    ("XAXA", "AXA BELGIUM", "BE", "insurer"),
    ("XAG", "AG INSURANCE", "BE", "insurer"),
    ("XETH", "ETHIAS", "BE", "insurer"),
    ("XALL", "ALLIANZ BENELUX", "BE", "insurer"),
    ("XBAL", "BALOISE BELGIUM", "BE", "insurer"),
    ("XP&V", "P&V ASSURANCES", "BE", "insurer"),
    ("RMUN", "MUNICH RE", "DE", "reinsurer"),
    ("RSWI", "SWISS RE", "CH", "reinsurer"),
    ("RHAN", "HANNOVER RUCK", "DE", "reinsurer"),
    ("RSCO", "SCOR", "FR", "reinsurer"),
    ("RGEN", "GEN RE", "US", "reinsurer"),
    ("RLLO", "LLOYD'S SYNDICATE 2001", "GB", "both"),
]
#: Surplus treaties: retention per line by class (the study's surplus).
RETENTION = {"FIRE": 300_000, "ENGINEERING": 500_000, "MARINE": 250_000, "LIABILITY": 400_000}
#: Surplus treaties: lines (the treaty takes at most lines × retention of a risk).
LINES = 9
#: Claims development by class: mean days from the loss to its notification, and mean years from
#: the notification to a payment (short tail for motor and fire, long for liability).
DEVELOPMENT: dict[str, tuple[float, float]] = {
    "FIRE": (12, 0.6),
    "MOTOR": (8, 0.4),
    "LIABILITY": (150, 2.2),
    "ACCIDENT": (30, 1.2),
    "MARINE": (25, 0.8),
    "ENGINEERING": (20, 0.9),
}


@dataclass
class LoadReport:
    """What was loaded: counts per record type and link, and seconds per step."""

    seed: int
    insured: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count


@dataclass
class _Contract:
    """The loader's own view of a policy while it plans its history (what the primitives will compose)."""

    policy_no: str
    klass: str
    cell: str
    start: date
    end: date
    guaranties: dict[int, tuple[str, Decimal, Decimal]]  # number → (peril, sum insured, premium)
    pras: list[tuple[int, int, date, date]] = field(default_factory=list)  # (renewal, endorsement, start, end)
    term_sums: dict[int, dict[int, Decimal]] = field(default_factory=dict)  # renewal → guaranty → sum insured
    cancelled: date | None = None

    def totals(self) -> tuple[Decimal, Decimal]:
        return (
            sum((g[1] for g in self.guaranties.values()), Decimal(0)),
            sum((g[2] for g in self.guaranties.values()), Decimal(0)),
        )


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


#: Steps of a load before the batches of policies: organisation, accounts, program, insured.
STEPS = 4


class _Loader:
    def __init__(self, session: Session, seed: int, insured: int, chunk: int, progress: Progress | None) -> None:
        self.s = session
        self.progress = progress
        self.done = 0
        self.steps = STEPS + -(-int(insured * 1.35) // chunk)  # about 1.35 policies per insured
        self.rng = random.Random(seed)
        self.report = LoadReport(seed, insured)
        self.insured_count = insured
        self.chunk = chunk
        self.branches: list[dict[str, Any]] = []  # ECS articles of the branches
        self.departments: dict[str, list[str]] = {}  # branch → its commercial departments
        self.partners: dict[str, list[str]] = {}  # department → companies it shares risks with
        self.agents: dict[str, list[str]] = {}  # department → intermediaries it communicates with
        self.cession_no = 0
        self.loss_no = 0

    # -- helpers ----------------------------------------------------------------------------------
    def _ok(self, result: Result, what: str) -> Result:
        if not result.ok:
            raise DomainError(f"synthetic company, {what}: {result!r}")
        return result

    def step(self) -> None:
        """One more step done (organisation, accounts, program, insured, then each batch of policies)."""
        if self.progress is not None:
            self.progress("loading the synthetic company", self.done, self.steps)
        self.done += 1

    def _timed(self, step: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        work()
        self.report.seconds[step] = self.report.seconds.get(step, 0.0) + time.perf_counter() - started

    def _create(self, rt: str, articles: Sequence[dict[str, Any]]) -> None:
        if articles:
            self._ok(create_occurrences(self.s, rt, articles), f"CREATE {rt}")
            self.report.add(rt, len(articles))

    def _link(self, pt: str, links: Sequence[Link]) -> None:
        if links:
            self._ok(create_associations(self.s, pt, links), f"CREATE ASSOCIATION {pt}")
            self.report.add(pt, len(links))

    def _person(self) -> str:
        return f"{self.rng.choice(SURNAMES)} {self.rng.choice(FIRST_NAMES)}"

    # -- organisation (thesis IV.3) ------------------------------------------------------------------
    def organisation(self) -> None:
        rng = self.rng
        per_region = max(1, min(4, self.insured_count // 750))
        ecs: list[dict[str, Any]] = [
            {"code": "HO", "name": "HEAD OFFICE", "region": "BRU", "level": 2, "address": self._address("BRU")}
        ]
        for region, (label, _, _) in REGIONS.items():
            ecs.append(
                {
                    "code": f"RC{region}",
                    "name": f"REGIONAL CENTRE {label.upper()}",
                    "region": region,
                    "level": 1,
                    "centralisation_code": "HO",
                    "address": self._address(region),
                }
            )
            for n in range(1, per_region + 1):
                branch: dict[str, Any] = {
                    "code": f"B{region[0]}{n:02d}",
                    "name": f"BRANCH {REGIONS[region][1][n % len(REGIONS[region][1])].upper()}",
                    "region": region,
                    "level": 0,
                    "centralisation_code": f"RC{region}",
                    "address": self._address(region),
                    "phone": [f"+32 {rng.randint(2, 99)} {rng.randint(100000, 999999)}"],
                }
                ecs.append(branch)
                self.branches.append(branch)
        self._create("ECS", ecs)
        cells: list[dict[str, Any]] = []
        for entity in ecs:
            code = entity["code"]
            if entity["level"] > 0:  # central entities: management, accounting, support — no production (IV.3.8)
                cells += [
                    {"code": f"{code}-M1", "name": f"{code} MANAGEMENT", "level": 1, "kind": "management",
                     "organisation_code": code},
                    {"code": f"{code}-A2", "name": f"{code} FINANCE", "level": 2, "kind": "accounting",
                     "decomposition_code": f"{code}-M1"},
                    {"code": f"{code}-A3", "name": f"{code} ACCOUNTING", "level": 3, "kind": "accounting",
                     "decomposition_code": f"{code}-A2"},
                    {"code": f"{code}-S1", "name": f"{code} SUPPORT", "level": 1, "kind": "support",
                     "organisation_code": code},
                ]  # fmt: skip
                continue
            departments = [f"{code}-CD{n}" for n in (1, 2)]
            self.departments[code] = departments
            cells += [
                {"code": f"{code}-C1", "name": f"{code} COMMERCIAL", "level": 1, "kind": "commercial",
                 "organisation_code": code},
                {"code": f"{code}-C2", "name": f"{code} SALES", "level": 2, "kind": "commercial",
                 "decomposition_code": f"{code}-C1"},
                *({"code": d, "name": f"{code} SALES DEPT {d[-1]}", "level": 3, "kind": "commercial",
                   "decomposition_code": f"{code}-C2"} for d in departments),
                {"code": f"{code}-P1", "name": f"{code} PRODUCTION", "level": 1, "kind": "production",
                 "organisation_code": code},
                {"code": f"{code}-P2", "name": f"{code} UNDERWRITING", "level": 2, "kind": "production",
                 "decomposition_code": f"{code}-P1"},
                {"code": f"{code}-P3", "name": f"{code} POLICY ADMIN", "level": 3, "kind": "production",
                 "decomposition_code": f"{code}-P2"},
                {"code": f"{code}-K1", "name": f"{code} CLAIMS", "level": 1, "kind": "claims",
                 "organisation_code": code},
            ]  # fmt: skip
        self._create("OrgCell", cells)
        # staff: a director for each level-1 cell, members in every cell, a general manager per entity
        employees: list[dict[str, Any]] = []
        composition: list[Link] = []
        management: list[Link] = []
        by_entity: dict[str, list[str]] = {}
        n = 0
        for cell in cells:
            entity = cell.get("organisation_code") or cell["code"].split("-")[0]
            members = 1 + rng.randint(1, 3) if cell["level"] == 3 else rng.randint(1, 2)
            for k in range(members + (1 if cell["level"] == 1 else 0)):
                n += 1
                employee: dict[str, Any] = {
                    "code": f"E{n:05d}",
                    "name": self._person(),
                    "function": "director" if k == 0 and cell["level"] == 1 else cell["kind"],
                    "hire_date": date(rng.randint(1990, 2023), rng.randint(1, 12), rng.randint(1, 28)),
                }
                employees.append(employee)
                by_entity.setdefault(entity, []).append(employee["code"])
                role = "director" if k == 0 and cell["level"] == 1 else "member"
                composition.append(({"code": cell["code"]}, {"code": employee["code"]}, {"role": role}))
        for entity in ecs:
            staff = by_entity[entity["code"]]
            management.append(({"code": entity["code"]}, {"code": staff[0]}))
        # a few employees also work in another entity of their region (constraint 3 allows it)
        for region in REGIONS:
            same = [b["code"] for b in self.branches if b["region"] == region]
            if len(same) > 1:
                mover = by_entity[same[0]][-1]
                composition.append(({"code": f"{same[1]}-K1"}, {"code": mover}, {"role": "member"}))
        self._create("Employee", employees)
        self._link("Composition", composition)
        self._link("GeneralManagement", management)
        # workers maintain the buildings of one region's entities (thesis IV.3.7)
        workers: list[dict[str, Any]] = []
        employment: list[Link] = []
        for i, region in enumerate(REGIONS, start=1):
            entities = [e["code"] for e in ecs if e["region"] == region]
            for k in range(3):
                code = f"W{i}{k:03d}"
                workers.append({"code": code, "name": self._person(), "function": rng.choice(["electrician",
                                "plumber", "caretaker", "technician"]), "part_time": k == 2})  # fmt: skip
                employment += [({"code": e}, {"code": code}) for e in rng.sample(entities, min(2, len(entities)))]
        self._create("Worker", workers)
        self._link("Employment", employment)
        # external companies, shared with each commercial department (only those: constraint 5)
        self._create(
            "ExtCompany",
            [{"code": c, "name": name, "country": country, "kind": kind, "rating": rng.choice(["AA-", "A+", "A"])}
             for c, name, country, kind in COMPANIES],
        )  # fmt: skip
        sharing: list[Link] = []
        for departments in self.departments.values():
            for department in departments:
                partners = rng.sample([c[0] for c in COMPANIES], 7)
                self.partners[department] = partners
                sharing += [({"code": department}, {"code": c}) for c in partners]
        self._link("RiskSharing", sharing)
        # intermediaries communicate with the commercial departments of their branch
        intermediaries: list[dict[str, Any]] = []
        communication: list[Link] = []
        count = max(len(self.branches) * 2, self.insured_count // 30)
        for i in range(count):
            branch = self.branches[i % len(self.branches)]
            department = self.departments[branch["code"]][(i // len(self.branches)) % 2]
            code = f"I{i + 1:05d}"
            kind = "broker" if i % 5 == 0 else "agent"
            intermediaries.append(
                {
                    "code": code,
                    "name": (f"{self._person()} & CO" if kind == "broker" else self._person())[:40],
                    "kind": kind,
                    "address": self._address(branch["region"]),
                    "commission_rate": Decimal(rng.choice(["10.00", "12.50", "15.00", "17.50"])),
                    "licence_no": f"FSMA-{rng.randint(10000, 99999)}",
                }
            )
            communication.append(({"code": department}, {"code": code}))
            self.agents.setdefault(department, []).append(code)
        self._create("Intermediary", intermediaries)
        self._link("Communication", communication)

    def _address(self, region: str) -> dict[str, Any]:
        _, cities, prefix = REGIONS[region]
        return {
            "street": f"{self.rng.choice(['RUE', 'STRAAT', 'AVENUE', 'LAAN'])} {self.rng.choice(SURNAMES)} "
            f"{self.rng.randint(1, 250)}",
            "postcode": f"{prefix}{self.rng.randint(0, 99):02d}",
            "city": self.rng.choice(cities),
            "country": "BE",
        }

    def accounts(self) -> None:
        """The chart of accounts ACCOUNT x posts to (``domain.accounting``'s), opened with OPEN ACCOUNT."""
        from assurdb.domain.accounting.chart import load_chart

        chart = load_chart()
        for account in chart.accounts:
            opened = date(FIRST_YEAR - 1, 1, 1)
            self._ok(open_account(self.s, account.number, opened, name=account.name, type=account.type), "OPEN ACCOUNT")
        self.report.add("Account", len(chart.accounts))

    # -- the reinsurance program -----------------------------------------------------------------------
    def program(self) -> None:
        """Each underwriting year's program: a motor and accident quota share, a surplus per class
        the cessions name (``SURPLUS-FIRE-2021``…), a per-risk and a per-event excess of loss with
        reinstatements (the event cover with an annual aggregate deductible) and a stop loss in
        loss-ratio terms — each placed with two to four reinsurers, the first one leading."""
        rng = self.rng
        reinsurers = [code for code, _, _, kind in COMPANIES if kind in ("reinsurer", "both")]
        treaties: list[NewTreaty] = []
        for year in range(FIRST_YEAR, HORIZON.year + 1):
            cover = {"underwriting_year": year, "inception": date(year, 1, 1), "expiry": date(year, 12, 31)}
            terms: list[dict[str, Any]] = [
                {"code": f"QS-MOTO-{year}", "name": "MOTOR AND ACCIDENT QUOTA SHARE", "kind": "quota_share",
                 "rank": 1, "classes": ["MOTOR", "ACCIDENT"], "share_pct": Decimal(25),
                 "commission_pct": Decimal("30.00"), "profit_commission_pct": Decimal("15.00"),
                 "portfolio": {"premium_pct": Decimal("35.00"), "loss_pct": Decimal("90.00")}},
                *({"code": f"SURPLUS-{klass[:4]}-{year}", "name": f"{klass} SURPLUS", "kind": "surplus", "rank": 2,
                   "classes": [klass], "retention": Decimal(retention), "lines": Decimal(LINES),
                   "commission_pct": Decimal("27.50")} for klass, retention in RETENTION.items()),
                {"code": f"XL-RISK-{year}", "name": "PROPERTY PER RISK XL", "kind": "risk_xl", "rank": 3,
                 "classes": ["FIRE", "ENGINEERING", "MARINE"], "attachment": "LOD",
                 "layer": {"priority": Decimal(150_000), "limit": Decimal(850_000), "terms": "amount"},
                 "reinstatements": 2, "reinstatement_rates": [Decimal(100), Decimal(100)],
                 "premium": {"scheme": "minimum_deposit", "rate_pct": Decimal("4.5"), "amount": Decimal(60_000)}},
                {"code": f"XL-CAT-{year}", "name": "PROPERTY CATASTROPHE XL", "kind": "event_xl", "rank": 4,
                 "classes": ["FIRE", "ENGINEERING"], "attachment": "LOD",
                 "layer": {"priority": Decimal(400_000), "limit": Decimal(1_600_000), "aad": Decimal(200_000),
                           "terms": "amount"},
                 "reinstatements": 1, "reinstatement_rates": [Decimal(100)],
                 "premium": {"scheme": "flat", "amount": Decimal(90_000)}},
                {"code": f"SL-{year}", "name": "WHOLE ACCOUNT STOP LOSS", "kind": "stop_loss", "rank": 5,
                 "attachment": "LOD", "layer": {"priority": Decimal(85), "limit": Decimal(40), "terms": "loss_ratio"},
                 "premium": {"scheme": "deposit", "rate_pct": Decimal("1.20")}},
            ]  # fmt: skip
            for treaty in terms:
                chosen = rng.sample(reinsurers, rng.randint(2, 4))
                cuts = sorted(rng.sample(range(5, 100, 5), len(chosen) - 1))
                shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
                placements = {company: Decimal(share) for company, share in zip(chosen, shares, strict=True)}
                treaties.append(NewTreaty({**cover, **treaty}, placements, leader=chosen[0]))
        self._ok(create_treaties(self.s, treaties), "CREATE TREATY")
        self.report.add("Treaty", len(treaties))
        self.report.add("Placement", sum(len(t.placements) for t in treaties))

    # -- production (thesis IV.4) ---------------------------------------------------------------------
    def production(self) -> None:
        rng = self.rng
        insured: list[dict[str, Any]] = []
        homes: list[dict[str, Any]] = []
        for i in range(self.insured_count):
            branch = self.branches[i % len(self.branches)]
            company = rng.random() < 0.1
            name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(SURNAMES)}" if company else self._person()
            insured.append(
                {
                    "code": 1_000_000_000 + 37 * i,
                    "name": name[:25],
                    "address": self._address(branch["region"]),
                    "kind": "company" if company else "person",
                    "birth_date": date(rng.randint(1940, 2004), rng.randint(1, 12), rng.randint(1, 28)),
                    "phone": [f"+32 4{rng.randint(70, 99)} {rng.randint(100000, 999999)}"],
                }
            )
            homes.append(branch)
        self._timed("insured", lambda: self._create("Insured", insured))
        plans: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for person, branch in zip(insured, homes, strict=True):
            for _ in range(rng.choices([1, 2, 3], weights=[70, 25, 5])[0]):
                plans.append((person, branch))
        self.steps = STEPS + -(-len(plans) // self.chunk)  # now that the batches are known
        self.step()
        for start in range(0, len(plans), self.chunk):
            self._chunk(plans[start : start + self.chunk], start)
            self.step()

    def _chunk(self, plans: list[tuple[dict[str, Any], dict[str, Any]]], offset: int) -> None:
        rng = self.rng
        policies: list[NewPolicy] = []
        contracts: list[_Contract] = []
        for n, (person, branch) in enumerate(plans, start=offset + 1):
            klass = rng.choices(list(CLASSES), weights=[c[0] for c in CLASSES.values()])[0]
            _, perils, typical, rate = CLASSES[klass]
            previous = rng.random() < 0.03
            year = FIRST_YEAR - 1 if previous else rng.randint(FIRST_YEAR, HORIZON.year - 1)
            start = date(year, rng.randint(1, 12), 1)
            end = add_months(start, 12) - timedelta(days=1)
            policy_no = f"{n:06d}-{year % 100:02d}"
            department = rng.choice(self.departments[branch["code"]])
            guaranties: dict[int, tuple[str, Decimal, Decimal]] = {}
            total = typical * rng.lognormvariate(0, 0.6)
            chosen = rng.sample(perils, rng.randint(1, min(3, len(perils))))
            for g, peril in enumerate(chosen, start=1):
                share = total * (0.6 if g == 1 else 0.4 / max(1, len(chosen) - 1))
                guaranties[g] = (peril, _money(share), _money(share * rate / 1000))
            contract = _Contract(policy_no, klass, department, start, end, guaranties)
            si, premium = contract.totals()
            agents = self.agents.get(department, [])
            agent = rng.choice(agents) if agents and rng.random() < 0.7 else None
            policy = {
                "policy_no": policy_no,
                "class_of_business": klass,
                "risk_type": "company" if person["kind"] == "company" else "private",
                "territory": "DOMESTIC" if rng.random() < 0.9 else "EUROPE",
                "sum_insured": si,
                "premium": premium,
                "commission_rate": Decimal("15.00") if agent else Decimal("0.00"),
                "issue_date": start - timedelta(days=rng.randint(1, 20)),
                "cover_start": start,
                "cover_end": end,
            }
            g_articles = [
                {"guaranty_no": g, "peril": p, "sum_insured": s, "premium": pr,
                 "share_pct": _money(100 * s / si) if si else Decimal(100),
                 "risk_location": person["address"]["city"]}
                for g, (p, s, pr) in guaranties.items()
            ]  # fmt: skip
            policies.append(NewPolicy(policy, g_articles, person["code"], department, agent, previous))
            contract.pras.append((0, 0, start, end))
            contracts.append(contract)
        regular = [p for p in policies if not p.previous_term]
        previous_terms = [p for p in policies if p.previous_term]
        self._timed("policies", lambda: self._ok(create_policies(self.s, regular), "CREATE POLICY"))
        if previous_terms:
            self._timed("policies", lambda: self._ok(create_policies(self.s, previous_terms), "CREATE PREVIOUS TERM"))
            self.report.add("previous terms", len(previous_terms))
        self.report.add("policies", len(policies))
        self.report.add("PRA", len(policies))
        self.report.add("Guaranty", sum(len(p.guaranties) for p in policies))
        steps = self._history(contracts)
        self._timed("renewals and endorsements", lambda: self._ok(extend_chains(self.s, steps), "history"))
        self._timed("cessions", lambda: self._cessions(contracts))
        self._timed("losses", lambda: self._losses(contracts))
        self._timed("cancellations", lambda: self._cancel(contracts))

    def _history(self, contracts: list[_Contract]) -> list[NewRenewal | NewEndorsement]:
        """Renewals every year while the policy lives, endorsements now and then, in chain order."""
        rng = self.rng
        steps: list[NewRenewal | NewEndorsement] = []
        for c in contracts:
            renewal, endorsement = 0, 0
            term_start, term_end = c.start, c.end
            previous = c.start.year < FIRST_YEAR
            while True:
                if not previous and rng.random() < 0.22 and (term_end - term_start).days > 90:
                    endorsement += 1
                    effective = term_start + timedelta(days=rng.randint(30, (term_end - term_start).days - 30))
                    number = rng.choice(list(c.guaranties))
                    peril, si, premium = c.guaranties[number]
                    factor = Decimal(rng.choice(["1.10", "1.25", "0.90", "1.50"]))
                    c.guaranties[number] = (peril, _money(si * factor), _money(premium * factor))
                    changes: dict[int, dict[str, Any]] = {
                        number: {"sum_insured": c.guaranties[number][1], "premium": c.guaranties[number][2]}
                    }
                    total_si, total_premium = c.totals()
                    steps.append(
                        NewEndorsement(
                            c.policy_no, {"sum_insured": total_si, "premium": total_premium}, changes, effective
                        )
                    )
                    self.report.add("endorsements", 1)
                    c.pras.append((renewal, endorsement, effective, term_end))
                c.term_sums[renewal] = {number: si for number, (_, si, _) in c.guaranties.items()}  # as the term ends
                start, end = next_period(term_start, term_end)
                if start > HORIZON or (not previous and rng.random() < 0.12):
                    break
                renewal, endorsement = renewal + 1, 0
                # indexation of 2 to 4 %, guaranty by guaranty (a previous term restates the amounts)
                index = Decimal(1) + Decimal(rng.randint(20, 40)) / 1000
                g_changes: dict[int, dict[str, Any]] = {}
                for number, (peril, si, premium) in list(c.guaranties.items()):
                    c.guaranties[number] = (peril, _money(si * index), _money(premium * index))
                    g_changes[number] = {"sum_insured": c.guaranties[number][1], "premium": c.guaranties[number][2]}
                total_si, total_premium = c.totals()
                steps.append(NewRenewal(c.policy_no, {"sum_insured": total_si, "premium": total_premium}, g_changes))
                self.report.add("renewals", 1)
                c.pras.append((renewal, 0, start, end))
                term_start, term_end, previous = start, end, False
            # a few contracts end by a cancellation, mid-term
            if rng.random() < 0.03 and c.pras[-1][3] > c.pras[-1][2] + timedelta(days=60):
                c.cancelled = c.pras[-1][2] + timedelta(days=rng.randint(30, 60))
        self.report.add("PRA", len(steps))
        self.report.add("Guaranty", sum(len(c.guaranties) * (len(c.pras) - 1) for c in contracts))
        return steps

    def _cessions(self, contracts: list[_Contract]) -> None:
        rng = self.rng
        coinsurance: list[NewCoinsurance] = []
        reinsurance: list[NewReinsurance] = []
        for c in contracts:
            partners = self.partners[c.cell]
            insurers = [p for p in partners if p.startswith("X")] or partners
            reinsurers = [p for p in partners if p.startswith("R")] or partners
            large = c.totals()[0] > CLASSES[c.klass][2] * 1.5
            for renewal, endorsement, start, _ in c.pras:
                if endorsement or start.year < FIRST_YEAR:
                    continue  # cessions go with policies and renewals: endorsements carry differences only
                pra = {"policy_no": c.policy_no, "renewal_no": renewal, "endorsement_no": 0}
                if large and rng.random() < 0.5:
                    for company in rng.sample(insurers, min(len(insurers), rng.randint(1, 2))):
                        self.cession_no += 1
                        coinsurance.append(
                            NewCoinsurance(
                                pra,
                                company,
                                {
                                    "code": f"CO{self.cession_no:08d}",
                                    "role": "follower",
                                    "share_pct": Decimal(rng.choice(["10.00", "20.00", "25.00", "30.00"])),
                                    "contract_type": "quota",
                                    "commission_rate": Decimal("5.00"),
                                },
                            )
                        )
                retention = RETENTION.get(c.klass)
                if retention is None:
                    continue
                for number, si in c.term_sums.get(renewal, {}).items():  # the term's sums, endorsements added
                    if si <= retention:
                        continue
                    # the surplus rate min(1 − R/TSI, m·R/TSI) of the treaty (the study), in %
                    rate = min(1 - Decimal(retention) / si, LINES * Decimal(retention) / si)
                    ceded = (rate * 100).quantize(Decimal("0.0001"))
                    self.cession_no += 1
                    reinsurance.append(
                        NewReinsurance(
                            {**pra, "guaranty_no": number},
                            rng.choice(reinsurers),
                            {
                                "code": f"RE{self.cession_no:08d}",
                                "treaty_ref": f"SURPLUS-{c.klass[:4]}-{start.year}",
                                "contract_type": "surplus",
                                "ceded_pct": ceded,
                                "commission_rate": Decimal("27.50"),
                            },
                        )
                    )
        if coinsurance:
            self._ok(create_coinsurances(self.s, coinsurance), "CREATE COINSURANCE")
            self.report.add("CoinsuranceCession", len(coinsurance))
        if reinsurance:
            self._ok(create_reinsurances(self.s, reinsurance), "CREATE REINSURANCE")
            self.report.add("ReinsuranceCession", len(reinsurance))

    def _losses(self, contracts: list[_Contract]) -> None:
        rng = self.rng
        losses: list[NewLoss] = []
        history: list[NewLossMovement] = []
        shares: list[tuple[_Contract, Decimal, int]] = []
        for c in contracts:
            first, last = c.pras[0][2], min(c.pras[-1][3], HORIZON, c.cancelled or HORIZON)
            if first.year < FIRST_YEAR:
                first = next((p[2] for p in c.pras if p[2].year >= FIRST_YEAR), last)
            years = max(0, (last - first).days) / 365
            for _ in range(sum(1 for _ in range(int(years) + 1) if rng.random() < FREQUENCY * min(1.0, years))):
                when = first + timedelta(days=rng.randint(0, max(0, (last - first).days - 1)))
                if c.cancelled is not None and when >= c.cancelled:
                    continue
                si = c.totals()[0]
                # severity priced on the class's premium rate: a 7 % yearly frequency and a mean
                # severity of rate × LOSS_RATIO / 7 % of the sum insured give an expected loss
                # ratio near LOSS_RATIO (uniform severities between 0 and twice the mean)
                mean = CLASSES[c.klass][3] / 1000 * LOSS_RATIO / FREQUENCY
                ultimate = _money(float(si) * min(1.0, rng.uniform(0.02, 2.0) * mean))
                notified = when + timedelta(days=int(rng.expovariate(1 / DEVELOPMENT[c.klass][0])))
                if notified > HORIZON:
                    continue  # occurred but not reported by the horizon: what the chain ladder's IBNR estimates
                self.loss_no += 1
                code = f"L{self.loss_no:09d}"
                moves, incurred, closed = self._development(code, c.klass, notified, ultimate)
                history.extend(moves)
                losses.append(
                    NewLoss(
                        {
                            "code": code,
                            "loss_date": when,
                            "notification_date": notified,
                            "type": rng.choice(["material", "bodily", "theft", "natural event"]),
                            "cause": rng.choice(["fire", "water", "collision", "storm", "burglary", "unknown"]),
                            "closing_date": closed,
                        },
                        policy_no=c.policy_no,
                    )
                )
                shares.append((c, incurred, rng.randint(1, 2)))
        if not losses:
            return
        created = self._ok(create_losses(self.s, losses), "CREATE LOSS")
        self.report.add("Loss", len(losses))
        self._ok(create_loss_movements(self.s, history), "CREATE LOSS MOVEMENT")
        self.report.add("LossMovement", len(history))
        damages: list[NewDamage] = []
        damaged: set[tuple[Any, ...]] = set()
        for loss, (c, amount, how_many) in zip(created.articles, shares, strict=True):
            pra = {i: loss[f"accident_{i}"] for i in ("policy_no", "renewal_no", "endorsement_no")}
            # the loader never cancels a guaranty, so every PRA carries them all; each is damaged by
            # at most one loss (thesis IV.4.5): a later loss of the same PRA takes the others
            free = [n for n in sorted(c.guaranties) if (*pra.values(), n) not in damaged]
            chosen = rng.sample(free, min(how_many, len(free)))
            for k, number in enumerate(chosen):
                damaged.add((*pra.values(), number))
                damages.append(
                    NewDamage(
                        {**pra, "guaranty_no": number},
                        loss["code"],
                        amount=_money(amount / len(chosen)),
                        damage_date=loss["loss_date"] + timedelta(days=k),
                        indemnity_date=loss["closing_date"],
                    )
                )
        if damages:
            self._ok(damage_guaranties(self.s, damages), "DAMAGE")
            self.report.add("damaged guaranties", len(damages))

    def _development(
        self, code: str, klass: str, notified: date, ultimate: Decimal
    ) -> tuple[list[NewLossMovement], Decimal, date | None]:
        """A loss's movements up to the horizon: a first case reserve on notification, payments
        spread over the class's tail (each followed by the reserve re-estimated on what is left to
        pay, released after the last), and for motor a recovery now and then. Answers the
        movements, the incurred at the horizon and the closing date (when it is settled by then)."""
        rng = self.rng
        tail = DEVELOPMENT[klass][1]
        count = rng.choice([1, 2, 2, 3, 4])
        days = sorted(int(rng.expovariate(1 / (tail * 365))) + 1 for _ in range(count))
        weights = [rng.uniform(0.2, 1.2) for _ in range(count)]
        parts = [_money(ultimate * Decimal(w / sum(weights))) for w in weights[:-1]]
        parts.append(ultimate - sum(parts, Decimal(0)))
        reserve = max(CENT, _money(ultimate * Decimal(rng.uniform(0.6, 1.25))))
        moves: list[tuple[date, str, Decimal]] = [(notified, "reserve", reserve)]
        paid, outstanding = Decimal(0), reserve
        for i, (delay, part) in enumerate(zip(days, parts, strict=True)):
            when = notified + timedelta(days=delay)
            if part > 0:
                moves.append((when, "payment", part))
                paid += part
                outstanding = max(Decimal(0), outstanding - part)
            target = _money((ultimate - paid) * Decimal(rng.uniform(0.8, 1.3))) if i < count - 1 else Decimal(0)
            if target != outstanding:
                moves.append((when, "reserve", target - outstanding))
                outstanding = target
        if klass == "MOTOR" and paid > 0 and rng.random() < 0.15:
            moves.append(
                (moves[-1][0] + timedelta(days=rng.randint(30, 200)), "recovery", _money(paid * Decimal("0.3")))
            )
        kept = [m for m in moves if m[0] <= HORIZON]
        paid, outstanding = Decimal(0), Decimal(0)
        for _, kind, amount in kept:
            if kind == "payment":
                paid, outstanding = paid + amount, max(Decimal(0), outstanding - amount)
            elif kind == "reserve":
                outstanding += amount
        settled = len(kept) == len(moves) and outstanding == 0
        movements = [NewLossMovement(code, kind, when, amount) for when, kind, amount in kept]
        return movements, paid + outstanding, kept[-1][0] if settled else None

    def _cancel(self, contracts: list[_Contract]) -> None:
        for c in contracts:
            if c.cancelled is None:
                continue
            renewal, endorsement, _, _ = c.pras[-1]
            pra = {"policy_no": c.policy_no, "renewal_no": renewal, "endorsement_no": endorsement}
            self._ok(cancel_pra(self.s, pra, "non_payment", c.cancelled), "CANCEL PRA")
            self.report.add("cancelled PRAs", 1)


def load_synthetic_company(
    session: Session, *, seed: int = 1, insured: int = 3000, chunk: int = 800, progress: Progress | None = None
) -> LoadReport:
    """Load a synthetic company (module docstring) into an empty insurance database.

    ``insured``: how many insured (about 1.35 policies each, with their history since 2019);
    ``chunk``: policies per batch. Opens every record type it writes in mode 2 for the load (those
    the session does not hold already) and gives them back afterwards.
    Raises :class:`~domain.errors.DomainError` if a primitive refuses (e.g. the database is not
    empty); answers a :class:`LoadReport` with the counts and the seconds of each step.
    ``progress`` hears of each step and each batch of policies.
    """
    if insured < 1:
        raise DomainError("a synthetic company needs at least one insured")
    held = held_modes(session)
    missing = [(rt, int(Mode.MODIFY_SHARED)) for rt in RECORD_TYPES if held.get(rt, 0) < Mode.MODIFY_SHARED]
    opening = open_with_retry(session, missing) if missing else None
    if opening is not None and not opening.ok:
        raise DomainError(f"synthetic company: cannot open the record types: {opening.message}")
    loader = _Loader(session, seed, insured, chunk, progress)
    try:
        loader.step()
        loader._timed("organisation", loader.organisation)
        loader.step()
        loader._timed("accounts", loader.accounts)
        loader.step()
        loader._timed("reinsurance program", loader.program)
        loader.step()
        loader.production()
    finally:
        lowered = [(rt, held[rt]) for rt, _ in missing if rt in held]
        if lowered:
            session.open_db(lowered)
        for rt, _ in missing:
            if rt not in held:
                session.close_rt(rt)
    return loader.report
