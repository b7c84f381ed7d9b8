"""Query parameters several hand-made collections accept alike, so their specs say it once.

Lists and segments are both named groups of profiles: Klaviyo filters them the same way, and both (like
metrics and campaigns) let ``fields[...]`` pick attributes of the flows and tags they can include.

Example:
    >>> sorted(GROUP_FILTERS), sorted(TAG_FIELDS)
    (['created', 'id', 'name', 'updated'], ['id', 'name'])
"""

from __future__ import annotations

from ..filters import rule

FLOW_FIELDS = frozenset({"archived", "created", "id", "name", "status", "trigger_type", "updated"})
TAG_FIELDS = frozenset({"id", "name"})
GROUP_FILTERS = {
    "name": rule("any equals"),
    "id": rule("any equals"),
    "created": rule("greater-than", "datetime"),
    "updated": rule("greater-than", "datetime"),
}
