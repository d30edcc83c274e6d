"""``assurdb exchange …``: the coinsurance exchange from the command line.

The hub's side works on a database (``--db``, ``--user``, ``--password``): ``register``,
``add-key``, ``retire-key``, ``serve`` (the SFTP server and its robot), ``queue``, ``validate``,
``reject``, ``clear``, ``track``, ``verify-log``. A participant's side works on its key files and
the hub's server: ``keygen``, ``send``, ``fetch``. Keys are PEM files (PKCS#8 for a private key,
SubjectPublicKeyInfo for a public one), encrypted with ``ASSURDB_EXCHANGE_PASSPHRASE`` when it is set.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click

from assurdb.cli.options import database, logged_in, login

PASSPHRASE = "ASSURDB_EXCHANGE_PASSPHRASE"


def _passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE)
    return value.encode() if value else None


def _private(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=_passphrase())
    except (ValueError, TypeError, OSError) as exc:
        raise click.BadParameter(f"{path}: not a private key this passphrase opens ({exc})") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise click.BadParameter(f"{path}: not an RSA key")
    return key


def _public(path: str) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    data = Path(path).read_bytes()
    try:
        if b"PRIVATE KEY" in data:
            return _private(path).public_key()
        key = serialization.load_pem_public_key(data)
    except (ValueError, OSError) as exc:
        raise click.BadParameter(f"{path}: not a public key ({exc})") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise click.BadParameter(f"{path}: not an RSA key")
    return key


def _check(result: Any) -> None:
    if not result.ok:
        raise click.ClickException(f"{result.message} (code {int(result.rc)})")


def _hub(session: Any, hub_key: str, root: str, clearing: tuple[str, ...] = ()) -> Any:
    from assurdb.domain.exchange.hub import Hub
    from assurdb.domain.exchange.stores import FolderCourier, FolderSpool

    base = Path(root)
    return Hub(
        session,
        {"hub": _private(hub_key)},
        spool=FolderSpool(base / ".spool"),
        courier=FolderCourier(base),
        clearing=clearing,
    )


def hub_options(function: Any) -> Any:
    function = click.option(
        "--root", default="exchange-root", show_default=True, help="Folder of the mailboxes (and the hub's spool)."
    )(function)
    return click.option("--hub-key", required=True, type=click.Path(exists=True, dir_okay=False),
                        help="The hub's private key (PEM).")(function)  # fmt: skip


@click.group("exchange")
def command() -> None:
    """The coinsurance exchange: a market hub where brokers, leaders, co-insurers, agents and the
    clearing body exchange signed, encrypted files."""


@command.command("keygen")
@click.argument("private_pem", type=click.Path(dir_okay=False))
def keygen(private_pem: str) -> None:
    """Write a new RSA-3072 key pair: PRIVATE_PEM and PRIVATE_PEM's .pub (the public key)."""
    from cryptography.hazmat.primitives import serialization

    from assurdb.domain.exchange.envelope import key_id, new_private_key

    target = Path(private_pem)
    if target.exists():
        raise click.ClickException(f"{target} exists: not overwritten")
    key = new_private_key()
    secret = _passphrase()
    encryption: Any = serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    target.with_suffix(target.suffix + ".pub").write_bytes(public)
    click.echo(f"key id {key_id(key)}: {target} (private), {target}.pub (public)")


@command.command("register")
@database
@login
@click.argument("code")
@click.argument("name")
@click.option(
    "--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Its public key (PEM)."
)
def register(url: str, user: str, password: str, code: str, name: str, key_path: str) -> None:
    """Register participant CODE (CIE, COU, AGT or ORG, 5 digits, a check digit) with its key."""
    from assurdb.domain.exchange.registry import register_key, register_participant

    public = _public(key_path)
    with logged_in(url, user, password) as session:
        _check(register_participant(session, code, name))
        _check(register_key(session, code, public))
    click.echo(f"{code} registered with its mailboxes and key")


@command.command("add-key")
@database
@login
@click.argument("owner")
@click.argument("key_path", type=click.Path(exists=True, dir_okay=False))
def add_key(url: str, user: str, password: str, owner: str, key_path: str) -> None:
    """Make KEY_PATH the primary key of OWNER (a participant, or HUB): a rotation, the former
    primary staying active until retired."""
    from assurdb.domain.exchange.envelope import key_id
    from assurdb.domain.exchange.registry import register_key

    public = _public(key_path)
    with logged_in(url, user, password) as session:
        _check(register_key(session, None if owner == "HUB" else owner, public))
    click.echo(f"key {key_id(public)} is {owner}'s primary key")


@command.command("retire-key")
@database
@login
@click.argument("key_id")
def retire(url: str, user: str, password: str, key_id: str) -> None:
    """Retire a key by its id: signatures by it are refused from now on."""
    from assurdb.domain.exchange.registry import retire_key

    with logged_in(url, user, password) as session:
        _check(retire_key(session, key_id))
    click.echo(f"key {key_id} retired")


@command.command("serve")
@database
@login
@hub_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2222, show_default=True, type=int)
@click.option(
    "--host-key", type=click.Path(exists=True, dir_okay=False), help="The server's SSH host key (default: a new one)."
)
@click.option("--clearing", multiple=True, help="The clearing body's identifier (repeat for several).")
@click.option("--interval", default=1.0, show_default=True, type=float, help="Seconds between two turns of the robot.")
def serve(
    url: str, user: str, password: str, hub_key: str, root: str, host: str, port: int, host_key: str | None,
    clearing: tuple[str, ...], interval: float,
) -> None:  # fmt: skip
    """Run the hub: the SFTP server (each participant sees its own emission and reception folders)
    and the robot that takes, checks, queues and distributes files. Stop it with Ctrl-C."""
    import asyncssh

    from assurdb.exchange_sftp import start_server

    with logged_in(url, user, password) as session:
        hub = _hub(session, hub_key, root, clearing)

        async def run() -> None:
            keys = [asyncssh.read_private_key(host_key)] if host_key else None
            server = await start_server(hub, root, host=host, port=port, host_keys=keys, interval=interval)
            click.echo(f"exchange hub on sftp://{host}:{server.port}, mailboxes in {root}")
            try:
                await asyncio.Event().wait()
            finally:
                await server.close()

        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            click.echo("stopped")


def _participant_options(function: Any) -> Any:
    function = click.option("--known-hosts", default=None, help="OpenSSH known_hosts file naming the hub's host key.")(
        function
    )
    function = click.option("--port", default=2222, show_default=True, type=int)(function)
    function = click.option("--host", default="127.0.0.1", show_default=True)(function)
    function = click.option("--key", "key_path", required=True, type=click.Path(exists=True, dir_okay=False),
                            help="Your private key (PEM).")(function)  # fmt: skip
    return click.option("--as", "participant", required=True, help="Your participant identifier.")(function)


@command.command("send")
@_participant_options
@click.option("--hub-public", required=True, type=click.Path(exists=True, dir_okay=False), help="The hub's public key.")
@click.option("--exchange-key", required=True, help="The 24-character exchange key of the split.")
@click.option(
    "--flow",
    required=True,
    help="split, premium, bulletin, claim_open, claim_eval, premium_pay, claim_pay, commission or document.",
)
@click.option("--version", "version", default=0, show_default=True, type=int)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def send_command(
    participant: str, key_path: str, host: str, port: int, known_hosts: str | None, hub_public: str,
    exchange_key: str, flow: str, version: int, files: tuple[str, ...],
) -> None:  # fmt: skip
    """Sign FILES, encrypt them for the hub and upload them into your emission folder."""
    from cryptography.hazmat.primitives import serialization

    from assurdb.domain.exchange.envelope import HUB, seal
    from assurdb.exchange_sftp import client_key, send

    private = _private(key_path)
    hub = _public(hub_public)
    header: dict[str, Any] = {"article_key": exchange_key, "flow": flow, "version": version}
    envelopes = []
    for f in files:
        data = Path(f).read_bytes()
        sealed = seal(
            data, sender=participant, signing_key=private, recipients={HUB: hub}, filename=Path(f).name, **header
        )
        envelopes.append((f"{Path(f).name}.axe", sealed))
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sent = asyncio.run(send(host, port, participant, client_key(pem), envelopes, known_hosts=known_hosts))
    click.echo(f"{len(sent)} file(s) sent")


@command.command("fetch")
@_participant_options
@click.option("--hub-public", required=True, type=click.Path(exists=True, dir_okay=False), help="The hub's public key.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the files.")
@click.option("--purge", is_flag=True, help="Remove the files from your reception folder once fetched.")
def fetch_command(
    participant: str, key_path: str, host: str, port: int, known_hosts: str | None, hub_public: str, out_dir: str,
    purge: bool,
) -> None:  # fmt: skip
    """Download, verify and decrypt what waits in your reception folder into --out."""
    from cryptography.hazmat.primitives import serialization

    from assurdb.domain.exchange.envelope import key_id, open_envelope
    from assurdb.domain.exchange.errors import EnvelopeError
    from assurdb.exchange_sftp import client_key, fetch

    private = _private(key_path)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    got = asyncio.run(fetch(host, port, participant, client_key(pem), purge=purge, known_hosts=known_hosts))
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in got:
        try:
            opened = open_envelope(
                data, me=participant, private_keys={key_id(private): private}, sender_public=_public(hub_public)
            )
        except EnvelopeError as exc:
            click.echo(f"{name}: refused: {exc.reason}", err=True)
            continue
        (target / name.removesuffix(".axe")).write_bytes(opened.content)
        click.echo(f"{name}: {opened.header.flow} v{opened.header.version} of {opened.header.article_key}")


@command.command("purge")
@_participant_options
@click.option("--all", "every", is_flag=True, help="Every file of your reception folder.")
@click.argument("names", nargs=-1)
def purge_command(
    participant: str, key_path: str, host: str, port: int, known_hosts: str | None, every: bool,
    names: tuple[str, ...],
) -> None:  # fmt: skip
    """Remove NAMES (files already fetched, as `fetch` lists them) from your reception folder, or
    every file with --all; the hub records each as purged."""
    from cryptography.hazmat.primitives import serialization

    from assurdb.exchange_sftp import client_key, purge

    if every == bool(names):
        raise click.UsageError("name the files to purge, or give --all (not both)")
    private = _private(key_path)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    wanted = None if every else list(names)
    removed, missing = asyncio.run(purge(host, port, participant, client_key(pem), wanted, known_hosts=known_hosts))
    for name in removed:
        click.echo(f"{name}: purged")
    if missing:
        raise click.ClickException(f"not in your reception folder: {', '.join(missing)}")


@command.command("queue")
@database
@login
@click.argument("leader")
def queue(url: str, user: str, password: str, leader: str) -> None:
    """The files waiting for LEADER's validation."""
    from assurdb.domain.exchange.registry import RECORD_TYPES

    with logged_in(url, user, password) as session:
        session.open_db([(rt, 1) for rt in RECORD_TYPES])
        reply = session.read_selection("Article", {"leader_code": leader, "state": "submitted"})
        if not reply.ok:
            raise click.ClickException(reply.message)
        for row in reply.batch.to_dict("records"):
            what = f"{row['flow']:<11} v{row['version']}"
            click.echo(f"{row['article_no']:>12}  {row['split_key']}  {what}  from {row['sender_code']}")


@command.command("validate")
@database
@login
@hub_options
@click.argument("leader")
@click.argument("article_nos", nargs=-1, type=int)
@click.option("--flow", default=None, help="Validate every waiting file of this flow.")
@click.option("--split-key", default=None, help="Validate every waiting file of this split.")
def validate(
    url: str, user: str, password: str, hub_key: str, root: str, leader: str, article_nos: tuple[int, ...],
    flow: str | None, split_key: str | None,
) -> None:  # fmt: skip
    """LEADER validates ARTICLE_NOS, or every waiting file matching --flow / --split-key."""
    with logged_in(url, user, password) as session:
        hub = _hub(session, hub_key, root)
        if article_nos:
            for no in article_nos:
                result = hub.validate(leader, no)
                click.echo(result.message)
        else:
            criteria = {k: v for k, v in (("flow", flow), ("split_key", split_key)) if v is not None}
            if not criteria:
                raise click.UsageError("give article numbers, --flow or --split-key")
            click.echo(hub.validate_where(leader, **criteria).message)
        hub.checkpoint()


@command.command("reject")
@database
@login
@hub_options
@click.argument("leader")
@click.argument("article_no", type=int)
@click.option("--reason", "reasons", multiple=True, required=True, help="Why (repeat for several).")
def reject(
    url: str, user: str, password: str, hub_key: str, root: str, leader: str, article_no: int, reasons: tuple[str, ...]
) -> None:
    """LEADER rejects ARTICLE_NO: it goes back to its sender with the reasons."""
    with logged_in(url, user, password) as session:
        hub = _hub(session, hub_key, root)
        click.echo(hub.reject(leader, article_no, list(reasons)).message)
        hub.checkpoint()


@command.command("clear")
@database
@login
@hub_options
@click.argument("period")
@click.option("--clearing", multiple=True, help="The clearing body's identifier.")
def clear(url: str, user: str, password: str, hub_key: str, root: str, period: str, clearing: tuple[str, ...]) -> None:
    """Net PERIOD's (YYYY-MM) premium and claims payments into settlement statements."""
    with logged_in(url, user, password) as session:
        hub = _hub(session, hub_key, root, clearing)
        result = hub.clear(period)
        _check(result)
        hub.checkpoint()
        for a in result.articles:
            click.echo(f"{a['participant_code']}  {a['currency']}  net {a['net']:>15}")
        click.echo(result.message)


@command.command("track")
@database
@login
@click.option("--as", "participant", required=True, help="The participant asking (a party of the article).")
@click.argument("article_no", type=int)
@click.option("--json", "as_json", is_flag=True, help="The whole trail, its links and checkpoint, as JSON.")
def track_command(url: str, user: str, password: str, participant: str, article_no: int, as_json: bool) -> None:
    """The log's trail of ARTICLE_NO as PARTICIPANT may see it, with its proof."""
    from assurdb.domain.exchange.log import track
    from assurdb.domain.exchange.registry import RECORD_TYPES

    with logged_in(url, user, password) as session:
        session.open_db([(rt, 1) for rt in RECORD_TYPES])
        result = track(session, participant, article_no)
        _check(result)
        assert result.article is not None
        trail = result.article["trail"]
        if as_json:
            plain = {"participant": trail.participant, "entries": list(trail.entries), "checkpoint": trail.checkpoint}
            click.echo(json.dumps(plain, default=_jsonable, indent=2))
            return
        for entry in trail.entries:
            if entry["seq"] in trail.own:
                party = f" → {entry['party_code']}" if isinstance(entry.get("party_code"), str) else ""
                when = _jsonable(entry["recorded_on"])
                click.echo(f"{entry['seq']:>8}  {when}  {entry['event']:<11} {entry['actor_code']}{party}")
        cp = trail.checkpoint
        click.echo(f"signed head: entry {cp['seq']}" if cp else "no signed checkpoint covers it yet")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


@command.command("verify-log")
@database
@login
def verify_log_command(url: str, user: str, password: str) -> None:
    """Recompute the log's hash chain and check every signed checkpoint."""
    from assurdb.domain.exchange.log import verify_log
    from assurdb.domain.exchange.registry import RECORD_TYPES

    with logged_in(url, user, password) as session:
        session.open_db([(rt, 1) for rt in RECORD_TYPES])
        result = verify_log(session)
        _check(result)
        click.echo(result.message)
