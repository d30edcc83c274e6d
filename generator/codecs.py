"""Straight-line Python source for each record type's codecs, per DBMS.

``check_<rt>`` validates an article against the meta-database (11, 13) with an inline fast
path per item (``type(v) is int`` and a bound, ``type(v) is str`` and a length…) and falls
back to :func:`metadb.values.check_value` for anything unusual, so that WRITE BATCH stays near
the raw driver's speed (issue 3, benchmark target). ``encode_<rt>`` turns checked values into
the table's column tuple (repetitive items spread over numbered columns and decomposable
items over prefixed ones on relational DBMSs; LIST and STRUCT on DuckDB; decimals as scaled
integers and dates as ISO text on SQLite); ``decode_<rt>`` is its inverse on a fetched row.
"""

from __future__ import annotations

from assurdb.generator.sqlmodel import DBMS
from assurdb.metadb.model import Item, PathType, RecordType
from assurdb.metadb.physical import Table


def ident(name: str) -> str:
    """A Python identifier for a schema name (record types are CamelCase, items snake_case)."""
    from assurdb.metadb.loader import snake

    return snake(name)


def _scalar_encoder(item: Item, dbms: DBMS, expr: str) -> str:
    if dbms == "sqlite":
        if item.type == "decimal":
            return f"_d2i({expr}, {item.scale})"
        if item.type == "date":
            return f"_iso({expr})"
    return expr


def _scalar_decoder(item: Item, dbms: DBMS, expr: str) -> str:
    if item.type == "decimal" and dbms == "sqlite":
        return f"_i2d({expr}, {item.scale})"
    if item.type == "date" and dbms == "sqlite":
        return f"_date({expr})"
    if item.type == "boolean" and dbms in ("sqlite", "mariadb"):
        return f"_bool({expr})"
    return expr


def _fast_test(item: Item) -> str | None:
    """An inline test that accepts the common valid values of a simple item (None: always slow)."""
    if item.repetitive or item.decomposable:
        return None
    if item.type == "numeric":
        bound = 10 ** (item.length or 18)
        return f"type(v) is int and -{bound} < v < {bound}"
    if item.type == "alphanumeric":
        return f'type(v) is str and len(v) <= {item.length} and v.isascii() and "\\x00" not in v'
    if item.type == "boolean":
        return "type(v) is bool"
    if item.type == "date":
        return "type(v) is date"
    return None


def check_source(rt: RecordType, *, target_paths: list[PathType], fn: str | None = None) -> str:
    """``check_<rt>(article, mode)``: 11/13 refusals or the checked values."""
    fn = fn or ident(rt.name)
    lines = [
        f"def check_{fn}(a: Mapping[str, Any], mode: int) -> dict[str, Any] | Refusal:",
        f'    """Check a {rt.name} article against the meta-database (FULL: WRITE, PATCH: REWRITE, LOOKUP: keys)."""',
        f"    if not ITEMS_{fn.upper()}.issuperset(a):",
        f"        return _unknown({rt.name!r}, ITEMS_{fn.upper()}, a)",
        "    out: dict[str, Any] = {}",
        "    full = mode == FULL",
    ]
    for item in rt.items:
        name = item.name
        ref = f"I_{fn.upper()}[{name!r}]"
        lines.append(f"    # {name}: {_describe(item)}")
        default = "None" if item.default is None else f"{ref}.default"
        lines.append(f"    if {name!r} in a:")
        lines.append(f"        v = a[{name!r}]")
        lines.append("    elif full:")
        lines.append(f"        v = {default}")
        lines.append("    else:")
        if item.identifying:
            lines.append("        v = None")
            lines.append("        if mode == PATCH:")
            lines.append(f'            return Refusal(11, "{rt.name}: identifier item {name} is missing")')
        else:
            lines.append("        v = _ABSENT")
        lines.append("    if v is None:")
        if item.repetitive:
            lines.append(f"        out[{name!r}] = [] if mode != LOOKUP else None")
            lines.append("    elif v is not _ABSENT:")
            lines.append(f"        v, e = check_value({ref}, v)")
            lines.append("        if e is not None:")
            lines.append(f'            return Refusal(13, "{rt.name}: " + e)')
            lines.append(f"        out[{name!r}] = v")
            continue
        if item.identifying:
            lines.append("        if mode != LOOKUP:")
            lines.append(f'            return Refusal(11, "{rt.name}: identifier item {name} is missing")')
        elif item.mandatory:
            lines.append("        if mode != LOOKUP:")
            lines.append(f'            return Refusal(13, "{rt.name}: item {name} is mandatory")')
        lines.append(f"        out[{name!r}] = None")
        lines.append("    elif v is not _ABSENT:")
        test = _fast_test(item)
        if test is not None:
            negated = test.replace(" is ", " is not ") if " and " not in test else f"not ({test})"
            lines.append(f"        if {negated}:")
            lines.append(f"            v, e = check_value({ref}, v)")
            lines.append("            if e is not None:")
            lines.append(f'                return Refusal(13, "{rt.name}: " + e)')
        else:
            lines.append(f"        v, e = check_value({ref}, v)")
            lines.append("        if e is not None:")
            lines.append(f'            return Refusal(13, "{rt.name}: " + e)')
        lines.append(f"        out[{name!r}] = v")
    for path in target_paths:
        items = path.target_items
        if len(items) < 2 or path.identifying:
            continue
        given = " + ".join(f"(out.get({i!r}) is not None)" for i in items)
        lines.append(f"    # path {path.name}: its items are given all together or not at all")
        lines.append(f"    n = {given}")
        lines.append(f"    if 0 < n < {len(items)}:")
        message = f"{rt.name}: give all of path {path.name}'s items ({', '.join(items)}) or none"
        lines.append(f"        return Refusal(13, {message!r})")
    lines.append("    return out")
    return "\n".join(lines)


def _describe(item: Item) -> str:
    if item.decomposable:
        return "decomposable (" + ", ".join(s.name for s in item.sub_items) + ")"
    text = str(item.type)
    if item.length:
        text += f"({item.length}" + (f",{item.scale}" if item.type == "decimal" else "") + ")"
    if item.repetitive:
        text += f" × {item.repetitive}"
    flags = [f for f, on in (("identifying", item.identifying), ("mandatory", item.mandatory)) if on]
    if item.path:
        flags.append(f"path {item.path}")
    return text + (", " + ", ".join(flags) if flags else "")


def encode_source(rt: RecordType, table: Table, dbms: DBMS) -> str:
    """``encode_<rt>(values)`` → the insert tuple, in the table's column order."""
    fn = ident(rt.name)
    parts: list[str] = []
    for column in table.columns:
        item = rt.items[column.item]
        v = f"v[{item.name!r}]"
        if column.kind == "list":
            parts.append(f"_list_or_none({v})")
        elif column.kind == "struct":
            parts.append(f"_struct_or_none({v})")
        elif column.sub is not None:
            sub = item.sub_items[column.sub]
            parts.append(_scalar_encoder(sub, dbms, f"_sub({v}, {column.sub!r})"))
        elif column.occurrence is not None:
            parts.append(_scalar_encoder(item, dbms, f"_nth({v}, {column.occurrence - 1})"))
        else:
            parts.append(_scalar_encoder(item, dbms, v))
    body = ",\n        ".join(parts)
    return "\n".join(
        [
            f"def encode_{fn}(v: Mapping[str, Any]) -> tuple[Any, ...]:",
            f'    """Checked {rt.name} values → the row of table {table.name}."""',
            f"    return (\n        {body},\n    )",
        ]
    )


def decode_source(rt: RecordType, table: Table, dbms: DBMS, *, name: str | None = None, offset: int = 0) -> str:
    """``decode_<rt>(row)`` → the article."""
    fn = name or f"decode_{ident(rt.name)}"
    index = {c.name: offset + n for n, c in enumerate(table.columns)}
    parts: list[str] = []
    for item in rt.items:
        cols = [c for c in table.columns if c.item == item.name]
        if item.decomposable:
            if cols[0].kind == "struct":
                parts.append(f"{item.name!r}: _struct_in(r[{index[cols[0].name]}], {_sub_names(item)})")
            else:
                subs = ", ".join(_scalar_decoder(item.sub_items[str(c.sub)], dbms, f"r[{index[c.name]}]") for c in cols)
                parts.append(f"{item.name!r}: _struct_of({_sub_names(item)}, ({subs},))")
        elif item.repetitive:
            if cols[0].kind == "list":
                dec = _scalar_decoder(item, dbms, "x")
                conv = "" if dec == "x" else f", lambda x: {dec}"
                parts.append(f"{item.name!r}: _list_in(r[{index[cols[0].name]}]{conv})")
            else:
                occ = ", ".join(_scalar_decoder(item, dbms, f"r[{index[c.name]}]") for c in cols)
                parts.append(f"{item.name!r}: _occurrences(({occ},))")
        else:
            parts.append(f"{item.name!r}: {_scalar_decoder(item, dbms, f'r[{index[cols[0].name]}]')}")
    body = ",\n        ".join(parts)
    return "\n".join(
        [
            f"def {fn}(r: Any) -> dict[str, Any]:",
            f'    """A row of table {table.name} → a {rt.name} article."""',
            f"    return {{\n        {body},\n    }}",
        ]
    )


def _sub_names(item: Item) -> str:
    return "(" + "".join(f"{s.name!r}, " for s in item.sub_items) + ")"


def value_encoders(rt: RecordType, dbms: DBMS) -> dict[str, str]:
    """Per scalar key item, the expression encoding one value (identity when none is needed)."""
    out: dict[str, str] = {}
    for item in rt.items:
        if item.repetitive or item.decomposable:
            continue
        if dbms == "sqlite" and item.type == "decimal":
            out[item.name] = f"partial(_d2i, scale={item.scale})"
        elif dbms == "sqlite" and item.type == "date":
            out[item.name] = "_iso"
    return out
