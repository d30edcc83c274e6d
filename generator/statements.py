"""Every statement a generated interface runs, rendered for one DBMS by SQLAlchemy at generation time.

Statements bind positional parameters only; each :class:`~assurdb.runtime.specs.Stmt` keeps the
names of the values it binds, in order (``o_x`` origin identifier item, ``t_x`` target identifier
item, ``c_x`` the current article's item, ``l_x`` a link item; record statements bind column or
item names). No value is ever pasted into SQL; names come only from the meta-database. What
differs between DBMSs — the dialect, the keyset comparison, statements only one DBMS needs — is
asked of its backend class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from assurdb.metadb.model import PathType, RecordType, Schema
from assurdb.metadb.physical import PhysicalModel, Table, junction_name, table_name
from assurdb.runtime.backends import Backend
from assurdb.runtime.specs import Stmt


@dataclass(frozen=True)
class RecordStatements:
    columns: tuple[str, ...]
    select_all: str
    exists: Stmt
    select_by_id: Stmt
    insert: Stmt
    update: Stmt
    delete: Stmt
    by_key: dict[str, Stmt]
    after: dict[str, dict[int, Stmt]]
    strictly_after: dict[str, Stmt]
    where_eq: dict[str, str]
    where_range: dict[str, str]
    order_by: dict[str, str]
    limit: str
    insert_into: str
    update_of: str
    where_ident: str
    quoted: dict[str, str]
    mark: str
    snapshot: dict[str, Stmt]
    batch: dict[str, Stmt]


class Compiler:
    """Renders the statements of one physical model for one backend."""

    def __init__(self, schema: Schema, model: PhysicalModel, backend: type[Backend]) -> None:
        self.schema = schema
        self.backend = backend
        self.dialect = backend.dialect()
        self.md = backend.metadata(model, constraints=False)
        self.model = model

    def table(self, name: str) -> sa.Table:
        return self.md.tables[name]

    def table_of(self, rt: str) -> sa.Table:
        return self.md.tables[table_name(rt)]

    def render(self, stmt: Any, *, limit_one: bool = False) -> Stmt:
        compiled = stmt.compile(dialect=self.dialect)
        sql = " ".join(str(compiled).split())
        if limit_one:
            sql += " LIMIT 1"
        return Stmt(sql, tuple(compiled.positiontup or ()))

    def text(self, clause: Any) -> str:
        compiled = clause.compile(dialect=self.dialect)
        return " ".join(str(compiled).split())

    def quote(self, name: str) -> str:
        """A table or column name as this dialect writes it (names come from the meta-database only)."""
        return str(self.dialect.identifier_preparer.quote(name))

    @property
    def placeholder(self) -> str:
        """The driver's positional placeholder (``?`` or ``%s``)."""
        return "?" if self.dialect.paramstyle == "qmark" else "%s"

    def after(self, cols: Sequence[sa.ColumnElement[Any]], names: Sequence[str], *, strict: bool) -> Any:
        """``(cols) > (names)`` (or ``>=``) in this DBMS's index-friendly form."""
        return self.backend.keyset(cols, [sa.bindparam(n) for n in names], strict=strict)


def _eq(cols: Sequence[sa.ColumnElement[Any]], names: Sequence[str]) -> Any:
    return sa.and_(*[c == sa.bindparam(n) for c, n in zip(cols, names, strict=True)])


def record_statements(compiler: Compiler, rt: RecordType) -> RecordStatements:
    table_def: Table = compiler.model.table_of(rt.name)
    t = compiler.table(table_def.name)
    columns = tuple(c.name for c in table_def.columns)
    cols = [t.c[c] for c in columns]
    ident = rt.identifier_items
    id_cols = [t.c[i] for i in ident]
    render = compiler.render
    select = sa.select(*cols)
    by_key: dict[str, Stmt] = {}
    after: dict[str, dict[int, Stmt]] = {}
    strictly: dict[str, Stmt] = {}
    order_by: dict[str, str] = {}
    for key in rt.keys:
        order = key.items + tuple(i for i in ident if i not in key.items)
        order_cols = [t.c[i] for i in order]
        if key.identifying:  # unique: no order to choose from (DuckDB plans ORDER BY … LIMIT as a scan)
            by_key[key.name] = render(select.where(_eq(id_cols, ident)))
        else:  # READ DIRECT on a non-unique key answers the first in (key, identifier) order
            by_key[key.name] = render(
                select.where(_eq([t.c[i] for i in key.items], key.items)).order_by(*order_cols), limit_one=True
            )
        after[key.name] = {
            m: render(
                select.where(compiler.after(order_cols[:m], order[:m], strict=False)).order_by(*order_cols),
                limit_one=True,
            )
            for m in range(1, len(order))
        }
        strictly[key.name] = render(
            select.where(compiler.after(order_cols, order, strict=True)).order_by(*order_cols), limit_one=True
        )
        order_by[key.name] = " ORDER BY " + ", ".join(compiler.text(c) for c in order_cols)
    where_eq: dict[str, str] = {}
    where_range: dict[str, str] = {}
    for item in sorted({i for k in rt.keys for i in k.items}):
        where_eq[item] = compiler.text(t.c[item] == sa.bindparam(item))
        where_range[item] = compiler.text(t.c[item].between(sa.bindparam(f"{item}_low"), sa.bindparam(f"{item}_high")))
    non_pk = [c for c in columns if c not in ident]
    update = (
        sa.update(t).where(_eq(id_cols, ident)).values({c: sa.bindparam(f"v_{c}") for c in non_pk}) if non_pk else None
    )
    update_bound = render(update) if update is not None else Stmt("", ())
    # Update binds "v_<column>" for values, then identifier columns: strip the prefix.
    update_bound = Stmt(update_bound.sql, tuple(p.removeprefix("v_") for p in update_bound.params))
    snapshot, batch = compiler.backend.record_extras(compiler, rt)
    return RecordStatements(
        columns=columns,
        select_all=render(select).sql,
        exists=render(sa.select(sa.literal_column("1")).select_from(t).where(_eq(id_cols, ident))),
        select_by_id=render(select.where(_eq(id_cols, ident))),
        insert=render(sa.insert(t).values({c: sa.bindparam(c) for c in columns})),
        update=update_bound,
        delete=render(sa.delete(t).where(_eq(id_cols, ident))),
        by_key=by_key,
        after=after,
        strictly_after=strictly,
        where_eq=where_eq,
        where_range=where_range,
        order_by=order_by,
        limit=f" LIMIT {compiler.placeholder}",
        insert_into=f"INSERT INTO {compiler.quote(table_def.name)}",
        update_of=f"UPDATE {compiler.quote(table_def.name)}",
        where_ident=" WHERE " + compiler.text(_eq(id_cols, ident)),
        quoted={c: compiler.quote(c) for c in columns},
        mark=compiler.placeholder,
        snapshot=snapshot,
        batch=batch,
    )


def path_statements(compiler: Compiler, path: PathType) -> dict[str, Stmt]:
    """The statements of a path type (see :class:`~assurdb.runtime.specs.PathSpec` for their shapes)."""
    schema = compiler.schema
    origin, target = schema.record_types[path.origin], schema.record_types[path.target]
    O = compiler.table_of(origin.name)  # noqa: E741 - O and T: origin and target tables
    T = compiler.table_of(target.name)
    target_table = compiler.model.table_of(target.name)
    t_cols = [T.c[c.name] for c in target_table.columns]
    oi, ti = origin.identifier_items, target.identifier_items
    o_names = [f"o_{i}" for i in oi]
    t_names = [f"t_{i}" for i in ti]
    order = tuple(dict.fromkeys(path.sort + ti))
    render = compiler.render
    s: dict[str, Any] = {}
    if not path.many_to_many:
        C = [T.c[c] for _, c in path.origin_items]
        by_origin = _eq(C, o_names)
        order_cols = [T.c[i] for i in order]
        s["first_target"] = (sa.select(*t_cols).where(by_origin).order_by(*order_cols), True)
        s["next_target"] = (
            sa.select(*t_cols)
            .where(by_origin, compiler.after(order_cols, [f"c_{i}" for i in order], strict=True))
            .order_by(*order_cols),
            True,
        )
        by_target = _eq([T.c[i] for i in ti], t_names)
        s["link"] = (
            sa.update(T).where(by_target).values({c.name: sa.bindparam(n) for c, n in zip(C, o_names, strict=True)}),
            False,
        )
        s["unlink"] = (sa.update(T).where(by_target).values({c.name: sa.null() for c in C}), False)
        s["unlink_all_from_origin"] = (
            sa.update(T).where(by_origin).values({c.name: sa.null() for c in C}),
            False,
        )
        s["targets_of_origin"] = (sa.select(*[T.c[i] for i in ti]).where(by_origin), False)
        s["has_target"] = (sa.select(sa.literal_column("1")).select_from(T).where(by_origin), True)
        s["has_origin"] = (sa.select(*C).where(by_target), False)
        s["link_exists"] = (
            sa.select(sa.literal_column("1")).select_from(T).where(by_target, by_origin),
            False,
        )
        s["any_target_without_origin"] = (
            sa.select(*[T.c[i] for i in ti]).where(C[0].is_(None)).order_by(*[T.c[i] for i in ti]),
            True,
        )
        inner: Any = (
            sa.select(sa.literal_column("1"))
            .select_from(T)
            .where(sa.and_(*[c == O.c[o] for c, (o, _) in zip(C, path.origin_items, strict=True)]))
        )
        s["any_origin_without_target"] = (
            sa.select(*[O.c[i] for i in oi]).where(~inner.exists()).order_by(*[O.c[i] for i in oi]),
            True,
        )
    else:
        J = compiler.table(junction_name(path.name))
        jo = [J.c[f"origin_{i}"] for i in oi]
        jt = [J.c[f"target_{i}"] for i in ti]
        links = [J.c[i.name] for i in path.items]
        on_target = sa.and_(*[j == T.c[i] for j, i in zip(jt, ti, strict=True)])
        on_origin = sa.and_(*[j == O.c[i] for j, i in zip(jo, oi, strict=True)])
        by_origin = _eq(jo, o_names)
        by_target = _eq(jt, t_names)
        order_cols = [T.c[i] for i in order]
        joined = sa.select(*t_cols, *links).select_from(T.join(J, on_target))
        s["first_target"] = (joined.where(by_origin).order_by(*order_cols), True)
        s["next_target"] = (
            joined.where(by_origin, compiler.after(order_cols, [f"c_{i}" for i in order], strict=True)).order_by(
                *order_cols
            ),
            True,
        )
        o_table = compiler.model.table_of(origin.name)
        o_cols = [O.c[c.name] for c in o_table.columns]
        o_order = [O.c[i] for i in oi]
        joined_o = sa.select(*o_cols).select_from(O.join(J, on_origin))
        s["first_origin"] = (joined_o.where(by_target).order_by(*o_order), True)
        s["next_origin"] = (
            joined_o.where(by_target, compiler.after(o_order, [f"c_{i}" for i in oi], strict=True)).order_by(*o_order),
            True,
        )
        # every link at once (a whole database moved): origin row, target row, link items
        Oa, Ta = O.alias("o"), T.alias("t")  # a path from a record type to itself joins it twice
        s["all_links"] = (
            sa.select(*[Oa.c[c.name] for c in o_cols], *[Ta.c[c.name] for c in t_cols], *links)
            .select_from(
                Oa.join(J, sa.and_(*[j == Oa.c[i] for j, i in zip(jo, oi, strict=True)])).join(
                    Ta, sa.and_(*[j == Ta.c[i] for j, i in zip(jt, ti, strict=True)])
                )
            )
            .order_by(*[Oa.c[i] for i in oi], *[Ta.c[i] for i in order]),
            False,
        )
        values: dict[str, Any] = {c.name: sa.bindparam(n) for c, n in zip(jo, o_names, strict=True)}
        values.update({c.name: sa.bindparam(n) for c, n in zip(jt, t_names, strict=True)})
        values.update({c.name: sa.bindparam(f"l_{c.name}") for c in links})
        s["link"] = (sa.insert(J).values(values), False)
        s["unlink"] = (sa.delete(J).where(by_origin, by_target), False)
        s["unlink_all_from_origin"] = (sa.delete(J).where(by_origin), False)
        s["unlink_all_to_target"] = (sa.delete(J).where(by_target), False)
        s["targets_of_origin"] = (sa.select(*jt).where(by_origin), False)
        s["origins_of_target"] = (sa.select(*jo).where(by_target), False)
        s["has_target"] = (sa.select(sa.literal_column("1")).select_from(J).where(by_origin), True)
        s["has_origin"] = (sa.select(sa.literal_column("1")).select_from(J).where(by_target), True)
        s["link_exists"] = (
            sa.select(sa.literal_column("1")).select_from(J).where(by_origin, by_target),
            False,
        )
        s["any_target_without_origin"] = (
            sa.select(*[T.c[i] for i in ti])
            .where(~sa.select(sa.literal_column("1")).select_from(J).where(on_target).exists())
            .order_by(*[T.c[i] for i in ti]),
            True,
        )
        s["any_origin_without_target"] = (
            sa.select(*[O.c[i] for i in oi])
            .where(~sa.select(sa.literal_column("1")).select_from(J).where(on_origin).exists())
            .order_by(*[O.c[i] for i in oi]),
            True,
        )
    return {name: render(stmt, limit_one=limit) for name, (stmt, limit) in s.items()}


def opening_statements(compiler: Compiler) -> dict[str, Stmt]:
    """The runtime's own statements on the meta-database's openings, and its schema version."""
    op = compiler.table_of("Opening")
    rt = compiler.table_of("RecordType")
    lock = sa.select(rt.c.name).where(rt.c.name == sa.bindparam("name"))
    if compiler.backend.locks_rows:
        lock = lock.with_for_update()
    render = compiler.render
    statements = {
        "lock": render(lock),
        "select_rt": render(
            sa.select(op.c.session, op.c.record_type, op.c.user, op.c.mode, op.c.holder).where(
                op.c.record_type == sa.bindparam("record_type")
            )
        ),
        # every opening, in one statement where OPEN DB wants several record types
        "select_all": render(sa.select(op.c.session, op.c.record_type, op.c.user, op.c.mode, op.c.holder)),
        "delete": render(
            sa.delete(op).where(
                op.c.session == sa.bindparam("session"), op.c.record_type == sa.bindparam("record_type")
            )
        ),
        "insert": render(
            sa.insert(op).values(
                session=sa.bindparam("session"),
                record_type=sa.bindparam("record_type"),
                user=sa.bindparam("user"),
                mode=sa.bindparam("mode"),
                holder=sa.bindparam("holder"),
            )
        ),
        "delete_all": render(sa.delete(op)),
        # every opening of a session, in one statement where CLOSE DB closes all it holds
        "delete_session": render(sa.delete(op).where(op.c.session == sa.bindparam("session"))),
    }
    statements.update(compiler.backend.opening_extras(compiler.md.tables, render))
    return statements


def schema_versions(compiler: Compiler, *, legacy: bool = False) -> str:
    """Every version the meta-database holds: name, version, fingerprint and state (``legacy``:
    without the state, which the meta-schema's version 1 did not keep — one row, the current)."""
    sv = compiler.table_of("SchemaVersion")
    columns = [sv.c.name, sv.c.version, sv.c.fingerprint]
    if not legacy and "state" in sv.c:
        columns.append(sv.c.state)
    return compiler.render(sa.select(*columns)).sql
