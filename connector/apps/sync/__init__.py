"""Bulk sync of CSV/JSONL exports (profiles, events, subscriptions) into Klaviyo at its rate-limit bound.

Resumable (checkpoints in SQLite), observable (progress bar or log lines, a dead letter file of rejected
records with Klaviyo's reasons) and, with a state file, a reverse ETL: only rows added or changed since
the last successful sync are sent, and deleted ones are undone.

Example:
    >>> from connector.apps.sync import sync, SyncOptions, SyncSummary
    >>> callable(sync), SyncSummary(kind="events").ok
    (True, True)
"""

from __future__ import annotations

from connector.apps.sync.engine import SyncSummary, sync
from connector.apps.sync.options import SyncOptions

__all__ = ["SyncOptions", "SyncSummary", "sync"]
