"""The bulk senders build their bodies in code and send them pre-encoded (``send_encoded``), unchecked on the hot
path: so each builder's output, from the records the delivery and sync engines make, is checked here against the
operation's request schema, with every optional part (list, custom source, historical import) present.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector.client.errors import InputError
from connector.klaviyo.bulk import senders
from connector.klaviyo.bulk.chunking import json_bytes
from connector.klaviyo.intents import ConsentIntent, EventIntent, ProfileIntent
from connector.klaviyo.operations.calls import check_body
from connector.klaviyo.operations.registry import operation

PROFILE = ProfileIntent(
    {"email": "ada@example.com", "first_name": "Ada", "location": {"city": "London"}, "properties": {"plan": "pro"}}
)
EVENT = EventIntent(
    metric="Placed Order",
    profile={"email": "ada@example.com"},
    properties={"items": ["book"]},
    time="2026-11-30T10:00:00+00:00",
    value=12.5,
    value_currency="EUR",
    unique_id="order-1",
)
CONSENT = ConsentIntent(
    subscribe=True,
    email="ada@example.com",
    phone_number="+15005550006",
    historical_import=True,
    consented_at="2026-11-30T10:00:00+00:00",
)
UNSUBSCRIBE = ConsentIntent(subscribe=False, email="ada@example.com", channels=("email",))

CASES: list[tuple[str, senders.BulkSender, dict[str, Any]]] = [
    ("profile import", senders.profile_import(), PROFILE.record_resource()),
    ("profile import to a list", senders.profile_import("Y6nRLr"), PROFILE.record_resource()),
    ("events", senders.event_bulk_create(), EVENT.record_resource()),
    (
        "subscribe, every option",
        senders.subscribe("Y6nRLr", custom_source="Checkout", historical_import=True),
        CONSENT.record_resource(),
    ),
    ("unsubscribe from a list", senders.unsubscribe("Y6nRLr"), UNSUBSCRIBE.record_resource()),
]


@pytest.mark.parametrize(("name", "sender", "resource"), CASES, ids=[case[0] for case in CASES])
def test_encoded_body_is_valid_for_its_operation(name: str, sender: senders.BulkSender, resource: Any) -> None:
    records = [senders.BatchRecord(1, resource, encoded=json_bytes(resource))] * 2
    encoded = senders._body(sender.body, records)
    body = json.loads(encoded)
    check_body(operation(sender.limits.operation), body)
    assert body == sender.body([resource, resource]), "the spliced bytes differ from encoding the body at once"


def test_a_body_the_schema_refuses_is_caught() -> None:
    # The check above can fail: an attribute Klaviyo does not know is refused by the same check.
    sender = senders.profile_import()
    bad = {"type": "profile", "attributes": {"email": "ada@example.com", "favourite_colour": "red"}}
    with pytest.raises(InputError, match="favourite_colour"):
        check_body(operation(sender.limits.operation), sender.body([bad]))
