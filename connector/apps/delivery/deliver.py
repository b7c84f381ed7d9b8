"""The delivery engine: JSONL spec events in, Klaviyo bulk requests out, one outcome per input line.

Lines are read in windows (10,000 by default) and each window is mapped to intents and sent in five
phases, so that what depends on something comes after it:

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

Windows overlap: Klaviyo takes seconds to minutes to run an import job, so while one window's jobs run,
the next windows are read and their imports started (:mod:`connector.apps.delivery.window`), up to
``windows_in_flight`` windows (the memory bound). Imports of people an unfinished earlier window concerns
wait for it, and windows finish (phases 2 to 5, then their report lines) in input order, so what concerns
one person reaches Klaviyo in the order of the lines, as without overlap. Requests are paced by the
operation registry's rate-limit tiers (:class:`~connector.klaviyo.pacing.adaptive.PacingThrottle`) rather
than by Klaviyo's 429s.

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
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from typing import IO, Any

from connector.apps.delivery.audiences import ListDirectory
from connector.apps.delivery.mapping import SpecMapper, mapper_for
from connector.apps.delivery.settings import DeliverySettings
from connector.apps.delivery.window import Line, Window
from connector.apps.gc_pause import fewer_collections
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.follower import ImportFollower
from connector.klaviyo.bulk.jobs import JobPoller
from connector.klaviyo.bulk.outcomes import DeliverySummary, Status
from connector.klaviyo.pacing.adaptive import PacingThrottle, paced
from connector.klaviyo.pacing.limiter import RateLimiter

WINDOW = 10_000
#: Windows read ahead while earlier ones wait for their import jobs. Covering a job's latency needs about
#: (lines/s) x (job seconds + 1 s of polling + the window's later phases) lines in flight: at ~14,000 lines/s,
#: 8 windows of 10,000 left 5 s jobs at 0.68x the instant-job pace, 16 at 0.80x (the last job's 5 s alone
#: cost 0.81x over 300,000 lines). 16 windows hold 160,000 lines (~200 MB peak; README "Benchmarks").
WINDOWS_IN_FLIGHT = 16
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
    windows_in_flight: int = WINDOWS_IN_FLIGHT,
    rate_scale: float = 1.0,
    throttle: PacingThrottle | None = None,
) -> DeliverySummary:
    """Deliver spec events to Klaviyo and write one outcome per input line to ``report``.

    Args:
        source: a JSONL file path, or an iterable of JSON lines / already-parsed messages.
        format: ``segment``, ``rudderstack`` or ``rudderstack-v2``.
        settings: :class:`DeliverySettings` (or a mapping of them).
        client: the client to send with (the CLI builds it from the environment).
        report: a path or open text stream for the JSONL report (none when omitted).
        poller: how to follow import jobs: its first interval between status reads and its timeout
            (default: every second, ``1 / rate_scale`` s, for up to 30 minutes).
        window: lines mapped and sent together.
        windows_in_flight: windows read ahead while earlier ones wait for import jobs (1 = no overlap).
        rate_scale: Klaviyo's rate-limit windows are this many times shorter (the sandbox's
            ``--rate-limits scale=F``).
        throttle: paces every request (default: the registry's tiers, at ``rate_scale``).

    Example:
        >>> from connector.client.pipeline import KlaviyoClient
        >>> deliver(['{"type": "page"}'], client=KlaviyoClient(None, base_url="http://127.0.0.1:9")).skipped
        1
    """
    for name, value in (("window", window), ("windows_in_flight", windows_in_flight), ("rate_scale", rate_scale)):
        if not value > 0 or (name != "rate_scale" and value != int(value)):
            kind = "a positive number" if name == "rate_scale" else "a whole number, at least 1"
            raise InputError(f"deliver: {name} must be {kind} (got {value!r})")
    chosen = settings if isinstance(settings, DeliverySettings) else DeliverySettings.from_mapping(settings or {})
    mapper = mapper_for(format)(chosen)
    interval, timeout = (poller.schedule[0], poller.timeout) if poller else (1.0 / rate_scale, 1800.0)
    counts = {status: 0 for status in Status}
    with ExitStack() as stack:
        out, report_name = _open_report(report, stack)
        stack.enter_context(fewer_collections())
        pacer = stack.enter_context(
            paced(client, throttle or PacingThrottle(RateLimiter(client.clock, scale=rate_scale)))
        )
        follower = ImportFollower(client, interval=interval, timeout=timeout)
        directory = ListDirectory(client)  # audience name -> list id, for the whole run
        for finished in _pipeline(
            client, _windows(_lines(source), window), mapper, follower, directory, windows_in_flight
        ):
            for number, reported, outcome in finished.outcomes():
                counts[outcome.status] += 1
                if out is not None:
                    out.write(json.dumps({"line": number, **outcome.to_json(), **reported}, ensure_ascii=False) + "\n")
    return DeliverySummary(
        lines=sum(counts.values()),
        delivered=counts[Status.DELIVERED],
        rejected=counts[Status.REJECTED],
        retryable=counts[Status.RETRYABLE],
        skipped=counts[Status.SKIPPED],
        report=report_name,
        requests=sum(pacer.requests.values()),
        throttled=sum(pacer.throttled.values()),
    )


def _pipeline(
    client: KlaviyoClient,
    batches: Iterator[list[Line]],
    mapper: SpecMapper,
    follower: ImportFollower,
    directory: ListDirectory,
    depth: int,
) -> Iterator[Window]:
    """Windows finished, in input order, with up to ``depth`` of them started and not yet finished."""
    pending: deque[Window] = deque()
    held: Counter[str] = Counter()  # person -> unfinished windows concerning them (kept as windows come and go)

    def finished() -> Window:
        oldest = pending.popleft()
        oldest.finish(client, follower, directory)
        for person in oldest.people:
            held[person] -= 1
            if not held[person]:
                del held[person]
        return oldest

    for batch in batches:
        current = Window.of(batch, mapper)
        current.start(follower, held.keys())
        pending.append(current)
        held.update(current.people)
        while pending and (len(pending) >= depth or pending[0].imported(follower)):
            yield finished()
    while pending:
        yield finished()


def _open_report(
    report: str | os.PathLike[str] | IO[str] | None, stack: ExitStack
) -> tuple[IO[str] | None, str | None]:
    """The stream the report goes to and the file's name when ``report`` is a path."""
    if isinstance(report, (str, os.PathLike)):
        name = os.fspath(report)
        return stack.enter_context(open(name, "w", encoding="utf-8")), name
    return report, None


# -- reading -------------------------------------------------------------------------------------


def _lines(source: Source) -> Iterator[Line]:
    """(line number, message, why it cannot be read) for every input line, 1-based."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as handle:
            yield from _parse(handle)
    else:
        yield from _parse(source)


def _parse(items: Iterable[str | Mapping[str, Any]]) -> Iterator[Line]:
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


def _windows(items: Iterator[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
