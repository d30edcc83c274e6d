"""The test market on a module's exchange database: participants, keys, a hub, and helpers to send
files and read what lands in an inbox, as the participants' own software would."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assurdb.domain.exchange.envelope import HUB, key_id, open_envelope, seal
from assurdb.domain.exchange.hub import Hub
from assurdb.domain.exchange.keys import exchange_key
from assurdb.domain.exchange.registry import register_key, register_participant
from assurdb.domain.exchange.stores import FolderCourier, FolderSpool
from tests.exchange.conftest import AGENT, BROKER, CO2, CO3, LEADER, MARKET, ORG

TODAY = dt.date(2026, 3, 15)
#: leader 50 % at 15 %, CO2 30 % at 17.50 % through AGENT, CO3 20 % at 12 %
SHARES: tuple[tuple[str, str, str, str | None], ...] = (
    (LEADER, "50.0000", "15.00", None),
    (CO2, "30.0000", "17.50", AGENT),
    (CO3, "20.0000", "12.00", None),
)


def split_file(
    shares: Sequence[tuple[str, str, str, str | None]] = SHARES,
    *,
    leader: str = LEADER,
    broker: str | None = BROKER,
    rate: str = "15.00",
) -> dict[str, Any]:
    lines = [
        {"coinsurer": c, "share_pct": p, "commission_rate": r, **({"agent": a} if a else {})} for c, p, r, a in shares
    ]
    return {"leader": leader, "broker": broker, "currency": "EUR", "commission_rate": rate, "shares": lines}


@dataclass
class Market:
    hub: Hub
    keys: dict[str, Any]  # name → private key (test session's keyring)
    courier: FolderCourier
    session: Any

    def held(self, code: str) -> dict[str, Any]:
        """Every private key a participant holds (after a rotation, its old and new ones)."""
        names = [n for n in self.keys if n == code or n.startswith(f"{code}-")]
        return {key_id(self.keys[n]): self.keys[n] for n in names}

    def envelope(
        self,
        sender: str,
        key: str,
        flow: str,
        content: Mapping[str, Any] | bytes,
        *,
        version: int = 0,
        signing: str | None = None,
        filename: str = "",
    ) -> bytes:
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        return seal(
            raw,
            sender=sender,
            signing_key=self.keys[signing or sender],
            recipients={HUB: self.keys["HUB"].public_key()},
            article_key=key,
            flow=flow,
            version=version,
            filename=filename,
        )

    def send(self, sender: str, key: str, flow: str, content: Mapping[str, Any] | bytes, **kw: Any) -> Any:
        return self.hub.submit(self.envelope(sender, key, flow, content, **kw), sender)

    def inbox(self, code: str, key: str | None = None) -> list[Path]:
        folder = self.courier.inbox(code)
        found = sorted(folder.glob("*.axe")) if folder.exists() else []
        return [p for p in found if key is None or p.name.startswith(key)]

    def read(self, code: str, path: Path) -> bytes:
        hub_public = self.keys["HUB"].public_key()
        return open_envelope(path.read_bytes(), me=code, private_keys=self.held(code), sender_public=hub_public).content

    def copies(self, code: str, key: str) -> list[dict[str, Any]]:
        """The JSON files of ``key`` in ``code``'s inbox, oldest first."""
        return [json.loads(self.read(code, p)) for p in self.inbox(code, key)]


def build_market(session: Any, keyring: dict[str, Any], root: Path) -> Market:
    for code, name in MARKET.items():
        assert register_participant(session, code, name, joined_on=TODAY).ok
        assert register_key(session, code, keyring[code].public_key(), on=TODAY).ok
    assert register_key(session, None, keyring["HUB"].public_key(), on=TODAY).ok
    courier = FolderCourier(root / "mailboxes")
    hub = Hub(
        session,
        {"hub": keyring["HUB"]},
        spool=FolderSpool(root / "spool"),
        courier=courier,
        clearing=[ORG],
        today=lambda: TODAY,
    )
    return Market(hub, keyring, courier, session)


def key(policy: str, split: int = 1, year: int = 2026) -> str:
    return exchange_key(policy, year, split)


def placed(market: Market, policy: str) -> str:
    """A split placed by the broker and validated by the leader: its key."""
    k = key(policy)
    sent = market.send(BROKER, k, "split", split_file())
    assert sent.ok, sent
    assert market.hub.validate(LEADER, sent.article["article_no"]).ok
    return k


__all__ = ["AGENT", "BROKER", "CO2", "CO3", "LEADER", "ORG"]
