"""The hub's robot over mailbox folders: ``<root>/<participant>/emission`` (what the participant
sends) and ``<root>/<participant>/reception`` (what the hub delivers, :class:`~.stores.FolderCourier`).

A folder is the transport's proof of who sent a file — the SFTP server shows each participant its
own folders only — so :func:`sweep` submits each file as coming from the folder's owner, then
removes it: whatever the answer, the answer is in the log and, as a notice or a return, in the
sender's reception folder. Files being written (the ``.part-`` prefix of an atomic upload, or any
name starting with a dot) are left for the next sweep.
"""

from __future__ import annotations

from pathlib import Path

from assurdb.domain.exchange.hub import Hub
from assurdb.domain.exchange.keys import participant_problem
from assurdb.domain.results import Result

OUTBOX, INBOX = "emission", "reception"


def sweep(hub: Hub, root: str | Path) -> list[tuple[str, str, Result]]:
    """Submit every file waiting in every outbox under ``root``, oldest first; (participant, file
    name, answer) for each."""
    found: list[tuple[float, str, Path]] = []
    base = Path(root)
    if not base.exists():
        return []
    for folder in sorted(base.iterdir()):
        outbox = folder / OUTBOX
        if participant_problem(folder.name) is not None or not outbox.is_dir():
            continue
        for path in outbox.iterdir():
            if path.is_file() and not path.name.startswith("."):
                found.append((path.stat().st_mtime, folder.name, path))
    answers = []
    for _, code, path in sorted(found):
        data = path.read_bytes()
        answers.append((code, path.name, hub.submit(data, code)))
        path.unlink()
    return answers
