"""``deliver`` end to end against the sandbox: the profiles, lists, consent and events that result."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connections.api_key import ApiKeyConnection
from connector.apps.delivery import DeliverySettings, deliver
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.jobs import JobPoller
from connector.sandbox import Sandbox
from connector.shell import deliver_cli as delivery_cli

POLL = JobPoller(schedule=(0.02, 0.05, 0.1), timeout=30)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[KlaviyoClient]:
    with KlaviyoClient(ApiKeyConnection(sandbox.api_key), base_url=sandbox.url) as client:
        yield client


def _list(client: KlaviyoClient, name: str) -> str:
    body = {"data": {"type": "list", "attributes": {"name": name}}}
    return str(client.request("POST", "/api/lists", json=body).json()["data"]["id"])


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def _report(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _by_email(sandbox: Sandbox, email: str) -> dict[str, Any]:
    return next(p for p in sandbox.state.profiles() if p["email"] == email)


def _events(sandbox: Sandbox) -> dict[str, str]:
    names = {m["id"]: m["name"] for m in sandbox.state.metrics()}
    return {e["unique_id"]: names[e["metric_id"]] for e in sandbox.state.events()}


def test_segment_file_lands_as_profiles_lists_consent_and_events(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    default_list, vip = _list(api, "Newsletter"), _list(api, "VIP")
    lines = [
        {
            "type": "identify",
            "userId": "u1",
            "messageId": "m1",
            "timestamp": "2025-05-01T00:00:00Z",
            "traits": {"email": "ada@example.com", "firstName": "Ada", "plan": "pro", "address": {"city": "London"}},
        },
        {
            "type": "identify",
            "userId": "u2",
            "messageId": "m2",
            "traits": {"email": "bob@example.com"},
            "integrations": {"Klaviyo": {"listId": vip}},
        },
        {
            "type": "track",
            "event": "Order Completed",
            "userId": "u1",
            "messageId": "m3",
            "timestamp": "2025-05-01T00:01:00Z",
            "properties": {
                "orderId": "o1",
                "revenue": 22,
                "currency": "USD",
                "products": [{"product_id": "p1", "price": 19}, {"sku": "s2", "price": 3}],
            },
        },
        {"type": "track", "event": "Signed Up", "anonymousId": "anon-9", "messageId": "m4"},
        {"type": "page", "userId": "u1", "name": "Home"},
        {"type": "track", "event": "Bad", "userId": "u3", "properties": {"email": "nope"}},
        "{not json",
    ]
    report = tmp_path / "report.jsonl"
    summary = deliver(
        _write(tmp_path / "events.jsonl", lines),
        format="segment",
        settings=DeliverySettings(list_id=default_list, subscribe=True, confirm_optin=False),
        client=api,
        report=report,
        poller=POLL,
    )

    rows = _report(report)
    assert [r["line"] for r in rows] == list(range(1, 8))
    assert [r["status"] for r in rows] == ["delivered"] * 4 + ["skipped"] + ["rejected"] * 2
    assert "send_page_as_track" in rows[4]["reason"] and "Email" in rows[5]["reason"]
    assert (summary.lines, summary.delivered, summary.rejected, summary.retryable, summary.skipped) == (7, 4, 2, 0, 1)

    ada = _by_email(sandbox, "ada@example.com")
    assert (ada["external_id"], ada["first_name"], ada["properties"], ada["location"]["city"]) == (
        "u1",
        "Ada",
        {"plan": "pro"},
        "London",
    )
    bob = _by_email(sandbox, "bob@example.com")
    assert [m["profile_id"] for m in sandbox.state.list_members(default_list)] == [ada["id"]]
    assert [m["profile_id"] for m in sandbox.state.list_members(vip)] == [bob["id"]]
    consent = sandbox.state.subscriptions(ada["id"])["email"]["marketing"]
    assert consent["consent"] == "SUBSCRIBED"
    assert _events(sandbox) == {
        "o1": "Order Completed",
        "o1_p1": "Ordered Product",
        "o1_s2": "Ordered Product",
        "m4": "Signed Up",
    }


def test_running_the_same_file_twice_never_duplicates_events(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    source = _write(
        tmp_path / "e.jsonl",
        [
            {
                "type": "track",
                "event": "Order Completed",
                "userId": "u1",
                "properties": {"order_id": "o7", "products": [{"id": "a"}, {"id": "a"}]},
            },
            {"type": "track", "event": "Viewed", "userId": "u1", "properties": {"x": 1}},
            {"type": "track", "event": "Viewed", "userId": "u1", "properties": {"x": 1}},
        ],
    )
    for _ in range(2):
        summary = deliver(source, client=api, settings={"placedOrder": True}, poller=POLL)
        assert summary.delivered == 3
    assert sorted(_events(sandbox).values()) == ["Ordered Product", "Ordered Product", "Placed Order", "Viewed"]


def test_rudderstack_identify_group_and_track(sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path) -> None:
    members = _list(api, "Members")
    lines = [
        {
            "type": "identify",
            "userId": "r1",
            "traits": {
                "email": "rita@example.com",
                "firstname": "Rita",
                "phone": "+15005550006",
                "properties": {"listId": members, "subscribe": True, "smsConsent": True},
            },
        },
        {
            "type": "group",
            "groupId": members,
            "userId": "r2",
            "traits": {"subscribe": True},
            "context": {"traits": {"email": "rob@example.com"}},
        },
        {
            "type": "track",
            "event": "Checked Out",
            "userId": "r1",
            "messageId": "t1",
            "properties": {"revenue": 10, "email": "rita@example.com", "sku": "A"},
        },
        {"type": "screen", "userId": "r1", "name": "Home", "messageId": "s1"},
    ]
    summary = deliver(_write(tmp_path / "r.jsonl", lines), format="rudderstack", client=api, poller=POLL)
    assert summary.delivered == 4

    rita, rob = _by_email(sandbox, "rita@example.com"), _by_email(sandbox, "rob@example.com")
    assert rita["first_name"] == "Rita" and rita["external_id"] == "r1"
    subs = sandbox.state.subscriptions(rita["id"])
    assert subs["email"]["marketing"]["consent"] == "SUBSCRIBED"
    assert subs["sms"]["marketing"]["consent"] == "SUBSCRIBED"
    assert {m["profile_id"] for m in sandbox.state.list_members(members)} == {rita["id"], rob["id"]}
    checked_out = next(e for e in sandbox.state.events() if e["unique_id"] == "t1")
    assert checked_out["value"] == 10 and checked_out["event_properties"]["sku"] == "A"
    assert "email" not in checked_out["event_properties"]


def test_klaviyo_rejections_are_reported_per_record_and_the_rest_delivered(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    # Two existing profiles; a third record carries the identifiers of both: the import job rejects it.
    seed = [
        {"type": "identify", "userId": "a", "traits": {"email": "a@example.com"}},
        {"type": "identify", "userId": "b", "traits": {"phone": "+15005550006"}},
    ]
    deliver(_write(tmp_path / "seed.jsonl", seed), client=api, poller=POLL)
    lines = [
        {"type": "identify", "traits": {"email": "c@example.com"}},
        {"type": "identify", "traits": {"email": "a@example.com", "phone": "+15005550006"}},
        {"type": "identify", "traits": {"email": "d@example.com"}},
        # Events: one with a time Klaviyo refuses (over a year ahead) is stripped; its batch is re-sent.
        {"type": "track", "event": "X", "userId": "a", "messageId": "ok1"},
        {"type": "track", "event": "X", "userId": "a", "messageId": "late", "timestamp": "2999-01-01T00:00:00Z"},
        {"type": "track", "event": "X", "userId": "a", "messageId": "ok2"},
    ]
    report = tmp_path / "report.jsonl"
    summary = deliver(_write(tmp_path / "e.jsonl", lines), client=api, report=report, poller=POLL)

    rows = _report(report)
    assert [r["status"] for r in rows] == ["delivered", "rejected", "delivered", "delivered", "rejected", "delivered"]
    assert rows[1]["reason"].startswith("import job ")
    assert "time" in rows[4]["reason"]
    assert summary.delivered + summary.rejected + summary.retryable == summary.lines == 6
    assert {"c@example.com", "d@example.com"} <= {p["email"] for p in sandbox.state.profiles()}
    assert {"ok1", "ok2"} <= set(_events(sandbox)) and "late" not in _events(sandbox)


def test_unreachable_klaviyo_marks_every_line_retryable(tmp_path: Path) -> None:
    from connector.client.retry import RetryPolicy

    client = KlaviyoClient(
        ApiKeyConnection("pk_" + "a" * 34), base_url="http://127.0.0.1:9", retry=RetryPolicy(max_retries=0)
    )
    lines = [{"type": "identify", "userId": "u"}, {"type": "track", "event": "X", "userId": "u"}]
    summary = deliver(_write(tmp_path / "e.jsonl", lines), client=client, poller=POLL)
    assert (summary.lines, summary.retryable) == (2, 2)


def test_cli_run_writes_the_report_and_returns_the_exit_code(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", sandbox.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    source = _write(tmp_path / "e.jsonl", [{"type": "track", "event": "X", "userId": "u"}, {"type": "alias"}])
    parser = argparse.ArgumentParser()
    delivery_cli.add_arguments(parser)
    args = parser.parse_args(
        [str(source), "--format", "segment", "--report", str(tmp_path / "r.jsonl"), "--placed-order"]
    )

    code = delivery_cli.run(args)

    assert code == 4  # a rejected line, none retryable
    assert json.loads(capsys.readouterr().out) == {
        "lines": 2,
        "delivered": 1,
        "rejected": 1,
        "retryable": 0,
        "skipped": 0,
        "report": str(tmp_path / "r.jsonl"),
        "requests": 1,  # the order event; the rejected line sent nothing
        "throttled": 0,
    }
    assert len(_report(tmp_path / "r.jsonl")) == 2


def test_page_calls_with_page_delivery_off_are_skipped_not_rejected(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ordinary stream (tracks and pages) is not bad data: its pages are skipped, counted, and exit 0."""
    monkeypatch.setenv("KLAVIYO_API_KEY", sandbox.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    lines = [
        {"type": "page", "userId": "u", "name": "Pricing"},
        {"type": "track", "event": "Trial Started", "userId": "u", "messageId": "t1"},
        {"type": "page", "anonymousId": "a", "category": "Docs", "name": "Intro"},
    ]
    source = _write(tmp_path / "e.jsonl", lines)
    parser = argparse.ArgumentParser()
    delivery_cli.add_arguments(parser)

    code = delivery_cli.run(parser.parse_args([str(source), "--report", str(tmp_path / "r.jsonl")]))

    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["lines"], summary["delivered"], summary["skipped"], summary["rejected"]) == (3, 1, 2, 0)
    rows = _report(tmp_path / "r.jsonl")
    assert [r["status"] for r in rows] == ["skipped", "delivered", "skipped"]
    assert "send_page_as_track" in rows[0]["reason"]
    assert set(_events(sandbox)) == {"t1"}


def _audience(event: str, key: str, email: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": event,
        "userId": email.split("@")[0],
        "context": {"personas": {"computation_key": key}, "traits": {"email": email}},
        "properties": {"audience_key": key, key: event == "Audience Entered", **extra},
    }


def _members(sandbox: Sandbox, list_id: str) -> set[str]:
    emails = {p["id"]: p["email"] for p in sandbox.state.profiles()}
    return {emails[m["profile_id"]] for m in sandbox.state.list_members(list_id)}


def test_segment_audiences_create_the_list_once_and_follow_entered_and_exited(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    first_sync = [
        _audience("Audience Entered", "vip_users", "ada@example.com", first_name="Ada"),
        _audience("Audience Entered", "vip_users", "bob@example.com", properties={"tier": "gold"}),
        _audience("Audience Entered", "vip_users", "cy@example.com"),
        _audience("Audience Exited", "vip_users", "cy@example.com"),  # same window: the last one wins
        _audience("Audience Exited", "never_synced", "ada@example.com"),  # no list yet: nothing to do
        {"type": "track", "event": "Audience Entered", "userId": "x", "properties": {}},  # no audience key
        _audience("Audience Entered", "vip_users", "not-an-email"),
    ]
    report = tmp_path / "r1.jsonl"
    summary = deliver(_write(tmp_path / "a.jsonl", first_sync), client=api, report=report, poller=POLL)

    rows = _report(report)
    assert [r["status"] for r in rows] == ["delivered"] * 5 + ["rejected"] * 2
    assert "Audience Key" in rows[5]["reason"] and "Email" in rows[6]["reason"]
    assert (summary.delivered, summary.rejected) == (5, 2)
    [vip] = [lst for lst in sandbox.state.lists() if lst["name"] == "vip_users"]
    assert _members(sandbox, vip["id"]) == {"ada@example.com", "bob@example.com"}
    assert [lst["name"] for lst in sandbox.state.lists()] == ["vip_users"]
    ada, bob = _by_email(sandbox, "ada@example.com"), _by_email(sandbox, "bob@example.com")
    assert ada["first_name"] == "Ada" and bob["properties"] == {"tier": "gold"}
    assert sandbox.state.events() == []  # audience events are memberships, not events

    # A later sync reuses the list found by name; exits remove, unknown people are already out.
    later = [
        _audience("Audience Exited", "vip_users", "ada@example.com"),
        _audience("Audience Entered", "vip_users", "cy@example.com"),
        _audience("Audience Exited", "vip_users", "nobody@example.com"),
    ]
    summary = deliver(_write(tmp_path / "b.jsonl", later), client=api, poller=POLL, window=2)
    assert summary.delivered == 3
    assert [lst["name"] for lst in sandbox.state.lists()] == ["vip_users"]
    assert _members(sandbox, vip["id"]) == {"bob@example.com", "cy@example.com"}
    assert "nobody@example.com" not in {p["email"] for p in sandbox.state.profiles()}


def test_segment_audience_with_a_list_id_uses_it_and_a_missing_list_is_rejected(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    engage = _list(api, "Engage list")
    lines = [
        {
            "type": "track",
            "event": "Audience Entered",
            "context": {"traits": {"email": "eve@example.com"}, "personas": {"external_audience_id": engage}},
            "properties": {"audience_key": "whatever"},
        },
        {
            "type": "track",
            "event": "Audience Entered",
            "context": {
                "traits": {"email": "fay@example.com"},
                "personas": {"audience_settings": {"listId": "NOPE00"}},
            },
        },
    ]
    report = tmp_path / "r.jsonl"
    deliver(_write(tmp_path / "e.jsonl", lines), client=api, report=report, poller=POLL)
    rows = _report(report)
    assert [r["status"] for r in rows] == ["delivered", "rejected"]
    assert _members(sandbox, engage) == {"eve@example.com"}
    assert [lst["name"] for lst in sandbox.state.lists()] == ["Engage list"]


def test_segment_user_subscribed_and_unsubscribed(sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path) -> None:
    news = _list(api, "News")
    lines = [
        {
            "type": "track",
            "event": "User Subscribed",
            "userId": "s1",
            "timestamp": "2025-03-01T10:00:00Z",
            "context": {"traits": {"email": "sub@example.com", "phone": "+15005550006"}},
            "properties": {"list_id": news, "historical_import": True},
        },
        {
            "type": "track",
            "event": "User Subscribed",
            "context": {"traits": {"email": "gone@example.com"}},
        },
        {
            "type": "track",
            "event": "User Unsubscribed",
            "context": {"traits": {"email": "gone@example.com"}},
        },
        {"type": "track", "event": "User Subscribed", "userId": "no-contact"},
    ]
    report = tmp_path / "r.jsonl"
    summary = deliver(_write(tmp_path / "s.jsonl", lines), client=api, report=report, poller=POLL)
    rows = _report(report)
    assert [r["status"] for r in rows] == ["delivered"] * 3 + ["rejected"]
    assert "email or a phone number" in rows[3]["reason"]
    assert summary.lines == 4

    sub = _by_email(sandbox, "sub@example.com")
    subs = sandbox.state.subscriptions(sub["id"])
    assert subs["email"]["marketing"]["consent"] == "SUBSCRIBED"
    assert subs["sms"]["marketing"]["consent"] == "SUBSCRIBED"
    assert _members(sandbox, news) == {"sub@example.com"}
    gone = _by_email(sandbox, "gone@example.com")
    assert sandbox.state.subscriptions(gone["id"])["email"]["marketing"]["consent"] == "UNSUBSCRIBED"
    assert sandbox.state.events() == []


def test_rudderstack_group_without_subscribe_and_ecommerce_names(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    crew = _list(api, "Crew")
    lines = [
        {"type": "group", "groupId": crew, "userId": "g1", "context": {"traits": {"email": "gil@example.com"}}},
        {
            "type": "track",
            "event": "Checkout Started",
            "userId": "g1",
            "properties": {"order_id": "co1", "value": 12, "items": [{"sku": "S", "price": 12}]},
        },
        {"type": "track", "event": "Product Viewed", "userId": "g1", "messageId": "pv1", "properties": {"sku": "S"}},
    ]
    summary = deliver(_write(tmp_path / "g.jsonl", lines), format="rudderstack", client=api, poller=POLL)
    assert summary.delivered == 3
    gil = _by_email(sandbox, "gil@example.com")
    assert _members(sandbox, crew) == {"gil@example.com"}
    assert sandbox.state.subscriptions(gil["id"]).get("email", {}).get("marketing", {}).get("consent") != "SUBSCRIBED"
    assert _events(sandbox) == {"co1": "Started Checkout", "pv1": "Viewed Product"}


def _consent(event: str, email: str, **properties: Any) -> dict[str, Any]:
    return {"type": "track", "event": event, "context": {"traits": {"email": email}}, "properties": properties}


def test_the_last_consent_change_per_person_wins_within_one_window(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    news = _list(api, "News")
    lines = [
        _consent("User Subscribed", "flip@example.com"),
        _consent("User Unsubscribed", "flip@example.com"),
        _consent("User Subscribed", "flip@example.com"),  # wins: flip ends subscribed
        _consent("User Subscribed", "flop@example.com"),
        _consent("User Unsubscribed", "flop@example.com"),  # wins: flop ends unsubscribed
        _consent("User Unsubscribed", "late@example.com"),  # global unsubscribe, then a list subscribe:
        _consent("User Subscribed", "late@example.com", list_id=news),  # the subscribe is applied last
    ]
    report = tmp_path / "r.jsonl"
    summary = deliver(_write(tmp_path / "c.jsonl", lines), client=api, report=report, poller=POLL)

    rows = _report(report)
    assert [r["status"] for r in rows] == ["delivered"] * 7
    assert [r.get("reason") for r in rows] == [
        "superseded by line 3",
        "superseded by line 3",
        None,
        "superseded by line 5",
        None,
        None,
        None,
    ]
    assert summary.lines == summary.delivered == 7

    def email_consent(email: str) -> str:
        return str(sandbox.state.subscriptions(_by_email(sandbox, email)["id"])["email"]["marketing"]["consent"])

    assert email_consent("flip@example.com") == "SUBSCRIBED"
    assert email_consent("flop@example.com") == "UNSUBSCRIBED"
    assert email_consent("late@example.com") == "SUBSCRIBED"
    assert _members(sandbox, news) == {"late@example.com"}


def test_subscribe_then_unsubscribe_from_a_list_in_one_window_leaves_only_that_list(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    # As if sent one by one: the subscribe makes a member, the unsubscribe takes them off that list only
    # (Klaviyo would unsubscribe a non-member from everything).
    news = _list(api, "News")
    lines = [
        _consent("User Subscribed", "lis@example.com", list_id=news),
        _consent("User Unsubscribed", "lis@example.com", list_id=news),
    ]
    report = tmp_path / "r.jsonl"
    deliver(_write(tmp_path / "c.jsonl", lines), client=api, report=report, poller=POLL)
    assert [(r["status"], r.get("reason")) for r in _report(report)] == [
        ("delivered", "superseded by line 2"),
        ("delivered", None),
    ]
    lis = _by_email(sandbox, "lis@example.com")
    assert _members(sandbox, news) == set()
    assert sandbox.state.subscriptions(lis["id"])["email"]["marketing"]["consent"] == "SUBSCRIBED"


def test_placed_order_lands_with_segment_classics_payload(sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path) -> None:
    order = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "properties": {
            "orderId": "o9",
            "revenue": 25,
            "total": 30,
            "coupon": "hasbros",
            "products": [
                {"id": "p1", "sku": "S1", "name": "Monopoly", "price": 19, "quantity": 1, "category": "Games"},
                {"id": "p2", "sku": "S2", "name": "Uno", "price": 3, "quantity": 2, "category": "Cards"},
            ],
        },
    }
    summary = deliver(_write(tmp_path / "o.jsonl", [order]), client=api, settings={"placedOrder": True}, poller=POLL)
    assert summary.delivered == 1
    assert _events(sandbox) == {"o9": "Placed Order", "o9_p1": "Ordered Product", "o9_p2": "Ordered Product"}
    by_id = {e["unique_id"]: e for e in sandbox.state.events()}
    placed = by_id["o9"]
    assert placed["value"] == 25
    assert placed["event_properties"]["ItemNames"] == ["Monopoly", "Uno"]
    assert placed["event_properties"]["Categories"] == ["Games", "Cards"]
    assert [i["RowTotal"] for i in placed["event_properties"]["Items"]] == [19, 6]
    assert placed["event_properties"]["coupon"] == "hasbros"
    assert not {"orderId", "revenue", "total", "products"} & set(placed["event_properties"])
    uno = by_id["o9_p2"]
    assert uno["value"] == 3
    assert uno["event_properties"]["Name"] == "Uno" and uno["event_properties"]["ProductCategories"] == ["Cards"]


def test_fields_to_append_unappend_and_unset_patch_the_profile_instead_of_overwriting_it(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    """D: appending "vip" to tags keeps the tags Klaviyo holds; the line is delivered only once the patch landed."""
    club = _list(api, "Club")
    seed = {"type": "identify", "userId": "p1", "traits": {"email": "pat@example.com", "tags": ["early"],
            "colors": ["red", "blue"], "temp": "x"}}  # fmt: skip
    deliver(_write(tmp_path / "seed.jsonl", [seed]), format="rudderstack-v2", client=api, poller=POLL)
    lines = [
        {
            "type": "identify",
            "userId": "p1",
            "traits": {"email": "pat@example.com", "tags": "vip", "colors": "red", "plan": "gold",
                       "properties": {"listId": club}},
            "integrations": {"klaviyo": {"fieldsToAppend": ["tags"], "fieldsToUnappend": ["colors"],
                                         "fieldsToUnset": ["temp"]}},
        },
        {
            "type": "track",
            "event": "Badge Earned",
            "userId": "p1",
            "messageId": "b1",
            "context": {"traits": {"email": "pat@example.com", "badges": "gold"}},
            "integrations": {"Klaviyo": {"fieldsToAppend": ["badges"]}},
        },
    ]
    report = tmp_path / "r.jsonl"
    summary = deliver(
        _write(tmp_path / "e.jsonl", lines), format="rudderstack-v2", client=api, report=report, poller=POLL
    )

    assert [r["status"] for r in _report(report)] == ["delivered", "delivered"]
    assert summary.delivered == 2
    pat = _by_email(sandbox, "pat@example.com")
    assert pat["properties"] == {"tags": ["early", "vip"], "colors": ["blue"], "plan": "gold", "badges": ["gold"]}
    assert _members(sandbox, club) == {"pat@example.com"}
    assert set(_events(sandbox)) == {"b1"}


def test_a_patch_klaviyo_refuses_rejects_its_line_with_the_reason(
    sandbox: Sandbox, api: KlaviyoClient, tmp_path: Path
) -> None:
    """Two profiles hold the identifiers: the single import answers 409 and the line says so (never delivered)."""
    seed = [
        {"type": "identify", "userId": "a", "traits": {"email": "a@example.com"}},
        {"type": "identify", "userId": "b", "traits": {"phone": "+15005550006"}},
    ]
    deliver(_write(tmp_path / "seed.jsonl", seed), client=api, poller=POLL)
    line = {
        "type": "identify",
        "traits": {"email": "a@example.com", "phone": "+15005550006", "tags": "vip"},
        "integrations": {"Klaviyo": {"fieldsToAppend": ["tags"]}},
    }
    report = tmp_path / "r.jsonl"
    summary = deliver(_write(tmp_path / "e.jsonl", [line]), client=api, report=report, poller=POLL)
    assert (summary.rejected, summary.delivered) == (1, 0)
    assert "409" in _report(report)[0]["reason"] or "already" in _report(report)[0]["reason"].lower()
