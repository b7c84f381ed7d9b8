"""Peak resident memory of ``python -m connector.apps.sync profiles FILE`` on a 1,000,000-row file.

Usage::

    PYTHONPATH=. python benchmarks/sync_memory.py [--rows 1000000] [--formats csv,jsonl] [--server stub|sandbox]

For each format it writes a file of ``--rows`` profiles (streamed: the generator holds one row at a
time) in a temporary directory, starts the server in a process of its own (its storage does not count),
runs the sync as a child process (``python -m connector.apps.sync profiles FILE --no-progress``) and prints
the child's peak RSS (``os.wait4``'s ``ru_maxrss`` for that one child, cross-checked by polling
``/proc/PID/status`` ``VmHWM``), records/s and the input size. The issue's bound: under 200 MB.

``--server stub`` (the default) is the stand-in server ``stub_klaviyo.py`` answering the bulk-import
endpoints (202 with a job document, every job ``complete`` after ``--job-latency`` seconds, 0 by default,
with no failures): the sandbox validates and stores every profile, which for a million rows takes longer
than the sync itself and is not what this measures. ``--server sandbox`` runs the real sandbox instead
(``--rows 100000`` finishes in a minute or two). Both use Klaviyo's real packing (10,000 profiles a job)
and its rate limits time-scaled by ``--rate-scale``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

API_KEY = "pk_benchmark0123456789abcdefghij"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CITIES = ("Paris", "Lyon", "Boston", "Austin", "Osaka", "Lagos", "Lima", "Oslo")
PLANS = ("free", "basic", "pro", "gold")


def profile_row(i: int) -> dict[str, Any]:
    """The ``i``-th generated profile (deterministic)."""
    return {
        "external_id": f"u{i:07d}",
        "email": f"user{i}@example.com",
        "first_name": f"First{i % 997}",
        "last_name": f"Last{i % 991}",
        "city": CITIES[i % len(CITIES)],
        "plan": PLANS[i % len(PLANS)],
        "lifetime_value": f"{(i * 37) % 10_000 / 100:.2f}",
        "signup": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
    }


def write_input(path: str, fmt: str, rows: int) -> int:
    """Write ``rows`` profiles to ``path`` one line at a time; return the file's size in bytes."""
    columns = list(profile_row(0))
    with open(path, "w", encoding="utf-8", newline="") as out:
        if fmt == "csv":
            out.write(",".join(columns) + "\n")
            for i in range(rows):
                row = profile_row(i)
                out.write(",".join(row[c] for c in columns) + "\n")
        else:
            for i in range(rows):
                out.write(json.dumps(profile_row(i)) + "\n")
    return os.path.getsize(path)


def start_server(kind: str, scale: float, latency: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    """Start the stub or the sandbox in its own process; return it and its URL."""
    env = {**os.environ, "PYTHONPATH": ROOT}
    if kind == "stub":
        cmd = [sys.executable, os.path.join(HERE, "stub_klaviyo.py"), "--job-latency", f"{latency:g}"]
    else:
        cmd = [sys.executable, "-m", "connector", "sandbox", "--port", "0", "--rate-limits", f"scale={scale:g}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"the {kind} server did not start")
    return proc, url


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_sync(path: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run the sync in a child process; return its summary, wall time and peak RSS (KiB, two ways)."""
    env = {**os.environ, "PYTHONPATH": ROOT, "KLAVIYO_API_KEY": API_KEY, "KLAVIYO_BASE_URL": url}
    cmd = [sys.executable, "-m", "connector", "sync", "profiles", path, "--no-progress"]
    cmd += ["--rate-scale", f"{args.rate_scale:g}", "--concurrency", str(args.concurrency)]
    cmd += ["--checkpoint", path + ".ckpt.sqlite"]
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        hwm = 0
        # Poll VmHWM from a thread; wait4 below reaps the child and gives its own rusage.
        polling = threading.Event()

        def poll() -> None:
            nonlocal hwm
            while not polling.wait(0.1):
                hwm = max(hwm, _hwm_kb(child.pid))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        assert child.stderr is not None
        err = child.stderr.read()  # drains stderr until the child exits (no pipe deadlock)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        polling.set()
        poller.join()
        seconds = time.monotonic() - started
        out.seek(0)
        text = out.read()
    if child.returncode not in (0, 4):
        raise SystemExit(f"sync failed with exit code {child.returncode}:\n{err[-4000:]}")
    summary: dict[str, Any] = json.loads(text)
    return {"summary": summary, "seconds": seconds, "maxrss_kb": usage.ru_maxrss, "hwm_kb": hwm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="profiles per file (1,000,000)")
    parser.add_argument("--formats", default="csv,jsonl", help="csv, jsonl or both (csv,jsonl)")
    parser.add_argument("--server", choices=("stub", "sandbox"), default="stub", help="what the sync talks to")
    parser.add_argument(
        "--rate-scale", type=float, default=1.0, help="Klaviyo's windows F times shorter (1: the real limits)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--limit-mb", type=float, default=200.0, help="the bound to check against (200)")
    parser.add_argument(
        "--job-latency", type=float, default=0.0, help="stub: seconds each import job stays processing (0)"
    )
    args = parser.parse_args()
    latency = f", jobs take {args.job_latency:g} s" if args.server == "stub" else ""
    print(
        f"sync memory: {args.rows:,} profiles, server {args.server}{latency}, rate scale {args.rate_scale:g}",
        flush=True,
    )
    print(
        f"{'format':<7}{'input MB':>10}{'gen s':>7}{'sync s':>8}{'rows/s':>9}{'delivered':>11}{'rejected':>9}"
        f"{'peak RSS MB':>12}{'VmHWM MB':>10}  under {args.limit_mb:g} MB"
    )
    worst = 0.0
    with tempfile.TemporaryDirectory() as workdir:
        for fmt in args.formats.split(","):
            path = os.path.join(workdir, f"profiles.{fmt}")
            started = time.monotonic()
            size = write_input(path, fmt, args.rows)
            generated = time.monotonic() - started
            server, url = start_server(args.server, args.rate_scale, args.job_latency)
            try:
                result = run_sync(path, url, args)
            finally:
                server.terminate()
                server.wait()
            summary = result["summary"]
            rss_mb = result["maxrss_kb"] / 1024
            worst = max(worst, rss_mb)
            print(
                f"{fmt:<7}{size / 1e6:>10.1f}{generated:>7.1f}{result['seconds']:>8.1f}"
                f"{args.rows / result['seconds']:>9,.0f}{summary['delivered']:>11,}{summary['rejected']:>9,}"
                f"{rss_mb:>12.1f}{result['hwm_kb'] / 1024:>10.1f}  {'yes' if rss_mb < args.limit_mb else 'NO'}",
                flush=True,
            )
            os.remove(path)
    print(
        "notes: peak RSS is the sync child's own (os.wait4 ru_maxrss); the server runs in another process."
        + (
            (
                " The stub accepts every job at once: rows/s is the sync's own speed, not Klaviyo's."
                if not args.job_latency
                else f" Every import job stayed processing {args.job_latency:g} s: rows/s includes the last one's."
            )
            if args.server == "stub"
            else ""
        )
    )
    sys.exit(0 if worst < args.limit_mb else 1)


if __name__ == "__main__":
    main()
