"""The delivery engine: JSONL spec events in, Klaviyo bulk requests out, one outcome per input line.

Lines are read in windows (10,000 by default, so memory stays flat on big files); each window is
mapped to intents and sent in five phases, so that what depends on something comes after it:

1. profiles, through Bulk Profile Import jobs grouped by list (polled to completion); a profile whose
   list properties are patched (``integrations.Klaviyo.fieldsToAppend`` ...) through Create or Update
   Profile and then its list, since bulk jobs take no ``meta``;
2. list memberships (Segment's Audience Entered / Exited): the audience's list found or created by
   name (cached for the run), profile ids looked up, then the list relationship endpoints (see
   :mod:`connector.apps.delivery.audiences`); an addition whose profile import failed is not attempted;
3. consent changes, subscribe and unsubscribe jobs grouped by list, import mode and source, in the
   order of the lines: the last change per person, list and channel wins (see
   :func:`~connector.klaviyo.intents.plan_consents`); an earlier, superseded line is not sent and
   shares the winning line's outcome: ``delivered`` with the reason ``superseded by line N`` when
   that line was delivered, else the winner's status and reason (``superseded by line N: ...``);
4. events, through Bulk Create Events (an event whose profile is patched alone, through Create Event);
5. the product events of orders whose order event was accepted.

A line's outcome is the worst of its records' (rejected > retryable > delivered); lines that
cannot be parsed or mapped are rejected with the reason, naming the field; valid lines the settings
send nothing for (``page`` calls with page delivery off) are ``skipped`` with the reason. The report
has one JSON object per input line, in input order: ``{"line", "status", "reason"?, "type"?,
"messageId"?}``.

Example:
    >>> import io
    >>> from connector.sandbox import Sandbox
    >>> from connector.shell.facade import Klaviyo
    >>> lines = ['{"type": "identify", "userId": "u1", "traits": {"email": "ada@example.com"}}',
    ...          '{"type": "track", "event": "Signed Up", "userId": "u1", "messageId": "m1"}',
    ...          '{"type": "identify", "userId": "u2", "traits": {"email": "not-an-email"}}']
    >>> report = io.StringIO()
    >>> with Sandbox() as sb:
    ...     summary = deliver(lines, format="segment", client=Klaviyo(api_key=sb.api_key, base_url=sb.url).client,
    ...                       report=report)
    >>> summary.delivered, summary.rejected, [json.loads(row)["status"] for row in report.getvalue().splitlines()]
    (2, 1, ['delivered', 'delivered', 'rejected'])
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from typing import IO, Any

from connector.apps.delivery.audiences import ListDirectory, failure, sync_memberships
from connector.apps.delivery.mapping import Skipped, mapper_for
from connector.apps.delivery.settings import DeliverySettings
from connector.client.errors import KlaviyoError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk import senders as batching
from connector.klaviyo.bulk.jobs import JobPoller
from connector.klaviyo.bulk.outcomes import DeliverySummary, RecordOutcome, Status, worst
from connector.klaviyo.bulk.senders import BatchRecord
from connector.klaviyo.intents import (
    ConsentIntent,
    EventIntent,
    Intent,
    MembershipIntent,
    ProfileIntent,
    plan_consents,
)
from connector.klaviyo.lookups import add_to_list, import_profile
from connector.klaviyo.operations.calls import request

WINDOW = 10_000
Source = str | os.PathLike[str] | Iterable[str | Mapping[str, Any]]


def deliver(
    source: Source,
    *,
    format: str = "segment",
    settings: DeliverySettings | Mapping[str, Any] | None = None,
    client: KlaviyoClient,
    report: str | os.PathLike[str] | IO[str] | None = None,
    poller: JobPoller | None = None,
    window: int = WINDOW,
) -> DeliverySummary:
    """Deliver spec events to Klaviyo and write one outcome per input line to ``report``.

    Args:
        source: a JSONL file path, or an iterable of JSON lines / already-parsed messages.
        format: ``segment`` or ``rudderstack``.
        settings: :class:`DeliverySettings` (or a mapping of them).
        client: the client to send with (the CLI builds it from the environment).
        report: a path or open text stream for the JSONL report (none when omitted).
        poller: how to wait for import jobs (tests pass one with a fake clock).
        window: lines mapped and sent together.

    Example:
        >>> from connector.client.pipeline import KlaviyoClient
        >>> deliver(['{"type": "page"}'], client=KlaviyoClient(None, base_url="http://127.0.0.1:9")).skipped
        1
    """
    chosen = settings if isinstance(settings, DeliverySettings) else DeliverySettings.from_mapping(settings or {})
    mapper = mapper_for(format)(chosen)
    counts = {status: 0 for status in Status}
    lines = 0
    with ExitStack() as stack:
        directory = ListDirectory(client)  # audience name -> list id, for the whole run
        out: IO[str] | None = None
        report_name: str | None = None
        if isinstance(report, (str, os.PathLike)):
            report_name = os.fspath(report)
            out = stack.enter_context(open(report_name, "w", encoding="utf-8"))
        elif report is not None:
            out = report
        for batch in _windows(_lines(source), window):
            mapped: list[tuple[int, dict[str, Any], list[Intent] | RecordOutcome]] = []
            for number, message, failure in batch:
                if failure is not None:
                    mapped.append((number, message, RecordOutcome(number, Status.REJECTED, failure)))
                    continue
                try:
                    mapped.append((number, message, mapper.map(message)))
                except KlaviyoError as exc:
                    mapped.append((number, message, RecordOutcome(number, Status.REJECTED, exc.message)))
                except Skipped as skip:
                    mapped.append((number, message, RecordOutcome(number, Status.SKIPPED, skip.reason)))
            results = _send_window(client, mapped, poller, directory)
            for number, message, _ in mapped:
                outcome = _line_outcome(results[number])
                counts[outcome.status] += 1
                lines += 1
                if out is not None:
                    out.write(json.dumps(_report_row(number, message, outcome), ensure_ascii=False) + "\n")
    return DeliverySummary(
        lines=lines,
        delivered=counts[Status.DELIVERED],
        rejected=counts[Status.REJECTED],
        retryable=counts[Status.RETRYABLE],
        skipped=counts[Status.SKIPPED],
        report=report_name,
    )


# -- reading -------------------------------------------------------------------------------------


def _lines(source: Source) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    """(line number, message, why it cannot be read) for every input line, 1-based."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as handle:
            yield from _parse(handle)
    else:
        yield from _parse(source)


def _parse(items: Iterable[str | Mapping[str, Any]]) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    for number, item in enumerate(items, start=1):
        if isinstance(item, Mapping):
            yield number, dict(item), None
            continue
        text = item.strip()
        if not text:
            yield number, {}, "empty line (expected one JSON object per line)"
            continue
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, {}, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(parsed, dict):
            yield number, {}, "expected a JSON object"
            continue
        yield number, parsed, None


def _windows(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _report_row(number: int, message: Mapping[str, Any], outcome: RecordOutcome) -> dict[str, Any]:
    row: dict[str, Any] = {"line": number, **outcome.to_json()}
    for key in ("type", "event", "messageId"):
        if message.get(key) not in (None, ""):
            row[key] = message[key]
    return row


# -- sending -------------------------------------------------------------------------------------


def _send_window(
    client: KlaviyoClient,
    mapped: list[tuple[int, dict[str, Any], list[Intent] | RecordOutcome]],
    poller: JobPoller | None,
    directory: ListDirectory,
) -> dict[int, list[RecordOutcome]]:
    results: dict[int, list[RecordOutcome]] = defaultdict(list)
    profiles: dict[str | None, list[BatchRecord]] = defaultdict(list)
    patched: list[tuple[int, ProfileIntent]] = []
    memberships: list[tuple[int, MembershipIntent]] = []
    consents: list[tuple[int, ConsentIntent]] = []
    events: list[tuple[BatchRecord, EventIntent]] = []
    for number, _, item in mapped:
        if isinstance(item, RecordOutcome):
            results[number].append(item)
            continue
        for intent in item:
            if isinstance(intent, ProfileIntent) and intent.meta:
                patched.append((number, intent))
            elif isinstance(intent, ProfileIntent):
                profiles[intent.list_id].append(BatchRecord(number, intent.record_resource()))
            elif isinstance(intent, MembershipIntent):
                memberships.append((number, intent))
            elif isinstance(intent, ConsentIntent):
                consents.append((number, intent))
            else:
                events.append((BatchRecord(number, intent.record_resource(), intent.dedupe_key()), intent))
    for list_id, records in profiles.items():
        _collect(results, batching.import_profiles(client, records, list_id=list_id, poller=poller))
    for number, intent in patched:
        results[number].append(_import_patched(client, number, intent))
    if memberships:
        failed = {n for n, outcomes in results.items() if worst(outcomes).status is not Status.DELIVERED}
        ready = [(n, m) for n, m in memberships if not (m.add and n in failed)]
        _collect(results, sync_memberships(client, ready, directory))
    if consents:
        _send_consents(client, consents, results)
    followers = _send_events(client, events, results, lambda e: e.followers)
    _send_events(client, followers, results, lambda e: ())
    return results


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


def _send_events(
    client: KlaviyoClient,
    events: list[tuple[BatchRecord, EventIntent]],
    results: dict[int, list[RecordOutcome]],
    next_of: Callable[[EventIntent], tuple[EventIntent, ...]],
) -> list[tuple[BatchRecord, EventIntent]]:
    """Send events; return the follow-up events of those Klaviyo accepted (an order's products).

    Events whose profile carries ``meta`` (patch operations) go alone through ``POST /api/events``: Bulk
    Create Events has no place for it.
    """
    if not events:
        return []
    bulk = [(record, intent) for record, intent in events if not intent.profile_meta]
    alone = [(record, intent) for record, intent in events if intent.profile_meta]
    outcomes = batching.create_events(client, [record for record, _ in bulk])
    outcomes += [_create_event(client, record.key, intent) for record, intent in alone]
    _collect(results, outcomes)
    followers: list[tuple[BatchRecord, EventIntent]] = []
    for outcome, (record, intent) in zip(outcomes, bulk + alone, strict=True):
        if outcome.status is Status.DELIVERED:
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
