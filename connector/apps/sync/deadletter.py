"""The dead letter file: one JSON line per rejected record, with Klaviyo's reason (or ours).

Written from the checkpoints at the end of a run, so a run that was killed and resumed still lists
every rejected record exactly once. Each line: ``{"row", "line", "key", "change", "reason", "record"}``
where ``row`` is the row's number (from 1, header and blank lines not counted), ``line`` the line of the
file where it starts (a CSV header is line 1; a quoted cell may span lines) and ``record`` the input row,
headers as written (``row`` and ``line`` are None for a deletion that could not be undone).

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> letter = {"row": 2, "line": 3, "key": "email:x", "change": "added", "reason": "bad", "record": {}}
    >>> write_dead_letters(out, [letter])
    1
    >>> out.getvalue()
    '{"row": 2, "line": 3, "key": "email:x", "change": "added", "reason": "bad", "record": {}}\\n'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import IO, Any


def write_dead_letters(target: str | os.PathLike[str] | IO[str], rejected: Iterable[dict[str, Any]]) -> int:
    """Write ``rejected`` as JSON lines to a path (replaced atomically) or an open stream; return the count.

    Example:
        >>> import io; write_dead_letters(io.StringIO(), [])
        0
    """
    if not isinstance(target, (str, os.PathLike)):
        return _write(target, rejected)
    path = os.fspath(target)
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        count = _write(handle, rejected)
    # Replace in one step: a reader (or a killed run) never sees half a file.
    os.replace(partial, path)
    return count


def _write(handle: IO[str], rejected: Iterable[dict[str, Any]]) -> int:
    count = 0
    for item in rejected:
        handle.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count
