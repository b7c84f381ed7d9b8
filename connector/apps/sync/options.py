"""What a sync run is asked to do: one value (:class:`SyncOptions`) instead of sixteen keyword arguments.

Example:
    >>> options = SyncOptions(list_id="Y6nRLr", state="sync.db", concurrency=4)
    >>> options.reverse_etl, options.scope("profiles"), options.database("export.csv")
    (True, 'profiles:Y6nRLr', 'sync.db')
    >>> SyncOptions().database("export.csv")
    'export.csv.sync-checkpoint.sqlite'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

import attrs
from attrs import validators as v

from connector.apps.sync.cells import CONVERTERS
from connector.klaviyo.bulk.limits import MAX_JOBS_IN_FLIGHT
from connector.klaviyo.pacing.adaptive import PacingThrottle

Path = str | os.PathLike[str]


def _copy(pairs: Mapping[str, str]) -> dict[str, str]:
    return dict(pairs)  # the caller's dict may change after; the options do not


def _pairs(options: Any, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    """Column names and what they map to are text; a ``column_types`` type is one sync knows."""
    for column, target in value.items():
        if not isinstance(column, str) or not isinstance(target, str) or not column.strip() or not target.strip():
            raise ValueError(f"{attribute.name!r} maps column names to text, not {column!r}: {target!r}")
        if attribute.name == "column_types" and target not in CONVERTERS:
            raise ValueError(f"'column_types' {column!r}: unknown type {target!r}; use {', '.join(CONVERTERS)}")


@attrs.frozen(kw_only=True)
class SyncOptions:
    """The settings of one sync (the ``klaviyo-connector sync`` flags), validated when built.

    Attributes:
        list_id: profiles are added to (and, in reverse-ETL mode, removed from) this list; subscriptions
            subscribe to it.
        state: the SQLite file of reverse-ETL mode: only rows added or changed since the last successful
            sync are sent, and deleted ones are undone. Without it every row is sent.
        checkpoint: where checkpoints go without ``state`` (default ``SOURCE.sync-checkpoint.sqlite``,
            removed when the run completes).
        dead_letter: JSONL of rejected records (default ``SOURCE.rejected.jsonl`` when any were rejected).
        key: the column that identifies a profile row (default external_id, else email, else phone).
        column_map: CSV column to the field it holds (a field, ``location.x`` or ``properties.x``), over the
            header names sync knows (:mod:`~connector.apps.sync.columns`); the ``--map`` flags.
        column_types: CSV column to ``string``, ``number``, ``boolean`` or ``date``, over the typing of
            custom properties' cells (:mod:`~connector.apps.sync.cells`); the ``--types`` flags.
        format: ``csv`` or ``jsonl`` (default from the file name).
        concurrency: most requests in flight per endpoint (the AIMD throttle adapts below it).
        rate_scale: Klaviyo's windows are this many times shorter (the sandbox's time-scaled limits).
        batch_size: fewer records per request than Klaviyo allows (benchmarks, debugging).
        max_attempts: sends of a record that keeps failing for reasons not its own before the run stops
            with it pending (a re-run resumes it).
        retry_delay: the first wait before a record is sent again (doubling per attempt, at most 30 s),
            in Klaviyo's time (divided by ``rate_scale``).
        max_jobs_in_flight: profile import jobs Klaviyo accepted and the sync still follows, at most
            (see :data:`~connector.klaviyo.bulk.limits.MAX_JOBS_IN_FLIGHT` for the default and why).
        historical_import: subscriptions: import past consent (``consented_at`` required, no opt-in email).
        custom_source: subscriptions: the consent's custom source.
        progress: a stream for the progress bar/lines (default stderr), or False for none.
        throttle: the client throttle for the run (default: Klaviyo's tiers and AIMD up to ``concurrency``).

    Example:
        >>> SyncOptions(concurrency=0)
        Traceback (most recent call last):
        ...
        ValueError: 'concurrency' must be >= 1: 0
    """

    list_id: str | None = None
    state: Path | None = None
    checkpoint: Path | None = None
    dead_letter: Path | IO[str] | None = None
    key: str | None = None
    column_map: Mapping[str, str] = attrs.field(factory=dict, converter=_copy, validator=_pairs, hash=False)
    column_types: Mapping[str, str] = attrs.field(factory=dict, converter=_copy, validator=_pairs, hash=False)
    format: str | None = attrs.field(default=None, validator=v.optional(v.in_(("csv", "jsonl"))))
    concurrency: int = attrs.field(default=8, validator=v.ge(1))
    rate_scale: float = attrs.field(default=1.0, validator=v.gt(0))
    batch_size: int | None = attrs.field(default=None, validator=v.optional(v.ge(1)))
    max_attempts: int = attrs.field(default=8, validator=v.ge(1))
    retry_delay: float = attrs.field(default=1.0, validator=v.ge(0))
    max_jobs_in_flight: int = attrs.field(default=MAX_JOBS_IN_FLIGHT, validator=v.ge(1))
    historical_import: bool = False
    custom_source: str | None = None
    progress: IO[str] | bool | None = None
    throttle: PacingThrottle | None = None

    @property
    def reverse_etl(self) -> bool:
        """Whether the run compares with the last successful sync (``state`` given)."""
        return self.state is not None

    def scope(self, kind: str) -> str:
        """The name of this sync in the state file: kind and list (one file can hold several syncs)."""
        return f"{kind}:{self.list_id or ''}"

    def database(self, source: str) -> str:
        """The SQLite file of the run: ``state``, else ``checkpoint``, else one beside the input."""
        if self.state is not None:
            return os.fspath(self.state)
        return os.fspath(self.checkpoint or source + ".sync-checkpoint.sqlite")
