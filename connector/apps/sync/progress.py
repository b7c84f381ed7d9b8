"""Progress of a sync: a one-line bar redrawn with ``\\r`` on a terminal, plain periodic lines otherwise.

The bar is cut to the terminal's width (a wrapped line cannot be redrawn in place) and ends with a
newline when the run ends, however it ends.

Shows records done, the rate, the ETA (from the bytes of input read, since the row count of a
streamed file is unknown until its end) and the errors so far (rejected records, retried requests).

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(out, total_bytes=100, tty=False, every=0.0, now=lambda: 10.0)
    >>> p.update(done=50, rejected=1, retries=0, position=50)
    >>> out.getvalue().startswith("sync: 50 records")
    True
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
    """Draws progress on ``stream`` (stderr by default) at most every ``every`` seconds.

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

    def update(self, *, done: int, rejected: int, retries: int, position: int, force: bool = False) -> None:
        """Redraw if ``every`` seconds passed (or ``force``).

        Example:
            >>> import io
            >>> out = io.StringIO(); p = Progress(out, total_bytes=10, tty=True, now=lambda: 1.0)
            >>> p.update(done=5, rejected=0, retries=0, position=5, force=True); "\\r" in out.getvalue()
            True
        """
        now = self.now()
        if not force and now - self._last < self.every:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        fraction = min(1.0, position / self.total) if self.total else 0.0
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        text = f"{done:,} records {rate:,.0f}/s ETA {_clock(eta)} rejected {rejected:,} retries {retries:,}"
        if self.tty:
            self.stream.write("\r" + _fit(self.label, fraction, text, self.columns()) + "\x1b[K")
            self._drawn = True
        else:
            self.stream.write(f"{self.label}: {text} ({fraction:.0%} of input read)\n")
        self.stream.flush()

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
