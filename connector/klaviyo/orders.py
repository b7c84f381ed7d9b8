"""Order Completed fan-out: one product event per product, with deterministic unique IDs.

Shared by ``deliver`` and the Order Completed action. A product event's unique ID is
``<order unique id>_<product_id | productId | id | sku>``, or ``<order unique id>_<index>`` (its
0-based position) for a product with none of them (``_2``, ``_3``... for the same id listed again),
so re-sending an order never duplicates its product events; its properties are the
order's (without ``products``) overlaid by the product's, and its value is the product's price.

With Segment classic's event name ("Placed Order", destination-behaviours.md C.3 and seed 002) the
order event and its product events carry the payload classic sent: see :func:`classic_order_properties`
and :func:`classic_product_properties`.

Example:
    >>> order = EventIntent("Order Completed", {"email": "a@b.co"}, {"order_id": "o1"}, unique_id="o1")
    >>> [e.unique_id for e in product_events(order, [{"id": "p1"}, {"sku": "s2"}, {"id": "p1"}], "Ordered Product")]
    ['o1_p1', 'o1_s2', 'o1_p1_2']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connector.client.errors import InputError
from connector.klaviyo.identifiers import stripped_or_none
from connector.klaviyo.intents import EventIntent
from connector.klaviyo.values import first, number

PRODUCT_ID_KEYS = ("product_id", "productId", "id", "sku")
ORDER_ID_KEYS = ("order_id", "orderId", "eventId", "event_id")

# destination-behaviours.md C.3 (Segment classic, "Placed Order"): the order's standard keys, which
# classic removed from the order's custom properties (the id and value travel as the event's
# unique_id and value instead of ``$event_id`` / ``$value``) ...
CLASSIC_ORDER_STANDARD = frozenset(
    {"orderId", "order_id", "categories", "itemNames", "items", "revenue", "total", "products", "$event_id", "$value"}
)
# ... the keys classic builds from the products ...
CLASSIC_ORDER_BUILT = ("Categories", "ItemNames", "Items")
# ... a product's standard keys in an ``Items`` entry, and in an "Ordered Product" event.
CLASSIC_ITEM_STANDARD = frozenset(
    {"id", "product_id", "productId", "sku", "name", "quantity", "itemPrice", "price", "rowTotal", "categories",
     "category", "productUrl", "imageUrl"}
)  # fmt: skip
CLASSIC_PRODUCT_STANDARD = frozenset(
    {"$event_id", "$value", "name", "product categories", "category", "id", "productId", "product_id", "sku",
     "quantity", "price", "productUrl", "imageUrl"}
)  # fmt: skip


def order_id(properties: Mapping[str, Any]) -> str | None:
    """The order's own id from its properties (``order_id``, ``orderId``, ``eventId``, ``event_id``).

    Example:
        >>> order_id({"orderId": 50314})
        '50314'
    """
    return stripped_or_none(first(properties, *ORDER_ID_KEYS))


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != [None]}


def classic_item(product: Mapping[str, Any], label: str = "Products[0]") -> dict[str, Any]:
    """One entry of a Placed Order's ``Items`` (C.3), custom product properties kept.

    ``RowTotal`` is price x quantity: classic sent the unit price, wrong for a quantity above 1.

    Example:
        >>> classic_item({"product_id": "p1", "sku": "S1", "name": "Uno", "price": 3, "quantity": 2,
        ...     "category": "Games", "imageUrl": "https://x/u.png", "color": "red"})
        ... # doctest: +NORMALIZE_WHITESPACE
        {'id': 'p1', 'SKU': 'S1', 'Name': 'Uno', 'Quantity': 2, 'ItemPrice': 3, 'RowTotal': 6.0,
         'Categories': ['Games'], 'ImageURL': 'https://x/u.png', 'color': 'red'}
    """
    price = number(product.get("price"), f"{label}.price")
    quantity = number(product.get("quantity"), f"{label}.quantity")
    row_total = None if price is None else price * (quantity if quantity is not None else 1)
    item = _present(
        {
            "id": first(product, "product_id", "productId", "id"),
            "SKU": product.get("sku"),
            "Name": product.get("name"),
            "Quantity": product.get("quantity"),
            "ItemPrice": product.get("price"),
            "RowTotal": row_total,
            "Categories": [product.get("category")] if product.get("category") not in (None, "") else None,
            "ProductURL": product.get("productUrl"),
            "ImageURL": product.get("imageUrl"),
        }
    )
    return {**item, **{k: v for k, v in product.items() if k not in CLASSIC_ITEM_STANDARD}}


def classic_order_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """A Placed Order's properties as Segment classic sent them (destination-behaviours.md C.3).

    ``Categories`` (each category once), ``ItemNames`` and ``Items`` (:func:`classic_item`) are built
    from ``products``; the order's other custom properties follow; its standard keys (order id,
    revenue, total, products...) are left out, as classic did, because the order id is the event's
    unique ID and the revenue its value. Products that are not objects are checked by
    :func:`product_events`.

    Example:
        >>> classic_order_properties({"orderId": "o1", "revenue": 25, "coupon": "hasbros",
        ...     "products": [{"id": "p1", "name": "Monopoly", "category": "Games", "price": 19},
        ...                  {"id": "p2", "name": "Uno", "category": "Games", "price": 3, "quantity": 2}]})
        ... # doctest: +NORMALIZE_WHITESPACE
        {'Categories': ['Games'], 'ItemNames': ['Monopoly', 'Uno'],
         'Items': [{'id': 'p1', 'Name': 'Monopoly', 'ItemPrice': 19, 'RowTotal': 19.0,
                    'Categories': ['Games']},
                   {'id': 'p2', 'Name': 'Uno', 'Quantity': 2, 'ItemPrice': 3, 'RowTotal': 6.0,
                    'Categories': ['Games']}],
         'coupon': 'hasbros'}
    """
    raw = properties.get("products")
    products = [p for p in raw if isinstance(p, Mapping)] if isinstance(raw, list) else []
    categories = [p["category"] for p in products if p.get("category") not in (None, "")]
    built: dict[str, Any] = {
        "Categories": list(dict.fromkeys(categories)),
        "ItemNames": [p["name"] for p in products if p.get("name") not in (None, "")],
        "Items": [classic_item(p, f"Products[{i}]") for i, p in enumerate(products)],
    }
    return {**built, **{k: v for k, v in properties.items() if k not in CLASSIC_ORDER_STANDARD}}


def classic_product_properties(product: Mapping[str, Any]) -> dict[str, Any]:
    """An "Ordered Product" event's product properties as Segment classic sent them (C.3).

    The price is the event's value (classic's ``$value``) and the unique ID replaces ``$event_id``.

    Example:
        >>> classic_product_properties({"sku": "S1", "name": "Uno", "quantity": 2, "category": "Games",
        ...     "productUrl": "https://x/uno", "price": 3, "color": "red"})
        ... # doctest: +NORMALIZE_WHITESPACE
        {'Name': 'Uno', 'Quantity': 2, 'ProductCategories': ['Games'], 'ProductURL': 'https://x/uno',
         'SKU': 'S1', 'color': 'red'}
    """
    shaped = _present(
        {
            "Name": product.get("name"),
            "Quantity": product.get("quantity"),
            "ProductCategories": [product.get("category")] if product.get("category") not in (None, "") else None,
            "ProductURL": product.get("productUrl"),
            "ImageURL": product.get("imageUrl"),
            "SKU": product.get("sku"),
        }
    )
    return {**shaped, **{k: v for k, v in product.items() if k not in CLASSIC_PRODUCT_STANDARD}}


def product_events(
    order: EventIntent, products: Sequence[Any], metric: str, *, classic: bool = False
) -> list[EventIntent]:
    """The product events of ``order`` (which must have a unique id); every product is checked first.

    ``classic``: the order is a Segment classic "Placed Order" (C.3): product events carry
    :func:`classic_product_properties` over the order's custom properties (without the ``Items``
    lists built for the order).

    Example:
        >>> [e.unique_id for e in product_events(EventIntent("O", {}, {}, unique_id="o1"), [{"name": "x"}], "P")]
        ['o1_0']
        >>> product_events(EventIntent("O", {}, {}, unique_id="o1"), ["x"], "P")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Products[0]: must be an object
    """
    if not order.unique_id:
        raise ValueError("the order event needs a unique id before its products get theirs")
    dropped = set(CLASSIC_ORDER_BUILT) if classic else {"products"}
    shared = {k: v for k, v in order.properties.items() if k not in dropped}
    seen: dict[str, int] = {}
    out: list[EventIntent] = []
    for index, product in enumerate(products):
        label = f"Products[{index}]"
        if not isinstance(product, Mapping):
            raise InputError("must be an object", label=label, key="products")
        # No product_id / id / sku (Segment's default mapping sends none): the product's position is its id,
        # deterministic, so a retried order is deduplicated all the same.
        pid = stripped_or_none(first(product, *PRODUCT_ID_KEYS)) or str(index)
        seen[pid] = seen.get(pid, 0) + 1
        suffix = f"_{seen[pid]}" if seen[pid] > 1 else ""  # the same product listed twice is two events
        out.append(
            EventIntent(
                metric=metric,
                profile=order.profile,
                properties={**shared, **(classic_product_properties(product) if classic else product)},
                time=order.time,
                value=number(product.get("price"), f"{label}.price"),
                value_currency=order.value_currency,
                unique_id=f"{order.unique_id}_{pid}{suffix}",
            )
        )
    return out
