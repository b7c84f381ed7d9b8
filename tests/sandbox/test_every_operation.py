"""Every operation of the spec (345), sent over real HTTP with a request built from the spec.

Each test builds a plausible request for one operation (path ids of resources made first, a body sampled from
the request schema), sends it to one shared sandbox and checks that the status is the spec's success status
and that request and answer validate against the spec.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.sandbox import Sandbox

from .spec import check
from .spec_requests import World, operations, success

OPERATIONS = sorted(operations())
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff89993d1d0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Sandbox() as sb:
        yield World(sb)


def test_the_spec_has_345_operations() -> None:
    assert len(OPERATIONS) == 345


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_operation_answers_its_success_status_and_validates(world: World, op_id: str) -> None:
    _, method, op = world.ops[op_id]
    path = world.path_for(op_id)
    params = world.required_params(op)
    if op_id == "upload_image_from_file":
        resp = world.call(method, path, validate=False, files={"file": ("pixel.png", PNG, "image/png")})
        check(resp, request=False)  # openapi-core cannot decode multipart request bodies
    else:
        body = world.body(op_id, path)
        resp = world.call(method, path, params=params, **({"json": body} if body is not None else {}))
    assert resp.status_code in success(op), f"{op_id}: {resp.status_code} {resp.text[:800]}"
