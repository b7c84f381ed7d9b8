"""Stream rows from CSV or JSONL files, one at a time, so memory stays flat however large the file.

Rows are numbered from 1 in file order (the number is the row's identity for checkpoints), and carry the
line of the file where they start (a CSV header is line 1; a quoted cell can span lines). A row that
cannot be read (invalid JSON, not an object) is yielded with the reason instead of a mapping, so it can
be dead-lettered and counted rather than stopping the run. ``position`` is the byte offset reached,
for progress and ETA; each row carries the byte offset where it starts, so :class:`SourceRows` can read
it again later (the sync keeps 8 bytes a row instead of the row while Klaviyo works on it).

Example:
    >>> import io
    >>> reader = RowReader(io.StringIO('{"email": "a@b.co"}\\nnot json\\n'), "jsonl")
    >>> [(row.number, row.line, row.values or row.error) for row in reader]
    [(1, 1, {'email': 'a@b.co'}), (2, 2, 'not valid JSON (Expecting value at column 1)')]
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

    ``offset`` is the byte offset in the file where the row starts (-1 when unknown), ``line`` the file's
    line where it starts (from 1; 0 when unknown).

    Example:
        >>> Row(3, {"email": "a@b.co"}).error is None
        True
    """

    number: int
    values: dict[str, Any] | None
    error: str | None = None
    offset: int = -1
    line: int = 0


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

    def __init__(
        self,
        stream: IO[str],
        fmt: str,
        *,
        header: list[str] | None = None,
        number: int = 0,
        position: int = 0,
        line: int = 0,
    ) -> None:
        if fmt not in ("csv", "jsonl"):
            raise ValueError(f"format must be csv or jsonl, not {fmt!r}")
        self.stream = stream
        self.format = fmt
        self.position = position
        #: Lines read so far (when reading on from the middle of a file: the lines before ``position``).
        self.lines = line
        #: The CSV header once read (given when reading on from the middle of a file).
        self.header = header
        self._number = number
        self._cells = csv.reader(self._lines()) if fmt == "csv" else None

    @property
    def rows(self) -> int:
        """Rows read so far (readable or not; blank lines are not rows)."""
        return self._number

    def read_header(self) -> list[str] | None:
        """The CSV header, read now if it was not yet (None for JSON lines and for an empty file).

        Example:
            >>> import io
            >>> RowReader(io.StringIO("E-mail, Plan \\nx@y.co,pro\\n"), "csv").read_header()
            ['E-mail', 'Plan']
        """
        if self._cells is not None and self.header is None:
            first = next(self._cells, None)
            if first is not None:
                self.header = [name.strip().lstrip("\ufeff") for name in first]
        return self.header

    def __iter__(self) -> Iterator[Row]:
        return self._csv() if self.format == "csv" else self._jsonl()

    def _lines(self) -> Iterator[str]:
        # readline (not iteration) keeps tell() usable on files; the byte position feeds the ETA.
        while True:
            line = self.stream.readline()
            if not line:
                return
            self.position += len(line) if line.isascii() else len(line.encode("utf-8", "replace"))
            self.lines += 1
            yield line

    def _jsonl(self) -> Iterator[Row]:
        start = self.position
        for line in self._lines():
            text = line.strip()
            if not text:
                start = self.position
                continue  # blank lines are not rows (a trailing newline must not count as a record)
            number = self._number = self._number + 1
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                yield Row(number, None, f"not valid JSON ({exc.msg} at column {exc.colno})", start, self.lines)
            else:
                if isinstance(parsed, dict):
                    yield Row(number, parsed, None, start, self.lines)
                else:
                    yield Row(number, None, "expected a JSON object", start, self.lines)
            start = self.position

    def _csv(self) -> Iterator[Row]:
        header = self.read_header()
        if header is None:
            return
        assert self._cells is not None
        cells_of, number = self._cells, self._number
        while True:
            # The csv reader takes a row's lines only when it reads that row: where it starts is known here.
            start, line = self.position, self.lines + 1
            cells = next(cells_of, None)
            if cells is None:
                return
            if not cells or all(not c.strip() for c in cells):
                continue
            number = self._number = number + 1
            if len(cells) > len(header):
                yield Row(number, None, f"{len(cells)} cells but the header has {len(header)} columns", start, line)
                continue
            # Empty cells mean "no value", not "set to empty string": Klaviyo would clear the field.
            yield Row(number, {k: v for k, v in zip(header, cells, strict=False) if v != ""}, None, start, line)


class SourceRows:
    """Read rows again, by the byte offset and number they had in the first read (random access to the input).

    Give it the reader of the first read once it has read the header (CSV). The file is opened again on
    first use; :meth:`close` closes it.

    Example:
        >>> import io, tempfile, os
        >>> with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        ...     _ = f.write("email,n\\na@b.co,1\\nb@b.co,2\\n")
        >>> handle, reader = open_rows(f.name)
        >>> rows = list(reader); handle.close()
        >>> again = SourceRows(f.name, reader)
        >>> again.row(rows[1].offset, 2, rows[1].line); again.close(); os.unlink(f.name)
        Row(number=2, values={'email': 'b@b.co', 'n': '2'}, error=None, offset=17, line=3)
    """

    def __init__(self, path: str | os.PathLike[str], first: RowReader, stat: os.stat_result | None = None) -> None:
        self.path = path
        self.first = first
        self.stat = stat
        self._handle: IO[str] | None = None
        self._reader: RowReader | None = None
        self._rows: Iterator[Row] | None = None
        self._expect = (-1, -1)

    def row(self, offset: int, number: int, line: int) -> Row | None:
        """The row at ``offset``, numbered ``number``, starting on ``line`` of the file.

        None when the file changed since ``stat`` (size or modification time) was taken: its rows may
        not be the ones read the first time. Rows asked for in file order are read on without seeking.
        """
        if self._rows is None or self._reader is None or (offset, number) != self._expect:
            if self.stat is not None:
                now = os.stat(self.path)
                if (now.st_size, now.st_mtime_ns) != (self.stat.st_size, self.stat.st_mtime_ns):
                    return None
            if self._handle is None:
                self._handle = open(self.path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
            # A text file's seek takes the byte offset as its cookie (UTF-8 keeps no decoder state at a row start).
            self._handle.seek(offset)
            self._reader = RowReader(
                self._handle,
                self.first.format,
                header=self.first.header,
                number=number - 1,
                position=offset,
                line=line - 1,
            )
            self._rows = iter(self._reader)
        found = next(self._rows, None)
        self._expect = (self._reader.position, number + 1)  # the next row, if it is asked for next
        return found

    def close(self) -> None:
        """Close the file (if it was opened).

        Example:
            >>> import io
            >>> SourceRows("x.csv", RowReader(io.StringIO(""), "csv")).close()
        """
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._rows = self._reader = None


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
