"""Look-ups shared by the delivery engine and the destination actions.

Profile ids (create, 409, lookup), lists by name, derived event ids.

Example:
    >>> filter_equals("name", 'VIP "gold"')
    'equals(name,"VIP \\\\"gold\\\\"")'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from connector.client.errors import EXIT_TRANSIENT, ConflictError
from connector.client.jsonapi import resource_body
from connector.client.pipeline import KlaviyoClient


class UnresolvedDuplicateProfile(ConflictError):
    """A 409 that names no existing profile: retry later (Klaviyo's index may not have caught up).

    Example:
        >>> UnresolvedDuplicateProfile("409", status=409).retryable
        True
    """

    retryable = True
    exit_code = EXIT_TRANSIENT

    @classmethod
    def from_conflict(cls, exc: ConflictError) -> UnresolvedDuplicateProfile:
        """Keep everything Klaviyo said, and say what to do."""
        return cls(
            exc.message + "; Klaviyo named no duplicate_profile_id, so the profile cannot be updated now (retryable)",
            status=exc.status,
            errors=exc.errors,
            request_id=exc.request_id,
            method=exc.method,
            path=exc.path,
            body_text=exc.body_text,
        )


def create_or_find_profile(client: KlaviyoClient, attributes: Mapping[str, Any]) -> tuple[str, Any, bool]:
    """``POST /api/profiles``; on 409 the existing profile's id. Returns (id, created document or None, created).

    Example:
        >>> # create_or_find_profile(client, {"email": "a@b.co"})
    """
    try:
        # A repeat after a dropped connection answers 409 with the id, which is handled below.
        response = client.request("POST", "/api/profiles", json=resource_body("profile", attributes), retry_safe=True)
    except ConflictError as exc:
        profile_id = exc.duplicate_profile_id
        if not profile_id:
            raise UnresolvedDuplicateProfile.from_conflict(exc) from None
        return profile_id, None, False
    # resource(): an answer without the created profile is a MalformedResponseError, not a TypeError.
    return response.resource()["id"], response.json(), True


def add_to_list(client: KlaviyoClient, list_id: str, profile_ids: list[str]) -> None:
    """``POST /api/lists/{id}/relationships/profiles`` (only ever with real profile ids).

    Example:
        >>> add_to_list(None, "L", [])  # nothing to add, nothing sent
    """
    if not profile_ids:
        return
    body = {"data": [{"type": "profile", "id": pid} for pid in profile_ids]}
    client.request("POST", f"/api/lists/{list_id}/relationships/profiles", json=body, retry_safe=True)


def filter_equals(field: str, value: str) -> str:
    """A Klaviyo ``equals`` filter with the value quoted and escaped."""
    return f"equals({field},{json.dumps(value, ensure_ascii=False)})"


def find_list(client: KlaviyoClient, name: str) -> str | None:
    """The id of the first list named exactly ``name``, or None (``GET /api/lists?filter=equals(name,...)``)."""
    for item in client.paginate("/api/lists", params={"filter": filter_equals("name", name)}, page_size=10, limit=1):
        return str(item["id"])
    return None


def find_or_create_list(client: KlaviyoClient, name: str) -> str:
    """Reuse the list named after the audience, or create it on the first sync.

    Example:
        >>> # find_or_create_list(client, "Engaged users")
    """
    found = find_list(client, name)
    if found:
        return found
    return str(client.request("POST", "/api/lists", json=resource_body("list", {"name": name})).resource()["id"])


def lookup_profile_ids(client: KlaviyoClient, identifiers: Mapping[str, str]) -> list[str]:
    """Profile ids holding any of the identifiers (one ``GET /api/profiles`` per identifier), de-duplicated."""
    found: list[str] = []
    for field in ("email", "phone_number", "external_id"):
        value = identifiers.get(field)
        if not value:
            continue
        params = {"filter": filter_equals(field, value), "fields[profile]": ["id"]}
        for item in client.paginate("/api/profiles", params=params, page_size=100):
            if str(item["id"]) not in found:
                found.append(str(item["id"]))
    return found


def now_iso() -> str:
    """Now in UTC to the second (Klaviyo keeps event times to the second)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def derived_unique_id(*parts: Any) -> str:
    """A deterministic unique id from an event's content: a retried action never duplicates the event.

    Example:
        >>> derived_unique_id("X", {"a": 1}) == derived_unique_id("X", {"a": 1})
        True
    """
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]
