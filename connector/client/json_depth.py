"""How deeply a JSON value may nest: the one limit for request bodies and JSON inputs.

Klaviyo's documents need a handful of levels. A value nested near Python's recursion limit cannot even be
encoded on Python 3.10 and 3.11, while 3.12+ encodes thousands of levels: the limit is stated here so a
body is refused the same way on every Python.

Example:
    >>> deep = []
    >>> for _ in range(MAX_JSON_DEPTH):
    ...     deep = [deep]
    >>> nested_deeper_than([[]], 2), nested_deeper_than(deep, MAX_JSON_DEPTH)
    (False, True)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: The deepest nesting a request body or JSON input may have.
MAX_JSON_DEPTH = 100
#: What an error says of a value nested deeper (after the input's or the body's name).
TOO_DEEP = f"is nested more than {MAX_JSON_DEPTH} levels deep"


def json_nodes(value: Any) -> Iterator[tuple[Any, int]]:
    """Every value inside ``value`` (itself first) with its depth, 1 for ``value``: walked without recursion,
    so any nesting is safe; a dict yields its values (its keys are the caller's to read from the dict).

    Example:
        >>> [(node, depth) for node, depth in json_nodes({"a": [7]}) if not isinstance(node, (dict, list))]
        [(7, 3)]
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend((child, depth + 1) for child in node)


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` has objects or arrays nested more than ``limit`` levels.

    Example:
        >>> nested_deeper_than({"a": [{"b": 1}]}, 3), nested_deeper_than({"a": [{"b": 1}]}, 2)
        (False, True)
    """
    return any(depth > limit and isinstance(node, (dict, list, tuple)) for node, depth in json_nodes(value))
