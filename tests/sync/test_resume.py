"""Kill-and-resume for profiles, subscriptions and the reverse-ETL deletion step (events: test_sandbox.py).

Each test starts ``python -m connector.apps.sync`` against a sandbox, SIGKILLs it mid-run, runs the same
command again and checks the sandbox: every record once, nothing missing, the dead letter listing each
rejected row once, and the final summary counting the rows finished before the kill as well
(``delivered + rejected == rows``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connections.api_key import ApiKeyConnection
from connector.apps.sync import SyncOptions, sync
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy
from connector.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]


def _client(sb: Sandbox) -> KlaviyoClient:
    return KlaviyoClient(
        ApiKeyConnection(sb.api_key), base_url=sb.url, pool_size=40, retry=RetryPolicy(max_retries=4, base_delay=0.02)
    )


def _list(client: KlaviyoClient) -> str:
    body = {"data": {"type": "list", "attributes": {"name": "Resume"}}}
    return str(client.request("POST", "/api/lists", json=body).json()["data"]["id"])


def _env(sb: Sandbox) -> dict[str, str]:
    return {**os.environ, "KLAVIYO_API_KEY": sb.api_key, "KLAVIYO_BASE_URL": sb.url, "PYTHONPATH": str(ROOT)}


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "connector", "sync", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(proc: subprocess.Popen[str], reached: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not reached() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _finish(args: list[str], env: dict[str, str], expect: int = 0) -> dict[str, Any]:
    rerun = _start(args, env)
    out, err = rerun.communicate(timeout=90)
    assert rerun.returncode == expect, err
    summary: dict[str, Any] = json.loads(out)
    return summary


def _letters(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_profiles_killed_then_rerun(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> None:
    sb = sandbox_factory(rate_limits="scale=5", latency_ms=5, fail_rate=0.05, seed=7)
    list_id = _list(_client(sb))
    n = 2000
    rows = [f"p{i}@example.com,P{i},gold\n" for i in range(n)]
    rows.insert(1200, "not-an-email,Broken,gold\n")  # row 1201: rejected, in whichever run reaches it
    source = tmp_path / "profiles.csv"
    source.write_text("email,first_name,plan\n" + "".join(rows))
    args = ["profiles", str(source), "--list-id", list_id, "--rate-scale", "5", "--batch-size", "20"]
    args += ["--concurrency", "4", "--no-progress"]
    proc = _start(args, _env(sb))
    _kill_when(proc, lambda: len(sb.state.jobs("profile-bulk-import-job")) >= 25)
    sb.wait_for_jobs()
    before = len(sb.state.list_members(list_id))
    assert 0 < before < n, "the kill must land mid-run"
    assert (tmp_path / "profiles.csv.sync-checkpoint.sqlite").exists()

    summary = _finish(args, _env(sb), expect=4)  # 4: some rows rejected
    sb.wait_for_jobs()
    assert summary["resumed"] is True
    assert (summary["rows"], summary["delivered"], summary["rejected"], summary["pending"]) == (n + 1, n, 1, 0)
    assert summary["delivered"] + summary["rejected"] == summary["rows"]
    emails = Counter(p.get("email") for p in sb.state.profiles())
    assert set(emails) == {f"p{i}@example.com" for i in range(n)} and max(emails.values()) == 1
    members = Counter(m["profile_id"] for m in sb.state.list_members(list_id))
    assert len(members) == n and max(members.values()) == 1
    letters = _letters(tmp_path / "profiles.csv.rejected.jsonl")
    assert [(d["row"], d["record"]["email"]) for d in letters] == [(1201, "not-an-email")]
    assert not (tmp_path / "profiles.csv.sync-checkpoint.sqlite").exists()


def test_subscriptions_killed_then_rerun(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> None:
    sb = sandbox_factory(rate_limits="scale=2", latency_ms=20, fail_rate=0.05, seed=3)
    list_id = _list(_client(sb))
    n = 2000
    lines = [json.dumps({"email": f"s{i}@example.com"}) + "\n" for i in range(n)]
    lines.insert(700, '{"email": "s-broken@example.com",\n')  # row 701: not JSON
    source = tmp_path / "subs.jsonl"
    source.write_text("".join(lines))
    args = ["subscriptions", str(source), "--list-id", list_id, "--rate-scale", "2", "--batch-size", "20"]
    args += ["--concurrency", "2", "--no-progress"]
    proc = _start(args, _env(sb))
    _kill_when(proc, lambda: len(sb.state.jobs("profile-subscription-bulk-create-job")) >= 25)
    sb.wait_for_jobs()
    before = len(sb.state.list_members(list_id))
    assert 0 < before < n, "the kill must land mid-run"

    summary = _finish(args, _env(sb), expect=4)
    sb.wait_for_jobs()
    assert summary["resumed"] is True
    assert (summary["rows"], summary["delivered"], summary["rejected"], summary["pending"]) == (n + 1, n, 1, 0)
    profiles = {p["id"]: p.get("email") for p in sb.state.profiles()}
    assert Counter(profiles.values()) == Counter({f"s{i}@example.com": 1 for i in range(n)})
    for profile_id in profiles:
        assert sb.state.subscriptions(profile_id)["email"]["marketing"]["consent"] == "SUBSCRIBED"
    members = Counter(m["profile_id"] for m in sb.state.list_members(list_id))
    assert len(members) == n and max(members.values()) == 1
    letters = _letters(tmp_path / "subs.jsonl.rejected.jsonl")
    assert [(d["row"], d["record"]) for d in letters] == [(701, None)]
    assert "JSON" in letters[0]["reason"]


def test_killed_while_undoing_deletions_then_rerun(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> None:
    sb = sandbox_factory(rate_limits="scale=1", latency_ms=20)
    client = _client(sb)
    list_id = _list(client)
    n, kept = 3000, 500
    state = tmp_path / "state.sqlite"
    source = tmp_path / "audience.csv"
    source.write_text("email,plan\n" + "".join(f"a{i}@example.com,basic\n" for i in range(n)))
    options = SyncOptions(list_id=list_id, state=state, progress=False)
    first = sync("profiles", source, client=client, options=options)
    sb.wait_for_jobs()
    assert (first.delivered, len(sb.state.list_members(list_id))) == (n, n)
    profiles_before = {p["id"]: p for p in sb.state.profiles()}
    jobs_before = len(sb.state.jobs())

    source.write_text("email,plan\n" + "".join(f"a{i}@example.com,basic\n" for i in range(kept)))
    args = ["profiles", str(source), "--list-id", list_id, "--state", str(state), "--concurrency", "2"]
    args += ["--no-progress"]
    proc = _start(args, _env(sb))
    _kill_when(proc, lambda: len(sb.state.list_members(list_id)) <= n - 300)
    at_kill = len(sb.state.list_members(list_id))
    assert kept < at_kill < n, "the kill must land during the removals"

    summary = _finish(args, _env(sb))
    assert summary["resumed"] is True
    assert (summary["unchanged"], summary["deleted"], summary["delivered"]) == (kept, n - kept, n - kept)
    assert (summary["rejected"], summary["pending"], summary["to_send"]) == (0, 0, n - kept)
    emails = {pid: p.get("email") for pid, p in profiles_before.items()}
    assert {emails[m["profile_id"]] for m in sb.state.list_members(list_id)} == {
        f"a{i}@example.com" for i in range(kept)
    }
    # Nothing else touched: no profile created, changed or deleted, no import job sent.
    assert {p["id"]: p for p in sb.state.profiles()} == profiles_before
    assert len(sb.state.jobs()) == jobs_before

    third = sync("profiles", source, client=client, options=options)
    assert (third.unchanged, third.deleted, third.to_send, third.requests) == (kept, 0, 0, 0)
