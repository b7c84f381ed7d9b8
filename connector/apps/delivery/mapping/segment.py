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

Track events with the Actions destination's default triggers (destination-behaviours.md A.4, A.5,
A.7, A.8) are not events but list and consent changes:

======================  =====================================================================
``event``               what it does
======================  =====================================================================
``Audience Entered``    upsert the profile (standard fields from ``properties``, custom ones from
                        ``properties.properties``), then add it to the audience's list
``Audience Exited``     remove the profile from the audience's list (no profile is created)
``User Subscribed``     subscribe the email (email marketing) and/or phone (SMS marketing)
``User Unsubscribed``   unsubscribe the email and/or phone (SMS marketing and transactional)
======================  =====================================================================

The audience's list: ``context.personas.audience_settings.listId``, else
``context.personas.external_audience_id``, else the list named after the audience key
(``context.personas.computation_key``, else ``properties.audience_key``), created on the first
Audience Entered and reused later. Consent: the list is ``integrations.Klaviyo.listId``, else
``properties.list_id`` / ``listId``, else the ``list_id`` setting (none: the account's default
opt-in settings apply; unsubscribing without a list withdraws consent globally);
``properties.historical_import`` (else ``integrations.Klaviyo.confirmOptin`` / the ``confirm_optin``
setting turned off) imports consent with ``properties.consented_at`` (else the event's time);
``properties.custom_source`` (else the ``custom_source`` setting) is the source.

"Remove Profile" (A.6) is deliberately not a mapping here. Its default trigger is ``type =
"Identify"`` with a capital I, which Segment's lowercase ``identify`` messages never match, and its
list has no default (a required dropdown): in Segment it only runs with a trigger and a list the
user configures. Reading a capital-I ``Identify`` line as "remove from a list" would turn ordinary
identifies into removals, so ``type`` is read case-insensitively and an ``Identify`` is an upsert.
Removals that spec events do ask for (``Audience Exited``) use the same mechanics A.6 describes:
profile ids looked up first, then ``DELETE /api/lists/{id}/relationships/profiles`` with ids only,
never called without one (see :mod:`connector.apps.delivery.audiences`).

Example:
    >>> intents = SegmentMapper().map({"type": "identify", "userId": "u1",
    ...     "traits": {"email": "ada@example.com", "firstName": "Ada", "plan": "pro"}})
    >>> intents[0].attributes
    {'email': 'ada@example.com', 'external_id': 'u1', 'first_name': 'Ada', 'properties': {'plan': 'pro'}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connector.apps.delivery.mapping.base import SpecMapper, TraitTable, just_before_now
from connector.apps.delivery.mapping.common import klaviyo_options, mapping, message_time
from connector.client.errors import InputError
from connector.framework.inputs import to_bool
from connector.klaviyo.identifiers import check_consent_identifiers, stripped_or_none
from connector.klaviyo.intents import ConsentIntent, Intent, MembershipIntent, ProfileIntent
from connector.klaviyo.values import consent_time, dig, first

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

#: Engage audience events (A.4 / A.5): True adds to the audience's list, False removes.
AUDIENCE_EVENTS = {"audience entered": True, "audience exited": False}
#: The Subscribe / Unsubscribe Profile actions' default triggers (A.7 / A.8).
CONSENT_EVENTS = {"user subscribed": True, "user unsubscribed": False}


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

    def track(self, message: Mapping[str, Any]) -> list[Intent]:
        """Audience and consent events are list / consent changes; other tracks are events.

        Example:
            >>> m = SegmentMapper().map({"type": "track", "event": "Audience Exited", "userId": "u1",
            ...     "properties": {"audience_key": "vip_users"}})
            >>> m[0].add, m[0].audience, m[0].identifiers
            (False, 'vip_users', {'external_id': 'u1'})
        """
        name = self.event_name(message).lower()
        if name in AUDIENCE_EVENTS:
            return self.audience(message, add=AUDIENCE_EVENTS[name])
        if name in CONSENT_EVENTS:
            return [self.consent_event(message, subscribe=CONSENT_EVENTS[name])]
        return super().track(message)

    def audience(self, message: Mapping[str, Any], *, add: bool) -> list[Intent]:
        """Audience Entered: upsert the profile, then add it to the audience's list; Exited: remove it.

        Engage audience events carry the profile's traits in ``properties`` (A.4).

        Example:
            >>> p, m = SegmentMapper().map({"type": "track", "event": "Audience Entered",
            ...     "context": {"personas": {"computation_key": "vip_users"}, "traits": {"email": "a@b.co"}},
            ...     "properties": {"first_name": "Ada", "vip_users": True}})
            >>> p.attributes, m.add, m.audience
            ({'email': 'a@b.co', 'first_name': 'Ada'}, True, 'vip_users')
        """
        properties = mapping(message.get("properties"))
        personas = mapping(dig(message, "context.personas"))
        list_id = stripped_or_none(first(personas, "audience_settings.listId", "external_audience_id"))
        audience = stripped_or_none(first(personas, "computation_key") or first(properties, "audience_key"))
        if list_id is None and audience is None:
            raise InputError(
                "an audience event needs context.personas.computation_key or properties.audience_key "
                "(the list is named after it)",
                label="Audience Key",
                key="audience_key",
            )
        ids, extra = self.identifiers(message, for_event=False)
        identifiers = ids.attributes(anonymous=False)
        intents: list[Intent] = []
        if add:
            traits = {**self.traits(message), **properties}
            attributes: dict[str, Any] = {**identifiers, **self.standard_attributes(traits)}
            custom = mapping(properties.get("properties"))
            custom = {**self.shape(custom), **extra}
            if custom:
                attributes["properties"] = custom
            intents.append(ProfileIntent(attributes))
        intents.append(MembershipIntent(add, identifiers, list_id=list_id, audience=None if list_id else audience))
        return intents

    def consent_event(self, message: Mapping[str, Any], *, subscribe: bool) -> ConsentIntent:
        """User Subscribed / User Unsubscribed: consent on every channel the profile has an identifier for.

        Example:
            >>> c = SegmentMapper().map({"type": "track", "event": "User Unsubscribed",
            ...     "context": {"traits": {"phone": "+15005550006"}}})[0]
            >>> c.subscribe, c.channels, c.list_id
            (False, ('sms',), None)
        """
        settings = self.settings
        properties = mapping(message.get("properties"))
        email, phone = self.email_and_phone(message, self.traits(message))
        ids = check_consent_identifiers(email=email, phone_number=phone, default_region=settings.default_region)
        list_id = (
            stripped_or_none(first(klaviyo_options(message), "listId") or first(properties, "list_id", "listId"))
            or settings.list_id
        )
        channels = tuple(c for c, v in (("email", ids.email), ("sms", ids.phone_number)) if v)
        historical = False
        consented_at: str | None = None
        if subscribe:
            historical = self._historical(message, properties)
            if historical:
                consented_at = (
                    consent_time(first(properties, "consented_at", "consentedAt"))
                    or consent_time(message_time(message))
                    or just_before_now()
                )
        source = first(properties, "custom_source", "customSource") or settings.custom_source
        return ConsentIntent(
            subscribe=subscribe,
            email=ids.email,
            phone_number=ids.phone_number,
            channels=channels,
            list_id=list_id,
            historical_import=historical,
            consented_at=consented_at,
            custom_source=str(source) if subscribe and source else None,
            revoke_transactional=not subscribe,  # A.8: Segment's Unsubscribe Profile revokes SMS transactional too
        )

    def _historical(self, message: Mapping[str, Any], properties: Mapping[str, Any]) -> bool:
        for value, label in (
            (first(properties, "historical_import", "historicalImport"), "Historical Import"),
            (first(klaviyo_options(message), "historicalImport"), "Historical Import"),
        ):
            if value is not None:
                try:
                    return to_bool(value)
                except InputError:
                    raise InputError(f"must be true or false (got {value!r})", label=label) from None
        confirm = first(klaviyo_options(message), "confirmOptin")
        return not (to_bool(confirm) if confirm is not None else self.settings.confirm_optin)

    def group(self, message: Mapping[str, Any]) -> list[Intent]:
        """Segment classic: the group's name becomes the profile's organization."""
        name = first(mapping(message.get("traits")), "name")
        if not name:
            raise InputError("a group call needs traits.name (it becomes the organization)", label="Group Name")
        ids, _ = self.identifiers({k: v for k, v in message.items() if k != "traits"}, for_event=False)
        return [ProfileIntent({**ids.attributes(anonymous=False), "organization": str(name)})]
