"""Where the hub keeps files between submission and validation (:class:`Spool`) and how it hands
envelopes to a participant's inbox (:class:`Courier`). The folder versions serve a hub whose
mailboxes are folders (the SFTP server's root); tests and other transports bring their own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class Spool(Protocol):
    def put(self, content_hash: str, content: bytes) -> None: ...
    def get(self, content_hash: str) -> bytes: ...
    def drop(self, content_hash: str) -> None: ...


class Courier(Protocol):
    def deliver(self, recipient: str, name: str, envelope: bytes) -> None: ...


def _atomic_write(path: Path, data: bytes) -> None:
    """Write then rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FolderSpool:
    """Decrypted files by content hash in a folder only the hub reads (mode 0700)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def put(self, content_hash: str, content: bytes) -> None:
        _atomic_write(self.folder / content_hash, content)

    def get(self, content_hash: str) -> bytes:
        return (self.folder / content_hash).read_bytes()

    def drop(self, content_hash: str) -> None:
        (self.folder / content_hash).unlink(missing_ok=True)


class FolderCourier:
    """Envelopes into ``<root>/<participant>/reception/<name>``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def inbox(self, participant: str) -> Path:
        return self.root / participant / "reception"

    def deliver(self, recipient: str, name: str, envelope: bytes) -> None:
        _atomic_write(self.inbox(recipient) / name, envelope)
