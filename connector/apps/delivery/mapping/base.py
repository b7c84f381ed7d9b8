"""The mapping both formats share: identify, track, page, screen and group become intents.

Segment and RudderStack differ in where they read traits and identifiers and in a few rules;
:class:`SpecMapper` holds what they share and the two subclasses hold their tables and quirks.

Example:
    >>> from connector.apps.delivery.mapping.segment import SegmentMapper
    >>> intents = SegmentMapper().map({"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1"})
    >>> intents[0].metric, intents[0].profile, intents[0].unique_id
    ('Signed Up', {'external_id': 'u1'}, 'm1')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from connector.apps.delivery.mapping.common import (
    Skipped,
    flatten,
    join_words,
    klaviyo_options,
    mapping,
    message_id,
    message_time,
    profile_patch,
    text,
)
from connector.apps.delivery.settings import PLACED_ORDER, DeliverySettings
from connector.client.errors import InputError
from connector.framework.inputs import to_bool
from connector.klaviyo.identifiers import Identifiers, check_identifiers, stripped_or_none
from connector.klaviyo.intents import ConsentIntent, EventIntent, Intent, ProfileIntent
from connector.klaviyo.orders import classic_order_properties, order_id, product_events
from connector.klaviyo.validators import clean_metric_name
from connector.klaviyo.values import consent_time, currency, dig, first, number
from connector.structs import evolve

#: Klaviyo profile attribute (dotted for location) <- trait paths, first found wins.
TraitTable = Sequence[tuple[str, tuple[str, ...]]]

ORDER_EVENTS = frozenset({"order completed", "completed order"})


class SpecMapper:
    """Map one Segment-spec message (a parsed JSON line) to intents, or raise :class:`InputError`.

    Example:
        >>> SpecMapper().map({"type": "alias"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Type: 'alias' calls are not delivered to Klaviyo (identify, track, ...)
    """

    #: How the format writes its traits; subclasses fill these in.
    trait_table: ClassVar[TraitTable] = ()
    #: Trait keys that are not custom properties (identifiers, mapped traits, control fields).
    reserved_traits: ClassVar[frozenset[str]] = frozenset()
    #: Custom property that keeps the user id when email is the primary identifier.
    enforced_id_property: ClassVar[str] = "id"
    #: With ``enforce_email``, a phone number is enough (RudderStack) or only email is (Segment).
    enforce_accepts_phone: ClassVar[bool] = False
    #: ``subscribe: false`` unsubscribes from the event's list (RudderStack v2/v3), or only means "do not
    #: subscribe" (RudderStack v1, Segment).
    unsubscribes: ClassVar[bool] = False

    def __init__(self, settings: DeliverySettings | None = None) -> None:
        self.settings = settings or DeliverySettings()

    def map(self, message: Mapping[str, Any]) -> list[Intent]:
        """The intents of one message."""
        kind = str(message.get("type") or "").strip().lower()
        handler = {
            "identify": self.identify,
            "track": self.track,
            "page": self.page,
            "screen": self.screen,
            "group": self.group,
        }.get(kind)
        if handler is None:
            raise InputError(
                f"{kind or 'missing'!r} calls are not delivered to Klaviyo "
                "(identify, track, page, screen and group are)",
                label="Type",
                key="type",
            )
        return handler(message)

    # -- per format (override) -------------------------------------------------------------------

    def traits(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """The traits of a message: ``context.traits`` overlaid by ``traits`` (identify's own win)."""
        return {**mapping(dig(message, "context.traits")), **mapping(message.get("traits"))}

    def email_and_phone(self, message: Mapping[str, Any], traits: Mapping[str, Any]) -> tuple[Any, Any]:
        """Where the format finds email and phone number."""
        email = first(traits, "email") or first(message, "properties.email")
        phone = first(traits, "phone", "phoneNumber", "phone_number") or first(message, "properties.phone")
        return email, phone

    def group(self, message: Mapping[str, Any]) -> list[Intent]:
        """Group calls (format-specific)."""
        raise NotImplementedError

    def track_properties(self, properties: dict[str, Any]) -> dict[str, Any]:
        """The event properties a track sends (format-specific removals)."""
        return properties

    def track_value(self, properties: Mapping[str, Any]) -> float | None:
        """The event's monetary value."""
        return number(first(properties, "revenue"), "Revenue")

    # -- identity --------------------------------------------------------------------------------

    def identifiers(self, message: Mapping[str, Any], *, for_event: bool) -> tuple[Identifiers, dict[str, Any]]:
        """Checked identifiers and the custom properties identity rules add (``id`` under enforce_email)."""
        settings = self.settings
        traits = self.traits(message)
        email, phone = self.email_and_phone(message, traits)
        user_id = stripped_or_none(first(message, "userId") or first(traits, "userId"))
        anonymous_id = stripped_or_none(message.get("anonymousId"))
        if email is None and user_id and "@" in user_id and "." in user_id.rsplit("@", 1)[-1]:
            email = user_id  # a user id that is an email is also sent as the email (classic rule)
        extra: dict[str, Any] = {}
        external_id: str | None = user_id
        if settings.enforce_email:
            if user_id:
                extra[self.enforced_id_property] = user_id
            external_id = None  # email-primary is about the external ID only: events keep their anonymous ID
            has_primary = stripped_or_none(email) or (self.enforce_accepts_phone and stripped_or_none(phone))
            if not has_primary:
                wanted = "an email or a phone number" if self.enforce_accepts_phone else "an email"
                raise InputError(f"enforce_email is on, so {wanted} is required", label="Email", key="email")
        elif external_id is None and anonymous_id and settings.fallback_on_anonymous_id:
            external_id = anonymous_id
        checked = check_identifiers(
            email=email,
            phone_number=phone,
            external_id=external_id,
            anonymous_id=anonymous_id if for_event else None,
            default_region=settings.default_region,
            allow_anonymous=for_event,
        )
        return checked, extra

    def standard_attributes(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """Klaviyo's standard profile fields from the trait table (location nested)."""
        out: dict[str, Any] = {}
        for target, paths in self.trait_table:
            value = first(traits, *paths)
            if value is None or isinstance(value, (dict, list)):
                continue
            if target.startswith("location."):
                key = target.split(".", 1)[1]
                if key in ("latitude", "longitude"):
                    value = number(value, key.title())
                out.setdefault("location", {})[key] = value if key in ("latitude", "longitude") else str(value)
            else:
                out[target] = str(value)
        return out

    def custom_properties(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """Traits that are not standard fields or control fields, flattened when the setting says so."""
        return self.shape({k: v for k, v in traits.items() if k not in self.reserved_traits})

    def shape(self, properties: dict[str, Any]) -> dict[str, Any]:
        """``properties`` flattened to dotted keys when ``flatten_properties`` is on (see :func:`flatten`)."""
        return flatten(properties) if self.settings.flatten_properties else properties

    # -- identify --------------------------------------------------------------------------------

    def identify(self, message: Mapping[str, Any]) -> list[Intent]:
        """A profile import and, when asked, a consent change (see :meth:`consent_change`).

        The list is joined by the import only when the event asks for no consent change: a subscription
        joins it through the list's own opt-in process (double opt-in first), an unsubscribe must not add
        the person first (the list's "added to list" flows would fire for someone opting out), and
        ``subscribe: false`` is never a request to join a list.
        """
        traits = self.traits(message)
        attributes, meta, ids = self.profile(message)
        list_id = self.list_id(message, traits)
        subscribe = self.subscribe_flag(message, traits)
        intents: list[Intent] = [ProfileIntent(attributes, list_id if subscribe is None else None, meta)]
        change = self.consent_change(message, traits, ids, subscribe, list_id)
        if change is not None:
            intents.append(change)
        return intents

    def profile(self, message: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None, Identifiers]:
        """The profile's attributes, its ``meta`` (patch operations, see :func:`profile_patch`) and identifiers."""
        meta, traits = profile_patch(message, self.traits(message))
        ids, extra = self.identifiers(message, for_event=False)
        attributes: dict[str, Any] = {**ids.attributes(anonymous=False), **self.standard_attributes(traits)}
        properties = {**self.custom_properties(traits), **extra}
        if properties:
            attributes["properties"] = properties
        return attributes, meta, ids

    def list_id(self, message: Mapping[str, Any], traits: Mapping[str, Any]) -> str | None:
        """``integrations.Klaviyo.listId`` > ``traits.properties.listId`` > the default list setting."""
        value = first(klaviyo_options(message), "listId") or first(traits, "properties.listId")
        return stripped_or_none(value) or self.settings.list_id

    def subscribe_flag(self, message: Mapping[str, Any], traits: Mapping[str, Any]) -> bool | None:
        """The event's subscribe flag (True / False), else True when the ``subscribe`` setting is on, else None."""
        value = first(klaviyo_options(message), "subscribe")
        if value is None:
            value = first(traits, "properties.subscribe")
        if value is None:
            return True if self.settings.subscribe else None
        try:
            return to_bool(value)
        except InputError:
            raise InputError(f"must be true or false (got {value!r})", label="Subscribe", key="subscribe") from None

    def consent_change(
        self,
        message: Mapping[str, Any],
        traits: Mapping[str, Any],
        ids: Identifiers,
        subscribe: bool | None,
        list_id: str | None,
    ) -> ConsentIntent | None:
        """What the subscribe flag asks: True subscribes (to the list, if any); None changes nothing.

        False is an unsubscribe only in formats whose API defines it so (:attr:`unsubscribes`, RudderStack's
        v2/v3) and only from a list: with no list, unsubscribing would withdraw consent everywhere, which
        nobody asked. Elsewhere False means "do not subscribe" and changes nothing.
        """
        if subscribe is None or (not subscribe and not (self.unsubscribes and list_id)):
            return None
        return self.consent(message, traits, ids, subscribe, list_id)

    def consent_channels(self, traits: Mapping[str, Any]) -> list[str]:
        """The channels the event consents to, channel by channel; where it says nothing, the settings'.

        The event's ``consent`` list names every channel it consents to (``["email"]`` is email and not
        SMS); ``smsConsent`` decides SMS. Only a channel the event is silent about falls back to the
        ``consent`` / ``sms_consent`` settings, so a default never adds a channel the event left out.
        """
        settings = self.settings
        raw = first(traits, "consent", "properties.consent")
        named = _channels(raw) if raw is not None else None
        sms_flag = first(traits, "smsConsent", "properties.smsConsent")
        email = "email" in named if named is not None else "email" in settings.consent
        if sms_flag is not None:
            sms = to_bool(sms_flag)
        elif named is not None:
            sms = "sms" in named
        else:
            sms = "sms" in settings.consent or settings.sms_consent
        return [c for c, on in (("email", email), ("sms", sms)) if on]

    def consent(
        self,
        message: Mapping[str, Any],
        traits: Mapping[str, Any],
        ids: Identifiers,
        subscribe: bool,
        list_id: str | None,
    ) -> ConsentIntent:
        """The subscription change, on the channels the event (or the settings) consents to.

        An unsubscribe here withdraws *marketing* consent only: SMS transactional consent (order and
        shipping texts) is not marketing, and RudderStack never revokes it either.
        """
        settings = self.settings
        channels = self.consent_channels(traits)
        usable = tuple(c for c in channels if (c == "email" and ids.email) or (c == "sms" and ids.phone_number))
        if not usable:
            raise InputError(
                f"no consent channel applies (channels {', '.join(channels) or 'none'}; email needs an email "
                "address, sms a phone number)",
                label="Consent",
                key="consent",
            )
        confirm = first(klaviyo_options(message), "confirmOptin")
        confirm_optin = to_bool(confirm) if confirm is not None else settings.confirm_optin
        historical = subscribe and not confirm_optin
        return ConsentIntent(
            subscribe=subscribe,
            email=ids.email if "email" in usable else None,
            phone_number=ids.phone_number if "sms" in usable else None,
            channels=usable,
            list_id=list_id,
            historical_import=historical,
            consented_at=consent_time(message_time(message) or just_before_now()) if historical else None,
            custom_source=settings.custom_source if subscribe else None,
        )

    # -- events ----------------------------------------------------------------------------------

    @staticmethod
    def event_name(message: Mapping[str, Any]) -> str:
        """The track's ``event``, trimmed ("" when absent); a name that is not text is refused."""
        return text(message.get("event"), "Event", "event") or ""

    def event_profile(self, message: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The profile an event is recorded on (identifiers, standard fields and :meth:`event_traits` from
        ``context.traits``) and its ``meta`` (patch operations, see :func:`profile_patch`)."""
        ids, extra = self.identifiers(message, for_event=True)
        meta, traits = profile_patch(message, self.traits(message))
        profile: dict[str, Any] = {**ids.attributes(), **self.standard_attributes(traits)}
        properties = {**self.event_traits(traits), **extra}
        if properties:
            profile["properties"] = properties
        return profile, meta

    def event_traits(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """The custom traits an event's profile carries: none here (Segment's event profile is its
        identifiers); RudderStack sends them all."""
        return {}

    def event(
        self,
        message: Mapping[str, Any],
        metric: str,
        properties: dict[str, Any],
        value: float | None = None,
        source: Mapping[str, Any] | None = None,
    ) -> EventIntent:
        """One event intent with the message's time and a deterministic unique id.

        ``source`` is the message's own properties when ``properties`` had fields removed (the currency).
        """
        if not metric.strip():
            raise InputError("is required", label="Event", key="event")
        try:
            name = clean_metric_name(metric)
        except InputError as exc:
            raise InputError(exc.problem, label="Event", key="event") from None
        props = self.shape(properties)
        profile, meta = self.event_profile(message)
        return EventIntent(
            metric=name,
            profile=profile,
            profile_meta=meta,
            properties=props,
            time=message_time(message),
            value=value,
            value_currency=_currency(properties if source is None else source),
            unique_id=message_id(message),
        )

    def track(self, message: Mapping[str, Any]) -> list[Intent]:
        """A track call: an event, or for Order Completed the order and its product events."""
        name = self.event_name(message)
        properties = mapping(message.get("properties"))
        if name.lower() in ORDER_EVENTS:
            return [self.order(message, properties)]
        sent = self.track_properties(dict(properties))
        return [self.event(message, name, sent, self.track_value(properties), source=properties)]

    def page(self, message: Mapping[str, Any]) -> list[Intent]:
        """``Viewed <category> <name> page`` / ``Viewed <name> page`` / ``Viewed a Page`` when send_page_as_track."""
        if not self.settings.send_page_as_track:
            raise Skipped("page calls are sent only with send_page_as_track on")
        name = join_words(
            text(first(message, "category", "properties.category"), "Category", "category"),
            text(first(message, "name", "properties.name"), "Name", "name"),
        )
        metric = f"Viewed {name} page" if name else "Viewed a Page"
        properties = mapping(message.get("properties")) if self.settings.additional_page_info else {}
        return [self.event(message, metric, properties)]

    def screen(self, message: Mapping[str, Any]) -> list[Intent]:
        """A screen call is an event named by its ``event``, else the screen's ``name``, with a track's value."""
        name = text(first(message, "event", "name", "properties.name"), "Event", "event")
        properties = mapping(message.get("properties"))
        sent = self.track_properties(dict(properties))
        return [self.event(message, name or "Viewed a Screen", sent, self.track_value(properties), source=properties)]

    def order(self, message: Mapping[str, Any], properties: dict[str, Any]) -> EventIntent:
        """The order event (unique id = order id) with one product event per product as followers.

        Product events get ``<order id>_<product_id | id | sku | position>`` as unique id, the order's properties
        overlaid by the product's, and the product's price as value. Every product is checked before
        anything is sent, so an order is never half delivered because of a product. With the event
        name "Placed Order" the order and product events carry Segment classic's payload (C.3:
        ``Categories``, ``ItemNames``, ``Items``; see :mod:`connector.klaviyo.orders`).

        Example:
            >>> from connector.apps.delivery.mapping.segment import SegmentMapper
            >>> placed = SegmentMapper(DeliverySettings(order_event_name="Placed Order")).map({"type": "track",
            ...     "event": "Order Completed", "userId": "u1", "properties": {"orderId": "o1", "revenue": 5,
            ...     "products": [{"id": "p1", "name": "Pen", "price": 5}]}})[0]
            >>> placed.metric, placed.unique_id, placed.value, placed.properties["ItemNames"]
            ('Placed Order', 'o1', 5.0, ['Pen'])
        """
        settings = self.settings
        # Segment classic's "Placed Order" carries classic's payload (destination-behaviours.md C.3).
        classic = settings.order_event_name == PLACED_ORDER
        sent = classic_order_properties(properties) if classic else dict(properties)
        order = self.event(message, settings.order_event_name, sent, self.order_value(properties), source=properties)
        order = evolve(order, unique_id=order_id(properties) or order.unique_id)
        products = properties.get("products")
        if not settings.product_events or not isinstance(products, list):
            return order
        # Products are read from the order's own properties, then each event is flattened on its own, so a
        # flattened order's ``products[0]...`` keys never leak into its product events.
        unflattened = evolve(order, properties=sent)
        followers = product_events(unflattened, products, settings.product_event_name, classic=classic)
        return evolve(order, followers=tuple(evolve(f, properties=self.shape(f.properties)) for f in followers))

    def order_value(self, properties: Mapping[str, Any]) -> float | None:
        """The order's value: ``revenue``, else ``total``."""
        return number(first(properties, "revenue", "total", "value"), "Revenue")


def _currency(properties: Mapping[str, Any]) -> str | None:
    return currency(properties.get("currency"))


def _channels(value: Any) -> list[str]:
    """The Klaviyo channels among an event's ``consent`` values (a list, one value, or ``"email,sms"``).

    RudderStack also allows ``web``, ``directmail`` and ``mobile`` (seed 003), which today's subscription API has
    no channel for; they are left out here, and a line with none left is rejected with that reason.

    Example:
        >>> _channels("email, sms"), _channels(["SMS", "web"])
        (['email', 'sms'], ['sms'])
    """
    items = value if isinstance(value, list) else str(value).split(",")
    out = []
    for item in items:
        text = str(item).strip().lower()
        if text in ("email", "sms") and text not in out:
            out.append(text)
    return out


def just_before_now() -> str:
    """Now minus one second, to the second: a historical import needs a ``consented_at`` in the past.

    Example:
        >>> just_before_now() < dt.datetime.now(dt.timezone.utc).isoformat()
        True
    """
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)).replace(microsecond=0).isoformat()
