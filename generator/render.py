"""Stages of the generator (thesis VII.4; STYLE.md "Stages, then writing").

meta-database → frozen model (``metadb``) → validate → physical model → statements and codecs
computed in Python → templates lay the text out → format → ``{path: text}``. Writing the files
is a separate last step (:func:`write`), so ``--check`` is a comparison.
"""

from __future__ import annotations

import difflib
import pprint
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from assurdb.generator.codecs import check_source, decode_source, encode_source, ident, value_encoders
from assurdb.generator.errors import GeneratorError
from assurdb.generator.sqlmodel import ALL_DBMS, DBMS, create_statements, duckdb_create_statements
from assurdb.generator.statements import (
    Compiler,
    opening_statements,
    path_statements,
    record_statements,
    schema_version_select,
)
from assurdb.metadb.contract import CONTRACT_VERSION, Action
from assurdb.metadb.meta import with_meta
from assurdb.metadb.model import RecordType, Schema, named, to_plain
from assurdb.metadb.physical import Family, Table, junction_name, table_name, transform
from assurdb.runtime.frames import DTYPES

GENERATOR_VERSION = "1.0.0"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: The generated packages live here (``generated/<schema>/<dbms>/``).
GENERATED = Path(__file__).resolve().parent.parent / "generated"

#: Action modules: one per action code (thesis VII.4), named after the action.
ACTION_MODULES = tuple(a.name.lower() for a in Action)
#: Expected parameter order of the runtime's own opening statements.
_OPENING_PARAMS = {
    "lock": ("name",),
    "select_rt": ("record_type",),
    "delete": ("session", "record_type"),
    "insert": ("session", "record_type", "user", "mode", "holder"),
    "delete_all": (),
}


@dataclass(frozen=True)
class Rendered:
    """The generated text of one package, by path relative to ``generated/``."""

    files: dict[str, str]


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["py"] = repr
    return env


def _item_dtypes(rt: RecordType) -> dict[str, str]:
    out = {}
    for item in rt.items:
        if item.repetitive or item.decomposable:
            out[item.name] = "object"
        else:
            out[item.name] = DTYPES[str(item.type)]
    return out


def _rt_context(schema: Schema, rt: RecordType, compiler: Compiler, dbms: DBMS) -> dict[str, Any]:
    model = compiler.model
    table = model.table_of(rt.name)
    st = record_statements(compiler, schema, rt)
    if st.insert.params != st.columns:
        raise GeneratorError(f"{rt.name}: INSERT binds {st.insert.params}, expected the columns {st.columns}")
    stored = [p for p in schema.paths_to(rt.name) if not p.many_to_many]
    py = ident(rt.name)
    order = {k.name: k.items + tuple(i for i in rt.identifier_items if i not in k.items) for k in rt.keys}
    return {
        "name": rt.name,
        "py": py,
        "upper": py.upper(),
        "table": table.name,
        "items": sorted(i.name for i in rt.items),
        "item_order": tuple(i.name for i in rt.items),
        "ident": rt.identifier_items,
        "keys": {k.name: k.items for k in rt.keys},
        "order": order,
        "types": {i.name: i.type for i in rt.items if i.type},
        "dtypes": _item_dtypes(rt),
        "stored_paths": tuple(p.name for p in stored),
        "origin_of": tuple(p.name for p in schema.paths_from(rt.name)),
        "target_of": tuple(p.name for p in schema.paths_to(rt.name)),
        "st": st,
        "check": check_source(rt, target_paths=stored),
        "encode": encode_source(rt, table, dbms),
        "decode": decode_source(rt, table, dbms),
        "encoders": value_encoders(rt, dbms),
    }


def _pt_context(schema: Schema, path_name: str, compiler: Compiler, dbms: DBMS) -> dict[str, Any]:
    path = schema.path_types[path_name]
    statements = path_statements(compiler, schema, path).statements
    context: dict[str, Any] = {
        "name": path.name,
        "py": ident(path.name),
        "origin": path.origin,
        "target": path.target,
        "cls": path.cls,
        "tno": path.target_needs_origin,
        "ont": path.origin_needs_target,
        "identifying": path.identifying,
        "origin_items": path.origin_items,
        "sort": path.sort,
        "junction": junction_name(path.name) if path.many_to_many else None,
        "link_items": sorted(i.name for i in path.items),
        "statements": dict(sorted(statements.items())),
        "check_link": None,
        "decode_link": None,
    }
    if path.items:
        for item in path.items:
            if item.repetitive or item.decomposable:
                raise GeneratorError(f"path type {path.name}: link item {item.name} must be simple")
        pseudo = RecordType(name=path.name, items=path.items, keys=named(()))
        junction = compiler.model.junction_of(path.name)
        link_table = Table(
            name=junction.name,
            columns=tuple(c for c in junction.columns if c.item in {i.name for i in path.items}),
            primary_key=(),
        )
        link_py = f"link_{ident(path.name)}"
        context["check_link"] = check_source(pseudo, target_paths=[], fn=link_py)
        context["decode_link"] = decode_source(pseudo, link_table, dbms, name=f"decode_{link_py}")
        context["link_py"] = link_py
        context["link_upper"] = link_py.upper()
        context["link_item_names"] = [i.name for i in path.items]
    return context


def render_package(schema: Schema, dbms: DBMS) -> Rendered:
    """Every file of ``generated/<schema>/<dbms>/`` for a (data) schema, as text."""
    if dbms not in ALL_DBMS:
        raise GeneratorError(f"unknown DBMS {dbms!r} (known: {', '.join(ALL_DBMS)})")
    full = with_meta(schema)
    family: Family = "columnar" if dbms == "duckdb" else "relational"
    model = transform(full, family)
    compiler = Compiler(model, dbms)
    bound = opening_statements(compiler)
    for name, params in _OPENING_PARAMS.items():
        if bound[name].params != params:
            raise GeneratorError(f"opening statement {name} binds {bound[name].params}, the runtime passes {params}")
    openings = {name: b.sql for name, b in bound.items()}
    ddl = duckdb_create_statements(model) if dbms == "duckdb" else create_statements(model, dbms)
    openings_ddl: list[str] = []
    if dbms == "sqlite":
        # SQLite has one writer per file: the openings live in a file of their own, attached to
        # every connection as schema "openings", so OPEN DB never waits for another process's
        # unit of work (see generator/runtime/drivers.py SQLiteDriver).
        opening_table = table_name("Opening")
        openings_ddl = [_in_openings_file(s, opening_table) for s in ddl if f" {opening_table} " in f"{s} "]
        ddl = [s for s in ddl if f" {opening_table} " not in f"{s} "]
    context = {
        "schema": full.name,
        "dbms": dbms,
        "family": family,
        "fingerprint": full.fingerprint,
        "version": GENERATOR_VERSION,
        "contract": CONTRACT_VERSION,
        "rts": [_rt_context(full, rt, compiler, dbms) for rt in full.record_types.values()],
        "pts": [_pt_context(full, name, compiler, dbms) for name in full.path_types],
        "plain": pprint.pformat(to_plain(full), width=110, sort_dicts=False),
        "ddl": ddl,
        "openings_ddl": openings_ddl,
        "openings": openings,
        "schema_version_select": schema_version_select(compiler),
        "existence": model.existence,
        "actions": sorted((a.name.lower(), int(a)) for a in Action),
        "tables": {t.name: table_name(t.record_type) for t in model.tables if t.record_type},
    }
    context["header"] = _env().get_template("common/header.j2").render(context).rstrip("\n")
    env = _env()
    base = f"{full.name}/{dbms}"
    files: dict[str, str] = {}
    templates = {
        "__init__.py": "package_init.py.j2",
        "schema_data.py": "schema_data.py.j2",
        "codecs.py": "codecs.py.j2",
        "paths.py": "paths.py.j2",
        "router.py": "router.py.j2",
    }
    templates.update({f"{module}.py": f"actions/{module}.py.j2" for module in ACTION_MODULES})
    for filename, template in templates.items():
        files[f"{base}/{filename}"] = _format(_template(env, family, template).render(context), template)
    header = str(context["header"])
    context["header_schema"] = "\n".join(header.splitlines()[:1]).replace(f" for {dbms}", "") + (
        f"\n# Schema fingerprint {full.fingerprint}."
    )
    for filename, template in (
        ("__init__.py", "common/schema_package.py.j2"),
        ("schema.py", "common/schema_plain.py.j2"),
    ):
        files[f"{full.name}/{filename}"] = _format(env.get_template(template).render(context), template)
    return Rendered(files)


def _in_openings_file(statement: str, table: str) -> str:
    """``CREATE TABLE t`` → ``CREATE TABLE IF NOT EXISTS openings.t`` (and its indexes)."""
    if statement.startswith(f"CREATE TABLE {table} "):
        return statement.replace(f"CREATE TABLE {table} ", f"CREATE TABLE IF NOT EXISTS openings.{table} ", 1)
    if statement.startswith("CREATE INDEX "):
        return statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS openings.", 1)
    raise GeneratorError(f"unexpected statement on the openings table: {statement}")


def _template(env: jinja2.Environment, family: str, name: str) -> jinja2.Template:
    """DuckDB's own template set overrides the relational one where they differ."""
    folder = "duckdb" if family == "columnar" else "relational"
    try:
        return env.get_template(f"{folder}/{name}")
    except jinja2.TemplateNotFound:
        return env.get_template(f"common/{name}")


def _format(text: str, template: str) -> str:
    """The format stage: no trailing spaces, at most two blank lines in a row, one final newline."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    blanks = 0
    for line in lines:
        blanks = blanks + 1 if not line else 0
        if blanks <= 2:
            out.append(line)
    text = "\n".join(out).strip("\n") + "\n"
    try:
        compile(text, template, "exec")
    except SyntaxError as exc:
        raise GeneratorError(f"template {template} produced invalid Python at line {exc.lineno}: {exc.msg}") from exc
    return text


def render_all(schemas: Mapping[str, Schema], dbms_list: tuple[DBMS, ...] = ALL_DBMS) -> dict[str, str]:
    files: dict[str, str] = {}
    for schema in schemas.values():
        for dbms in dbms_list:
            files.update(render_package(schema, dbms).files)
    files["__init__.py"] = (
        '"""Generated access interfaces, one package per schema and DBMS. DO NOT EDIT: run ``make generate``."""\n'
    )
    return dict(sorted(files.items()))


def write(files: Mapping[str, str], root: Path = GENERATED) -> list[str]:
    """Write the generated files (utf-8, ``\\n``); answer the paths that changed."""
    changed = []
    for rel, text in files.items():
        path = root / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        changed.append(rel)
    return changed


def diff(files: Mapping[str, str], root: Path = GENERATED, *, scope: set[str] | None = None) -> str:
    """A unified diff between the files on disk and what the templates produce now.

    ``scope``: the package folders (``insurance/sqlite``…) whose stray files count as stale.
    """
    out: list[str] = []
    for rel, text in files.items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            out.extend(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"generated/{rel} (committed)",
                    tofile=f"generated/{rel} (generator)",
                )
            )
    for folder in sorted(scope or ()):
        for path in sorted((root / folder).glob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel not in files:
                out.append(f"--- generated/{rel} is not produced by the generator any more\n")
    return "".join(out)
