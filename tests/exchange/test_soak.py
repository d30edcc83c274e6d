"""Soak: many articles from many participants through the SFTP server, with no loss and no
duplicate. A short run in ``make test`` (SQLite, the session's test keys); the issue's run —
10 000 articles from 20 participants — on SQLite and PostgreSQL under ``make soak``. Each run
prints articles/s (submission through SFTP, robot, leader's validation, distribution)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

import assurdb
from assurdb.domain.exchange.envelope import HUB, key_id, new_private_key, open_envelope, seal
from assurdb.domain.exchange.log import verify_log
from assurdb.domain.exchange.registry import register_key, register_participant
from assurdb.exchange_sftp import client_key, fetch, send, start_server
from tests.conftest import ADMIN_PASSWORD, ServerNamespace, require_backend
from tests.exchange.conftest import MARKET
from tests.exchange.market import TODAY, build_market, key, split_file


def _ssh(private: Any) -> Any:
    return client_key(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))  # fmt: skip


def run_soak(url: str, keyring: dict[str, Any], root: Path, *, articles: int, extra: dict[str, Any]) -> dict[str, Any]:
    """Brokers send ``articles`` premium files over SFTP (1 in 50 sent twice), the leaders validate
    their queues, every co-insurer fetches its reception folder; counts are checked exactly."""
    db = assurdb.create(url, schema="exchange", admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    try:
        market = build_market(session, keyring, root)
        for code, private in extra.items():
            assert register_participant(session, code, f"SOAK {code}", joined_on=TODAY).ok
            assert register_key(session, code, private.public_key(), on=TODAY).ok
        keys = {**{c: keyring[c] for c in MARKET}, **extra}
        brokers = sorted(c for c in keys if c.startswith("COU"))
        insurers = sorted(c for c in keys if c.startswith("CIE"))
        splits = {}
        for i, broker in enumerate(brokers):
            members = [insurers[(i + j) % len(insurers)] for j in range(3)]
            shares = list(
                zip(
                    members,
                    ("50.0000", "30.0000", "20.0000"),
                    ("15.00", "16.00", "17.00"),
                    (None, None, None),
                    strict=True,
                )
            )
            k = key(f"SOAK{i}")
            placing = split_file(shares, leader=members[0], broker=broker)
            sent = market.hub.submit(_seal(market, keys, broker, k, "split", placing), broker)
            assert sent.ok, sent
            assert market.hub.validate(members[0], sent.article["article_no"]).ok
            splits[broker] = (k, members)
        files: dict[str, list[tuple[str, bytes]]] = {b: [] for b in brokers}
        for n in range(articles):
            broker = brokers[n % len(brokers)]
            k, members = splits[broker]
            total = 1000 + n  # distinct files: distinct content hashes
            parts = {
                members[0]: f"{total * 0.5:.2f}",
                members[1]: f"{total * 0.3:.2f}",
                members[2]: f"{total * 0.2:.2f}",
            }
            file = {"total": f"{total}.00", "currency": "EUR", "period": "2026-03", "parts": parts}
            envelope = _seal(market, keys, broker, k, "premium", file)
            files[broker].append((f"p{n:06d}.axe", envelope))
            if n % 50 == 0:  # the same file again, in a new envelope: recognised, not distributed twice
                files[broker].append((f"p{n:06d}-again.axe", _seal(market, keys, broker, k, "premium", file)))
        resent = sum(1 for fs in files.values() for name, _ in fs if "again" in name)

        async def scenario() -> dict[str, Any]:
            server = await start_server(market.hub, market.courier.root, interval=None)
            try:
                started = time.perf_counter()
                await asyncio.gather(*(send("127.0.0.1", server.port, b, _ssh(keys[b]), fs) for b, fs in files.items()))
                answers = server.cycle()
                for leader in {members[0] for _, members in splits.values()}:
                    decided = market.hub.validate_where(leader, flow="premium")
                    assert decided.ok and "0 rejected" in decided.message, decided.message[:500]
                elapsed = time.perf_counter() - started
                got = {}
                for code in insurers:
                    got[code] = await fetch("127.0.0.1", server.port, code, _ssh(keys[code]), purge=True)
                return {"answers": answers, "elapsed": elapsed, "got": got}
            finally:
                await server.close()

        outcome = asyncio.run(scenario())
        answers = outcome["answers"]
        assert len(answers) == articles + resent
        assert sum(1 for _, _, r in answers if r.ok) == articles
        assert sum(1 for _, _, r in answers if r.rc == 1203) == resent  # DUPLICATE
        hub_public = keyring["HUB"].public_key()
        for code, got in outcome["got"].items():
            mine = {k for k, members in splits.values() if code in members}
            totals = []
            for name, data in got:
                if "-premium-" not in name:
                    continue
                mine_keys = {key_id(keys[code]): keys[code]}
                opened = open_envelope(data, me=code, private_keys=mine_keys, sender_public=hub_public)
                assert opened.header.article_key in mine
                totals.append(json.loads(opened.content)["total"])
            expected = sum(1 for n in range(articles) if splits[brokers[n % len(brokers)]][0] in mine)
            assert len(totals) == expected == len(set(totals)), code  # no loss, no duplicate
        assert market.hub.checkpoint().ok
        assert verify_log(session).ok
        return {"articles": articles, "participants": len(keys), "seconds": outcome["elapsed"],
                "per_second": articles / outcome["elapsed"]}  # fmt: skip
    finally:
        session.close()
        db.close()


def _seal(market: Any, keys: dict[str, Any], sender: str, k: str, flow: str, content: Any) -> bytes:
    return seal(json.dumps(content).encode(), sender=sender, signing_key=keys[sender],
                recipients={HUB: market.keys["HUB"].public_key()}, article_key=k, flow=flow)  # fmt: skip


def test_a_short_soak_through_sftp(keyring: dict[str, Any], tmp_path: Path) -> None:
    result = run_soak(f"sqlite:///{tmp_path / 'soak.db'}", keyring, tmp_path / "root", articles=60, extra={})
    print(f"\nexchange soak (sqlite, 60 articles, 6 participants): {result['per_second']:.1f} articles/s")


@pytest.mark.soak
@pytest.mark.skipif(os.environ.get("ASSURDB_SOAK") != "1", reason="the 10 000-article soak runs under make soak")
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_issues_soak_10000_articles_from_20_participants(
    backend: str, keyring: dict[str, Any], tmp_path: Path, namespaces: ServerNamespace
) -> None:
    from assurdb.domain.exchange.keys import participant_id

    require_backend(backend)
    url = f"sqlite:///{tmp_path / 'soak.db'}" if backend == "sqlite" else namespaces.url(backend, "xsoak")
    extra = {participant_id("COU", n): new_private_key() for n in range(2, 9)}
    extra |= {participant_id("CIE", n): new_private_key() for n in range(4, 11)}  # 6 + 14 = 20 participants
    result = run_soak(url, keyring, tmp_path / "root", articles=10_000, extra=extra)
    print(f"\nexchange soak ({backend}, 10 000 articles, 20 participants): {result['per_second']:.1f} articles/s")
