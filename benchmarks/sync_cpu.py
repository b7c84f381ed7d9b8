"""CPU per row of a profile sync: this tree against another commit, same file, same requests.

Usage::

    python benchmarks/sync_cpu.py [--baseline REF] [--rows 300000] [--rounds 5] [--this-tree-args "..."]

The baseline defaults to where this branch left ``main`` (``git merge-base main HEAD``): the sync as it was.

The baseline's code is exported with ``git archive`` into a temporary directory (the working tree is not
touched). Each round runs ``klaviyo-connector sync profiles FILE`` once with each tree (the order alternates
round by round) against a fresh stand-in server (``stub_klaviyo.py``, instant jobs, Klaviyo's real packing
and limits), the sync pinned to one core and the stub to another, bytecode compiled beforehand and used by
every process. Printed per run: the sync process's CPU seconds (user + system, its own ``wait4`` rusage),
microseconds of CPU per row, rows per CPU second and wall time; then the median ratio new/baseline.

It also checks the two trees sent the same bytes: the stub keeps the SHA-256 of every request body, and the
sorted lists must be equal (the import jobs are the same requests, byte for byte). ``--this-tree-args`` passes
flags to this tree's sync only: ``--types lifetime_value=string`` sends that column as text, as a baseline from
before CSV cells were typed did, so the bodies can be compared again.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sync_latency import ROOT, check, compile_tree, cores, run_sync, write_profiles


def export(ref: str, into: str) -> str:
    """The tree of ``ref`` (this repository) unpacked into ``into``; its path."""
    tree = os.path.join(into, "baseline")
    os.makedirs(tree)
    archive = subprocess.run(["git", "-C", ROOT, "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="the commit to compare with (default: git merge-base main HEAD)")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--this-tree-args", default="", help="extra sync flags for this tree only")
    args = parser.parse_args()
    if not args.baseline:
        found = subprocess.run(["git", "-C", ROOT, "merge-base", "main", "HEAD"], capture_output=True, text=True)
        args.baseline = found.stdout.strip() or "main"
    pin = ([], []) if args.no_pin else cores()
    with tempfile.TemporaryDirectory() as workdir:
        trees = {"baseline": export(args.baseline, workdir), "this tree": ROOT}
        for tree in trees.values():
            compile_tree(tree)
        path = os.path.join(workdir, "profiles.csv")
        write_profiles(path, args.rows)
        print(
            f"sync CPU per row: {args.rows:,} profiles, baseline {args.baseline}, {args.rounds} rounds, "
            f"pinned: {'yes' if pin[0] else 'no'}",
            flush=True,
        )
        print(f"{'round':>5} {'tree':<10} {'CPU s':>7} {'us/row':>7} {'rows/CPU s':>11} {'wall s':>7}  rows")
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        bodies: dict[str, Any] = {}
        for round_no in range(args.rounds):
            names = list(trees) if round_no % 2 == 0 else list(trees)[::-1]
            for name in names:
                extra = shlex.split(args.this_tree_args) if name == "this tree" else []
                r = run_sync(path, 0.0, tree=trees[name], pin=pin, extra=extra)
                cpu[name].append(r["cpu"])
                bodies.setdefault(name, sorted(r["bodies"]))
                same = "" if sorted(r["bodies"]) == bodies[name] else " (bodies differ between rounds!)"
                print(
                    f"{round_no + 1:>5} {name:<10} {r['cpu']:>7.2f} {r['cpu'] / args.rows * 1e6:>7.1f}"
                    f" {args.rows / r['cpu']:>11,.0f} {r['seconds']:>7.2f}  {check(r, args.rows, 0)}{same}",
                    flush=True,
                )
    base, new = statistics.median(cpu["baseline"]), statistics.median(cpu["this tree"])
    ratios = [n / b for n, b in zip(cpu["this tree"], cpu["baseline"], strict=True)]
    print(
        f"median CPU: baseline {base:.2f} s ({args.rows / base:,.0f} rows/CPU s), this tree {new:.2f} s "
        f"({args.rows / new:,.0f} rows/CPU s): {new / base:.2f}x (per round {min(ratios):.2f}-{max(ratios):.2f}x)"
    )
    identical = bodies["baseline"] == bodies["this tree"]
    count = len(bodies["baseline"])
    print(f"request bodies: {count} on each side, {'byte-identical' if identical else 'DIFFERENT'} (SHA-256 of each)")
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
