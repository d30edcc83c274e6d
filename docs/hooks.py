"""MkDocs hook: the contract's tables, written from ``metadb/contract.py`` at every build.

A page asks for a table with a marker on a line of its own — ``<!-- contract: actions -->``,
``return-codes``, ``open-db-codes``, ``modes``, ``domain-codes``, ``types`` or ``version`` — and the hook puts the
table there. Descriptions are the ``#:`` comments above each member in ``metadb/contract.py``
(the code's own documentation), inputs the signatures of the :class:`Session` methods, so the site
cannot say something the contract does not. A marker the hook does not know, or a member without
its ``#:`` comment, fails the build.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from types import ModuleType
from typing import Any

from assurdb.domain import results
from assurdb.domain.constraints.codes import Constraint
from assurdb.metadb import contract

MARKER = re.compile(r"^<!-- contract: ([a-z-]+) -->$", re.MULTILINE)
#: A Sphinx role as mkdocstrings leaves it in the page: ``:class:<code>~pkg.mod.Name</code>``.
ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):<code>~?([^<]*)</code>")


def _comments(source: str) -> dict[str, str]:
    """``#:`` comments by the name they document: ``Class.MEMBER`` in a class, ``NAME`` at module level."""
    lines = source.splitlines()
    found: dict[str, str] = {}

    def above(lineno: int) -> str:
        text: list[str] = []
        i = lineno - 2
        while i >= 0 and lines[i].strip().startswith("#:"):
            text.insert(0, lines[i].strip()[2:].strip())
            i -= 1
        return " ".join(text)

    def names(node: ast.stmt) -> list[str]:
        if isinstance(node, ast.Assign):
            return [t.id for t in node.targets if isinstance(t, ast.Name)]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            return [node.target.id]
        return []

    tree = ast.parse(source)
    for node in tree.body:
        for name in names(node):
            found[name] = above(node.lineno)
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                for name in names(member):
                    found[f"{node.name}.{name}"] = above(member.lineno)
    return found


def _module_comments(module: ModuleType) -> dict[str, str]:
    return _comments(Path(inspect.getfile(module)).read_text(encoding="utf-8"))


COMMENTS = _module_comments(contract)


def _described(enum: type[IntEnum], member: IntEnum, comments: dict[str, str] = COMMENTS) -> str:
    text = comments.get(f"{enum.__name__}.{member.name}", "")
    if not text:
        raise ValueError(f"{enum.__module__}: {enum.__name__}.{member.name} has no #: comment to document it")
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _words(member: IntEnum) -> str:
    return member.name.replace("_", " ")


def _inputs(action: contract.Action) -> str:
    """The Session method's parameters after ``self``, positional first, as the table shows them."""
    parameters = list(inspect.signature(getattr(contract.Session, action.method)).parameters.values())[1:]
    shown = []
    for p in parameters:
        text = f"`{p.name}: {p.annotation}`"
        if p.default is not inspect.Parameter.empty:
            text = f"`{p.name}: {p.annotation} = {p.default!r}`"
        if p.kind is inspect.Parameter.KEYWORD_ONLY:
            text += " (keyword)"
        shown.append(text)
    return "<br>".join(shown) if shown else "—"


def actions() -> str:
    rows = ["| code | action | `Session` method and its inputs | what it does |", "|---:|---|---|---|"]
    for action in contract.Action:
        rows.append(
            f"| {int(action)} | {_words(action)} | `{action.method}`<br>{_inputs(action)} "
            f"| {_cell(_described(contract.Action, action))} |"
        )
    return "\n".join(rows)


def return_codes() -> str:
    rows = ["| code | `RC` member | meaning |", "|---:|---|---|"]
    for rc in contract.RC:
        rows.append(f"| {int(rc)} | `RC.{rc.name}` | {_cell(_described(contract.RC, rc))} |")
    return "\n".join(rows)


def open_db_codes() -> str:
    rows = ["| code | for entry *i* = 1, 2, 3 | `str(reply)` reads |", "|---|---|---|"]
    for label, base, step in (("10·i", 0, 10), ("500+i", 500, 1), ("600+i", 600, 1)):
        codes = [base + step * i for i in (1, 2, 3)]
        rows.append(f"| {label} | {', '.join(map(str, codes))} | {_cell(contract.explain(codes[1]))} (i = 2) |")
    return "\n".join(rows)


def modes() -> str:
    members = list(contract.Mode)
    head = "| mode | meaning | " + " | ".join(f"elsewhere {int(m)}" for m in members) + " |"
    rows = [head, "|---:|---|" + "---|" * len(members)]
    for mode in members:
        compat = " | ".join("yes" if mode.compatible_with(other) else "no" for other in members)
        rows.append(f"| {int(mode)} `Mode.{mode.name}` | {_cell(_described(contract.Mode, mode))} | {compat} |")
    return "\n".join(rows)


def domain_codes() -> str:
    """The domain layer's own refusals: integrity constraint *n* answers 1000 + *n*; then DomainRC."""
    rows = ["| code | name | meaning |", "|---:|---|---|"]
    for constraint in Constraint:
        what = f"integrity constraint {int(constraint)} ({_words(constraint).lower()}) refused"
        rows.append(f"| {constraint.rc} | `Constraint.{constraint.name}` | {what} |")
    comments = _module_comments(results)
    for rc in results.DomainRC:
        rows.append(f"| {int(rc)} | `DomainRC.{rc.name}` | {_cell(_described(results.DomainRC, rc, comments))} |")
    return "\n".join(rows)


TYPES = ("Scalar", "Value", "Article", "Given", "Purpose", "Opening", "Criteria")


def types() -> str:
    rows = ["| name | what it is |", "|---|---|"]
    for name in TYPES:
        text = COMMENTS.get(name, "")
        if not text:
            raise ValueError(f"metadb/contract.py: {name} has no #: comment to document it")
        rows.append(f"| `{name}` | {_cell(text)} |")
    return "\n".join(rows)


def version() -> str:
    return f"This is version **{contract.CONTRACT_VERSION}** of the contract (`CONTRACT_VERSION`)."


TABLES: dict[str, Callable[[], str]] = {
    "actions": actions,
    "return-codes": return_codes,
    "open-db-codes": open_db_codes,
    "modes": modes,
    "domain-codes": domain_codes,
    "types": types,
    "version": version,
}


def render(markdown: str) -> str:
    """``markdown`` with every contract marker replaced by its table."""

    def table(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in TABLES:
            raise ValueError(f"unknown contract table {name!r}; known: {', '.join(TABLES)}")
        return TABLES[name]()

    return MARKER.sub(table, markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    return render(markdown)


def _role(match: re.Match[str]) -> str:
    name = match.group(1)
    shown = name.rsplit(".", 1)[-1] if match.group(0).count("~") else name
    return f"<code>{shown}</code>"


def on_page_content(html: str, **_: Any) -> str:
    """The docstrings' Sphinx roles (``:class:`Reply```) shown as the code they name."""
    return ROLE.sub(_role, html)
