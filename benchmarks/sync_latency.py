"""Profile sync throughput when Klaviyo's import jobs take time: instant jobs vs jobs that stay processing S s.

Usage::

    python benchmarks/sync_latency.py [--rows 300000] [--latencies 0,5] [--rounds 3] [--reject-every 0]
    python benchmarks/sync_latency.py --latencies 0,5,10,30 --rounds 1 -- --max-jobs-in-flight 100

Each run starts the stand-in server (``benchmarks/stub_klaviyo.py``, import jobs ``processing`` for S
seconds) and runs ``klaviyo-connector sync profiles FILE`` as a child process against it, at Klaviyo's real
rate limits and packing (10,000 profiles a job). Arguments after ``--`` go to the sync command.

Measured as ratios in one run: the latencies are interleaved round by round (the order rotates), the sync
child is pinned to one core and the stub to the other with ``taskset`` (when there are two), and bytecode
is compiled and used on every side (``compileall`` first; ``PYTHONDONTWRITEBYTECODE`` unset for the
children). Printed per run: rows/s end to end (until every job completed and every row is checkpointed),
rows/s accepted (rows over the time until Klaviyo accepted the last job: the sync's pace, which the jobs'
latency should not slow; end to end also waits for the last job, S seconds more), the sync's CPU seconds,
its peak RSS, the stub's CPU seconds (it must stay far from its wall time: it is not the bottleneck), and
whether every row was accounted for (``delivered + rejected == rows``, nothing pending, rejected == the
rows the stub refuses). Then the medians per latency and their ratios to the first latency's.

Rows whose email contains ``+reject`` (every ``--reject-every``-th row; 0: none) fail in their import job,
half by pointer and half by payload, so the import-error path is exercised too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
API_KEY = "pk_benchmark0123456789abcdefghij"
CITIES = ("Paris", "Lyon", "Boston", "Austin", "Osaka", "Lagos", "Lima", "Oslo")
PLANS = ("free", "basic", "pro", "gold")


def write_profiles(path: str, rows: int, reject_every: int = 0) -> int:
    """``rows`` profiles as CSV (the columns of ``sync_memory.py``); return how many the stub will refuse."""
    refused = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("external_id,email,first_name,last_name,city,plan,lifetime_value,signup\n")
        for i in range(rows):
            bad = reject_every > 0 and i % reject_every == reject_every - 1
            refused += bad
            email = f"user{i}{'+reject' if bad else ''}@example.com"
            out.write(
                f"u{i:07d},{email},First{i % 997},Last{i % 991},{CITIES[i % len(CITIES)]},{PLANS[i % len(PLANS)]},"
                f"{(i * 37) % 10_000 / 100:.2f},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
            )
    return refused


def cores() -> tuple[list[str], list[str]]:
    """``taskset`` prefixes pinning (the sync, the server) to different cores, or no pinning."""
    if shutil.which("taskset") is None or len(os.sched_getaffinity(0)) < 2:
        return [], []
    first, second = sorted(os.sched_getaffinity(0))[:2]
    return ["taskset", "-c", str(first)], ["taskset", "-c", str(second)]


def compile_tree(tree: str) -> None:
    """Write the bytecode of ``tree`` so the measured processes do not compile on every start."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    dirs = [
        os.path.join(tree, d) for d in ("connector", "actions", "connections") if os.path.isdir(os.path.join(tree, d))
    ]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *dirs, os.path.join(HERE, "stub_klaviyo.py")], env=env, check=True
    )


def _env(tree: str, url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = tree
    if url:
        env.update(KLAVIYO_API_KEY=API_KEY, KLAVIYO_BASE_URL=url)
    return env


def start_server(cmd: list[str], what: str) -> tuple[subprocess.Popen[str], str]:
    """Start a server that prints its URL (on 127.0.0.1) on its first line; the process and the URL."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=_env(ROOT))
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"the {what} did not start")
    return proc, url


def start_stub(latency: float, pin: list[str]) -> tuple[subprocess.Popen[str], str]:
    cmd = [*pin, sys.executable, os.path.join(HERE, "stub_klaviyo.py"), "--job-latency", f"{latency:g}"]
    return start_server(cmd, "stub")


def measure_child(cmd: list[str], env: dict[str, str], *, ok: tuple[int, ...] = (0, 4)) -> dict[str, Any]:
    """Run ``cmd`` to its end: when it started, wall seconds, its own CPU seconds and peak RSS (``wait4``), stdout.

    An exit code outside ``ok`` stops the benchmark with the child's stderr.
    """
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env, cwd=env["PYTHONPATH"])
        _, status, usage = os.wait4(child.pid, 0)  # the child's own CPU time and peak RSS
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(cmd[:6])} failed ({code}):\n{errors[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"started": started, "seconds": seconds, "cpu": cpu, "rss_mb": usage.ru_maxrss / 1024, "stdout": text}


def stub_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/__stub/stats", timeout=30) as answer:  # 127.0.0.1 only
        stats: dict[str, Any] = json.loads(answer.read())
    return stats


def run_sync(
    path: str,
    latency: float,
    *,
    tree: str = ROOT,
    extra: list[str] | None = None,
    pin: tuple[list[str], list[str]] = ([], []),
) -> dict[str, Any]:
    """One measured sync of ``path`` against a fresh stub; its figures, the summary and the stub's stats."""
    stub, url = start_stub(latency, pin[1])
    try:
        checkpoint = path + f".{os.getpid()}.ckpt.sqlite"
        cmd = [*pin[0], sys.executable, "-m", "connector", "sync", "profiles", path, "--no-progress"]
        cmd += ["--checkpoint", checkpoint, *(extra or [])]
        child = measure_child(cmd, _env(tree, url))
        stats = stub_stats(url)
    finally:
        stub.terminate()
        stub.wait()
    summary: dict[str, Any] = json.loads(child["stdout"])
    return {
        "summary": summary,
        "seconds": child["seconds"],
        "cpu": child["cpu"],
        "rss_mb": child["rss_mb"],
        "stub_cpu": stats["cpu"],
        "bodies": stats["bodies"],
        # Until Klaviyo accepted the last job: the sync's own pace, before the last job's latency.
        "accepting": stats["last_job_at"] - child["started"],
    }


def check(result: dict[str, Any], rows: int, refused: int) -> str:
    """ "ok" when every row is accounted for as expected, else what is wrong."""
    s = result["summary"]
    problems = []
    if s["delivered"] + s["rejected"] != rows or s["pending"]:
        problems.append(f"delivered {s['delivered']} + rejected {s['rejected']} != {rows} (pending {s['pending']})")
    if s["rejected"] != refused:
        problems.append(f"rejected {s['rejected']}, expected {refused}")
    return "; ".join(problems) or "ok"


def latency_options(parser: argparse.ArgumentParser, *, unit: str, default: int, command: str) -> None:
    """The options both latency benchmarks take: how many ``unit``s, the latencies, rounds, rejects, pinning."""
    parser.add_argument(f"--{unit}", type=int, default=default)
    parser.add_argument("--latencies", default="0,5", help="job latencies in seconds; the first is the reference")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reject-every", type=int, default=0, help="every N-th record is refused by its import job")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the processes to cores")
    parser.add_argument(f"{command}_args", nargs="*", help=f"after --: more arguments for the {command} command")


def rotated(latencies: list[float], round_no: int) -> list[float]:
    """The latencies in round ``round_no``'s order: each round starts one further, so drift hits all alike."""
    shift = round_no % len(latencies)
    return latencies[shift:] + latencies[:shift]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    latency_options(parser, unit="rows", default=300_000, command="sync")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latencies.split(",")]
    pin = ([], []) if args.no_pin else cores()
    compile_tree(ROOT)
    print(
        f"sync with slow import jobs: {args.rows:,} profiles, latencies {args.latencies} s, {args.rounds} rounds,"
        f" pinned: {'yes' if pin[0] else 'no'}, sync args: {' '.join(args.sync_args) or '-'}",
        flush=True,
    )
    print(
        f"{'round':>5} {'latency':>7} {'rows/s':>9} {'wall s':>7} {'accepted/s':>10} {'sync CPU':>8} {'RSS MB':>7}"
        f" {'stub CPU':>8}  rows"
    )
    rates: dict[float, list[float]] = {s: [] for s in latencies}
    accepted: dict[float, list[float]] = {s: [] for s in latencies}
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "profiles.csv")
        refused = write_profiles(path, args.rows, args.reject_every)
        for round_no in range(args.rounds):
            for latency in rotated(latencies, round_no):
                r = run_sync(path, latency, extra=args.sync_args, pin=pin)
                rate = args.rows / r["seconds"]
                rates[latency].append(rate)
                accepted[latency].append(args.rows / r["accepting"])
                print(
                    f"{round_no + 1:>5} {latency:>7g} {rate:>9,.0f} {r['seconds']:>7.2f}"
                    f" {accepted[latency][-1]:>10,.0f} {r['cpu']:>8.2f} {r['rss_mb']:>7.0f} {r['stub_cpu']:>8.2f}"
                    f"  {check(r, args.rows, refused)}",
                    flush=True,
                )
    reference = statistics.median(rates[latencies[0]])
    reference_accepted = statistics.median(accepted[latencies[0]])
    for latency in latencies:
        median = statistics.median(rates[latency])
        pace = statistics.median(accepted[latency])
        print(
            f"latency {latency:g} s: median {median:,.0f} rows/s end to end, {median / reference:.2f}x the"
            f" {latencies[0]:g} s rate ({median / 25_000:.0%} of Klaviyo's 25,000/s steady ceiling);"
            f" accepted {pace:,.0f} rows/s, {pace / reference_accepted:.2f}x"
        )


if __name__ == "__main__":
    main()
