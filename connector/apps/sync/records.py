"""Turn an input row into what sync sends: a key, a content hash and the Klaviyo resource (or a rejection).

Which column holds which field is :mod:`~connector.apps.sync.columns`' table (CSV headers in any case and
their aliases, ``--map``, ``--types``); rows are read through a :class:`~connector.apps.sync.columns.Columns`
(JSON lines by their keys when none is given). Per kind:

- ``profiles``: identifiers (``email``, ``phone_number``, ``external_id``), the standard profile fields,
  ``location`` fields, and every other column as a custom property (``properties.x`` or just ``x``);
  key: the ``--key`` column, else the first of external_id, email, phone number.
- ``events``: ``metric``, the profile's identifiers (top level or under ``profile``), ``time``, ``value``,
  ``value_currency``, ``unique_id``, ``properties`` plus every other column; key: the ``unique_id`` column,
  else a hash of the row's content, which is also sent as the event's ``unique_id`` so a re-sent event is
  deduplicated by Klaviyo, never doubled.
- ``subscriptions``: ``email`` and/or ``phone_number`` (``channels`` = ``email,sms`` optional, ``consented_at``);
  key: the email, else the phone number. ``consented_at`` is sent only with ``historical_import`` (Klaviyo
  forbids it otherwise, and requires it then: a row without it is rejected); without, the column is ignored.

The content hash (and so an event's derived ``unique_id``) is of the row as read, headers as written and
cells as text: a file synced before keeps its events' ids whatever the table or the typing of cells.

Example:
    >>> rec = to_record("profiles", {"email": "Ada@Example.com", "plan": "pro"})
    >>> rec.key, rec.resource["attributes"]["properties"]
    ('email:ada@example.com', {'plan': 'pro'})
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Mapping
from typing import Any

import attrs

from connector.apps.sync.columns import ATTRIBUTE, KINDS, LOCATION, PROPERTY, Columns
from connector.client.errors import KlaviyoError
from connector.klaviyo.bodies import consent_profile, event_bulk_item
from connector.klaviyo.identifiers import check_consent_identifiers, check_identifiers
from connector.klaviyo.validators import clean_email, clean_external_id, clean_phone

#: A profile's key is its first identifier in this order (unless ``--key`` names a column).
IDENTIFIERS = ("external_id", "email", "phone_number")
_PROFILE_IDENTIFIERS = ("email", "phone_number", "external_id")
_EVENT_IDENTIFIERS = (*_PROFILE_IDENTIFIERS, "anonymous_id")


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
    columns: Columns | None = None,
    key_column: str | None = None,
    historical_import: bool = False,
    hashed: bool = True,
) -> SyncRecord:
    """Map one row of ``kind``; raise :class:`RowRejected` (naming the field) when it cannot be sent.

    ``columns``: how the row's columns are read (default: JSON keys as they are, ``key_column`` as the key).

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
    columns = columns or Columns.for_objects(kind, key=key_column)
    try:
        if kind == "profiles":
            return _profile(values, columns, hashed)
        if kind == "events":
            return _event(values, columns, hashed)
        return _subscription(values, columns, historical_import, hashed)
    except KlaviyoError as exc:
        raise RowRejected(exc.message, raw_key(kind, values, columns)) from None
    except RowRejected as exc:
        if exc.key is None:
            exc.key = raw_key(kind, values, columns)
        raise


def raw_key(kind: str, values: Mapping[str, Any], columns: Columns | None = None) -> str | None:
    """The key a row of ``kind`` would have, read without validating the row (None when it has none).

    Example:
        >>> raw_key("profiles", {"email": " Ada@Example.com ", "phone_number": "bad"})
        'email:ada@example.com'
        >>> raw_key("subscriptions", {"first_name": "Ada"}) is None
        True
    """
    columns = columns or Columns.for_objects(kind)
    if kind == "events":
        given = columns.first(values, "unique_id")
        return str(given) if given not in (None, "") else digest(values)
    if kind == "profiles" and columns.key:
        prefix, column = columns.key
        raw = values.get(column)
        return None if raw in (None, "") else f"{prefix}:{raw}"
    for name in IDENTIFIERS if kind == "profiles" else ("email", "phone_number"):
        value = columns.first(values, name)
        text = value.strip() if isinstance(value, str) else None
        if text:
            return f"{name}:{text.lower() if name == 'email' else text}"
    return None


def _identity_key(identity: Mapping[str, str], order: tuple[str, ...] = IDENTIFIERS) -> str:
    for name in order:
        if identity.get(name):
            value = identity[name].lower() if name == "email" else identity[name]
            return f"{name}:{value}"
    raise RowRejected("the row has no identifier to key it by")


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _no_identifier(expected: tuple[str, ...], values: Mapping[str, Any]) -> RowRejected:
    """The rejection of a row without any identifier, naming the columns it had (a header sync did not know?)."""
    read = [str(name) for name, value in values.items() if value not in (None, "")]
    listed = ", ".join(read[:20]) + (f" and {len(read) - 20} more" if len(read) > 20 else "")
    wanted = f"{', '.join(expected[:-1])} or {expected[-1]}"
    return RowRejected(f"no identifier: expected {wanted}; columns read: {listed or 'none'}")


def _one(values: Mapping[str, Any], columns: Columns, field: str) -> Any:
    """The value of ``field`` in its one column (None without one)."""
    column = columns.source(field)
    return None if column is None else values.get(column)


def _phone(value: Any) -> str:
    return clean_phone(value)


_CLEAN = {"email": clean_email, "phone_number": _phone, "external_id": clean_external_id}
_OWN_NAMES = tuple((name, name) for name in _PROFILE_IDENTIFIERS)


def _profile_identity(
    values: Mapping[str, Any], identifiers: tuple[tuple[str, str], ...] = _OWN_NAMES
) -> dict[str, str]:
    """The row's checked identifiers, as :func:`check_identifiers` (profiles) returns them.

    ``identifiers``: (identifier, the column holding it), email, phone number and external id in that order.

    The common case (identifiers that pass) is checked here without building an ``Identifiers`` and
    turning it back into a dict twice; a bad identifier goes through ``check_identifiers`` itself, so the
    error and its message are the shared one. A row with none at all says which columns it had.
    """
    identity: dict[str, str] = {}
    for name, column in identifiers:
        value = values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            identity[name] = str(_CLEAN[name](value))
        except (KlaviyoError, TypeError, ValueError):
            identity = {}
            break
    if identity:
        return identity
    found = {name: values.get(column) for name, column in identifiers}
    if not any(_present(value) for value in found.values()):
        raise _no_identifier(_PROFILE_IDENTIFIERS, values)
    checked = check_identifiers(
        email=found.get("email"),
        phone_number=found.get("phone_number"),
        external_id=found.get("external_id"),
        allow_anonymous=False,
    )
    return checked.attributes(anonymous=False)  # pragma: no cover - check_identifiers raised


def _profile(values: Mapping[str, Any], columns: Columns, hashed: bool = True) -> SyncRecord:
    identity = _profile_identity(values, columns.identifiers)
    attributes: dict[str, Any] = dict(identity)
    location: dict[str, Any] = dict(values["location"]) if isinstance(values.get("location"), dict) else {}
    properties: dict[str, Any] = dict(values["properties"]) if isinstance(values.get("properties"), dict) else {}
    routes = columns.routes
    try:
        for name, value in values.items():
            if value is None:
                continue
            where, field, convert = routes[name]
            if where == PROPERTY:
                properties[field] = value if convert is None else convert(value)
            elif where == ATTRIBUTE:
                attributes[field] = value
            elif where == LOCATION:
                location[field] = value
    except ValueError as exc:  # a --types column whose cell is not of its type
        raise RowRejected(f"{name}: {exc}") from None
    if location:
        attributes["location"] = location
    if properties:
        attributes["properties"] = properties
    if columns.key:
        prefix, column = columns.key
        raw = values.get(column)
        if raw in (None, ""):
            raise RowRejected(f"{prefix}: the key column is empty")
        key = f"{prefix}:{raw}"
    else:
        key = _identity_key(identity)
    content = _profile_digest(values, columns, properties) if hashed else ""
    return SyncRecord(key, content, {"type": "profile", "attributes": attributes}, identity)


def _profile_digest(values: Mapping[str, Any], columns: Columns, properties: Mapping[str, Any]) -> str:
    """A profile row's content hash (reverse ETL compares it with the last sync's).

    It is the hash of the row as read, as before the column table; a row this version sends differently (a
    header read through the table or ``--map``, a cell typed) hashes that too, so it counts as changed and
    is sent again once, and only such a row.
    """
    typed = {name: value for name, value in properties.items() if not isinstance(value, str)} if columns.header else {}
    if not typed and not columns.reread:
        return digest(values)
    return digest({"row": values, "read as": columns.reread, "typed": typed})


def _event_profile(values: Mapping[str, Any], columns: Columns) -> dict[str, str]:
    """The event's profile identifiers: from their columns, else from a nested ``profile`` object (JSON lines)."""
    nested = values.get("profile") if isinstance(values.get("profile"), dict) else {}
    assert isinstance(nested, dict)

    def pick(name: str) -> Any:
        value = _one(values, columns, name)
        return value if value not in (None, "") else nested.get(name)

    found = {name: pick(name) for name in _EVENT_IDENTIFIERS}
    if not any(_present(value) for value in found.values()):
        raise _no_identifier(_EVENT_IDENTIFIERS, values)
    return check_identifiers(**found).attributes()


def _event_properties(values: Mapping[str, Any], columns: Columns) -> dict[str, Any]:
    """The event's properties: a ``properties`` object (JSON lines), then every column that is no field."""
    properties: dict[str, Any] = dict(values["properties"]) if isinstance(values.get("properties"), dict) else {}
    routes = columns.routes
    try:
        for name, value in values.items():
            where, field, convert = routes[name]
            if where == PROPERTY:
                properties[field] = value if convert is None else convert(value)
    except ValueError as exc:  # a --types column whose cell is not of its type
        raise RowRejected(f"{name}: {exc}") from None
    return properties


def _event(values: Mapping[str, Any], columns: Columns, hashed: bool = True) -> SyncRecord:
    metric = columns.first(values, "metric")
    if not isinstance(metric, str) or not metric.strip():
        raise RowRejected("Metric: the event's name is required (a metric column, or one sync reads as metric)")
    profile = _event_profile(values, columns)
    properties = _event_properties(values, columns)
    given = columns.first(values, "unique_id")
    # Without an id of its own, the row's content is its identity: the same row always gets the same
    # unique_id, so sending it twice (after a crash, or a re-run) cannot create a second event.
    content = digest(values) if hashed or given in (None, "") else ""
    unique_id = str(given) if given not in (None, "") else content
    value = _one(values, columns, "value")
    if value not in (None, ""):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise RowRejected(f"Value: not a number ({value!r})") from None
    else:
        value = None
    time = columns.first(values, "time")
    options: dict[str, Any] = {"unique_id": unique_id, "value": value, "time": str(time) if time else None}
    currency = _one(values, columns, "value_currency")
    if currency:
        options["value_currency"] = str(currency)
    resource = event_bulk_item(metric.strip(), profile, properties, **options)
    ident_key = _identity_key(profile, ("email", "phone_number", "external_id", "anonymous_id"))
    return SyncRecord(unique_id, content if hashed else "", resource, profile, (ident_key, metric.strip(), unique_id))


def _channels(raw: Any) -> tuple[str, ...]:
    """The channels a subscription row asks for (``email,sms`` text or a list; both when it says nothing)."""
    channels: tuple[str, ...] = ("email", "sms")
    if isinstance(raw, str) and raw.strip():
        channels = tuple(c.strip().lower() for c in raw.split(",") if c.strip())
    elif isinstance(raw, list):
        channels = tuple(str(c).lower() for c in raw)
    unknown = set(channels) - {"email", "sms"}
    if unknown:
        raise RowRejected(f"Channels: unknown channel(s) {', '.join(sorted(unknown))} (use email, sms)")
    return channels


def _subscription(
    values: Mapping[str, Any], columns: Columns, historical_import: bool = False, hashed: bool = True
) -> SyncRecord:
    email, phone = _one(values, columns, "email"), _one(values, columns, "phone_number")
    if not _present(email) and not _present(phone):
        raise _no_identifier(("email", "phone_number"), values)
    checked = check_consent_identifiers(email=email, phone_number=phone)
    identity = checked.attributes(anonymous=False)
    channels = _channels(_one(values, columns, "channels"))
    consented = _one(values, columns, "consented_at")
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
