"""End to end against the sandbox: time-scaled limits, injected faults, reverse ETL, and kill-and-resume."""

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
    # Short waits: the sandbox's windows are scaled down, and faults need quick retries.
    return KlaviyoClient(
        ApiKeyConnection(sb.api_key), base_url=sb.url, pool_size=40, retry=RetryPolicy(max_retries=4, base_delay=0.02)
    )


def _list(client: KlaviyoClient) -> str:
    body = {"data": {"type": "list", "attributes": {"name": "Sync"}}}
    return str(client.request("POST", "/api/lists", json=body).json()["data"]["id"])


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_every_kind_completes_under_faults(sandbox_factory: Callable[..., Sandbox], tmp_path: Path) -> None:
    sb = sandbox_factory(rate_limits="scale=20", fail_rate=0.15, reset_rate=0.05, latency_ms=2, seed=11)
    client = _client(sb)
    list_id = _list(client)
    n = 600
    profiles = tmp_path / "profiles.csv"
    profiles.write_text(
        "email,first_name,plan\n" + "".join(f"p{i}@example.com,P{i},gold\n" for i in range(n)) + "broken,X,gold\n"
    )
    options = SyncOptions(list_id=list_id, batch_size=50, rate_scale=20, progress=False)
    summary = sync("profiles", profiles, client=client, options=options)
    assert (summary.rows, summary.delivered, summary.rejected, summary.pending) == (n + 1, n, 1, 0)
    assert summary.delivered + summary.rejected == summary.rows
    assert len(sb.state.list_members(list_id)) == n
    letters = [json.loads(line) for line in Path(str(summary.dead_letter)).read_text().splitlines()]
    assert [(d["row"], d["record"]["email"]) for d in letters] == [(n + 1, "broken")]
    assert "Email" in letters[0]["reason"]

    events = _write_jsonl(
        tmp_path / "events.jsonl",
        [{"metric": "Viewed Item", "email": f"p{i % 40}@example.com", "sku": i} for i in range(n)]
        + [{"metric": "Viewed Item", "email": "p1@example.com", "value": "NaN?"}],
    )
    summary = sync("events", events, client=client, options=SyncOptions(batch_size=40, rate_scale=20, progress=False))
    assert (summary.delivered, summary.rejected, summary.pending) == (n, 1, 0)
    ids = Counter(e["unique_id"] for e in sb.state.events())
    assert len(ids) == n and max(ids.values()) == 1  # every event exactly once despite retried requests

    subs = tmp_path / "subs.csv"
    subs.write_text("email\n" + "".join(f"s{i}@example.com\n" for i in range(n)))
    options = SyncOptions(list_id=list_id, batch_size=60, rate_scale=20, progress=False)
    summary = sync("subscriptions", subs, client=client, options=options)
    assert (summary.delivered, summary.rejected, summary.pending) == (n, 0, 0)
    assert len(sb.state.list_members(list_id)) == 2 * n
    assert not (tmp_path / "subs.csv.sync-checkpoint.sqlite").exists()  # removed once complete


def test_reverse_etl_sends_changes_and_undoes_deletions(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(rate_limits="scale=20")
    client = _client(sb)
    list_id = _list(client)
    state = tmp_path / "state.sqlite"
    source = tmp_path / "audience.csv"
    source.write_text("email,plan\n" + "".join(f"a{i}@example.com,basic\n" for i in range(30)))
    options = SyncOptions(list_id=list_id, state=state, rate_scale=20, progress=False)
    first = sync("profiles", source, client=client, options=options)
    assert (first.added, first.delivered) == (30, 30)
    assert len(sb.state.list_members(list_id)) == 30

    # a0..a4 deleted, a5 changed, a6..a29 unchanged, b0 added.
    rows = [f"a{i}@example.com,{'pro' if i == 5 else 'basic'}\n" for i in range(5, 30)] + ["b0@example.com,basic\n"]
    source.write_text("email,plan\n" + "".join(rows))
    requests_before = len(sb.state.jobs())
    second = sync("profiles", source, client=client, options=options)
    assert (second.added, second.changed, second.unchanged, second.deleted) == (1, 1, 24, 5)
    assert (second.delivered, second.rejected, second.pending) == (7, 0, 0)
    assert second.balanced
    assert len(sb.state.jobs()) == requests_before + 1  # the 2 changed rows in one import job
    emails = {p["id"]: p.get("email") for p in sb.state.profiles()}
    members = {emails[m["profile_id"]] for m in sb.state.list_members(list_id)}
    assert members == {f"a{i}@example.com" for i in range(5, 30)} | {"b0@example.com"}
    changed = next(p for p in sb.state.profiles() if p.get("email") == "a5@example.com")
    assert changed["properties"]["plan"] == "pro"

    third = sync("profiles", source, client=client, options=options)
    assert (third.unchanged, third.to_send, third.requests) == (26, 0, 0)


def _run_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "connector", "sync", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_with_sigkill_then_rerun_loses_and_doubles_nothing(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = sandbox_factory(rate_limits="scale=10", latency_ms=5, fail_rate=0.05, seed=5)
    n = 2000
    events = _write_jsonl(
        tmp_path / "events.jsonl", [{"metric": "Ordered", "external_id": f"c{i % 25}", "n": i} for i in range(n)]
    )
    env = {**os.environ, "KLAVIYO_API_KEY": sb.api_key, "KLAVIYO_BASE_URL": sb.url, "PYTHONPATH": str(ROOT)}
    args = ["events", str(events), "--rate-scale", "10", "--batch-size", "20", "--no-progress", "--concurrency", "4"]
    proc = _run_cli(args, env)
    deadline = time.monotonic() + 30
    while len(sb.state.events()) < n // 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    sent_before = len(sb.state.events())
    assert 0 < sent_before < n, "the kill must land mid-run"
    assert (tmp_path / "events.jsonl.sync-checkpoint.sqlite").exists()

    rerun = _run_cli(args, env)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    summary = json.loads(out)
    assert summary["resumed"] is True
    assert summary["delivered"] + summary["rejected"] == summary["rows"] == n
    ids = Counter(e["unique_id"] for e in sb.state.events())
    assert len(ids) == n and max(ids.values()) == 1


def test_a_csv_export_lands_with_its_headers_read_and_its_numbers_typed(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "E-mail,Given Name,Postal Code,Lifetime Value,VIP,Account\n"
        "ada@example.com,Ada,02134,271.59,TRUE,007\n"
        ",Grace,x,1,false,2\n"  # no identifier in this row
    )
    summary = sync("profiles", source, client=_client(sandbox), options=SyncOptions(progress=False))
    assert (summary.delivered, summary.rejected) == (1, 1)
    (profile,) = sandbox.state.profiles()
    assert (profile["email"], profile["first_name"], profile["location"]["zip"]) == ("ada@example.com", "Ada", "02134")
    assert profile["properties"] == {"Lifetime Value": 271.59, "VIP": True, "Account": "007"}
    (letter,) = [json.loads(line) for line in Path(str(summary.dead_letter)).read_text().splitlines()]
    assert (letter["row"], letter["line"]) == (2, 3)
    assert letter["reason"].endswith("columns read: Given Name, Postal Code, Lifetime Value, VIP, Account")
