"""Query parameters: filter syntax, sort, sparse fieldsets, additional-fields and cursor pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Api, make_list, make_profile


@pytest.fixture
def five_lists(api: Api) -> list[str]:
    return [make_list(api, name) for name in ("Delta", "alpha", "Echo", "Bravo", "charlie")]


def test_pagination_across_pages_with_absolute_links(api: Api, five_lists: list[str]) -> None:
    url: str | None = "/api/lists?page[size]=2&sort=name&fields[list]=name"
    names: list[str] = []
    pages = 0
    while url:
        doc = api.get(url).json()
        pages += 1
        names += [d["attributes"]["name"] for d in doc["data"]]
        assert doc["links"]["self"].startswith(api.sb.url + "/api/lists")
        url = doc["links"].get("next")
        if url:
            query = parse_qs(urlsplit(url).query)
            assert url.startswith("http://127.0.0.1:")
            assert query["page[size]"] == ["2"] and query["sort"] == ["name"] and "page[cursor]" in query
    assert pages == 3
    assert names == sorted(names) and len(names) == 5


def test_prev_link_goes_back(api: Api, five_lists: list[str]) -> None:
    first = api.get("/api/lists", params={"page[size]": "2"}).json()
    second = api.get(first["links"]["next"]).json()
    assert "prev" not in first["links"]
    back = api.get(second["links"]["prev"]).json()
    assert [d["id"] for d in back["data"]] == [d["id"] for d in first["data"]]


def test_sort_descending(api: Api, five_lists: list[str]) -> None:
    doc = api.get("/api/lists", params={"sort": "-name"}).json()
    names = [d["attributes"]["name"] for d in doc["data"]]
    assert names == sorted(names, reverse=True)


def test_bad_sort_bad_fields_and_oversized_page_name_the_parameter(api: Api) -> None:
    for params, parameter in (({"sort": "bogus"}, "sort"),
                              ({"fields[list]": "name,bogus"}, "fields[list]"),
                              ({"page[size]": "11"}, "page[size]"),
                              ({"page[cursor]": "garbage!"}, "page[cursor]"),
                              ({"filter": "equals(bogus,'x')"}, "filter")):
        resp = api.get("/api/lists", params=params, validate_request=False)
        assert resp.status_code == 400, params
        assert resp.json()["errors"][0]["source"] == {"parameter": parameter}


@pytest.mark.parametrize("expr", [
    "equals(name,'x'", "equals(name,x)", "nope(name,'x')", "greater-than(created,'yesterday')",
    "any(id,'x')", "contains(name,'x')",
])
def test_malformed_or_disallowed_filters_are_400(api: Api, expr: str) -> None:
    resp = api.get("/api/lists", params={"filter": expr})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"parameter": "filter"}


def test_filter_operators(api: Api) -> None:
    a = make_profile(api, email="ann@example.com", external_id="e1")
    b = make_profile(api, email="bob@example.com", external_id="e2")
    make_profile(api, email="cy@example.org")

    def ids(expr: str) -> list[str]:
        return [d["id"] for d in api.get("/api/profiles", params={"filter": expr}).json()["data"]]

    assert ids('any(email,["ann@example.com","bob@example.com"])') == [a, b]
    assert ids("equals(external_id,'e2')") == [b]
    assert ids(f'and(any(id,["{a}","{b}"]),equals(email,"bob@example.com"))') == [b]
    assert ids("greater-than(created,2000-01-01T00:00:00Z),less-than(created,2999-01-01T00:00:00Z)") != []
    assert ids("greater-than(created,2999-01-01T00:00:00Z)") == []


def test_string_operators_on_images_style_fields(api: Api) -> None:
    for name in ("Spring Sale", "Summer Sale", "Winter"):
        make_list(api, name)
    doc = api.get("/api/lists", params={"filter": 'any(name,["Winter","Spring Sale"])'}).json()
    assert sorted(d["attributes"]["name"] for d in doc["data"]) == ["Spring Sale", "Winter"]


def test_sparse_fieldsets_and_dotted_fields(api: Api) -> None:
    pid = make_profile(api, email="s@example.com", first_name="S", location={"city": "Oslo", "zip": "0150"})
    attrs = api.get(f"/api/profiles/{pid}", params={"fields[profile]": "email,location.city"}).json()
    assert attrs["data"]["attributes"] == {"email": "s@example.com", "location": {"city": "Oslo"}}


def test_additional_fields_subscriptions(api: Api) -> None:
    pid = make_profile(api, email="sub@example.com")
    doc = api.get(f"/api/profiles/{pid}", params={"additional-fields[profile]": "subscriptions"}).json()
    marketing = doc["data"]["attributes"]["subscriptions"]["email"]["marketing"]
    assert marketing["consent"] == "NEVER_SUBSCRIBED"


def test_events_page_size_maximum_is_1000(api: Api) -> None:
    assert api.get("/api/events", params={"page[size]": "1000"}).status_code == 200
    assert api.get("/api/events", params={"page[size]": "1001"}, validate_request=False).status_code == 400
