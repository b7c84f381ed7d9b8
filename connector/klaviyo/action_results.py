"""What derived actions return where Klaviyo's raw answer is not what a workflow can use directly.

- **Jobs** (catalog and coupon-code bulk jobs, profile imports and suppressions, campaign sends, recipient
  estimations): with *Wait for Completion* the action follows the job until Klaviyo finishes it and returns the
  finished job with one outcome per record where Klaviyo reports errors by record (``records``), and counts.
- **Reports** (campaign, flow, form and segment values and series reports, metric aggregates): rows, one JSON
  object per grouping (and date, for series), with the groupings and statistics as columns.

Example:
    >>> values_rows({"data": {"attributes": {"results": [
    ...     {"groupings": {"campaign_id": "C1"}, "statistics": {"opens": 3, "open_rate": 0.5}}]}}})
    [{'campaign_id': 'C1', 'opens': 3, 'open_rate': 0.5}]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connector import structs
from connector.client.clock import Clock
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.operation_actions import request_for
from connector.klaviyo.operations.calls import paginate, request, send
from connector.klaviyo.operations.registry import Operation, operation, operation_ids

FINISHED = frozenset({"complete", "cancelled"})
#: Report operations whose answer becomes rows (values reports have no dates; series and aggregates do).
VALUES_REPORTS = frozenset({"query_campaign_values", "query_flow_values", "query_form_values", "query_segment_values"})
SERIES_REPORTS = frozenset({"query_flow_series", "query_form_series", "query_segment_series"})


def performer_for(op: Operation) -> Callable[[KlaviyoClient, Any], Any] | None:
    """The perform of an operation whose result is shaped here, or None for the generic one."""
    if op.id in VALUES_REPORTS or op.id in SERIES_REPORTS or op.id == "query_metric_aggregates":
        return _report_performer(op.id)
    status = job_status_operation(op)
    if status is not None:
        return _job_performer(op.id, status)
    return None


# -- jobs ------------------------------------------------------------------------------------------


def job_status_operation(op: Operation) -> str | None:
    """The operation that reads the job ``op`` starts (``GET <path>/{id}``), when ``op`` starts one.

    Example:
        >>> job_status_operation(operation("bulk_create_catalog_items"))
        'get_bulk_create_catalog_items_job'
        >>> job_status_operation(operation("create_list")) is None
        True
    """
    if op.method != "POST" or not (op.response_type or "").endswith("-job"):
        return None
    for candidate in operation_ids():
        other = operation(candidate)
        if other.method == "GET" and other.path in (f"{op.path}/{{id}}", f"{op.path}/{{job_id}}"):
            return candidate
    return None


@structs.frozen
class JobWait:
    """How to follow a job: a growing interval (the last repeats) within ``timeout`` seconds, on ``clock``.

    Example:
        >>> JobWait().schedule[:3], JobWait().timeout
        ((0.25, 0.5, 1.0), 1800.0)
    """

    schedule: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0, 5.0)
    timeout: float = 1800.0
    clock: Clock | None = None


def follow_job(client: KlaviyoClient, status_op: str, job_id: str, wait: JobWait | None = None) -> dict[str, Any]:
    """Poll the job until Klaviyo finishes it (or the wait's timeout passes); returns the last job document."""
    wait = wait or JobWait()
    clock = wait.clock or client.clock
    started = clock.monotonic()
    param = operation(status_op).path_params[0]
    attempt = 0
    while True:
        response = request(client, status_op, ids={param: job_id})
        status = str(_attributes(response.resource()).get("status") or "")
        document: dict[str, Any] = response.json()
        if status in FINISHED:
            return document
        pause = wait.schedule[min(attempt, len(wait.schedule) - 1)]
        if clock.monotonic() - started + pause > wait.timeout:
            return document
        clock.sleep(pause)
        attempt += 1


def _job_performer(op_id: str, status_op: str) -> Callable[[KlaviyoClient, Any], Any]:
    def perform(client: KlaviyoClient, inputs: Any) -> Any:
        call = request_for(op_id, inputs)
        response = send(client, call)
        job = response.resource()  # the accepted job, with its id (anything else is a malformed answer)
        if not getattr(inputs, "wait_for_completion", False):
            return response.json()
        finished = follow_job(client, status_op, str(job["id"]))
        return job_result(client, op_id, finished, _record_count(call.body))

    perform.__doc__ = f"``{operation(op_id).method} {operation(op_id).path}``, then ``{status_op}`` until done."
    return perform


def _attributes(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    attributes = resource.get("attributes")
    return attributes if isinstance(attributes, Mapping) else {}


def _record_count(body: Any) -> int:
    """How many records a bulk job's body carries (``attributes.<x>.data`` is the one list it holds)."""
    attributes = ((body or {}).get("data") or {}).get("attributes") or {}
    for value in attributes.values():
        if isinstance(value, Mapping) and isinstance(value.get("data"), list):
            return len(value["data"])
    return 0


def job_result(client: KlaviyoClient, op_id: str, finished: Mapping[str, Any], records: int) -> dict[str, Any]:
    """The finished job, its counts, and one outcome per record where Klaviyo's errors name the records."""
    attributes = ((finished.get("data") or {}).get("attributes")) or {}
    status = str(attributes.get("status") or "")
    errors = list(attributes.get("errors") or [])
    if op_id == "bulk_import_profiles" and attributes.get("failed_count"):
        job_id = str((finished.get("data") or {}).get("id"))
        items = paginate(client, "get_errors_for_bulk_import_profiles_job", ids={"id": job_id})
        errors = [item.get("attributes") or {} for item in items]
    out: dict[str, Any] = {
        **finished,
        "job": {
            "status": status if status in FINISHED else "unfinished",
            "total": attributes.get("total_count"),
            "completed": attributes.get("completed_count"),
            "failed": attributes.get("failed_count"),
        },
    }
    if records:
        out["records"] = record_outcomes(records, errors, attributes.get("failed_count"), status)
    return out


def record_outcomes(count: int, errors: Sequence[Mapping[str, Any]], failed: Any, status: str) -> list[dict[str, Any]]:
    """One ``{"index", "status", "reason"?}`` per record sent.

    A record named by an error's pointer (``.../data/3/...``) is rejected with Klaviyo's words. When Klaviyo
    counts more failures than its errors name, the records no error names are ``unknown``: never reported
    delivered when they may not have been. An unfinished or cancelled job leaves every record ``retryable``.

    Example:
        >>> errors = [{"detail": "bad price", "source": {"pointer": "/data/attributes/items/data/1/price"}}]
        >>> record_outcomes(3, errors, 1, "complete")
        [{'index': 0, 'status': 'delivered'}, {'index': 1, 'status': 'rejected', 'reason': 'bad price'}, \
{'index': 2, 'status': 'delivered'}]
    """
    named: dict[int, str] = {}
    for error in errors:
        index = _pointer_index(error)
        if index is not None and index < count:
            named.setdefault(index, str(error.get("detail") or error.get("title") or error.get("code") or "error"))
    unattributed = isinstance(failed, int) and failed > len(named)
    outcomes = []
    for index in range(count):
        if index in named:
            outcomes.append({"index": index, "status": "rejected", "reason": named[index]})
        elif status not in FINISHED or status == "cancelled":
            outcomes.append({"index": index, "status": "retryable", "reason": f"the job is {status or 'unfinished'}"})
        elif unattributed:
            reason = "Klaviyo counted failures its errors do not attribute; this record may have failed"
            outcomes.append({"index": index, "status": "unknown", "reason": reason})
        else:
            outcomes.append({"index": index, "status": "delivered"})
    return outcomes


def _pointer_index(error: Mapping[str, Any]) -> int | None:
    source = error.get("source") if isinstance(error.get("source"), Mapping) else {}
    pointer = str((source or {}).get("pointer") or "")
    parts = pointer.split("/")
    for position, part in enumerate(parts[:-1]):
        if part == "data" and parts[position + 1].isdigit() and position > 1:
            return int(parts[position + 1])
    return None


# -- reports ---------------------------------------------------------------------------------------


def _report_performer(op_id: str) -> Callable[[KlaviyoClient, Any], Any]:
    shape = values_rows if op_id in VALUES_REPORTS else series_rows if op_id in SERIES_REPORTS else aggregate_rows

    def perform(client: KlaviyoClient, inputs: Any) -> Any:
        call = request_for(op_id, inputs)
        response = send(client, call)
        report = response.resource()  # one report resource (anything else is a malformed answer)
        by = ((call.body or {}).get("data") or {}).get("attributes", {}).get("by") or []
        try:
            rows = shape({"data": report}) if shape is not aggregate_rows else aggregate_rows({"data": report}, by)
        except (AttributeError, TypeError):
            raise response.malformed(f"the {op_id} answer's attributes are not the report Klaviyo describes") from None
        return {"data": rows, "report": report}

    perform.__doc__ = f"``POST {operation(op_id).path}`` (``{op_id}``): one row per grouping (and date)."
    return perform


def values_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A values report's results as rows: the grouping's fields, then each statistic."""
    results = (((document.get("data") or {}).get("attributes")) or {}).get("results") or []
    return [{**(r.get("groupings") or {}), **(r.get("statistics") or {})} for r in results]


def series_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A series report as rows: one per grouping and date, each statistic's value at that date.

    Example:
        >>> series_rows({"data": {"attributes": {"date_times": ["d1", "d2"], "results": [
        ...     {"groupings": {"flow_id": "F"}, "statistics": {"opens": [1, 2]}}]}}})
        [{'flow_id': 'F', 'date': 'd1', 'opens': 1}, {'flow_id': 'F', 'date': 'd2', 'opens': 2}]
    """
    attributes = ((document.get("data") or {}).get("attributes")) or {}
    dates = list(attributes.get("date_times") or [])
    rows = []
    for result in attributes.get("results") or []:
        statistics = result.get("statistics") or {}
        for position, date in enumerate(dates):
            row = {**(result.get("groupings") or {}), "date": date}
            for name, values in statistics.items():
                row[name] = values[position] if isinstance(values, list) and position < len(values) else None
            rows.append(row)
    return rows


def aggregate_rows(document: Mapping[str, Any], by: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Metric aggregates as rows: one per dimension combination and date, each measurement's value.

    Example:
        >>> aggregate_rows({"data": {"attributes": {"dates": ["d1"], "data": [
        ...     {"dimensions": ["Email"], "measurements": {"count": [4]}}]}}}, ["$message"])
        [{'$message': 'Email', 'date': 'd1', 'count': 4}]
    """
    attributes = ((document.get("data") or {}).get("attributes")) or {}
    dates = list(attributes.get("dates") or [])
    rows = []
    for entry in attributes.get("data") or []:
        dimensions = list(entry.get("dimensions") or [])
        names = list(by) + [f"dimension_{i}" for i in range(len(by), len(dimensions))]
        keys = dict(zip(names, dimensions, strict=False))
        for position, date in enumerate(dates):
            row: dict[str, Any] = {**keys, "date": date}
            for name, values in (entry.get("measurements") or {}).items():
                row[name] = values[position] if isinstance(values, list) and position < len(values) else None
            rows.append(row)
    return rows
