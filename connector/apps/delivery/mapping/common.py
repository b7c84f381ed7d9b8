"""Small helpers the spec-event mappers share: flattening, message times, unique ids.

Reading values (paths, times, numbers, currencies) is :mod:`connector.klaviyo.values`.

Example:
    >>> mapping("x"), message_id({"messageId": "m-1"})
    ({}, 'm-1')
    >>> flatten({"a": {"b": 1, "c": {"d": 2}}, "e": [1]})
    {'a.b': 1, 'a.c.d': 2, 'e': [1]}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from connector.client.errors import InputError
from connector.klaviyo.values import first, iso_time


class Skipped(Exception):
    """Raised by a mapper for a valid message the settings send nothing for (a ``page`` call with page
    delivery off): the line is reported ``skipped`` with ``reason``, not rejected.

    Example:
        >>> Skipped("page calls are sent only with send_page_as_track on").reason
        'page calls are sent only with send_page_as_track on'
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (spec events are often sloppy).

    Example:
        >>> mapping("x"), mapping({"a": 1})
        ({}, {'a': 1})
    """
    return dict(value) if isinstance(value, Mapping) else {}


def klaviyo_options(message: Mapping[str, Any]) -> dict[str, Any]:
    """The message's ``integrations.Klaviyo`` object; the destination's name is matched in any case, as
    RudderStack does (``integrations.klaviyo`` is the same object).

    Example:
        >>> klaviyo_options({"integrations": {"All": True, "klaviyo": {"listId": "L"}}})
        {'listId': 'L'}
    """
    integrations = mapping(message.get("integrations"))
    exact = integrations.get("Klaviyo")
    if isinstance(exact, Mapping):
        return dict(exact)
    return next((dict(v) for k, v in integrations.items() if k.lower() == "klaviyo" and isinstance(v, Mapping)), {})


#: ``integrations.Klaviyo`` keys naming traits to patch, and the ``patch_properties`` operation each becomes.
PATCH_OPTIONS = (("fieldsToAppend", "append", "Fields To Append"), ("fieldsToUnappend", "unappend",
                 "Fields To Unappend"), ("fieldsToUnset", "unset", "Fields To Unset"))  # fmt: skip


def profile_patch(
    message: Mapping[str, Any], traits: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """``integrations.Klaviyo.fieldsToAppend / fieldsToUnappend / fieldsToUnset`` as the profile's ``meta``, and
    the traits left for the profile's own properties (the named fields are patch operations, never values
    that overwrite what Klaviyo holds).

    Append and unappend take the trait's value (a field without one adds nothing); unset takes the names.

    Example:
        >>> meta, rest = profile_patch({"integrations": {"Klaviyo": {"fieldsToAppend": ["tags"]}}},
        ...                            {"tags": "vip", "plan": "pro"})
        >>> meta, rest
        ({'patch_properties': {'append': {'tags': 'vip'}}}, {'plan': 'pro'})
    """
    options = klaviyo_options(message)
    patch: dict[str, Any] = {}
    named: set[str] = set()
    for option, operation, label in PATCH_OPTIONS:
        fields = _field_names(options.get(option), label, option)
        named.update(fields)
        if operation == "unset":
            if fields:
                patch["unset"] = fields
            continue
        values = {f: traits[f] for f in fields if traits.get(f) is not None}
        if values:
            patch[operation] = values
    rest = {k: v for k, v in traits.items() if k not in named}
    return ({"patch_properties": patch} if patch else None), rest


def _field_names(value: Any, label: str, key: str) -> list[str]:
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise InputError(f"must be a list of trait names (got {value!r})", label=label, key=key)
    return [i.strip() for i in items]


def text(value: Any, label: str, key: str) -> str | None:
    """A name the message gives as text (trimmed), None when absent; anything else is refused.

    An object or a number is not a name: sent on, ``{"name": "Nested"}`` would become a metric
    literally named ``{'name': 'Nested'}``.

    Example:
        >>> text(" Signed Up ", "Event", "event"), text(None, "Event", "event")
        ('Signed Up', None)
        >>> text({"name": "Nested"}, "Event", "event")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Event: must be text (got an object: {'name': 'Nested'})
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        kind = {dict: "an object", list: "an array", bool: "true/false"}.get(type(value), "a number")
        raise InputError(f"must be text (got {kind}: {value!r})", label=label, key=key)
    return value.strip() or None


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys, as RudderStack's ``flattenProperties`` does (its ``flattenJson``).

    Arrays of plain values stay arrays; an array of objects (or of arrays) is written item by item as
    ``key[i]...`` (``items[0].SKU``), the way RudderStack writes a checkout's items. Empty objects add
    nothing.

    Example:
        >>> flatten({"x": {}, "items": [{"SKU": "a"}, {"SKU": "b"}], "tags": ["t"]})
        {'items[0].SKU': 'a', 'items[1].SKU': 'b', 'tags': ['t']}
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        _flatten_into(out, f"{prefix}{key}", value)
    return out


def _flatten_into(out: dict[str, Any], name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten_into(out, f"{name}.{key}", item)
    elif isinstance(value, list) and value and isinstance(value[0], (Mapping, list)):
        for index, item in enumerate(value):
            _flatten_into(out, f"{name}[{index}]", item)
    else:
        out[name] = value


def message_time(message: Mapping[str, Any]) -> str | None:
    """The event's time: ``timestamp``, else ``originalTimestamp``, else ``sentAt``.

    Example:
        >>> message_time({"originalTimestamp": "2026-01-02T03:04:05Z"})
        '2026-01-02T03:04:05+00:00'
    """
    return iso_time(first(message, "timestamp", "originalTimestamp", "sentAt"))


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
