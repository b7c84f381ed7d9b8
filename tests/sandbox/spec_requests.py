"""Plausible requests for any operation of the spec, for the generated per-operation tests.

:class:`World` talks to one sandbox over HTTP and finds (or makes) a resource of any type when a request needs
its id: created through the type's own create operation with a body sampled from the spec, listed when the
sandbox makes them itself (webhook topics ...), reached through a relationship of another resource (flow
actions ...), or by the few special routes Klaviyo has (a campaign's recipient estimation is read by campaign
id). Bodies are sampled from each request schema: required properties always, optional ones where the spec
gives an example; identifiers that must be unique (emails, external ids, names ...) get a counter, and every
relationship linkage points at a real resource.
"""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timezone
from typing import Any

import requests

from connector.sandbox import Sandbox
from connector.sandbox.resources.accounts import ACCOUNT_ID

from .spec import check, spec_dict

UNIQUE = ("email", "phone_number", "external_id", "unique_id", "unique_code", "name", "token")
# Attributes that hold the id of another resource.
ID_ATTRIBUTES = {"metric_id": "metric", "conversion_metric_id": "metric"}
# Ids of types a request names in data.id that are the id of another type.
SUBJECT = {"campaign-send-job": "campaign", "campaign-recipient-estimation-job": "campaign", "profile-merge": "profile"}


def schemas() -> dict[str, Any]:
    components: dict[str, Any] = spec_dict()["components"]["schemas"]
    return components


def flat(schema: Any) -> dict[str, Any]:
    """Resolve ``$ref`` and merge ``allOf``."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = schemas()[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part = flat(part)
            props = {**merged.get("properties", {}), **part.get("properties", {})}
            merged.update(part)
            merged["properties"] = props
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        return merged
    result: dict[str, Any] = schema
    return result


def sample(schema: Any, depth: int = 0) -> Any:
    """A value for ``schema``: required properties, optional ones with an example, the spec's examples first."""
    s = flat(schema)
    if depth > 25:
        return None
    branches = s.get("oneOf") or s.get("anyOf")
    if branches:
        return sample(branches[0], depth + 1)
    kind = s.get("type") or ("object" if "properties" in s else None)
    if "example" in s and kind not in ("object",) and not (kind == "array" and _object_items(s)):
        return copy.deepcopy(s["example"])
    if s.get("enum"):
        return next(v for v in s["enum"] if v is not None)
    if kind == "object":
        props = s.get("properties", {})
        if not props:
            return copy.deepcopy(s.get("example", {}))
        required = set(s.get("required", []))
        out = {}
        for name, sub in props.items():
            f = flat(sub)
            if f.get("readOnly"):
                continue
            if name in required or name == "data" or (name != "id" and "example" in f):
                out[name] = sample(f, depth + 1)
        return out
    if kind == "array":
        return [sample(s.get("items", {}), depth + 1)]
    if kind == "string":
        fmt = s.get("format")
        if fmt == "date-time":
            return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        blanks = {"date": datetime.now(timezone.utc).date().isoformat(), "uri": "https://example.com/x"}
        return blanks.get(str(fmt), "text")
    return {"integer": 1, "number": 1.5, "boolean": True}.get(kind or "")


def _object_items(schema: dict[str, Any]) -> bool:
    items = flat(schema.get("items", {}))
    return items.get("type") == "object" or "properties" in items or "oneOf" in items


def operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    out = {}
    for path, item in spec_dict()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = (path, method.upper(), op)
    return out


def data_types(document: Any) -> tuple[list[str], bool]:
    """The ``type`` values a document schema allows under ``data``, and whether ``data`` is an array."""
    if document is None:
        return [], False
    data = flat(flat(document).get("properties", {}).get("data", {}))
    many = data.get("type") == "array"
    if many:
        data = flat(data.get("items", {}))
    out = []
    for branch in data.get("oneOf") or [data]:
        kind = flat(flat(branch).get("properties", {}).get("type", {}))
        out += [v for v in kind.get("enum", []) if v is not None]
    return out, many


def body_schema(op: dict[str, Any]) -> Any:
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/vnd.api+json") or content.get("application/json")
    return media.get("schema") if media else None


def success(op: dict[str, Any]) -> list[int]:
    return [int(c) for c in op["responses"] if c.startswith("2")]


class World:
    """Resources of every type in one sandbox, made on demand over HTTP."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers.update(sb.headers())
        self.counter = itertools.count(1)
        self.ids: dict[str, str] = {}
        self.ops = operations()
        self.segment_kind: dict[str, str] = {}
        self.creators: dict[str, str] = {}
        self.listers: dict[str, str] = {}
        self.parents: dict[str, list[tuple[str, str]]] = {}
        for op_id, (path, method, op) in self.ops.items():
            segs = path.strip("/").split("/")
            if method == "GET" and len(segs) == 2:
                kinds, _ = data_types(success_schema(op))
                if len(kinds) == 1:
                    self.listers.setdefault(kinds[0], op_id)
                    self.segment_kind[segs[1]] = kinds[0]
            if method == "POST" and len(segs) == 2 and body_schema(op) is not None:
                kinds, _ = data_types(body_schema(op))
                for kind in kinds:
                    self.creators.setdefault(kind, op_id)
        for op_id, (path, method, op) in self.ops.items():
            segs = path.strip("/").split("/")
            if method == "GET" and len(segs) == 3:
                kinds, _ = data_types(success_schema(op))
                if len(kinds) == 1:
                    self.segment_kind.setdefault(segs[1], kinds[0])
            if method == "GET" and len(segs) == 5 and segs[3] == "relationships":
                kinds, _ = data_types(success_schema(op))
                if len(kinds) == 1:
                    self.parents.setdefault(kinds[0], []).append((op_id, segs[1]))
        # Action endpoints that take a type without creating one (clone, render, assign ...) are not creators.
        for kind in ("campaign", "template", "campaign-message", "profile"):
            self.creators.pop(kind, None)
        self.creators.update(
            {"campaign": "create_campaign", "template": "create_template", "profile": "create_profile"}
        )

    # plumbing ---------------------------------------------------------------------------------------

    def call(self, method: str, path: str, *, validate: bool = True, **kwargs: Any) -> requests.Response:
        if "json" in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/vnd.api+json"
        resp = self.session.request(method, self.sb.url + path, timeout=20, **kwargs)
        if validate:
            check(resp)
        return resp

    def n(self) -> int:
        return next(self.counter)

    # ids --------------------------------------------------------------------------------------------

    def id(self, kind: str) -> str:
        """An existing resource of ``kind`` (made once, then reused)."""
        if kind not in self.ids:
            self.ids[kind] = self.fresh(kind)
        return self.ids[kind]

    def fresh(self, kind: str) -> str:
        """A resource of ``kind`` made for this caller alone (for deletes and merges)."""
        special = getattr(self, "_make_" + kind.replace("-", "_"), None)
        if special is not None:
            return str(special())
        if kind in self.creators:
            return self._create(kind)
        if kind in self.listers:
            return self._first(self.listers[kind])
        for op_id, segment in self.parents.get(kind, []):
            parent = self.segment_kind.get(segment) or segment.rstrip("s")
            path = self.ops[op_id][0].replace("{id}", self.id(parent))
            data = self.call("GET", path).json()["data"]
            if isinstance(data, list) and data:
                return str(data[0]["id"])
            if isinstance(data, dict):
                return str(data["id"])
        raise AssertionError(f"cannot make a {kind}")

    def _first(self, op_id: str, params: dict[str, str] | None = None) -> str:
        path, _, op = self.ops[op_id]
        data = self.call("GET", path, params=params or self.required_params(op)).json()["data"]
        assert data, f"{op_id} listed nothing"
        return str(data[0]["id"])

    def _create(self, kind: str) -> str:
        op_id = self.creators[kind]
        path, method, op = self.ops[op_id]
        resp = self.call(method, path, params=self.required_params(op), json=self.body(op_id))
        assert resp.status_code in success(op), (op_id, resp.status_code, resp.text[:500])
        if resp.content:
            return str(resp.json()["data"]["id"])
        self.sb.wait_for_jobs()
        return self._first(self.listers[kind])

    def _make_metric(self) -> str:
        self.call("POST", "/api/events", json=self.body("create_event"))
        return self._first("get_metrics")

    def _make_event(self) -> str:
        self.call("POST", "/api/events", json=self.body("create_event"))
        return self._first("get_events")

    def _make_ip_allowlist(self) -> str:
        return ACCOUNT_ID  # nothing lists IP allow-lists: the sandbox builds one on the first read of an id

    def _make_account(self) -> str:
        return ACCOUNT_ID

    def _make_campaign_message(self) -> str:
        doc = self.call("GET", f"/api/campaigns/{self.id('campaign')}/relationships/campaign-messages").json()
        return str(doc["data"][0]["id"])

    def _make_review(self) -> str:
        path, method, _ = self.ops["create_client_review"]
        self.call(method, path, params={"company_id": ACCOUNT_ID}, json=self.body("create_client_review"))
        return self._first("get_reviews")

    def _make_push_token(self) -> str:
        self.call("POST", "/api/push-tokens", json=self.body("create_push_token"))
        return self._first("get_push_tokens")

    def _make_campaign_recipient_estimation(self) -> str:
        campaign = self.id("campaign")
        body = {"data": {"type": "campaign-recipient-estimation-job", "id": campaign}}
        self.call("POST", "/api/campaign-recipient-estimation-jobs", json=body)
        self.sb.wait_for_jobs()
        return campaign

    def _make_campaign_recipient_estimation_job(self) -> str:
        return self._make_campaign_recipient_estimation()

    def _make_campaign_send_job(self) -> str:
        campaign = self.fresh("campaign")
        self.call("POST", "/api/campaign-send-jobs", json={"data": {"type": "campaign-send-job", "id": campaign}})
        return campaign

    def _make_profile_bulk_import_job(self) -> str:
        resp = self.call("POST", "/api/profile-bulk-import-jobs", json=self.body("bulk_import_profiles"))
        return str(resp.json()["data"]["id"])

    # requests ---------------------------------------------------------------------------------------

    def required_params(self, op: dict[str, Any]) -> dict[str, str]:
        params: dict[str, str] = {}
        for param in op.get("parameters", []):
            if param["in"] != "query" or not param.get("required"):
                continue
            name = param["name"]
            if name == "company_id":
                params[name] = ACCOUNT_ID
            elif name == "filter" and op["operationId"] == "get_campaigns":
                params[name] = "equals(messages.channel,'email')"
            elif name == "filter" and op["operationId"] == "get_coupon_codes":
                params[name] = f"equals(coupon.id,'{self.id('coupon')}')"
            else:
                schema = flat(param.get("schema", {}))
                params[name] = str(schema.get("example") or (schema.get("enum") or ["x"])[0])
        return params

    def path_for(self, op_id: str) -> str:
        path, method, _ = self.ops[op_id]
        if "{" not in path:
            return path
        segs = path.strip("/").split("/")
        kind = self.segment_kind.get(segs[1]) or _kind_of_item(self, op_id)
        consumed = method == "DELETE" and len(segs) == 3
        ident = self.fresh(kind) if consumed else self.id(kind)
        return path.replace("{id}", ident).replace("{job_id}", ident)

    def body(self, op_id: str, path: str | None = None) -> Any:
        _, _, op = self.ops[op_id]
        schema = body_schema(op)
        if schema is None:
            return None
        override = getattr(self, "_body_" + op_id, None)
        if override is not None:
            return override(path)
        doc = sample(schema)
        self._unique(doc)
        self._fix_ids(doc, op_id, path)
        return doc

    def _unique(self, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in UNIQUE and isinstance(item, str):
                    n = self.n()
                    value[key] = {
                        "email": f"user{n}@example.com",
                        "phone_number": f"+1555{n:07d}",
                    }.get(key, f"{item}-{n}")
                else:
                    self._unique(item)
        elif isinstance(value, list):
            for item in value:
                self._unique(item)

    def _fix_ids(self, doc: Any, op_id: str, path: str | None) -> None:
        path_template, method, _ = self.ops[op_id]
        data = doc.get("data") if isinstance(doc, dict) else None
        is_relationship = "/relationships/" in path_template
        if is_relationship:
            items = data if isinstance(data, list) else [data]
            for item in items:
                if isinstance(item, dict) and "type" in item:
                    item["id"] = self.id(item["type"])
            return
        if isinstance(data, dict) and "id" in data:
            if path is not None and "{" in path_template and method == "PATCH":
                data["id"] = path.rstrip("/").split("/")[3]
            else:
                kind = str(SUBJECT.get(data["type"], data["type"]))
                data["id"] = self.fresh(kind) if op_id == "merge_profiles" else self.id(kind)
        self._link(doc, op_id)

    def _link(self, value: Any, op_id: str, inside: bool = False) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ID_ATTRIBUTES and isinstance(item, str):
                    value[key] = self.id(ID_ATTRIBUTES[key])
                elif key == "relationships" and isinstance(item, dict):
                    for block in item.values():
                        linkage = block.get("data") if isinstance(block, dict) else None
                        for target in linkage if isinstance(linkage, list) else [linkage]:
                            if isinstance(target, dict) and "type" in target:
                                fresh = op_id == "merge_profiles"
                                target["id"] = self.fresh(target["type"]) if fresh else self.id(target["type"])
                else:
                    self._link(item, op_id)
        elif isinstance(value, list):
            for item in value:
                self._link(item, op_id)

    # bodies the spec's examples cannot make consistent on their own --------------------------------

    def _body_create_campaign(self, path: str | None = None) -> Any:
        return {"data": {"type": "campaign", "attributes": {
            "name": f"Campaign {self.n()}",
            "audiences": {"included": [self.id("list")], "excluded": []},
            "send_strategy": {"method": "static", "datetime": "2030-08-01T10:00:00+00:00"},
            "campaign-messages": {"data": [{"type": "campaign-message", "attributes": {"definition": {
                "channel": "email",
                "content": {"subject": "Hello", "from_email": "shop@example.com", "from_label": "Shop"},
            }}}]},
        }}}

    def _body_update_campaign(self, path: str | None) -> Any:
        ident = (path or "").rstrip("/").split("/")[3]
        return {"data": {"type": "campaign", "id": ident, "attributes": {"name": f"Renamed {self.n()}"}}}

    def _body_create_segment(self, path: str | None = None) -> Any:
        return {"data": {"type": "segment", "attributes": {"name": f"Segment {self.n()}", "definition": {
            "condition_groups": [{"conditions": [
                {"type": "profile-group-membership", "is_member": True, "group_ids": [self.id("list")]}]}]}}}}

    def _body_create_template(self, path: str | None = None) -> Any:
        return {"data": {"type": "template", "attributes": {
            "name": f"Template {self.n()}", "editor_type": "CODE", "html": "<html>Hi {{ first_name }}</html>"}}}

    def _body_bulk_subscribe_profiles(self, path: str | None = None) -> Any:
        return {"data": {"type": "profile-subscription-bulk-create-job", "attributes": {"profiles": {"data": [
            {"type": "profile", "attributes": {
                "email": f"sub{self.n()}@example.com",
                "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED"}}}}}]}},
            "relationships": {"list": {"data": {"type": "list", "id": self.id("list")}}}}}

    def _body_bulk_unsubscribe_profiles(self, path: str | None = None) -> Any:
        return {"data": {"type": "profile-subscription-bulk-delete-job", "attributes": {"profiles": {"data": [
            {"type": "profile", "attributes": {"email": f"unsub{self.n()}@example.com", "subscriptions": {
                "email": {"marketing": {"consent": "UNSUBSCRIBED"}}}}}]}}}}

    def _body_create_client_subscription(self, path: str | None = None) -> Any:
        return {"data": {"type": "subscription", "attributes": {"profile": {"data": {"type": "profile", "attributes": {
            "email": f"client{self.n()}@example.com",
            "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED"}}}}}}},
            "relationships": {"list": {"data": {"type": "list", "id": self.id("list")}}}}}


def success_schema(op: dict[str, Any]) -> Any:
    for code, answer in op["responses"].items():
        if code.startswith("2"):
            content = answer.get("content") or {}
            media = content.get("application/vnd.api+json") or next(iter(content.values()), None)
            return media.get("schema") if media else None
    return None


def _kind_of_item(world: World, op_id: str) -> str:
    _, method, op = world.ops[op_id]
    kinds, _ = data_types(success_schema(op) if method == "GET" else body_schema(op))
    assert kinds, f"no type for {op_id}"
    return kinds[0]
