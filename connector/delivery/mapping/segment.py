"""Segment spec events -> Klaviyo intents (Segment classic's trait table plus the Actions defaults).

Identify traits (``traits`` over ``context.traits``):

==========================================  =========================
Segment trait                               Klaviyo profile attribute
==========================================  =========================
``userId`` (also the email when it is one)  ``external_id``
``email``                                   ``email``
``phone`` / ``phoneNumber``                 ``phone_number``
``firstName`` / ``lastName``                ``first_name`` / ``last_name``
``title``                                   ``title``
``organization`` / ``company.name``         ``organization``
``avatar``                                  ``image``
``city`` / ``address.city``                 ``location.city``
``region`` / ``state`` / ``address.state``  ``location.region``
``country`` / ``address.country``           ``location.country``
``zip`` / ``address.postal_code``           ``location.zip``
``address.street``                          ``location.address1``
``timezone``                                ``location.timezone``
any other trait                             ``properties.<trait>``
==========================================  =========================

Track: ``event`` is the metric, ``properties`` the event properties (kept whole), ``revenue`` the
value, ``currency`` the value currency, ``messageId`` the unique id. ``Order Completed`` becomes the
order event plus one product event per product. Group: the group's ``name`` trait becomes the
profile's ``organization`` (classic behaviour).

Example:
    >>> intents = SegmentMapper().map({"type": "identify", "userId": "u1",
    ...     "traits": {"email": "ada@example.com", "firstName": "Ada", "plan": "pro"}})
    >>> intents[0].attributes
    {'email': 'ada@example.com', 'external_id': 'u1', 'first_name': 'Ada', 'properties': {'plan': 'pro'}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connector.delivery.intents import Intent, ProfileIntent
from connector.delivery.mapping.base import SpecMapper, TraitTable
from connector.delivery.mapping.common import first, mapping
from connector.errors import InputError

SEGMENT_TRAITS: TraitTable = (
    ("first_name", ("firstName", "first_name")),
    ("last_name", ("lastName", "last_name")),
    ("title", ("title",)),
    ("organization", ("organization", "company.name")),
    ("image", ("avatar",)),
    ("location.address1", ("address.street",)),
    ("location.city", ("city", "address.city")),
    ("location.region", ("region", "state", "address.state")),
    ("location.country", ("country", "address.country")),
    ("location.zip", ("zip", "address.postal_code")),
    ("location.timezone", ("timezone",)),
)


class SegmentMapper(SpecMapper):
    """Segment's mapping rules (see the module table).

    Example:
        >>> SegmentMapper().map({"type": "group", "userId": "u1", "traits": {"name": "Acme"}})[0].attributes
        {'external_id': 'u1', 'organization': 'Acme'}
    """

    trait_table: ClassVar[TraitTable] = SEGMENT_TRAITS
    reserved_traits: ClassVar[frozenset[str]] = frozenset(
        {
            "email", "phone", "phoneNumber", "phone_number", "id", "userId", "firstName", "first_name",
            "lastName", "last_name", "title", "organization", "company", "avatar", "address", "city",
            "region", "state", "country", "zip", "timezone", "properties", "consent", "smsConsent",
        }
    )  # fmt: skip
    enforced_id_property: ClassVar[str] = "id"
    enforce_accepts_phone: ClassVar[bool] = False

    def custom_properties(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """Other traits; a ``company`` that is not an object is a custom trait."""
        out = super().custom_properties(traits)
        if "company" in traits and not isinstance(traits["company"], Mapping):
            out["company"] = traits["company"]
        return out

    def group(self, message: Mapping[str, Any]) -> list[Intent]:
        """Segment classic: the group's name becomes the profile's organization."""
        name = first(mapping(message.get("traits")), "name")
        if not name:
            raise InputError("a group call needs traits.name (it becomes the organization)", label="Group Name")
        ids, _ = self.identifiers({k: v for k, v in message.items() if k != "traits"}, for_event=False)
        return [ProfileIntent({**ids.attributes(anonymous=False), "organization": str(name)})]
