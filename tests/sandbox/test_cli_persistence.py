"""The CLI (URL first on stdout, clean exit on SIGTERM) and SQLite persistence across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from connector.sandbox import Sandbox

from .conftest import Api, make_list, make_profile
from .test_bulk import import_body

ROOT = Path(__file__).resolve().parents[2]


def test_cli_prints_url_first_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "connector.sandbox", "--port", "0", "--seed", "1",
                             "--rate-limits", "scale=10", "--data", str(tmp_path / "cli.sqlite")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        headers = {"Authorization": "Klaviyo-API-Key pk_" + "x" * 24, "revision": "2026-07-15"}
        assert requests.get(url + "/api/accounts", headers=headers, timeout=5).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_rejects_a_bad_rate_limit_mode() -> None:
    from connector.sandbox.__main__ import main

    assert main(["--rate-limits", "sometimes"]) == 2


def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite")
    with Sandbox(data=path) as sb:
        api = Api(sb)
        list_id = make_list(api, "Kept")
        pid = make_profile(api, email="kept@example.com")
        api.post(f"/api/lists/{list_id}/relationships/profiles", json={"data": [{"type": "profile", "id": pid}]})
        job = api.post("/api/profile-bulk-import-jobs", json=import_body([{"email": "i@example.com"}])).json()
        sb.wait_for_jobs()
    with Sandbox(data=path) as sb:
        api = Api(sb)
        assert [x["name"] for x in sb.state.lists()] == ["Kept"]
        assert [m["profile_id"] for m in sb.state.list_members(list_id)] == [pid]
        assert api.get(f"/api/profiles/{pid}").json()["data"]["attributes"]["email"] == "kept@example.com"
        dup = api.post("/api/profiles", json={"data": {"type": "profile", "attributes": {"email": "kept@example.com"}}})
        assert dup.status_code == 409  # the identifier index persisted too
        status = api.get(f"/api/profile-bulk-import-jobs/{job['data']['id']}").json()["data"]["attributes"]
        assert status["status"] == "complete"


def test_unfinished_import_resumes_after_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "resume.sqlite")
    sb = Sandbox(data=path)
    sb.app.jobs.processors = {}  # the first run never processes: as if it stopped mid-import
    sb.start()
    job = Api(sb).post("/api/profile-bulk-import-jobs", json=import_body([{"email": "r@example.com"}])).json()
    sb.stop()
    with Sandbox(data=path) as sb:
        deadline = time.monotonic() + 5
        while sb.state.jobs("profile-bulk-import-job")[0]["status"] != "complete":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert [p["email"] for p in sb.state.profiles()] == ["r@example.com"]
        assert sb.state.jobs("profile-bulk-import-job")[0]["id"] == job["data"]["id"]
