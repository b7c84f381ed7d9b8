"""Time windows and buckets shared by the reporting endpoints.

Reports name a window either by key (``last_30_days``, ``this_month`` ...) or by ``start``/``end``; series
reports and metric aggregates cut it into buckets (hour, day, week starting Monday, month). Everything is UTC.

Example:
    >>> from datetime import datetime, timezone
    >>> start = datetime(2024, 1, 30, tzinfo=timezone.utc)
    >>> [b.isoformat()[:10] for b in buckets(start, datetime(2024, 3, 2, tzinfo=timezone.utc), "month")]
    ['2024-01-01', '2024-02-01', '2024-03-01']
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import invalid
from ..ids import now, parse_datetime

MAX_BUCKETS = 10_000
# Series reports spell intervals differently from metric aggregates.
INTERVALS = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}


def _month_start(dt: datetime, shift: int = 0) -> datetime:
    months = dt.year * 12 + dt.month - 1 + shift
    return dt.replace(year=months // 12, month=months % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _day(dt: datetime) -> datetime:
    return dt.replace(hour=0, minute=0, second=0, microsecond=0)


def window(timeframe: Any, pointer: str = "/data/attributes/timeframe") -> tuple[datetime, datetime]:
    """(start, end) of a report timeframe: ``{"key": ...}`` relative to now, or ``{"start", "end"}``.

    Example:
        >>> s, e = window({"start": "2024-01-01T00:00:00Z", "end": "2024-01-08T00:00:00Z"})
        >>> (e - s).days
        7
    """
    if not isinstance(timeframe, dict):
        raise invalid("'timeframe' must be an object.", pointer=pointer)
    if "key" in timeframe:
        return _by_key(str(timeframe["key"]), pointer)
    start = parse_datetime(str(timeframe.get("start")))
    end = parse_datetime(str(timeframe.get("end")))
    if start is None or end is None or end < start:
        raise invalid("'timeframe' needs a 'start' before its 'end'.", pointer=pointer)
    return start, end


def _by_key(key: str, pointer: str) -> tuple[datetime, datetime]:
    current = now()
    today = _day(current)
    week = today - timedelta(days=today.weekday())
    days = {"last_7_days": 7, "last_30_days": 30, "last_90_days": 90, "last_365_days": 365}
    table = {
        "today": (today, current),
        "yesterday": (today - timedelta(days=1), today),
        "this_week": (week, current),
        "last_week": (week - timedelta(days=7), week),
        "this_month": (_month_start(current), current),
        "last_month": (_month_start(current, -1), _month_start(current)),
        "this_year": (today.replace(month=1, day=1), current),
        "last_year": (today.replace(year=today.year - 1, month=1, day=1), today.replace(month=1, day=1)),
        "last_3_months": (_month_start(current, -3), current),
        "last_12_months": (_month_start(current, -12), current),
        **{name: (current - timedelta(days=n), current) for name, n in days.items()},
    }
    if key not in table:
        raise invalid(f"Unknown timeframe key '{key}'.", pointer=f"{pointer}/key")
    return table[key]


def floor(dt: datetime, unit: str) -> datetime:
    """The start of the bucket containing ``dt``.

    Example:
        >>> floor(datetime(2024, 5, 8, 13, 5, tzinfo=timezone.utc), "week").isoformat()
        '2024-05-06T00:00:00+00:00'
    """
    dt = dt.astimezone(timezone.utc)
    if unit == "hour":
        return dt.replace(minute=0, second=0, microsecond=0)
    if unit == "week":
        return _day(dt) - timedelta(days=dt.weekday())
    if unit == "month":
        return _month_start(dt)
    return _day(dt)


def step(dt: datetime, unit: str) -> datetime:
    """The start of the next bucket.

    Example:
        >>> step(datetime(2024, 12, 1, tzinfo=timezone.utc), "month").isoformat()
        '2025-01-01T00:00:00+00:00'
    """
    if unit == "month":
        return _month_start(dt, 1)
    return dt + {"hour": timedelta(hours=1), "week": timedelta(weeks=1)}.get(unit, timedelta(days=1))


def buckets(start: datetime, end: datetime, unit: str) -> list[datetime]:
    """Bucket starts covering [start, end) (at least one).

    Example:
        >>> len(buckets(datetime(2024, 1, 1, tzinfo=timezone.utc), datetime(2024, 1, 3, tzinfo=timezone.utc), "day"))
        2
    """
    out = [floor(start, unit)]
    while len(out) < MAX_BUCKETS and step(out[-1], unit) < end:
        out.append(step(out[-1], unit))
    if len(out) >= MAX_BUCKETS:
        raise invalid(f"The time range needs more than {MAX_BUCKETS} buckets; use a longer interval.", pointer="/data")
    return out
