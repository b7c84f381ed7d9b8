"""The progress bar on a pseudo-terminal (the terminal path) and plain lines everywhere else."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from connector.apps.sync import SyncOptions, engine
from connector.apps.sync.progress import Progress
from connector.client.pipeline import KlaviyoClient
from connector.klaviyo.bulk.outcomes import RecordOutcome, Status
from connector.klaviyo.bulk.senders import BatchRecord


@pytest.fixture
def terminal() -> Iterator[tuple[int, IO[str]]]:
    """A pseudo-terminal 60 columns wide: (the master's fd to read what was drawn, the slave as a text stream)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    stream = os.fdopen(slave, "w", encoding="utf-8")
    try:
        yield master, stream
    finally:
        stream.close()
        os.close(master)


def _drawn(master: int) -> str:
    chunks = []
    while select.select([master], [], [], 0)[0]:
        data = os.read(master, 65536)
        if not data:
            break
        chunks.append(data)
    # The terminal's line discipline turns "\n" into "\r\n"; undo it to see what the program wrote.
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_a_terminal_gets_a_bar_redrawn_in_place(terminal: tuple[int, IO[str]]) -> None:
    master, stream = terminal
    now = [0.0]
    progress = Progress(stream, total_bytes=1000, now=lambda: now[0])
    assert progress.tty and progress.columns() == 60
    for step in range(1, 5):
        now[0] = float(step)
        progress.update(done=step * 1000, rejected=step, retries=0, position=step * 250)
    progress.close()
    progress.close()  # twice: one newline
    text = _drawn(master)
    frames = text.split("\r")[1:]
    assert text.startswith("\r") and len(frames) == 4
    assert text.endswith("\n") and text.count("\n") == 1
    for frame in frames:
        line = frame.removesuffix("\n").removesuffix("\x1b[K")
        assert len(line) < 60, line  # a wrapped line could not be redrawn with \r
    last = frames[-1]
    assert "100%" in last and "4,000 records" in last and "1,000/s" in last and "ETA 0:00" in last
    assert "[" in frames[0] and "ETA 0:03" in frames[0] and "rejected 1" in frames[0]


def test_sync_on_a_terminal_draws_the_bar_and_ends_the_line(
    terminal: tuple[int, IO[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    master, stream = terminal

    def deliver(records: list[BatchRecord]) -> list[RecordOutcome]:
        return [RecordOutcome(r.key, Status.DELIVERED) for r in records]

    monkeypatch.setattr(engine, "_sender", lambda *args: deliver)
    source = tmp_path / "events.jsonl"
    source.write_text("".join(f'{{"metric": "Viewed", "email": "u{i}@example.com"}}\n' for i in range(300)))
    client = KlaviyoClient(None, base_url="http://127.0.0.1:9")
    summary = engine.sync("events", source, client=client, options=SyncOptions(batch_size=50, progress=stream))
    assert summary.delivered == 300
    text = _drawn(master)
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert "300 records" in text.split("\r")[-1] and "100%" in text.split("\r")[-1]


def test_a_file_or_pipe_gets_plain_lines(tmp_path: Path) -> None:
    now = [0.0]
    with (tmp_path / "log.txt").open("w") as log:
        progress = Progress(log, total_bytes=100, now=lambda: now[0])
        assert not progress.tty
        for step in range(1, 4):
            now[0] = step * 10.0
            progress.update(done=step, rejected=0, retries=0, position=step * 30)
        progress.close()
    lines = (tmp_path / "log.txt").read_text()
    assert "\r" not in lines and "\x1b" not in lines
    assert lines.splitlines() == [
        "sync: 1 records 0/s ETA 0:23 rejected 0 retries 0 (30% of input read)",
        "sync: 2 records 0/s ETA 0:13 rejected 0 retries 0 (60% of input read)",
        "sync: 3 records 0/s ETA 0:03 rejected 0 retries 0 (90% of input read)",
    ]
    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe, os.fdopen(read) as _:
        assert Progress(pipe, total_bytes=1).tty is False
