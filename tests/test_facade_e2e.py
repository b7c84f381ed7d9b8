"""The README's Python examples, run against the sandbox over real HTTP (the typed facade end to end)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import pytest

from connector import Klaviyo
from connector.framework.inputs import NULL
from connector.sandbox import Sandbox

GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Asynchronous jobs (202) settle soon after; poll briefly rather than sleep blindly."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.mark.e2e
def test_readme_python_examples_against_the_sandbox(sandbox: Sandbox) -> None:
    k = Klaviyo(api_key=sandbox.api_key, base_url=sandbox.url)

    account = next(k.accounts.list())
    assert k.accounts.get(account.id, fields=["timezone"]).id == account.id

    vip = k.lists.create(name="VIP")
    ada = k.profiles.create(email="ada@example.com", first_name="Ada", location={"city": "London"})
    assert k.profiles.get(ada.id, additional_fields=["subscriptions"]).attributes.email == "ada@example.com"
    assert [p.id for p in k.profiles.list(filter='equals(email,"ada@example.com")', limit=10)] == [ada.id]
    k.profiles.update(ada.id, last_name="Lovelace")
    assert sandbox.state.profile(ada.id)["last_name"] == "Lovelace"
    k.profiles.update(ada.id, title="Countess")
    k.profiles.update(ada.id, title=NULL)  # NULL clears it
    assert sandbox.state.profile(ada.id)["title"] is None

    sub = k.profiles.subscribe([{"email": "ada@example.com"}, {"phone_number": "+15005550006"}], list_id=vip.id)
    assert (sub.requests, sub.profiles) == (1, 2)
    assert (sub.delivered, sub.records[0].status) == (2, "delivered")
    members = eventually(lambda: len(list(k.profiles.list_for_list(vip.id))) == 2 and k.profiles.list_for_list(vip.id))
    assert ada.id in [m.id for m in members]
    assert sandbox.state.subscriptions(ada.id)["email"]["marketing"]["consent"] == "SUBSCRIBED"

    k.events.create(
        "Placed Order",
        {"email": "ada@example.com"},
        properties={"OrderId": "1"},
        value=9.99,
        value_currency="USD",
        unique_id="order-1",
    )
    k.events.bulk_create([{"metric": "Viewed Product", "profile": {"email": "ada@example.com"}, "properties": {}}])
    events = eventually(lambda: (lambda e: len(e) == 2 and e)(list(k.events.list(sort="-datetime", limit=100))))
    assert len(events) == 2
    assert k.events.get(events[0].id, metric_fields=["name"]).id == events[0].id
    metric = k.events.get(events[0].id, metric_fields=["name"]).metric
    assert metric is not None and metric.attributes.name in ("Placed Order", "Viewed Product")
    with_profiles = list(k.events.list(sort="-datetime", profile_fields=["email"], limit=100))
    assert {e.profile.attributes.email for e in with_profiles if e.profile} == {"ada@example.com"}

    segment = k.segments.create(
        "VIPs",
        [{"conditions": [{"type": "profile-group-membership", "is_member": True, "group_ids": [vip.id]}]}],
        starred=True,
    )
    assert [s.id for s in k.segments.list(filter="equals(is_starred,true)")] == [segment.id]
    k.segments.update(segment.id, name="VIP+")
    assert k.segments.get(segment.id).attributes.name == "VIP+"
    k.segments.delete(segment.id)
    assert sandbox.state.segments() == []

    template = k.templates.create("Monthly", html="<html><body>Hi</body></html>", text="Hi")
    k.templates.update(template.id, html="<p>New</p>")
    assert k.templates.get(template.id, fields=["name", "html"]).attributes.html == "<p>New</p>"
    k.templates.delete(template.id)

    image = k.images.upload(data=GIF, name="Hero")
    k.images.update(image.id, hidden=True)
    assert k.images.get(image.id).attributes.hidden is True

    campaign = k.campaigns.create(
        "Spring sale", messages=[{"channel": "email", "content": {"subject": "Hi"}}], included=[vip.id]
    )
    assert [c.id for c in k.campaigns.list(channel="email", filter="contains(name,'Spring')")] == [campaign.id]
    assert [c.id for c in k.campaigns.list()] == [campaign.id]  # every channel
    k.campaigns.update(campaign.id, name="Renamed", send_strategy={"method": "immediate"})
    assert k.campaigns.get(campaign.id).attributes.name == "Renamed"
    k.campaigns.delete(campaign.id)

    raw = k.raw_request.request("GET", "/api/lists", query={"fields[list]": "name"}, max_retries=3, exponential=True)
    assert raw.status == 200 and raw.body["data"][0]["attributes"] == {"name": "VIP"}
    assert {m["attributes"]["name"] for m in k.request("GET", "/api/metrics")["data"]} == {
        "Placed Order",
        "Viewed Product",
    }


@pytest.mark.e2e
def test_destination_facade_returns_models(sandbox: Sandbox) -> None:
    from actions.destination import ListMembership, TrackedOrder

    k = Klaviyo(api_key=sandbox.api_key, base_url=sandbox.url)
    vip = k.lists.create(name="VIP")
    first = k.destination.upsert_profile(email="ada@example.com", first_name="Ada", list_id=vip.id)
    again = k.destination.upsert_profile(email="ada@example.com", last_name="Lovelace")  # 409 -> update
    assert first.id == again.id and again.attributes.last_name == "Lovelace"
    assert [m["profile_id"] for m in sandbox.state.list_members(vip.id)] == [first.id]

    order = k.destination.order_completed(
        email="ada@example.com",
        properties={"order_id": "1001"},
        value=59.0,
        value_currency="USD",
        products=[{"product_id": "p1", "price": 59.0}],
    )
    assert order == TrackedOrder(unique_id="1001", product_unique_ids=["1001_p1"])
    membership = k.destination.add_profile_to_list(audience_name="Churn risk", email="ada@example.com")
    assert isinstance(membership, ListMembership) and membership.profile_ids == [first.id]
    assert {lst["name"] for lst in sandbox.state.lists()} == {"VIP", "Churn risk"}
