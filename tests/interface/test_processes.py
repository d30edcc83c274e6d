"""Openings between processes: incompatible modes, a killed holder reclaimed,
DuckDB's exclusive file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import assurdb
from assurdb import RC
from tests.conftest import ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent(
    """
    import sys, time, assurdb
    db = assurdb.connect(sys.argv[1])
    s = db.login("admin", sys.argv[2])
    reply = s.open_db([("Insured", int(sys.argv[3]))])
    print("opened", int(reply.rc), flush=True)
    if sys.argv[4] == "unit":
        s.begin()
        s.write("Insured", {"code": 77, "name": "HALFWAY"})
        print("in unit", flush=True)
    sys.stdin.readline()   # wait until told to stop (or be killed)
    s.close_db()
    print("closed", flush=True)
    """
)


def _holder(url: str, mode: int, unit: bool = False) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, ADMIN_PASSWORD, str(mode), "unit" if unit else "plain"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("opened 0"):
        proc.kill()
        raise AssertionError(f"holder failed: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    if unit:
        assert proc.stdout.readline().startswith("in unit")
    return proc


#: A DuckDB file is exclusive to one process: its case is the last test.
SHARED = pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])


@pytest.fixture
def url(backend: str, make_url: Any) -> str:
    address: str = make_url()
    assurdb.create(address, admin_password=ADMIN_PASSWORD).close()
    return address


@SHARED
def test_incompatible_openings_between_two_processes(url: str) -> None:
    holder = _holder(url, 2)
    db = assurdb.connect(url)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        assert s.open_db([("Insured", 1)]).rc == RC.OK  # 1 with 2 is compatible
        s.close_db()
        reply = s.open_db([("Insured", 2)])
        assert reply.rc == 601 and "another session" in reply.message
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().startswith("closed")
        holder.wait(timeout=30)
        assert s.open_db([("Insured", 2)]).rc == RC.OK
    finally:
        s.close()
        db.close()
        holder.kill()


@SHARED
def test_a_killed_holder_never_locks_for_good(url: str) -> None:
    holder = _holder(url, 3, unit=True)
    db = assurdb.connect(url)
    s = db.login("admin", ADMIN_PASSWORD)
    try:
        assert s.open_db([("Insured", 1)]).rc == 601
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        # its opening is reclaimed (no heartbeat: its proof of life is gone), its unit rolled back
        assert s.open_db([("Insured", 3)]).rc == RC.OK
        assert s.read_direct("Insured", {"code": 77}).rc == RC.NOT_FOUND
    finally:
        s.close()
        db.close()


@pytest.mark.parametrize("backend", ["duckdb"])
def test_duckdb_file_held_by_another_process(backend: str, make_url: Any) -> None:
    address = make_url()
    assurdb.create(address, admin_password=ADMIN_PASSWORD).close()
    holder = _holder(address, 1)
    try:
        with pytest.raises(assurdb.DatabaseLockedError, match=f"process {holder.pid}"):
            assurdb.connect(address)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assurdb.connect(address).close()  # free again once the holder is gone
