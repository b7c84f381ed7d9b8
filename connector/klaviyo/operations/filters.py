"""Klaviyo's ``filter`` expressions, parsed and checked against an operation's allowed fields and operators.

The syntax: ``operator(field,value)`` conditions, combined with ``and(...)``, ``or(...)``, ``not(...)`` or
commas at the top level (an implicit ``and``). Strings are quoted with ``'`` or ``"``, lists are ``[...]``,
date-times, numbers, booleans and ``null`` are bare. Each operation lists the fields it filters on and the
operators each field takes (``x-klaviyo-filters`` in the spec); ``any`` takes a list.

Example:
    >>> conditions('and(equals(email,"a,b@x.co"),greater-than(created,2024-01-01T00:00:00Z))')
    [('equals', 'email', '"a,b@x.co"'), ('greater-than', 'created', '2024-01-01T00:00:00Z')]
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.client.errors import InputError
from connector.klaviyo.operations.registry import FilterField

COMBINATORS = frozenset({"and", "or", "not"})
LIST_OPERATORS = frozenset({"any"})


def conditions(expression: str) -> list[tuple[str, str, str | None]]:
    """Every ``(operator, field, value text)`` condition of a filter expression, in order.

    Raises :class:`InputError` (key ``filter``) for text that is not a filter expression.

    Example:
        >>> conditions("any(id,['a','b']),has(profile)")
        [('any', 'id', "['a','b']"), ('has', 'profile', None)]
    """
    out: list[tuple[str, str, str | None]] = []
    for part in _split(expression.strip(), expression):
        _collect(part, expression, out)
    return out


def check_filter(expression: str, fields: Mapping[str, FilterField] | None) -> None:
    """Refuse a field the operation cannot filter on, an operator the field does not take, or ``any`` without a list.

    Example:
        >>> from connector.klaviyo.operations.registry import operation
        >>> check_filter('equals(name,"VIP")', operation("get_lists").query.filters)
        >>> check_filter('contains(name,"VIP")', operation("get_lists").query.filters)
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: filter: name takes any, equals, not contains
    """
    found = conditions(expression)
    if not found:
        raise InputError("filter: no condition found (expected e.g. equals(field,value))", key="filter")
    if fields is None:
        return
    for operator, field, value in found:
        spec = fields.get(field)
        if spec is None:
            allowed = ", ".join(sorted(fields)) or "none"
            raise InputError(f"filter: cannot filter on {field!r}; fields: {allowed}", key="filter")
        if operator not in spec.operators:
            takes = ", ".join(sorted(spec.operators))
            raise InputError(f"filter: {field} takes {takes}, not {operator}", key="filter")
        # The spec's "list" grouping also names equals, which takes one value; only ``any`` needs a list.
        if operator in LIST_OPERATORS and not (value or "").startswith("["):
            raise InputError(f'filter: {operator}({field}, ...) takes a list such as ["a","b"]', key="filter")


def _collect(text: str, expression: str, out: list[tuple[str, str, str | None]]) -> None:
    name, args = _call(text, expression)
    if name in COMBINATORS:
        if not args:
            raise InputError(f"filter: {name}() needs at least one condition", key="filter")
        for arg in args:
            _collect(arg, expression, out)
        return
    if not 1 <= len(args) <= 2 or not args[0]:
        raise InputError(f"filter: {name}(...) takes a field and a value, got {text!r}", key="filter")
    out.append((name, args[0], args[1] if len(args) == 2 else None))


def _call(text: str, expression: str) -> tuple[str, list[str]]:
    """``name(a,b)`` -> ``("name", ["a", "b"])`` with top-level commas only."""
    open_at = text.find("(")
    if open_at <= 0 or not text.endswith(")"):
        raise InputError(f"filter: expected operator(field,value), got {text!r}", key="filter")
    name = text[:open_at].strip()
    if not name.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"filter: {name!r} is not an operator", key="filter")
    return name, _split(text[open_at + 1 : -1], expression)


def _split(text: str, expression: str) -> list[str]:
    """Split at commas outside quotes, brackets and parentheses; parts are stripped."""
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                raise InputError(f"filter: unbalanced {char!r} in {expression!r}", key="filter")
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    if quote or depth:
        raise InputError(f"filter: unclosed quote or bracket in {expression!r}", key="filter")
    last = text[start:].strip()
    if last or parts:
        parts.append(last)
    return parts
