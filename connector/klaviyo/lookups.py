"""Look-ups shared by the delivery engine and the destination actions.

Profile ids (create, 409, create-or-update, lookup), lists by name, derived event ids.

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
from connector.klaviyo.operations.calls import paginate, request


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
        >>> from connector.sandbox import Sandbox
        >>> from connector.shell.facade import Klaviyo
        >>> with Sandbox() as sb:
        ...     client = Klaviyo(api_key=sb.api_key, base_url=sb.url).client
        ...     first = create_or_find_profile(client, {"email": "ada@example.com"})
        ...     again = create_or_find_profile(client, {"email": "ada@example.com"})
        >>> first[2], again[0] == first[0], again[1:]
        (True, True, (None, False))
    """
    try:
        # A repeat after a dropped connection answers 409 with the id, which is handled below.
        body = resource_body("profile", attributes)
        response = request(client, "create_profile", body=body, retry_safe=True)
    except ConflictError as exc:
        profile_id = exc.duplicate_profile_id
        if not profile_id:
            raise UnresolvedDuplicateProfile.from_conflict(exc) from None
        return profile_id, None, False
    # resource(): an answer without the created profile is a MalformedResponseError, not a TypeError.
    return response.resource()["id"], response.json(), True


def import_profile(client: KlaviyoClient, attributes: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> str:
    """Create or update one profile (``POST /api/profile-import``), with ``meta`` (``patch_properties``); its id.

    Bulk import jobs take no ``meta``: a profile whose list properties are appended to, unappended from or
    unset goes through this call. It is retried after a lost answer only without an append (the operation
    layer's rule).

    Example:
        >>> from connector.sandbox import Sandbox
        >>> from connector.shell.facade import Klaviyo
        >>> with Sandbox() as sb:
        ...     client = Klaviyo(api_key=sb.api_key, base_url=sb.url).client
        ...     pid = import_profile(client, {"email": "ada@example.com", "properties": {"tags": ["a"]}})
        ...     append = {"patch_properties": {"append": {"tags": "b"}}}
        ...     same = import_profile(client, {"email": "ada@example.com"}, append)
        ...     tags = sb.state.profiles()[0]["properties"]["tags"]
        >>> pid == same, tags
        (True, ['a', 'b'])
    """
    data: dict[str, Any] = {"type": "profile", "attributes": dict(attributes)}
    if meta:
        data["meta"] = dict(meta)
    return str(request(client, "create_or_update_profile", body={"data": data}).resource()["id"])


def add_to_list(client: KlaviyoClient, list_id: str, profile_ids: list[str]) -> None:
    """``POST /api/lists/{id}/relationships/profiles`` (only ever with real profile ids).

    Example:
        >>> add_to_list(None, "L", [])  # nothing to add, nothing sent
    """
    if not profile_ids:
        return
    body = {"data": [{"type": "profile", "id": pid} for pid in profile_ids]}
    request(client, "add_profiles_to_list", ids={"id": list_id}, body=body)


def filter_equals(field: str, value: str) -> str:
    """A Klaviyo ``equals`` filter with the value quoted and escaped."""
    return f"equals({field},{json.dumps(value, ensure_ascii=False)})"


def find_list(client: KlaviyoClient, name: str) -> str | None:
    """The id of the first list named exactly ``name``, or None (``GET /api/lists?filter=equals(name,...)``)."""
    for item in paginate(client, "get_lists", params={"filter": filter_equals("name", name)}, limit=1):
        return str(item["id"])
    return None


def find_or_create_list(client: KlaviyoClient, name: str) -> str:
    """Reuse the list named after the audience, or create it on the first sync.

    Example:
        >>> from connector.sandbox import Sandbox
        >>> from connector.shell.facade import Klaviyo
        >>> with Sandbox() as sb:
        ...     client = Klaviyo(api_key=sb.api_key, base_url=sb.url).client
        ...     created, reused = find_or_create_list(client, "Engaged"), find_or_create_list(client, "Engaged")
        >>> created == reused
        True
    """
    return find_list(client, name) or create_list(client, name)


def create_list(client: KlaviyoClient, name: str) -> str:
    """Create a list named ``name`` (``create_list``); its id."""
    return str(request(client, "create_list", body=resource_body("list", {"name": name})).resource()["id"])


def lookup_profile_ids(client: KlaviyoClient, identifiers: Mapping[str, str]) -> list[str]:
    """Profile ids holding any of the identifiers (one ``GET /api/profiles`` per identifier), de-duplicated."""
    found: list[str] = []
    for field in ("email", "phone_number", "external_id"):
        value = identifiers.get(field)
        if not value:
            continue
        params = {"filter": filter_equals(field, value), "fields[profile]": ["id"]}
        for item in paginate(client, "get_profiles", params=params):
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
