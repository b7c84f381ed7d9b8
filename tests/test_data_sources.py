"""Data sources: every one takes a search text and a cap; search goes to Klaviyo where the registry allows."""

from __future__ import annotations

from typing import Any

import pytest
import responses
from conftest import BASE, assert_request

from actions.picklists import SELECT_FLOW, SELECT_TAG
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.shell.component import COMPONENT


def _page(kind: str, names: list[str], next_url: str | None = None, field: str = "name") -> dict[str, Any]:
    return {
        "data": [{"type": kind, "id": f"{kind}-{n}", "attributes": {field: n}} for n in names],
        "links": {"self": "x", "next": next_url},
    }


def test_every_data_source_has_search_and_a_cap() -> None:
    sources = COMPONENT.data_sources()
    assert {s.key for s in sources} >= {
        "selectAccount", "selectCampaign", "selectList", "selectMetric", "selectProfile", "selectSegment",
        "selectTemplate", "selectFlow", "selectTag", "selectCoupon", "selectCatalogItem", "selectForm",
        "selectWebFeed",
    }  # fmt: skip
    for source in sources:
        keys = {spec.key for spec in source.input_specs()}
        assert {"search", "limit"} <= keys, source.key
        assert source.operation_ids, source.key


def test_search_is_sent_as_a_contains_filter_when_the_operation_has_one(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/flows", json=_page("flow", ["Welcome series", "Welcome back"]))
    out = SELECT_FLOW.run(client, {"search": "welcome", "limit": "5"})
    assert out == {
        "result": [
            {"label": "Welcome series", "key": "flow-Welcome series"},
            {"label": "Welcome back", "key": "flow-Welcome back"},
        ]
    }
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/flows",
        query={"fields[flow]": "name", "filter": 'contains(name,"welcome")', "page[size]": "5"},
    )


def test_the_cap_stops_paging(client: KlaviyoClient, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/api/tags", json=_page("tag", ["a", "b", "c"], f"{BASE}/api/tags?page%5Bcursor%5D=n"))
    out = SELECT_TAG.run(client, {"limit": 3})
    assert [o["label"] for o in out["result"]] == ["a", "b", "c"]
    assert len(mocked.calls) == 1
    assert_request(mocked.calls[0], "GET", "/api/tags", query={"fields[tag]": "name", "page[size]": "3"})


def test_search_without_a_server_filter_is_matched_here_within_a_bounded_scan(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    from actions.lists import SELECT_LIST

    second = f"{BASE}/api/lists?page%5Bcursor%5D=2"
    mocked.get(f"{BASE}/api/lists", json=_page("list", ["VIP", "Newsletter"], second))
    mocked.get(second, json=_page("list", ["vip archive"], None))
    out = SELECT_LIST.run(client, {"search": "vip"})
    assert [o["label"] for o in out["result"]] == ["VIP", "vip archive"]
    # get_lists has no contains filter: no filter sent, pages read (at most PICKLIST_SCAN lists).
    assert_request(mocked.calls[0], "GET", "/api/lists", query={"fields[list]": "name", "page[size]": "10"})


def test_a_profile_search_by_email_is_an_exact_server_side_match(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    from actions.profiles import SELECT_PROFILE

    mocked.get(f"{BASE}/api/profiles", json=_page("profile", ["ada@example.com"], field="email"))
    out = SELECT_PROFILE.run(client, {"search": "Ada@Example.com"})
    assert out["result"] == [{"label": "ada@example.com", "key": "profile-ada@example.com"}]
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/profiles",
        query={
            "fields[profile]": "email,phone_number",
            "filter": 'equals(email,"ada@example.com")',
            "page[size]": "100",
        },
    )


@pytest.mark.parametrize("limit", ["0", "1001", "x"])
def test_a_bad_cap_is_an_input_error(client: KlaviyoClient, limit: str) -> None:
    with pytest.raises(InputError, match="Max Options"):
        SELECT_FLOW.run(client, {"limit": limit})


def test_select_campaign_searches_each_channel_and_caps_the_total(
    client: KlaviyoClient, mocked: responses.RequestsMock
) -> None:
    from actions.campaigns import SELECT_CAMPAIGN

    mocked.get(f"{BASE}/api/campaigns", json=_page("campaign", ["Spring sale", "Spring again"]))
    out = SELECT_CAMPAIGN.run(client, {"search": "spring", "limit": 2})
    assert out["result"] == [
        {"label": "Spring sale (email)", "key": "campaign-Spring sale"},
        {"label": "Spring again (email)", "key": "campaign-Spring again"},
    ]
    assert len(mocked.calls) == 1  # the cap was reached on the first channel
    assert_request(
        mocked.calls[0],
        "GET",
        "/api/campaigns",
        query={
            "fields[campaign]": "name",
            "filter": "and(equals(messages.channel,'email'),contains(name,\"spring\"))",
            "page[size]": "2",
        },
    )
