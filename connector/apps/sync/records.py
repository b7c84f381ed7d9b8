"""Turn an input row into what sync sends: a key, a content hash and the Klaviyo resource (or a rejection).

Per kind:

- ``profiles``: identifiers (``email``, ``phone_number``, ``external_id``), the standard profile fields,
  ``location`` fields, and every other column as a custom property (``properties.x`` or just ``x``);
  key: the ``--key`` column, else the first of external_id, email, phone number.
- ``events``: ``metric`` (or ``event``), the profile's identifiers (top level or under ``profile``),
  ``time``/``timestamp``, ``value``, ``value_currency``, ``unique_id``, ``properties`` plus every other column;
  key: the ``unique_id`` column (or ``event_id``/``messageId``), else a hash of the row's content, which is
  also sent as the event's ``unique_id`` so a re-sent event is deduplicated by Klaviyo, never doubled.
- ``subscriptions``: ``email`` and/or ``phone_number`` (``channels`` = ``email,sms`` optional, ``consented_at``);
  key: the email, else the phone number. ``consented_at`` is sent only with ``historical_import`` (Klaviyo
  forbids it otherwise, and requires it then: a row without it is rejected); without, the column is ignored.

Example:
    >>> rec = to_record("profiles", {"email": "Ada@Example.com", "plan": "pro"})
    >>> rec.key, rec.resource["attributes"]["properties"]
    ('email:ada@example.com', {'plan': 'pro'})
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Hashable, Mapping
from typing import Any

import attrs

from connector.client.errors import KlaviyoError
from connector.klaviyo.bodies import consent_profile, event_bulk_item
from connector.klaviyo.identifiers import check_consent_identifiers, check_identifiers
from connector.klaviyo.validators import clean_email, clean_external_id, clean_phone

KINDS = ("profiles", "events", "subscriptions")

PROFILE_FIELDS = frozenset({"first_name", "last_name", "organization", "locale", "title", "image"})
LOCATION_FIELDS = frozenset(
    {"address1", "address2", "city", "country", "latitude", "longitude", "region", "zip", "timezone", "ip"}
)
IDENTIFIERS = ("external_id", "email", "phone_number")
EVENT_RESERVED = frozenset(
    {"metric", "event", "time", "timestamp", "value", "value_currency", "unique_id", "event_id", "messageId"}
    | {"profile", "properties", "anonymous_id", *IDENTIFIERS}
)


@attrs.frozen
class SyncRecord:
    """A row ready to send: ``key`` (stable across runs), ``digest`` of its content, the JSON:API ``resource``.

    ``identity`` holds the identifiers needed to undo it later (remove from a list, unsubscribe) when the
    row disappears from the source.

    Example:
        >>> SyncRecord("email:a@b.co", "d1", {"type": "profile", "attributes": {}}).dedupe_key is None
        True
    """

    key: str
    digest: str
    resource: dict[str, Any]
    identity: dict[str, str] = attrs.field(factory=dict)
    dedupe_key: Hashable | None = None


class RowRejected(Exception):
    """A row that cannot be sent as it is; ``key`` is set when the row still had one (for the state).

    Example:
        >>> str(RowRejected("Email: not a valid email address"))
        'Email: not a valid email address'
    """

    def __init__(self, reason: str, key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.key = key


def digest(values: Mapping[str, Any]) -> str:
    """A stable hash of a row's content (key order and JSON spacing do not matter).

    Example:
        >>> digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
        True
    """
    return hashlib.sha256(_DIGEST_JSON(values).encode()).hexdigest()[:32]


# json.dumps with options builds an encoder per call; this one is built once (encode() is stateless).
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode


def to_record(
    kind: str,
    values: Mapping[str, Any],
    *,
    key_column: str | None = None,
    historical_import: bool = False,
    hashed: bool = True,
) -> SyncRecord:
    """Map one row of ``kind``; raise :class:`RowRejected` (naming the field) when it cannot be sent.

    The exception's ``key`` is the row's key when its identifying column can still be read (see
    :func:`raw_key`): a row synced before that is now rejected keeps its baseline instead of looking deleted.

    ``hashed``: compute the record's ``digest`` (reverse-ETL mode compares it with the last sync); without it
    ``digest`` is empty, except what an event without an id of its own needs for its ``unique_id``.

    ``historical_import`` (subscriptions): Klaviyo then requires ``consented_at`` on every profile, so a row
    without it is rejected; without it Klaviyo forbids ``consented_at``, so the column is left out.

    Example:
        >>> to_record("subscriptions", {"phone_number": "+15005550006"}).key
        'phone_number:+15005550006'
        >>> to_record("events", {"metric": "Viewed", "email": "a@b.co", "unique_id": "v1"}).key
        'v1'
        >>> try:
        ...     to_record("profiles", {"external_id": "u1", "email": "not-an-email"})
        ... except RowRejected as exc:
        ...     exc.key
        'external_id:u1'
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    try:
        if kind == "profiles":
            return _profile(values, key_column, hashed)
        if kind == "events":
            return _event(values, hashed)
        return _subscription(values, historical_import, hashed)
    except KlaviyoError as exc:
        raise RowRejected(exc.message, raw_key(kind, values, key_column)) from None
    except RowRejected as exc:
        if exc.key is None:
            exc.key = raw_key(kind, values, key_column)
        raise


def raw_key(kind: str, values: Mapping[str, Any], key_column: str | None = None) -> str | None:
    """The key a row of ``kind`` would have, read without validating the row (None when it has none).

    Example:
        >>> raw_key("profiles", {"email": " Ada@Example.com ", "phone_number": "bad"})
        'email:ada@example.com'
        >>> raw_key("subscriptions", {"first_name": "Ada"}) is None
        True
    """
    if kind == "events":
        given = values.get("unique_id") or values.get("event_id") or values.get("messageId")
        return str(given) if given not in (None, "") else digest(values)
    if kind == "profiles" and key_column:
        raw = values.get(key_column)
        return None if raw in (None, "") else f"{key_column}:{raw}"
    order = IDENTIFIERS if kind == "profiles" else ("email", "phone_number")
    for name in order:
        value = values.get(name)
        text = value.strip() if isinstance(value, str) else None
        if text:
            return f"{name}:{text.lower() if name == 'email' else text}"
    return None


def _split(name: str) -> tuple[str, str]:
    head, _, tail = name.partition(".")
    return (head, tail) if tail else ("", name)


def _identity_key(identity: Mapping[str, str], order: tuple[str, ...] = IDENTIFIERS) -> str:
    for name in order:
        if identity.get(name):
            value = identity[name].lower() if name == "email" else identity[name]
            return f"{name}:{value}"
    raise RowRejected("the row has no identifier to key it by")


_SKIP, _LOCATION, _ATTRIBUTE, _PROPERTY = range(4)


@functools.lru_cache(maxsize=4096)
def _profile_route(name: str) -> tuple[int, str]:
    """Where a profile column goes (skipped, ``location``, a standard attribute, a property) and its name there.

    Columns repeat on every row: routed once per name, not once per cell.

    Example:
        >>> _profile_route("location.city"), _profile_route("zip"), _profile_route("properties.plan")
        ((1, 'city'), (1, 'zip'), (3, 'plan'))
    """
    if name in IDENTIFIERS or name in ("location", "properties"):
        return _SKIP, name
    group, field = _split(name)
    if group == "location" or (not group and field in LOCATION_FIELDS):
        return _LOCATION, field
    if not group and field in PROFILE_FIELDS:
        return _ATTRIBUTE, field
    return _PROPERTY, field if group == "properties" else name


def _phone(value: Any) -> str:
    return clean_phone(value)


_PROFILE_IDENTIFIERS = (("email", clean_email), ("phone_number", _phone), ("external_id", clean_external_id))


def _profile_identity(values: Mapping[str, Any]) -> dict[str, str]:
    """The row's checked identifiers, as :func:`check_identifiers` (profiles) returns them.

    The common case (identifiers that pass) is checked here without building an ``Identifiers`` and
    turning it back into a dict twice; anything else (a bad or no identifier) goes through
    ``check_identifiers`` itself, so the error and its message are the shared one.
    """
    identity: dict[str, str] = {}
    for name, clean in _PROFILE_IDENTIFIERS:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            identity[name] = str(clean(value))
        except (KlaviyoError, TypeError, ValueError):
            identity = {}
            break
    if identity:
        return identity
    checked = check_identifiers(
        email=values.get("email"),
        phone_number=values.get("phone_number"),
        external_id=values.get("external_id"),
        allow_anonymous=False,
    )
    return checked.attributes(anonymous=False)  # pragma: no cover - check_identifiers raised


def _profile(values: Mapping[str, Any], key_column: str | None, hashed: bool = True) -> SyncRecord:
    identity = _profile_identity(values)
    attributes: dict[str, Any] = dict(identity)
    location: dict[str, Any] = dict(values["location"]) if isinstance(values.get("location"), dict) else {}
    properties: dict[str, Any] = dict(values["properties"]) if isinstance(values.get("properties"), dict) else {}
    route = _profile_route
    for name, value in values.items():
        if value is None:
            continue
        where, field = route(name)
        if where == _PROPERTY:
            properties[field] = value
        elif where == _ATTRIBUTE:
            attributes[field] = value
        elif where == _LOCATION:
            location[field] = value
    if location:
        attributes["location"] = location
    if properties:
        attributes["properties"] = properties
    if key_column:
        raw = values.get(key_column)
        if raw in (None, ""):
            raise RowRejected(f"{key_column}: the key column is empty")
        key = f"{key_column}:{raw}"
    else:
        key = _identity_key(identity)
    return SyncRecord(key, digest(values) if hashed else "", {"type": "profile", "attributes": attributes}, identity)


def _event(values: Mapping[str, Any], hashed: bool = True) -> SyncRecord:
    metric = values.get("metric") or values.get("event")
    if not isinstance(metric, str) or not metric.strip():
        raise RowRejected("Metric: a 'metric' (or 'event') column with the event's name is required")
    nested = values.get("profile") if isinstance(values.get("profile"), dict) else {}
    assert isinstance(nested, dict)

    def pick(name: str) -> Any:
        return values.get(name) if values.get(name) not in (None, "") else nested.get(name)

    checked = check_identifiers(
        email=pick("email"),
        phone_number=pick("phone_number"),
        external_id=pick("external_id"),
        anonymous_id=pick("anonymous_id"),
    )
    profile = checked.attributes()
    properties: dict[str, Any] = dict(values["properties"]) if isinstance(values.get("properties"), dict) else {}
    for name, value in values.items():
        if name not in EVENT_RESERVED:
            group, field = _split(name)
            properties[field if group == "properties" else name] = value
    given = values.get("unique_id") or values.get("event_id") or values.get("messageId")
    # Without an id of its own, the row's content is its identity: the same row always gets the same
    # unique_id, so sending it twice (after a crash, or a re-run) cannot create a second event.
    content = digest(values) if hashed or given in (None, "") else ""
    unique_id = str(given) if given not in (None, "") else content
    value = values.get("value")
    if value not in (None, ""):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise RowRejected(f"Value: not a number ({value!r})") from None
    else:
        value = None
    time = values.get("time") or values.get("timestamp")
    options: dict[str, Any] = {"unique_id": unique_id, "value": value, "time": str(time) if time else None}
    if values.get("value_currency"):
        options["value_currency"] = str(values["value_currency"])
    resource = event_bulk_item(metric.strip(), profile, properties, **options)
    ident_key = _identity_key(profile, ("email", "phone_number", "external_id", "anonymous_id"))
    return SyncRecord(unique_id, content if hashed else "", resource, profile, (ident_key, metric.strip(), unique_id))


def _subscription(values: Mapping[str, Any], historical_import: bool = False, hashed: bool = True) -> SyncRecord:
    checked = check_consent_identifiers(email=values.get("email"), phone_number=values.get("phone_number"))
    identity = checked.attributes(anonymous=False)
    channels_raw = values.get("channels")
    channels: tuple[str, ...] = ("email", "sms")
    if isinstance(channels_raw, str) and channels_raw.strip():
        channels = tuple(c.strip().lower() for c in channels_raw.split(",") if c.strip())
    elif isinstance(channels_raw, list):
        channels = tuple(str(c).lower() for c in channels_raw)
    unknown = set(channels) - {"email", "sms"}
    if unknown:
        raise RowRejected(f"Channels: unknown channel(s) {', '.join(sorted(unknown))} (use email, sms)")
    consented = values.get("consented_at")
    if historical_import and not consented:
        raise RowRejected("Consented at: a historical import needs the consented_at column (when consent was given)")
    resource = consent_profile(
        subscribe=True,
        email=checked.email,
        phone_number=checked.phone_number,
        channels=channels,
        # Klaviyo refuses consented_at outside a historical import: new consent is dated when it arrives.
        consented_at=str(consented) if consented and historical_import else None,
    )
    if not resource["attributes"]["subscriptions"]:
        raise RowRejected("Channels: no identifier for the requested channels (email needs email, sms a phone)")
    key = _identity_key(identity, ("email", "phone_number"))
    return SyncRecord(key, digest(values) if hashed else "", resource, identity)


def undo_resource(kind: str, identity: Mapping[str, str]) -> dict[str, Any]:
    """The resource that undoes a deleted row: an unsubscribe for subscriptions (profiles use list removal).

    Example:
        >>> undo_resource("subscriptions", {"email": "a@b.co"})["attributes"]["subscriptions"]
        {'email': {'marketing': {'consent': 'UNSUBSCRIBED'}}}
    """
    if kind != "subscriptions":
        raise ValueError("only subscriptions are undone by a request body")
    return consent_profile(subscribe=False, email=identity.get("email"), phone_number=identity.get("phone_number"))
