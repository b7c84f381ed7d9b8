"""The Segment Klaviyo (Actions) destination as catalog actions, without its known bugs.

Upsert Profile, Track Event, Order Completed, Add Profile To List, Remove Profile From List,
Subscribe Profile, Unsubscribe Profile and Remove Profile. Differences from Segment's code: a 409
without ``duplicate_profile_id`` is a retryable error (never a crash, never a list call without a
profile id); Order Completed's product events get deterministic unique IDs, so a retry never
duplicates them; events without a unique ID get one derived from their content.

``Klaviyo(...).destination`` is :class:`Destination`, generated from ``FACADE_METHODS``.

Example:
    >>> from connector.sandbox import Sandbox
    >>> from connector.shell.facade import Klaviyo
    >>> with Sandbox() as sb:
    ...     k = Klaviyo(api_key=sb.api_key, base_url=sb.url)
    ...     vip = k.lists.create(name="VIP")
    ...     ada = k.destination.upsert_profile(email="ada@example.com", first_name="Ada", list_id=vip.id)
    ...     members = [m["profile_id"] for m in sb.state.list_members(vip.id)]
    ...     engaged = k.destination.add_profile_to_list(email="a@b.co", audience_name="Engaged")
    ...     audience = [sb.state.profile(m["profile_id"])["email"] for m in sb.state.list_members(engaged.list_id)]
    ...     signed_up = k.destination.track_event("Signed Up", email="ada@example.com", unique_id="s1")
    ...     order = k.destination.order_completed(
    ...         email="a@b.co", properties={"order_id": "o1"}, products=[{"product_id": "p1", "price": 9.5}]
    ...     )
    ...     sb.wait_for_jobs()
    ...     metrics = {m["id"]: m["name"] for m in sb.state.metrics()}
    ...     events = sorted((metrics[e["metric_id"]], e["unique_id"]) for e in sb.state.events())
    >>> ada.attributes.first_name, members == [ada.id], audience, signed_up.unique_id, order.product_unique_ids
    ('Ada', True, ['a@b.co'], 's1', ['o1_p1'])
    >>> events
    [('Order Completed', 'o1'), ('Ordered Product', 'o1_p1'), ('Signed Up', 's1')]
    >>> UPSERT_PROFILE.key, ORDER_COMPLETED.label
    ('upsertProfile', 'Order Completed')

Reference: https://developers.klaviyo.com/en/reference/api_overview
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from actions._lazy import lazy_exports
from connector import structs
from connector.client.errors import InputError
from connector.client.jsonapi import relationship
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import InputType, input_field, to_json_array, to_json_object, to_stripped
from connector.klaviyo.bodies import consent_profile
from connector.klaviyo.identifiers import LABELS, Identifiers, check_consent_identifiers, check_identifiers
from connector.klaviyo.intents import EventIntent
from connector.klaviyo.lookups import (
    add_to_list,
    create_or_find_profile,
    derived_unique_id,
    find_list,
    find_or_create_list,
    lookup_profile_ids,
    now_iso,
)
from connector.klaviyo.operation_actions import clean_id, operation_action, switch_input
from connector.klaviyo.operations.calls import request
from connector.klaviyo.orders import order_id, product_events
from connector.klaviyo.validators import clean_metric_name
from connector.klaviyo.values import consent_time, currency, iso_time, number

if TYPE_CHECKING:
    from actions._facade.destination import Destination as Destination

__getattr__ = lazy_exports(__name__, "Destination")

COUNTRY_COMMENTS = "ISO 3166 region (e.g. US) to convert phone numbers written without + to E.164."
IDENTIFIER_KEYS = tuple(LABELS)


def composite_action(
    perform: Callable[[KlaviyoClient, Any], Any], op_id: str, description: str
) -> ActionDefinition[Any]:
    """A destination action: its perform function names it (``add_profile_to_list``: Add Profile To List, key
    ``addProfileToList``) and its annotation gives the inputs; composite, so ``op_id`` keeps its plain action too.

    Example:
        >>> action = composite_action(remove_profile, "remove_profiles_from_list", "Remove a profile from a list.")
        >>> action.key, action.label, action.inputs.__name__, action.covers_operations
        ('removeProfile', 'Remove Profile', 'RemoveProfileInputs', False)
    """
    return operation_action(op_id, description=description, perform=perform, covers_operations=False)


def _optional_id(label: str, comments: str) -> Any:
    return input_field(label, comments=comments, clean=clean_id, example="Y6nRLr")


@structs.frozen
class IdentifierInputs:
    """Profile identifiers shared by the destination actions (at least one is required)."""

    email: str | None = input_field("Email", comments="The profile's email address.", example="ada@example.com")
    phone_number: str | None = input_field(
        "Phone Number", comments="E.164 phone number, e.g. +15005550006.", example="+15005550006"
    )
    country_code: str | None = input_field("Country Code", comments=COUNTRY_COMMENTS, example="US")
    external_id: str | None = input_field("External ID", comments="Your system's id for the profile (≤255 chars).")

    def identifiers(self, *, anonymous_id: str | None = None, allow_anonymous: bool = False) -> Identifiers:
        """Checked identifiers (errors name the field)."""
        return check_identifiers(
            email=self.email,
            phone_number=self.phone_number,
            external_id=self.external_id,
            anonymous_id=anonymous_id,
            default_region=self.country_code,
            allow_anonymous=allow_anonymous,
        )


# -- Upsert Profile ----------------------------------------------------------------------------


PROFILE_FIELDS = ("first_name", "last_name", "organization", "title", "image", "location", "properties")


@structs.frozen
class ProfileInputs(IdentifierInputs):
    """Identifiers plus the profile's standard fields and custom properties (Upsert, Add To List)."""

    first_name: str | None = input_field("First Name")
    last_name: str | None = input_field("Last Name")
    organization: str | None = input_field("Organization")
    title: str | None = input_field("Title")
    image: str | None = input_field("Image", comments="URL of the profile's image.")
    location: dict[str, Any] | None = input_field(
        "Location", type=InputType.JSON, clean=to_json_object, comments="address1, city, region, zip, country..."
    )
    properties: dict[str, Any] | None = input_field(
        "Properties", type=InputType.JSON, clean=to_json_object, comments="Custom profile properties."
    )

    def profile_attributes(self) -> dict[str, Any]:
        """Checked identifiers and every field that is set."""
        attributes: dict[str, Any] = self.identifiers().attributes(anonymous=False)
        for key in PROFILE_FIELDS:
            if getattr(self, key):
                attributes[key] = getattr(self, key)
        return attributes


@structs.frozen
class UpsertProfileInputs(ProfileInputs):
    """Inputs of Upsert Profile."""

    list_id: str | None = _optional_id("List ID", "Add the profile to this list.")
    override_list_id: str | None = _optional_id(
        "Override List ID", "Wins over List ID (Segment's integrations.Klaviyo.listId)."
    )


def _upsert(client: KlaviyoClient, attributes: dict[str, Any], *, always_update: bool = True) -> tuple[str, Any]:
    """Create the profile; on 409 update the profile Klaviyo names (``always_update=False``: only when there is
    more than identifiers to write). Returns the profile id and the profile document (None when not re-read)."""
    profile_id, doc, _created = create_or_find_profile(client, attributes)
    if doc is None and (always_update or set(attributes) - set(IDENTIFIER_KEYS)):
        body = {"data": {"type": "profile", "id": profile_id, "attributes": attributes}}
        doc = request(client, "update_profile", ids={"id": profile_id}, body=body).json()
    return profile_id, doc


def upsert_profile(client: KlaviyoClient, inputs: UpsertProfileInputs) -> Any:
    """Create the profile; on 409 update the profile Klaviyo names; then add it to the list, if any.

    Example:
        >>> UPSERT_PROFILE.clean({"email": " ada@example.com ", "firstName": "Ada"}).profile_attributes()
        {'email': 'ada@example.com', 'first_name': 'Ada'}
    """
    profile_id, doc = _upsert(client, inputs.profile_attributes())
    list_id = inputs.override_list_id or inputs.list_id
    if list_id:
        add_to_list(client, list_id, [profile_id])
    return doc


UPSERT_PROFILE = composite_action(
    upsert_profile,
    "create_profile",
    "Create or update a profile (409 duplicate → update), optionally adding it to a list.",
)


# -- Track Event -------------------------------------------------------------------------------


@structs.frozen
class EventInputs(IdentifierInputs):
    """Inputs every event action takes besides the metric."""

    anonymous_id: str | None = input_field("Anonymous ID", comments="Anonymous visitor id (events only).")
    properties: dict[str, Any] | None = input_field(
        "Properties", type=InputType.JSON, clean=to_json_object, comments="Event properties (an object)."
    )
    time: str | None = input_field("Time", type=InputType.TIMESTAMP, clean=iso_time, comments="ISO-8601; now if empty.")
    value: float | None = input_field("Value", clean=lambda v: number(v, "Value"), comments="Monetary value.")
    value_currency: str | None = input_field("Value Currency", clean=currency, comments="ISO 4217, e.g. USD.")
    unique_id: str | None = input_field(
        "Unique ID", clean=to_stripped, comments="Klaviyo's dedupe key; derived from what you send when empty."
    )

    def intent(
        self,
        metric: str,
        *,
        unique_id: str | None = None,
        properties: dict[str, Any] | None = None,
        content: tuple[Any, ...] = (),
    ) -> Any:
        """The event to send, with a time (now when none is given) and a unique id always set.

        A derived unique id comes only from what the caller sent (metric, identifiers, properties, the
        time *if given*, value, and ``content`` such as an order's products), never from the defaulted
        "now": a retry a second later is the same event, and Klaviyo drops it.
        """
        profile = self.identifiers(anonymous_id=self.anonymous_id, allow_anonymous=True).attributes()
        props = (self.properties or {}) if properties is None else properties
        uid = self.unique_id or unique_id or derived_unique_id(metric, profile, props, self.time, self.value, *content)
        return EventIntent(metric, profile, props, self.time or now_iso(), self.value, self.value_currency, uid)


def _send_event(client: KlaviyoClient, event: EventIntent) -> None:
    # Every event carries a unique id, so Klaviyo deduplicates a repeat: the registry retries it.
    request(client, "create_event", body=event.body())


@structs.frozen
class TrackEventInputs(EventInputs):
    """Inputs of Track Event."""

    metric_name: str = input_field(
        "Metric Name", required=True, clean=clean_metric_name, comments="Under 128 characters."
    )


def track_event(client: KlaviyoClient, inputs: TrackEventInputs) -> dict[str, Any]:
    """``POST /api/events``: returns the unique id and time sent (Klaviyo answers 202 with no body).

    Example (sending: the module's example):
        >>> TRACK_EVENT.clean({"metricName": "x" * 128, "email": "a@b.co"})
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Metric Name: must be under 128 characters (got 128)
    """
    event = inputs.intent(inputs.metric_name)
    _send_event(client, event)
    return {"unique_id": event.unique_id, "time": event.time}


TRACK_EVENT = composite_action(
    track_event, "create_event", "Record an event on a profile (email, phone, external ID or anonymous ID)."
)


# -- Order Completed ---------------------------------------------------------------------------


@structs.frozen
class OrderCompletedInputs(EventInputs):
    """Inputs of Order Completed."""

    products: list[Any] | None = input_field(
        "Products", type=InputType.JSON, clean=to_json_array,
        comments="One product event per item, unique ID <order>_<product_id, id or sku, else its position>.",
    )  # fmt: skip
    event_name: str = input_field(
        "Event Name", default="Order Completed", required=True, comments='Or classic\'s "Placed Order".'
    )
    product_event_name: str = input_field("Product Event Name", default="Ordered Product", required=True)


def order_completed(client: KlaviyoClient, inputs: OrderCompletedInputs) -> dict[str, Any]:
    """The order event, then (once Klaviyo accepted it) one event per product, all with deterministic ids.

    Every product is checked before anything is sent (sending: the module's example):
        >>> order_completed(None, ORDER_COMPLETED.clean({"email": "a@b.co", "products": [{"sku": "s1"}, "s2"]}))
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Products[1]: must be an object
    """
    content = (inputs.products,) if inputs.products else ()
    order = inputs.intent(inputs.event_name, unique_id=order_id(inputs.properties or {}), content=content)
    products = product_events(order, inputs.products or [], inputs.product_event_name)  # checked before sending
    _send_event(client, order)
    for product in products:
        _send_event(client, product)
    return {"unique_id": order.unique_id, "product_unique_ids": [p.unique_id for p in products]}


ORDER_COMPLETED = composite_action(
    order_completed,
    "create_event",
    "Record an order and one product event per product; retries never duplicate events.",
)


# -- lists -------------------------------------------------------------------------------------


def _list_id_input() -> Any:
    return _optional_id("List ID", "The list; leave empty to use the audience's list.")


def _audience_input() -> Any:
    return input_field(
        "Audience Name", clean=to_stripped, comments="A list named after the audience (created on first sync)."
    )


@structs.frozen
class ListMembershipInputs(IdentifierInputs):
    """Inputs of Remove Profile From List: a list id, or an audience name for the list."""

    list_id: str | None = _list_id_input()
    audience_name: str | None = _audience_input()


@structs.frozen
class AddProfileToListInputs(ProfileInputs):
    """Inputs of Add Profile To List: the profile (identifiers, fields, properties) and the list or audience."""

    list_id: str | None = _list_id_input()
    audience_name: str | None = _audience_input()


def add_profile_to_list(client: KlaviyoClient, inputs: AddProfileToListInputs) -> dict[str, Any]:
    """Create the profile with its fields (an existing one is updated with them), then add it to the list.

    The list is ``list_id``, else the one named after the audience (found or created).

    Example (sending: the module's example):
        >>> add_profile_to_list(None, ADD_PROFILE_TO_LIST.clean({"email": "a@b.co"}))
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: List ID: give a List ID or an Audience Name
    """
    attributes = inputs.profile_attributes()
    if inputs.list_id:
        list_id = inputs.list_id
    elif inputs.audience_name:
        list_id = find_or_create_list(client, inputs.audience_name)
    else:
        raise InputError("give a List ID or an Audience Name", label="List ID", key="listId")
    profile_id, _ = _upsert(client, attributes, always_update=False)
    add_to_list(client, list_id, [profile_id])
    return {"list_id": list_id, "profile_id": profile_id}


def remove_profile_from_list(client: KlaviyoClient, inputs: ListMembershipInputs) -> dict[str, Any]:
    """Look the profile up by each identifier and remove what was found from the list.

    Nothing to remove (no such profile, or no list for the audience yet) is a success with an empty
    ``removed``: the membership already is what was asked.
    """
    identifiers = inputs.identifiers().attributes(anonymous=False)
    if inputs.list_id:
        list_id: str | None = inputs.list_id
    elif inputs.audience_name:
        list_id = find_list(client, inputs.audience_name)
    else:
        raise InputError("give a List ID or an Audience Name", label="List ID", key="listId")
    removed = lookup_profile_ids(client, identifiers) if list_id else []
    if list_id and removed:
        body = {"data": [{"type": "profile", "id": pid} for pid in removed]}
        request(client, "remove_profiles_from_list", ids={"id": list_id}, body=body)
    return {"list_id": list_id, "removed": removed}


ADD_PROFILE_TO_LIST = composite_action(
    add_profile_to_list,
    "add_profiles_to_list",
    "Add a profile (with its fields) to a list, or to the list named after an audience.",
)
REMOVE_PROFILE_FROM_LIST = composite_action(
    remove_profile_from_list,
    "remove_profiles_from_list",
    "Remove a profile from a list, or from the list named after an audience.",
)


@structs.frozen
class RemoveProfileInputs(IdentifierInputs):
    """Inputs of Remove Profile."""

    list_id: str = input_field("List ID", required=True, clean=clean_id, example="Y6nRLr")


def remove_profile(client: KlaviyoClient, inputs: RemoveProfileInputs) -> dict[str, Any]:
    """Remove a profile (found by its identifiers) from a list."""
    values = {k: getattr(inputs, k) for k in ("email", "phone_number", "country_code", "external_id", "list_id")}
    return remove_profile_from_list(client, ListMembershipInputs(**values))


REMOVE_PROFILE = composite_action(remove_profile, "remove_profiles_from_list", "Remove a profile from a list.")


# -- consent -----------------------------------------------------------------------------------


@structs.frozen
class UnsubscribeProfileInputs:
    """Inputs of Unsubscribe Profile."""

    email: str | None = input_field("Email", comments="Unsubscribe this email from email marketing.")
    phone_number: str | None = input_field("Phone Number", comments="Unsubscribe this number from SMS.")
    country_code: str | None = input_field("Country Code", comments=COUNTRY_COMMENTS)
    list_id: str | None = _optional_id("List ID", "Unsubscribe from this list; empty = from all marketing.")


@structs.frozen
class SubscribeProfileInputs:
    """Inputs of Subscribe Profile."""

    email: str | None = input_field("Email", comments="Subscribe this email to email marketing.")
    phone_number: str | None = input_field("Phone Number", comments="Subscribe this number to SMS marketing.")
    country_code: str | None = input_field("Country Code", comments=COUNTRY_COMMENTS)
    list_id: str | None = _optional_id(
        "List ID", "Subscribe to this list (through its opt-in process); empty = the account's default settings."
    )
    custom_source: str | None = input_field("Custom Source", comments="Where the consent came from.")
    historical_import: bool | None = switch_input(
        "Historical Import", "Consent given earlier: skips double opt-in; needs Consented At."
    )
    consented_at: str | None = input_field(
        "Consented At", type=InputType.TIMESTAMP, clean=iso_time,
        comments="When consent was given (past); used only with Historical Import, ignored otherwise.",
    )  # fmt: skip


def _consent_body(kind: str, profile: dict[str, Any], list_id: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"type": kind, "attributes": {**extra, "profiles": {"data": [profile]}}}
    if list_id:
        data["relationships"] = {"list": relationship("list", list_id)}
    return {"data": data}


def subscribe_profile(client: KlaviyoClient, inputs: SubscribeProfileInputs) -> dict[str, Any] | None:
    """``POST /api/profile-subscription-bulk-create-jobs`` for email and/or SMS marketing.

    Consented At is sent only with Historical Import (Klaviyo refuses it otherwise); Segment's default
    mapping always fills it, so without Historical Import it is ignored and the output says so
    (``{"ignored": {"consented_at": ...}}``); otherwise nothing is returned.

    Example:
        >>> SUBSCRIBE_PROFILE.clean({"email": "a@b.co", "listId": "Y6nRLr"}).list_id
        'Y6nRLr'
    """
    ids = check_consent_identifiers(
        email=inputs.email, phone_number=inputs.phone_number, default_region=inputs.country_code
    )
    if inputs.historical_import and not inputs.consented_at:
        raise InputError("is required with Historical Import", label="Consented At", key="consentedAt")
    historical = bool(inputs.historical_import)
    if historical:
        consent_time(inputs.consented_at)  # a time consent was already given: Klaviyo refuses a future one
    profile = consent_profile(
        subscribe=True,
        email=ids.email,
        phone_number=ids.phone_number,
        consented_at=inputs.consented_at if historical else None,
    )
    extra: dict[str, Any] = {"historical_import": historical}
    if inputs.custom_source:
        extra["custom_source"] = inputs.custom_source
    body = _consent_body("profile-subscription-bulk-create-job", profile, inputs.list_id, extra)
    request(client, "bulk_subscribe_profiles", body=body)
    if inputs.consented_at and not historical:
        why = "sent only with Historical Import: without it consent is given now, through the list's opt-in"
        return {"ignored": {"consented_at": why}}
    return None


def unsubscribe_profile(client: KlaviyoClient, inputs: UnsubscribeProfileInputs) -> None:
    """``POST /api/profile-subscription-bulk-delete-jobs``: email marketing, SMS marketing and transactional."""
    ids = check_consent_identifiers(
        email=inputs.email, phone_number=inputs.phone_number, default_region=inputs.country_code
    )
    profile = consent_profile(subscribe=False, email=ids.email, phone_number=ids.phone_number)
    body = _consent_body("profile-subscription-bulk-delete-job", profile, inputs.list_id, {})
    request(client, "bulk_unsubscribe_profiles", body=body)


SUBSCRIBE_PROFILE = composite_action(
    subscribe_profile,
    "bulk_subscribe_profiles",
    "Subscribe an email and/or phone number to marketing, optionally to a list.",
)
UNSUBSCRIBE_PROFILE = composite_action(
    unsubscribe_profile,
    "bulk_unsubscribe_profiles",
    "Unsubscribe an email and/or phone number, from a list or from all marketing.",
)

ACTIONS = (
    UPSERT_PROFILE,
    TRACK_EVENT,
    ORDER_COMPLETED,
    ADD_PROFILE_TO_LIST,
    REMOVE_PROFILE_FROM_LIST,
    SUBSCRIBE_PROFILE,
    UNSUBSCRIBE_PROFILE,
    REMOVE_PROFILE,
)
DATA_SOURCES: tuple[Any, ...] = ()


@structs.frozen
class TrackedEvent:
    """What Track Event sent: the event's unique ID (derived when not given) and its time.

    Example:
        >>> TrackedEvent(**{"unique_id": "u1", "time": "2026-01-02T03:04:05+00:00"}).unique_id
        'u1'
    """

    unique_id: str
    time: str | None = None


@structs.frozen
class TrackedOrder:
    """What Order Completed sent: the order event's unique ID and each product event's."""

    unique_id: str
    product_unique_ids: list[str] = structs.field(factory=list)


@structs.frozen
class ListMembership:
    """The list a profile was added to (or removed from) and the profile ids concerned."""

    list_id: str
    profile_ids: list[str] = structs.field(factory=list)

    @classmethod
    def of(cls, output: Mapping[str, Any]) -> ListMembership:
        """From the output of Add Profile To List (the profile added) or of a removal (the profiles removed).

        Example:
            >>> ListMembership.of({"list_id": "Y6nRLr", "profile_id": "01GD"}).profile_ids
            ['01GD']
            >>> ListMembership.of({"list_id": "Y6nRLr", "removed": []}).profile_ids
            []
        """
        removed = output.get("removed")
        return cls(output["list_id"], list(removed) if removed is not None else [output["profile_id"]])


FACADE_METHODS = (
    FacadeMethod(
        "upsert_profile",
        UPSERT_PROFILE,
        "Create the profile, or update the one that already holds an identifier; optionally add it to a list.",
        omit=("override_list_id",),
    ),
    FacadeMethod(
        "track_event",
        TRACK_EVENT,
        "Track one event; without ``unique_id`` one is derived from the content, so a retry cannot duplicate it.",
        positional=("metric_name",),
        convert=TrackedEvent,
    ),
    FacadeMethod(
        "order_completed",
        ORDER_COMPLETED,
        'The order event (``properties["order_id"]`` names it), then one event per product.',
        types={"properties": "Mapping[str, Any]"},
        convert=TrackedOrder,
    ),
    FacadeMethod(
        "add_profile_to_list",
        ADD_PROFILE_TO_LIST,
        "Add the profile (created, or updated with the fields given) to ``list_id``, or to the list named after "
        "``audience_name``.",
        convert=ListMembership.of,
    ),
    FacadeMethod(
        "remove_profile_from_list",
        REMOVE_PROFILE_FROM_LIST,
        "Remove the profile from ``list_id`` or from the audience's list (nothing to do when it is unknown).",
        convert=ListMembership.of,
    ),
    FacadeMethod(
        "subscribe_profile",
        SUBSCRIBE_PROFILE,
        "Subscribe the email and/or phone number to marketing (202: Klaviyo applies it shortly after).\n\n"
        'Returns ``{"ignored": {"consented_at": why}}`` when ``consented_at`` came without ``historical_import``.',
        returns="dict[str, Any] | None",
    ),
    FacadeMethod("unsubscribe_profile", UNSUBSCRIBE_PROFILE, "Unsubscribe the email and/or phone number (202)."),
    FacadeMethod(
        "remove_profile",
        REMOVE_PROFILE,
        "Remove the profile from ``list_id``.",
        positional=("list_id",),
        convert=ListMembership.of,
    ),
)
