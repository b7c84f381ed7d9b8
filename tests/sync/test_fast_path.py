"""The sync's fast paths send and record exactly what the plain paths did.

- request bodies spliced from pre-encoded records are byte for byte ``json.dumps`` of the whole body;
- the row mapping gives the same records (resource, key, digest, identity) and the same rejections.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from connector.client.pipeline import JSON_API, KlaviyoClient
from connector.klaviyo.bulk import senders as batching
from connector.klaviyo.bulk.chunking import json_bytes
from connector.klaviyo.bulk.senders import BatchRecord


class _Capture:
    """Enough of a client for the batching layer: keeps each request's body, answers with nothing."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        assert kwargs.get("json") is None and kwargs["headers"]["Content-Type"] == JSON_API
        self.bodies.append(kwargs["data"])
        return self

    def json(self) -> dict[str, Any]:
        return {}


def _compact(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


RESOURCES = [
    {"type": "profile", "attributes": {"email": f"u{i}@example.com", "properties": {"name": "Zoë 😀", "n": i}}}
    for i in range(5)
]


@pytest.mark.parametrize("pre_encoded", [False, True])
@pytest.mark.parametrize("list_id", [None, "Y6nRLr"])
def test_bodies_are_the_json_of_the_whole_request(pre_encoded: bool, list_id: str | None) -> None:
    records = [BatchRecord(i, r, None, json_bytes(r) if pre_encoded else None) for i, r in enumerate(RESOURCES)]
    fake = _Capture()
    client = cast(KlaviyoClient, fake)
    batching.import_profiles(client, records, list_id=list_id)
    batching.create_events(client, records)
    batching.subscribe_profiles(client, records, list_id=list_id, custom_source="Checkout", historical_import=True)
    batching.unsubscribe_profiles(client, records, list_id=list_id)
    relationships_list = {"list": {"data": {"type": "list", "id": list_id}}}
    expected: list[dict[str, Any]] = [
        {
            "type": "profile-bulk-import-job",
            "attributes": {"profiles": {"data": RESOURCES}},
            **({"relationships": {"lists": {"data": [{"type": "list", "id": list_id}]}}} if list_id else {}),
        },
        {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": RESOURCES}}},
        {
            "type": "profile-subscription-bulk-create-job",
            "attributes": {"profiles": {"data": RESOURCES}, "historical_import": True, "custom_source": "Checkout"},
            **({"relationships": relationships_list} if list_id else {}),
        },
        {
            "type": "profile-subscription-bulk-delete-job",
            "attributes": {"profiles": {"data": RESOURCES}},
            **({"relationships": relationships_list} if list_id else {}),
        },
    ]
    assert fake.bodies == [_compact({"data": doc}) for doc in expected]


def test_the_size_limit_uses_the_encoded_bytes() -> None:
    big = {"type": "profile", "attributes": {"email": "a@b.co", "properties": {"blob": "é" * 60_000}}}
    fake = _Capture()
    out = batching.import_profiles(cast(KlaviyoClient, fake), [BatchRecord(1, big, None, json_bytes(big))])
    assert out[0].status.value == "rejected" and f"{len(_compact(big))} bytes" in (out[0].reason or "")
    assert fake.bodies == []


ROWS: list[dict[str, Any]] = [
    {"email": " Ada@Example.com ", "plan": "pro"},
    {"phone_number": "+15005550006", "external_id": "u1", "city": "Paris", "location.zip": "75001"},
    {"external_id": "u2", "email": "", "phone_number": "  ", "properties.tier": "gold", "properties": {"a": 1}},
    {"email": "not-an-email", "external_id": "u3"},
    {"external_id": "u4", "phone_number": "555"},
    {"external_id": "x" * 256},
    {"email": 42, "first_name": "Ada"},
    {"first_name": "Ada"},
    {"email": None, "external_id": None, "phone_number": ""},
    {"email": ["a@b.co"]},
    {"email": "a@b.co", "location": {"city": "Lyon"}, "country": "FR", "image": "i.png", "x.y": 1, "n": None},
]


@pytest.mark.parametrize("row", ROWS)
def test_profile_identity_matches_check_identifiers(row: dict[str, Any]) -> None:
    from connector.apps.sync.records import RowRejected, _profile_identity
    from connector.klaviyo.identifiers import check_identifiers

    if not any(row.get(k) not in (None, "") and str(row[k]).strip() for k in ("email", "phone_number", "external_id")):
        # No identifier at all: the sync's own message, naming the columns the row had.
        with pytest.raises(RowRejected) as rejected:
            _profile_identity(row)
        had = ", ".join(k for k, v in row.items() if v not in (None, ""))
        assert rejected.value.reason == (
            f"no identifier: expected email, phone_number or external_id; columns read: {had or 'none'}"
        )
        return

    def reference() -> Any:
        return check_identifiers(
            email=row.get("email"),
            phone_number=row.get("phone_number"),
            external_id=row.get("external_id"),
            allow_anonymous=False,
        ).attributes(anonymous=False)

    try:
        expected = reference()
    except Exception as exc:  # the same exception, same message
        with pytest.raises(type(exc)) as raised:
            _profile_identity(row)
        assert str(raised.value) == str(exc)
        return
    got = _profile_identity(row)
    assert got == expected and list(got) == list(expected)


@pytest.mark.parametrize("row", ROWS)
def test_profile_records_are_unchanged(row: dict[str, Any]) -> None:
    from connector.apps.sync.records import RowRejected, to_record

    try:
        record = to_record("profiles", row)
    except RowRejected as exc:
        assert exc.reason and (exc.key is None or ":" in exc.key)
        return
    attributes = record.resource["attributes"]
    assert list(attributes)[: len(record.identity)] == list(record.identity)
    for name, value in row.items():
        if value is None or name in ("email", "phone_number", "external_id", "location", "properties"):
            continue
        group, _, field = name.partition(".")
        if group == "location" or name in ("city", "country"):
            assert attributes["location"][field or name] == value
        elif name in ("first_name", "image"):
            assert attributes[name] == value
        else:
            assert attributes["properties"][field if group == "properties" else name] == value
