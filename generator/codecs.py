"""Straight-line Python source for each record type's check (once per schema) and codecs (per DBMS).

``check_<rt>(article, mode, every)`` validates an article against the meta-database (11, 13):
the identifier first, then every item with an inline fast test written by
:func:`assurdb.metadb.values.fast_test`, falling back to :func:`~assurdb.metadb.values.check_value`
for anything unusual — the rules stay in one place, the common case costs a type test and a bound.

``encode_<rt>`` turns checked values into the table's row, ``ITEM_COLUMNS_<RT>`` a batch's
checked values of each item into that item's columns, ``decode_<rt>`` a fetched row back into an
article, ``decode_columns_<rt>`` a READ SELECTION's fetched columns into each item's values: a
repetitive item spreads over numbered columns and a decomposable item over prefixed ones in the
relational family (LIST and STRUCT in the columnar one); each scalar goes through the expressions
the backend class gives (decimals as scaled integers and dates as text on SQLite…).
"""

from __future__ import annotations

from assurdb.metadb.loader import snake
from assurdb.metadb.model import Item, PathType, RecordType
from assurdb.metadb.physical import Column, Table
from assurdb.metadb.values import fast_test
from assurdb.runtime.backends import Backend


def ident(name: str) -> str:
    """A Python identifier for a schema name (record types are CamelCase, items snake_case)."""
    return snake(name)


def _describe(item: Item) -> str:
    if item.decomposable:
        return item.shape
    text = item.shape
    flags = [f for f, on in (("identifying", item.identifying), ("mandatory", item.mandatory)) if on]
    if item.path:
        flags.append(f"path {item.path}")
    return text + (", " + ", ".join(flags) if flags else "")


def _problem(label: str, indent: str, message: str) -> list[str]:
    """Lines that refuse at once, or note the problem when every problem is wanted."""
    return [
        f"{indent}if not every:",
        f"{indent}    return Refusal(13, {label!r} + {message})",
        f"{indent}problems.append({message})",
    ]


def check_source(
    rt: RecordType, *, target_paths: list[PathType], fn: str | None = None, identifier: tuple[str, ...] | None = None
) -> str:
    """``check_<rt>(article, mode, every)``: the checked values, or 11 / 13 (every problem if ``every``)."""
    fn = fn or ident(rt.name)
    upper = fn.upper()
    label = f"{rt.name}: "
    ident_items = rt.identifier_items if identifier is None else identifier
    lines = [
        f"def check_{fn}(a: Mapping[str, Any], mode: int = FULL, every: bool = False) -> dict[str, Any] | Refusal:",
        f'    """Check a {rt.name} article (FULL: WRITE, PATCH: REWRITE, LOOKUP: keys and criteria)."""',
        f"    if not ITEMS_{upper}.issuperset(a):",
        f"        return _unknown({rt.name!r}, ITEMS_{upper}, a)",
    ]
    lines.append("    full = mode == FULL")
    if ident_items:
        # an identifier item with a default (a PRA's renewal_no) is filled in by WRITE
        tests = []
        for name in ident_items:
            if rt.items[name].default is None:
                tests.append(f"a.get({name!r}) is None")
            else:
                tests.append(f"a.get({name!r}, I_{upper}[{name!r}].default if full else None) is None")
        lines += [
            f"    if mode != LOOKUP and ({' or '.join(tests)}):",
            f"        return _missing({rt.name!r}, {tuple(ident_items)!r}, a, I_{upper} if full else None)",
        ]
    lines += [
        "    out: dict[str, Any] = {}",
        # the list is only appended to when every problem is wanted; otherwise the first refuses at once
        "    problems: list[str] = [] if every else _NO_PROBLEMS",
    ]
    for item in rt.items:
        name = item.name
        ref = f"I_{upper}[{name!r}]"
        default = "None" if item.default is None else f"{ref}.default"
        lines += [
            f"    # {name}: {_describe(item)}",
            f"    if {name!r} in a:",
            f"        v = a[{name!r}]",
            "    elif full:",
            f"        v = {default}",
            "    else:",
            "        v = _ABSENT",
            "    if v is None:",
        ]
        if item.repetitive:
            lines.append(f"        out[{name!r}] = [] if mode != LOOKUP else None")
        else:
            if item.mandatory and not item.identifying:
                lines.append("        if mode != LOOKUP:")
                lines += _problem(label, "            ", f'"item {name} is mandatory"')
            lines.append(f"        out[{name!r}] = None")
        lines.append("    elif v is not _ABSENT:")
        test = fast_test(item)
        body = "        "
        if test is not None:
            negated = _negated(test)
            lines.append(f"        if {negated}:")
            body = "            "
        elif item.repetitive:
            # no occurrence, the usual case of a read article given back (READ SEQUENTIAL's walk): a new
            # empty list, as the full rule answers, without calling it
            lines += ["        if type(v) is list and not v:", "            v = []", "        else:"]
            body = "            "
        lines += [
            f"{body}v, e = check_value({ref}, v)",
            f"{body}if e is not None:",
            *_problem(label, body + "    ", "e"),
            f"        out[{name!r}] = v",
        ]
    for clause, message in _all_or_none(target_paths):
        lines += [*clause, *_problem(label, "        ", repr(message))]
    lines += [
        "    if problems:",
        f'        return Refusal(13, {label!r} + "; ".join(problems))',
        "    return out",
    ]
    return "\n".join(lines)


def _negated(test: str) -> str:
    """The opposite of a :func:`fast_test` expression."""
    return test.replace(" is ", " is not ") if " and " not in test else f"not ({test})"


def _all_or_none(target_paths: list[PathType]) -> list[tuple[list[str], str]]:
    """For each path whose target items (two or more, not identifying) are given all together or not
    at all: the lines testing that some but not all are given, and the problem's message."""
    found = []
    for path in target_paths:
        items = path.target_items
        if len(items) < 2 or path.identifying:
            continue
        given = " + ".join(f"(out.get({i!r}) is not None)" for i in items)
        test = [
            f"    # path {path.name}: its items are given all together or not at all",
            f"    if 0 < {given} < {len(items)}:",
        ]
        found.append((test, f"give all of path {path.name}'s items ({', '.join(items)}) or none"))
    return found


def lookup_source(rt: RecordType, *, target_paths: list[PathType]) -> str:
    """``lookup_<rt>(article)``: what ``check_<rt>(article, LOOKUP, False)`` answers, written for that
    mode alone — the check of every key value READ DIRECT and READ SEQUENTIAL are given (a walk gives
    back the whole article it read). Only the items given are checked, in the record type's order, and
    the first problem refuses: the same tests, without the tests of the mode, of defaults and of the
    mandatory items a lookup never needs."""
    fn = ident(rt.name)
    upper = fn.upper()
    label = f"{rt.name}: "
    lines = [
        f"def lookup_{fn}(a: Mapping[str, Any]) -> dict[str, Any] | Refusal:",
        f'    """``check_{fn}(a, LOOKUP, False)``: a {rt.name} key value or criterion."""',
        f"    if not ITEMS_{upper}.issuperset(a):",
        f"        return _unknown({rt.name!r}, ITEMS_{upper}, a)",
        "    out: dict[str, Any] = {}",
    ]
    for item in rt.items:
        name = item.name
        ref = f"I_{upper}[{name!r}]"
        test = fast_test(item)
        lines += [f"    if {name!r} in a:", f"        v = a[{name!r}]"]
        full_rule = [
            f"v, e = check_value({ref}, v)",
            "if e is not None:",
            f"    return Refusal(13, {label!r} + e)",
        ]
        if test is not None:
            negated = _negated(test)
            lines.append(f"        if v is not None and {negated}:")
            lines += [f"            {line}" for line in full_rule]
        elif item.repetitive:
            # no occurrence (a read article given back): a new empty list, as the full rule answers
            lines += [
                "        if v is not None:",
                "            if type(v) is list and not v:",
                "                v = []",
                "            else:",
                *[f"                {line}" for line in full_rule],
            ]
        else:
            lines.append("        if v is not None:")
            lines += [f"            {line}" for line in full_rule]
        lines.append(f"        out[{name!r}] = v")
    for clause, message in _all_or_none(target_paths):
        lines += [*clause, f"        return Refusal(13, {label!r} + {message!r})"]
    lines.append("    return out")
    return "\n".join(lines)


def _value_expr(backend: type[Backend], item: Item, column: Column, var: str) -> str:
    """The expression turning the item's checked value ``var`` into this column's parameter."""
    if column.kind == "list":
        return f"_list_or_none({var})"
    if column.kind == "struct":
        return f"_struct_or_none({var})"
    if column.sub is not None:
        return backend.encode_expr(item.sub_items[column.sub], f"_sub({var}, {column.sub!r})")
    if column.occurrence is not None:
        return backend.encode_expr(item, f"_nth({var}, {column.occurrence - 1})")
    return backend.encode_expr(item, var)


def encode_source(backend: type[Backend], rt: RecordType, table: Table) -> str:
    """``encode_<rt>(values)`` → the insert tuple, in the table's column order."""
    fn = ident(rt.name)
    parts = [_value_expr(backend, rt.items[c.item], c, f"v[{c.item!r}]") for c in table.columns]
    body = ",\n        ".join(parts)
    return "\n".join(
        [
            f"def encode_{fn}(v: Mapping[str, Any]) -> tuple[Any, ...]:",
            f'    """Checked {rt.name} values → the row of table {table.name}."""',
            f"    return (\n        {body},\n    )",
        ]
    )


def item_columns_source(backend: type[Backend], rt: RecordType, table: Table) -> str:
    """``ITEM_COLUMNS_<RT>``: per item, its columns and how a batch's checked values of the item
    become their values (``None``: one column taking the values as they are)."""
    fn = ident(rt.name)
    functions: list[str] = []
    entries: list[str] = []
    for item in rt.items:
        cols = [c for c in table.columns if c.item == item.name]
        exprs = [_value_expr(backend, item, c, "x") for c in cols]
        names = "(" + "".join(f"{c.name!r}, " for c in cols) + ")"
        if len(cols) == 1 and exprs[0] == "x":
            entries.append(f"    {item.name!r}: ({names}, None),")
            continue
        helper = f"_cols_{fn}_{item.name}"
        lines = [
            f"def {helper}(c: list[Any]) -> list[list[Any]]:",
            f'    """A batch\'s values of {rt.name}.{item.name} → its columns."""',
        ]
        if item.decomposable and cols[0].kind == "struct":
            lines.append("    return [_structs_of(c)]")
        elif item.decomposable:  # the checked batch hands each sub-item's values over (StructColumn)
            lines.append(f"    p = _parts_of(c, {_sub_names(item)})")
            spread = []
            for n, col in enumerate(cols):
                expr = backend.encode_expr(item.sub_items[str(col.sub)], "x")
                spread.append(f"p[{n}]" if expr == "x" else f"[{expr} for x in p[{n}]]")
            lines.append(f"    return [{', '.join(spread)}]")
        elif item.repetitive and cols[0].occurrence is not None:  # one column per occurrence
            lines.append(f"    p = _occurrences_of(c, {len(cols)})")
            spread = []
            expr = backend.encode_expr(item, "x")
            for n in range(len(cols)):
                spread.append(f"p[{n}]" if expr == "x" else f"[{expr} for x in p[{n}]]")
            lines.append(f"    return [{', '.join(spread)}]")
        elif len(cols) == 1 and exprs[0] == backend.encode_expr(item, "x"):  # a simple item's one column
            lines.append(f"    return [{backend.encode_column_expr(item, 'c')}]")
        else:
            lines.append(f"    return [{', '.join(f'[{e} for x in c]' for e in exprs)}]")
        functions.append("\n".join(lines))
        entries.append(f"    {item.name!r}: ({names}, {helper}),")
    mapping = "\n".join([f"ITEM_COLUMNS_{fn.upper()}: dict[str, tuple[tuple[str, ...], Any]] = {{", *entries, "}"])
    return "\n\n\n".join([*functions, mapping])


def decode_source(backend: type[Backend], rt: RecordType, table: Table, *, name: str | None = None) -> str:
    """``decode_<rt>(row)`` → the article."""
    fn = name or f"decode_{ident(rt.name)}"
    index = {c.name: n for n, c in enumerate(table.columns)}
    dec = backend.decode_expr
    parts: list[str] = []
    for item in rt.items:
        cols = [c for c in table.columns if c.item == item.name]
        if item.decomposable:
            if cols[0].kind == "struct":
                parts.append(f"{item.name!r}: _struct_in(r[{index[cols[0].name]}], {_sub_names(item)})")
            else:
                # written out (no call): absent when every column is null, as _struct_of decides
                empty = " and ".join(f"r[{index[c.name]}] is None" for c in cols)
                subs = ", ".join(
                    f"{str(c.sub)!r}: {dec(item.sub_items[str(c.sub)], f'r[{index[c.name]}]')}" for c in cols
                )
                parts.append(f"{item.name!r}: None if {empty} else {{{subs}}}")
        elif item.repetitive:
            if cols[0].kind == "list":
                each = dec(item, "x")
                conv = "" if each == "x" else f", lambda x: {each}"
                parts.append(f"{item.name!r}: _list_in(r[{index[cols[0].name]}]{conv})")
            else:
                # no occurrence (the usual case) answered without the call; a decoder keeps null null
                occ = ", ".join(dec(item, f"r[{index[c.name]}]") for c in cols)
                empty = " and ".join(f"r[{index[c.name]}] is None" for c in cols)
                parts.append(f"{item.name!r}: [] if {empty} else _occurrences(({occ},))")
        else:
            var = f"r[{index[cols[0].name]}]"
            value = dec(item, var)
            # a decoder keeps null null: a null column (frequent) is answered without its call
            parts.append(
                f"{item.name!r}: {value}" if value == var else f"{item.name!r}: None if {var} is None else {value}"
            )
    body = ",\n        ".join(parts)
    return "\n".join(
        [
            f"def {fn}(r: Any) -> dict[str, Any]:",
            f'    """A row of table {table.name} → a {rt.name} article."""',
            f"    return {{\n        {body},\n    }}",
        ]
    )


def decode_columns_source(backend: type[Backend], rt: RecordType, table: Table) -> str:
    """``decode_columns_<rt>(c)`` → per item, its values: ``c`` holds the fetched rows' columns, in
    the table's order. READ SELECTION builds its frame column by column: a simple item's column is
    decoded at once (:meth:`~assurdb.runtime.backends.base.Backend.decode_column_expr`), a repetitive
    or decomposable item's value by value from its columns, as :func:`decode_source` does a row's."""
    fn = ident(rt.name)
    index = {c.name: n for n, c in enumerate(table.columns)}
    dec = backend.decode_expr
    parts: list[str] = []
    for item in rt.items:
        cols = [c for c in table.columns if c.item == item.name]
        first = f"c[{index[cols[0].name]}]"
        if item.decomposable and cols[0].kind == "struct":
            parts.append(f"{item.name!r}: [_struct_in(x, {_sub_names(item)}) for x in {first}]")
        elif item.repetitive and cols[0].kind == "list":
            each = dec(item, "x")
            conv = "" if each == "x" else f", lambda x: {each}"
            parts.append(f"{item.name!r}: [_list_in(x{conv}) for x in {first}]")
        elif item.decomposable or item.repetitive:  # spread over columns: each row's x0, x1… of them
            names = [f"x{n}" for n in range(len(cols))]
            spread = ", ".join(f"c[{index[c.name]}]" for c in cols)
            if item.decomposable:
                empty = " and ".join(f"{x} is None" for x in names)
                subs = ", ".join(
                    f"{str(c.sub)!r}: {dec(item.sub_items[str(c.sub)], x)}" for c, x in zip(cols, names, strict=True)
                )
                value = f"None if {empty} else {{{subs}}}"
            else:
                value = f"_occurrences(({', '.join(dec(item, x) for x in names)},))"
            rows = f"{names[0]} in {spread}" if len(cols) == 1 else f"{', '.join(names)} in zip({spread}, strict=True)"
            parts.append(f"{item.name!r}: [{value} for {rows}]")
        else:
            parts.append(f"{item.name!r}: {backend.decode_column_expr(item, first)}")
    body = ",\n        ".join(parts)
    return "\n".join(
        [
            f"def decode_columns_{fn}(c: Sequence[Any]) -> dict[str, Any]:",
            f'    """The fetched columns of table {table.name} → each {rt.name} item\'s values (READ SELECTION)."""',
            f"    return {{\n        {body},\n    }}",
        ]
    )


def _sub_names(item: Item) -> str:
    return "(" + "".join(f"{s.name!r}, " for s in item.sub_items) + ")"


def value_encoders(backend: type[Backend], rt: RecordType) -> dict[str, str]:
    """Per scalar item, the callable encoding one key value (only where one is needed)."""
    out: dict[str, str] = {}
    for item in rt.items:
        if item.repetitive or item.decomposable:
            continue
        converter = backend.value_converter(item)
        if converter is not None:
            out[item.name] = converter
    return out
