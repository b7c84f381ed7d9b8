"""The ``revision`` header: another valid revision is served with 2026-07-15 behaviour, and the answer says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connector.sandbox import Sandbox

from .spec import check


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def get(sb: Sandbox, path: str, revision: str) -> requests.Response:
    return requests.get(sb.url + path, headers={**sb.headers(), "revision": revision}, timeout=5)


def test_the_served_revision_gets_no_extra_headers(sb: Sandbox) -> None:
    resp = check(get(sb, "/api/lists", "2026-07-15"))
    assert "X-Klaviyo-Sandbox-Revision" not in resp.headers


@pytest.mark.parametrize("requested", ["2026-10-15", "2024-10-15", "2026-07-15.pre"])
def test_another_valid_revision_is_served_as_2026_07_15_and_told_so(sb: Sandbox, requested: str) -> None:
    resp = get(sb, "/api/lists", requested)
    assert resp.status_code == 200
    assert resp.headers["X-Klaviyo-Sandbox-Revision"] == "2026-07-15"
    assert requested in resp.headers["X-Klaviyo-Sandbox-Revision-Note"]


def test_2026_07_15_behaviour_applies_even_where_the_later_revision_differs(sb: Sandbox) -> None:
    # List Campaigns requires the channel filter in 2026-07-15 (no longer in 2026-10-15): still required here.
    resp = get(sb, "/api/campaigns", "2026-10-15")
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["source"] == {"parameter": "filter"}
    assert resp.headers["X-Klaviyo-Sandbox-Revision"] == "2026-07-15"


@pytest.mark.parametrize("revision", ["2026-13-45", "2026-02-30", "yesterday", "2026-7-15", ""])
def test_a_revision_that_is_not_a_date_is_400(sb: Sandbox, revision: str) -> None:
    resp = get(sb, "/api/lists", revision)
    assert resp.status_code == 400
    check(resp, request=False)
    assert resp.json()["errors"][0]["source"] == {"parameter": "revision"}
