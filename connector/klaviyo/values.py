"""Reading values from loosely typed payloads: dotted paths, times, numbers and currencies, naming the field.

Shared by the destination actions and the event mappers, so a value is read one way everywhere.

Example:
    >>> dig({"context": {"traits": {"email": "a@b.co"}}}, "context.traits.email")
    'a@b.co'
    >>> number("9.5", "Revenue"), currency("eur")
    (9.5, 'EUR')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from connector.client.errors import InputError
from connector.klaviyo.validators import clean_currency


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` in nested mappings, or None.

    Example:
        >>> dig({"a": {"b": None}}, "a.b.c") is None
        True
    """
    # The hot path of the event mappers (dozens of reads per message): plain dicts and one-part paths skip the
    # slower Mapping ABC check and the split.
    if "." not in path:
        return obj.get(path) if type(obj) is dict or isinstance(obj, Mapping) else None
    for part in path.split("."):
        if obj is None or not (type(obj) is dict or isinstance(obj, Mapping)):
            return None
        obj = obj.get(part)
    return obj


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


def consent_time(value: Any, label: str = "Consented At", key: str = "consentedAt") -> str | None:
    """When consent was given, for a historical import: an ISO-8601 time (as :func:`iso_time`) not in the future.

    Klaviyo refuses a ``consented_at`` that has not happened yet; this names the field before anything is sent.

    Example:
        >>> consent_time("2024-01-01T00:00:00Z")
        '2024-01-01T00:00:00+00:00'
        >>> consent_time("2999-01-01T00:00:00Z")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Consented At: must not be in the future (got '2999-01-01T00:00:00Z'); ...
    """
    text = iso_time(value, label)
    if text is not None and dt.datetime.fromisoformat(text) > dt.datetime.now(dt.timezone.utc):
        raise InputError(
            f"must not be in the future (got {value!r}); Klaviyo takes only a time consent was already given",
            label=label,
            key=key,
        )
    return text


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
