"""SQLite-backed storage for every sandbox resource.

Resources are JSON documents in one ``docs`` table keyed by (kind, id) with an insertion sequence that gives
a stable default order. Four small side tables hold what needs an index: list membership, profile identifiers
(for 409 ``duplicate_profile`` checks), event unique ids (for dedupe) and relationship links between resources
of the spec-driven store (``tag`` -> ``campaigns``, ``catalog-item`` -> ``categories`` ...).

One connection is shared by all server threads behind a re-entrant lock; :meth:`Store.transaction` groups
writes so a request is applied completely or not at all.

Example:
    >>> s = Store()
    >>> s.put("list", "abc", {"name": "News"})
    >>> s.get("list", "abc")
    {'name': 'News'}
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE TABLE IF NOT EXISTS members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id TEXT NOT NULL, profile_id TEXT NOT NULL, joined_at TEXT NOT NULL,
    UNIQUE (list_id, profile_id)
);
CREATE INDEX IF NOT EXISTS members_profile ON members (profile_id);
CREATE TABLE IF NOT EXISTS idents (
    kind TEXT NOT NULL, value TEXT NOT NULL, profile_id TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX IF NOT EXISTS idents_profile ON idents (profile_id);
CREATE TABLE IF NOT EXISTS links (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, id TEXT NOT NULL, rel TEXT NOT NULL, target_kind TEXT NOT NULL, target_id TEXT NOT NULL,
    UNIQUE (kind, id, rel, target_kind, target_id)
);
CREATE INDEX IF NOT EXISTS links_target ON links (target_kind, target_id);
CREATE TABLE IF NOT EXISTS uniques (
    profile_id TEXT NOT NULL, metric_id TEXT NOT NULL, unique_id TEXT NOT NULL,
    PRIMARY KEY (profile_id, metric_id, unique_id)
);
"""


class Store:
    """Thread-safe document store on SQLite (in memory unless ``path`` is given).

    Example:
        >>> s = Store()
        >>> with s.transaction():
        ...     s.put("metric", "m1", {"name": "Placed Order"})
        >>> [d["name"] for d in s.all("metric")]
        ['Placed Order']
    """

    def __init__(self, path: str | None = None) -> None:
        self.lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            # WAL + NORMAL keeps a commit per request cheap while surviving process restarts.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and group writes; nested use joins the outer transaction.

        Example:
            >>> s = Store()
            >>> with s.transaction(), s.transaction():
            ...     s.put("x", "1", {})
        """
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database.

        Example:
            >>> Store().close()
        """
        with self.lock:
            self._db.close()

    # documents -----------------------------------------------------------------------------------------

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        """Return one document or None.

        Example:
            >>> Store().get("list", "nope") is None
            True
        """
        with self.lock:
            row = self._db.execute("SELECT body FROM docs WHERE kind=? AND id=?", (kind, ident)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def exists(self, kind: str, ident: str) -> bool:
        """True if the document exists.

        Example:
            >>> Store().exists("list", "x")
            False
        """
        with self.lock:
            row = self._db.execute("SELECT 1 FROM docs WHERE kind=? AND id=?", (kind, ident)).fetchone()
        return row is not None

    def put(self, kind: str, ident: str, doc: dict[str, Any]) -> None:
        """Insert or replace a document, keeping its original position in the default order.

        Example:
            >>> s = Store(); s.put("list", "a", {"n": 1}); s.put("list", "a", {"n": 2}); s.get("list", "a")
            {'n': 2}
        """
        body = json.dumps(doc, separators=(",", ":"))
        with self.lock:
            cur = self._db.execute("UPDATE docs SET body=? WHERE kind=? AND id=?", (body, kind, ident))
            if cur.rowcount == 0:
                self._db.execute("INSERT INTO docs (kind, id, body) VALUES (?, ?, ?)", (kind, ident, body))

    def delete(self, kind: str, ident: str) -> bool:
        """Delete a document; True if it existed.

        Example:
            >>> Store().delete("list", "x")
            False
        """
        with self.lock:
            cur = self._db.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, ident))
        return cur.rowcount > 0

    def all(self, kind: str) -> list[dict[str, Any]]:
        """All documents of a kind in insertion order.

        Example:
            >>> Store().all("profile")
            []
        """
        with self.lock:
            rows = self._db.execute("SELECT body FROM docs WHERE kind=? ORDER BY seq", (kind,)).fetchall()
        return [dict(json.loads(r[0])) for r in rows]

    def kinds(self) -> list[str]:
        """Every kind that has at least one document.

        Example:
            >>> s = Store(); s.put("tag", "t", {}); s.kinds()
            ['tag']
        """
        with self.lock:
            rows = self._db.execute("SELECT DISTINCT kind FROM docs ORDER BY kind").fetchall()
        return [str(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        """Number of documents of a kind.

        Example:
            >>> Store().count("template")
            0
        """
        with self.lock:
            row = self._db.execute("SELECT COUNT(*) FROM docs WHERE kind=?", (kind,)).fetchone()
        return int(row[0])

    # list membership -----------------------------------------------------------------------------------

    def add_member(self, list_id: str, profile_id: str, joined_at: str) -> None:
        """Add a profile to a list; adding twice keeps the first join time.

        Example:
            >>> s = Store(); s.add_member("L", "P", "2024-01-01T00:00:00+00:00"); s.members("L")[0][0]
            'P'
        """
        with self.lock:
            self._db.execute(
                "INSERT OR IGNORE INTO members (list_id, profile_id, joined_at) VALUES (?, ?, ?)",
                (list_id, profile_id, joined_at),
            )

    def remove_member(self, list_id: str, profile_id: str) -> bool:
        """Remove a profile from a list; True if it was a member.

        Example:
            >>> Store().remove_member("L", "P")
            False
        """
        with self.lock:
            cur = self._db.execute("DELETE FROM members WHERE list_id=? AND profile_id=?", (list_id, profile_id))
        return cur.rowcount > 0

    def members(self, list_id: str) -> list[tuple[str, str]]:
        """(profile_id, joined_at) pairs of a list in join order.

        Example:
            >>> Store().members("L")
            []
        """
        with self.lock:
            rows = self._db.execute(
                "SELECT profile_id, joined_at FROM members WHERE list_id=? ORDER BY seq", (list_id,)
            ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def lists_of(self, profile_id: str) -> list[str]:
        """Ids of the lists a profile belongs to.

        Example:
            >>> Store().lists_of("P")
            []
        """
        with self.lock:
            rows = self._db.execute(
                "SELECT list_id FROM members WHERE profile_id=? ORDER BY seq", (profile_id,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    def drop_list(self, list_id: str) -> None:
        """Forget all members of a deleted list.

        Example:
            >>> Store().drop_list("L")
        """
        with self.lock:
            self._db.execute("DELETE FROM members WHERE list_id=?", (list_id,))

    # profile identifiers -------------------------------------------------------------------------------

    def owner(self, kind: str, value: str) -> str | None:
        """The profile id owning an identifier (``email``, ``phone_number``, ``external_id``, ...).

        Example:
            >>> Store().owner("email", "a@b.com") is None
            True
        """
        with self.lock:
            row = self._db.execute("SELECT profile_id FROM idents WHERE kind=? AND value=?", (kind, value)).fetchone()
        return None if row is None else str(row[0])

    def set_idents(self, profile_id: str, idents: dict[str, str]) -> None:
        """Replace the identifiers a profile owns.

        Example:
            >>> s = Store(); s.set_idents("P", {"email": "a@b.com"}); s.owner("email", "a@b.com")
            'P'
        """
        with self.lock:
            self._db.execute("DELETE FROM idents WHERE profile_id=?", (profile_id,))
            self._db.executemany(
                "INSERT OR REPLACE INTO idents (kind, value, profile_id) VALUES (?, ?, ?)",
                [(k, v, profile_id) for k, v in idents.items()],
            )

    # relationship links ------------------------------------------------------------------------------

    def link(self, kind: str, ident: str, rel: str, target_kind: str, target_id: str) -> None:
        """Record that resource (kind, ident) relates to (target_kind, target_id) through ``rel``.

        Example:
            >>> s = Store(); s.link("tag", "T", "lists", "list", "L"); s.links("tag", "T", "lists")
            [('list', 'L')]
        """
        with self.lock:
            self._db.execute(
                "INSERT OR IGNORE INTO links (kind, id, rel, target_kind, target_id) VALUES (?, ?, ?, ?, ?)",
                (kind, ident, rel, target_kind, target_id),
            )

    def unlink(self, kind: str, ident: str, rel: str, target_kind: str, target_id: str) -> bool:
        """Remove one link (in either direction it was recorded); True if there was one.

        Example:
            >>> Store().unlink("tag", "T", "lists", "list", "L")
            False
        """
        with self.lock:
            cur = self._db.execute(
                "DELETE FROM links WHERE kind=? AND id=? AND rel=? AND target_kind=? AND target_id=?",
                (kind, ident, rel, target_kind, target_id),
            )
            back = self._db.execute(
                "DELETE FROM links WHERE kind=? AND id=? AND target_kind=? AND target_id=?",
                (target_kind, target_id, kind, ident),
            )
        return cur.rowcount + back.rowcount > 0

    def links(self, kind: str, ident: str, rel: str) -> list[tuple[str, str]]:
        """(target_kind, target_id) pairs linked from a resource through ``rel``, in link order.

        Example:
            >>> Store().links("tag", "T", "lists")
            []
        """
        with self.lock:
            rows = self._db.execute(
                "SELECT target_kind, target_id FROM links WHERE kind=? AND id=? AND rel=? ORDER BY seq",
                (kind, ident, rel),
            ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def linked_from(self, source_kind: str, target_kind: str, target_id: str) -> list[str]:
        """Ids of ``source_kind`` resources that link to (target_kind, target_id) through any relationship.

        This is how a relationship is read from its other end (a category's ``items`` from the items'
        ``categories``).

        Example:
            >>> s = Store(); s.link("catalog-item", "I", "categories", "catalog-category", "C")
            >>> s.linked_from("catalog-item", "catalog-category", "C")
            ['I']
        """
        with self.lock:
            rows = self._db.execute(
                "SELECT id FROM links WHERE kind=? AND target_kind=? AND target_id=? ORDER BY seq",
                (source_kind, target_kind, target_id),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def drop_links(self, kind: str, ident: str) -> None:
        """Forget every link from or to a deleted resource.

        Example:
            >>> Store().drop_links("tag", "T")
        """
        with self.lock:
            self._db.execute("DELETE FROM links WHERE kind=? AND id=?", (kind, ident))
            self._db.execute("DELETE FROM links WHERE target_kind=? AND target_id=?", (kind, ident))

    # event dedupe --------------------------------------------------------------------------------------

    def claim_unique(self, profile_id: str, metric_id: str, unique_id: str) -> bool:
        """Record an event's unique id; False if the profile+metric already had it.

        Example:
            >>> s = Store(); s.claim_unique("P", "M", "u"), s.claim_unique("P", "M", "u")
            (True, False)
        """
        with self.lock:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO uniques (profile_id, metric_id, unique_id) VALUES (?, ?, ?)",
                (profile_id, metric_id, unique_id),
            )
        return cur.rowcount > 0

    def has_unique(self, profile_id: str, metric_id: str, unique_id: str) -> bool:
        """True if the unique id was already recorded for the profile+metric.

        Example:
            >>> Store().has_unique("P", "M", "u")
            False
        """
        with self.lock:
            row = self._db.execute(
                "SELECT 1 FROM uniques WHERE profile_id=? AND metric_id=? AND unique_id=?",
                (profile_id, metric_id, unique_id),
            ).fetchone()
        return row is not None
