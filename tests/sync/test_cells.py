"""CSV cells typed by the documented rule, ``--types`` over it; standard fields and JSON lines left alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from connector.apps.sync.cells import CONVERTERS, Memo, auto_type
from connector.apps.sync.columns import Columns
from connector.apps.sync.records import RowRejected, to_record
from connector.client.errors import InputError
from connector.klaviyo.bulk.chunking import json_bytes


@pytest.mark.parametrize(
    ("cell", "typed"),
    [
        ("-12", -12),
        ("271.59", 271.59),
        ("0.5", 0.5),
        ("0", 0),
        ("-0.25", -0.25),
        ("123456789012345", 123456789012345),
        ("1234567890.12345", 1234567890.12345),
        ("true", True),
        ("FALSE", False),
        ("True", True),
        ("fAlSe", False),
    ],
)
def test_numbers_and_booleans_are_typed(cell: str, typed: Any) -> None:
    got = auto_type(cell)
    assert got == typed and type(got) is type(typed)


@pytest.mark.parametrize(
    "cell",
    [
        "02134",  # a zip code: the leading zero would be lost
        "007",
        "+1",
        "1e5",
        "1,000",
        ".5",
        "5.",
        "-",
        "1.2.3",
        "2024-01-05",
        "12abc",
        "\uff11\uff12",  # full-width digits
        "\u0663",  # Arabic-Indic digit
        "1234567890123456",  # 16 digits: a double cannot hold every one
        "12345678901234567890",
        "0.1234567890123456",
        "yes",
        "t",
        "truthy",
        "pro",
        " 12",
        "12 ",
    ],
)
def test_everything_else_stays_text(cell: str) -> None:
    assert auto_type(cell) == cell and isinstance(auto_type(cell), str)


def test_forced_types_follow_the_inputs_rules() -> None:
    to_number, to_boolean, to_date = (CONVERTERS[name] for name in ("number", "boolean", "date"))
    assert CONVERTERS["string"] is None
    assert [to_number(c) for c in ("02134", "+1", "1e5", " -3.5 ")] == [2134, 1, 100000.0, -3.5]
    assert [to_boolean(c) for c in ("TRUE", "no", "1", "Yes", "off")] == [True, False, True, True, False]
    assert to_date("2024-01-02") == "2024-01-02T00:00:00+00:00"  # no offset: UTC, as every input time
    assert to_date("2024-01-02 03:04") == "2024-01-02T03:04:00+00:00"
    assert to_date("2024-01-02T03:04:05Z") == "2024-01-02T03:04:05+00:00"
    assert to_date("2024-01-02T03:04:05.123-05:00") == "2024-01-02T03:04:05.123000-05:00"
    for convert, cell in [
        (to_number, "1,000"),
        (to_number, "nan"),
        (to_number, "inf"),
        (to_number, "1_000"),
        (to_boolean, "maybe"),
        (to_date, "02/01/2024"),
        (to_date, "2024-02-30"),
        (to_date, "2024-01-02T25:00"),
    ]:
        assert convert is not None
        with pytest.raises(ValueError, match=repr(cell)):
            convert(cell)


def test_a_memo_types_each_cell_once_then_gives_way() -> None:
    calls: list[str] = []
    full: list[bool] = []

    def convert(cell: str) -> Any:
        calls.append(cell)
        return auto_type(cell)

    memo = Memo(convert, limit=2, on_full=lambda: full.append(True))
    assert [memo[c] for c in ("1", "1", "x", "1", "y", "z", "y")] == [1, 1, "x", 1, "y", "z", "y"]
    assert calls == ["1", "x", "y", "z", "y"] and dict(memo) == {"1": 1, "x": "x"} and full == [True]


# -- through the mapping ----------------------------------------------------------------------------

HEADER = [
    "email",
    "first_name",
    "phone_number",
    "external_id",
    "zip",
    "plan",
    "lifetime_value",
    "vip",
    "joined",
    "code",
]
ROW = dict(
    zip(
        HEADER,
        ["a@b.co", "123", "+15005550006", "42", "02134", "pro", "271.59", "TRUE", "2024-01-02", "007"],
        strict=True,
    )
)


def _attributes(row: dict[str, Any], columns: Columns | None = None) -> dict[str, Any]:
    attributes: dict[str, Any] = to_record("profiles", row, columns=columns).resource["attributes"]
    return attributes


def test_csv_custom_properties_are_typed_and_standard_fields_are_not() -> None:
    attributes = _attributes(ROW, Columns.for_header("profiles", HEADER))
    assert attributes["properties"] == {
        "plan": "pro",
        "lifetime_value": 271.59,
        "vip": True,
        "joined": "2024-01-02",
        "code": "007",
    }
    assert attributes["first_name"] == "123" and attributes["external_id"] == "42"
    assert attributes["location"] == {"zip": "02134"} and attributes["phone_number"] == "+15005550006"
    zipped = _attributes(
        {"email": "a@b.co", "Postal Code": "12345"}, Columns.for_header("profiles", ["email", "Postal Code"])
    )
    assert zipped["location"] == {"zip": "12345"}  # a zip that looks like a number stays text


def test_json_lines_are_left_as_they_are() -> None:
    attributes = _attributes(ROW)  # no columns: JSON lines
    assert attributes["properties"]["lifetime_value"] == "271.59" and attributes["properties"]["vip"] == "TRUE"
    typed = _attributes({"email": "a@b.co", "score": 7, "ok": False, "note": "12"})
    assert typed["properties"] == {"score": 7, "ok": False, "note": "12"}


def test_csv_event_properties_are_typed_and_its_fields_are_not() -> None:
    header = ["metric", "email", "value", "unique_id", "quantity", "gift", "order_id"]
    row = dict(zip(header, ["Placed Order", "a@b.co", "12", "0042", "2", "false", "0042"], strict=True))
    item = to_record("events", row, columns=Columns.for_header("events", header)).resource["attributes"]["events"]
    event = item["data"][0]["attributes"]
    assert event["properties"] == {"quantity": 2, "gift": False, "order_id": "0042"}
    assert event["value"] == 12.0 and event["unique_id"] == "0042"


def test_types_force_a_columns_type() -> None:
    types = {"lifetime_value": "string", "code": "number", "vip": "boolean", "joined": "date", "plan": "string"}
    attributes = _attributes(ROW, Columns.for_header("profiles", HEADER, column_types=types))
    assert attributes["properties"] == {
        "plan": "pro",
        "lifetime_value": "271.59",
        "vip": True,
        "joined": "2024-01-02T00:00:00+00:00",
        "code": 7,
    }
    # Named in another case, and a property reached through --map.
    columns = Columns.for_header(
        "profiles", ["email", "Score"], column_map={"Score": "properties.score"}, column_types={"score": "number"}
    )
    assert _attributes({"email": "a@b.co", "Score": "1e3"}, columns)["properties"] == {"score": 1000.0}


@pytest.mark.parametrize(
    ("types", "cell", "reason"),
    [
        ({"code": "number"}, "n/a", "code: must be a number (got 'n/a')"),
        ({"code": "boolean"}, "maybe", "code: must be true or false (got 'maybe')"),
        (
            {"code": "date"},
            "yesterday",
            "code: must be an ISO 8601 date-time such as 2026-08-01T10:00:00Z (got 'yesterday')",
        ),
    ],
)
def test_a_cell_not_of_its_type_rejects_the_row_naming_column_and_value(
    types: dict[str, str], cell: str, reason: str
) -> None:
    with pytest.raises(RowRejected) as rejected:
        to_record("profiles", {**ROW, "code": cell}, columns=Columns.for_header("profiles", HEADER, column_types=types))
    assert rejected.value.reason.startswith(reason) and rejected.value.key == "external_id:42"
    event_columns = Columns.for_header("events", ["metric", "email", "code"], column_types=types)
    with pytest.raises(RowRejected, match=f"^{re.escape(reason)}"):
        to_record("events", {"metric": "M", "email": "a@b.co", "code": cell}, columns=event_columns)


@pytest.mark.parametrize(
    ("kind", "types", "message"),
    [
        ("profiles", {"zip": "number"}, "--types: zip is read as the standard field 'zip'"),
        ("profiles", {"email": "string"}, "--types: email is read as the standard field 'email'"),
        ("events", {"value": "number"}, "--types: value is read as the standard field 'value'"),
        ("subscriptions", {"plan": "string"}, "--types: plan is not read by subscriptions"),
        ("profiles", {"plan": "integer"}, "--types: plan: unknown type 'integer'; use string, number, boolean, date"),
        ("profiles", {"missing": "number"}, "--types: no column 'missing' in the header"),
    ],
)
def test_types_mistakes_are_refused(kind: str, types: dict[str, str], message: str) -> None:
    header = ["email", "zip", "value", "plan", "metric"]
    with pytest.raises(InputError) as refused:
        Columns.for_header(kind, header, column_types=types)
    assert str(refused.value).startswith(message)


def test_rows_without_numbers_or_booleans_encode_to_the_bytes_they_had() -> None:
    # The body the previous version sent for this row (every cell text): typing must not touch it.
    header = ["external_id", "email", "first_name", "last_name", "city", "plan", "signup", "zip"]
    row = dict(
        zip(
            header,
            ["u0000001", "user1@example.com", "First1", "Last1", "Lyon", "pro", "2024-02-02", "02134"],
            strict=True,
        )
    )
    before = (
        b'{"type":"profile","attributes":{"email":"user1@example.com","external_id":"u0000001","first_name":"First1",'
        b'"last_name":"Last1","location":{"city":"Lyon","zip":"02134"},"properties":{"plan":"pro","signup":"2024-02-02"}}}'
    )
    csv_record = to_record("profiles", row, columns=Columns.for_header("profiles", header), hashed=False)
    assert json_bytes(csv_record.resource) == before == json_bytes(to_record("profiles", row).resource)
