"""What a spec event asks of Klaviyo, before batching: upsert a profile, record an event, change consent.

Mappers (``mapping/segment.py``, ``mapping/rudderstack.py``) turn one input line into a list of
intents; the engine groups intents of many lines into bulk requests.

Example:
    >>> ev = EventIntent(metric="Signed Up", profile={"email": "a@b.co"}, properties={}, unique_id="m1")
    >>> ev.record_resource()["type"], ev.dedupe_key()
    ('event-bulk-create', ('email:a@b.co', 'Signed Up', 'm1'))
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import attrs

from connector.delivery.bodies import consent_profile, event_bulk_item


@attrs.frozen
class ProfileIntent:
    """Create or update a profile (Bulk Profile Import), optionally adding it to ``list_id``.

    Example:
        >>> ProfileIntent({"email": "a@b.co"}).record_resource()
        {'type': 'profile', 'attributes': {'email': 'a@b.co'}}
    """

    attributes: dict[str, Any]
    list_id: str | None = None

    def record_resource(self) -> dict[str, Any]:
        """The item of ``profiles.data``."""
        return {"type": "profile", "attributes": self.attributes}


@attrs.frozen
class EventIntent:
    """Record one event; ``followers`` (an order's product events) are sent only once this one is accepted.

    Example:
        >>> EventIntent("X", {"external_id": "u"}, {}, unique_id="o1").followers
        ()
    """

    metric: str
    profile: dict[str, Any]
    properties: dict[str, Any]
    time: str | None = None
    value: float | None = None
    value_currency: str | None = None
    unique_id: str | None = None
    followers: tuple[EventIntent, ...] = ()

    def record_resource(self) -> dict[str, Any]:
        """The ``event-bulk-create`` entry."""
        return event_bulk_item(
            self.metric,
            self.profile,
            self.properties,
            time=self.time,
            value=self.value,
            value_currency=self.value_currency,
            unique_id=self.unique_id,
        )

    def dedupe_key(self) -> Hashable | None:
        """(profile identity, metric, unique id): Klaviyo refuses a bulk request repeating one."""
        if not self.unique_id:
            return None
        for key in ("email", "phone_number", "external_id", "anonymous_id"):
            if self.profile.get(key):
                return (f"{key}:{str(self.profile[key]).lower()}", self.metric, self.unique_id)
        return None


@attrs.frozen
class ConsentIntent:
    """Subscribe (or unsubscribe) an email and/or phone number, optionally to/from ``list_id``.

    Example:
        >>> ConsentIntent(True, email="a@b.co").group()
        (True, None, False, None)
    """

    subscribe: bool
    email: str | None = None
    phone_number: str | None = None
    channels: tuple[str, ...] = ("email", "sms")
    list_id: str | None = None
    historical_import: bool = False
    consented_at: str | None = None
    custom_source: str | None = None

    def group(self) -> tuple[bool, str | None, bool, str | None]:
        """Intents that can share one request: same direction, list, import mode and source."""
        return (self.subscribe, self.list_id, self.historical_import, self.custom_source)

    def record_resource(self) -> dict[str, Any]:
        """The item of ``profiles.data``."""
        return consent_profile(
            subscribe=self.subscribe,
            email=self.email,
            phone_number=self.phone_number,
            channels=self.channels,
            consented_at=self.consented_at if self.historical_import else None,
        )


@attrs.frozen
class MembershipIntent:
    """Add a profile to (or remove it from) a list, by list id or by an audience's name.

    ``identifiers`` (email / phone_number / external_id) find the profile; ``list_id`` names the
    list, else ``audience`` does (the list named after the audience: created on the first add,
    reused later). Additions only ever reach Klaviyo with a resolved profile id.

    Example:
        >>> m = MembershipIntent(add=True, identifiers={"email": "a@b.co"}, audience="vip_users")
        >>> m.target(), m.identity()
        (('audience', 'vip_users'), (('email', 'a@b.co'),))
    """

    add: bool
    identifiers: dict[str, str]
    list_id: str | None = None
    audience: str | None = None

    def target(self) -> tuple[str, str]:
        """``("list", id)`` or ``("audience", name)``: where the membership changes."""
        if self.list_id:
            return ("list", self.list_id)
        if self.audience:
            return ("audience", self.audience)
        raise ValueError("a membership needs a list id or an audience name")

    def identity(self) -> tuple[tuple[str, str], ...]:
        """The identifiers as a hashable key (emails lower-cased), to spot repeats of one person."""
        return tuple(sorted((k, v.lower() if k == "email" else v) for k, v in self.identifiers.items() if v))


Intent = ProfileIntent | EventIntent | ConsentIntent | MembershipIntent
