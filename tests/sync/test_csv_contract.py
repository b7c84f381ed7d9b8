"""The ``sync`` command's CSV contract end to end: headers, ``--map``/``--types``, help, dead letters, progress.

Senders are fakes that record what they were given (no network); clocks are fake where time matters.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from connector.apps.sync import SyncOptions, engine
from connector.apps.sync.progress import Progress
from connector.apps.sync.state import Done, SyncState
from connector.client.clock import FakeClock
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord
from connector.shell.cli import main


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every resource sent; each is delivered unless its email says ``+reject``."""
    resources: list[dict[str, Any]] = []

    def send(records: list[BatchRecord]) -> list[RecordOutcome]:
        resources.extend(r.resource for r in records)
        return [
            RecordOutcome(r.key, Status.REJECTED, "Klaviyo says no")
            if "+reject" in json.dumps(r.resource)
            else RecordOutcome(r.key, Status.DELIVERED)
            for r in records
        ]

    monkeypatch.setattr(engine, "_sender", lambda *args: send)
    return resources


def _sync(kind: str, source: Path, clock: FakeClock | None = None, **settings: Any) -> engine.SyncSummary:
    client = KlaviyoClient(None, base_url="http://127.0.0.1:9", clock=clock or FakeClock())
    settings.setdefault("progress", False)
    return engine.sync(kind, source, client=client, options=SyncOptions(**settings))


def _letters(summary: engine.SyncSummary) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(str(summary.dead_letter)).read_text().splitlines()]


def test_a_warehouse_export_is_read_by_its_own_headers(sent: list[dict[str, Any]], tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "Email Address,First Name,Surname,Postal Code,Lifetime Value,VIP,Plan\n"
        "ada@example.com,Ada,Lovelace,02134,271.59,true,pro\n"
    )
    summary = _sync("profiles", source)
    assert (summary.delivered, summary.rejected) == (1, 0)
    assert sent == [
        {
            "type": "profile",
            "attributes": {
                "email": "ada@example.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "location": {"zip": "02134"},
                "properties": {"Lifetime Value": 271.59, "VIP": True, "Plan": "pro"},
            },
        }
    ]


@pytest.mark.parametrize(
    ("header", "settings", "message"),
    [
        ("Email,E-mail", {}, "'Email' and 'E-mail' are both read as email"),
        ("email,plan", {"column_map": {"Plan Name": "properties.plan"}}, "no column 'Plan Name'"),
        ("email,plan", {"column_map": {"plan": "plan"}}, "unknown field 'plan'"),
        ("email,plan", {"column_types": {"email": "number"}}, "standard field 'email'"),
        ("email,plan", {"key": "crm_id"}, "--key: no column 'crm_id'"),
    ],
)
def test_column_mistakes_are_refused_before_any_request_or_file(
    sent: list[dict[str, Any]], tmp_path: Path, header: str, settings: dict[str, Any], message: str
) -> None:
    source = tmp_path / "export.csv"
    source.write_text(f"{header}\na@b.co,pro\n")
    with pytest.raises(InputError, match=message):
        _sync("profiles", source, **settings)
    assert sent == [] and sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]  # no checkpoint either


def test_map_and_types_name_csv_columns_not_json_keys(sent: list[dict[str, Any]], tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text('{"metric": "Viewed", "email": "a@b.co"}\n')
    with pytest.raises(InputError, match="--map and --types name CSV columns"):
        _sync("events", source, column_types={"score": "number"})
    assert sent == []


def test_the_command_line_takes_map_and_types(
    sent: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_API_KEY", "pk_" + "a" * 34)
    monkeypatch.setenv("KLAVIYO_BASE_URL", "http://127.0.0.1:9")
    source = tmp_path / "export.csv"
    source.write_text("Mail,Tier,Score,Joined\na@b.co,gold,0042,2024-01-02\n")
    flags = ["--map", "Mail=email", "--map", "Tier=properties.plan", "--types", "score=number,Joined=date"]
    assert main(["sync", "profiles", str(source), "--no-progress", *flags]) == 0
    assert sent[0]["attributes"] == {
        "email": "a@b.co",
        "properties": {"plan": "gold", "Score": 42, "Joined": "2024-01-02T00:00:00+00:00"},
    }
    capsys.readouterr()
    assert main(["sync", "profiles", str(source), "--no-progress", "--map", "Mail=mail"]) == 2
    error = json.loads(capsys.readouterr().err)["error"]
    assert error["type"] == "InputError" and "--map: unknown field 'mail' for profiles" in error["message"]
    assert main(["sync", "profiles", str(source), "--no-progress", "--types", "Score"]) == 2
    assert "--types: expected COLUMN=VALUE, not 'Score'" in json.loads(capsys.readouterr().err)["error"]["message"]
    assert len(sent) == 1


def test_sync_help_lists_the_columns_of_each_kind_and_the_typing_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sync", "--help"])
    text = capsys.readouterr().out
    sections = {kind: text.index(f"  {kind}:\n") for kind in ("profiles", "events", "subscriptions")}
    assert sections["profiles"] < sections["events"] < sections["subscriptions"]
    lines = text.splitlines()
    assert any(line.split() == ["zip", "Zip", "Code,", "Postal", "Code,", "Postcode"] for line in lines)
    events = text[sections["events"] : sections["subscriptions"]]
    assert "metric           Event, Metric Name" in events and "Zip Code" not in events
    assert "02134" in text and "--types COLUMN=TYPE" in text and "--map COLUMN=FIELD" in text


def test_reverse_etl_sends_again_only_the_rows_now_sent_differently(sent: list[dict[str, Any]], tmp_path: Path) -> None:
    source, state = tmp_path / "audience.csv", tmp_path / "state.sqlite"
    source.write_text("email,plan,lifetime_value\na@b.co,pro,\nb@b.co,pro,271.59\nc@b.co,pro,12\n")
    # Synced as versions before the typing of cells did (every cell text): their baseline is the row as read.
    assert _sync("profiles", source, state=state, column_types={"lifetime_value": "string"}).delivered == 3
    sent.clear()
    upgraded = _sync("profiles", source, state=state)
    assert (upgraded.unchanged, upgraded.changed, upgraded.delivered) == (1, 2, 2)
    assert [r["attributes"]["properties"] for r in sent] == [
        {"plan": "pro", "lifetime_value": 271.59},
        {"plan": "pro", "lifetime_value": 12},
    ]
    assert _sync("profiles", source, state=state).unchanged == 3  # once
    # A header the table now reads as a field (a property before) sends its rows again, once.
    source.write_text("email,plan,lifetime_value,Phone\na@b.co,pro,,+15005550006\n")
    assert _sync("profiles", source, state=state, column_map={"Phone": "properties.Phone"}).changed == 1
    sent.clear()
    assert _sync("profiles", source, state=state).changed == 1
    assert sent[0]["attributes"]["phone_number"] == "+15005550006" and "properties" in sent[0]["attributes"]
    assert _sync("profiles", source, state=state).unchanged == 1


# -- dead letters ----------------------------------------------------------------------------------


def test_dead_letters_give_the_line_and_the_columns_read(sent: list[dict[str, Any]], tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "Name,Mail,Plan,email\n"  # line 1
        "Ada,ada@example.com,pro,ada@example.com\n"  # line 2: delivered
        '"Grace\nHopper",grace@example.com,"multi\n\nline",\n'  # lines 3-6: no identifier
        "\n"  # line 7: blank
        "Bob,,x,bob+reject@example.com\n"  # line 8: refused by Klaviyo
        "Eve,,x,not-an-email\n",  # line 9: invalid email
        encoding="utf-8",
    )
    summary = _sync("profiles", source)
    assert (summary.rows, summary.delivered, summary.rejected) == (4, 1, 3)
    letters = _letters(summary)
    assert [(d["row"], d["line"]) for d in letters] == [(2, 3), (3, 8), (4, 9)]
    assert letters[0]["reason"] == (
        "no identifier: expected email, phone_number or external_id; columns read: Name, Mail, Plan"
    )
    assert letters[0]["record"] == {"Name": "Grace\nHopper", "Mail": "grace@example.com", "Plan": "multi\n\nline"}
    assert letters[1]["reason"] == "Klaviyo says no" and letters[2]["reason"].startswith("Email:")


def test_json_dead_letters_give_the_line_too(sent: list[dict[str, Any]], tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text('\n{"metric": "Viewed", "email": "a@b.co"}\n\nnot json\n{"metric": "Viewed", "Mail": "x"}\n')
    letters = _letters(_sync("events", source))
    assert [(d["row"], d["line"]) for d in letters] == [(2, 4), (3, 5)]
    assert letters[1]["reason"].endswith("; columns read: metric, Mail")


def test_a_state_file_of_an_earlier_version_gets_the_line_column(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite")
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE done (scope TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT, digest TEXT, change TEXT NOT NULL,"
        " status TEXT NOT NULL, reason TEXT, record TEXT, identity TEXT, PRIMARY KEY (scope, seq));"
        "INSERT INTO done VALUES ('s', 1, 'k', NULL, 'added', 'rejected', 'old', NULL, NULL);"
    )
    old.commit()
    old.close()
    st = SyncState(path)
    st.mark("s", [Done(2, "k2", None, "added", "rejected", "new", {"a": "b"}, line=9)])
    assert [(d["row"], d["line"], d["reason"]) for d in st.rejected("s")] == [(1, None, "old"), (2, 9, "new")]
    st.close()


# -- progress --------------------------------------------------------------------------------------


class _TickingClock(FakeClock):
    """A fake clock on which every reading is 3 s after the last: a long run, compressed."""

    def monotonic(self) -> float:
        self.now += 3.0
        return self.now


def test_progress_without_a_terminal_ends_on_one_final_line(sent: list[dict[str, Any]], tmp_path: Path) -> None:
    for count in (60, 600):  # a run shorter than one log interval, and one of many
        source = tmp_path / f"events{count}.jsonl"
        source.write_text("".join(f'{{"metric": "Viewed", "email": "u{i}@example.com"}}\n' for i in range(count)))
        out = io.StringIO()
        summary = _sync("events", source, _TickingClock(), batch_size=50, progress=out)
        lines = out.getvalue().splitlines()
        # What a line says besides the rate and the ETA (which move with the clock).
        figures = [re.sub(r" [\d,]+/s ETA [\d:-]+", "", line) for line in lines]
        assert summary.delivered == count and len(figures) == len(set(figures)), lines
        assert figures[-1] == f"sync events: 100% {count} of {count} records rejected 0 retries 0"


def test_progress_of_a_resumed_run_counts_what_was_done_before_but_not_in_its_rate() -> None:
    out, clock = io.StringIO(), [0.0]
    progress = Progress(out, total_bytes=1000, tty=False, now=lambda: clock[0])
    clock[0] = 10.0
    progress.update(done=100, earlier=700, read=1000, position=1000, read_all=True, rejected=0, retries=0)
    assert out.getvalue() == "sync: 80% 800 of 1,000 records 10/s ETA 0:20 rejected 0 retries 0\n"


def test_progress_has_no_eta_before_a_record_is_done_nor_a_total_before_a_byte_is_read() -> None:
    out = io.StringIO()
    progress = Progress(out, total_bytes=1000, tty=False, every=0.0, now=lambda: 5.0)
    progress.update(done=0, read=0, position=0, rejected=0, retries=0)
    progress.update(done=0, read=3000, position=500, rejected=0, retries=0)
    assert out.getvalue().splitlines() == [
        "sync: 0% 0 records 0/s ETA --:-- rejected 0 retries 0",
        "sync: 0% 0 of ~6,000 records 0/s ETA --:-- rejected 0 retries 0",
    ]
