"""Bulk Profile Import: spawn (202 with the job), get, list, and per-record import errors.

The POST validates the envelope (1..10,000 profiles, 5 MB, existing lists) and answers ``queued``; the
background worker then moves the job to ``processing``, upserts each profile (adding it to the job's lists)
and records an ``import-error`` for each record it cannot take (bad email or phone, no identifier,
identifiers of two different profiles, over 100 KB), then marks the job ``complete``.

Example:
    >>> [r.op for r in ROUTES][0]
    'bulk_import_profiles'
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ..errors import ApiError, invalid
from ..filters import rule
from ..ids import iso, now, now_iso, ulid
from ..jsonapi import read_data, relation, resource
from ..query import QuerySpec
from ..routing import Ctx, Route
from ..store import Store
from ..wire import Response
from . import lists, profile_model
from .common import listing, load, refuse_oversized, single

KIND = "profile-bulk-import-job"
PAYLOAD = "profile-bulk-import-payload"  # kept apart so progress updates do not rewrite up to 5 MB each time
MAX_PROFILES = 10_000
MAX_BYTES = 5 * 1024 * 1024
MAX_PROFILE_BYTES = 100 * 1024
CHUNK = 200
FIELDS = frozenset(
    {
        "completed_at",
        "completed_count",
        "created_at",
        "expires_at",
        "failed_count",
        "id",
        "started_at",
        "status",
        "total_count",
    }
)
ERROR_FIELDS = frozenset({"code", "detail", "id", "original_payload", "source", "title"})

WRITE_SPEC = QuerySpec(fields={KIND: FIELDS})
GET_SPEC = QuerySpec(fields={KIND: FIELDS, "list": lists.FIELDS}, include=frozenset({"lists"}))
LIST_SPEC = QuerySpec(
    filters={"status": rule("any equals")}, sorts=("created_at",), fields={KIND: FIELDS}, page=(20, 100)
)
ERRORS_SPEC = QuerySpec(fields={"import-error": ERROR_FIELDS}, page=(20, 100))


def serialize(job: dict[str, Any], base: str) -> dict[str, Any]:
    """A ``profile-bulk-import-job`` resource object.

    Example:
        >>> serialize({"id": "J", "status": "queued", "list_ids": []}, "http://h")["attributes"]["status"]
        'queued'
    """
    attrs = {
        k: job.get(k)
        for k in (
            "status",
            "created_at",
            "total_count",
            "completed_count",
            "failed_count",
            "completed_at",
            "expires_at",
            "started_at",
        )
    }
    seg = "profile-bulk-import-jobs"
    rels = {
        "lists": relation(base, seg, job["id"], "lists", [{"type": "list", "id": i} for i in job["list_ids"]]),
        "profiles": relation(base, seg, job["id"], "profiles"),
        "import-errors": {"links": {"related": f"{base}/api/{seg}/{job['id']}/import-errors/"}},
    }
    return resource(KIND, job["id"], attrs, base, seg, rels)


def _list_ids(ctx: Ctx, data: dict[str, Any]) -> list[str]:
    rel = (data.get("relationships") or {}).get("lists")
    if rel is None:
        return []
    items = rel.get("data") if isinstance(rel, dict) else None
    if not isinstance(items, list):
        raise invalid("'relationships.lists.data' must be an array.", pointer="/data/relationships/lists/data")
    ids = []
    for i, item in enumerate(items):
        ptr = f"/data/relationships/lists/data/{i}"
        if not isinstance(item, dict) or item.get("type") != "list" or not isinstance(item.get("id"), str):
            raise invalid("Each list must be {type: list, id}.", pointer=ptr)
        if not ctx.store.exists("list", item["id"]):
            raise invalid(f"A list with id {item['id']} does not exist.", pointer=f"{ptr}/id")
        ids.append(item["id"])
    return ids


def bulk_import_profiles(ctx: Ctx) -> Response:
    """``POST /api/profile-bulk-import-jobs`` → 202 with the queued job.

    Example:
        >>> bulk_import_profiles.__name__
        'bulk_import_profiles'
    """
    refuse_oversized(ctx, MAX_BYTES)
    data = read_data(ctx.req, KIND)
    container = data["attributes"].get("profiles")
    items = container.get("data") if isinstance(container, dict) else None
    pointer = "/data/attributes/profiles/data"
    if not isinstance(items, list) or not items:
        raise invalid("'profiles.data' must be a non-empty array.", pointer=pointer)
    if len(items) > MAX_PROFILES:
        raise invalid(f"At most {MAX_PROFILES} profiles are allowed per job.", pointer=pointer)
    created = now()
    job: dict[str, Any] = {
        "id": ulid(),
        "type": KIND,
        "status": "queued",
        "created_at": iso(created),
        "total_count": len(items),
        "completed_count": 0,
        "failed_count": 0,
        "started_at": None,
        "completed_at": None,
        "expires_at": iso(created + timedelta(days=7)),
        "list_ids": _list_ids(ctx, data),
        "errors": [],
        "profile_ids": [],
    }
    ctx.jobs.stamp(job)
    ctx.store.put(KIND, job["id"], job)
    ctx.store.put(PAYLOAD, job["id"], {"profiles": items})
    ctx.jobs.submit(KIND, job["id"])
    return single(ctx, serialize(ctx.jobs.view(job), ctx.base), 202)


def _import_one(store: Store, job: dict[str, Any], index: int, item: Any) -> None:
    pointer = f"/data/attributes/profiles/data/{index}"
    try:
        if len(json.dumps(item)) > MAX_PROFILE_BYTES:
            raise invalid("The profile exceeds 100 KB.", pointer=pointer)
        if not isinstance(item, dict) or item.get("type") != "profile":
            raise invalid("Each profile must have type 'profile'.", pointer=f"{pointer}/type")
        raw = item.get("attributes")
        if not isinstance(raw, dict):
            raise invalid("'attributes' is required.", pointer=f"{pointer}/attributes")
        attrs = profile_model.clean(raw, f"{pointer}/attributes")
        ident = item.get("id") if isinstance(item.get("id"), str) else None
        if not ident and not profile_model.has_identifier(attrs):
            raise invalid("One of id, email, phone_number or external_id is required.", pointer=f"{pointer}/attributes")
        doc, _ = profile_model.upsert(store, ident, attrs, item.get("meta"), f"{pointer}/attributes")
    except ApiError as err:
        job["failed_count"] += 1
        job["errors"].append(
            {
                "id": ulid(),
                "code": err.code,
                "title": err.document()["errors"][0]["title"],
                "detail": err.detail,
                "source": {"pointer": err.pointer or pointer},
                "original_payload": (item.get("attributes") if isinstance(item, dict) else None) or {},
            }
        )
        return
    for list_id in job["list_ids"]:
        if store.exists("list", list_id):
            store.add_member(list_id, doc["id"], now_iso())
    job["completed_count"] += 1
    job["profile_ids"].append(doc["id"])


def process(store: Store, job_id: str) -> None:
    """Worker step: import every profile of a job, in chunks so API requests interleave.

    Example:
        >>> process(Store(), "missing")
    """
    with store.transaction():
        job = store.get(KIND, job_id)
        if job is None or job["status"] == "complete":
            return
        job["status"] = "processing"
        job["started_at"] = job["started_at"] or now_iso()
        store.put(KIND, job_id, job)
    payload = store.get(PAYLOAD, job_id) or {"profiles": []}
    items: list[Any] = payload["profiles"]
    start = job["completed_count"] + job["failed_count"]
    for offset in range(start, len(items), CHUNK):
        with store.transaction():
            for index in range(offset, min(offset + CHUNK, len(items))):
                _import_one(store, job, index, items[index])
            store.put(KIND, job_id, job)
    with store.transaction():
        job["status"] = "complete"
        job["completed_at"] = now_iso()
        store.put(KIND, job_id, job)
        store.delete(PAYLOAD, job_id)


def get_job(ctx: Ctx) -> Response:
    """``GET /api/profile-bulk-import-jobs/{job_id}`` (``include=lists``).

    Example:
        >>> get_job.__name__
        'get_job'
    """
    job = load(ctx, KIND, "job_id")
    found = [ctx.store.get("list", i) for i in job["list_ids"]]
    shown = serialize(ctx.jobs.view(job), ctx.base)
    return single(ctx, shown, included=[lists.serialize(d, ctx.base) for d in found if d])


def get_jobs(ctx: Ctx) -> Response:
    """``GET /api/profile-bulk-import-jobs``.

    Example:
        >>> get_jobs.__name__
        'get_jobs'
    """
    return listing(ctx, [ctx.jobs.view(d) for d in ctx.store.all(KIND)], lambda d: serialize(d, ctx.base))


def get_import_errors(ctx: Ctx) -> Response:
    """``GET /api/profile-bulk-import-jobs/{id}/import-errors``.

    Example:
        >>> get_import_errors.__name__
        'get_import_errors'
    """
    job = load(ctx, KIND)

    def render(err: dict[str, Any]) -> dict[str, Any]:
        attrs = {k: err[k] for k in ("code", "title", "detail", "source", "original_payload")}
        return {"type": "import-error", "id": err["id"], "attributes": attrs}

    return listing(ctx, job["errors"], render)


ROUTES = [
    Route("POST", "/api/profile-bulk-import-jobs", "bulk_import_profiles", bulk_import_profiles, WRITE_SPEC),
    Route("GET", "/api/profile-bulk-import-jobs", "get_bulk_import_profiles_jobs", get_jobs, LIST_SPEC),
    Route("GET", "/api/profile-bulk-import-jobs/{job_id}", "get_bulk_import_profiles_job", get_job, GET_SPEC),
    Route(
        "GET",
        "/api/profile-bulk-import-jobs/{id}/import-errors",
        "get_errors_for_bulk_import_profiles_job",
        get_import_errors,
        ERRORS_SPEC,
    ),
]
