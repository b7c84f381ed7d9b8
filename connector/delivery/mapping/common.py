"""Small helpers the spec-event mappers share: reading paths, flattening, times, numbers, unique ids.

Example:
    >>> dig({"context": {"traits": {"email": "a@b.co"}}}, "context.traits.email")
    'a@b.co'
    >>> flatten({"a": {"b": 1, "c": {"d": 2}}, "e": [1]})
    {'a.b': 1, 'a.c.d': 2, 'e': [1]}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from connector.errors import InputError
from connector.validators import clean_currency


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` in nested mappings, or None.

    Example:
        >>> dig({"a": {"b": None}}, "a.b.c") is None
        True
    """
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (spec events are often sloppy).

    Example:
        >>> mapping("x"), mapping({"a": 1})
        ({}, {'a': 1})
    """
    return dict(value) if isinstance(value, Mapping) else {}


def first(obj: Any, *paths: str) -> Any:
    """The first non-empty value among ``paths``.

    Example:
        >>> first({"b": "", "c": 3}, "a", "b", "c")
        3
    """
    for path in paths:
        value = dig(obj, path)
        if value is not None and value != "":
            return value
    return None


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (arrays stay arrays), as RudderStack's ``flattenProperties`` does.

    Example:
        >>> flatten({"x": {}})
        {}
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def iso_time(value: Any, label: str = "Timestamp") -> str | None:
    """An ISO-8601 timestamp with a zone (UTC assumed), or None; unreadable values name the field.

    Example:
        >>> iso_time("2026-07-01T10:00:00.123456Z")
        '2026-07-01T10:00:00.123456+00:00'
        >>> iso_time(1751364000)
        '2025-07-01T10:00:00+00:00'
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value / 1000 if value > 10**11 else value  # milliseconds since the epoch
            parsed = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        else:
            parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise InputError(f"must be an ISO-8601 time (got {value!r})", label=label, key=label.lower()) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.isoformat()


def message_time(message: Mapping[str, Any]) -> str | None:
    """The event's time: ``timestamp``, else ``originalTimestamp``, else ``sentAt``.

    Example:
        >>> message_time({"originalTimestamp": "2026-01-02T03:04:05Z"})
        '2026-01-02T03:04:05+00:00'
    """
    return iso_time(first(message, "timestamp", "originalTimestamp", "sentAt"))


def number(value: Any, label: str) -> float | None:
    """A finite number from a number or numeric text; anything else is an error naming ``label``.

    Example:
        >>> number("9.5", "Revenue"), number(None, "Revenue")
        (9.5, None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, (bool, dict, list)):
        raise InputError(f"must be a number (got {value!r})", label=label)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise InputError(f"must be a number (got {value!r})", label=label) from None
    if result != result or result in (float("inf"), float("-inf")):
        raise InputError("must be a finite number", label=label)
    return result


def currency(value: Any) -> str | None:
    """An ISO 4217 code or None; a wrong code names the ``Currency`` field.

    Example:
        >>> currency("eur")
        'EUR'
    """
    if value is None or value == "":
        return None
    try:
        return clean_currency(value)
    except InputError as exc:
        raise InputError(exc.problem, label="Currency", key="currency") from None


def content_id(message: Mapping[str, Any]) -> str:
    """A deterministic id for a message without ``messageId``: the same line always gets the same id.

    Example:
        >>> content_id({"a": 1}) == content_id({"a": 1})
        True
    """
    canonical = json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def message_id(message: Mapping[str, Any]) -> str:
    """``messageId`` (Segment / RudderStack's dedupe key), else :func:`content_id`.

    Example:
        >>> message_id({"messageId": "m-1"})
        'm-1'
    """
    value = message.get("messageId")
    return str(value) if value not in (None, "") else content_id(message)


def join_words(*parts: Any) -> str:
    """Join the non-empty parts with spaces.

    Example:
        >>> join_words("Docs", None, "Intro")
        'Docs Intro'
    """
    return " ".join(str(p).strip() for p in parts if p not in (None, "") and str(p).strip())
