"""One window of input lines: mapped to intents, its profile imports started early, then sent phase by phase.

A window's lines are mapped and grouped by phase (see :mod:`connector.apps.delivery.deliver`). Its profile
imports can start while earlier windows are still being delivered (:meth:`Window.start`), except those of
people an earlier, unfinished window concerns: those wait for their turn, so whatever concerns one person
reaches Klaviyo in the order of the lines. :meth:`Window.finish` collects the imports' outcomes and sends the
later phases, which depend on them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import attrs

from connector.apps.delivery.audiences import ListDirectory, failure, sync_memberships
from connector.apps.delivery.mapping import Skipped, SpecMapper
from connector.client.errors import KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk import senders as batching
from connector.klaviyo.bulk.chunking import json_bytes
from connector.klaviyo.bulk.follower import ImportFollower, Ticket
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status, worst
from connector.klaviyo.bulk.senders import BatchRecord
from connector.klaviyo.intents import (
    ConsentIntent,
    EventIntent,
    Intent,
    MembershipIntent,
    ProfileIntent,
    people,
    plan_consents,
)
from connector.klaviyo.lookups import add_to_list, import_profile
from connector.klaviyo.operations.calls import request

#: What the report keeps of a message besides its outcome.
REPORTED = ("type", "event", "messageId")
#: A parsed input line: its number, the message, and why it could not be read (None when it could).
Line = tuple[int, dict[str, Any], "str | None"]
#: An event waiting for its window's imports: its line, its resource encoded, its dedupe key, and its intent
#: only when the intent is needed later (follow-up events, a profile with ``meta``). The bytes take about a
#: fifth of the memory of the resource's dicts and the intent; with many windows in flight, events are most
#: of what a window holds.
HeldEvent = tuple[int, bytes, "Hashable | None", "EventIntent | None"]
#: An event ready to send: its record and, when needed later, its intent.
Outgoing = tuple[BatchRecord, "EventIntent | None"]


@attrs.define(eq=False)
class Window:
    """A window's lines (number and reported fields), its intents by phase, and the people it concerns."""

    lines: list[tuple[int, dict[str, Any]]]
    results: dict[int, list[RecordOutcome]] = attrs.field(factory=lambda: defaultdict(list))
    imports: dict[str | None, list[tuple[BatchRecord, frozenset[str]]]] = attrs.field(factory=lambda: defaultdict(list))
    patched: list[tuple[int, ProfileIntent]] = attrs.field(factory=list)
    memberships: list[tuple[int, MembershipIntent]] = attrs.field(factory=list)
    consents: list[tuple[int, ConsentIntent]] = attrs.field(factory=list)
    events: list[HeldEvent] = attrs.field(factory=list)
    people: set[str] = attrs.field(factory=set)
    started: list[Ticket] = attrs.field(factory=list)
    waiting: dict[str | None, list[BatchRecord]] = attrs.field(factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, batch: Iterable[Line], mapper: SpecMapper) -> Window:
        """Map each line; a line that cannot be read or mapped gets its outcome now (rejected or skipped)."""
        window = cls([])
        for number, message, unreadable in batch:
            window.lines.append((number, {k: message[k] for k in REPORTED if message.get(k) not in (None, "")}))
            if unreadable is not None:
                window.results[number].append(RecordOutcome(number, Status.REJECTED, unreadable))
                continue
            try:
                intents = mapper.map(message)
            except KlaviyoError as exc:
                window.results[number].append(RecordOutcome(number, Status.REJECTED, exc.message))
                continue
            except Skipped as skip:
                window.results[number].append(RecordOutcome(number, Status.SKIPPED, skip.reason))
                continue
            for intent in intents:
                window._add(number, intent)
        return window

    def _add(self, number: int, intent: Intent) -> None:
        who = people(intent)
        self.people |= who
        if isinstance(intent, ProfileIntent) and intent.meta:
            self.patched.append((number, intent))
        elif isinstance(intent, ProfileIntent):
            self.imports[intent.list_id].append((BatchRecord(number, intent.record_resource()), who))
        elif isinstance(intent, MembershipIntent):
            self.memberships.append((number, intent))
        elif isinstance(intent, ConsentIntent):
            self.consents.append((number, intent))
        else:
            later = intent if intent.followers or intent.profile_meta else None
            self.events.append((number, json_bytes(intent.record_resource()), intent.dedupe_key(), later))

    # -- phase 1, early: profile imports -----------------------------------------------------------

    def start(self, follower: ImportFollower, busy: AbstractSet[str]) -> None:
        """Start the imports of people no earlier unfinished window concerns (``busy``); hold the others.

        A record that shares a person with a held one is held too, so one person's imports keep their order.
        """
        held_people: set[str] = set()
        for list_id, records in self.imports.items():
            ready: list[BatchRecord] = []
            for record, who in records:
                if who & busy or who & held_people:
                    held_people |= who
                    self.waiting[list_id].append(record)
                else:
                    ready.append(record)
            if ready:
                self.started.append(follower.start(batching.profile_import(list_id), ready))
        self.imports.clear()

    def imported(self, follower: ImportFollower) -> bool:
        """Whether the imports started early have all ended (polls at most once, never waits)."""
        return all(follower.ready(ticket) for ticket in self.started)

    # -- phases 1 (rest) to 5 ---------------------------------------------------------------------------

    def finish(self, client: KlaviyoClient, follower: ImportFollower, directory: ListDirectory) -> None:
        """Wait for this window's imports, then send its later phases; every earlier window has finished."""
        for ticket in self.started:
            _collect(self.results, follower.outcomes(ticket))
        held = [follower.start(batching.profile_import(list_id), records) for list_id, records in self.waiting.items()]
        for ticket in held:
            _collect(self.results, follower.outcomes(ticket))
        for number, intent in self.patched:
            self.results[number].append(_import_patched(client, number, intent))
        if self.memberships:
            failed = {n for n, outcomes in self.results.items() if worst(outcomes).status is not Status.DELIVERED}
            ready = [(n, m) for n, m in self.memberships if not (m.add and n in failed)]
            _collect(self.results, sync_memberships(client, ready, directory))
        if self.consents:
            _send_consents(client, self.consents, self.results)
        followers = _send_events(client, _unpacked(self.events), self.results, lambda e: e.followers)
        _send_events(client, followers, self.results, lambda e: ())

    def outcomes(self) -> Iterable[tuple[int, Mapping[str, Any], RecordOutcome]]:
        """(line number, reported fields, the line's outcome) for every line, in input order."""
        for number, reported in self.lines:
            yield number, reported, _line_outcome(self.results[number])


def _import_patched(client: KlaviyoClient, number: int, intent: ProfileIntent) -> RecordOutcome:
    """A profile with ``meta.patch_properties``: Create or Update Profile, then its list (bulk jobs take no meta).

    Delivered only once both landed; a failure of either is the line's (rejected or retryable, with Klaviyo's
    words), never a partial write reported as delivered.
    """
    try:
        profile_id = import_profile(client, intent.attributes, intent.meta)
        if intent.list_id:
            add_to_list(client, intent.list_id, [profile_id])
    except KlaviyoError as exc:
        return failure(number, exc)
    return RecordOutcome(number, Status.DELIVERED)


def _send_consents(
    client: KlaviyoClient, consents: list[tuple[int, ConsentIntent]], results: dict[int, list[RecordOutcome]]
) -> None:
    """Send consent changes round by round (last change per person wins); superseded lines share the winner's."""
    plan = plan_consents([intent for _, intent in consents])
    own: dict[int, RecordOutcome] = {}  # index in ``consents`` -> outcome of what was sent for it
    for round_ in plan.rounds:
        groups: dict[tuple[bool, str | None, bool, str | None], list[BatchRecord]] = defaultdict(list)
        for index, intent in round_:
            groups[intent.group()].append(BatchRecord(index, intent.record_resource()))
        for (subscribe, list_id, historical, source), records in groups.items():
            if subscribe:
                sent = batching.subscribe_profiles(
                    client, records, list_id=list_id, custom_source=source, historical_import=historical
                )
            else:
                sent = batching.unsubscribe_profiles(client, records, list_id=list_id)
            for outcome in sent:
                assert isinstance(outcome.key, int)
                own[outcome.key] = outcome
    for index, (number, _) in enumerate(consents):
        if index in own:
            results[number].append(RecordOutcome(number, own[index].status, own[index].reason))
        for winner in plan.superseded.get(index, ()):
            results[number].append(_superseded(number, consents[winner][0], own[winner]))


def _superseded(number: int, winner_line: int, winner: RecordOutcome) -> RecordOutcome:
    """A superseded line's outcome: the winning line's, saying so."""
    why = f"superseded by line {winner_line}"
    if winner.status is Status.DELIVERED:
        return RecordOutcome(number, Status.DELIVERED, why)
    return RecordOutcome(number, winner.status, f"{why}: {winner.reason}" if winner.reason else why)


def _line_outcome(outcomes: list[RecordOutcome]) -> RecordOutcome:
    """The worst outcome; a delivered line keeps a reason when one of its outcomes has one (superseded)."""
    chosen = worst(outcomes)
    if chosen.status is Status.DELIVERED and not chosen.reason:
        return next((o for o in outcomes if o.reason), chosen)
    return chosen


def _unpacked(held: list[HeldEvent]) -> list[Outgoing]:
    """Held events as records again (the resource decoded once, the bytes kept so they are not encoded again)."""
    return [
        (BatchRecord(number, json.loads(encoded), dedupe, encoded=encoded), intent)
        for number, encoded, dedupe, intent in held
    ]


def _send_events(
    client: KlaviyoClient,
    events: list[Outgoing],
    results: dict[int, list[RecordOutcome]],
    next_of: Callable[[EventIntent], tuple[EventIntent, ...]],
) -> list[Outgoing]:
    """Send events; return the follow-up events of those Klaviyo accepted (an order's products).

    Events whose profile carries ``meta`` (patch operations) go alone through ``POST /api/events``: Bulk
    Create Events has no place for it.
    """
    if not events:
        return []
    bulk = [(record, intent) for record, intent in events if intent is None or not intent.profile_meta]
    alone: list[Outgoing] = [(r, intent) for r, intent in events if intent is not None and intent.profile_meta]
    outcomes = batching.create_events(client, [record for record, _ in bulk])
    outcomes += [_create_event(client, record.key, intent) for record, intent in alone if intent is not None]
    _collect(results, outcomes)
    followers: list[Outgoing] = []
    for outcome, (record, intent) in zip(outcomes, bulk + alone, strict=True):
        if outcome.status is Status.DELIVERED and intent is not None:
            for follower in next_of(intent):
                followers.append((BatchRecord(record.key, follower.record_resource(), follower.dedupe_key()), follower))
    return followers


def _create_event(client: KlaviyoClient, key: Any, intent: EventIntent) -> RecordOutcome:
    """One event through ``create_event`` (its unique id makes a repeat harmless, unless its profile appends)."""
    try:
        request(client, "create_event", body=intent.body())
    except KlaviyoError as exc:
        return failure(key, exc)
    return RecordOutcome(key, Status.DELIVERED)


def _collect(results: dict[int, list[RecordOutcome]], outcomes: Iterable[RecordOutcome]) -> None:
    for outcome in outcomes:
        assert isinstance(outcome.key, int)
        results[outcome.key].append(outcome)
