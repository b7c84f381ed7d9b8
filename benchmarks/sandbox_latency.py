"""GET round-trip latency against the local sandbox over one keep-alive connection.

Usage::

    PYTHONPATH=. python benchmarks/sandbox_latency.py [-n 2000] [--path /api/lists] [--separate-process]

Prints the median and p99 for a ``requests.Session`` (what SDK tests use) and for a bare
``http.client.HTTPConnection`` (closer to the server's own share). By default the sandbox runs in this
process, as the pytest fixture does, so client and server threads share the GIL; ``--separate-process``
starts it with ``python -m connector.sandbox`` instead.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests

from connector.sandbox import Sandbox

HEADERS = {
    "Authorization": "Klaviyo-API-Key pk_benchmark0123456789abcdef",
    "revision": "2026-07-15",
    "Accept": "application/vnd.api+json",
}


@contextmanager
def server(separate: bool) -> Iterator[str]:
    if not separate:
        with Sandbox() as sb:
            yield sb.url
        return
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.sandbox"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def measure(call: Callable[[], int], n: int) -> list[float]:
    for _ in range(min(50, n)):  # warm-up: connection set-up and first-use costs are not round trips
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return samples


def report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{label:<18} n={len(samples)}  median={statistics.median(samples):.3f} ms  p99={p99:.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description="GET round-trip latency against the local sandbox.")
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("--path", default="/api/lists")
    parser.add_argument("--separate-process", action="store_true")
    args = parser.parse_args()
    with server(args.separate_process) as url:
        session = requests.Session()
        session.headers.update(HEADERS)
        session.trust_env = False  # skip per-request proxy lookups in os.environ: measure the server, not env scans
        for i in range(5):
            session.post(
                url + "/api/lists",
                headers={"Content-Type": "application/vnd.api+json"},
                timeout=5,
                json={"data": {"type": "list", "attributes": {"name": f"List {i}"}}},
            )
        report("requests.Session", measure(lambda: session.get(url + args.path, timeout=5).status_code, args.requests))
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)

        def raw() -> int:
            conn.request("GET", args.path, headers=HEADERS)
            resp = conn.getresponse()
            resp.read()
            return resp.status

        report("http.client", measure(raw, args.requests))
        conn.close()


if __name__ == "__main__":
    main()
