"""deliver against the sandbox with Klaviyo's rate limits enforced (time-scaled): 429s received, requests, time.

Usage::

    python benchmarks/deliver_rate_limits.py [--lines 100000] [--scale 10] [--rounds 1]

It starts ``klaviyo-connector sandbox --rate-limits scale=F`` (every operation's burst and steady limits
enforced in windows F times shorter, 429 with ``Retry-After`` beyond them) and runs ``klaviyo-connector
deliver FILE --rate-scale F`` against it, with its defaults otherwise. The file is that of
``deliver_latency.py`` (identify and track of each person, every tenth subscribed to a list), so the run
creates import jobs, follows them, and sends bulk events and subscriptions. Printed per round: lines/s, wall
seconds, requests sent (every attempt), 429s received, deliver's CPU seconds and peak RSS, and whether every
line was delivered. The goal is 0 429s: the limiter books every request's slot from the spec's tiers, so
Klaviyo (here the sandbox) never has to refuse one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from deliver_latency import write_events
from sync_latency import API_KEY, ROOT, _env, compile_tree, measure_child, start_server


def start_sandbox(scale: float) -> tuple[subprocess.Popen[str], str]:
    """The sandbox on 127.0.0.1 with Klaviyo's limits enforced ``scale`` times faster; its URL."""
    cmd = [sys.executable, "-m", "connector", "sandbox", "--rate-limits", f"scale={scale:g}", "--port", "0"]
    return start_server(cmd, "sandbox")


def create_list(url: str) -> str:
    """A list in the sandbox for the identify calls to join (the sandbox, like Klaviyo, checks it exists)."""
    body = json.dumps({"data": {"type": "list", "attributes": {"name": "Benchmark"}}}).encode()
    headers = {
        "Authorization": f"Klaviyo-API-Key {API_KEY}",
        "revision": "2026-07-15",
        "Content-Type": "application/vnd.api+json",
        "Accept": "application/vnd.api+json",
    }
    request = urllib.request.Request(f"{url}/api/lists", data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:  # 127.0.0.1 only
        list_id: str = json.loads(answer.read())["data"]["id"]
    return list_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--scale", type=float, default=10.0, help="sandbox and limiter windows are F times shorter")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    compile_tree(ROOT)
    print(f"deliver vs the sandbox's rate limits, scale={args.scale:g}: {args.lines:,} lines, {args.rounds} round(s)")
    print(f"{'round':>5} {'lines/s':>8} {'wall s':>7} {'requests':>8} {'429s':>5} {'CPU s':>6} {'RSS MB':>7}  lines")
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "events.jsonl")
        write_events(path, args.lines)
        for round_no in range(args.rounds):
            sandbox, url = start_sandbox(args.scale)
            try:
                env = {**_env(ROOT, url), "KLAVIYO_API_KEY": API_KEY}
                cmd = [sys.executable, "-m", "connector", "deliver", path, "--list-id", create_list(url)]
                child = measure_child([*cmd, "--rate-scale", f"{args.scale:g}"], env, ok=(0, 4, 5))
            finally:
                sandbox.terminate()
                sandbox.wait()
            summary = json.loads(child["stdout"])
            verdict = "ok" if summary["delivered"] == args.lines else f"delivered {summary['delivered']}"
            print(
                f"{round_no + 1:>5} {args.lines / child['seconds']:>8,.0f} {child['seconds']:>7.1f}"
                f" {summary['requests']:>8}"
                f" {summary['throttled']:>5} {child['cpu']:>6.1f} {child['rss_mb']:>7.0f}"
                f"  {verdict}",
                flush=True,
            )


if __name__ == "__main__":
    main()
