"""Order Completed fan-out: one product event per product, with deterministic unique IDs.

Shared by ``deliver`` and the Order Completed action. A product event's unique ID is
``<order unique id>_<product_id | productId | id | sku>`` (``_2``, ``_3``... for the same product
listed again), so re-sending an order never duplicates its product events; its properties are the
order's (without ``products``) overlaid by the product's, and its value is the product's price.

Example:
    >>> order = EventIntent("Order Completed", {"email": "a@b.co"}, {"order_id": "o1"}, unique_id="o1")
    >>> [e.unique_id for e in product_events(order, [{"id": "p1"}, {"sku": "s2"}, {"id": "p1"}], "Ordered Product")]
    ['o1_p1', 'o1_s2', 'o1_p1_2']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.delivery.identifiers import stripped_or_none
from connector.delivery.intents import EventIntent
from connector.delivery.mapping.common import first, number
from connector.errors import InputError

PRODUCT_ID_KEYS = ("product_id", "productId", "id", "sku")
ORDER_ID_KEYS = ("order_id", "orderId", "eventId", "event_id")


def order_id(properties: Mapping[str, Any]) -> str | None:
    """The order's own id from its properties (``order_id``, ``orderId``, ``eventId``, ``event_id``).

    Example:
        >>> order_id({"orderId": 50314})
        '50314'
    """
    return stripped_or_none(first(properties, *ORDER_ID_KEYS))


def product_events(order: EventIntent, products: Sequence[Any], metric: str) -> list[EventIntent]:
    """The product events of ``order`` (which must have a unique id); every product is checked first.

    Example:
        >>> product_events(EventIntent("O", {}, {}, unique_id="o1"), [{"name": "x"}], "P")
        Traceback (most recent call last):
        ...
        connector.errors.InputError: Products[0]: needs product_id, id or sku (it makes the product event's unique ID)
    """
    if not order.unique_id:
        raise ValueError("the order event needs a unique id before its products get theirs")
    shared = {k: v for k, v in order.properties.items() if k != "products"}
    seen: dict[str, int] = {}
    out: list[EventIntent] = []
    for index, product in enumerate(products):
        label = f"Products[{index}]"
        if not isinstance(product, Mapping):
            raise InputError("must be an object", label=label, key="products")
        pid = stripped_or_none(first(product, *PRODUCT_ID_KEYS))
        if pid is None:
            raise InputError("needs product_id, id or sku (it makes the product event's unique ID)", label=label)
        seen[pid] = seen.get(pid, 0) + 1
        suffix = f"_{seen[pid]}" if seen[pid] > 1 else ""  # the same product listed twice is two events
        out.append(
            EventIntent(
                metric=metric,
                profile=order.profile,
                properties={**shared, **product},
                time=order.time,
                value=number(product.get("price"), f"{label}.price"),
                value_currency=order.value_currency,
                unique_id=f"{order.unique_id}_{pid}{suffix}",
            )
        )
    return out
