"""Stream rows from CSV or JSONL files, one at a time, so memory stays flat however large the file.

Rows are numbered from 1 in file order (the number is the row's identity for checkpoints). A row that
cannot be read (invalid JSON, not an object) is yielded with the reason instead of a mapping, so it can
be dead-lettered and counted rather than stopping the run. ``position`` is the byte offset reached,
for progress and ETA.

Example:
    >>> import io
    >>> reader = RowReader(io.StringIO('{"email": "a@b.co"}\\nnot json\\n'), "jsonl")
    >>> [(row.number, row.values or row.error) for row in reader]
    [(1, {'email': 'a@b.co'}), (2, 'not valid JSON (Expecting value at column 1)')]
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from typing import IO, Any

import attrs


@attrs.frozen
class Row:
    """One input row: its 1-based ``number`` and either ``values`` or the ``error`` that made it unreadable.

    Example:
        >>> Row(3, {"email": "a@b.co"}).error is None
        True
    """

    number: int
    values: dict[str, Any] | None
    error: str | None = None


def detect_format(path: str | os.PathLike[str]) -> str:
    """``csv`` or ``jsonl`` from the file name (``.csv``/``.tsv`` are CSV, anything else JSON lines).

    Example:
        >>> detect_format("export.csv"), detect_format("events.ndjson")
        ('csv', 'jsonl')
    """
    return "csv" if os.fspath(path).lower().endswith((".csv", ".tsv", ".csv.txt")) else "jsonl"


class RowReader:
    """Iterate the rows of an open text stream in ``csv`` (header line first) or ``jsonl`` format.

    Example:
        >>> import io
        >>> [r.values for r in RowReader(io.StringIO("email,first_name\\na@b.co,Ada\\n"), "csv")]
        [{'email': 'a@b.co', 'first_name': 'Ada'}]
    """

    def __init__(self, stream: IO[str], fmt: str) -> None:
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"format must be csv or jsonl, not {fmt!r}")
        self.stream = stream
        self.format = fmt
        self.position = 0

    def __iter__(self) -> Iterator[Row]:
        return self._csv() if self.format == "csv" else self._jsonl()

    def _lines(self) -> Iterator[str]:
        # readline (not iteration) keeps tell() usable on files; the byte position feeds the ETA.
        while True:
            line = self.stream.readline()
            if not line:
                return
            self.position += len(line) if line.isascii() else len(line.encode("utf-8", "replace"))
            yield line

    def _jsonl(self) -> Iterator[Row]:
        number = 0
        for line in self._lines():
            text = line.strip()
            if not text:
                continue  # blank lines are not rows (a trailing newline must not count as a record)
            number += 1
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Row(number, None, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(parsed, dict):
                yield Row(number, None, "expected a JSON object")
                continue
            yield Row(number, parsed)

    def _csv(self) -> Iterator[Row]:
        lines = self._lines()
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip().lstrip("\ufeff") for name in header]
        number = 0
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue
            number += 1
            if len(cells) > len(header):
                yield Row(number, None, f"{len(cells)} cells but the header has {len(header)} columns")
                continue
            # Empty cells mean "no value", not "set to empty string": Klaviyo would clear the field.
            yield Row(number, {k: v for k, v in zip(header, cells, strict=False) if v != ""})


def open_rows(path: str | os.PathLike[str], fmt: str | None = None) -> tuple[IO[str], RowReader]:
    """Open ``path`` and return (the file, a reader over it); the caller closes the file.

    Example:
        >>> import tempfile, os
        >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        ...     _ = f.write("email\\na@b.co\\n")
        >>> handle, reader = open_rows(f.name)
        >>> [r.values for r in reader]; handle.close(); os.unlink(f.name)
        [{'email': 'a@b.co'}]
    """
    handle = open(path, encoding="utf-8", newline="")  # noqa: SIM115 - the caller owns and closes it
    return handle, RowReader(handle, fmt or detect_format(path))
