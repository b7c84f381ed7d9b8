"""The CLI as a low-code platform uses it: JSON in, JSON out, distinct exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import responses
from conftest import API_KEY, BASE

from connector.shell.cli import build_parser, main

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


# -- the CLI keeps its word: one JSON error object on stderr for every failure --------------------------------


def _one_json_error(err: str) -> dict[str, Any]:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    error: dict[str, Any] = json.loads(lines[0])["error"]
    assert set(error) >= {"type", "message", "status", "errors"}
    return error


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "createList", "listName=x"], "inputs are given as --input KEY=VALUE: --input listName=x"),
        (["source", "selectList", "--bogus"], "unrecognized arguments: --bogus"),
        (["sync", "nope.csv"], "invalid choice: 'nope.csv'"),
        (["run"], "the following arguments are required: key"),
        (["nonsense"], "invalid choice: 'nonsense'"),
        (["run", "listLists", "--account"], "--account: expected one argument"),
        (["sandbox", "--port", "eighty"], "invalid int value: 'eighty'"),
    ],
)
def test_argument_errors_print_the_json_error_object(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    error = _one_json_error(err)
    assert error["type"] == "InputError" and expected in error["message"]
    assert error["usage"].startswith("usage: klaviyo-connector")


def test_argument_errors_from_a_real_process_are_json_too() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "connector", "run", "createList", "listName=x"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 2 and done.stdout == ""
    assert _one_json_error(done.stderr)["type"] == "InputError"


def test_sync_deliver_and_sandbox_failures_print_the_json_error_object(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KLAVIYO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    assert main(["sync", "profiles", str(tmp_path / "missing.csv"), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "missing.csv" in _one_json_error(err)["message"]
    assert main(["sync", "profiles", str(tmp_path / "x.csv"), "--concurrency", "0"]) == 2
    assert "--concurrency" in _one_json_error(capsys.readouterr().err)["message"]

    assert main(["deliver", "--format", "segment", str(tmp_path / "missing.jsonl")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"deliver: cannot use {tmp_path / 'missing.jsonl'}" in _one_json_error(err)["message"]

    assert main(["sandbox", "--rate-limits", "sometimes"]) == 2
    out, err = capsys.readouterr()
    error = _one_json_error(err)
    assert out == "" and error["type"] == "InputError" and error["message"].startswith("sandbox: rate_limits")
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"cannot listen on 127.0.0.1:{port}" in _one_json_error(err)["message"]


def test_oauth_status_without_a_token_is_a_json_error_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["oauth", "status"]) == 3
    out, err = capsys.readouterr()
    assert json.loads(out)["loggedIn"] is False
    assert _one_json_error(err)["type"] == "ConnectionConfigError"


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == "klaviyo-connector 0.1.0 (Klaviyo API revision 2026-07-15)\n"


def test_source_accepts_what_run_accepts_and_names_data_sources(
    capsys: pytest.CaptureFixture[str], api_env: None, mocked: responses.RequestsMock
) -> None:
    page = {"data": [{"id": "a", "attributes": {"name": "VIP"}}, {"id": "b", "attributes": {"name": "B"}}]}
    mocked.get(f"{BASE}/api/lists", json={**page, "links": {}})
    mocked.get(f"{BASE}/api/lists", json={**page, "links": {}})
    assert main(["source", "selectList", "--compact"]) == 0
    assert capsys.readouterr().out == ('{"result": [{"label": "VIP", "key": "a"}, {"label": "B", "key": "b"}]}\n')
    assert main(["source", "selectList", "--jsonl"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [
        {"label": "VIP", "key": "a"},
        {"label": "B", "key": "b"},
    ]
    code, _, err = run_cli(capsys, "source", "selectLists")
    assert code == 2 and err["error"]["message"].startswith(
        "unknown data source 'selectLists'; did you mean selectList"
    )
    code, _, err = run_cli(capsys, "source", "zzz")
    assert "`klaviyo-connector sources` lists them" in err["error"]["message"]
    code, out, _ = run_cli(capsys, "sources")
    assert code == 0 and "selectList\tSelect List" in out.splitlines()
    code, _, err = run_cli(capsys, "describe", "selectLst")
    assert code == 2 and "unknown action or data source 'selectLst'; did you mean selectList" in err["error"]["message"]
    help_text = build_parser("source")._subparsers._group_actions[0].choices["source"].format_help()  # type: ignore[union-attr]
    assert "data source key, e.g. selectList" in help_text and "action key" not in help_text


def test_the_readme_documents_the_contract_with_its_users() -> None:
    """The data sources' output shape as the code prints it, the step's connection value, accounts and their
    precedence, defaults and clearing."""
    readme = (ROOT / "README.md").read_text()
    assert '{"result": [{"label", "key"}, ...]}' in readme and '[{"label", "key"}] across' not in readme
    assert '{"connection": {"key": "apiKey", "fields": {"apiKey": "pk_..."}}' in readme
    assert '"token": {"access_token": "...", "refresh_token": "...", "expires_at": 1893456000}' in readme
    assert "the new token is written\nto the token file" in readme
    for command in ("auth login --account acme", "auth list", "auth switch acme", "auth logout", "auth status"):
        assert f"klaviyo-connector {command}" in readme
    assert "the step's `connection` input" in readme and "4. what is stored: the current account" in readme
    assert "never takes a\ndefault at run time" in readme and "JSON `null` clears it" in readme
    assert 'source selectList                # a data source (picklist): {"result": [{"label", "key"}]}' in readme


def test_jsonl_on_a_single_record_action_prints_one_line(
    capsys: pytest.CaptureFixture[str], api_env: None, mocked: responses.RequestsMock
) -> None:
    document = {"data": {"type": "list", "id": "L1", "attributes": {"name": "VIP"}}, "links": {"self": "x"}}
    mocked.get(f"{BASE}/api/lists/L1", json=document)
    assert main(["run", "getList", "-i", "listId=L1", "--jsonl"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and json.loads(out) == document


def test_a_connection_error_names_the_host_and_the_attempts(
    capsys: pytest.CaptureFixture[str], api_env: None, monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    import requests

    monkeypatch.setattr("connector.client.clock.SystemClock.sleep", lambda self, s: None)
    for _ in range(4):
        mocked.get(f"{BASE}/api/lists", body=requests.exceptions.ConnectionError("connection refused"))
    code, _, err = run_cli(capsys, "run", "listLists")
    assert code == 5 and err["error"]["type"] == "TransportError"
    assert err["error"]["message"].endswith(f"(host {BASE}; gave up after 4 attempts)")


def test_an_api_error_after_retries_says_how_many_attempts(
    capsys: pytest.CaptureFixture[str], api_env: None, monkeypatch: pytest.MonkeyPatch, mocked: responses.RequestsMock
) -> None:
    monkeypatch.setattr("connector.client.clock.SystemClock.sleep", lambda self, s: None)
    mocked.get(f"{BASE}/api/lists", json={"data": [{"id": "a"}], "links": {"next": f"{BASE}/api/lists?page=2"}})
    for _ in range(4):
        mocked.get(f"{BASE}/api/lists", status=503, json={"errors": [{"detail": "down"}]})
    code, _, err = run_cli(capsys, "run", "listLists")
    assert code == 5 and err["error"]["message"].endswith("(gave up after 4 attempts)")
    # One attempt, no retry: nothing added.
    mocked.get(f"{BASE}/api/lists/nope", status=404, json={"errors": [{"detail": "No list"}]})
    code, _, err = run_cli(capsys, "run", "getList", "-i", "listId=nope")
    assert code == 4 and "attempt" not in err["error"]["message"]


@pytest.mark.parametrize(("argv", "tuned"), [(["run", "noSuchAction"], True), (["actions"], False)])
def test_only_a_step_command_enlarges_the_young_generation(argv: list[str], tuned: bool) -> None:
    """A step process loads its modules without a cyclic collection; other commands keep CPython's setting."""
    code = (
        "import gc, io, contextlib\n"
        "from connector.shell.cli import STEP_GC_THRESHOLD, main\n"
        "before = gc.get_threshold()\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main({argv!r})\n"
        "after = gc.get_threshold()\n"
        "print(after[0] == STEP_GC_THRESHOLD, after[1:] == before[1:], before[0] != STEP_GC_THRESHOLD)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(tuned), "True", "True"]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return dict(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def test_a_known_command_builds_only_its_own_parser() -> None:
    """Fourteen subparsers were ~10 ms of a step's start: ``run`` builds one, ``--help`` all without options."""
    assert list(_subcommands(build_parser("run"))) == ["run"]
    run = _subcommands(build_parser("run"))["run"]
    assert {"--input", "--inputs", "--compact", "--jsonl", "--token-file"} <= set(run._option_string_actions)
    everything = _subcommands(build_parser(None))
    assert {"actions", "run", "source", "sync", "deliver", "sandbox", "version"} <= set(everything)
    assert "--input" not in everything["run"]._option_string_actions
    assert list(_subcommands(build_parser("no-such-command"))) == list(everything)


@pytest.mark.parametrize(
    ("argv", "command"),
    [(["run", "x"], "run"), (["--account", "shop", "sync", "f.csv"], "sync"), (["-h", "run"], None), ([], None)],
)
def test_the_command_word_decides_what_is_built(argv: list[str], command: str | None) -> None:
    from connector.shell.cli import _command_of

    assert _command_of(argv) == command
