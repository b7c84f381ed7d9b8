"""RudderStack events -> Klaviyo intents (the v2 profile map of RudderStack's Klaviyo destination).

==============================================================  =========================
RudderStack trait                                               Klaviyo profile attribute
==============================================================  =========================
``userId``                                                      ``external_id``
``anonymousId`` (events)                                        ``anonymous_id``
``email`` / ``phone``                                           ``email`` / ``phone_number``
``firstName`` / ``first_name`` / ``firstname``                  ``first_name``
``lastName`` / ``last_name`` / ``lastname``                     ``last_name``
``title`` / ``organization`` / ``image``                        same
``city``, ``region`` (or ``state``), ``country``                ``location.*``
``zip`` / ``zipcode`` / ``postalcode`` / ``postalCode``         ``location.zip``
``street`` / ``address1`` / ``address2``                        ``location.address1`` / ``address2``
``timezone``, ``latitude``, ``longitude``                       ``location.*``
``context.ip``                                                  ``location.ip``
``_kx``                                                         ``_kx``
any other trait                                                 ``properties.<trait>``
==============================================================  =========================

Per event: ``traits.properties.listId`` (list), ``traits.properties.subscribe`` (true subscribes,
false unsubscribes), ``traits.consent`` / ``traits.properties.consent`` (channels), ``smsConsent``.
Track: ``revenue`` / ``total`` / ``value`` is the value, ``currency`` the value currency; those and
``email`` / ``phone`` are removed from the properties. Group: ``groupId`` is a list to subscribe to
(``traits.subscribe`` true) or unsubscribe from (false).

Example:
    >>> intents = RudderStackMapper().map({"type": "identify", "userId": "u1",
    ...     "traits": {"email": "a@example.com", "firstname": "Ada", "zipcode": "10001"}})
    >>> intents[0].attributes
    {'email': 'a@example.com', 'external_id': 'u1', 'first_name': 'Ada', 'location': {'zip': '10001'}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connector.delivery.identifiers import stripped_or_none
from connector.delivery.intents import Intent
from connector.delivery.mapping.base import SpecMapper, TraitTable
from connector.delivery.mapping.common import first, mapping, number
from connector.errors import InputError
from connector.inputs import to_bool

RUDDERSTACK_TRAITS: TraitTable = (
    ("first_name", ("firstName", "first_name", "firstname")),
    ("last_name", ("lastName", "last_name", "lastname")),
    ("title", ("title",)),
    ("organization", ("organization",)),
    ("image", ("image",)),
    ("_kx", ("_kx",)),
    ("location.address1", ("street", "address1", "address.street")),
    ("location.address2", ("address2",)),
    ("location.city", ("city", "address.city")),
    ("location.region", ("region", "state", "address.state")),
    ("location.country", ("country", "address.country")),
    ("location.zip", ("zip", "zipcode", "postalcode", "postalCode", "address.postal_code")),
    ("location.timezone", ("timezone",)),
    ("location.latitude", ("latitude",)),
    ("location.longitude", ("longitude",)),
    ("location.ip", ("ip",)),
)

EVENT_RESERVED = ("email", "phone", "revenue", "total", "value", "currency", "value_currency", "event")


class RudderStackMapper(SpecMapper):
    """RudderStack's mapping rules (see the module table).

    Example:
        >>> RudderStackMapper().map({"type": "group", "groupId": "Y6nRLr", "userId": "u1",
        ...     "traits": {"subscribe": True, "email": "a@example.com"}})[0].list_id
        'Y6nRLr'
    """

    trait_table: ClassVar[TraitTable] = RUDDERSTACK_TRAITS
    reserved_traits: ClassVar[frozenset[str]] = frozenset(
        {
            "email", "phone", "userId", "anonymousId", "firstName", "first_name", "firstname", "lastName",
            "last_name", "lastname", "title", "organization", "image", "_kx", "street", "address1", "address2",
            "address", "city", "region", "state", "country", "zip", "zipcode", "postalcode", "postalCode",
            "timezone", "latitude", "longitude", "ip", "properties", "consent", "smsConsent", "subscribe",
        }
    )  # fmt: skip
    enforced_id_property: ClassVar[str] = "_id"
    enforce_accepts_phone: ClassVar[bool] = True

    def traits(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """Traits, with ``context.ip`` as the ``ip`` trait when the traits carry none."""
        traits = super().traits(message)
        ip = first(message, "context.ip")
        if ip and "ip" not in traits:
            traits["ip"] = ip
        return traits

    def track_properties(self, properties: dict[str, Any]) -> dict[str, Any]:
        """Properties without the identifiers and the value fields (they are sent as attributes)."""
        return {k: v for k, v in properties.items() if k not in EVENT_RESERVED}

    def track_value(self, properties: Mapping[str, Any]) -> float | None:
        """``revenue``, else ``total``, else ``value``."""
        return number(first(properties, "revenue", "total", "value"), "Value")

    def group(self, message: Mapping[str, Any]) -> list[Intent]:
        """Subscribe to (``traits.subscribe`` true) or unsubscribe from (false) the list ``groupId``."""
        list_id = stripped_or_none(message.get("groupId"))
        if list_id is None:
            raise InputError("a group call needs groupId (the Klaviyo list ID)", label="Group ID", key="groupId")
        traits = mapping(message.get("traits"))
        flag = traits.get("subscribe")
        if flag is None:
            raise InputError("a group call needs traits.subscribe (true or false)", label="Subscribe", key="subscribe")
        ids, _ = self.identifiers(message, for_event=False)
        return [self.consent(message, self.traits(message), ids, to_bool(flag), list_id)]
