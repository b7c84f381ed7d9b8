"""README command 1: the demo workflow, on the built-in sandbox or (explicitly) on a configured account."""

from __future__ import annotations

import argparse
import io
import time

import pytest

from connector.sandbox import Sandbox
from connector.shell import demo
from connector.shell.cli import main


def test_demo_runs_on_the_embedded_sandbox_without_an_account() -> None:
    out = io.StringIO()
    assert demo.run(argparse.Namespace(write_to_my_account=False), stream=out) == 0
    text = out.getvalue()
    assert "started the local Klaviyo sandbox" in text
    assert "409 duplicate_profile" in text
    assert "1 member(s) of the list" in text
    assert "Done." in text


def test_demo_refuses_a_real_account_unless_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sandbox: Sandbox
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", sandbox.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    assert main(["demo"]) == 3
    assert "--write-to-my-account" in capsys.readouterr().err
    assert sandbox.state.lists() == [] and sandbox.state.profiles() == []


def test_demo_writes_to_the_configured_account_when_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sandbox: Sandbox
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", sandbox.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    assert main(["demo", "--write-to-my-account"]) == 0
    assert "Using the configured Klaviyo account" in capsys.readouterr().out
    (created,) = sandbox.state.lists()
    assert created["name"].startswith("Demo newsletter")
    (profile,) = sandbox.state.profiles()
    assert profile["first_name"] == "Augusta" and profile["title"] == "Countess"
    assert [m["profile_id"] for m in sandbox.state.list_members(created["id"])] == [profile["id"]]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(sandbox.state.events()) < 4:
        time.sleep(0.05)
    metric_names = {m["id"]: m["name"] for m in sandbox.state.metrics()}
    names = sorted(metric_names[e["metric_id"]] for e in sandbox.state.events())
    assert names == ["Ordered Product", "Ordered Product", "Placed Order", "Viewed Product"]
