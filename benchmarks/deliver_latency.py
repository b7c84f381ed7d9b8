"""deliver's throughput when Klaviyo's import jobs take time: instant jobs vs jobs that stay processing S s.

Usage::

    python benchmarks/deliver_latency.py [--lines 200000] [--latencies 0,5] [--rounds 3] [--reject-every 0]
    python benchmarks/deliver_latency.py --latencies 0,5 -- --windows-in-flight 1     # without overlap

Each run starts the stand-in server (``benchmarks/stub_klaviyo.py``: import jobs ``processing`` for S seconds,
events and consent accepted at once) and runs ``klaviyo-connector deliver FILE`` as a child process against
it, with its default windows and rate pacing at Klaviyo's real limits. The file alternates a Segment
``identify`` (a profile import, subscribed to a list every tenth person) and a ``track`` of the same person,
so every window has import jobs, events that wait for them and consent changes.

Measured as ratios in one run: the latencies are interleaved round by round (the order rotates), deliver is
pinned to one core and the stub to the other with ``taskset`` (when there are two), and bytecode is compiled
and used on every side (``compileall`` first; ``PYTHONDONTWRITEBYTECODE`` unset for the children). Printed
per run: lines/s end to end (until the report's last line is written), wall seconds, deliver's CPU seconds
and peak RSS, the stub's CPU seconds (far below the wall time: it is not the bottleneck), and whether every
line was accounted for (delivered + rejected == lines, rejected == the profiles the stub refuses). Then the
medians per latency and their ratios to the first latency's.

End to end includes the last window's job: a run cannot finish before the last import job does, so a file
that takes T seconds with instant jobs takes at least T + S with S-second jobs; the ratio can only approach 1
when T is long against S (200,000 lines by default).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sync_latency import (
    ROOT,
    _env,
    compile_tree,
    cores,
    latency_options,
    measure_child,
    rotated,
    start_stub,
    stub_stats,
)

PLANS = ("free", "basic", "pro", "gold")


def write_events(path: str, lines: int, reject_every: int = 0) -> int:
    """``lines`` Segment events (identify, then a track of the same person); return the profiles the stub refuses."""
    refused = 0
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines // 2 + lines % 2):
            bad = reject_every > 0 and i % reject_every == reject_every - 1
            refused += bad
            email = f"user{i}{'+reject' if bad else ''}@example.com"
            traits: dict[str, Any] = {"email": email, "firstName": f"First{i % 997}", "plan": PLANS[i % len(PLANS)]}
            if i % 10 == 0:
                traits["subscribe"] = True
            identify = {"type": "identify", "userId": f"u{i}", "messageId": f"i{i}", "traits": traits}
            out.write(json.dumps(identify) + "\n")
            if 2 * i + 1 < lines:
                props = {"sku": f"S{i % 101}", "price": (i * 37) % 10_000 / 100}
                track = {"type": "track", "event": "Viewed Product", "userId": f"u{i}", "messageId": f"t{i}"}
                out.write(json.dumps({**track, "properties": props}) + "\n")
    return refused


def run_deliver(path: str, latency: float, *, extra: list[str], pin: tuple[list[str], list[str]]) -> dict[str, Any]:
    """One measured deliver of ``path`` against a fresh stub: its summary, figures and the stub's stats."""
    stub, url = start_stub(latency, pin[1])
    try:
        cmd = [*pin[0], sys.executable, "-m", "connector", "deliver", path, "--list-id", "Y6nRLr", *extra]
        child = measure_child(cmd, _env(ROOT, url))
        stats = stub_stats(url)
    finally:
        stub.terminate()
        stub.wait()
    return {**child, "summary": json.loads(child["stdout"]), "stub_cpu": stats["cpu"], "jobs": stats["jobs"]}


def check(summary: dict[str, Any], lines: int, refused: int) -> str:
    """ "ok" when every line is accounted for as expected, else what is wrong."""
    problems = []
    if summary["delivered"] + summary["rejected"] != lines or summary.get("retryable"):
        problems.append(f"delivered {summary['delivered']} + rejected {summary['rejected']} != {lines}")
    if summary["rejected"] != refused:
        problems.append(f"rejected {summary['rejected']}, expected {refused}")
    return "; ".join(problems) or "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    latency_options(parser, unit="lines", default=200_000, command="deliver")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latencies.split(",")]
    pin = ([], []) if args.no_pin else cores()
    compile_tree(ROOT)
    print(
        f"deliver with slow import jobs: {args.lines:,} lines, latencies {args.latencies} s, {args.rounds} rounds,"
        f" pinned: {'yes' if pin[0] else 'no'}, deliver args: {' '.join(args.deliver_args) or '-'}",
        flush=True,
    )
    print(f"{'round':>5} {'latency':>7} {'lines/s':>9} {'wall s':>7} {'CPU s':>7} {'RSS MB':>7} {'stub CPU':>8}  lines")
    rates: dict[float, list[float]] = {s: [] for s in latencies}
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "events.jsonl")
        refused = write_events(path, args.lines, args.reject_every)
        for round_no in range(args.rounds):
            for latency in rotated(latencies, round_no):
                r = run_deliver(path, latency, extra=args.deliver_args, pin=pin)
                rates[latency].append(args.lines / r["seconds"])
                print(
                    f"{round_no + 1:>5} {latency:>7g} {rates[latency][-1]:>9,.0f} {r['seconds']:>7.2f}"
                    f" {r['cpu']:>7.2f} {r['rss_mb']:>7.0f} {r['stub_cpu']:>8.2f}"
                    f"  {check(r['summary'], args.lines, refused)}",
                    flush=True,
                )
    reference = statistics.median(rates[latencies[0]])
    print("\nmedian lines/s per job latency (ratio to the first):")
    for latency in latencies:
        median = statistics.median(rates[latency])
        print(f"  {latency:>5g} s jobs: {median:>9,.0f} lines/s  {median / reference:.2f}x")


if __name__ == "__main__":
    main()
