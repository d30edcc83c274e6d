"""``assurdb copy | dump | load``: a whole database moved to another DBMS, to files and back."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from assurdb.cli.options import database, login
from assurdb.cli.progress import quiet_option


class _Progress:
    """Progress on stderr: on a terminal, a bar for the record type being written, redrawn in place;
    elsewhere (a log), one line per record type once it is written."""

    WIDTH = 30

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.live = sys.stderr.isatty()

    def __call__(self, name: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        finished = done >= total
        if self.live:
            filled = self.WIDTH if not total else self.WIDTH * done // total
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            line = f"  {name:<28} [{bar}] {done:>10,}/{total:<10,} {elapsed:7.1f} s"
            click.echo(f"\r{line}", err=True, nl=finished)
        elif finished:
            click.echo(f"  {name:<28} {total:>10,} in {elapsed:7.1f} s", err=True)


def _progress(quiet: bool) -> _Progress | None:
    """The progress of a move on stderr, or none (``--quiet``)."""
    return None if quiet else _Progress()


def _verdict(comparison: object, what: str) -> None:
    from assurdb.migrations import Comparison

    assert isinstance(comparison, Comparison)
    click.echo(comparison.text())
    click.echo(f"{what} in {comparison.seconds:.1f} s")
    if not comparison.equal:
        sys.exit(1)


@click.command("copy")
@click.argument("source")
@click.argument("target")
@login
@click.option("--resume", is_flag=True, help="Continue a copy that was interrupted (units already there are skipped).")
@quiet_option
def copy_command(source: str, target: str, user: str, password: str, resume: bool, quiet: bool) -> None:
    """Copy the database at SOURCE into a new database at TARGET, on any DBMS.

    Every article, link, user (with its password hash), permission and the schema's history move;
    each record type's count and checksum are then compared on both sides, and the exit status is 1
    when any differs. The login is an administrator's of SOURCE (it holds the users).
    """
    from assurdb.migrations import copy

    _verdict(copy(source, target, user=user, password=password, resume=resume, progress=_progress(quiet)), "copied")


@click.command("dump")
@database
@login
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@quiet_option
def dump_command(url: str, user: str, password: str, folder: Path, quiet: bool) -> None:
    """Write the database into FOLDER: a Parquet file per record type and N-N path, the users,
    the schema file it holds, and a manifest of counts and checksums (an administrator's login)."""
    from assurdb.migrations import dump

    manifest = dump(url, folder, user=user, password=password, progress=_progress(quiet))
    click.echo(f"wrote {manifest.parent} ({manifest.name} lists the files, their counts and checksums)")


@click.command("load")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@database
@click.option("--resume", is_flag=True, help="Continue a load that was interrupted.")
@quiet_option
def load_command(folder: Path, url: str, resume: bool, quiet: bool) -> None:
    """Create the database at --db from a dump in FOLDER, its users included, and compare every
    count and checksum with the dump's manifest (exit status 1 when any differs)."""
    from assurdb.migrations import load

    _verdict(load(folder, url, resume=resume, progress=_progress(quiet)), "loaded")
