"""Per-operation rate limits of revision 2026-07-15, copied by hand from the spec's ``x-klaviyo-ratelimit``.

Burst is per second, steady per minute, daily per day. ``tests/sandbox/test_spec_tables.py`` checks this table
against the spec so a typo cannot hide. Some query parameters lower an operation's limits (``REDUCED``).
Operations served by the spec-driven store take their limits from the spec itself (read lazily), so the hand
copy covers exactly the hand-made handlers, whose limits are needed before the spec is ever parsed.

Example:
    >>> LIMITS["get_lists"]
    Limits(burst=75, steady=750, daily=None)
"""

from __future__ import annotations

from typing import NamedTuple


class Limits(NamedTuple):
    """Requests allowed per burst window (1 s), steady window (60 s) and day (None = no daily cap).

    Example:
        >>> Limits(10, 150, 150).daily
        150
    """

    burst: int
    steady: int
    daily: int | None = None


LIMITS: dict[str, Limits] = {
    "get_accounts": Limits(1, 15),
    "get_account": Limits(1, 15),
    "get_lists": Limits(75, 750),
    "create_list": Limits(10, 150, 150),
    "get_list": Limits(75, 750),
    "update_list": Limits(10, 150),
    "delete_list": Limits(10, 150),
    "get_profiles_for_list": Limits(75, 750),
    "get_profile_ids_for_list": Limits(75, 750),
    "add_profiles_to_list": Limits(10, 150),
    "remove_profiles_from_list": Limits(10, 150),
    "get_profiles": Limits(75, 750),
    "create_profile": Limits(75, 750),
    "get_profile": Limits(75, 750),
    "update_profile": Limits(75, 750),
    "create_or_update_profile": Limits(75, 750),
    "create_event": Limits(350, 3500),
    "get_events": Limits(350, 3500),
    "get_event": Limits(10, 150),
    "get_metrics": Limits(10, 150),
    "get_metric": Limits(10, 150),
    "bulk_subscribe_profiles": Limits(75, 750),
    "bulk_unsubscribe_profiles": Limits(75, 750),
    "bulk_create_events": Limits(10, 150),
    "bulk_import_profiles": Limits(10, 150),
    "get_bulk_import_profiles_job": Limits(10, 150),
    "get_bulk_import_profiles_jobs": Limits(10, 150),
    "get_errors_for_bulk_import_profiles_job": Limits(10, 150),
    "get_segments": Limits(75, 750),
    "create_segment": Limits(1, 15, 100),
    "get_segment": Limits(75, 750),
    "update_segment": Limits(1, 15, 100),
    "delete_segment": Limits(3, 60),
    "get_templates": Limits(75, 750),
    "create_template": Limits(75, 750),
    "get_template": Limits(75, 750),
    "update_template": Limits(75, 750),
    "delete_template": Limits(75, 750),
    "get_campaigns": Limits(10, 150),
    "create_campaign": Limits(10, 150),
    "get_campaign": Limits(10, 150),
    "update_campaign": Limits(10, 150),
    "delete_campaign": Limits(10, 150),
    "upload_image_from_url": Limits(3, 100, 100),
    "upload_image_from_file": Limits(3, 100, 500),
    "get_image": Limits(10, 150),
    "get_images": Limits(10, 150),
    "update_image": Limits(10, 150),
}

# (operation, query parameter, value it must contain) -> reduced limits, per the operations' descriptions.
REDUCED: dict[tuple[str, str, str], Limits] = {
    ("get_profiles", "additional-fields[profile]", "predictive_analytics"): Limits(10, 150),
    ("get_profiles_for_list", "additional-fields[profile]", "predictive_analytics"): Limits(10, 150),
    ("get_profile_ids_for_list", "additional-fields[profile]", "predictive_analytics"): Limits(10, 150),
    ("get_profile", "include", "lists"): Limits(1, 15),
    ("get_profile", "include", "segments"): Limits(1, 15),
    ("get_list", "additional-fields[list]", "profile_count"): Limits(1, 15),
    ("get_segment", "additional-fields[segment]", "profile_count"): Limits(1, 15),
}


def limits_for(op: str, query: dict[str, list[str]]) -> tuple[str, Limits]:
    """The bucket name and limits for one request (reduced variants get their own bucket).

    Example:
        >>> limits_for("get_profile", {"include": ["lists"]})
        ('get_profile+include=lists', Limits(burst=1, steady=15, daily=None))
        >>> limits_for("create_flow", {})
        ('create_flow', Limits(burst=1, steady=15, daily=100))
    """
    for (name, param, value), limits in REDUCED.items():
        if name == op and any(value in v.split(",") for v in query.get(param, [])):
            return f"{op}+{param}={value}", limits
    found = LIMITS.get(op)
    if found is None:
        from .openapi import SPEC

        found = SPEC.operation(op).limits
    return op, found
