"""The exchange over SFTP (asyncssh): the hub's server and a participant's client.

**Server** (:func:`start_server`). A participant logs in with its identifier as user name and
one of its registered exchange keys (primary or active — the RSA key its envelopes are signed with;
a retired key is refused), and sees its own two folders only, as ``/emission`` and ``/reception``
(a chroot on ``<root>/<participant>``). It may write into ``/emission`` — upload as a dot-name,
then rename, so that the robot never takes half a file — read from both, remove from both (a
removal in ``/reception`` is its purge); nothing else (no folders, links or attribute changes).
The robot runs in the same event loop every ``interval`` seconds: it applies the collections
(a copy opened for reading) and purges the server noted, then sweeps the outboxes
(:func:`assurdb.domain.exchange.robot.sweep`).

**Client** (:func:`send`, :func:`fetch`, :func:`purge`): upload envelopes, and download (then optionally purge)
what waits in the reception folder.
"""

from __future__ import annotations

import asyncio
import hashlib
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from assurdb.domain.exchange import registry
from assurdb.domain.exchange.hub import Hub
from assurdb.domain.exchange.keys import participant_problem
from assurdb.domain.exchange.robot import INBOX, OUTBOX, sweep
from assurdb.domain.results import Result

#: A delivered copy's name: <exchange key>-<article number, 12 digits>-<flow>-<role>.axe
_COPY = re.compile(r"[0-9A-Z]{24}-(?P<no>[0-9]{12})-[a-z_]+-[a-z]+\.axe")
_WRITE = asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC | asyncssh.FXF_APPEND


def _client_path(path: bytes) -> str:
    return posixpath.normpath(posixpath.join("/", path.decode("utf-8", "replace")))


def _in(folder: str, path: str) -> bool:
    return posixpath.dirname(path) == f"/{folder}"


@dataclass
class Events:
    """What the server saw that the hub must record: (participant, article number)."""

    collected: list[tuple[str, int]] = field(default_factory=list)
    purged: list[tuple[str, int]] = field(default_factory=list)


class MailboxSFTPServer(asyncssh.SFTPServer):
    """One participant's view: its own ``/emission`` and ``/reception`` (module docstring)."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], root: Path, events: Events) -> None:
        self.participant = str(chan.get_extra_info("username"))
        home = root / self.participant
        for sub in (OUTBOX, INBOX):
            (home / sub).mkdir(parents=True, exist_ok=True)
        self.events = events
        super().__init__(chan, chroot=str(home).encode())

    def _copy_no(self, path: str) -> int | None:
        found = _COPY.fullmatch(posixpath.basename(path)) if _in(INBOX, path) else None
        return int(found["no"]) if found else None

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        where = _client_path(path)
        writing = bool(pflags & _WRITE)
        if writing and not _in(OUTBOX, where):
            raise asyncssh.SFTPPermissionDenied(f"write into /{OUTBOX} only")
        if not (_in(OUTBOX, where) or _in(INBOX, where)):
            raise asyncssh.SFTPPermissionDenied(f"only /{OUTBOX} and /{INBOX} are yours")
        handle = super().open(path, pflags, attrs)
        no = None if writing else self._copy_no(where)
        if no is not None:
            self.events.collected.append((self.participant, no))
        return handle

    def remove(self, path: bytes) -> None:
        where = _client_path(path)
        if not (_in(OUTBOX, where) or _in(INBOX, where)):
            raise asyncssh.SFTPPermissionDenied(f"only /{OUTBOX} and /{INBOX} are yours")
        super().remove(path)
        no = self._copy_no(where)
        if no is not None:
            self.events.purged.append((self.participant, no))

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        if not (_in(OUTBOX, _client_path(oldpath)) and _in(OUTBOX, _client_path(newpath))):
            raise asyncssh.SFTPPermissionDenied(f"rename within /{OUTBOX} only")
        super().rename(oldpath, newpath)

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        self.rename(oldpath, newpath)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise asyncssh.SFTPPermissionDenied("not on the exchange")

    mkdir = rmdir = symlink = link = setstat = fsetstat = _refuse


class _Gate(asyncssh.SSHServer):
    """Public key authentication against the exchange's registered keys."""

    def __init__(self, accepts: Callable[[str, bytes], bool]) -> None:
        self.accepts = accepts

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self.accepts(username, key.export_public_key("pkcs8-der"))


@dataclass
class ExchangeServer:
    """A running hub: its SFTP listener and its robot."""

    hub: Hub
    root: Path
    listener: asyncssh.SSHAcceptor
    events: Events
    robot: asyncio.Task[None] | None = None
    answers: list[tuple[str, str, Result]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.listener.get_port())

    def cycle(self) -> list[tuple[str, str, Result]]:
        """One turn of the robot: record collections and purges, then take the outboxes' files."""
        collected, self.events.collected = self.events.collected, []
        purged, self.events.purged = self.events.purged, []
        for code, no in collected:
            self.hub.collect(code, no)
        for code, no in purged:
            if self.hub.purge(code, no).rc != 0:  # removed without having been read: collect, then purge
                self.hub.collect(code, no)
                self.hub.purge(code, no)
        before = self.hub.chain.seq
        answers = sweep(self.hub, self.root)
        self.answers.extend(answers)
        if self.hub.chain.seq != before or collected or purged:
            self.hub.checkpoint()  # every turn that wrote the log ends on a signed head
        return answers

    async def close(self) -> None:
        """Stop listening; a last turn of the robot records what the server saw meanwhile."""
        if self.robot is not None:
            self.robot.cancel()
        self.listener.close()
        self.cycle()
        await self.listener.wait_closed()


def _accepts(hub: Hub) -> Callable[[str, bytes], bool]:
    def accepts(username: str, der: bytes) -> bool:
        if participant_problem(username) is not None:
            return False
        stored = registry.stored_key(hub.session, hashlib.sha256(der).hexdigest())
        return stored is not None and stored.owner == username and stored.status != registry.RETIRED

    return accepts


async def start_server(
    hub: Hub,
    root: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    host_keys: Sequence[asyncssh.SSHKey] | None = None,
    interval: float | None = 1.0,
) -> ExchangeServer:
    """Listen on ``host:port`` (0: any free port, see ``.port``); ``interval`` None runs no robot
    (call :meth:`ExchangeServer.cycle` yourself). Each turn that wrote the log signs a checkpoint."""
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    events = Events()
    keys = list(host_keys) if host_keys else [asyncssh.generate_private_key("ssh-ed25519")]
    listener = await asyncssh.listen(
        host,
        port,
        server_host_keys=keys,
        server_factory=lambda: _Gate(_accepts(hub)),
        sftp_factory=lambda chan: MailboxSFTPServer(chan, base, events),
        allow_scp=False,
    )
    server = ExchangeServer(hub, base, listener, events)
    if interval is not None:

        async def robot() -> None:
            while True:
                await asyncio.sleep(interval)
                server.cycle()

        server.robot = asyncio.create_task(robot())
    return server


def client_key(private_pem: bytes) -> asyncssh.SSHKey:
    """A participant's exchange key (PEM, PKCS#8) as an SSH client key."""
    return asyncssh.import_private_key(private_pem)


async def send(
    host: str, port: int, participant: str, key: asyncssh.SSHKey, files: Sequence[tuple[str, bytes]],
    *, known_hosts: Any = None,
) -> list[str]:  # fmt: skip
    """Upload ``files`` (name, envelope) into the outbox, each as a dot-name renamed when complete."""
    sent = []
    async with (
        asyncssh.connect(host, port, username=participant, client_keys=[key], known_hosts=known_hosts) as conn,
        conn.start_sftp_client() as sftp,
    ):
        for name, data in files:
            part, final = f"/{OUTBOX}/.{name}", f"/{OUTBOX}/{name}"
            async with sftp.open(part, "wb") as out:
                await out.write(data)
            await sftp.rename(part, final)
            sent.append(final)
    return sent


async def fetch(
    host: str, port: int, participant: str, key: asyncssh.SSHKey, *, purge: bool = False, known_hosts: Any = None
) -> list[tuple[str, bytes]]:
    """Download what waits in the reception folder (and remove it: ``purge``)."""
    got = []
    async with (
        asyncssh.connect(host, port, username=participant, client_keys=[key], known_hosts=known_hosts) as conn,
        conn.start_sftp_client() as sftp,
    ):
        for name in sorted(await sftp.listdir(f"/{INBOX}")):
            if name.startswith("."):
                continue
            async with sftp.open(f"/{INBOX}/{name}", "rb") as src:
                data = await src.read()
            got.append((name, data if isinstance(data, bytes) else data.encode()))
            if purge:
                await sftp.remove(f"/{INBOX}/{name}")
    return got


async def purge(
    host: str,
    port: int,
    participant: str,
    key: asyncssh.SSHKey,
    names: Sequence[str] | None = None,
    *,
    known_hosts: Any = None,
) -> tuple[list[str], list[str]]:
    """Remove ``names`` (every file: None) from the reception folder — the hub records each as
    purged. Answers the names removed and those the folder did not hold."""
    removed, missing = [], []
    async with (
        asyncssh.connect(host, port, username=participant, client_keys=[key], known_hosts=known_hosts) as conn,
        conn.start_sftp_client() as sftp,
    ):
        held = [n for n in sorted(await sftp.listdir(f"/{INBOX}")) if not n.startswith(".")]
        for name in held if names is None else names:
            if name not in held:
                missing.append(name)
                continue
            await sftp.remove(f"/{INBOX}/{name}")
            removed.append(name)
    return removed, missing
