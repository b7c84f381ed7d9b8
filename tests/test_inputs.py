"""The clean step: raw low-code values to typed inputs, with errors naming the input."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from connector import structs
from connector.client.errors import InputError
from connector.framework.inputs import (
    Collection,
    InputType,
    clean_inputs,
    input_field,
    input_specs,
    to_date,
    to_json_array,
    to_json_object,
    to_key_value_list,
    to_number,
    to_timestamp,
    to_value_list,
)


@structs.frozen
class Sample:
    name: str = input_field("Name", required=True)
    flag: bool | None = input_field("Flag", type=InputType.BOOLEAN, default="false")
    count: int | None = input_field("Count", clean=lambda v: int(v))
    tags: list[str] = input_field("Tags", collection=Collection.VALUE_LIST)
    headers: list[tuple[str, Any]] = input_field("Headers", collection=Collection.KEY_VALUE_LIST)
    payload: Any = input_field("Payload", type=InputType.JSON)
    when: str | None = input_field("When", type=InputType.TIMESTAMP)
    color: str | None = input_field("Color", type=InputType.PICKLIST, choices=("red", "blue"))


def test_keys_are_camel_case_and_order_is_declaration_order() -> None:
    assert [s.key for s in input_specs(Sample)] == [
        "name",
        "flag",
        "count",
        "tags",
        "headers",
        "payload",
        "when",
        "color",
    ]


def test_strings_become_typed_values() -> None:
    out = clean_inputs(
        Sample,
        {
            "name": "x",
            "flag": "TRUE",
            "count": "3",
            "tags": "a, b,,c",
            "headers": [{"key": "X-A", "value": "1"}],
            "payload": '{"k": [1, 2]}',
            "when": "2026-01-02T03:04:05Z",
            "color": "red",
        },
    )
    assert out == Sample(
        name="x",
        flag=True,
        count=3,
        tags=["a", "b", "c"],
        headers=[("X-A", "1")],
        payload={"k": [1, 2]},
        when="2026-01-02T03:04:05+00:00",
        color="red",
    )


def test_defaults_apply_to_missing_and_empty_values() -> None:
    out = clean_inputs(Sample, {"name": "x", "flag": ""})
    assert out.flag is False and out.tags == [] and out.payload is None


def test_typed_json_values_are_accepted_as_they_are() -> None:
    out = clean_inputs(Sample, {"name": "x", "payload": [1, 2], "tags": ["a"], "flag": True})
    assert out.payload == [1, 2] and out.tags == ["a"] and out.flag is True


def test_python_field_names_are_accepted_too() -> None:
    assert clean_inputs(Sample, {"name": "x", "tags": "a"}).tags == ["a"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "Name: is required"),
        ({"name": "x", "flag": "maybe"}, "Flag: must be true or false"),
        ({"name": "x", "count": "three"}, "Count: invalid literal"),
        ({"name": "x", "payload": "{bad"}, "Payload: is not valid JSON"),
        ({"name": "x", "when": "yesterday"}, "When: must be an ISO 8601 date-time"),
        ({"name": "x", "color": "green"}, "Color: must be one of red, blue"),
        ({"name": "x", "headers": "novalue"}, "Headers: each line must be key=value"),
        ({"name": "x", "bogus": 1}, "unknown input(s) bogus"),
    ],
)
def test_clean_errors_name_the_input(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as caught:
        clean_inputs(Sample, raw)
    assert message in str(caught.value)


def test_cleaners() -> None:
    assert to_value_list('["a", "b"]') == ["a", "b"]
    assert to_value_list("a\nb") == ["a", "b"]
    assert to_key_value_list("a=1\nb = 2") == [("a", "1"), ("b", "2")]
    assert to_key_value_list({"a": 1}) == [("a", 1)]
    assert to_number("1e3") == 1000.0 and to_number(2) == 2
    assert to_timestamp("2026-01-02T03:04:05") == "2026-01-02T03:04:05+00:00"
    assert to_date("2026-01-02") == "2026-01-02"
    with pytest.raises(InputError, match="must be a JSON object, got an array"):
        to_json_object("[1]")
    with pytest.raises(InputError, match="must be a JSON array, got an object"):
        to_json_array("{}")
    with pytest.raises(InputError, match="finite"):
        to_number("nan")
    with pytest.raises(InputError, match="boolean"):
        to_number(True)


@structs.frozen
class Clearable:
    title: str | None = input_field("Title", to="attributes:title", nullable=True)
    note: str | None = input_field("Note", to="attributes:note")


def test_null_clears_a_nullable_input_whether_json_null_or_python_null() -> None:
    """JSON null (low-code) and NULL (Python callers, passed through by the facade) both mean "clear"."""
    from connector.framework.inputs import NULL

    assert clean_inputs(Clearable, {"title": None}).title is NULL
    assert clean_inputs(Clearable, {"title": NULL}).title is NULL
    assert clean_inputs(Clearable, {}).title is None  # left out: not sent, Klaviyo keeps the value
    # an input that cannot be cleared reads either null as empty
    assert clean_inputs(Clearable, {"note": None}).note is None
    assert clean_inputs(Clearable, {"note": NULL}).note is None


@structs.frozen
class Prefilled:
    scope: str | None = input_field("Scope", default="sms", prefill=True, to="query:filter")


def test_a_prefill_default_is_shown_but_never_applied() -> None:
    spec = next(s for s in input_specs(Prefilled) if s.key == "scope")
    assert spec.default == "sms" and spec.prefill
    assert clean_inputs(Prefilled, {}).scope is None
    assert clean_inputs(Prefilled, {"scope": ""}).scope is None
    assert clean_inputs(Prefilled, {"scope": "email"}).scope == "email"


# -- DATA inputs: a local file as @path ----------------------------------------------------------------------


def test_to_data_reads_a_local_file_given_as_at_path(tmp_path: Any) -> None:
    from connector.framework.inputs import read_data_file, to_data

    path = tmp_path / "payload.bin"
    path.write_bytes(b"\x00\x01binary")
    assert to_data(f"@{path}") == b"\x00\x01binary"
    assert to_data({"data": f"@{path}"}) == b"\x00\x01binary"
    assert to_data("@@handle") == b"@handle"  # @@ keeps a literal @
    assert to_data({"data": "aGk="}) == b"hi" and to_data("plain text") == b"plain text"
    assert read_data_file(f" @{path} ") == {"data": b"\x00\x01binary", "filename": "payload.bin"}


def test_every_data_input_takes_a_file_and_names_itself_when_it_cannot_read_it(tmp_path: Any) -> None:
    """The shared clean step resolves @path for every DATA input, whatever that input's own cleaner."""
    from actions.images import UPLOAD_IMAGE
    from actions.raw_request import RAW_REQUEST

    gif = tmp_path / "dot.gif"
    gif.write_bytes(base64.b64decode("R0lGODlhAQABAAAAACw="))
    image = UPLOAD_IMAGE.clean({"fileData": f"@{gif}"}).file_data
    assert (image.format, image.filename, image.data) == ("gif", "dot.gif", gif.read_bytes())
    raw = RAW_REQUEST.clean({"url": "/api/image-upload", "method": "POST", "fileData": {"file": f"@{gif}"}})
    assert raw.file_data == [("file", gif.read_bytes())]
    # base64 still works beside files
    assert UPLOAD_IMAGE.clean({"fileData": "R0lGODlhAQABAAAAACw="}).file_data.format == "gif"

    missing = tmp_path / "missing.png"
    for action, raw_inputs in (
        (UPLOAD_IMAGE, {"fileData": f"@{missing}"}),
        (RAW_REQUEST, {"url": "/api/x", "method": "POST", "fileData": [{"key": "file", "value": f"@{missing}"}]}),
    ):
        with pytest.raises(InputError) as caught:
            action.clean(raw_inputs)
        assert caught.value.key == "fileData" and caught.value.label == "File Data"
        assert str(caught.value) == f"File Data: cannot read the file {missing} (No such file or directory)"
    with pytest.raises(InputError, match="File Data: '@' must be followed by the path"):
        UPLOAD_IMAGE.clean({"fileData": "@"})
    unreadable = tmp_path / "a-directory"
    unreadable.mkdir()
    with pytest.raises(InputError, match=r"File Data: cannot read the file .*a-directory"):
        UPLOAD_IMAGE.clean({"fileData": f"@{unreadable}"})
