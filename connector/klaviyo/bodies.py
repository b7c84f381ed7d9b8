"""Request bodies for events and consent, shared by the destination actions and the batching layer.

In Create Event the metric and the profile are objects nested *inside* ``attributes`` (not
JSON:API relationships), which is the mistake behind many opaque "Invalid input" answers.

Example:
    >>> body = event_body("Viewed Product", {"email": "a@b.co"}, {"sku": "1"}, unique_id="m-1")
    >>> body["data"]["attributes"]["metric"]["data"]["attributes"]["name"]
    'Viewed Product'

Reference: https://developers.klaviyo.com/en/reference/create_event
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def event_attributes(
    metric: str,
    profile: Mapping[str, Any],
    properties: Mapping[str, Any],
    *,
    time: str | None = None,
    value: float | None = None,
    value_currency: str | None = None,
    unique_id: str | None = None,
    include_profile: bool = True,
) -> dict[str, Any]:
    """The ``attributes`` of an event (Create Event) or of one event inside a bulk entry (no profile).

    Example:
        >>> sorted(event_attributes("X", {"email": "a@b.co"}, {}, value=1.5, include_profile=False))
        ['metric', 'properties', 'value']
    """
    out: dict[str, Any] = {"properties": dict(properties)}
    for key, item in (("time", time), ("value", value), ("value_currency", value_currency), ("unique_id", unique_id)):
        if item is not None:
            out[key] = item
    out["metric"] = {"data": {"type": "metric", "attributes": {"name": metric}}}
    if include_profile:
        out["profile"] = {"data": {"type": "profile", "attributes": dict(profile)}}
    return out


def event_body(
    metric: str, profile: Mapping[str, Any], properties: Mapping[str, Any], **options: Any
) -> dict[str, Any]:
    """The body of ``POST /api/events``.

    Example:
        >>> event_body("X", {"external_id": "u1"}, {})["data"]["type"]
        'event'
    """
    return {"data": {"type": "event", "attributes": event_attributes(metric, profile, properties, **options)}}


def event_bulk_item(
    metric: str, profile: Mapping[str, Any], properties: Mapping[str, Any], **options: Any
) -> dict[str, Any]:
    """One ``event-bulk-create`` entry (one profile and its one event) for Bulk Create Events.

    Example:
        >>> event_bulk_item("X", {"email": "a@b.co"}, {})["attributes"]["events"]["data"][0]["type"]
        'event'
    """
    event = event_attributes(metric, profile, properties, include_profile=False, **options)
    return {
        "type": "event-bulk-create",
        "attributes": {
            "profile": {"data": {"type": "profile", "attributes": dict(profile)}},
            "events": {"data": [{"type": "event", "attributes": event}]},
        },
    }


def consent_profile(
    *,
    subscribe: bool,
    email: str | None = None,
    phone_number: str | None = None,
    channels: tuple[str, ...] = ("email", "sms"),
    consented_at: str | None = None,
    revoke_transactional: bool = True,
) -> dict[str, Any]:
    """A profile item of Subscribe / Unsubscribe Profiles, consent on each channel it has an identifier for.

    Subscribing gives email and SMS marketing consent (``consented_at`` only for historical imports);
    unsubscribing withdraws email marketing and SMS marketing consent, and SMS *transactional* consent
    (order and shipping texts) too unless ``revoke_transactional`` is False (a marketing opt-out).

    Example:
        >>> consent_profile(subscribe=False, phone_number="+15005550006")["attributes"]["subscriptions"]
        {'sms': {'marketing': {'consent': 'UNSUBSCRIBED'}, 'transactional': {'consent': 'UNSUBSCRIBED'}}}
        >>> consent_profile(subscribe=False, phone_number="+15005550006", revoke_transactional=False)[
        ...     "attributes"]["subscriptions"]
        {'sms': {'marketing': {'consent': 'UNSUBSCRIBED'}}}
    """
    value = "SUBSCRIBED" if subscribe else "UNSUBSCRIBED"
    grant: dict[str, Any] = {"consent": value}
    if subscribe and consented_at:
        grant["consented_at"] = consented_at
    subscriptions: dict[str, Any] = {}
    if email and "email" in channels:
        subscriptions["email"] = {"marketing": dict(grant)}
    if phone_number and "sms" in channels:
        subscriptions["sms"] = {"marketing": dict(grant)}
        if not subscribe and revoke_transactional:
            subscriptions["sms"]["transactional"] = {"consent": value}
    attributes: dict[str, Any] = {}
    if email:
        attributes["email"] = email
    if phone_number:
        attributes["phone_number"] = phone_number
    attributes["subscriptions"] = subscriptions
    return {"type": "profile", "attributes": attributes}
