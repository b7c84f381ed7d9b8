"""Klaviyo ``filter`` query parameter: parser, per-endpoint allow-list check and evaluator.

Grammar (what Klaviyo documents): ``op(field,value)`` conditions joined by ``and(...)`` or top-level commas.
Values are quoted strings (``'x'`` or ``"x"``), unquoted ISO datetimes, numbers, ``true``/``false``, ``null``
or lists ``["a","b"]``; ``has(field)`` takes no value.

Each endpoint declares its allowed fields with :func:`rule`, mirroring the spec's ``x-klaviyo-filters``.

Example:
    >>> allowed = {"email": rule("any equals"), "created": rule("greater-than", "datetime")}
    >>> conds = parse("and(equals(email,'a@b.com'),greater-than(created,2024-01-01T00:00:00Z))", allowed)
    >>> matches(conds, {"email": "a@b.com", "created": "2024-05-01T00:00:00+00:00"})
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import ApiError
from .ids import parse_datetime

OPERATORS = frozenset(
    "equals any contains contains-any contains-all starts-with ends-with greater-than greater-or-equal less-than "
    "less-or-equal has".split()
)


@dataclass(frozen=True)
class Rule:
    """Operators allowed on one filter field and the type of its value.

    Example:
        >>> rule("equals any").ops == frozenset({"equals", "any"})
        True
    """

    ops: frozenset[str]
    kind: str = "string"  # string | datetime | number | boolean | none


def rule(ops: str, kind: str = "string") -> Rule:
    """Build a :class:`Rule` from a space-separated operator list.

    Example:
        >>> rule("has", "none").kind
        'none'
    """
    return Rule(frozenset(ops.split()), kind)


@dataclass(frozen=True)
class Condition:
    """One parsed ``op(field,value)`` condition.

    Example:
        >>> Condition("equals", "name", "x").field
        'name'
    """

    op: str
    field: str
    value: Any = None


def _bad(detail: str) -> ApiError:
    return ApiError(400, "invalid", detail, parameter="filter")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise _bad(f"Invalid filter: expected '{char}' at position {self.pos}.")
        self.pos += 1

    def word(self) -> str:
        self.skip_ws()
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "-_.$"):
            self.pos += 1
        return self.text[start : self.pos]

    def expression_list(self) -> list[tuple[str, str, Any, bool]]:
        items = [self.term()]
        while self.peek() == ",":
            self.pos += 1
            items.append(self.term())
        return [c for group in items for c in group]

    def term(self) -> list[tuple[str, str, Any, bool]]:
        op = self.word()
        if not op:
            raise _bad(f"Invalid filter: expected an operator at position {self.pos}.")
        self.expect("(")
        if op == "and":
            conds = self.expression_list()
            self.expect(")")
            return conds
        if op not in OPERATORS:
            raise _bad(f"Invalid filter: unknown operator '{op}'.")
        field = self.word()
        if not field:
            raise _bad(f"Invalid filter: expected a field name after '{op}('.")
        if op == "has":
            self.expect(")")
            return [(op, field, None, False)]
        self.expect(",")
        value, quoted = self.value()
        self.expect(")")
        return [(op, field, value, quoted)]

    def value(self) -> tuple[Any, bool]:
        char = self.peek()
        if char in ("'", '"'):
            return self.quoted(char), True
        if char == "[":
            self.pos += 1
            values: list[Any] = []
            if self.peek() != "]":
                values.append(self.value()[0])
                while self.peek() == ",":
                    self.pos += 1
                    values.append(self.value()[0])
            self.expect("]")
            return values, False
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",)]":
            self.pos += 1
        return self.bare(self.text[start : self.pos].strip()), False

    def quoted(self, quote: str) -> str:
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise _bad("Invalid filter: unterminated string.")

    @staticmethod
    def bare(token: str) -> Any:
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        try:
            return int(token)
        except ValueError:
            pass
        try:
            return float(token)
        except ValueError:
            pass
        dt = parse_datetime(token)
        if dt is not None and len(token) >= 10:
            return dt
        raise _bad(f"Invalid filter value '{token}': strings must be quoted.")


def parse(text: str, allowed: dict[str, Rule]) -> list[Condition]:
    """Parse a filter string and check every condition against the endpoint's allow-list.

    Raises a 400 error with ``source.parameter = "filter"`` for syntax errors, unknown fields or operators and
    values of the wrong type.

    Example:
        >>> parse("equals(name,'x'),any(id,['a','b'])", {"name": rule("equals"), "id": rule("any")})[1].value
        ['a', 'b']
    """
    parser = _Parser(text)
    raw = parser.expression_list()
    if parser.peek():
        raise _bad(f"Invalid filter: unexpected text at position {parser.pos}.")
    return [_check(op, field, value, quoted, allowed) for op, field, value, quoted in raw]


def _check(op: str, field: str, value: Any, quoted: bool, allowed: dict[str, Rule]) -> Condition:
    spec = allowed.get(field)
    if spec is None:
        raise _bad(f"'{field}' is not a valid field for this filter.")
    if op not in spec.ops:
        raise _bad(f"'{op}' is not a valid operator for field '{field}'.")
    if op == "has":
        return Condition(op, field)
    if op in ("any", "contains-any", "contains-all") and not isinstance(value, list):
        raise _bad(f"'{op}' needs a list value for field '{field}'.")
    if isinstance(value, list):
        return Condition(op, field, _coerce_all(value, spec.kind, field))
    return Condition(op, field, _coerce_all([value], spec.kind, field)[0])


def _coerce_all(values: list[Any], kind: str, field: str) -> list[Any]:
    out: list[Any] = []
    for item in values:
        if kind == "datetime":
            dt = item if isinstance(item, datetime) else parse_datetime(item) if isinstance(item, str) else None
            if dt is None:
                raise _bad(f"Field '{field}' needs an ISO-8601 datetime value.")
            out.append(dt)
        elif kind == "number":
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise _bad(f"Field '{field}' needs a number value.")
            out.append(item)
        elif kind == "boolean":
            if not isinstance(item, bool):
                raise _bad(f"Field '{field}' needs a boolean value.")
            out.append(item)
        else:
            if not isinstance(item, str):
                raise _bad(f"Field '{field}' needs a quoted string value.")
            out.append(item)
    return out


def _norm(value: Any, like: Any) -> Any:
    if isinstance(like, datetime) and isinstance(value, str):
        return parse_datetime(value)
    return value


def _test(cond: Condition, actual: Any) -> bool:
    op, want = cond.op, cond.value
    if op == "has":
        return actual not in (None, "", [], {})
    if op in ("any", "equals") and isinstance(want, list):
        return any(_norm(actual, w) == w for w in want)
    if actual is None:
        return False
    actual = _norm(actual, want)
    if actual is None:
        return False
    if op == "equals":
        return bool(actual == want)
    if op == "contains":
        return want in actual if isinstance(actual, (str, list)) else False
    if op in ("contains-any", "contains-all") and isinstance(actual, (str, list)):
        found = [w in actual for w in want]
        return any(found) if op == "contains-any" else all(found)
    if op == "starts-with":
        return isinstance(actual, str) and actual.startswith(want)
    if op == "ends-with":
        return isinstance(actual, str) and actual.endswith(want)
    try:
        if op == "greater-than":
            return bool(actual > want)
        if op == "greater-or-equal":
            return bool(actual >= want)
        if op == "less-than":
            return bool(actual < want)
        if op == "less-or-equal":
            return bool(actual <= want)
    except TypeError:
        return False
    return False


def holds(cond: Condition, actual: Any) -> bool:
    """True if one value satisfies one condition.

    Example:
        >>> holds(Condition("starts-with", "name", "Ne"), "News")
        True
    """
    return _test(cond, actual)


def matches(conds: list[Condition], row: dict[str, Any] | Callable[[str], Any]) -> bool:
    """True if a row satisfies every condition; ``row`` is a dict of field values or a field getter.

    Example:
        >>> matches([Condition("contains", "name", "ew")], {"name": "News"})
        True
    """
    get = row.get if isinstance(row, dict) else row
    return all(_test(c, get(c.field)) for c in conds)
