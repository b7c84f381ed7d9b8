"""Delivery settings: the options Segment's and RudderStack's Klaviyo destinations expose, in one place.

========================  ========================================================================
setting                   effect
========================  ========================================================================
list_id                   default list for identify calls (``integrations.Klaviyo.listId`` and, for
                          RudderStack, ``traits.properties.listId`` override it per event)
confirm_optin             subscriptions go through the list's opt-in process (double opt-in sends a
                          confirmation email); False imports consent as already given
                          (``historical_import`` with the event's timestamp). Per event:
                          ``integrations.Klaviyo.confirmOptin``
subscribe                 subscribe identified profiles (to the list, if any, through its opt-in
                          process) unless the event says otherwise (``traits.properties.subscribe``)
consent                   channels to subscribe: ``email``, ``sms``, for events that name none (an
                          event's ``consent`` list names every channel it consents to)
sms_consent               also subscribe the phone number to SMS, for events that say nothing about
                          SMS (no ``smsConsent``, no ``consent`` list)
enforce_email             email is the primary identifier: never send the user id as external ID (it
                          becomes the custom property ``id`` / ``_id``), refuse records without email
fallback_on_anonymous_id  use the anonymous ID as external ID when there is no user id
order_event_name          Klaviyo metric for ``Order Completed`` ("Order Completed", or classic's
                          "Placed Order")
product_event_name        metric of the per-product events ("Ordered Product")
product_events            send one product event per ``properties.products`` item
send_page_as_track        send ``page`` calls as "Viewed <category> <name> page" events
additional_page_info      include the page's properties in those events
flatten_properties        flatten nested custom properties to dotted keys (``a.b.c``)
default_region            ISO 3166 region for phone numbers written without ``+`` (e.g. ``US``)
custom_source             ``custom_source`` of subscriptions
========================  ========================================================================

Example:
    >>> DeliverySettings(list_id="Y6nRLr", consent=("email", "sms")).consent
    ('email', 'sms')
    >>> DeliverySettings.from_mapping({"listId": "Y6nRLr", "placedOrder": True}).order_event_name
    'Placed Order'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from connector.client.errors import InputError
from connector.framework.inputs import to_bool, to_value_list

CHANNELS = ("email", "sms")
PLACED_ORDER = "Placed Order"
ORDER_COMPLETED = "Order Completed"
ORDERED_PRODUCT = "Ordered Product"


def _channels(value: Any) -> tuple[str, ...]:
    items = [str(v).strip().lower() for v in (to_value_list(value) if isinstance(value, str) else value)]
    unknown = [v for v in items if v not in CHANNELS]
    if unknown:
        raise InputError(f"unknown consent channel(s) {', '.join(unknown)}; use email and/or sms", label="Consent")
    return tuple(dict.fromkeys(items))


@attrs.frozen
class DeliverySettings:
    """How spec events are mapped to Klaviyo (see the module table).

    Example:
        >>> DeliverySettings().order_event_name, DeliverySettings().confirm_optin
        ('Order Completed', True)
    """

    list_id: str | None = None
    confirm_optin: bool = True
    subscribe: bool = False
    consent: tuple[str, ...] = attrs.field(default=("email",), converter=_channels)
    sms_consent: bool = False
    enforce_email: bool = False
    fallback_on_anonymous_id: bool = False
    order_event_name: str = ORDER_COMPLETED
    product_event_name: str = ORDERED_PRODUCT
    product_events: bool = True
    send_page_as_track: bool = False
    additional_page_info: bool = False
    flatten_properties: bool = False
    default_region: str | None = None
    custom_source: str | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> DeliverySettings:
        """Settings from a JSON object (snake_case or camelCase keys; ``placedOrder: true`` is a shortcut).

        Example:
            >>> DeliverySettings.from_mapping({"enforceEmail": "true"}).enforce_email
            True
        """
        names = {f.name for f in attrs.fields(cls)}
        out: dict[str, Any] = {}
        for raw_key, value in values.items():
            key = _snake(raw_key)
            if key == "placed_order":
                if to_bool(value):
                    out["order_event_name"] = PLACED_ORDER
                continue
            if key not in names:
                raise InputError(f"unknown delivery setting {raw_key!r}; known: {', '.join(sorted(names))}")
            field = attrs.fields_dict(cls)[key]
            if field.type in ("bool", bool):
                value = to_bool(value)
            out[key] = value
        return cls(**out)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_").replace("-", "_")
