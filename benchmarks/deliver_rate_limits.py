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
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from deliver_latency import write_events
from sync_latency import API_KEY, ROOT, _env, compile_tree


def start_sandbox(scale: float) -> tuple[subprocess.Popen[str], str]:
    """The sandbox on 127.0.0.1 with Klaviyo's limits enforced ``scale`` times faster; its URL."""
    cmd = [sys.executable, "-m", "connector", "sandbox", "--rate-limits", f"scale={scale:g}", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env(ROOT))
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit("the sandbox did not start")
    return proc, url


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
                cmd = [sys.executable, "-m", "connector", "deliver", path, "--list-id", "Y6nRLr"]
                cmd += ["--rate-scale", f"{args.scale:g}"]
                started = time.monotonic()
                with tempfile.TemporaryFile("w+") as out:
                    child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
                    _, status, usage = os.wait4(child.pid, 0)
                    seconds = time.monotonic() - started
                    out.seek(0)
                    text = out.read()
                if os.waitstatus_to_exitcode(status) not in (0, 4, 5):
                    raise SystemExit(f"deliver failed: {child.stderr.read() if child.stderr else ''}")
            finally:
                sandbox.terminate()
                sandbox.wait()
            summary = json.loads(text)
            verdict = "ok" if summary["delivered"] == args.lines else f"delivered {summary['delivered']}"
            print(
                f"{round_no + 1:>5} {args.lines / seconds:>8,.0f} {seconds:>7.1f} {summary['requests']:>8}"
                f" {summary['throttled']:>5} {usage.ru_utime + usage.ru_stime:>6.1f} {usage.ru_maxrss / 1024:>7.0f}"
                f"  {verdict}",
                flush=True,
            )


if __name__ == "__main__":
    main()
