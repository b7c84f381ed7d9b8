"""List memberships for ``deliver``: Engage audiences and list ids, through Klaviyo's list relationship endpoints.

Segment's "Audience Entered" / "Audience Exited" events (destination-behaviours.md A.4 / A.5) add a
profile to, or remove it from, a list named after the audience. Here, for one window of lines:

1. the list of each audience is looked up by name (``GET /api/lists?filter=equals(name,...)``) and,
   for additions, created on the first sync; :class:`ListDirectory` caches name -> id for the run;
2. profile ids are looked up in bulk (``GET /api/profiles?filter=any(email,[...])``, then phone
   number, then external ID, 100 values per request); an addition whose profile is still not found
   is resolved with ``POST /api/profiles`` (201, or 409 naming the existing profile). The list
   endpoints are never called without a profile id;
3. ``POST`` / ``DELETE /api/lists/{id}/relationships/profiles`` with up to 1,000 ids per request.

When one window holds several changes for the same person and list, the last one wins (the list
ends as the last event says) and the earlier lines share its outcome. Removing someone who has no
profile, or from an audience that has no list yet, is delivered: the membership already is what
was asked.

Example:
    >>> directory = ListDirectory(client=None)
    >>> directory.remember("vip_users", "Y6nRLr")
    >>> directory.find("vip_users")
    'Y6nRLr'
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

from connector.client.errors import KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.intents import MembershipIntent
from connector.klaviyo.lookups import create_list, create_or_find_profile, find_list
from connector.klaviyo.operations.calls import paginate, request

LOOKUP_FIELDS = ("email", "phone_number", "external_id")
FILTER_MAX = 100
RELATIONSHIP_MAX = 1_000


class ListDirectory:
    """Lists by name for one delivery run: found (or created) once, then served from the cache.

    Example:
        >>> d = ListDirectory(client=None)
        >>> d.remember("churned", "L1"); d.find_or_create("churned")
        'L1'
    """

    def __init__(self, client: KlaviyoClient | None) -> None:
        self.client = client
        self._ids: dict[str, str] = {}

    def remember(self, name: str, list_id: str) -> None:
        """Cache ``name`` -> ``list_id``."""
        self._ids[name] = list_id

    def find(self, name: str) -> str | None:
        """The id of the list named ``name`` (cached once found), or None when there is none yet."""
        if name in self._ids:
            return self._ids[name]
        assert self.client is not None
        found = find_list(self.client, name)
        if found:
            self._ids[name] = found
        return found

    def find_or_create(self, name: str) -> str:
        """The list named ``name``, created (``POST /api/lists``) when it does not exist yet."""
        found = self.find(name)
        if found:
            return found
        assert self.client is not None
        created = create_list(self.client, name)
        self._ids[name] = created
        return created


def any_filter(field: str, values: Sequence[str]) -> str:
    """A Klaviyo ``any`` filter with JSON-quoted values.

    Example:
        >>> any_filter("email", ["a@b.co", 'x"y@b.co'])
        'any(email,["a@b.co","x\\\\"y@b.co"])'
    """
    return f"any({field},{json.dumps(list(values), ensure_ascii=False, separators=(',', ':'))})"


def _norm(field: str, value: Any) -> str:
    text = str(value).strip()
    return text.lower() if field == "email" else text


def _chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def lookup_profile_ids(client: KlaviyoClient, identities: Sequence[Mapping[str, str]]) -> list[str | None]:
    """The profile id of each identity (first match by email, then phone number, then external ID), or None.

    One ``GET /api/profiles?filter=any(<field>,[...])`` per 100 values of a field, only for the
    identities an earlier field did not resolve.

    Example:
        >>> lookup_profile_ids(None, [])  # nothing to look up, nothing sent
        []
    """
    resolved: list[str | None] = [None] * len(identities)
    for field in LOOKUP_FIELDS:
        wanted = sorted(
            {_norm(field, ids[field]) for i, ids in enumerate(identities) if resolved[i] is None and ids.get(field)}
        )
        if not wanted:
            continue
        found: dict[str, str] = {}
        for chunk in _chunks(wanted, FILTER_MAX):
            params = {"filter": any_filter(field, chunk), "fields[profile]": ",".join(LOOKUP_FIELDS)}
            for item in paginate(client, "get_profiles", params=params, page_size=FILTER_MAX):
                value = (item.get("attributes") or {}).get(field)
                if value:
                    found.setdefault(_norm(field, value), str(item["id"]))
        for i, ids in enumerate(identities):
            if resolved[i] is None and ids.get(field):
                resolved[i] = found.get(_norm(field, ids[field]))
    return resolved


def failure(key: Hashable, exc: KlaviyoError) -> RecordOutcome:
    """A failed request's outcome for ``key``: retryable when the error is, else rejected, in Klaviyo's words."""
    return RecordOutcome(key, Status.RETRYABLE if exc.retryable else Status.REJECTED, exc.message)


def sync_memberships(
    client: KlaviyoClient,
    records: Sequence[tuple[Hashable, MembershipIntent]],
    directory: ListDirectory,
) -> list[RecordOutcome]:
    """Apply membership changes; one outcome per record, in the order given (see the module docstring).

    Example:
        >>> sync_memberships(None, [], ListDirectory(None))
        []
    """
    outcomes: dict[int, RecordOutcome] = {}
    # The last change per (list or audience, person) wins; earlier ones share its outcome.
    last: dict[tuple[Any, ...], int] = {}
    for index, (_, intent) in enumerate(records):
        last[(intent.target(), intent.identity())] = index
    superseded = {i: last[(m.target(), m.identity())] for i, (_, m) in enumerate(records)}
    finals = sorted(set(superseded.values()))
    list_of = _lists(records, finals, directory, outcomes)
    profile_of = _profiles(client, records, [i for i in finals if i in list_of], outcomes)
    _relationships(client, records, list_of, profile_of, superseded, outcomes)
    result = []
    for index, (key, _) in enumerate(records):
        final = outcomes[_follow(superseded, index)]
        result.append(RecordOutcome(key, final.status, final.reason))
    return result


Records = Sequence[tuple[Hashable, MembershipIntent]]


def _lists(
    records: Records, finals: list[int], directory: ListDirectory, outcomes: dict[int, RecordOutcome]
) -> dict[int, str]:
    """Step 1: the list id of each final change (an audience's list found, or created for an addition)."""
    list_of: dict[int, str] = {}
    targets: dict[tuple[str, str], list[int]] = {}
    for index in finals:
        targets.setdefault(records[index][1].target(), []).append(index)
    for (kind, value), indexes in targets.items():
        if kind == "list":
            list_of.update({i: value for i in indexes})
            continue
        adding = any(records[i][1].add for i in indexes)
        try:
            found = directory.find_or_create(value) if adding else directory.find(value)
        except KlaviyoError as exc:
            outcomes.update({i: failure(records[i][0], exc) for i in indexes})
            continue
        for i in indexes:
            if found is None:  # removal from an audience that never had a list: nothing to do
                outcomes[i] = RecordOutcome(records[i][0], Status.DELIVERED)
            else:
                list_of[i] = found
    return list_of


def _profiles(
    client: KlaviyoClient, records: Records, pending: list[int], outcomes: dict[int, RecordOutcome]
) -> dict[int, str]:
    """Step 2: the profile id of each change whose list is known (created for an addition when unknown)."""
    profile_of: dict[int, str] = {}
    try:
        ids = lookup_profile_ids(client, [records[i][1].identifiers for i in pending])
    except KlaviyoError as exc:
        outcomes.update({i: failure(records[i][0], exc) for i in pending})
        return profile_of
    for index, profile_id in zip(pending, ids, strict=True):
        key, intent = records[index]
        if profile_id is None and intent.add:
            try:
                profile_id, _, _ = create_or_find_profile(client, intent.identifiers)
            except KlaviyoError as exc:
                outcomes[index] = failure(key, exc)
                continue
        if profile_id is None:  # removing someone Klaviyo does not know: already not a member
            outcomes[index] = RecordOutcome(key, Status.DELIVERED)
        else:
            profile_of[index] = profile_id
    return profile_of


def _relationships(
    client: KlaviyoClient,
    records: Records,
    list_of: Mapping[int, str],
    profile_of: Mapping[int, str],
    superseded: dict[int, int],
    outcomes: dict[int, RecordOutcome],
) -> None:
    """Step 3: the list relationship requests, the last change per (list, profile) winning again."""
    final_by_pair: dict[tuple[str, str], int] = {}
    for index in sorted(profile_of):
        final_by_pair[(list_of[index], profile_of[index])] = index
    for index in profile_of:
        winner = final_by_pair[(list_of[index], profile_of[index])]
        if winner != index:
            superseded[index] = winner
    groups: dict[tuple[str, bool], list[int]] = {}
    for (list_id, _), index in final_by_pair.items():
        groups.setdefault((list_id, records[index][1].add), []).append(index)
    for (list_id, add), indexes in groups.items():
        op_id = "add_profiles_to_list" if add else "remove_profiles_from_list"
        for chunk in _chunks(indexes, RELATIONSHIP_MAX):
            body = {"data": [{"type": "profile", "id": profile_of[i]} for i in chunk]}
            try:
                request(client, op_id, ids={"id": list_id}, body=body)
            except KlaviyoError as exc:
                outcomes.update({i: failure(records[i][0], exc) for i in chunk})
                continue
            outcomes.update({i: RecordOutcome(records[i][0], Status.DELIVERED) for i in chunk})


def _follow(superseded: Mapping[int, int], index: int) -> int:
    while superseded.get(index, index) != index:
        index = superseded[index]
    return index
