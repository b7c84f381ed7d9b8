"""Reverse-ETL diffing: what a row is compared with the last successful sync, and how a deletion is undone.

Following Segment's Reverse ETL table for Klaviyo: profiles are upserted when added or updated and,
when deleted, removed from the list (if the sync targets one); subscriptions are subscribed when added or
updated and unsubscribed (from the list, if any) when deleted; events are sent when added (an updated row
is a new event with a new content hash; a deleted one cannot be taken back and is ignored).

Example:
    >>> classify(None, "d1"), classify("d1", "d1"), classify("d0", "d1")
    (<Change.ADDED: 'added'>, <Change.UNCHANGED: 'unchanged'>, <Change.CHANGED: 'changed'>)
    >>> deletion_action("subscriptions", None)
    <Undo.UNSUBSCRIBE: 'unsubscribe'>
"""

from __future__ import annotations

import enum


class Change(str, enum.Enum):
    """How a key differs from the last successful sync."""

    ADDED = "added"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    DELETED = "deleted"


class Undo(str, enum.Enum):
    """What sync does for a key that disappeared from the source."""

    REMOVE_FROM_LIST = "remove_from_list"
    UNSUBSCRIBE = "unsubscribe"
    IGNORE = "ignore"


def classify(previous: str | None, current: str) -> Change:
    """Compare the digest stored at the last successful sync (None: never synced) with the row's digest.

    Example:
        >>> classify(None, "x").value
        'added'
    """
    if previous is None:
        return Change.ADDED
    return Change.UNCHANGED if previous == current else Change.CHANGED


def deletion_action(kind: str, list_id: str | None) -> Undo:
    """How to undo a deleted row of ``kind``.

    Example:
        >>> deletion_action("profiles", "Y6nRLr").value, deletion_action("profiles", None).value
        ('remove_from_list', 'ignore')
    """
    if kind == "profiles":
        return Undo.REMOVE_FROM_LIST if list_id else Undo.IGNORE
    if kind == "subscriptions":
        return Undo.UNSUBSCRIBE
    return Undo.IGNORE
