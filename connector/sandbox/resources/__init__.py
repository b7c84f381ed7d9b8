"""One module per Klaviyo resource group; :data:`ROUTES` is every operation the sandbox serves.

Example:
    >>> any(r.op == "get_lists" for r in all_routes())
    True
"""

from __future__ import annotations

from ..routing import Route


def all_routes() -> list[Route]:
    """Collect the routes of every resource module.

    Example:
        >>> len(all_routes()) > 40
        True
    """
    from . import (
        accounts,
        bulk_events,
        campaigns,
        events,
        images,
        imports,
        lists,
        metrics,
        profiles,
        segments,
        subscriptions,
        templates,
    )

    modules = (
        accounts,
        lists,
        profiles,
        events,
        metrics,
        subscriptions,
        bulk_events,
        imports,
        segments,
        templates,
        campaigns,
        images,
    )
    return [route for module in modules for route in module.ROUTES]
