"""Cold start: time from process start to a result, as a low-code step pays it (one process per call).

Against a loopback sandbox, as separate processes:

- ``python -m connector run listLists`` (a catalog action) and ``run getMetrics`` (an action derived from the
  operation registry), beside a plain ``requests`` script doing the same GET with the same headers,
- Klaviyo's official ``klaviyo-api`` SDK doing the same call, when it is installed,
- ``import connector`` alone, ``klaviyo-connector --help``, and the bare interpreter.

How (the ratios are what matter; absolute times move with the machine's load):

- **cached bytecode on every side**: the project's packages and the whole environment's site-packages are
  compiled first, and ``PYTHONDONTWRITEBYTECODE`` is cleared for the measured processes (these machines set it);
- **interleaved rounds**: each round runs every case once, in turn, so drift hits all cases alike;
- **pinned**: every measured process runs on one core (``taskset -c CORE``, when available), the sandbox on the
  other;
- medians of ``--rounds`` rounds (default 21), after one warm-up round, and the ratio of medians to the plain
  script.

Goals (README "Benchmarks"): ``run listLists`` at most 1.2x the plain script; a derived action no slower than
``run listLists``; ``import connector`` under 150 ms; ``--help`` under 2x ``import connector``.

``--baseline REF`` adds ``run listLists`` of another commit (``git archive REF`` into a temporary directory,
compiled the same way, put first on ``PYTHONPATH``), in the same rounds: "no slower than before" as a ratio.

Run: ``python benchmarks/cold_start.py [--rounds N] [--core C] [--baseline REF]``.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.sandbox import Sandbox  # noqa: E402

PLAIN = """
import os, requests
r = requests.get(os.environ["KLAVIYO_BASE_URL"] + "/api/lists", params={"page[size]": "1"},
                 headers={"Authorization": "Klaviyo-API-Key " + os.environ["KLAVIYO_API_KEY"],
                          "revision": "2026-07-15", "Accept": "application/vnd.api+json"}, timeout=30)
r.raise_for_status()
print(r.text)
"""

OFFICIAL = """
import os
from klaviyo_api import KlaviyoAPI
k = KlaviyoAPI(os.environ["KLAVIYO_API_KEY"], max_delay=0, max_retries=0)
k.api_client.configuration.host = os.environ["KLAVIYO_BASE_URL"]
print(k.Lists.get_lists(page_size=1))
"""


def compile_everything(tree: Path = ROOT) -> None:
    """Write bytecode for the project and the environment, as an installed package and a warm machine have."""
    for path in (tree / "connector", tree / "actions", tree / "connections", Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(str(path), quiet=2, workers=0)


def baseline_tree(ref: str, into: str) -> Path:
    """Commit ``ref`` of this repository, unpacked into ``into`` and compiled."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    compile_everything(Path(into))
    return Path(into)


def cases(baseline: Path | None = None) -> dict[str, tuple[list[str], Path]]:
    """Each case: its command line and the tree first on its ``PYTHONPATH``."""
    python = sys.executable
    run_list_lists = [python, "-m", "connector", "run", "listLists", "--input", "maxRecords=1", "--compact"]
    argv = {
        "plain requests script": [python, "-c", PLAIN],
        "run listLists (catalog action)": run_list_lists,
        "run getMetrics (derived action)": [python, "-m", "connector", "run", "getMetrics", "--compact"],
        "import connector": [python, "-c", "import connector"],
        "klaviyo-connector --help": [python, "-m", "connector", "--help"],
        "interpreter only": [python, "-c", "pass"],
    }
    if importlib.util.find_spec("klaviyo_api") is not None:
        argv["official klaviyo-api SDK"] = [python, "-c", OFFICIAL]
    out = {name: (command, ROOT) for name, command in argv.items()}
    if baseline is not None:
        out["run listLists at the baseline"] = (run_list_lists, baseline)
    return out


def run_once(argv: list[str], tree: Path, env: dict[str, str], core: int | None) -> float:
    """One process of ``argv`` with ``tree`` first on its path: ``PYTHONPATH`` and its working directory (``-m``
    and ``-c`` put the working directory before ``PYTHONPATH``, so a baseline run from this checkout would import
    this checkout's code)."""
    pinned = ["taskset", "-c", str(core), *argv] if core is not None else argv
    start = time.perf_counter()
    done = subprocess.run(
        pinned, env={**env, "PYTHONPATH": str(tree)}, cwd=tree, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[:5]} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed


def imports_from(tree: Path, env: dict[str, str]) -> None:
    """Stop unless a process set up for ``tree`` imports ``connector`` from ``tree`` (a baseline measured on the
    current code would compare the code with itself)."""
    probe = [sys.executable, "-c", "import connector; print(connector.__file__)"]
    found = subprocess.run(
        probe, env={**env, "PYTHONPATH": str(tree)}, cwd=tree, capture_output=True, text=True, check=True
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"a process meant for {tree} imports connector from {found}")


def measure(rounds: int, core: int | None, baseline: Path | None) -> dict[str, list[float]]:
    if core is not None and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, (os.sched_getaffinity(0) - {core}) or {core})  # the sandbox's threads: the other core
    with Sandbox() as sandbox:
        env = {**os.environ, "KLAVIYO_API_KEY": sandbox.api_key, "KLAVIYO_BASE_URL": sandbox.url}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for name in ("KLAVIYO_ACCESS_TOKEN", "KLAVIYO_ACCOUNT", "KLAVIYO_TOKEN_FILE"):
            env.pop(name, None)
        todo = cases(baseline)
        for tree in {tree for _, tree in todo.values()}:
            imports_from(tree, env)
        results: dict[str, list[float]] = {name: [] for name in todo}
        for round_number in range(rounds + 1):
            for name, (argv, tree) in todo.items():
                elapsed = run_once(argv, tree, env, core)
                if round_number:  # the first round warms the OS file cache
                    results[name].append(elapsed)
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Cold start of one step, interleaved and pinned.")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--core", type=int, default=1, help="the core measured processes run on (-1: unpinned)")
    parser.add_argument("--baseline", help="also time run listLists of this commit (e.g. a tag or hash)")
    args = parser.parse_args()
    core = args.core if args.core >= 0 and shutil.which("taskset") else None
    compile_everything()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = baseline_tree(args.baseline, tmp) if args.baseline else None
        results = measure(args.rounds, core, baseline)
    medians = {name: statistics.median(samples) for name, samples in results.items()}
    plain, imported = medians["plain requests script"], medians["import connector"]
    where = f"pinned to core {core}" if core is not None else "unpinned"
    print(f"cold start: {args.rounds} interleaved rounds, {where}, bytecode cached on every side")
    print(f"  {'case':36s} {'median':>8s} {'min':>7s}  vs plain")
    for name, samples in results.items():
        print(f"  {name:36s} {medians[name]:7.3f}s {min(samples):6.3f}s  x{medians[name] / plain:4.2f}")
    print("goals:")
    catalog, derived = medians["run listLists (catalog action)"], medians["run getMetrics (derived action)"]
    print(f"  run listLists / plain          x{catalog / plain:4.2f}  (goal <= 1.20)")
    print(f"  derived / catalog action       x{derived / catalog:4.2f}  (goal <= 1.00 within noise)")
    print(f"  import connector               {imported * 1000:5.0f} ms (goal < 150 ms)")
    print(f"  --help / import connector      x{medians['klaviyo-connector --help'] / imported:4.2f}  (goal < 2.00)")
    if args.baseline:
        before = medians["run listLists at the baseline"]
        print(f"  run listLists / at {args.baseline:11s} x{catalog / before:4.2f}  (goal <= 1.00 within noise)")


if __name__ == "__main__":
    main()
