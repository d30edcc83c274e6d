"""``assurdb serve --db URL``: the screens of the database in a web browser (thesis chapter VIII)."""

from __future__ import annotations

import click

from assurdb.facade import connect


@click.command("serve")
@click.option("--db", "url", required=True, envvar="ASSURDB_URL", help="Database URL (or ASSURDB_URL).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--interface", default=None, help="The database's generated interface package (default: insurance).")
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only (behind a TLS proxy).")
def command(url: str, host: str, port: int, interface: str | None, secure_cookies: bool) -> None:
    """Serve the screens of the database at http://HOST:PORT/ until interrupted.

    Each clerk logs in with their own user name and password: every request works in their name,
    with their permissions. Session cookies are signed with ASSURDB_WEB_SECRET (else a random key:
    a restart logs everybody out).
    """
    import uvicorn

    from assurdb.web import create_app

    db = connect(url, interface=interface)
    try:
        app = create_app(db.schema, db.login, secure_cookies=secure_cookies)
        click.echo(f"assurdb serve: {db.dbms} database, http://{host}:{port}/ (Ctrl-C stops)")
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        db.close()
