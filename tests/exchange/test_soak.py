"""Soak: many articles from many participants through the SFTP server, with no loss and no
duplicate (``bench/bench_exchange.py`` runs it and checks the counts exactly). A short run in
``make test`` (SQLite, the session's test keys); the issue's run — 10 000 articles from 20
participants — on SQLite and PostgreSQL under ``make soak``. Each run prints articles/s."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from assurdb.domain.exchange.envelope import new_private_key
from assurdb.domain.exchange.keys import participant_id
from bench.bench_exchange import run
from tests.conftest import ServerNamespace, require_backend
from tests.exchange.conftest import MARKET


def test_a_short_soak_through_sftp(keyring: dict[str, Any], tmp_path: Path) -> None:
    keys = {code: keyring[code] for code in MARKET if code[:3] in ("COU", "CIE")}  # 1 broker, 3 insurers
    result = run(f"sqlite:///{tmp_path / 'soak.db'}", keys, keyring["HUB"], tmp_path, articles=60)
    print(f"\nexchange soak (sqlite, 60 articles, 4 participants): {result['per_second']:.1f} articles/s")


@pytest.mark.soak
@pytest.mark.skipif(os.environ.get("ASSURDB_SOAK") != "1", reason="the 10 000-article soak runs under make soak")
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_issues_soak_10000_articles_from_20_participants(
    backend: str, keyring: dict[str, Any], tmp_path: Path, namespaces: ServerNamespace
) -> None:
    require_backend(backend)
    url = f"sqlite:///{tmp_path / 'soak.db'}" if backend == "sqlite" else namespaces.url(backend, "xsoak")
    keys = {participant_id("COU", n): new_private_key() for n in range(1, 9)}
    keys |= {participant_id("CIE", n): new_private_key() for n in range(1, 13)}  # 8 brokers + 12 insurers = 20
    result = run(url, keys, keyring["HUB"], tmp_path, articles=10_000)
    print(f"\nexchange soak ({backend}, 10 000 articles, 20 participants): {result['per_second']:.1f} articles/s")
