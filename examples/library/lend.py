"""A lending library on assurdb: the interface generated from ``library.yaml`` into ``app/dbi``.

From a folder holding ``library.yaml``::

    assurdb generate library.yaml --out app/dbi
    python lend.py sqlite:///library.db         # or duckdb:///…, postgresql://…, mysql://…

The script is type-checked with mypy --strict (``make typecheck``): the public path is typed.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import assurdb
from assurdb import RC, Mode

INTERFACE = "app.dbi"


def main(url: str) -> int:
    try:
        db = assurdb.connect(url, interface=INTERFACE)
    except (assurdb.DatabaseNotFoundError, assurdb.SchemaMismatchError) as exc:
        if isinstance(exc, assurdb.SchemaMismatchError) and exc.stored is not None:
            print(f"{url} holds {exc.stored}, not {exc.interface}: {exc.advice}", file=sys.stderr)
            return 1
        db = assurdb.create(url, interface=INTERFACE, admin_password="librarian")
    with db:
        session = db.login("admin", "librarian")
        session.open_db([("Author", Mode.MODIFY_SHARED), ("Book", 2), ("Member", 2), ("Loan", 2)])
        if session.read_direct("Author", {"code": 1}).rc == RC.NOT_FOUND:
            session.write("Author", {"code": 1, "name": "Hergé", "born": dt.date(1907, 5, 22)})
            book = {"isbn": "9782203001015", "title": "Tintin au Tibet", "price": Decimal("12.50"), "role": "author"}
            session.write_target_via_path("Author", {"code": 1}, "Book", book, "Writing")
        reply = session.read_target_via_path("Author", {"code": 1}, "Writing", "Book")
        while reply.rc == RC.OK and reply.article is not None:
            print(f"{reply.article['title']} ({reply.article['role']}), {reply.article['price']}")
            reply = session.read_target_via_path("Author", {"code": 1}, "Writing", "Book", reply.article)
        session.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///library.db"))
