"""``assurdb exchange …`` through click's runner, on SQLite, against a real SFTP server on loopback:
register participants, send a split as the broker, the leader's queue and validation, fetch and
decrypt a co-insurer's copy, track the article and verify the log; ``--help`` on every command."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

import assurdb
from assurdb.cli import main
from assurdb.cli.exchange import command as exchange_group
from tests.conftest import ADMIN_PASSWORD
from tests.exchange.conftest import BROKER, CO2, LEADER
from tests.exchange.market import split_file


def _pem(folder: Path, name: str, key: Any) -> tuple[str, str]:
    private = folder / f"{name}.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public = folder / f"{name}.pem.pub"
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return str(private), str(public)


@contextmanager
def serving(url: str, hub_pem: str, root: Path) -> Iterator[tuple[int, list[Any]]]:
    """The hub's server and robot in a thread of their own (what ``assurdb exchange serve`` runs)."""
    from assurdb.cli.exchange import _hub
    from assurdb.exchange_sftp import start_server

    ports: queue.Queue[int] = queue.Queue()
    stop = threading.Event()
    answers: list[Any] = []

    def run() -> None:
        db = assurdb.connect(url)
        session = db.login("admin", ADMIN_PASSWORD)

        async def main_() -> None:
            server = await start_server(_hub(session, hub_pem, str(root)), root, interval=0.1)
            ports.put(server.port)
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)
            answers.extend(server.answers)
            await server.close()

        try:
            asyncio.run(main_())
        finally:
            session.close()
            db.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield ports.get(timeout=30), answers
    finally:
        stop.set()
        thread.join(timeout=30)


def test_the_exchange_from_the_command_line(tmp_path: Path, keyring: dict[str, Any]) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assurdb.create(url, schema="exchange", admin_password=ADMIN_PASSWORD).close()
    db = ["--db", url, "--user", "admin", "--password", ADMIN_PASSWORD]
    root = tmp_path / "root"
    hub_pem, hub_pub = _pem(tmp_path, "hub", keyring["HUB"])
    pems = {code: _pem(tmp_path, code, keyring[code]) for code in (BROKER, LEADER, CO2)}

    new = runner.invoke(main, ["exchange", "keygen", str(tmp_path / "new.pem")])
    assert new.exit_code == 0 and "key id" in new.output, new.output
    assert (tmp_path / "new.pem.pub").exists()
    assert runner.invoke(main, ["exchange", "keygen", str(tmp_path / "new.pem")]).exit_code == 1  # never overwritten

    for code, name in ((BROKER, "BROKER"), (LEADER, "LEADER"), (CO2, "CO2")):
        done = runner.invoke(main, ["exchange", "register", *db, code, name, "--key", pems[code][1]])
        assert done.exit_code == 0, done.output
    bad = runner.invoke(main, ["exchange", "register", *db, "CIE000010", "BAD", "--key", pems[CO2][1]])
    assert bad.exit_code == 1 and "wrong check digit" in bad.output
    assert runner.invoke(main, ["exchange", "add-key", *db, "HUB", hub_pub]).exit_code == 0

    from assurdb.domain.exchange.keys import exchange_key

    key = exchange_key("CLI1", 2026, 1)
    shares = split_file([(LEADER, "70.0000", "15.00", None), (CO2, "30.0000", "17.50", None)])
    (tmp_path / "split.json").write_text(json.dumps(shares))
    with serving(url, hub_pem, root) as (port, answers):
        sent = runner.invoke(main, ["exchange", "send", "--as", BROKER, "--key", pems[BROKER][0], "--port", str(port),
                                    "--hub-public", hub_pub, "--exchange-key", key, "--flow", "split",
                                    str(tmp_path / "split.json")])  # fmt: skip
        assert sent.exit_code == 0, sent.output
        deadline = time.monotonic() + 20
        while not (root / BROKER / "emission").exists() or any((root / BROKER / "emission").iterdir()):
            assert time.monotonic() < deadline, "the robot did not take the file"
            time.sleep(0.1)
    assert answers and answers[0][2].ok, answers

    waiting = runner.invoke(main, ["exchange", "queue", *db, LEADER])
    assert waiting.exit_code == 0 and key in waiting.output and "from " + BROKER in waiting.output
    done = runner.invoke(main, ["exchange", "validate", *db, "--hub-key", hub_pem, "--root", str(root), LEADER, "1"])
    assert done.exit_code == 0 and "distributed to 2 recipient(s)" in done.output, done.output

    with serving(url, hub_pem, root) as (port, _):
        out = tmp_path / "co2-in"
        got = runner.invoke(main, ["exchange", "fetch", "--as", CO2, "--key", pems[CO2][0], "--port", str(port),
                                   "--hub-public", hub_pub, "--out", str(out)])  # fmt: skip
        assert got.exit_code == 0, got.output
        (copy,) = list(out.iterdir())
        purge = ["exchange", "purge", "--as", CO2, "--key", pems[CO2][0], "--port", str(port)]
        assert runner.invoke(main, purge).exit_code == 2  # names or --all
        wrong = runner.invoke(main, [*purge, "nothing.axe"])
        assert wrong.exit_code == 1 and "not in your reception folder: nothing.axe" in wrong.output
        purged = runner.invoke(main, [*purge, f"{copy.name}.axe"])
        assert purged.exit_code == 0 and f"{copy.name}.axe: purged" in purged.output, purged.output
        deadline = time.monotonic() + 20
        while "purged" not in runner.invoke(main, ["exchange", "track", *db, "--as", CO2, "1"]).output:
            assert time.monotonic() < deadline, "the hub did not record the purge"
            time.sleep(0.1)
    assert not list((root / CO2 / "reception").iterdir())
    lines = json.loads(copy.read_text())["shares"]
    assert [line.get("commission_rate") for line in lines] == [None, "17.50"]  # LEADER's hidden, its own shown

    trail = runner.invoke(main, ["exchange", "track", *db, "--as", CO2, "1"])
    assert trail.exit_code == 0 and "validated" in trail.output and "collected" in trail.output, trail.output
    refused = runner.invoke(main, ["exchange", "track", *db, "--as", BROKER, "99"])
    assert refused.exit_code == 1 and "no party" in refused.output
    verified = runner.invoke(main, ["exchange", "verify-log", *db])
    assert verified.exit_code == 0 and "entries and their checkpoints verify" in verified.output


@pytest.mark.parametrize("name", sorted(exchange_group.commands))
def test_every_exchange_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, ["exchange", name, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
