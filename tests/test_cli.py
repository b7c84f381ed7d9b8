"""The CLI as a low-code platform uses it: JSON in, JSON out, distinct exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import responses
from conftest import API_KEY, BASE

from connector.shell.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, Any]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    parsed_out = json.loads(out) if out.strip().startswith(("{", "[")) else out
    parsed_err = json.loads(err) if err.strip() else None
    return code, parsed_out, parsed_err


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)


def test_actions_lists_key_and_label(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "actions")
    assert code == 0
    assert "createList\tCreate List" in out.splitlines()


def test_describe_prints_inputs_and_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "describe", "createList")
    assert code == 0
    assert out["label"] == "Create List"
    assert out["inputSchema"]["properties"]["listName"]["default"] == "Newsletter"


def test_describe_unknown_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "describe", "createLst")
    assert code == 2
    assert "did you mean createList" in err["error"]["message"]


def test_run_with_input_pairs_prints_json(
    capsys: pytest.CaptureFixture[str], api_env: None, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{BASE}/api/lists", status=201, json={"data": {"type": "list", "id": "L1", "attributes": {}}})
    code, out, err = run_cli(capsys, "run", "createList", "--input", "listName=VIP")
    assert code == 0 and err is None
    assert out == {"data": {"type": "list", "id": "L1", "attributes": {}}}
    assert json.loads(mocked.calls[0].request.body)["data"]["attributes"]["name"] == "VIP"


def test_run_with_inputs_file_and_typed_json(
    capsys: pytest.CaptureFixture[str], api_env: None, mocked: responses.RequestsMock, tmp_path: Path
) -> None:
    mocked.get(f"{BASE}/api/lists", json={"data": [{"type": "list", "id": "a"}], "links": {"next": None}})
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"fields": ["name"], "maxRecords": 5}))
    code, out, _ = run_cli(capsys, "run", "listLists", "--inputs", str(inputs))
    assert code == 0 and out == {"data": [{"type": "list", "id": "a"}]}
    assert "fields%5Blist%5D=name" in mocked.calls[0].request.url


def test_run_jsonl_streams_records(
    capsys: pytest.CaptureFixture[str], api_env: None, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{BASE}/api/lists", json={"data": [{"id": "a"}, {"id": "b"}], "links": {}})
    assert main(["run", "listLists", "--jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b"]


def test_input_error_exit_code_2_before_any_request(capsys: pytest.CaptureFixture[str], api_env: None) -> None:
    with responses.RequestsMock() as rsps:
        code, out, err = run_cli(capsys, "run", "listLists", "--input", "pageSize=500")
    assert len(rsps.calls) == 0
    assert code == 2 and out == ""
    assert err["error"]["type"] == "InputError"
    assert err["error"]["message"].startswith("Page Size: must be at most 10")
    assert set(err["error"]) >= {"type", "message", "status", "errors"}


def test_connection_error_exit_code_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", "AbC123")
    code, _, err = run_cli(capsys, "run", "listLists")
    assert code == 3 and "public API key" in err["error"]["message"]


def test_no_credentials_exit_code_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLAVIYO_BASE_URL", BASE)
    code, _, err = run_cli(capsys, "run", "listLists")
    assert code == 3 and err["error"]["type"] == "ConnectionConfigError"


def test_api_error_exit_code_4_with_klaviyo_errors(
    capsys: pytest.CaptureFixture[str], api_env: None, mocked: responses.RequestsMock
) -> None:
    mocked.get(
        f"{BASE}/api/lists/nope",
        status=404,
        json={"errors": [{"id": "1", "code": "not_found", "title": "Not found", "detail": "No list"}]},
        headers={"X-Request-Id": "r1"},
    )
    code, _, err = run_cli(capsys, "run", "getList", "-i", "listId=nope")
    assert code == 4
    assert err["error"]["status"] == 404
    assert err["error"]["errors"][0]["code"] == "not_found"
    assert err["error"]["requestId"] == "r1"


def test_rate_limit_exit_code_5(
    capsys: pytest.CaptureFixture[str], api_env: None, monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    monkeypatch.setattr("connector.client.clock.SystemClock.sleep", lambda self, s: None)
    for _ in range(4):
        mocked.get(f"{BASE}/api/lists", status=429, headers={"Retry-After": "1"}, json={"errors": []})
    code, _, err = run_cli(capsys, "run", "listLists")
    assert code == 5 and err["error"]["type"] == "RateLimitError" and err["error"]["retryAfter"] == 1


def test_malformed_inputs(capsys: pytest.CaptureFixture[str], api_env: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert run_cli(capsys, "run", "listLists", "--inputs", str(bad))[0] == 2
    assert run_cli(capsys, "run", "listLists", "--input", "novalue")[0] == 2


def test_python_dash_m_connector_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "connector", "version"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "Klaviyo API revision 2026-07-15" in done.stdout


def test_manifest_command_prints_the_derived_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    from connector.framework.manifest import build_manifest
    from connector.shell.component import COMPONENT

    code, out, _ = run_cli(capsys, "manifest")
    assert code == 0 and out == json.loads(json.dumps(build_manifest(COMPONENT)))


def test_ci_runs_the_readme_commands_verbatim() -> None:
    """The README's two set-up commands are exactly what CI runs, so they stay true."""
    readme = (ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:3]]
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme.index("```sh") < 200, "the README must start with the two commands"
    assert "klaviyo-connector demo" in blocks[0] and "pytest" in blocks[1]
    for command in blocks:
        assert command in ci.splitlines()


def test_deliver_subcommand_is_wired(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"type": "identify", "userId": "u1", "traits": {"email": "ada@example.com"}}) + "\nnot json\n"
    )
    monkeypatch.setenv("KLAVIYO_API_KEY", sandbox.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    report = tmp_path / "report.jsonl"
    assert main(["deliver", "--format", "segment", str(events), "--report", str(report)]) == 4
    summary = json.loads(capsys.readouterr().out)
    assert (summary["lines"], summary["delivered"], summary["rejected"]) == (2, 1, 1)
    assert [json.loads(line)["status"] for line in report.read_text().splitlines()] == ["delivered", "rejected"]
    assert [p["email"] for p in sandbox.state.profiles()] == ["ada@example.com"]


def test_sync_subcommand_is_wired(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "profiles.csv"
    rows.write_text("email,first_name\nada@example.com,Ada\ngrace@example.com,Grace\nnot-an-email,X\n")
    monkeypatch.setenv("KLAVIYO_API_KEY", sandbox.api_key)
    monkeypatch.setenv("KLAVIYO_BASE_URL", sandbox.url)
    code = main(["sync", "profiles", str(rows), "--no-progress", "--dead-letter", str(tmp_path / "dead.jsonl")])
    summary = json.loads(capsys.readouterr().out)
    assert code == 4
    assert (summary["delivered"], summary["rejected"]) == (2, 1)
    assert sorted(p["email"] for p in sandbox.state.profiles()) == ["ada@example.com", "grace@example.com"]
    (dead,) = [json.loads(line) for line in (tmp_path / "dead.jsonl").read_text().splitlines()]
    assert "email" in dead["reason"].lower()
