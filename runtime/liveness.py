"""Proof of life of an opening's holder, without heartbeats (thesis VII.3; docs/users.md, "Openings").

An opening records who holds it as ``<server part>|<process token>``: the server part is a lock
the holder's session keeps on its server connection where the DBMS has one (each backend says
how to take it and how to test it; a lock, because an account may not see the others'
connections), the process token ``host:pid:start`` the holder's process. A holder in this very
process is alive while its session is (a pooled connection outlives a session).
"""

from __future__ import annotations

import os
import socket
import weakref
from typing import Any

#: The sessions alive in this process, by id (weak: a dropped session is dead).
LIVE_SESSIONS: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()

HOST = socket.gethostname()


def _process_start(pid: int) -> str | None:
    """The start time of a process (clock ticks since boot, Linux ``/proc``), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_token() -> str:
    """``host:pid:start`` of this process (computed each time: a fork has a new pid)."""
    pid = os.getpid()
    return f"{HOST}:{pid}:{_process_start(pid) or '?'}"


def process_alive(token: str) -> bool:
    """Whether the process named by ``host:pid:start`` still runs (other hosts: assumed alive)."""
    try:
        host, pid_text, start = token.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != HOST:
        return True  # cannot see another host's processes: never reclaim what may be alive
    if start == "?":
        return _pid_alive(pid)
    return _process_start(pid) == start


def holder_alive(holder: str, session: str, servers_alive: set[str] | None) -> bool:
    """Whether the session that wrote an opening with ``holder`` is alive.

    ``servers_alive`` is the set of server parts the connection found alive (None when the
    backend has no server connections).
    """
    server, _, token = holder.partition("|")
    if servers_alive is not None and server not in servers_alive:
        return False
    if token == process_token():
        return session in LIVE_SESSIONS
    return process_alive(token)
