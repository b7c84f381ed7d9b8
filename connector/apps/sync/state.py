"""The sync's SQLite file: the baseline of the last successful sync and the checkpoints of the run in progress.

Tables (``scope`` is ``kind:list_id``, so one file can hold several syncs):

- ``synced(scope, key, digest, identity)``: what the last *successful* run left in Klaviyo, by key;
- ``runs(scope, fingerprint)``: the run in progress and the input it reads (path, size, mtime, options);
- ``done(scope, seq, key, ...)``: every row (``seq`` > 0, its row number) and deletion (``seq`` < 0) whose
  outcome is final in this run: delivered, rejected (with the reason, the record and the file's line where
  the row starts), or skipped.

A row is written to ``done`` only after Klaviyo confirmed it, so a run killed at any moment resumes by
skipping exactly the rows in ``done``; the baseline moves forward in one transaction when the run
completes, so an interrupted run never counts as "the last successful sync".

Example:
    >>> st = SyncState(":memory:")
    >>> st.begin("profiles:", "f1")
    False
    >>> st.mark("profiles:", [Done(1, "email:a@b.co", "d1", "added", "delivered")])
    >>> st.counts("profiles:")["delivered"], list(st.done_numbers("profiles:"))
    (1, [1])
    >>> st.finish("profiles:", keep_baseline=True); st.baseline("profiles:", "email:a@b.co")
    'd1'
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

_SCHEMA = """
CREATE TABLE IF NOT EXISTS synced (
    scope TEXT NOT NULL, key TEXT NOT NULL, digest TEXT NOT NULL, identity TEXT,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS done (
    scope TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT, digest TEXT, change TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT, record TEXT, identity TEXT, line INTEGER,
    PRIMARY KEY (scope, seq)
);
CREATE INDEX IF NOT EXISTS done_key ON done (scope, key);
"""
#: The columns of ``done`` a checkpoint writes, in this order (files written before ``line`` existed get it added).
_DONE = "scope, seq, key, digest, change, status, reason, record, identity, line"


@attrs.frozen
class Done:
    """A final outcome in this run: row ``seq`` (negative for deletions), ``change`` and ``status``.

    ``line``: the file's line where the row starts (kept for rejections, for the dead letter file).

    Example:
        >>> Done(-1, "email:a@b.co", None, "deleted", "delivered").seq
        -1
    """

    seq: int
    key: str | None
    digest: str | None
    change: str
    status: str
    reason: str | None = None
    record: dict[str, Any] | None = None
    identity: dict[str, str] | None = None
    line: int | None = None


def encode_identity(identity: dict[str, str]) -> str:
    """A record's identifiers as the state stores them (to undo the record once it leaves the source).

    Example:
        >>> encode_identity({"email": "a@b.co"})
        '{"email": "a@b.co"}'
    """
    return json.dumps(identity)


class SyncState:
    """The SQLite file of one sync (``:memory:`` for tests). Use from one thread.

    Example:
        >>> SyncState(":memory:").baseline("events:", "k") is None
        True
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        # WAL + NORMAL: a committed checkpoint survives the process being killed (not a power cut,
        # which only costs re-sending idempotent requests).
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        if "line" not in {column for _, column, *_ in self.db.execute("PRAGMA table_info(done)")}:
            self.db.execute("ALTER TABLE done ADD COLUMN line INTEGER")  # a file of an earlier version

    def close(self) -> None:
        """Close the file.

        Example:
            >>> SyncState(":memory:").close()
        """
        self.db.close()

    def begin(self, scope: str, fingerprint: str) -> bool:
        """Start or resume the run of ``scope``; True when resuming an interrupted run of the same input.

        A different fingerprint (the file or options changed since) discards the old checkpoints.

        Example:
            >>> st = SyncState(":memory:"); st.begin("s", "a"), st.begin("s", "a"), st.begin("s", "b")
            (False, True, False)
        """
        found = self.db.execute("SELECT fingerprint FROM runs WHERE scope = ?", (scope,)).fetchone()
        if found and found[0] == fingerprint:
            return True
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM done WHERE scope = ?", (scope,))
            self.db.execute("INSERT OR REPLACE INTO runs (scope, fingerprint) VALUES (?, ?)", (scope, fingerprint))
        return False

    def done_numbers(self, scope: str) -> Iterator[int]:
        """Row numbers already final in this run, ascending (merged with the input to skip them).

        Example:
            >>> list(SyncState(":memory:").done_numbers("s"))
            []
        """
        cursor = self.db.cursor()
        yield from (
            seq for (seq,) in cursor.execute("SELECT seq FROM done WHERE scope = ? AND seq > 0 ORDER BY seq", (scope,))
        )

    def next_deletion_seq(self, scope: str) -> int:
        """The next negative sequence number for a deletion.

        Example:
            >>> SyncState(":memory:").next_deletion_seq("s")
            -1
        """
        (low,) = self.db.execute("SELECT MIN(seq) FROM done WHERE scope = ? AND seq < 0", (scope,)).fetchone()
        return (low or 0) - 1

    def baseline(self, scope: str, key: str) -> str | None:
        """The digest of ``key`` at the last successful sync, or None.

        Example:
            >>> SyncState(":memory:").baseline("s", "k") is None
            True
        """
        found = self.db.execute("SELECT digest FROM synced WHERE scope = ? AND key = ?", (scope, key)).fetchone()
        return str(found[0]) if found else None

    def mark(self, scope: str, outcomes: Iterable[Done]) -> None:
        """Record final outcomes in one transaction (a checkpoint).

        Example:
            >>> SyncState(":memory:").mark("s", [])
        """
        self.mark_rows(
            (
                scope,
                o.seq,
                o.key,
                o.digest,
                o.change,
                o.status,
                o.reason,
                json.dumps(o.record, ensure_ascii=False) if o.record is not None else None,
                encode_identity(o.identity) if o.identity is not None else None,
                o.line,
            )
            for o in outcomes
        )

    def mark_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Record final outcomes given as ``done`` rows (scope, seq, key, digest, change, status, reason,
        record JSON, identity JSON, line) in one transaction.

        Example:
            >>> st = SyncState(":memory:")
            >>> st.mark_rows([("s", 1, "k", None, "added", "delivered", None, None, None, None)])
            >>> st.counts("s")["delivered"]
            1
        """
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(f"INSERT OR REPLACE INTO done ({_DONE}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def mark_delivered(
        self,
        scope: str,
        seqs: Sequence[int],
        keys: Sequence[str | None],
        changes: Sequence[str],
        digests: Sequence[str | None] | None = None,
        identities: Sequence[str | None] | None = None,
    ) -> None:
        """Record delivered rows (one import job) column by column, in one transaction: what :meth:`mark` writes
        for them, binding 3 values a row (5 with digests or identities) instead of 9 (a third of the cost).

        ``identities`` are already encoded (:func:`encode_identity`).

        Example:
            >>> st = SyncState(":memory:")
            >>> st.mark_delivered("s:'L", [1, 2], ["k1", "k2"], ["added", "changed"])
            >>> st.db.execute("SELECT * FROM done ORDER BY seq").fetchall()[1]
            ("s:'L", 2, 'k2', None, 'changed', 'delivered', None, None, None, None)
        """
        none: list[None] = [None] * len(seqs)
        if "\x00" in scope:  # cannot be written as an SQL literal: bind it on every row
            self.mark_rows(
                (scope, seq, key, digest, change, "delivered", None, None, identity, None)
                for seq, key, digest, change, identity in zip(
                    seqs, keys, digests or none, changes, identities or none, strict=True
                )
            )
            return
        literal = "'" + scope.replace("'", "''") + "'"
        if digests is None and identities is None:
            sql = (
                f"INSERT OR REPLACE INTO done ({_DONE}) "
                f"VALUES ({literal}, ?, ?, NULL, ?, 'delivered', NULL, NULL, NULL, NULL)"
            )
            rows: Iterable[tuple[Any, ...]] = zip(seqs, keys, changes, strict=True)
        else:
            sql = (
                f"INSERT OR REPLACE INTO done ({_DONE}) "
                f"VALUES ({literal}, ?, ?, ?, ?, 'delivered', NULL, NULL, ?, NULL)"
            )
            rows = zip(seqs, keys, digests or none, changes, identities or none, strict=True)
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(sql, rows)

    def deleted(self, scope: str, after: str = "", limit: int = 1000) -> list[tuple[str, dict[str, str]]]:
        """Keys of the baseline not seen in this run (deleted from the source), in key order after ``after``.

        Example:
            >>> SyncState(":memory:").deleted("s")
            []
        """
        rows = self.db.execute(
            "SELECT key, identity FROM synced s WHERE scope = ? AND key > ? AND NOT EXISTS "
            "(SELECT 1 FROM done d WHERE d.scope = s.scope AND d.key = s.key) ORDER BY key LIMIT ?",
            (scope, after, limit),
        ).fetchall()
        return [(str(key), json.loads(identity) if identity else {}) for key, identity in rows]

    def unkeyed_rejections(self, scope: str) -> int:
        """Rows of this run rejected without a readable key (unparsable lines, rows with no identifier).

        Example:
            >>> st = SyncState(":memory:")
            >>> st.mark("s", [Done(4, None, None, "invalid", "rejected", "not valid JSON")])
            >>> st.unkeyed_rejections("s")
            1
        """
        query = "SELECT COUNT(*) FROM done WHERE scope = ? AND seq > 0 AND key IS NULL AND status = 'rejected'"
        return int(self.db.execute(query, (scope,)).fetchone()[0])

    def count_deleted(self, scope: str) -> int:
        """How many keys of the baseline were not seen in this run (see :meth:`deleted`).

        Example:
            >>> SyncState(":memory:").count_deleted("s")
            0
        """
        query = (
            "SELECT COUNT(*) FROM synced s WHERE scope = ? AND NOT EXISTS "
            "(SELECT 1 FROM done d WHERE d.scope = s.scope AND d.key = s.key)"
        )
        return int(self.db.execute(query, (scope,)).fetchone()[0])

    def counts(self, scope: str) -> Counter[str]:
        """Counts of this run by status and by change (``delivered``, ``rejected``, ``added``, ...).

        Example:
            >>> SyncState(":memory:").counts("s")["rejected"]
            0
        """
        out: Counter[str] = Counter()
        for change, status, count in self.db.execute(
            "SELECT change, status, COUNT(*) FROM done WHERE scope = ? GROUP BY change, status", (scope,)
        ):
            out[status] += count
            out[change] += count
            out[f"{change}:{status}"] += count
        return out

    def rejected(self, scope: str) -> Iterator[dict[str, Any]]:
        """The rejected rows and deletions of this run, in input order, for the dead letter file.

        Example:
            >>> list(SyncState(":memory:").rejected("s"))
            []
        """
        cursor = self.db.cursor()
        query = (
            "SELECT seq, line, key, change, reason, record FROM done "
            "WHERE scope = ? AND status = 'rejected' ORDER BY seq"
        )
        for seq, line, key, change, reason, record in cursor.execute(query, (scope,)):
            yield {
                "row": seq if seq > 0 else None,
                "line": line,
                "key": key,
                "change": change,
                "reason": reason,
                "record": json.loads(record) if record else None,
            }

    def finish(self, scope: str, *, keep_baseline: bool) -> None:
        """Close the run: with ``keep_baseline`` move the baseline to this run's result, then drop the checkpoints.

        Delivered rows become the baseline; undone or ignored deletions leave it; rejected rows keep their
        previous baseline, so they are tried again next run (once fixed, or Klaviyo takes them).

        Example:
            >>> SyncState(":memory:").finish("s", keep_baseline=False)
        """
        with self.db:
            self.db.execute("BEGIN")
            if keep_baseline:
                self.db.execute(
                    "INSERT OR REPLACE INTO synced (scope, key, digest, identity) SELECT scope, key, digest, identity "
                    "FROM done WHERE scope = ? AND seq > 0 AND status = 'delivered' AND key IS NOT NULL",
                    (scope,),
                )
                self.db.execute(
                    "DELETE FROM synced WHERE scope = ? AND key IN (SELECT key FROM done WHERE scope = ? AND seq < 0 "
                    "AND status IN ('delivered', 'skipped'))",
                    (scope, scope),
                )
            self.db.execute("DELETE FROM done WHERE scope = ?", (scope,))
            self.db.execute("DELETE FROM runs WHERE scope = ?", (scope,))
