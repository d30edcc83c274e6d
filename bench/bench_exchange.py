"""The coinsurance exchange end to end: articles per second through the hub.

Brokers sign and encrypt premium files and upload them over SFTP (asyncssh, loopback) into their
emission folders — one in fifty twice, in a new envelope; the robot takes them (verify, decrypt,
check every rule, queue for the leader); each leader validates its queue in bulk, so the hub
re-encrypts and signs one copy per co-insurer; then every co-insurer fetches its reception folder
and the counts are checked exactly (no loss, no duplicate) and the log verified. The clock covers
upload, robot and validation (not key generation, registration or the fetch).

``ASSURDB_BENCH_EXCHANGE_ARTICLES`` (2 000) articles, from 2 brokers and 4 insurers, on SQLite;
``ASSURDB_BENCH_EXCHANGE_URL`` picks another database (empty: it is created). Baseline: none
outside assurdb — the figure is the hub's own throughput, compared run to run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import assurdb
from assurdb.domain.exchange.amounts import allocate
from assurdb.domain.exchange.envelope import HUB, key_id, new_private_key, open_envelope, seal
from assurdb.domain.exchange.hub import Hub
from assurdb.domain.exchange.keys import exchange_key, participant_id
from assurdb.domain.exchange.log import verify_log
from assurdb.domain.exchange.registry import register_key, register_participant
from assurdb.domain.exchange.stores import FolderCourier, FolderSpool
from assurdb.exchange_sftp import client_key, fetch, send, start_server

PASSWORD = "bench"
SHARES = (Decimal(50), Decimal(30), Decimal(20))


def _ssh(private: Any) -> Any:
    from cryptography.hazmat.primitives import serialization

    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return client_key(pem)


def run(url: str, keys: Mapping[str, Any], hub_key: Any, root: Path, *, articles: int) -> dict[str, Any]:
    """One run on a new database at ``url``; ``keys``: participant identifier → private key (brokers
    COU…, insurers CIE…, at least 3 insurers). Raises AssertionError on a loss or a duplicate."""
    db = assurdb.create(url, schema="exchange", admin_password=PASSWORD)
    session = db.login("admin", PASSWORD)
    try:
        today = dt.date(2026, 3, 15)
        for code, private in keys.items():
            assert register_participant(session, code, f"BENCH {code}", joined_on=today).ok
            assert register_key(session, code, private.public_key(), on=today).ok
        assert register_key(session, None, hub_key.public_key(), on=today).ok
        courier = FolderCourier(root / "mailboxes")
        hub = Hub(session, {"hub": hub_key}, spool=FolderSpool(root / "spool"), courier=courier, today=lambda: today)
        brokers = sorted(c for c in keys if c.startswith("COU"))
        insurers = sorted(c for c in keys if c.startswith("CIE"))

        def sealed(sender: str, key: str, flow: str, content: Any) -> bytes:
            return seal(json.dumps(content).encode(), sender=sender, signing_key=keys[sender],
                        recipients={HUB: hub_key.public_key()}, article_key=key, flow=flow)  # fmt: skip

        splits: dict[str, tuple[str, list[str]]] = {}
        for i, broker in enumerate(brokers):
            members = [insurers[(i + j) % len(insurers)] for j in range(3)]
            lines = [
                {"coinsurer": c, "share_pct": str(p), "commission_rate": "15.00"}
                for c, p in zip(members, SHARES, strict=True)
            ]
            placing = {
                "leader": members[0],
                "broker": broker,
                "currency": "EUR",
                "commission_rate": "15.00",
                "shares": lines,
            }
            key = exchange_key(f"BENCH{i}", 2026, 1)
            sent = hub.submit(sealed(broker, key, "split", placing), broker)
            assert sent.ok and sent.article is not None, sent
            assert hub.validate(members[0], sent.article["article_no"]).ok
            splits[broker] = (key, members)
        files: dict[str, list[tuple[str, bytes]]] = {b: [] for b in brokers}
        for n in range(articles):
            broker = brokers[n % len(brokers)]
            key, members = splits[broker]
            total = Decimal(1000 + n)  # distinct files, distinct content hashes
            parts = allocate(total, dict(zip(members, SHARES, strict=True)), members[0])
            file = {
                "total": f"{total:.2f}",
                "currency": "EUR",
                "period": "2026-03",
                "parts": {c: str(v) for c, v in parts.items()},
            }
            files[broker].append((f"p{n:06d}.axe", sealed(broker, key, "premium", file)))
            if n % 50 == 0:
                files[broker].append((f"p{n:06d}-again.axe", sealed(broker, key, "premium", file)))
        resent = sum(1 for fs in files.values() for name, _ in fs if "again" in name)

        async def scenario() -> tuple[list[Any], float, dict[str, list[tuple[str, bytes]]]]:
            server = await start_server(hub, courier.root, interval=None)
            try:
                started = time.perf_counter()
                await asyncio.gather(*(send("127.0.0.1", server.port, b, _ssh(keys[b]), fs) for b, fs in files.items()))
                answers = server.cycle()
                for leader in sorted({members[0] for _, members in splits.values()}):
                    decided = hub.validate_where(leader, flow="premium")
                    assert decided.ok and ", 0 rejected" in decided.message, decided.message[:300]
                elapsed = time.perf_counter() - started
                got = {
                    code: await fetch("127.0.0.1", server.port, code, _ssh(keys[code]), purge=True) for code in insurers
                }
                return answers, elapsed, got
            finally:
                await server.close()

        answers, elapsed, got = asyncio.run(scenario())
        assert len(answers) == articles + resent
        assert sum(1 for _, _, r in answers if r.ok) == articles, "a file was lost"
        assert sum(1 for _, _, r in answers if r.rc == 1203) == resent, "a duplicate went through"
        for code, copies in got.items():
            mine = {key for key, members in splits.values() if code in members}
            totals = []
            for name, data in copies:
                if "-premium-" in name:
                    opened = open_envelope(data, me=code, private_keys={key_id(keys[code]): keys[code]},
                                           sender_public=hub_key.public_key())  # fmt: skip
                    assert opened.header.article_key in mine
                    totals.append(json.loads(opened.content)["total"])
            expected = sum(1 for n in range(articles) if splits[brokers[n % len(brokers)]][0] in mine)
            assert len(totals) == expected == len(set(totals)), f"{code}: {len(totals)} copies, {expected} expected"
        assert hub.checkpoint().ok
        assert verify_log(session).ok
        return {"articles": articles, "participants": len(keys), "seconds": elapsed, "per_second": articles / elapsed}
    finally:
        session.close()
        db.close()


def main() -> None:
    articles = int(os.environ.get("ASSURDB_BENCH_EXCHANGE_ARTICLES", "2000"))
    keys = {participant_id("COU", n): new_private_key() for n in (1, 2)}
    keys |= {participant_id("CIE", n): new_private_key() for n in (1, 2, 3, 4)}
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("ASSURDB_BENCH_EXCHANGE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        result = run(url, keys, new_private_key(), Path(folder), articles=articles)
    print(
        f"exchange: {result['articles']} articles from {result['participants']} participants through SFTP, "
        f"rules, leader validation and distribution in {result['seconds']:.1f} s: {result['per_second']:.1f} articles/s"
    )
