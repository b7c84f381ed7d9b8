"""consented_at and historical imports; rows that become unreadable are rejected, never undone as deletions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector.apps.sync import SyncOptions, engine
from connector.apps.sync.records import RowRejected, to_record
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord


def test_consented_at_is_sent_only_in_a_historical_import() -> None:
    row = {"email": "a@b.co", "consented_at": "2024-01-02T03:04:05Z"}
    plain = to_record("subscriptions", row).resource["attributes"]["subscriptions"]
    assert plain["email"]["marketing"] == {"consent": "SUBSCRIBED"}  # Klaviyo refuses it here: left out
    past = to_record("subscriptions", row, historical_import=True).resource["attributes"]["subscriptions"]
    assert past["email"]["marketing"]["consented_at"] == "2024-01-02T03:04:05Z"
    with pytest.raises(RowRejected, match="consented_at") as caught:
        to_record("subscriptions", {"email": "A@b.co"}, historical_import=True)
    assert caught.value.key == "email:a@b.co"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Fake senders: rows and undos are delivered and recorded."""
    calls: dict[str, list[Any]] = {"rows": [], "undo": []}

    def deliver(name: str) -> engine.Sender:
        def send(records: list[BatchRecord]) -> list[RecordOutcome]:
            calls[name].extend(r.resource for r in records)
            return [RecordOutcome(r.key, Status.DELIVERED) for r in records]

        return send

    monkeypatch.setattr(engine, "_sender", lambda *args: deliver("rows"))
    monkeypatch.setattr(engine, "_undo_sender", lambda *args: deliver("undo"))
    return calls


def _sync(source: Path, state: Path) -> engine.SyncSummary:
    client = KlaviyoClient(None, base_url="http://127.0.0.1:9")
    return engine.sync(
        "profiles", source, client=client, options=SyncOptions(list_id="L1", state=state, progress=False)
    )


def _write(path: Path, rows: list[Any]) -> None:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))


def test_an_unreadable_row_is_rejected_and_nothing_is_undone(sent: dict[str, list[Any]], tmp_path: Path) -> None:
    source, state = tmp_path / "audience.jsonl", tmp_path / "state.sqlite"
    rows = [{"external_id": f"u{i}", "email": f"u{i}@example.com"} for i in range(4)]
    _write(source, rows)
    assert _sync(source, state).delivered == 4

    # u1 becomes unparsable (its key cannot be read) and u3 is really deleted.
    _write(source, [rows[0], '{"external_id": "u1", "email": ', rows[2]])
    second = _sync(source, state)
    assert (second.unchanged, second.invalid, second.rejected, second.deleted) == (2, 1, 1, 0)
    assert second.deletions_held == 2  # u1 (unknown) and u3: neither removed while a row is unreadable
    assert second.balanced and sent["undo"] == []
    letters = [json.loads(line) for line in Path(str(second.dead_letter)).read_text().splitlines()]
    assert [(d["row"], d["change"]) for d in letters] == [(2, "invalid")] and "JSON" in letters[0]["reason"]

    # Fixed: u1 is unchanged since its last sync (its baseline was kept); u3's deletion goes through.
    _write(source, rows[:3])
    third = _sync(source, state)
    assert (third.unchanged, third.deleted, third.delivered, third.deletions_held) == (3, 1, 1, 0)
    assert sent["undo"] == [{"external_id": "u3", "email": "u3@example.com"}]


def test_a_rejected_row_whose_key_is_readable_keeps_its_baseline(sent: dict[str, list[Any]], tmp_path: Path) -> None:
    source, state = tmp_path / "audience.jsonl", tmp_path / "state.sqlite"
    rows = [{"external_id": f"u{i}", "email": f"u{i}@example.com"} for i in range(3)]
    _write(source, rows)
    _sync(source, state)
    _write(source, [rows[0], {"external_id": "u1", "email": "not an email"}])  # u1 invalid, u2 deleted
    second = _sync(source, state)
    assert (second.invalid, second.rejected, second.deleted, second.delivered, second.deletions_held) == (1, 1, 1, 1, 0)
    assert sent["undo"] == [{"external_id": "u2", "email": "u2@example.com"}]  # u1 is not undone
    _write(source, rows[:2])
    third = _sync(source, state)
    assert (third.unchanged, third.to_send) == (2, 0)  # u1's baseline survived its bad run
