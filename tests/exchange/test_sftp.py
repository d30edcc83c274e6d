"""The exchange over a real SFTP server on loopback (asyncssh), driven by a real SFTP client: each
participant logs in with its exchange key and sees its own folders only; a broker's file goes
through the leader's validation to each co-insurer's reception folder; a removal is a purge.
The transport does not depend on the DBMS: SQLite only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from cryptography.hazmat.primitives import serialization

import assurdb
from assurdb.domain.exchange.envelope import HUB, open_envelope
from assurdb.exchange_sftp import client_key, fetch, send, start_server
from tests.conftest import ADMIN_PASSWORD
from tests.exchange.market import BROKER, CO2, CO3, LEADER, Market, build_market, key, split_file


@pytest.fixture(scope="module")
def market(keyring: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Market]:
    folder = tmp_path_factory.mktemp("sftp")
    db = assurdb.create(f"sqlite:///{folder / 'exchange.db'}", schema="exchange", admin_password=ADMIN_PASSWORD)
    session = db.login("admin", ADMIN_PASSWORD)
    yield build_market(session, keyring, folder)
    session.close()
    db.close()


def _ssh_key(private: Any) -> asyncssh.SSHKey:
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return client_key(pem)


def test_a_brokers_file_goes_through_sftp_to_each_coinsurer(market: Market) -> None:
    async def scenario() -> None:
        server = await start_server(market.hub, market.courier.root, interval=None)
        try:
            port = server.port
            k = key("SFTP1")
            envelope = market.envelope(BROKER, k, "split", split_file())
            assert await send("127.0.0.1", port, BROKER, _ssh_key(market.keys[BROKER]), [("split.axe", envelope)])
            (answer,) = server.cycle()
            assert answer[:2] == (BROKER, "split.axe") and answer[2].ok, answer
            no = answer[2].article["article_no"]
            assert await fetch("127.0.0.1", port, CO2, _ssh_key(market.keys[CO2])) == []  # waits for the leader
            assert market.hub.validate(LEADER, no).ok
            got = await fetch("127.0.0.1", port, CO2, _ssh_key(market.keys[CO2]), purge=True)
            (_, data), *_ = [g for g in got if g[0].startswith(k)]
            copy = open_envelope(
                data, me=CO2, private_keys=market.held(CO2), sender_public=market.keys["HUB"].public_key()
            )
            assert copy.header.sender == HUB
            rates = {line["coinsurer"]: line.get("commission_rate") for line in json.loads(copy.content)["shares"]}
            assert rates == {LEADER: None, CO2: "17.50", CO3: None}
            server.cycle()
            delivery = market.session.read_direct("Delivery", {"article_no": no, "recipient_code": CO2}).article
            assert delivery["state"] == "purged"  # read (collected), then removed (purged)
        finally:
            await server.close()

    asyncio.run(scenario())


def test_each_participant_sees_and_writes_its_own_folders_only(market: Market) -> None:
    async def scenario() -> None:
        server = await start_server(market.hub, market.courier.root, interval=None)
        try:
            async with (
                asyncssh.connect(
                    "127.0.0.1", server.port, username=CO3, client_keys=[_ssh_key(market.keys[CO3])], known_hosts=None
                ) as conn,
                conn.start_sftp_client() as sftp,
            ):
                assert sorted(await sftp.listdir("/")) == [".", "..", "emission", "reception"]
                with pytest.raises(asyncssh.SFTPNoSuchFile):  # ".." stops at the participant's own root
                    await sftp.listdir(f"/../../{BROKER}/emission")
                for forbidden in ("/reception/x.axe", "/x.axe", f"/../{BROKER}/emission/x.axe"):
                    with pytest.raises(asyncssh.SFTPPermissionDenied):
                        async with sftp.open(forbidden, "wb"):
                            pass
                with pytest.raises(asyncssh.SFTPPermissionDenied):
                    await sftp.mkdir("/emission/sub")
            # CO3's key does not open CO2's mailbox, nor does a key nobody registered
            for stranger in (CO3, "HUB2"):
                with pytest.raises(asyncssh.PermissionDenied):
                    await asyncssh.connect(
                        "127.0.0.1",
                        server.port,
                        username=CO2,
                        client_keys=[_ssh_key(market.keys[stranger])],
                        known_hosts=None,
                    )
        finally:
            await server.close()

    asyncio.run(scenario())
    assert not (Path(market.courier.root) / BROKER / "emission" / "x.axe").exists()


def test_the_leader_decides_by_a_signed_file_through_its_outbox(market: Market) -> None:
    """With the hub running, the leader validates and rejects by sending a decision file."""

    async def scenario() -> None:
        server = await start_server(market.hub, market.courier.root, interval=None)
        try:
            port = server.port
            k1, k2 = key("DECIDE1"), key("DECIDE2")
            files = [(f"{k}.axe", market.envelope(BROKER, k, "split", split_file())) for k in (k1, k2)]
            await send("127.0.0.1", port, BROKER, _ssh_key(market.keys[BROKER]), files)
            first, second = (answer[2].article["article_no"] for answer in server.cycle())
            decision = {"validate": [first], "reject": [{"article_no": second, "reasons": ["wrong shares"]}]}
            forged = market.envelope(CO2, "0" * 24, "decision", {"validate": [second]})
            await send("127.0.0.1", port, CO2, _ssh_key(market.keys[CO2]), [("d.axe", forged)])
            await send("127.0.0.1", port, LEADER, _ssh_key(market.keys[LEADER]),
                       [("d.axe", market.envelope(LEADER, "0" * 24, "decision", decision))])  # fmt: skip
            server.cycle()
            state = {
                no: market.session.read_direct("Article", {"article_no": no}).article["state"] for no in (first, second)
            }
            assert state == {first: "distributed", second: "rejected"}
            leader_notes = [c for c in market.copies(LEADER, "0" * 24) if c.get("state") == "decided"]
            assert [a["rc"] for a in leader_notes[-1]["answers"]] == [0, 1202]
            co2_notes = [c for c in market.copies(CO2, "0" * 24) if c.get("state") == "decided"]
            assert co2_notes[-1]["answers"][0]["rc"] == 1204  # NOT_LEADER: only the leader decides
            assert market.copies(BROKER, k2)[-1]["reasons"] == ["wrong shares"]
        finally:
            await server.close()

    asyncio.run(scenario())
