"""Every operation the catalog does not perform, as its derived action, end to end (one generated test each).

For each of the registry's derived operations (308 of the 345; the catalog's 37 run in the group modules):

1. a plausible request is made for it (ids of resources created first, a body sampled from the request schema:
   ``tests/sandbox/spec_requests.World``), and turned back into the action's inputs through their targets;
2. the request the action builds from those inputs validates against Klaviyo's spec (openapi-core);
3. the action runs through the CLI (``main(["run", key, "--inputs", FILE])``, in process) against the
   spec-driven sandbox over HTTP on 127.0.0.1, and exits 0 with a JSON result.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import requests
from sandbox.spec_requests import World
from spec_support import check_request

from actions.operations import derived_operations
from connector.client.jsonapi import Resource
from connector.framework.inputs import input_specs
from connector.klaviyo.derived_actions import derived_action, derived_key
from connector.klaviyo.operation_actions import request_for
from connector.klaviyo.operations.registry import operation
from connector.sandbox import Sandbox
from connector.shell.cli import main

pytestmark = pytest.mark.e2e
DERIVED = derived_operations()
#: Deletes last: a delete may consume the resource the shared world reuses for the reads of its kind.
ORDERED = sorted(DERIVED, key=lambda op_id: operation(op_id).method == "DELETE")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with Sandbox() as sb:
        yield World(sb)


def _ids(template: str, concrete: str) -> dict[str, str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    found = re.fullmatch(pattern, concrete)
    assert found, (template, concrete)
    return found.groupdict()


def inputs_for(op_id: str, path: str, params: dict[str, str], body: Any) -> dict[str, Any]:
    """The action's raw inputs that make exactly this request (each input read back from its target)."""
    op = operation(op_id)
    ids = _ids(op.path, path)
    data = (body or {}).get("data") if isinstance(body, dict) else None
    raw: dict[str, Any] = {}
    for spec in input_specs(derived_action(op_id).inputs):
        kind, _, name = (spec.target or "").partition(":")
        value: Any = None
        if kind == "path":
            value = ids.get(name)
        elif kind == "query":
            value = params.get(name)
        elif kind == "attributes" and isinstance(data, dict):
            value = (data.get("attributes") or {}).get(name)
        elif kind == "timeframe" and isinstance(data, dict):
            frame = (data.get("attributes") or {}).get(name.split(".")[0]) or {}
            value = frame.get(name.split(".")[1]) if "." in name else frame.get("key", "custom" if frame else None)
        elif kind == "relationships" and isinstance(data, dict):
            linkage = ((data.get("relationships") or {}).get(name) or {}).get("data")
            value = [i["id"] for i in linkage] if isinstance(linkage, list) else (linkage or {}).get("id")
        elif kind == "resource" and isinstance(data, dict):
            value = data.get("id")
        elif spec.target == "meta" and isinstance(data, dict):
            value = data.get("meta")
        elif spec.target == "data" and isinstance(data, list):
            value = [i["id"] for i in data]
        elif spec.key == "maxRecords":
            value = 5
        if value is not None:
            raw[spec.key] = value
    return raw


def test_every_operation_is_performed_by_some_action() -> None:
    from actions import _index

    assert sorted(set(DERIVED) | set(_index.COVERED_OPERATIONS)) == sorted(set(_all_operations()))
    assert len(DERIVED) + len(_index.COVERED_OPERATIONS) == 345


def _all_operations() -> list[str]:
    from connector.klaviyo.operations.registry import operation_ids

    return operation_ids()


@pytest.mark.parametrize("op_id", ORDERED)
def test_derived_action_round_trip(world: World, op_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = world.path_for(op_id)
    _, method, spec_op = world.ops[op_id]
    params = world.required_params(spec_op)
    body = world.body(op_id, path)
    raw = inputs_for(op_id, path, params, body)

    # The request the action builds from these inputs is one Klaviyo's spec accepts.
    call = request_for(op_id, derived_action(op_id).clean(raw))
    prepared = requests.Request(
        call.method,
        "https://a.klaviyo.com" + call.path,
        params={k: ",".join(v) if isinstance(v, list) else v for k, v in call.params.items()},
        headers={
            "revision": "2026-07-15",
            "Authorization": "Klaviyo-API-Key pk_x",
            "Accept": "application/vnd.api+json",
            **({"Content-Type": "application/vnd.api+json"} if call.body is not None else {}),
            **call.headers,
        },
        data=json.dumps(call.body) if call.body is not None else None,
    ).prepare()
    check_request(prepared)

    # And it runs through the CLI against the sandbox.
    monkeypatch.setenv("KLAVIYO_API_KEY", world.sb.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", world.sb.url)
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps(raw), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["run", derived_key(op_id), "--inputs", str(inputs), "--compact"])
    assert code == 0, f"{op_id} {method}: {err.getvalue()[:800]}"
    result = json.loads(out.getvalue())
    assert isinstance(result, dict) and "data" in result


def test_a_job_is_followed_to_completion_when_asked(world: World, tmp_path: Path) -> None:
    body = world.body("bulk_create_coupon_codes")
    raw = inputs_for("bulk_create_coupon_codes", "/api/coupon-code-bulk-create-jobs", {}, body)
    raw["waitForCompletion"] = True
    from connections.api_key import ApiKeyConnection
    from connector.client.pipeline import KlaviyoClient

    with KlaviyoClient(ApiKeyConnection(world.sb.api_key), base_url=world.sb.url) as client:
        result = derived_action("bulk_create_coupon_codes").run(client, raw)
    assert result["job"]["status"] == "complete"
    assert [r["status"] for r in result["records"]] == ["delivered"] * len(result["records"])
    assert isinstance(Resource, type)
