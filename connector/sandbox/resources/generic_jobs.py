"""Asynchronous jobs of the spec-driven store: accepted with 202 (or the spec's status), done by the worker.

``POST /api/x-jobs`` stores the job ``queued`` with its payload and answers at once; the background worker then
applies it and marks it ``complete`` with its counts (``total_count``, ``completed_count``, ``failed_count`` and
per-item ``errors``). What a job does is read from its type name and payload:

* ``*-bulk-create-job`` / ``*-bulk-update-job`` / ``*-bulk-delete-job`` (catalog items, variants, categories,
  coupon codes): create, update or delete every resource under the payload's ``data`` array; an item that cannot
  be applied (duplicate id, unknown id) is counted as failed with an error, the others go through;
* ``profile-suppression-bulk-create-job`` / ``-delete-job``: suppress (``USER_SUPPRESSED``) or unsuppress the
  emails sent, or every member of the list / segment;
* ``data-privacy-deletion-job``: forget the profile (its identifiers, list memberships and events);
* ``object-record-bulk-delete-job``: delete the object records it links;
* ``campaign-send-job``: the campaign becomes ``Sent``; ``campaign-recipient-estimation-job``: the campaign's
  ``campaign-recipient-estimation`` is recounted from its audiences;
* any other job completes with its items counted.

Example:
    >>> kind_action("catalog-item-bulk-update-job")
    'update'
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..errors import ApiError, not_found
from ..ids import iso, now, now_iso, ulid
from ..openapi import Operation
from ..resource_types import TYPES
from ..routing import Ctx
from ..store import Store
from ..wire import Response
from . import profile_model
from .generic import answer, new_id, posted, targets
from .relations import complete

Doc = dict[str, Any]
PAYLOAD = "job-payload"
FINAL = ("complete", "cancelled")
# Jobs whose id is the id of the resource they act on.
SUBJECT = {"campaign-send-job": "campaign", "campaign-recipient-estimation-job": "campaign"}


def kind_action(kind: str) -> str:
    """``create`` / ``update`` / ``delete`` for catalog-style bulk jobs, else the job's own name.

    Example:
        >>> kind_action("coupon-code-bulk-create-job"), kind_action("campaign-send-job")
        ('create', 'campaign-send-job')
    """
    for action in ("create", "update", "delete"):
        if kind.endswith(f"-bulk-{action}-job") and not kind.startswith(("profile-", "object-", "data-source")):
            return action
    return kind


def items_of(attributes: Doc) -> tuple[str, list[Any]]:
    """(attribute name, items) of the resource array in a job's attributes (``items.data`` ...).

    Example:
        >>> items_of({"items": {"data": [{"type": "catalog-item"}]}})
        ('items', [{'type': 'catalog-item'}])
    """
    for name, value in attributes.items():
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            return name, list(value["data"])
    return "", []


def create_job(op: Operation, ctx: Ctx) -> Response:
    """``POST /api/x-jobs``: store the job ``queued`` and hand it to the worker.

    Example:
        >>> create_job.__name__
        'create_job'
    """
    kind, data = posted(ctx)
    attributes = data.get("attributes") or {}
    ident = new_id(kind, data)
    subject = SUBJECT.get(kind)
    if subject is not None and not ctx.store.exists(subject, ident):
        raise not_found(subject, ident, pointer="/data/id")
    existing = ctx.store.get(kind, ident)
    if existing is not None and existing.get("status") not in FINAL:
        raise ApiError(409, "conflict", f"A {kind} with id {ident} is already in progress.", pointer="/data/id")
    _, items = items_of(attributes)
    links = targets(ctx, data.get("relationships"))
    created = now()
    job: Doc = {
        "id": ident,
        "status": "queued",
        "created_at": iso(created),
        "total_count": len(items) or 1,
        "completed_count": 0,
        "failed_count": 0,
        "skipped_count": 0,
        "errors": [],
        "completed_at": None,
        "expires_at": iso(created + timedelta(days=7)),
    }
    job = ctx.jobs.stamp(complete(TYPES.attributes_schema(kind), job) | {"id": ident})
    ctx.store.put(kind, ident, job)
    for name, target_kind, target_id in links:
        ctx.store.link(kind, ident, name, target_kind, target_id)
    ctx.store.put(PAYLOAD, f"{kind}:{ident}", {"attributes": attributes})
    ctx.jobs.submit(kind, ident)
    return answer(ctx, op, kind, job)


def process(store: Store, kind: str, job_id: str) -> None:
    """Worker step for every job kind without its own processor.

    Example:
        >>> process(Store(), "catalog-item-bulk-create-job", "missing")
    """
    with store.transaction():
        job = store.get(kind, job_id)
        if job is None or job.get("status") in FINAL:
            return
        payload = store.get(PAYLOAD, f"{kind}:{job_id}") or {}
        attributes = payload.get("attributes") or {}
        action = kind_action(kind)
        if action in ("create", "update", "delete"):
            _bulk(store, kind, job, attributes, action)
        else:
            RUNNERS.get(kind, _count_only)(store, job, attributes)
        job["status"] = "complete"
        job["completed_at"] = now_iso()
        store.put(kind, job_id, job)
        store.delete(PAYLOAD, f"{kind}:{job_id}")


def _error(job: Doc, index: int, field: str, code: str, detail: str) -> None:
    job["failed_count"] += 1
    job["errors"].append(
        {
            "id": ulid(),
            "code": code,
            "title": "Invalid input.",
            "detail": detail,
            "source": {"pointer": f"/data/attributes/{field}/data/{index}"},
        }
    )


def _bulk(store: Store, kind: str, job: Doc, attributes: Doc, action: str) -> None:
    field, items = items_of(attributes)
    for index, item in enumerate(items):
        item_kind = str(item.get("type", ""))
        ident = new_id(item_kind, item)
        doc = store.get(item_kind, ident)
        if action == "create" and doc is not None:
            _error(job, index, field, "duplicate", f"A {item_kind} with id {ident} already exists.")
            continue
        if action != "create" and doc is None:
            _error(job, index, field, "not_found", f"A {item_kind} with id {ident} does not exist.")
            continue
        if action == "delete":
            store.delete(item_kind, ident)
            store.drop_links(item_kind, ident)
        else:
            given = item.get("attributes") or {}
            merged = {**doc, **given} if doc is not None else complete(TYPES.attributes_schema(item_kind), given)
            store.put(item_kind, ident, {**merged, "id": ident})
            for name, block in (item.get("relationships") or {}).items():
                linkage = block.get("data") if isinstance(block, dict) else None
                for target in linkage if isinstance(linkage, list) else [linkage] if linkage else []:
                    if isinstance(target, dict) and store.exists(str(target.get("type")), str(target.get("id"))):
                        store.link(item_kind, ident, name, str(target["type"]), str(target["id"]))
            store.link(kind, job["id"], field, item_kind, ident)
        job["completed_count"] += 1


def _emails_or_members(store: Store, job: Doc, attributes: Doc, kind: str) -> list[str]:
    """Profile ids a suppression job applies to: the emails sent (profiles made when new), or group members."""
    _, items = items_of(attributes)
    out = []
    for item in items:
        email = ((item or {}).get("attributes") or {}).get("email")
        if not isinstance(email, str):
            continue
        owner = store.owner("email", profile_model.ident_key("email", email))
        out.append(owner or profile_model.create(store, {"email": email}, "/data")["id"])
    for target_kind, target_id in store.links(kind, job["id"], "list") + store.links(kind, job["id"], "segment"):
        if target_kind == "list":
            out += [p for p, _ in store.members(target_id)]
        else:
            from .segments import members

            segment = store.get("segment", target_id) or {}
            out += members(store, segment.get("definition") or {})
    return list(dict.fromkeys(out))


def _suppress(store: Store, job: Doc, attributes: Doc) -> None:
    stamp = now_iso()
    for pid in _emails_or_members(store, job, attributes, "profile-suppression-bulk-create-job"):
        doc = store.get("profile", pid)
        if doc is None:
            continue
        supp = doc.setdefault("suppression", [])
        if not any(s.get("reason") == "USER_SUPPRESSED" for s in supp):
            supp.append({"reason": "USER_SUPPRESSED", "timestamp": stamp})
        store.put("profile", pid, doc)
        job["completed_count"] += 1
    job["total_count"] = max(job["completed_count"], 1)


def _unsuppress(store: Store, job: Doc, attributes: Doc) -> None:
    for pid in _emails_or_members(store, job, attributes, "profile-suppression-bulk-delete-job"):
        doc = store.get("profile", pid)
        if doc is None:
            continue
        doc["suppression"] = [s for s in doc.get("suppression", []) if s.get("reason") != "USER_SUPPRESSED"]
        store.put("profile", pid, doc)
        job["completed_count"] += 1
    job["total_count"] = max(job["completed_count"], 1)


def forget_profile(store: Store, pid: str) -> None:
    """Delete a profile with its identifiers, list memberships and events (data-privacy deletion).

    Example:
        >>> forget_profile(Store(), "nobody")
    """
    for list_id in store.lists_of(pid):
        store.remove_member(list_id, pid)
    for event in store.all("event"):
        if event.get("profile_id") == pid:
            store.delete("event", event["id"])
    store.set_idents(pid, {})
    store.delete("profile", pid)
    store.drop_links("profile", pid)


def _delete_profile(store: Store, job: Doc, attributes: Doc) -> None:
    data = ((attributes.get("profile") or {}).get("data")) or {}
    given = data.get("attributes") or {}
    pid = data.get("id") if isinstance(data.get("id"), str) else None
    if pid is None:
        found = profile_model.owners(store, {k: v for k, v in given.items() if isinstance(v, str)})
        pid = found[0] if found else None
    if pid is not None and store.exists("profile", pid):
        forget_profile(store, pid)
        job["completed_count"] = 1
    else:
        job["skipped_count"] = 1


def _delete_records(store: Store, job: Doc, attributes: Doc) -> None:
    for target_kind, target_id in store.links("object-record-bulk-delete-job", job["id"], "object-records"):
        store.delete(target_kind, target_id)
        store.drop_links(target_kind, target_id)
        job["completed_count"] += 1


def _send_campaign(store: Store, job: Doc, attributes: Doc) -> None:
    campaign = store.get("campaign", job["id"])
    if campaign is not None:
        campaign.update(status="Sent", send_time=now_iso(), updated_at=now_iso())
        store.put("campaign", job["id"], campaign)
    job["completed_count"] = 1


def _estimate(store: Store, job: Doc, attributes: Doc) -> None:
    from .segments import members

    campaign = store.get("campaign", job["id"]) or {}
    audiences = campaign.get("audiences") or {}

    def profiles(ids: list[str]) -> set[str]:
        out: set[str] = set()
        for ident in ids:
            out |= {p for p, _ in store.members(ident)}
            segment = store.get("segment", ident)
            if segment is not None:
                out |= set(members(store, segment.get("definition") or {}))
        return out

    count = len(profiles(audiences.get("included") or []) - profiles(audiences.get("excluded") or []))
    estimation = complete(
        TYPES.attributes_schema("campaign-recipient-estimation"), {"estimated_recipient_count": count}
    )
    store.put("campaign-recipient-estimation", job["id"], {**estimation, "id": job["id"]})
    job["completed_count"] = 1


def _count_only(store: Store, job: Doc, attributes: Doc) -> None:
    job["completed_count"] = job.get("total_count", 1)


RUNNERS = {
    "profile-suppression-bulk-create-job": _suppress,
    "profile-suppression-bulk-delete-job": _unsuppress,
    "data-privacy-deletion-job": _delete_profile,
    "object-record-bulk-delete-job": _delete_records,
    "campaign-send-job": _send_campaign,
    "campaign-recipient-estimation-job": _estimate,
}
