"""The small expression language of migration data steps: a value computed from an article's items.

An item's ``migrate: {compute: EXPR}`` gives, for each existing article, the item's value in the
new version from the article's other items. ``EXPR`` is written like a Python expression, with:

* item names (the article's items under their names in the new version; an item the new version
  drops or renames is also there under its old name), sub-items as ``address.city``;
* literals: numbers (exact decimals: ``0.05`` is ``Decimal("0.05")``), ``'text'``, ``true``,
  ``false``, ``null`` (or Python's ``True``, ``False``, ``None``), dates as ``date(2024, 1, 31)``;
* ``+ - * / // %``, comparisons, ``and``, ``or``, ``not``, ``X if C else Y``; ``+`` joins texts;
* functions: ``upper lower trim substr(text, start, length) len concat(a, b, …) coalesce(a, b, …)
  round(x, digits) abs min max int decimal text date year month day``.

Anything else — attribute access, subscripts, lambdas, comprehensions, other names of functions —
is refused when the schema file is loaded, with the reason. An operation on a null gives null
(``coalesce`` chooses), so an expression never fails on an empty item; any other failure (a text
that is not a number given to ``int``) names the expression and the article.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

#: Names of constants the language knows (besides item names).
CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def _int(value: Any) -> int:
    number = _decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def _substr(text: Any, start: Any, length: Any = None) -> str:
    s, begin = _text(text), int(start) - 1  # 1-based, as in SQL
    return s[begin:] if length is None else s[begin : begin + int(length)]


def _round(value: Any, digits: Any = 0) -> Decimal:
    return _decimal(value).quantize(Decimal(1).scaleb(-int(digits)))


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


#: The functions of the language; ``coalesce`` alone sees nulls (the others give null for null).
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "upper": lambda s: _text(s).upper(),
    "lower": lambda s: _text(s).lower(),
    "trim": lambda s: _text(s).strip(),
    "substr": _substr,
    "len": lambda s: len(_text(s)),
    "concat": lambda *parts: "".join(_text(p) for p in parts),
    "coalesce": _coalesce,
    "round": _round,
    "abs": abs,
    "min": min,
    "max": max,
    "int": _int,
    "decimal": _decimal,
    "text": _text,
    "date": lambda y, m, d: date(int(y), int(m), int(d)),
    "year": lambda d: d.year,
    "month": lambda d: d.month,
    "day": lambda d: d.day,
}
_NULL_SEEING = {"coalesce", "concat"}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExpressionError(ValueError):
    """An expression the language refuses, or one that failed on an article."""


def _name(node: ast.expr) -> str | None:
    """``a`` or ``a.b`` (an item or a sub-item) as a name."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _check(node: ast.AST, text: str) -> None:
    """Refuse anything outside the language (raises ExpressionError naming it)."""
    if isinstance(node, ast.Expression):
        _check(node.body, text)
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool) and node.value is not None:
            raise ExpressionError(f"{text!r}: constant {node.value!r} is not a number, a text or null")
    elif isinstance(node, ast.Name | ast.Attribute):
        if _name(node) is None:
            raise ExpressionError(f"{text!r}: only item names and sub-items (item.sub) may be named")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"{text!r}: operator {type(node.op).__name__} is not in the language")
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            raise ExpressionError(f"{text!r}: operator {type(node.op).__name__} is not in the language")
        _check(node.operand, text)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, text)
    elif isinstance(node, ast.Compare):
        if any(type(op) not in _COMPARE for op in node.ops):
            raise ExpressionError(f"{text!r}: only ==, !=, <, <=, >, >= compare")
        for part in (node.left, *node.comparators):
            _check(part, text)
    elif isinstance(node, ast.IfExp):
        for part in (node.test, node.body, node.orelse):
            _check(part, text)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"{text!r}: a call names one of the functions ({known}), with positional arguments")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError(f"{text!r}: no *arguments")
            _check(arg, text)
    else:
        raise ExpressionError(f"{text!r}: {type(node).__name__} is not in the language")


class Expression:
    """A parsed, checked expression; ``names`` are the items it reads."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ExpressionError("an expression is a non-empty text")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"{text!r}: not an expression ({exc.msg})") from None
        _check(tree, text)
        self.text = text.strip()
        self.tree = tree
        functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        self.names = frozenset(
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and id(node) not in functions and node.id not in CONSTANTS
        )

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, article: Mapping[str, Any]) -> Any:
        """The value for one article (item name → value)."""
        try:
            return _eval(self.tree.body, article)
        except ExpressionError:
            raise
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ExpressionError(f"{self.text!r} failed on {dict(article)!r}: {exc}") from None


def _eval(node: ast.expr, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        return Decimal(repr(value)) if isinstance(value, float) else value
    name = _name(node)
    if name is not None:
        if name in CONSTANTS:
            return CONSTANTS[name]
        if "." in name:
            whole, sub = name.split(".", 1)
            if whole not in env:
                raise ExpressionError(f"no item {whole!r}")
            value = env[whole]
            return None if value is None else value.get(sub)
        if name not in env:
            raise ExpressionError(f"no item {name!r}")
        return env[name]
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add) and (isinstance(left, str) or isinstance(right, str)):
            return _text(left) + _text(right)
        if isinstance(left, int | Decimal) and isinstance(right, int | Decimal) and isinstance(node.op, ast.Div):
            return _decimal(left) / _decimal(right)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return None if value is None else not value
        if value is None:
            return None
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, env) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, env)
            if left is None or right is None:
                return None
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body, env) if _eval(node.test, env) else _eval(node.orelse, env)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_eval(a, env) for a in node.args]
    if node.func.id not in _NULL_SEEING and any(a is None for a in args):
        return None
    return FUNCTIONS[node.func.id](*args)
