"""Mapping rules of Segment and RudderStack events, one test per rule and setting."""

from __future__ import annotations

from typing import Any

import pytest

from connector.apps.delivery.mapping import Skipped, mapper_for
from connector.apps.delivery.mapping.rudderstack import RudderStackMapper, RudderStackV2Mapper
from connector.apps.delivery.mapping.segment import SegmentMapper
from connector.apps.delivery.settings import DeliverySettings
from connector.client.errors import InputError
from connector.klaviyo.intents import ConsentIntent, EventIntent, MembershipIntent, ProfileIntent, plan_consents


def seg(message: dict[str, Any], **settings: Any) -> list[Any]:
    return SegmentMapper(DeliverySettings(**settings)).map(message)


def rud(message: dict[str, Any], **settings: Any) -> list[Any]:
    return RudderStackMapper(DeliverySettings(**settings)).map(message)


def rud2(message: dict[str, Any], **settings: Any) -> list[Any]:
    return RudderStackV2Mapper(DeliverySettings(**settings)).map(message)


def test_segment_trait_table() -> None:
    traits = {
        "email": "ada@example.com",
        "phone": "+15005550006",
        "firstName": "Ada",
        "lastName": "L",
        "title": "CTO",
        "company": {"name": "Acme"},
        "avatar": "https://x/a.png",
        "address": {"street": "1 Main", "city": "NYC", "state": "NY", "postal_code": "10001", "country": "US"},
        "timezone": "America/New_York",
        "plan": "pro",
    }
    [profile] = seg({"type": "identify", "userId": "u1", "traits": traits})
    assert profile.attributes == {
        "email": "ada@example.com",
        "phone_number": "+15005550006",
        "external_id": "u1",
        "first_name": "Ada",
        "last_name": "L",
        "title": "CTO",
        "organization": "Acme",
        "image": "https://x/a.png",
        "location": {
            "address1": "1 Main",
            "city": "NYC",
            "region": "NY",
            "country": "US",
            "zip": "10001",
            "timezone": "America/New_York",
        },
        "properties": {"plan": "pro"},
    }


def test_segment_classic_flat_traits_and_user_id_that_is_an_email() -> None:
    [profile] = seg(
        {
            "type": "identify",
            "userId": "ada@example.com",
            "traits": {
                "phoneNumber": "+15005550006",
                "organization": "Acme",
                "city": "Paris",
                "state": "IDF",
                "zip": "75001",
                "country": "FR",
            },
        }
    )
    assert profile.attributes["email"] == "ada@example.com"
    assert profile.attributes["organization"] == "Acme"
    assert profile.attributes["location"] == {"city": "Paris", "region": "IDF", "zip": "75001", "country": "FR"}


def test_rudderstack_trait_table() -> None:
    message = {
        "type": "identify",
        "userId": "u1",
        "context": {"ip": "1.2.3.4", "traits": {"lastname": "L"}},
        "traits": {
            "email": "a@example.com",
            "first_name": "Ada",
            "organization": "Acme",
            "image": "https://i",
            "street": "1 Main",
            "address2": "Apt 2",
            "city": "Tokyo",
            "region": "ABC",
            "country": "JP",
            "postalCode": "100-0001",
            "timezone": "Asia/Tokyo",
            "latitude": "35.6",
            "longitude": 139.7,
            "_kx": "kx",
            "Flagged": False,
            "properties": {"listId": "L1"},
        },
    }
    profile = rud(message)[0]
    assert profile.attributes == {
        "email": "a@example.com",
        "external_id": "u1",
        "first_name": "Ada",
        "last_name": "L",
        "organization": "Acme",
        "image": "https://i",
        "_kx": "kx",
        "location": {
            "address1": "1 Main",
            "address2": "Apt 2",
            "city": "Tokyo",
            "region": "ABC",
            "country": "JP",
            "zip": "100-0001",
            "timezone": "Asia/Tokyo",
            "latitude": 35.6,
            "longitude": 139.7,
            "ip": "1.2.3.4",
        },
        "properties": {"Flagged": False},
    }
    assert profile.list_id == "L1"


@pytest.mark.parametrize("mapper", [seg, rud])
def test_list_precedence_integrations_over_default(mapper: Any) -> None:
    message = {"type": "identify", "userId": "u1", "integrations": {"Klaviyo": {"listId": "OVR"}}}
    assert mapper(message, list_id="DEF")[0].list_id == "OVR"
    assert mapper({"type": "identify", "userId": "u1"}, list_id="DEF")[0].list_id == "DEF"


def test_enforce_email_segment_moves_user_id_to_id_and_requires_email() -> None:
    [profile] = seg({"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"}}, enforce_email=True)
    assert "external_id" not in profile.attributes
    assert profile.attributes["properties"] == {"id": "u1"}
    with pytest.raises(InputError, match="enforce_email"):
        seg({"type": "identify", "userId": "u1", "traits": {"phone": "+15005550006"}}, enforce_email=True)


def test_enforce_email_rudderstack_accepts_phone_and_uses__id() -> None:
    [profile] = rud({"type": "identify", "userId": "u1", "traits": {"phone": "+15005550006"}}, enforce_email=True)
    assert profile.attributes == {"phone_number": "+15005550006", "properties": {"_id": "u1"}}
    with pytest.raises(InputError):
        rud({"type": "track", "event": "X", "userId": "u1"}, enforce_email=True)


def test_fallback_on_anonymous_id() -> None:
    message = {"type": "identify", "anonymousId": "anon-1", "traits": {"plan": "x"}}
    with pytest.raises(InputError, match="Identifiers"):
        seg(message)
    assert seg(message, fallback_on_anonymous_id=True)[0].attributes["external_id"] == "anon-1"


def test_track_event_anonymous_only_and_message_id_and_time() -> None:
    [event] = seg(
        {
            "type": "track",
            "event": "Viewed",
            "anonymousId": "a1",
            "messageId": "m1",
            "timestamp": "2026-01-02T03:04:05.123456Z",
            "properties": {"revenue": "9.5", "currency": "eur"},
        }
    )
    assert isinstance(event, EventIntent)
    assert event.profile == {"anonymous_id": "a1"}
    assert (event.unique_id, event.time, event.value, event.value_currency) == (
        "m1",
        "2026-01-02T03:04:05.123456+00:00",
        9.5,
        "EUR",
    )
    assert event.properties == {"revenue": "9.5", "currency": "eur"}  # Segment keeps properties whole


@pytest.mark.parametrize(
    ("name", "problem"), [("x" * 128, "must be under 128 characters (got 128)"), ("   ", "is required")]
)
def test_an_event_name_klaviyo_would_refuse_is_refused_naming_the_event(name: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        seg({"type": "track", "event": name, "userId": "u1"})
    assert (caught.value.label, caught.value.problem) == ("Event", problem)
    [event] = seg({"type": "track", "event": " " + "x" * 127, "userId": "u1"})
    assert event.metric == "x" * 127


TRAITS = {"email": "a@example.com", "age": 41, "plan": {"tier": "gold"}, "id": "crm-7", "anonymousId": "x"}


@pytest.mark.parametrize(
    ("mapper", "custom"),
    [
        (RudderStackMapper, {"age": 41, "plan": {"tier": "gold"}}),  # v1 treats an ``id`` trait as an identifier
        (RudderStackV2Mapper, {"age": 41, "plan": {"tier": "gold"}, "id": "crm-7"}),
    ],
)
def test_rudderstack_events_carry_the_custom_context_traits_on_their_profile(
    mapper: type[RudderStackMapper], custom: dict[str, Any]
) -> None:
    base = {"userId": "u1", "context": {"traits": TRAITS}, "properties": {"sku": "S", "value": 3}}
    for message in (
        {**base, "type": "track", "event": "Signed Up"},
        {**base, "type": "screen", "name": "Home"},
        {**base, "type": "track", "event": "Product Viewed"},  # renamed in v1
        {**base, "type": "track", "event": "Checkout Started"},
    ):
        [event] = mapper().map(message)
        assert event.profile == {"email": "a@example.com", "external_id": "u1", "properties": custom}, message
    [flat] = mapper(DeliverySettings(flatten_properties=True, enforce_email=True)).map(
        {**base, "type": "track", "event": "Signed Up"}
    )
    assert flat.profile["properties"] == {**{k: v for k, v in custom.items() if k != "plan"}, "plan.tier": "gold",
                                          "_id": "u1"}  # fmt: skip


@pytest.mark.parametrize("mapper", [seg, rud])
def test_enforce_email_keeps_the_events_anonymous_id(mapper: Any) -> None:
    """Email-primary is about the external ID only; an event keeps the anonymous visitor it belongs to."""
    message = {"type": "track", "event": "X", "userId": "u1", "anonymousId": "anon-1",
               "context": {"traits": {"email": "a@example.com"}}}  # fmt: skip
    [event] = mapper(message, enforce_email=True)
    assert event.profile["anonymous_id"] == "anon-1" and "external_id" not in event.profile


@pytest.mark.parametrize("key", ["phone", "phone_number", "phoneNumber"])
def test_rudderstack_phone_traits_are_the_phone_number_never_a_custom_property(key: str) -> None:
    [profile] = rud({"type": "identify", "userId": "u1", "traits": {key: "+15005550006", "plan": "pro"}})
    assert profile.attributes == {"phone_number": "+15005550006", "external_id": "u1", "properties": {"plan": "pro"}}


def test_rudderstack_track_value_and_property_removal() -> None:
    [event] = rud(
        {
            "type": "track",
            "event": "Checked Out",
            "userId": "u1",
            "properties": {"total": 20, "email": "a@example.com", "currency": "USD", "x": 1},
        }
    )
    assert event.value == 20 and event.value_currency == "USD"
    assert event.properties == {"x": 1}
    assert event.profile == {"email": "a@example.com", "external_id": "u1"}
    with pytest.raises(InputError, match="Value"):
        rud({"type": "track", "event": "X", "userId": "u1", "properties": {"value": {"a": 1}}})


def test_missing_message_id_gets_a_deterministic_unique_id() -> None:
    message = {"type": "track", "event": "X", "userId": "u1", "properties": {"a": 1}}
    assert seg(message)[0].unique_id == seg(dict(message))[0].unique_id


@pytest.mark.parametrize(
    ("settings", "order_name"), [({}, "Order Completed"), ({"order_event_name": "Placed Order"}, "Placed Order")]
)
def test_order_completed_fan_out(settings: dict[str, Any], order_name: str) -> None:
    [order] = seg(
        {
            "type": "track",
            "event": "Order Completed",
            "userId": "u1",
            "messageId": "m1",
            "properties": {
                "orderId": "o1",
                "revenue": 25,
                "products": [{"product_id": "p1", "price": 19}, {"id": "i2", "price": 3}, {"sku": "s3"}],
            },
        },
        **settings,
    )
    assert order.metric == order_name and order.unique_id == "o1" and order.value == 25
    assert [f.unique_id for f in order.followers] == ["o1_p1", "o1_i2", "o1_s3"]
    assert [f.metric for f in order.followers] == ["Ordered Product"] * 3
    assert order.followers[0].value == 19
    if order_name == "Order Completed":  # the Actions shape: order properties overlaid by the product's
        assert order.followers[0].properties == {"orderId": "o1", "revenue": 25, "product_id": "p1", "price": 19}


SEED_ORDER = {  # seed 002's Order Completed example (Segment classic docs)
    "orderId": "50314b8e9bcf000000000000",
    "total": 30,
    "revenue": 25,
    "shipping": 3,
    "tax": 2,
    "discount": 2.5,
    "coupon": "hasbros",
    "currency": "USD",
    "repeat": True,
    "products": [
        {
            "id": "507f1f77bcf86cd799439011",
            "sku": "45790-32",
            "name": "Monopoly: 3rd Edition",
            "price": 19,
            "quantity": 1,
            "category": "Games",
            "productUrl": "http://www.example.com/path/to/product",
            "imageUrl": "http://www.example.com/path/to/product/image.png",
        },
        {"id": "505bd76785ebb509fc183733", "sku": "46493-32", "name": "Uno Card Game", "price": 3, "quantity": 2,
         "category": "Games", "edition": "classic"},
    ],
}  # fmt: skip


def test_placed_order_carries_segment_classics_payload() -> None:
    """destination-behaviours.md C.3: Categories, ItemNames, Items; order id and revenue as unique id and value."""
    message = {"type": "track", "event": "Order Completed", "userId": "u1", "messageId": "m1", "properties": SEED_ORDER}
    [order] = seg(message, order_event_name="Placed Order")
    assert (order.metric, order.unique_id, order.value, order.value_currency) == (
        "Placed Order",
        "50314b8e9bcf000000000000",
        25,
        "USD",
    )
    assert order.properties == {
        "Categories": ["Games"],
        "ItemNames": ["Monopoly: 3rd Edition", "Uno Card Game"],
        "Items": [
            {
                "id": "507f1f77bcf86cd799439011",
                "SKU": "45790-32",
                "Name": "Monopoly: 3rd Edition",
                "Quantity": 1,
                "ItemPrice": 19,
                "RowTotal": 19.0,
                "Categories": ["Games"],
                "ProductURL": "http://www.example.com/path/to/product",
                "ImageURL": "http://www.example.com/path/to/product/image.png",
            },
            {
                "id": "505bd76785ebb509fc183733",
                "SKU": "46493-32",
                "Name": "Uno Card Game",
                "Quantity": 2,
                "ItemPrice": 3,
                "RowTotal": 6.0,  # price x quantity (classic sent the unit price)
                "Categories": ["Games"],
                "edition": "classic",
            },
        ],
        "shipping": 3,
        "tax": 2,
        "discount": 2.5,
        "coupon": "hasbros",
        "currency": "USD",
        "repeat": True,
    }
    first_product, second = order.followers
    assert (first_product.metric, first_product.unique_id, first_product.value) == (
        "Ordered Product",
        "50314b8e9bcf000000000000_507f1f77bcf86cd799439011",
        19,
    )
    custom = {"shipping": 3, "tax": 2, "discount": 2.5, "coupon": "hasbros", "currency": "USD", "repeat": True}
    assert first_product.properties == {
        **custom,
        "Name": "Monopoly: 3rd Edition",
        "Quantity": 1,
        "ProductCategories": ["Games"],
        "ProductURL": "http://www.example.com/path/to/product",
        "ImageURL": "http://www.example.com/path/to/product/image.png",
        "SKU": "45790-32",
    }
    assert second.properties == {
        **custom,
        "Name": "Uno Card Game",
        "Quantity": 2,
        "ProductCategories": ["Games"],
        "SKU": "46493-32",
        "edition": "classic",
    }


def test_placed_order_value_and_id_fallbacks_and_sparse_products() -> None:
    props = {"eventId": "e1", "total": 9, "products": [{"sku": "s1"}, {"productId": "p2", "name": "B"}]}
    [order] = seg({"type": "track", "event": "Order Completed", "userId": "u"}, order_event_name="Placed Order")
    assert order.properties == {"Categories": [], "ItemNames": [], "Items": []}
    [order] = seg(
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": props},
        order_event_name="Placed Order",
    )
    # eventId is the unique id (kept as a custom property, as classic did); total is the value when no revenue.
    assert (order.unique_id, order.value) == ("e1", 9)
    assert order.properties == {
        "Categories": [],
        "ItemNames": ["B"],
        "Items": [{"SKU": "s1"}, {"id": "p2", "Name": "B"}],
        "eventId": "e1",
    }
    assert [f.unique_id for f in order.followers] == ["e1_s1", "e1_p2"]
    with pytest.raises(InputError, match=r"Products\[0\]\.quantity"):
        seg(
            {"type": "track", "event": "Order Completed", "userId": "u",
             "properties": {"products": [{"id": "p", "price": 1, "quantity": "two"}]}},
            order_event_name="Placed Order",
        )  # fmt: skip


def test_order_without_order_id_uses_message_id_and_product_events_can_be_off() -> None:
    message = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "messageId": "m9",
        "properties": {"products": [{"id": "p"}]},
    }
    assert seg(message)[0].followers[0].unique_id == "m9_p"
    assert seg(message, product_events=False)[0].followers == ()


def test_order_products_without_an_id_fall_back_to_their_position_and_are_delivered() -> None:
    """J: a product without product_id / id / sku gets ``<order>_<index>``; the order is never refused for it."""
    message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {
        "order_id": "o1", "products": [{"name": "x"}, {"id": "p1"}, {"name": "y"}, {"id": "2"}]}}  # fmt: skip
    [order] = seg(message)
    assert [f.unique_id for f in order.followers] == ["o1_0", "o1_p1", "o1_2", "o1_2_2"]
    assert seg(message)[0].followers == order.followers  # deterministic: a retry is deduplicated
    with pytest.raises(InputError, match=r"Products\[0\]"):
        seg({**message, "properties": {"products": ["not an object"]}})


def test_page_only_with_send_page_as_track() -> None:
    page = {"type": "page", "userId": "u1", "name": "Cart", "category": "Shop", "properties": {"path": "/cart"}}
    with pytest.raises(Skipped, match="send_page_as_track"):  # an ordinary page call is not bad data
        seg(page)
    assert seg(page, send_page_as_track=True)[0].metric == "Viewed Shop Cart page"
    assert seg(page, send_page_as_track=True)[0].properties == {}
    assert seg(page, send_page_as_track=True, additional_page_info=True)[0].properties == {"path": "/cart"}
    assert seg({"type": "page", "userId": "u1"}, send_page_as_track=True)[0].metric == "Viewed a Page"


def test_screen_is_an_event_named_after_the_screen() -> None:
    assert rud({"type": "screen", "userId": "u1", "name": "Home"})[0].metric == "Home"


@pytest.mark.parametrize("mapper", [rud, lambda m: RudderStackV2Mapper().map(m)])
def test_screen_keeps_its_value_and_is_named_by_event_or_name(mapper: Any) -> None:
    [screen] = mapper({"type": "screen", "userId": "u1", "event": "Checkout Screen", "name": "ignored",
                       "properties": {"value": 9.99, "currency": "USD", "step": 2}})  # fmt: skip
    assert (screen.metric, screen.value, screen.value_currency, screen.properties) == (
        "Checkout Screen",
        9.99,
        "USD",
        {"step": 2},
    )
    assert mapper({"type": "screen", "userId": "u1", "properties": {"name": "Home"}})[0].metric == "Home"
    assert mapper({"type": "screen", "userId": "u1"})[0].metric == "Viewed a Screen"


def test_rudderstack_ecommerce_value_is_the_value_property_before_revenue() -> None:
    """Started Checkout's (and Added to Cart's) value is the checkout's ``value``; revenue and total are fallbacks."""
    props = {"order_id": "o1", "value": 20, "revenue": 15, "total": 25}
    for name in ("Checkout Started", "Product Added"):
        assert rud({"type": "track", "event": name, "userId": "u1", "properties": props})[0].value == 20
    assert (
        rud({"type": "track", "event": "Checkout Started", "userId": "u1", "properties": {"revenue": 15}})[0].value
        == 15
    )


def test_segment_group_sets_organization() -> None:
    [profile] = seg({"type": "group", "userId": "u1", "groupId": "g", "traits": {"name": "Acme", "email": "co@x.com"}})
    assert profile.attributes == {"external_id": "u1", "organization": "Acme"}


def test_rudderstack_group_subscribes_or_unsubscribes_the_list() -> None:
    base = {
        "type": "group",
        "groupId": "L1",
        "userId": "u1",
        "context": {"traits": {"email": "a@example.com", "phone": "+15005550006"}},
    }
    [sub] = rud({**base, "traits": {"subscribe": True}}, consent=("email", "sms"))
    assert isinstance(sub, ConsentIntent)
    assert (sub.subscribe, sub.list_id, sub.channels) == (True, "L1", ("email", "sms"))
    [unsub] = rud2({**base, "traits": {"subscribe": False}})
    assert (unsub.subscribe, unsub.list_id) == (False, "L1")
    with pytest.raises(Skipped, match="v1"):  # v1: subscribe false is "do not subscribe", never an unsubscribe
        rud({**base, "traits": {"subscribe": False}})
    with pytest.raises(InputError, match="Subscribe"):
        rud({**base, "traits": {"subscribe": "maybe"}})


def test_rudderstack_group_without_subscribe_adds_the_user_to_the_list() -> None:
    # Seed 003: "associate a user with a list"; consent only changes with traits.subscribe.
    [profile] = rud(
        {
            "type": "group",
            "groupId": "L1",
            "userId": "u1",
            "traits": {"name": "Acme", "plan": "group-level"},
            "context": {"traits": {"email": "a@example.com", "age": 23}},
        }
    )
    assert isinstance(profile, ProfileIntent) and profile.list_id == "L1"
    assert profile.attributes == {"email": "a@example.com", "external_id": "u1", "properties": {"age": 23}}
    with pytest.raises(InputError, match="Group ID"):
        rud({"type": "group", "userId": "u1", "traits": {"subscribe": True}})


def test_identify_subscribe_flag_consent_and_sms_consent() -> None:
    message = {
        "type": "identify",
        "userId": "u1",
        "timestamp": "2025-01-01T00:00:00Z",
        "traits": {
            "email": "a@example.com",
            "phone": "+15005550006",
            "properties": {"subscribe": True, "consent": ["email"], "smsConsent": True},
        },
    }
    profile, consent = rud(message, list_id="L")
    assert isinstance(profile, ProfileIntent) and "properties" not in profile.attributes
    assert consent.channels == ("email", "sms") and consent.list_id == "L"
    assert consent.historical_import is False  # confirm_optin defaults on: the list's opt-in process applies
    _, imported = rud({**message, "integrations": {"Klaviyo": {"confirmOptin": False}}}, list_id="L")
    assert imported.historical_import is True and imported.consented_at == "2025-01-01T00:00:00+00:00"


def test_subscribe_setting_and_channels_need_identifiers() -> None:
    _, consent = seg(
        {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"}},
        subscribe=True,
        consent=("email", "sms"),
        custom_source="Shop",
    )
    assert consent.channels == ("email",) and consent.custom_source == "Shop"
    with pytest.raises(InputError, match="Consent"):
        seg(
            {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"}}, subscribe=True, consent=("sms",)
        )


# -- consent: what each input does (README "Consent rules") -------------------------------------------

WHO = {"email": "a@example.com", "phone": "+15005550006"}


def _identify(subscribe: Any = None, list_id: str | None = None, **traits: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {} if subscribe is None else {"subscribe": subscribe}
    if list_id:
        properties["listId"] = list_id
    return {"type": "identify", "userId": "u1", "traits": {**WHO, **traits, "properties": properties}}


def test_a_rudderstack_unsubscribe_revokes_marketing_only_never_transactional_texts() -> None:
    """B: RudderStack revokes SMS marketing; order and shipping texts (SMS transactional) stay allowed."""
    _, unsub = rud2(_identify(False, "L1"), consent=("email", "sms"))
    subscriptions = unsub.record_resource()["attributes"]["subscriptions"]
    assert subscriptions == {
        "email": {"marketing": {"consent": "UNSUBSCRIBED"}},
        "sms": {"marketing": {"consent": "UNSUBSCRIBED"}},
    }
    group = {
        "type": "group",
        "groupId": "L1",
        "userId": "u1",
        "context": {"traits": WHO},
        "traits": {"subscribe": False},
    }
    [left] = rud2(group, consent=("sms",))
    assert left.record_resource()["attributes"]["subscriptions"] == {"sms": {"marketing": {"consent": "UNSUBSCRIBED"}}}
    # Segment's own "User Unsubscribed" (its Unsubscribe Profile action) revokes SMS transactional too, as Segment does.
    [segment] = seg({"type": "track", "event": "User Unsubscribed", "context": {"traits": WHO}})
    assert "transactional" in segment.record_resource()["attributes"]["subscriptions"]["sms"]


def test_subscribe_false_never_does_more_than_not_subscribing() -> None:
    """C: v1 and Segment read subscribe false as "do not subscribe"; v2 unsubscribes from the event's list only."""
    for mapper in (rud, seg):
        [profile] = mapper(_identify(False, "L1"), list_id="DEF")
        assert isinstance(profile, ProfileIntent) and profile.list_id is None  # no consent change, no list joined
    [profile] = rud2(_identify(False))  # no list anywhere: not a global opt-out, nothing at all
    assert isinstance(profile, ProfileIntent) and profile.list_id is None
    profile, unsub = rud2(_identify(False, "L1"))
    # The unsubscribe from L1 does not import the person into L1 first (list-triggered flows would fire).
    assert profile.list_id is None
    assert (unsub.subscribe, unsub.list_id, unsub.channels) == (False, "L1", ("email",))


def test_subscribing_to_a_list_goes_through_its_opt_in_never_a_direct_import() -> None:
    """--list-id L --subscribe: the subscription job joins L (double opt-in first); the import does not add them."""
    for mapper in (seg, rud, rud2):
        profile, sub = mapper(_identify(), list_id="L", subscribe=True)
        assert profile.list_id is None and (sub.subscribe, sub.list_id) == (True, "L")
        [only] = mapper(_identify(), list_id="L")  # no consent asked: the default list is joined directly
        assert only.list_id == "L"


def test_a_channel_is_subscribed_only_when_the_event_or_else_the_settings_consent_to_it() -> None:
    _, email_only = rud(_identify(True, "L", consent=["email"]), sms_consent=True)
    assert email_only.channels == ("email",)  # the event consents to email only: --sms-consent does not add SMS
    _, silent = rud(_identify(True, "L"), sms_consent=True)
    assert silent.channels == ("email", "sms")  # the event says nothing: the settings decide
    _, sms_off = rud(_identify(True, "L", smsConsent=False), consent=("email", "sms"))
    assert sms_off.channels == ("email",)
    _, sms_only = rud(_identify(True, "L", smsConsent=True), consent=())
    assert sms_only.channels == ("sms",)


def test_fields_to_append_unappend_unset_become_patch_properties_not_custom_properties() -> None:
    """D: the named traits are patch operations (``meta.patch_properties``), never values that overwrite."""
    options = {"fieldsToAppend": ["tags", "missing"], "fieldsToUnappend": "colors", "fieldsToUnset": ["temp"]}
    message = {
        "type": "identify",
        "userId": "u1",
        "traits": {"email": "a@example.com", "tags": "vip", "colors": "red", "temp": 1, "plan": "gold"},
        "integrations": {"klaviyo": options},  # RudderStack matches the destination name in any case
    }
    for mapper in (rud, rud2, seg):
        [profile] = mapper(message)
        assert profile.attributes["properties"] == {"plan": "gold"}
        assert profile.meta == {
            "patch_properties": {"append": {"tags": "vip"}, "unappend": {"colors": "red"}, "unset": ["temp"]}
        }
    [plain] = rud({**message, "integrations": {}})
    assert plain.meta is None
    [event] = rud2({"type": "track", "event": "X", "userId": "u1", "context": {"traits": {"badges": "gold", "a": 1}},
                    "integrations": {"Klaviyo": {"fieldsToAppend": ["badges"]}}})  # fmt: skip
    assert event.profile["properties"] == {"a": 1}
    assert event.profile_meta == {"patch_properties": {"append": {"badges": "gold"}}}
    with pytest.raises(InputError, match="Fields To Append"):
        rud({**message, "integrations": {"Klaviyo": {"fieldsToAppend": {"tags": 1}}}})


def test_flatten_properties() -> None:
    [profile] = rud({"type": "identify", "userId": "u1", "traits": {"a": {"b": {"c": 1}}}}, flatten_properties=True)
    assert profile.attributes["properties"] == {"a.b.c": 1}
    [event] = seg(
        {"type": "track", "event": "X", "userId": "u", "properties": {"p": {"q": 2}}}, flatten_properties=True
    )
    assert event.properties == {"p.q": 2}


def test_flatten_properties_writes_arrays_of_objects_as_indexed_keys_like_rudderstack() -> None:
    """RudderStack's flattenJson keeps arrays of plain values but writes arrays of objects as ``key[i].field``."""
    [checkout] = rud(
        {
            "type": "track",
            "event": "Checkout Started",
            "userId": "u1",
            "properties": {
                "order_id": "o1",
                "products": [{"sku": "S1", "price": 5}, {"sku": "S2", "quantity": 2}],
                "tags": ["gift", "wrap"],
                "gift": {"to": {"name": "Bo"}, "notes": [{"text": "hi"}]},
            },
        },
        flatten_properties=True,
    )
    assert checkout.properties == {
        "items[0].SKU": "S1",
        "items[0].ItemPrice": 5,
        "items[1].SKU": "S2",
        "items[1].Quantity": 2,
        "tags": ["gift", "wrap"],
        "gift.to.name": "Bo",
        "gift.notes[0].text": "hi",
    }


def test_a_flattened_orders_product_list_stays_out_of_its_product_events() -> None:
    [order] = seg(
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": {
            "order_id": "o1", "ship": {"by": "air"}, "products": [{"id": "p1", "size": {"eu": 42}}]}},
        flatten_properties=True,
    )  # fmt: skip
    assert order.properties == {"order_id": "o1", "ship.by": "air", "products[0].id": "p1", "products[0].size.eu": 42}
    assert order.followers[0].properties == {"order_id": "o1", "ship.by": "air", "id": "p1", "size.eu": 42}


def test_default_region_converts_phone_numbers() -> None:
    [profile] = seg({"type": "identify", "traits": {"phone": "(500) 555-0006"}}, default_region="US")
    assert profile.attributes == {"phone_number": "+15005550006"}
    with pytest.raises(InputError, match="Phone Number"):
        seg({"type": "identify", "traits": {"phone": "(500) 555-0006"}})


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ({"type": "alias"}, "Type"),
        ({"type": "identify", "userId": "x" * 256}, "External ID"),
        ({"type": "track", "event": "", "userId": "u"}, "Event"),
        ({"type": "track", "event": "X", "userId": "u", "timestamp": "yesterday"}, "Timestamp"),
        ({"type": "track", "event": "X", "userId": "u", "properties": {"currency": "EURO"}}, "Currency"),
        ({"type": "identify", "traits": {"email": "x@gmail..com"}}, "Email"),
        # An event name that is not text would become a metric literally named "{'name': 'Nested'}".
        ({"type": "track", "event": {"name": "Nested"}, "userId": "u"}, "Event"),
        ({"type": "track", "event": ["Nested"], "userId": "u"}, "Event"),
        ({"type": "track", "event": 42, "userId": "u"}, "Event"),
        ({"type": "screen", "name": {"a": 1}, "userId": "u"}, "Event"),
        # A historical import's consent time must be in the past (Klaviyo refuses a future one).
        (
            {
                "type": "track",
                "event": "User Subscribed",
                "context": {"traits": {"email": "a@example.com"}},
                "properties": {"historical_import": True, "consented_at": "2999-01-01T00:00:00Z"},
            },
            "Consented At",
        ),
        (
            {
                "type": "identify",
                "userId": "u",
                "timestamp": "2999-01-01T00:00:00Z",
                "traits": {"email": "a@example.com", "properties": {"subscribe": True}},
                "integrations": {"Klaviyo": {"confirmOptin": False}},
            },
            "Consented At",
        ),
    ],
)
def test_each_failure_names_the_field(message: dict[str, Any], label: str) -> None:
    with pytest.raises(InputError) as caught:
        seg(message)
    assert caught.value.label == label


def test_settings_from_mapping_and_formats() -> None:
    settings = DeliverySettings.from_mapping(
        {"listId": "L", "placedOrder": True, "consent": "email,sms", "subscribe": "yes"}
    )
    assert (settings.list_id, settings.order_event_name, settings.consent, settings.subscribe) == (
        "L",
        "Placed Order",
        ("email", "sms"),
        True,
    )
    with pytest.raises(InputError):
        DeliverySettings.from_mapping({"nope": 1})
    with pytest.raises(InputError):
        mapper_for("mparticle")


def test_segment_audience_entered_upserts_then_adds_to_the_audience_list() -> None:
    profile, member = seg(
        {
            "type": "track",
            "event": "Audience Entered",
            "userId": "u1",
            "context": {"personas": {"computation_key": "vip_users"}, "traits": {"email": "a@example.com"}},
            "properties": {
                "audience_key": "ignored_when_computation_key",
                "vip_users": True,
                "firstName": "Ada",
                "properties": {"tier": "gold"},
            },
        }
    )
    assert isinstance(profile, ProfileIntent) and isinstance(member, MembershipIntent)
    assert profile.attributes == {
        "email": "a@example.com",
        "external_id": "u1",
        "first_name": "Ada",
        "properties": {"tier": "gold"},
    }
    assert profile.list_id is None  # membership goes through the list relationship endpoint
    assert (member.add, member.audience, member.list_id) == (True, "vip_users", None)
    assert member.identifiers == {"email": "a@example.com", "external_id": "u1"}


def test_segment_audience_exited_only_removes_and_list_ids_win_over_the_name() -> None:
    base = {"type": "track", "event": "Audience Exited", "userId": "u1", "properties": {"audience_key": "k"}}
    [member] = seg(base)
    assert (member.add, member.audience) == (False, "k")
    [by_external] = seg({**base, "context": {"personas": {"external_audience_id": "L1"}}})
    assert (by_external.list_id, by_external.audience) == ("L1", None)
    settings = {"audience_settings": {"listId": "L2"}, "external_audience_id": "L1"}
    [by_setting] = seg({**base, "context": {"personas": settings}})
    assert by_setting.list_id == "L2"
    with pytest.raises(InputError) as caught:
        seg({**base, "properties": {}})
    assert caught.value.label == "Audience Key"
    with pytest.raises(InputError, match="Identifiers"):
        seg({**base, "userId": None, "anonymousId": "a"})  # lists hold profiles, not anonymous ids


def test_membership_identity_and_target() -> None:
    m = MembershipIntent(True, {"email": "A@Example.com", "external_id": "u"}, audience="k")
    assert m.identity() == (("email", "a@example.com"), ("external_id", "u"))
    assert m.target() == ("audience", "k")
    with pytest.raises(ValueError):
        MembershipIntent(False, {"email": "a@b.co"}).target()


def test_segment_user_subscribed_channels_list_and_historical_import() -> None:
    message = {
        "type": "track",
        "event": "User Subscribed",
        "timestamp": "2025-03-01T10:00:00Z",
        "context": {"traits": {"email": "a@example.com", "phone": "+15005550006"}},
        "properties": {"list_id": "L1"},
    }
    [consent] = seg(message)
    assert isinstance(consent, ConsentIntent)
    assert (consent.subscribe, consent.channels, consent.list_id) == (True, ("email", "sms"), "L1")
    assert (consent.historical_import, consent.consented_at, consent.custom_source) == (False, None, None)
    [imported] = seg(
        {**message, "properties": {"historical_import": True, "consented_at": "2024-01-01T00:00:00Z"}},
        list_id="DEF",
        custom_source="Shop",
    )
    assert (imported.historical_import, imported.consented_at) == (True, "2024-01-01T00:00:00+00:00")
    assert (imported.list_id, imported.custom_source) == ("DEF", "Shop")
    [by_setting] = seg(message, confirm_optin=False)
    assert (by_setting.historical_import, by_setting.consented_at) == (True, "2025-03-01T10:00:00+00:00")
    override = {**message, "integrations": {"Klaviyo": {"listId": "OVR"}}}
    assert seg(override)[0].list_id == "OVR"
    body = imported.record_resource()["attributes"]["subscriptions"]
    assert body["email"]["marketing"] == {"consent": "SUBSCRIBED", "consented_at": "2024-01-01T00:00:00+00:00"}


def test_segment_user_unsubscribed_and_identifier_rules() -> None:
    [consent] = seg({"type": "track", "event": "user unsubscribed", "properties": {"email": "a@example.com"}})
    assert (consent.subscribe, consent.channels, consent.email, consent.custom_source) == (
        False,
        ("email",),
        "a@example.com",
        None,
    )
    with pytest.raises(InputError, match="email or a phone number"):
        seg({"type": "track", "event": "User Subscribed", "userId": "u1"})
    with pytest.raises(InputError, match="Phone Number"):
        seg({"type": "track", "event": "User Subscribed", "context": {"traits": {"phone": "555"}}})
    with pytest.raises(InputError, match="Historical Import"):
        seg(
            {
                "type": "track",
                "event": "User Subscribed",
                "properties": {"email": "a@example.com", "historical_import": "maybe"},
            }
        )


def test_rudderstack_does_not_treat_segment_audience_events_specially() -> None:
    [event] = rud({"type": "track", "event": "Audience Entered", "userId": "u1", "properties": {"audience_key": "k"}})
    assert isinstance(event, EventIntent) and event.metric == "Audience Entered"


@pytest.mark.parametrize(
    ("event", "metric"),
    [
        ("Product Viewed", "Viewed Product"),
        ("product clicked", "Viewed Product"),
        (" Product Added ", "Added to Cart"),
        ("Checkout Started", "Started Checkout"),
        ("Order Completed", "Order Completed"),
        ("Product Removed", "Product Removed"),
    ],
)
def test_rudderstack_v1_ecommerce_renames(event: str, metric: str) -> None:
    [intent] = rud({"type": "track", "event": event, "userId": "u1", "properties": {"sku": "S"}})
    assert intent.metric == metric
    [kept] = RudderStackV2Mapper().map({"type": "track", "event": event, "userId": "u1"})
    assert isinstance(kept, EventIntent) and kept.metric == event.strip()
    assert mapper_for("rudderstack-v2") is RudderStackV2Mapper


def test_rudderstack_ecommerce_properties() -> None:
    products = [{"product_id": "p1", "sku": "S1", "name": "Tee", "quantity": 2, "price": 5, "url": "u", "x": 1}]
    [viewed] = rud(
        {
            "type": "track",
            "event": "Product Viewed",
            "userId": "u1",
            "messageId": "m1",
            "properties": {"name": "Tee", "product_id": "p1", "brand": "B", "compare_at_price": 9, "color": "red"},
        }
    )
    assert viewed.properties == {
        "ProductName": "Tee",
        "ProductID": "p1",
        "Brand": "B",
        "CompareAtPrice": 9,
        "color": "red",
    }
    assert viewed.unique_id == "m1"
    [added] = rud(
        {
            "type": "track",
            "event": "Product Added",
            "userId": "u1",
            "properties": {
                "name": "Tee",
                "price": 5,
                "quantity": 2,
                "value": 10,
                "checkout_url": "c",
                "products": products,
            },
        }
    )
    assert added.value == 10
    assert added.properties == {
        "AddedItemProductName": "Tee",
        "AddedItemPrice": 5,
        "AddedItemQuantity": 2,
        "CheckoutURL": "c",
        "items": [
            {"ProductID": "p1", "SKU": "S1", "ProductName": "Tee", "Quantity": 2, "ItemPrice": 5, "ProductURL": "u"}
        ],
    }
    [checkout] = rud(
        {
            "type": "track",
            "event": "Checkout Started",
            "userId": "u1",
            "messageId": "m2",
            "properties": {"order_id": "o1", "revenue": 10, "item_names": ["Tee"], "items": products},
        }
    )
    assert (checkout.unique_id, checkout.value) == ("o1", 10)  # $event_id <- order_id (B.1)
    assert checkout.properties["ItemNames"] == ["Tee"] and len(checkout.properties["items"]) == 1
    [no_order] = rud({"type": "track", "event": "Checkout Started", "userId": "u1", "messageId": "m3"})
    assert no_order.unique_id == "m3"


# -- consent order within one window (plan_consents and deliver's reporting) ----------------------


def _rounds(intents: list[ConsentIntent]) -> list[list[tuple[int, bool, tuple[str, ...]]]]:
    return [[(i, c.subscribe, c.channels) for i, c in r] for r in plan_consents(intents).rounds]


def test_last_consent_change_per_person_list_and_channel_wins() -> None:
    sub, unsub = ConsentIntent(True, email="A@x.co"), ConsentIntent(False, email="a@x.co")
    plan = plan_consents([sub, unsub, sub])
    assert _rounds([sub, unsub, sub]) == [[(2, True, ("email", "sms"))]]
    assert plan.superseded == {0: (2,), 1: (2,)}
    # Other people and other lists are independent; same-direction changes share a round.
    other = ConsentIntent(False, email="b@x.co")
    on_list = ConsentIntent(True, email="a@x.co", list_id="L")
    assert _rounds([sub, other, on_list]) == [
        [(0, True, ("email", "sms")), (1, False, ("email", "sms")), (2, True, ("email", "sms"))]
    ]


def test_consent_channels_are_superseded_one_by_one() -> None:
    both = ConsentIntent(True, email="a@x.co", phone_number="+15005550006")
    email_off = ConsentIntent(False, email="a@x.co", channels=("email",))
    plan = plan_consents([both, email_off])
    # The SMS part of line 0 still stands and is sent; its email part is line 1's.
    assert _rounds([both, email_off]) == [[(0, True, ("sms",)), (1, False, ("email",))]]
    assert plan.superseded == {0: (1,)}


def test_opposite_changes_on_different_lists_keep_their_order() -> None:
    off_everywhere = ConsentIntent(False, email="a@x.co")
    on_list = ConsentIntent(True, email="a@x.co", list_id="L")
    assert [[i for i, *_ in r] for r in _rounds([off_everywhere, on_list, off_everywhere])] == [[1], [2]]
    assert [[i for i, *_ in r] for r in _rounds([off_everywhere, on_list])] == [[0], [1]]


def test_a_list_unsubscribe_that_wins_keeps_the_subscribe_before_it() -> None:
    sub = ConsentIntent(True, email="a@x.co", list_id="L")
    unsub = ConsentIntent(False, email="a@x.co", list_id="L")
    plan = plan_consents([sub, unsub, sub, unsub])
    # Only the latest subscribe (line 2) is still sent, before the winning unsubscribe (line 3).
    assert [[i for i, _ in r] for r in plan.rounds] == [[2], [3]]
    assert plan.superseded == {0: (3,), 1: (3,), 2: (3,)}
    # A global unsubscribe has no such exception (Klaviyo unsubscribes everywhere either way).
    glob = [ConsentIntent(True, email="a@x.co"), ConsentIntent(False, email="a@x.co")]
    assert [[i for i, _ in r] for r in plan_consents(glob).rounds] == [[1]]


def test_superseded_lines_share_the_winners_failure(client: Any, mocked: Any) -> None:
    import io
    import json

    from conftest import BASE

    from connector.apps.delivery import deliver

    mocked.post(
        f"{BASE}/api/profile-subscription-bulk-create-jobs",
        json={"errors": [{"status": 400, "code": "invalid", "title": "Invalid input.", "detail": "List is gone."}]},
        status=400,
    )
    lines = [
        {"type": "track", "event": "User Unsubscribed", "context": {"traits": {"email": "a@x.co"}}},
        {"type": "track", "event": "User Subscribed", "context": {"traits": {"email": "a@x.co"}}},
    ]
    out = io.StringIO()
    summary = deliver(lines, client=client, report=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["status"] for r in rows] == ["rejected", "rejected"]
    assert rows[0]["reason"].startswith("superseded by line 2: ") and "List is gone." in rows[0]["reason"]
    assert "superseded" not in rows[1]["reason"]
    assert (summary.lines, summary.rejected) == (2, 2)
    assert len(mocked.calls) == 1  # the superseded unsubscribe was never sent


def test_capital_i_identify_is_an_upsert_never_a_list_removal() -> None:
    """A.6's default trigger (type = "Identify") matches no Segment message; deliver does not invent one."""
    intents = seg({"type": "Identify", "userId": "u1", "traits": {"email": "a@x.co"}}, list_id="L1")
    assert [type(i) for i in intents] == [ProfileIntent]
    assert intents[0].list_id == "L1"


def test_list_removal_resolves_ids_first_and_never_deletes_without_one(client: Any, mocked: Any) -> None:
    import io
    import json

    from conftest import BASE

    from connector.apps.delivery import deliver

    mocked.get(f"{BASE}/api/profiles", json={"data": [], "links": {"next": None}})  # email: nobody
    mocked.get(
        f"{BASE}/api/profiles", json={"data": [{"type": "profile", "id": "P1", "attributes": {"email": "k@x.co"}}]}
    )
    mocked.delete(f"{BASE}/api/lists/L1/relationships/profiles", status=204)

    def exited(email: str) -> dict[str, Any]:
        return {"type": "track", "event": "Audience Exited", "context": {"traits": {"email": email},
                "personas": {"external_audience_id": "L1"}}}  # fmt: skip

    out = io.StringIO()
    deliver([exited("gone@x.co")], client=client, report=out)
    assert [c.request.method for c in mocked.calls] == ["GET"]  # nobody known: nothing to remove, no DELETE
    assert json.loads(out.getvalue())["status"] == "delivered"
    deliver([exited("k@x.co")], client=client)
    delete = mocked.calls[-1].request
    assert delete.method == "DELETE" and json.loads(delete.body) == {"data": [{"type": "profile", "id": "P1"}]}


def test_deliver_list_id_with_subscribe_imports_without_the_list_and_subscribes_to_it(client: Any, mocked: Any) -> None:
    """The import job carries no list relationship: only the subscription (and its opt-in) puts them on L."""
    import json

    from conftest import BASE

    from connector.apps.delivery import DeliverySettings, deliver

    job = {"data": {"type": "profile-bulk-import-job", "id": "J1", "attributes": {"status": "complete"}}}
    mocked.post(f"{BASE}/api/profile-bulk-import-jobs", json=job, status=202)
    mocked.get(f"{BASE}/api/profile-bulk-import-jobs", json={"data": [job["data"]], "links": {}})  # followed
    mocked.post(f"{BASE}/api/profile-subscription-bulk-create-jobs", status=202)
    line = {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com"}}

    summary = deliver([line], client=client, settings=DeliverySettings(list_id="L", subscribe=True))

    assert summary.delivered == 1
    imported = json.loads(mocked.calls[0].request.body)["data"]
    assert "relationships" not in imported
    subscribed = json.loads(mocked.calls[-1].request.body)["data"]
    assert subscribed["relationships"] == {"list": {"data": {"type": "list", "id": "L"}}}
    assert subscribed["attributes"]["historical_import"] is False  # the list's opt-in process applies


def test_an_append_klaviyo_did_not_answer_is_retryable_and_never_resent_blindly(client: Any, mocked: Any) -> None:
    """A lost answer to an append cannot be retried safely (the value would be appended twice): one request,
    and the line is retryable, never delivered."""
    import io
    import json

    from conftest import BASE

    from connector.apps.delivery import deliver

    mocked.post(f"{BASE}/api/profile-import", status=503)
    line = {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com", "tags": "vip"},
            "integrations": {"Klaviyo": {"fieldsToAppend": ["tags"]}}}  # fmt: skip
    out = io.StringIO()
    summary = deliver([line], client=client, report=out)
    assert (summary.retryable, summary.delivered) == (1, 0)
    assert json.loads(out.getvalue())["status"] == "retryable"
    sent = json.loads(mocked.calls[0].request.body)
    assert sent["data"]["meta"] == {"patch_properties": {"append": {"tags": "vip"}}}
    assert len(mocked.calls) == 1
