"""Stages of the generator (thesis VII.4): meta-database → frozen model → physical model →
statements and codecs computed in Python → templates lay the text out → format → ``{path: text}``.

Writing the files is a separate last step (:func:`write`), so ``--check`` is a comparison
(:func:`diff`). An interface is an ordinary Python package, wherever its user wants it:

* generated once for the schema: ``__init__.py`` (the :class:`~assurdb.runtime.specs.Interface`),
  ``schema.py``, ``checks.py``, ``shapes.py``, ``router.py`` and one module per action code on a
  record type or path type, with one function each;
* generated per DBMS: ``<dbms>.py`` — its DDL, statements and codecs, behind its backend class.

Generated modules import each other relatively and the runtime as ``assurdb.runtime``, so the
package works under any dotted name.
"""

from __future__ import annotations

import difflib
import pprint
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from assurdb.generator.codecs import (
    check_source,
    decode_columns_source,
    decode_source,
    encode_source,
    ident,
    item_columns_source,
    lookup_source,
    value_encoders,
)
from assurdb.generator.errors import GeneratorError
from assurdb.generator.statements import (
    Compiler,
    opening_statements,
    path_statements,
    record_statements,
    schema_versions,
)
from assurdb.metadb.contract import CONTRACT_VERSION, Action
from assurdb.metadb.meta import meta_schema, with_meta
from assurdb.metadb.model import PathType, RecordType, Schema, named, to_plain
from assurdb.metadb.physical import Table, junction_name, table_name, transform
from assurdb.metadb.progress import Progress
from assurdb.runtime.backends import ALL_BACKENDS, Backend, backend_class
from assurdb.runtime.frames import DTYPES

GENERATOR_VERSION = "2.0.0"

#: Action codes on one record type, then on one path type: a module each, a function per type.
RT_ACTIONS = (
    "read_direct",
    "read_sequential",
    "read_selection",
    "write",
    "write_batch",
    "rewrite",
    "rewrite_batch",
    "delete",
)
PT_ACTIONS = (
    "read_target_via_path",
    "read_origin_via_path",
    "write_target_via_path",
    "write_origin_and_target",
    "bound",
    "debound",
)
#: Each action module: (its functions' parameters, the arguments passed on, the codes it answers).
_ACTION_SHAPES: dict[str, tuple[str, str, str]] = {
    "read_direct": ("article: Any, key: Any", "article, key", "0 + article, 11, 12, 13, 400, 999"),
    "read_sequential": ("article: Any, key: Any", "article, key", "0 + next article, 11, 12, 13, 400, 999"),
    "read_selection": (
        "criteria: Any, limit: Any, decimals: Any",
        "criteria, limit=limit, decimals=decimals",
        "0 + batch, 11, 12, 13, 999",
    ),
    "write": ("article: Any", "article", "0, 11, 13, 400, 500, 900, 901, 999"),
    "write_batch": ("articles: Any", "articles", "0, 11, 13, 400, 500, 900, 901, 999 with position"),
    "rewrite": ("article: Any", "article", "0, 11, 13, 400, 900, 901, 999"),
    "rewrite_batch": ("articles: Any", "articles", "0, 11, 13, 400, 500, 900, 901, 999 with position"),
    "delete": ("identifier: Any", "identifier", "0, 11, 13, 400, 900, 901, 999"),
    "read_target_via_path": ("origin_id: Any, current: Any", "origin_id, current", "0, 11, 21, 13, 23, 400, 401, 999"),
    "read_origin_via_path": ("target_id: Any, current: Any", "target_id, current", "0, 11, 21, 13, 23, 401, 400, 999"),
    "write_target_via_path": (
        "origin_id: Any, article: Any",
        "origin_id, article",
        "0, 11, 21, 13, 23, 400, 501, 900, 901, 999",
    ),
    "write_origin_and_target": (
        "origin_article: Any, target_article: Any",
        "origin_article, target_article",
        "0, 11, 21, 13, 23, 500, 501, 900, 901, 999",
    ),
    "bound": ("origin_id: Any, target_id: Any", "origin_id, target_id", "0, 11, 21, 13, 23, 400, 401, 500, 501, 999"),
    "debound": ("origin_id: Any, target_id: Any", "origin_id, target_id", "0, 11, 21, 13, 23, 400, 401, 901, 999"),
}
#: Expected parameter order of the runtime's own opening statements.
_OPENING_PARAMS = {
    "lock": ("name",),
    "select_rt": ("record_type",),
    "select_all": (),
    "delete": ("session", "record_type"),
    "insert": ("session", "record_type", "user", "mode", "holder"),
    "delete_all": (),
    "delete_session": ("session",),
}
#: Helpers of ``assurdb.runtime.codec_support`` a DBMS module may call, by the name it uses.
_HELPERS = {
    "_d2i": "d2i",
    "_i2d": "i2d",
    "_i2d_column": "i2d_column",
    "_dates_in": "dates_in",
    "_iso": "iso",
    "_iso_column": "iso_column",
    "_list_in": "list_in",
    "_list_or_none": "list_or_none",
    "_nth": "nth",
    "_occurrences": "occurrences",
    "_occurrences_of": "occurrences_of",
    "_parts_of": "parts_of",
    "_structs_of": "structs_of",
    "_struct_in": "struct_in",
    "_struct_of": "struct_of",
    "_struct_or_none": "struct_or_none",
    "_sub": "sub",
    "_bool": "to_bool",
    "_date": "to_date",
}


def shipped_root() -> Path:
    """Where assurdb's own interfaces live (``assurdb.generated``)."""
    return Path(str(resources.files("assurdb.generated")))


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("assurdb", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["py"] = repr
    return env


def _dtypes(rt: RecordType) -> dict[str, str]:
    return {i.name: "object" if i.repetitive or i.decomposable else DTYPES[str(i.type)] for i in rt.items}


def _link_pseudo(path: PathType) -> RecordType:
    """An N-N path's own items as a record type without identifier (for its check and decode)."""
    return RecordType(name=path.name, items=path.items, keys=named(()))


def _rt_context(schema: Schema, rt: RecordType) -> dict[str, Any]:
    stored = [p for p in schema.paths_to(rt.name) if not p.many_to_many]
    py = ident(rt.name)
    return {
        "name": rt.name,
        "py": py,
        "upper": py.upper(),
        "table": table_name(rt.name),
        "items": sorted(i.name for i in rt.items),
        "ident": rt.identifier_items,
        "keys": {k.name: k.items for k in rt.keys},
        "order": {k.name: k.items + tuple(i for i in rt.identifier_items if i not in k.items) for k in rt.keys},
        "dtypes": _dtypes(rt),
        "stored_paths": tuple(p.name for p in stored),
        "origin_of": tuple(p.name for p in schema.paths_from(rt.name)),
        "target_of": tuple(p.name for p in schema.paths_to(rt.name)),
        "needs_notes": any(p.target_needs_origin for p in schema.paths_to(rt.name))
        or any(p.origin_needs_target for p in schema.paths_from(rt.name)),
        "check": check_source(rt, target_paths=stored),
        "lookup": lookup_source(rt, target_paths=stored),
    }


def _pt_context(path: PathType) -> dict[str, Any]:
    py = ident(path.name)
    context: dict[str, Any] = {
        "name": path.name,
        "py": py,
        "upper": py.upper(),
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
        "check_link": None,
    }
    if path.items:
        for item in path.items:
            if item.repetitive or item.decomposable:
                raise GeneratorError(f"path type {path.name}: link item {item.name} must be simple")
        link_py = f"link_{py}"
        context.update(
            check_link=check_source(_link_pseudo(path), target_paths=[], fn=link_py, identifier=()),
            link_py=link_py,
            link_upper=link_py.upper(),
            link_item_names=[i.name for i in path.items],
        )
    return context


def _backend_context(
    full: Schema, backend: type[Backend], rts: list[dict[str, Any]], pts: list[dict[str, Any]]
) -> dict[str, Any]:
    model = transform(full, backend.family)
    compiler = Compiler(full, model, backend)
    openings = opening_statements(compiler)
    for name, params in _OPENING_PARAMS.items():
        if openings[name].params != params:
            raise GeneratorError(f"opening statement {name} binds {openings[name].params}, the runtime passes {params}")
    ddl, side_ddl = backend.create_statements(model)
    rt_out = []
    for context in rts:
        rt = full.record_types[context["name"]]
        table = model.table_of(rt.name)
        st = record_statements(compiler, rt)
        if st.insert.params != st.columns:
            raise GeneratorError(f"{rt.name}: INSERT binds {st.insert.params}, expected the columns {st.columns}")
        rt_out.append(
            {
                **context,
                "st": st,
                "encode": encode_source(backend, rt, table),
                "columns_fn": item_columns_source(backend, rt, table),
                "decode": decode_source(backend, rt, table),
                "decode_columns": decode_columns_source(backend, rt, table),
                "encoders": value_encoders(backend, rt),
            }
        )
    pt_out = []
    for context in pts:
        path = full.path_types[context["name"]]
        snapshot, batch = backend.path_extras(compiler, path)
        extra: dict[str, Any] = {
            "statements": dict(sorted(path_statements(compiler, path).items())),
            "snapshot": snapshot,
            "batch": batch,
            "decode_link": None,
        }
        if path.items:
            junction = model.junction_of(path.name)
            link_table = Table(
                name=junction.name,
                columns=tuple(c for c in junction.columns if c.item in {i.name for i in path.items}),
                primary_key=(),
            )
            extra["decode_link"] = decode_source(
                backend, _link_pseudo(path), link_table, name=f"decode_{context['link_py']}"
            )
        pt_out.append({**context, **extra})
    sources = "\n".join(
        [str(r[k]) for r in rt_out for k in ("encode", "columns_fn", "decode", "decode_columns")]
        + [", ".join(r["encoders"].values()) for r in rt_out]
        + [str(p["decode_link"]) for p in pt_out]
    )
    return {
        "helpers": sorted((name, alias) for alias, name in _HELPERS.items() if re.search(rf"\b{alias}\b", sources)),
        "uses_partial": "partial(" in sources,
        "dbms": backend.name,
        "label": backend.label,
        "backend_class": f"{backend.__module__}.{backend.__qualname__}",
        "rts": rt_out,
        "pts": pt_out,
        "ddl": ddl,
        "side_ddl": side_ddl,
        "openings": openings,
        "schema_versions": schema_versions(compiler),
        "legacy_schema_versions": schema_versions(compiler, legacy=True),
    }


def render(
    schema: Schema,
    backends: Sequence[str] = ALL_BACKENDS,
    *,
    meta_version: int | None = None,
    progress: Progress | None = None,
) -> dict[str, str]:
    """Every file of the interface package of ``schema``, by path relative to the package folder.

    ``meta_version``: an earlier meta-schema than the current one (to read a database created
    with it, while it is upgraded). ``progress`` hears of each file rendered.
    """
    classes = [backend_class(name) for name in backends]
    full = with_meta(schema, meta_version)
    meta = meta_schema(meta_version)
    env = _env()
    base: dict[str, Any] = {
        "schema": full.name,
        "schema_version": full.version,
        "label": full.label,
        "fingerprint": schema.fingerprint,
        "meta_version": meta.version,
        "meta_fingerprint": meta.fingerprint,
        "version": GENERATOR_VERSION,
        "contract": CONTRACT_VERSION,
        "backends": tuple(c.name for c in classes),
        "for_dbms": "",
    }
    rts = [_rt_context(full, rt) for rt in full.record_types.values()]
    pts = [_pt_context(p) for p in full.path_types.values()]

    def header(**extra: Any) -> str:
        return env.get_template("header.j2").render({**base, **extra}).rstrip("\n")

    files: dict[str, str] = {}
    total = 5 + len(RT_ACTIONS) + len(PT_ACTIONS) + len(classes)
    what = f"generating {schema.name} v{schema.version}"

    def rendered(filename: str, text: str) -> None:
        files[filename] = text
        if progress is not None:
            progress(what, len(files), total)

    if progress is not None:
        progress(what, 0, total)
    shared = {
        **base,
        "header": header(),
        "rts": rts,
        "pts": pts,
        "plain": pprint.pformat(to_plain(full), width=110, sort_dicts=False),
        "modules": RT_ACTIONS + PT_ACTIONS,
        "sorted_modules": sorted(RT_ACTIONS + PT_ACTIONS),
        "rt_modules": RT_ACTIONS,
    }
    for filename, template in (
        ("__init__.py", "package.py.j2"),
        ("schema.py", "schema.py.j2"),
        ("checks.py", "checks.py.j2"),
        ("shapes.py", "shapes.py.j2"),
        ("router.py", "router.py.j2"),
    ):
        rendered(filename, _format(env.get_template(template).render(shared), template))
    for module in RT_ACTIONS + PT_ACTIONS:
        params, call, codes = _ACTION_SHAPES[module]
        per_rt = module in RT_ACTIONS
        action = Action[module.upper()]
        context = {
            **shared,
            "module": module,
            "title": action.name.replace("_", " "),
            "code": int(action),
            "codes": codes,
            "per_rt": per_rt,
            "params": params,
            "call": call,
            "elements": rts if per_rt else pts,
        }
        rendered(f"{module}.py", _format(env.get_template("action.py.j2").render(context), f"action.py.j2 ({module})"))
    for backend in classes:
        context = {**base, **_backend_context(full, backend, rts, pts)}
        context["header"] = header(for_dbms=f" for {backend.name}")
        text = env.get_template("backend.py.j2").render(context)
        rendered(f"{backend.name}.py", _format(text, f"backend.py.j2 ({backend.name})"))
    return dict(sorted(files.items()))


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


def write(files: Mapping[str, str], root: Path) -> list[str]:
    """Write the generated files under ``root`` (utf-8, ``\\n``); answer the paths that changed."""
    changed = []
    for rel, text in files.items():
        path = root / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        changed.append(rel)
    for rel in stale_files(files, root):
        (root / rel).unlink()
        changed.append(rel)
    return changed


def stale_files(files: Mapping[str, str], root: Path) -> list[str]:
    """Generated modules under ``root`` the generator does not produce any more."""
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.glob("*.py")):
        if path.name not in files and "DO NOT EDIT" in path.read_text(encoding="utf-8").split("\n", 1)[0]:
            out.append(path.name)
    return out


def diff(files: Mapping[str, str], root: Path, *, shown: str = "") -> str:
    """A unified diff between the files under ``root`` and what the templates produce now."""
    out: list[str] = []
    shown = shown or str(root)
    for rel, text in files.items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            out.extend(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{shown}/{rel} (on disk)",
                    tofile=f"{shown}/{rel} (generator)",
                )
            )
    for rel in stale_files(files, root):
        out.append(f"--- {shown}/{rel} is not produced by the generator any more\n")
    return "".join(out)
