"""Wait for a Bulk Profile Import job to finish, then read its per-record import errors.

Polling waits on an injectable :class:`~connector.client.clock.Clock` (the client's by default), so
tests run on a :class:`~connector.client.clock.FakeClock` and never sleep.

Example:
    >>> JobPoller().schedule[:3]
    (0.25, 0.5, 1.0)

Reference: https://developers.klaviyo.com/en/reference/get_bulk_import_profiles_job
"""

from __future__ import annotations

from typing import Any

from connector import structs
from connector.client.clock import Clock
from connector.client.errors import ErrorObject
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.operations.calls import paginate, request

FINISHED = frozenset({"complete", "cancelled"})


@structs.frozen
class JobResult:
    """How a job ended: its final ``status`` (or ``"timeout"``), counts, and the import errors.

    Example:
        >>> JobResult("J", "complete").finished
        True
    """

    job_id: str
    status: str
    errors: tuple[ErrorObject, ...] = ()
    payloads: tuple[dict[str, Any], ...] = ()
    failed_count: int = 0

    @property
    def finished(self) -> bool:
        """True when Klaviyo finished the job (complete or cancelled), not when we stopped waiting."""
        return self.status in FINISHED


@structs.frozen
class JobPoller:
    """How to wait for a job: a growing interval (``schedule``, last value repeats) within ``timeout`` seconds.

    Example:
        >>> from connector.client.clock import FakeClock
        >>> JobPoller(clock=FakeClock(), timeout=60).timeout
        60
    """

    schedule: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 5.0)
    timeout: float = 1800.0
    clock: Clock | None = None

    def wait(self, client: KlaviyoClient, job_id: str) -> JobResult:
        """Poll ``GET /api/profile-bulk-import-jobs/{id}`` until complete or cancelled, then read the errors.

        Example:
            >>> # JobPoller().wait(client, "01J...").status
        """
        clock = self.clock or client.clock
        started = clock.monotonic()
        attempt = 0
        while True:
            attributes = read_job(client, job_id)
            status = str(attributes.get("status") or "")
            if status in FINISHED:
                failed = int(attributes.get("failed_count") or 0)
                errors, payloads = import_errors(client, job_id) if failed or status == "complete" else ((), ())
                return JobResult(job_id, status, errors, payloads, failed)
            wait = self.schedule[min(attempt, len(self.schedule) - 1)]
            if clock.monotonic() - started + wait > self.timeout:
                return JobResult(job_id, "timeout")
            clock.sleep(wait)
            attempt += 1


def read_job(client: KlaviyoClient, job_id: str) -> dict[str, Any]:
    """A profile import job's attributes (``status``, ``failed_count``...): ``get_bulk_import_profiles_job``."""
    document = request(client, "get_bulk_import_profiles_job", ids={"job_id": job_id}).json()
    attributes: dict[str, Any] = (document.get("data") or {}).get("attributes") or {}
    return attributes


def import_errors(client: KlaviyoClient, job_id: str) -> tuple[tuple[ErrorObject, ...], tuple[dict[str, Any], ...]]:
    """A job's import errors and the payload each names (``{}`` when none): every page of
    ``get_errors_for_bulk_import_profiles_job``."""
    errors: list[ErrorObject] = []
    payloads: list[dict[str, Any]] = []
    for item in paginate(client, "get_errors_for_bulk_import_profiles_job", ids={"id": job_id}, page_size=100):
        attributes = item.get("attributes") or {}
        errors.append(ErrorObject.from_json(attributes))
        payload = attributes.get("original_payload")
        payloads.append(dict(payload) if isinstance(payload, dict) else {})
    return tuple(errors), tuple(payloads)
