"""Cold start: time from process start to a result for one action, against a loopback sandbox.

Compares, as separate processes (a low-code step is one process per call):

- ``python -m connector run listLists`` (this SDK's CLI, the low-code path),
- a plain ``requests`` script doing the same GET with the same headers,
- Klaviyo's official ``klaviyo-api`` SDK doing the same call, when it is installed.

Prints the median and min of N runs and the ratios to the plain script. Goal: <= 1.4x plain.
Also prints ``import connector`` alone. Run: ``python benchmarks/cold_start.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
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


def time_process(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` fresh processes (after one warm-up for the OS file cache)."""
    samples = []
    for i in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{argv[:4]} failed ({done.returncode}): {done.stderr[-500:]}")
        if i:
            samples.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with Sandbox() as sandbox:
        env = {
            **os.environ,
            "KLAVIYO_API_KEY": sandbox.api_key,
            "KLAVIYO_BASE_URL": sandbox.url,
            "PYTHONPATH": str(ROOT),
            "PYTHONDONTWRITEBYTECODE": "",
        }
        env.pop("KLAVIYO_ACCESS_TOKEN", None)
        cases = {
            "plain requests script": [sys.executable, "-c", PLAIN],
            "klaviyo-connector run listLists": [
                sys.executable, "-m", "connector", "run", "listLists", "--input", "maxRecords=1", "--compact",
            ],
            "import connector (no request)": [sys.executable, "-c", "import connector"],
            "python -c pass (interpreter only)": [sys.executable, "-c", "pass"],
        }
        if importlib.util.find_spec("klaviyo_api") is not None:
            cases["official klaviyo-api SDK"] = [sys.executable, "-c", OFFICIAL]
        results = {name: time_process(argv, env, args.runs) for name, argv in cases.items()}
    plain = statistics.median(results["plain requests script"])
    print(f"cold start, {args.runs} runs each (median / min seconds, ratio of medians to the plain script)")
    for name, samples in results.items():
        median = statistics.median(samples)
        print(f"  {name:38s} {median:7.3f} / {min(samples):6.3f}   x{median / plain:4.2f}")
    if "official klaviyo-api SDK" not in results:
        print("  official klaviyo-api SDK               not installed (pip install klaviyo-api to compare)")


if __name__ == "__main__":
    main()
