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
    # (rows read, bytes read, records done) each second: the file is read by the third, delivery ends on the fourth.
    for step, (read, position, done) in enumerate([(1000, 250, 500), (2000, 500, 1500), (4000, 1000, 2500)], 1):
        now[0] = float(step)
        progress.update(done=done, rejected=step, retries=0, read=read, position=position, read_all=position == 1000)
    now[0] = 4.0
    progress.update(done=4000, rejected=4, retries=0, read=4000, position=1000, read_all=True)
    progress.close()
    progress.close()  # twice: one newline
    text = _drawn(master)
    frames = text.split("\r")[1:]
    assert text.startswith("\r") and len(frames) == 4
    assert text.endswith("\n") and text.count("\n") == 1
    for frame in frames:
        line = frame.removesuffix("\n").removesuffix("\x1b[K")
        assert len(line) < 60, line  # a wrapped line could not be redrawn with \r
    assert "  12% 500 records 500/s ETA 0:07" in frames[0]  # 500 of ~4,000: scaled from bytes read
    # Every byte read, but a third of the records still with Klaviyo: not 100 %, and the ETA is not 0:00.
    assert "  62% 2,500 records 833/s ETA 0:01" in frames[2]
    assert " 100% 4,000 records 1,000/s ETA 0:00" in frames[3]


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
            progress.update(done=step * 10, rejected=0, retries=0, read=step * 30, position=step * 30)
        progress.update(done=30, rejected=0, retries=0, read=100, position=100, read_all=True, force=True)
        progress.close()
    lines = (tmp_path / "log.txt").read_text()
    assert "\r" not in lines and "\x1b" not in lines
    assert lines.splitlines() == [
        "sync: 10% 10 of ~100 records 1/s ETA 1:30 rejected 0 retries 0",
        "sync: 20% 20 of ~100 records 1/s ETA 1:20 rejected 0 retries 0",
        "sync: 30% 30 of ~100 records 1/s ETA 1:10 rejected 0 retries 0",
        "sync: 30% 30 of 100 records 1/s ETA 1:10 rejected 0 retries 0",  # forced: the total is exact now
    ]
    read, write = os.pipe()
    with os.fdopen(write, "w") as pipe, os.fdopen(read) as _:
        assert Progress(pipe, total_bytes=1).tty is False
