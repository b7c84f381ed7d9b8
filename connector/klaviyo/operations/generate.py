"""Generate the operation registry from Klaviyo's OpenAPI spec (a development-time tool; its output is committed).

``python -m connector.klaviyo.operations.generate`` reads ``connector/spec/stable.json`` and writes:

- ``_index.py``: every operation's id, method, path, group and rate-limit tier, small enough to import on a
  low-code step's hot path (rate limiting and path look-ups need nothing more);
- ``data/<group>.json``: the details of each group's operations, loaded only when an operation of that group
  is called: path parameters; query parameters (sparse ``fields[type]`` with the allowed names,
  ``additional-fields``, ``include`` values, ``filter`` fields with their operators, ``sort`` values, the
  ``page[size]`` maximum, any other parameter); the request body (resource type, attributes with their types,
  required ones, enums, relationships, meta); the success statuses and response resource type; the scopes;
  the reduced tiers some query values bring; and the retry safety.

``tests/test_operation_registry.py`` regenerates in memory and fails when the committed output is stale.

Schemas are inlined with ``$ref`` resolved and ``allOf`` merged; a schema that contains itself is kept once
per group file under ``schemas`` and referenced by name. Descriptions are kept: generated actions show them.

Example:
    >>> retry_safety("POST", "/api/lists/{id}/relationships/profiles", "add_profiles_to_list")
    'always'
    >>> retry_safety("POST", "/api/lists", "create_list")
    'never'
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
SPEC = PACKAGE.parents[1] / "spec" / "stable.json"
METHODS = ("get", "post", "patch", "put", "delete")
#: Schema keywords carried into the registry; everything else (examples of whole objects, readOnly...) is dropped.
KEPT = ("type", "format", "enum", "nullable", "description", "example", "default", "minimum", "maximum")
_RATE = re.compile(r"(\d+)/([smd])")
_REDUCED = re.compile(
    r"Rate limits when using the `([^`=]+)=([^`]+)` parameter[^:]*:<br>Burst: `(\d+)/s`<br>Steady: `(\d+)/m`"
)

#: Operations that change state but may be repeated without harm after a 5xx, beyond what the method says,
#: with the reason. Everything a rule below does not name is "never" for POST.
_STATE_SETTING = (
    # Upserts and imports set a profile to what the body says; repeating sets it again.
    r"^create_or_update_",
    r"^bulk_import_profiles$",
    # Consent and suppression jobs set a state; a second job with the same body changes nothing more.
    r"^bulk_(un)?subscribe_profiles$",
    r"^bulk_(un)?suppress_profiles$",
    r"^(create|delete)_client_(back_in_stock_)?subscription$",
    r"^create_client_push_token$|^create_push_token$|^unregister_client_push_token$",
)
#: Event creation is safe to repeat only when every event carries a ``unique_id`` (Klaviyo deduplicates).
_EVENT_CREATES = r"^(create_event|bulk_create_events|create_client_event|bulk_create_client_events)$"


def retry_safety(method: str, path: str, operation_id: str) -> str:
    """Whether a call may be repeated after a 5xx or a dropped connection: ``always``, ``unique_id`` or ``never``.

    GET, DELETE, PUT and PATCH are idempotent (PATCH sets attributes to given values); POSTs to relationship
    endpoints add members (a set); POST queries (reports, aggregates) read; the state-setting operations above
    set a state. Event creation is safe when every event has a ``unique_id``. Other POSTs create something,
    and a repeat could create it twice.
    """
    if method.upper() in ("GET", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"):
        return "always"
    if "/relationships/" in path or operation_id.startswith(("query_", "get_")):
        return "always"
    if any(re.search(rule, operation_id) for rule in _STATE_SETTING):
        return "always"
    if re.search(_EVENT_CREATES, operation_id):
        return "unique_id"
    return "never"


def group_slug(tag: str) -> str:
    """``"Custom Objects"`` -> ``custom_objects``.

    Example:
        >>> group_slug("Tracking Settings")
        'tracking_settings'
    """
    return re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_")


def tier(raw: Mapping[str, str] | None) -> dict[str, int]:
    """``{"burst": "75/s", "steady": "750/m", "daily": "100/d"}`` -> ``{"burst": 75, "steady": 750, "daily": 100}``.

    Example:
        >>> tier({"burst": "1/s", "steady": "15/m"})
        {'burst': 1, 'steady': 15}
    """
    out: dict[str, int] = {}
    for name, value in (raw or {}).items():
        match = _RATE.fullmatch(str(value).strip())
        if match:
            out[name] = int(match.group(1))
    return out


def clean_description(text: str) -> str:
    """The operation's own prose: cut before the rate-limit and scope notes, ``<br>`` as line breaks.

    Example:
        >>> clean_description("Get lists.<br><br>*Rate limits*:<br>Burst: `75/s`")
        'Get lists.'
    """
    cut = text.split("*Rate limits*")[0].split("**Scopes:**")[0]
    cut = cut.replace("<br>", "\n")
    return re.sub(r"\n{3,}", "\n\n", cut).strip()


class SchemaInliner:
    """Compacts the schemas of one group: scalars and enums inline, named objects once under ``schemas``.

    Inlining every object would repeat deep shared schemas (a flow's actions) in each operation; keeping each
    named object schema once per group file, referenced by ``{"$ref": name}``, keeps the files near the spec's
    own size.
    """

    def __init__(self, components: Mapping[str, Any]) -> None:
        self.components = components
        self.named: dict[str, Any] = {}

    def raw(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The spec's own schema behind any ``$ref`` chain (wrapper levels are read raw, not stored)."""
        while "$ref" in schema:
            schema = self.components[str(schema["$ref"]).rsplit("/", 1)[-1]]
        return schema

    def compact(self, schema: Mapping[str, Any], stack: tuple[str, ...] = ()) -> dict[str, Any]:
        """The schema in the registry's compact form (see the module docstring)."""
        if "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            target = self.components[name]
            extra = {k: schema[k] for k in ("description", "nullable") if k in schema}
            if not _is_structured(target):
                # A scalar or an enum: cheap, and clearer inline. A property's own description wins.
                return {**self.compact(target, stack), **extra}
            if name not in self.named:
                self.named[name] = None  # placeholder: a schema that contains itself refers to its name
                self.named[name] = self.compact(target, (*stack, name))
            return {"$ref": name, **extra}
        out: dict[str, Any] = {k: schema[k] for k in KEPT if k in schema}
        if "allOf" in schema:
            for part in schema["allOf"]:
                merged = self.compact(part, stack)
                out.setdefault("properties", {}).update(merged.pop("properties", {}))
                out["required"] = sorted(set(out.get("required", [])) | set(merged.pop("required", [])))
                for key, value in merged.items():
                    out.setdefault(key, value)
        if "oneOf" in schema or "anyOf" in schema:
            out["oneOf"] = [self.compact(s, stack) for s in schema.get("oneOf", schema.get("anyOf", []))]
        if "properties" in schema:
            props = out.setdefault("properties", {})
            props.update({name: self.compact(sub, stack) for name, sub in schema["properties"].items()})
        if schema.get("required"):
            out["required"] = sorted(set(out.get("required", [])) | set(schema["required"]))
        if "items" in schema:
            out["items"] = self.compact(schema["items"], stack)
        if "additionalProperties" in schema and isinstance(schema["additionalProperties"], Mapping):
            out["additionalProperties"] = self.compact(schema["additionalProperties"], stack)
        return out


def _is_structured(schema: Mapping[str, Any]) -> bool:
    return any(k in schema for k in ("properties", "items", "oneOf", "anyOf", "allOf", "additionalProperties"))


def _resource_type(schema: Mapping[str, Any], inliner: SchemaInliner) -> str | None:
    """The JSON:API ``type`` a resource-object schema fixes with a one-value enum (looking into ``allOf``)."""
    type_schema = inliner.raw((schema.get("properties") or {}).get("type") or {})
    enum = type_schema.get("enum") or []
    if len(enum) == 1:
        return str(enum[0])
    for part in schema.get("allOf", []):
        found = _resource_type(inliner.raw(part), inliner)
        if found:
            return found
    return None


def _query(parameters: list[Mapping[str, Any]], op: Mapping[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {}
    other: list[dict[str, Any]] = []
    for param in parameters:
        name, schema = param["name"], param.get("schema") or {}
        items = (schema.get("items") or {}).get("enum")
        kind = re.fullmatch(r"(fields|additional-fields)\[(.+)\]", name)
        if kind:
            table = "fields" if kind.group(1) == "fields" else "additional_fields"
            query.setdefault(table, {})[kind.group(2)] = list(items or [])
        elif name == "include":
            query["include"] = list(items or [])
        elif name == "sort":
            query["sort"] = [v for v in schema.get("enum", []) if not str(v).startswith("-")]
        elif name == "filter":
            filters = op.get("x-klaviyo-filters") or {}
            query["filter"] = {
                "required": bool(param.get("required")),
                "fields": {
                    field: {
                        "operators": sorted({o for ops in spec.get("operators", {}).values() for o in ops}),
                        "value": spec.get("value") or {},
                    }
                    for field, spec in filters.items()
                },
            }
        elif name == "page[size]":
            query["page_size"] = {"max": schema.get("maximum"), "default": schema.get("default")}
        elif name in ("page[cursor]", "page_cursor"):
            query["cursor"] = name
        else:
            entry = {"name": name, "required": bool(param.get("required"))}
            entry.update({k: schema[k] for k in ("type", "enum", "example") if k in schema})
            if param.get("description"):
                entry["description"] = clean_description(str(param["description"]))
            other.append(entry)
    if other:
        query["other"] = other
    return query


def _body(op: Mapping[str, Any], inliner: SchemaInliner) -> dict[str, Any] | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    if not content:
        return None
    media, entry = next(iter(content.items()))
    body: dict[str, Any] = {"media": media, "required": bool(op["requestBody"].get("required"))}
    top = inliner.raw(entry["schema"])
    if media == "multipart/form-data":
        body.update(shape="form", form=inliner.compact(top))
        return body
    data = inliner.raw((top.get("properties") or {}).get("data") or {})
    if data.get("type") == "array":
        item = inliner.raw(data.get("items") or {})
        body.update(shape="array", type=_resource_type(item, inliner), item=inliner.compact(item))
        return body
    props = data.get("properties") or {}
    required = set(data.get("required") or [])

    def part(name: str) -> Any:
        return inliner.compact(props[name]) if name in props else None

    body.update(
        shape="object",
        type=_resource_type(data, inliner),
        id="required" if "id" in required else ("optional" if "id" in props else "none"),
        attributes=part("attributes"),
        attributes_required="attributes" in required,
        relationships=part("relationships"),
        relationships_required="relationships" in required,
        meta=part("meta"),
    )
    return body


def _response(op: Mapping[str, Any], inliner: SchemaInliner) -> dict[str, Any]:
    statuses = sorted(int(code) for code in op["responses"] if code.startswith("2"))
    out: dict[str, Any] = {"statuses": statuses, "type": None, "many": False}
    for code in map(str, statuses):
        content = (op["responses"][code].get("content") or {}).get("application/vnd.api+json")
        if not content:
            continue
        data = inliner.raw((inliner.raw(content["schema"]).get("properties") or {}).get("data") or {})
        if data.get("type") == "array":
            out["many"] = True
            data = inliner.raw(data.get("items") or {})
        out["type"] = _resource_type(data, inliner)
        break
    return out


def operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any], list[Mapping[str, Any]]]]:
    """``(method, path, operation, parameters)`` for every operation, in the spec's order."""
    for path, item in spec["paths"].items():
        shared = list(item.get("parameters", []))
        for method in METHODS:
            if method in item:
                op = item[method]
                yield method.upper(), path, op, shared + list(op.get("parameters", []))


def build(spec: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The generated files: the index module's source, and ``{group: json text}``."""
    components = spec["components"]["schemas"]
    groups: dict[str, dict[str, Any]] = {}
    inliners: dict[str, SchemaInliner] = {}
    index_rows = []
    for method, path, op, params in operations(spec):
        op_id = op["operationId"]
        tag = (op.get("tags") or ["Other"])[0]
        slug = group_slug(tag)
        inliner = inliners.setdefault(slug, SchemaInliner(components))
        limits = tier(op.get("x-klaviyo-ratelimit"))
        reduced = [
            {"param": m.group(1), "value": m.group(2), "burst": int(m.group(3)), "steady": int(m.group(4))}
            for m in _REDUCED.finditer(op.get("description", ""))
        ]
        entry = {
            "id": op_id,
            "method": method,
            "path": path,
            "group": tag,
            "summary": op.get("summary", ""),
            "description": clean_description(op.get("description", "")),
            "path_params": [p["name"] for p in params if p.get("in") == "path"],
            "query": _query([p for p in params if p.get("in") == "query"], op),
            "headers": [p["name"] for p in params if p.get("in") == "header" and p["name"] != "revision"],
            "body": _body(op, inliner),
            "response": _response(op, inliner),
            "tier": limits,
            "reduced_tiers": reduced,
            "scopes": list(op.get("x-klaviyo-scopes") or []),
            "retry": retry_safety(method, path, op_id),
            "public": op.get("security") == [],
            "beta": str(op.get("x-klaviyo-pre-release", "None")) not in ("None", "", "False", "false"),
        }
        groups.setdefault(slug, {"group": tag, "operations": {}, "schemas": {}})["operations"][op_id] = entry
        index_rows.append(
            (op_id, method, path, slug, limits.get("burst", 0), limits.get("steady", 0), limits.get("daily", 0))
        )
    for slug, inliner in inliners.items():
        groups[slug]["schemas"] = dict(sorted(inliner.named.items()))
    data = {
        slug: json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        for slug, content in groups.items()
    }
    return _index_source(spec, index_rows), data


def _json_text(content: Any) -> str:
    # Indented and sorted so that a new revision of the spec shows as a readable diff.
    return json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _index_source(spec: Mapping[str, Any], rows: list[tuple[str, str, str, str, int, int, int]]) -> str:
    lines = [
        '"""Generated by ``python -m connector.klaviyo.operations.generate`` from Klaviyo\'s OpenAPI spec.',
        "",
        "Do not edit: regenerate it.",
        "",
        "Every operation: ``id -> (method, path, group, burst per second, steady per minute, daily cap)`` (0 = no",
        "limit given). The details of each group's operations are in ``data/<group>.json``.",
        '"""',
        "",
        f'REVISION = "{spec["info"]["version"]}"',
        "",
        "OPERATIONS: dict[str, tuple[str, str, str, int, int, int]] = {",
        *(f'    "{r[0]}": ("{r[1]}", "{r[2]}", "{r[3]}", {r[4]}, {r[5]}, {r[6]}),' for r in rows),
        "}",
        "",
    ]
    return "\n".join(lines)


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    """The vendored spec."""
    with path.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def stale_files(target: Path = PACKAGE, spec_path: Path = SPEC) -> list[str]:
    """Generated files whose committed text differs from what the spec gives now (empty when up to date)."""
    index, data = build(load_spec(spec_path))
    expected = {"_index.py": index, **{f"data/{slug}.json": text for slug, text in data.items()}}
    present = {f"data/{p.name}" for p in (target / "data").glob("*.json")}
    stale = [
        name
        for name, text in expected.items()
        if not (target / name).exists() or (target / name).read_text(encoding="utf-8") != text
    ]
    return sorted(stale + sorted(present - set(expected)))


def _differs(path: Path, text: str) -> bool:
    return not path.exists() or path.read_text(encoding="utf-8") != text


def write(target: Path = PACKAGE, spec_path: Path = SPEC) -> list[Path]:
    """Write the generated files; returns them."""
    index, data = build(load_spec(spec_path))
    (target / "data").mkdir(exist_ok=True)
    for old in (target / "data").glob("*.json"):
        if old.stem not in data:
            old.unlink()
    written = [target / "_index.py"]
    written[0].write_text(index, encoding="utf-8")
    for slug, text in data.items():
        path = target / "data" / f"{slug}.json"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m connector.klaviyo.operations.generate [--check]``."""
    parser = argparse.ArgumentParser(description="Generate the operation registry from connector/spec/stable.json.")
    parser.add_argument("--check", action="store_true", help="only say whether the committed files are stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for name in stale:
            print(f"stale: {name}")
        return 1 if stale else 0
    for path in write():
        print(f"wrote {path.relative_to(PACKAGE.parents[2])}")
    return 0


if __name__ == "__main__":  # pragma: no cover - developer tool
    sys.exit(main())
