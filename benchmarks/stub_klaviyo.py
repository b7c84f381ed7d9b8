"""A fast stand-in for Klaviyo's bulk endpoints on 127.0.0.1, with import jobs that take time (stdlib only).

Usage::

    python benchmarks/stub_klaviyo.py [--job-latency 5] [--port 0]      # prints its URL on the first line

It answers what a bulk sync sends, without validating or storing anything (the sandbox does that, and for
a million rows takes longer than the sync itself):

- ``POST /api/profile-bulk-import-jobs``: 202 with a job document (``queued``). The job stays ``processing``
  for ``--job-latency`` seconds after it was created, then is ``complete``;
- profiles whose email contains ``+reject`` fail in their job: every job with such profiles ends with
  ``failed_count`` and ``import-errors`` naming them, alternately by ``source.pointer`` (the record's index
  in the request) and by ``original_payload`` only (no pointer), the two ways Klaviyo reports them;
- ``GET /api/profile-bulk-import-jobs`` (newest 100 first), ``GET .../{id}``, ``GET .../{id}/import-errors``
  (100 a page, ``links.next`` absolute);
- ``POST /api/event-bulk-create-jobs``, ``/api/profile-subscription-bulk-create-jobs`` and
  ``...-delete-jobs``: 202, empty body;
- ``GET /__stub/stats``: ``{"jobs", "records", "cpu", "bodies", "last_job_at"}`` where ``bodies`` is the
  SHA-256 of every request body received (in arrival order), so a benchmark can check two runs sent the
  same bytes; ``cpu`` is this process's CPU seconds so far (the benchmark checks the stub is not the
  bottleneck); ``last_job_at`` when the last import job was created (``time.monotonic()``).

Example:
    >>> _job_doc("j1", 3, 0.0, 0, now=10.0, latency=5.0)["attributes"]["status"]
    'complete'
    >>> _job_doc("j1", 3, 8.0, 0, now=10.0, latency=5.0)["attributes"]["status"]
    'processing'
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

IMPORTS = "/api/profile-bulk-import-jobs"
ACCEPT_ONLY = frozenset(
    {
        "/api/event-bulk-create-jobs",
        "/api/profile-subscription-bulk-create-jobs",
        "/api/profile-subscription-bulk-delete-jobs",
    }
)
REJECT_MARK = "+reject"
_JOB = re.compile(r"^/api/profile-bulk-import-jobs/([^/?]+)(/import-errors)?/?$")


def _job_doc(job_id: str, count: int, created: float, failed: int, *, now: float, latency: float) -> dict[str, Any]:
    done = now >= created + latency
    return {
        "type": "profile-bulk-import-job",
        "id": job_id,
        "attributes": {
            "status": "complete" if done else "processing",
            "total_count": count,
            "completed_count": count - failed if done else 0,
            "failed_count": failed if done else 0,
            "created_at": "2026-01-01T00:00:00+00:00",
        },
    }


def _errors_of(profiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Import errors for the profiles marked to fail: by pointer and by payload only, alternately."""
    out = []
    for index, item in enumerate(profiles):
        attributes = item.get("attributes") or {}
        email = str(attributes.get("email") or "")
        if REJECT_MARK not in email:
            continue
        source: dict[str, Any] = {}
        if len(out) % 2 == 0:
            source["pointer"] = f"/data/attributes/profiles/data/{index}/attributes/email"
        out.append(
            {
                "type": "import-error",
                "id": uuid.uuid4().hex,
                "attributes": {
                    "code": "invalid",
                    "title": "Invalid input.",
                    "detail": f"The stub refuses {email}.",
                    "source": source,
                    "original_payload": {"email": email},
                },
            }
        )
    return out


class Stub:
    """The state shared by the handler threads."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        #: job id -> (records, created (monotonic), import errors)
        self.jobs: dict[str, tuple[int, float, list[dict[str, Any]]]] = {}
        self.records = 0
        self.bodies: list[str] = []
        #: When the last import job was created (``time.monotonic()``, the same clock in every process here).
        self.last_job_at = 0.0


class Handler(BaseHTTPRequestHandler):
    """Answers the bulk endpoints (see the module docstring)."""

    protocol_version = "HTTP/1.1"
    stub: Stub

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, doc: dict[str, Any] | None) -> None:
        body = json.dumps(doc).encode() if doc is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0].rstrip("/")
        digest = hashlib.sha256(raw).hexdigest()
        if path in ACCEPT_ONLY:
            with self.stub.lock:
                self.stub.bodies.append(digest)
            self._send(202, None)
            return
        if path != IMPORTS:
            self._send(404, {"errors": [{"status": "404", "detail": "not in the stub"}]})
            return
        profiles = json.loads(raw)["data"]["attributes"]["profiles"]["data"]
        errors = _errors_of(profiles) if REJECT_MARK.encode() in raw else []
        job_id = uuid.uuid4().hex
        now = time.monotonic()
        with self.stub.lock:
            self.stub.jobs[job_id] = (len(profiles), now, errors)
            self.stub.records += len(profiles)
            self.stub.bodies.append(digest)
            self.stub.last_job_at = now
        doc = _job_doc(job_id, len(profiles), now, 0, now=now, latency=float("inf"))
        doc["attributes"]["status"] = "queued"
        self._send(202, {"data": doc})

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        path = path.rstrip("/")
        stub = self.stub
        now = time.monotonic()
        if path == "/__stub/stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            with stub.lock:
                stats = {"jobs": len(stub.jobs), "records": stub.records, "bodies": list(stub.bodies)}
                stats["last_job_at"] = stub.last_job_at
            self._send(200, {**stats, "cpu": usage.ru_utime + usage.ru_stime})
            return
        if path == IMPORTS:
            with stub.lock:
                newest = list(stub.jobs.items())[-100:][::-1]
            data = [_job_doc(j, n, c, len(e), now=now, latency=stub.latency) for j, (n, c, e) in newest]
            self._send(200, {"data": data, "links": {"next": None}})
            return
        found = _JOB.match(path)
        with stub.lock:
            job = stub.jobs.get(found.group(1)) if found else None
        if found is None or job is None:
            self._send(404, {"errors": [{"status": "404", "detail": "no such job in the stub"}]})
            return
        count, created, errors = job
        if not found.group(2):
            self._send(
                200, {"data": _job_doc(found.group(1), count, created, len(errors), now=now, latency=stub.latency)}
            )
            return
        cursor = _cursor(query)
        page = errors[cursor : cursor + 100]
        host = f"http://{self.headers.get('Host')}"
        following = f"{host}{IMPORTS}/{found.group(1)}/import-errors?page%5Bcursor%5D={cursor + 100}"
        self._send(200, {"data": page, "links": {"next": following if cursor + 100 < len(errors) else None}})


def _cursor(query: str) -> int:
    match = re.search(r"page(?:%5B|\[)cursor(?:%5D|\])=(\d+)", query)
    return int(match.group(1)) if match else 0


def serve(latency: float, port: int = 0) -> None:
    """Serve until killed; print the URL on the first line of stdout."""
    handler = type("BoundHandler", (Handler,), {"stub": Stub(latency)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-latency", type=float, default=0.0, help="seconds an import job stays processing")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    serve(args.job_latency, args.port)


if __name__ == "__main__":
    main()
