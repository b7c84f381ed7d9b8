"""Spec-event mappers: ``segment`` and ``rudderstack`` messages to Klaviyo intents.

Example:
    >>> mapper_for("segment").__name__
    'SegmentMapper'
"""

from __future__ import annotations

from connector.apps.delivery.mapping.base import SpecMapper
from connector.apps.delivery.mapping.common import Skipped
from connector.client.errors import InputError

__all__ = ["FORMATS", "Skipped", "SpecMapper", "mapper_for"]

FORMATS = ("segment", "rudderstack", "rudderstack-v2")


def mapper_for(format: str) -> type[SpecMapper]:
    """The mapper class of a format name.

    Example:
        >>> mapper_for("rudderstack").__name__
        'RudderStackMapper'
    """
    name = format.strip().lower()
    if name == "segment":
        from connector.apps.delivery.mapping.segment import SegmentMapper

        return SegmentMapper
    if name == "rudderstack":
        from connector.apps.delivery.mapping.rudderstack import RudderStackMapper

        return RudderStackMapper
    if name == "rudderstack-v2":
        from connector.apps.delivery.mapping.rudderstack import RudderStackV2Mapper

        return RudderStackV2Mapper
    raise InputError(f"must be one of {', '.join(FORMATS)} (got {format!r})", label="Format", key="format")
