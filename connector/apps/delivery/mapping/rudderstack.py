"""RudderStack events -> Klaviyo intents (the v2 profile map of RudderStack's Klaviyo destination).

==============================================================  =========================
RudderStack trait                                               Klaviyo profile attribute
==============================================================  =========================
``userId``                                                      ``external_id``
``anonymousId`` (events)                                        ``anonymous_id``
``email`` / ``phone`` (``phone_number``, ``phoneNumber``)       ``email`` / ``phone_number``
``firstName`` / ``first_name`` / ``firstname``                  ``first_name``
``lastName`` / ``last_name`` / ``lastname``                     ``last_name``
``title`` / ``organization`` / ``image``                        same
``city``, ``region`` (or ``state``), ``country``                ``location.*``
``zip`` / ``zipcode`` / ``postalcode`` / ``postalCode``         ``location.zip``
``street`` / ``address1`` / ``address2``                        ``location.address1`` / ``address2``
``timezone``, ``latitude``, ``longitude``                       ``location.*``
``context.ip``                                                  ``location.ip``
``_kx``                                                         ``_kx``
``id``                                                          v1: left out (an identifier there);
                                                                v2: ``properties.id``
any other trait                                                 ``properties.<trait>``
==============================================================  =========================

Events (track, screen, renamed ecommerce events) are recorded on the same profile: identifiers,
standard fields and the custom traits of ``context.traits`` (flattened with ``flatten_properties``).

Per event: ``traits.properties.listId`` (list), ``traits.properties.subscribe`` (true subscribes;
false unsubscribes from the event's list in ``rudderstack-v2`` and means "do not subscribe" in v1),
``traits.consent`` / ``traits.properties.consent`` (channels), ``smsConsent``. An unsubscribe
withdraws marketing consent only (never SMS transactional), as RudderStack does.
Track and screen: ``revenue`` / ``total`` / ``value`` is the value (``value`` first for the renamed
ecommerce events), ``currency`` the value currency; those and ``email`` / ``phone`` are removed from
the properties. A screen is named by its ``event``, else its ``name``. Group: ``groupId`` is a list
to subscribe to (``traits.subscribe`` true) or, in ``rudderstack-v2``, unsubscribe from (false; v1
skips the line); without ``traits.subscribe`` the profile (from ``context.traits``) is added to that
list, consent untouched (seed 003: "associate a user with a list"; destination-behaviours.md B.2
only covers the flag being set).

Ecommerce names (destination-behaviours.md B.1, the v1 path RudderStack uses when ``apiVersion`` is
unset, and B.4 device mode), names compared lower-cased and trimmed:

==================================  ==================  ======================================
RudderStack event                   Klaviyo metric      properties
==================================  ==================  ======================================
Product Viewed / Product Clicked    Viewed Product      ProductName, ProductID, SKU, ImageURL,
                                                        URL, Brand, Price, CompareAtPrice,
                                                        Categories
Product Added                       Added to Cart       AddedItemProductName, ...ProductID,
                                                        ...SKU, ...ImageURL, ...URL, ...Price,
                                                        ...Quantity, ...Categories, ItemNames,
                                                        CheckoutURL, ``items``
Checkout Started                    Started Checkout    Categories, CheckoutURL, ItemNames,
                                                        ``items``; ``order_id`` is the unique id
==================================  ==================  ======================================

``items`` come from ``properties.items`` (else ``products``): ProductID, SKU, ProductName,
Quantity, ItemPrice, RowTotal, ProductURL, ImageURL, ProductCategories. Other properties are kept.
The ``rudderstack-v2`` format (RudderStack's v2/v3 path, B.2) sends every event under its own name.

Example:
    >>> intents = RudderStackMapper().map({"type": "identify", "userId": "u1",
    ...     "traits": {"email": "a@example.com", "firstname": "Ada", "zipcode": "10001"}})
    >>> intents[0].attributes
    {'email': 'a@example.com', 'external_id': 'u1', 'first_name': 'Ada', 'location': {'zip': '10001'}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from connector.apps.delivery.mapping.base import SpecMapper, TraitTable
from connector.apps.delivery.mapping.common import Skipped, mapping
from connector.client.errors import InputError
from connector.framework.inputs import to_bool
from connector.klaviyo.identifiers import stripped_or_none
from connector.klaviyo.intents import Intent, ProfileIntent
from connector.klaviyo.values import first, number
from connector.structs import evolve

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

#: B.1: the v1 ecommerce renames (event name lower-cased and trimmed -> Klaviyo metric).
ECOMMERCE_RENAMES = {
    "product viewed": "Viewed Product",
    "product clicked": "Viewed Product",
    "product added": "Added to Cart",
    "checkout started": "Started Checkout",
}
#: B.1: Klaviyo property <- RudderStack property, per renamed metric.
ECOMMERCE_PROPERTIES: dict[str, tuple[tuple[str, str], ...]] = {
    "Viewed Product": (
        ("ProductName", "name"), ("ProductID", "product_id"), ("SKU", "sku"), ("ImageURL", "image_url"),
        ("URL", "url"), ("Brand", "brand"), ("Price", "price"), ("CompareAtPrice", "compare_at_price"),
        ("Categories", "categories"),
    ),
    "Added to Cart": (
        ("AddedItemProductName", "name"), ("AddedItemProductID", "product_id"), ("AddedItemSKU", "sku"),
        ("AddedItemImageURL", "image_url"), ("AddedItemURL", "url"), ("AddedItemPrice", "price"),
        ("AddedItemQuantity", "quantity"), ("AddedItemCategories", "categories"), ("ItemNames", "item_names"),
        ("CheckoutURL", "checkout_url"),
    ),
    "Started Checkout": (("Categories", "categories"), ("CheckoutURL", "checkout_url"), ("ItemNames", "item_names")),
}  # fmt: skip
#: B.1: the ``items`` entries, from ``properties.items`` or ``properties.products``.
ITEM_PROPERTIES = (
    ("ProductID", "product_id"), ("SKU", "sku"), ("ProductName", "name"), ("Quantity", "quantity"),
    ("ItemPrice", "price"), ("RowTotal", "row_total"), ("ProductURL", "url"), ("ImageURL", "image_url"),
    ("ProductCategories", "categories"),
)  # fmt: skip


def ecommerce_properties(metric: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """The renamed event's properties: its table, ``items`` for carts and checkouts, then the other properties.

    Example:
        >>> ecommerce_properties("Viewed Product", {"name": "Tee", "sku": "T1", "color": "red", "revenue": 5})
        {'ProductName': 'Tee', 'SKU': 'T1', 'color': 'red'}
    """
    table = ECOMMERCE_PROPERTIES[metric]
    out = {dest: properties[src] for dest, src in table if properties.get(src) not in (None, "")}
    used = {src for _, src in table} | set(EVENT_RESERVED) | {"order_id"}
    if metric != "Viewed Product":
        used |= {"items", "products"}
        items = properties.get("items") or properties.get("products")
        if isinstance(items, list):
            out["items"] = [
                {dest: item[src] for dest, src in ITEM_PROPERTIES if item.get(src) not in (None, "")}
                for item in items
                if isinstance(item, Mapping)
            ]
    for key, value in properties.items():
        if key not in used and key not in out:
            out[key] = value
    return out


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
            "email", "phone", "phone_number", "phoneNumber", "userId", "anonymousId", "id", "firstName",
            "first_name", "firstname", "lastName",
            "last_name", "lastname", "title", "organization", "image", "_kx", "street", "address1", "address2",
            "address", "city", "region", "state", "country", "zip", "zipcode", "postalcode", "postalCode",
            "timezone", "latitude", "longitude", "ip", "properties", "consent", "smsConsent", "subscribe",
        }
    )  # fmt: skip
    enforced_id_property: ClassVar[str] = "_id"
    enforce_accepts_phone: ClassVar[bool] = True
    #: B.1 / B.4 rename ecommerce events; the v2/v3 path (B.2) does not.
    ecommerce_renames: ClassVar[bool] = True

    def event_traits(self, traits: Mapping[str, Any]) -> dict[str, Any]:
        """Events carry the custom traits on their profile, as RudderStack sends them.

        Example:
            >>> RudderStackMapper().map({"type": "track", "event": "X", "userId": "u1",
            ...     "context": {"traits": {"age": 41}}})[0].profile
            {'external_id': 'u1', 'properties': {'age': 41}}
        """
        return self.custom_properties(traits)

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

    def track(self, message: Mapping[str, Any]) -> list[Intent]:
        """Ecommerce events under Klaviyo's names (B.1), the others as the base mapping sends them.

        Example:
            >>> e = RudderStackMapper().map({"type": "track", "event": " checkout started ", "userId": "u1",
            ...     "properties": {"order_id": "o9", "value": 30, "products": [{"sku": "S", "price": 30}]}})[0]
            >>> e.metric, e.unique_id, e.value, e.properties
            ('Started Checkout', 'o9', 30.0, {'items': [{'SKU': 'S', 'ItemPrice': 30}]})
        """
        name = self.event_name(message).lower()
        metric = ECOMMERCE_RENAMES.get(name) if self.ecommerce_renames else None
        if metric is None:
            return super().track(message)
        properties = mapping(message.get("properties"))
        # B.1: a renamed event's value is its ``value`` (the cart's, the checkout's); revenue and total are fallbacks.
        value = number(first(properties, "value", "revenue", "total"), "Value")
        event = self.event(message, metric, ecommerce_properties(metric, properties), value, source=properties)
        order = stripped_or_none(properties.get("order_id")) if metric == "Started Checkout" else None
        return [evolve(event, unique_id=order) if order else event]

    def group(self, message: Mapping[str, Any]) -> list[Intent]:
        """Subscribe to (``traits.subscribe`` true) or unsubscribe from (false, v2 only) the list ``groupId``.

        Without the flag the user (``context.traits``) is added to the list, consent untouched. In v1 a
        false flag asks for nothing (RudderStack's v1 refuses it): the line is skipped.

        Example:
            >>> p = RudderStackMapper().map({"type": "group", "groupId": "L1", "userId": "u1",
            ...     "context": {"traits": {"email": "a@example.com", "city": "Oslo"}}})[0]
            >>> p.list_id, p.attributes
            ('L1', {'email': 'a@example.com', 'external_id': 'u1', 'location': {'city': 'Oslo'}})
        """
        list_id = stripped_or_none(message.get("groupId"))
        if list_id is None:
            raise InputError("a group call needs groupId (the Klaviyo list ID)", label="Group ID", key="groupId")
        traits = mapping(message.get("traits"))
        flag = traits.get("subscribe")
        if flag is None:
            user = {k: v for k, v in message.items() if k != "traits"}  # the group's traits are not the user's
            attributes, meta, _ = self.profile(user)
            return [ProfileIntent(attributes, list_id, meta)]
        try:
            subscribe = to_bool(flag)
        except InputError:
            raise InputError(f"must be true or false (got {flag!r})", label="Subscribe", key="subscribe") from None
        if not subscribe and not self.unsubscribes:
            raise Skipped(
                "traits.subscribe is false: in RudderStack's v1 API that means do not subscribe, and a group call "
                "asks nothing else (format rudderstack-v2 unsubscribes from the groupId list)"
            )
        ids, _ = self.identifiers(message, for_event=False)
        return [self.consent(message, self.traits(message), ids, subscribe, list_id)]


class RudderStackV2Mapper(RudderStackMapper):
    """RudderStack's v2/v3 path (B.2): every track keeps its own name (no ecommerce renames), and an ``id``
    trait is a custom property (v1 counts it among the identifiers and leaves it out).

    Example:
        >>> RudderStackV2Mapper().map({"type": "track", "event": "Product Viewed", "userId": "u"})[0].metric
        'Product Viewed'
    """

    ecommerce_renames: ClassVar[bool] = False
    unsubscribes: ClassVar[bool] = True
    reserved_traits: ClassVar[frozenset[str]] = RudderStackMapper.reserved_traits - {"id"}
