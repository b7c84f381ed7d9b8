"""Progress of a sync: a one-line bar redrawn with ``\\r`` on a terminal, plain periodic lines otherwise.

The bar is cut to the terminal's width (a wrapped line cannot be redrawn in place) and ends with a
newline when the run ends, however it ends.

Shows the records done (delivered, rejected or skipped) against the records to do, the rate, the ETA
and the errors so far (rejected records, retried requests). The records to do are estimated while the
file is read (the rows read so far, scaled by the bytes read against the file's size) and exact once
it was read to its end. The percentage and the ETA follow records *done*, not bytes read: the input is
read long before Klaviyo finished with the last records, and the ETA is the time that delivery needs.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> clock = [0.0]
    >>> p = Progress(out, total_bytes=100, tty=False, now=lambda: clock[0])
    >>> clock[0] = 10.0
    >>> p.update(done=50, rejected=1, retries=0, read=120, position=60)
    >>> out.getvalue()
    'sync: 25% 50 of ~200 records 5/s ETA 0:30 rejected 1 retries 0\\n'
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable
from typing import IO

BAR = 24


class Progress:
    """Draws progress on ``stream`` (stderr by default) at most every ``every`` seconds of ``now``.

    Example:
        >>> import io
        >>> Progress(io.StringIO(), total_bytes=0).tty
        False
    """

    def __init__(
        self,
        stream: IO[str],
        *,
        total_bytes: int,
        tty: bool | None = None,
        every: float | None = None,
        now: Callable[[], float] = time.monotonic,
        label: str = "sync",
        width: int | None = None,
    ) -> None:
        self.stream = stream
        self.total = total_bytes
        self.tty = bool(stream.isatty()) if tty is None else tty
        # A bar can redraw often; log lines every 10 s keep a CI log readable.
        self.every = every if every is not None else (0.2 if self.tty else 10.0)
        self.now = now
        self.label = label
        self.width = width
        self.started = now()
        self._last = float("-inf")
        self._drawn = False
        self._logged: tuple[int | bool, ...] | None = None

    def update(
        self,
        *,
        done: int,
        rejected: int,
        retries: int,
        read: int,
        position: int,
        read_all: bool = False,
        earlier: int = 0,
        force: bool = False,
    ) -> None:
        """Redraw if ``every`` seconds passed (or ``force``).

        ``done``: records finished by this process; ``earlier``: by the interrupted run it resumes;
        ``read``: records read so far (rows and deletions to undo), ``position`` bytes of input read,
        ``read_all`` whether the input was read to its end.

        Without a terminal, a forced line is left out when it would repeat the last line's figures.

        Example:
            >>> import io
            >>> out = io.StringIO(); p = Progress(out, total_bytes=10, tty=True, now=lambda: 1.0)
            >>> p.update(done=5, rejected=0, retries=0, read=5, position=5, force=True); "\\r" in out.getvalue()
            True
        """
        now = self.now()
        if not force and now - self._last < self.every:
            return
        total = self._total(read, position, read_all)
        finished = done + earlier
        figures = (finished, total or 0, read_all, rejected, retries)
        if not self.tty and force and figures == self._logged:
            return  # the run's last line was this one already
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        fraction = min(1.0, finished / total) if total else 0.0
        eta = (total - finished) / rate if total and rate > 0 else None
        text = f"records {rate:,.0f}/s ETA {_clock(eta)} rejected {rejected:,} retries {retries:,}"
        if self.tty:  # the bar shows the share of the total; the line must stay short enough to keep it
            self.stream.write("\r" + _fit(self.label, fraction, f"{finished:,} {text}", self.columns()) + "\x1b[K")
            self._drawn = True
        else:
            of = f" of {'' if read_all else '~'}{total:,}" if total else ""
            self.stream.write(f"{self.label}: {fraction:.0%} {finished:,}{of} {text}\n")
            self._logged = figures
        self.stream.flush()

    def _total(self, read: int, position: int, read_all: bool) -> int | None:
        """The records to do: exact once the input was read, else the rows so far scaled to the file's size."""
        if read_all:
            return read
        if position <= 0 or self.total <= 0:
            return None
        return max(read, round(read * self.total / position))

    def close(self) -> None:
        """End the bar's line (a terminal prompt must not overwrite it); safe to call twice.

        Example:
            >>> import io
            >>> Progress(io.StringIO(), total_bytes=0).close()
        """
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def columns(self) -> int:
        """The terminal's width now (it can be resized during a run), else ``COLUMNS`` or 80.

        Example:
            >>> import io
            >>> Progress(io.StringIO(), total_bytes=0, tty=True, width=60).columns()
            60
        """
        if self.width is not None:
            return self.width
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            return shutil.get_terminal_size().columns


def _fit(label: str, fraction: float, text: str, columns: int) -> str:
    """The bar's line in at most ``columns - 1`` characters: a line that wraps cannot be redrawn with ``\\r``.

    The bar shrinks first (to 8), then goes; then the text is cut.

    Example:
        >>> _fit("sync", 0.5, "10 records", 80)
        'sync [############------------]  50% 10 records'
        >>> _fit("sync", 0.5, "10 records", 34)
        'sync [#####-----]  50% 10 records'
        >>> _fit("sync", 0.5, "10 records", 28)
        'sync  50% 10 records'
        >>> _fit("sync", 0.5, "10 records 5/s", 23)
        'sync  50% 10 records 5'
    """
    room = max(1, columns - 1)
    tail = f" {fraction:4.0%} {text}"
    width = min(BAR, room - len(label) - len(tail) - 3)
    if width >= 8:
        filled = int(width * fraction)
        line = f"{label} [{'#' * filled}{'-' * (width - filled)}]{tail}"
    else:
        line = label + tail
    return line[:room]


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
