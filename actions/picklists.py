"""Data sources (picklists) for the resources a workflow picks that have no declared action group.

Flows, tags, coupons, catalog items, forms and web feeds, beside the catalog's seven (each declared with its
group). Every data source takes a search text and a cap (see :func:`connector.klaviyo.operation_actions.picklist`).

Example:
    >>> [source.key for source in DATA_SOURCES]
    ['selectCatalogItem', 'selectCoupon', 'selectFlow', 'selectForm', 'selectTag', 'selectWebFeed']
    >>> [spec.key for spec in SELECT_FLOW.input_specs()]
    ['connection', 'search', 'limit']
"""

from __future__ import annotations

from connector.klaviyo.operation_actions import picklist

SELECT_CATALOG_ITEM = picklist(
    "get_catalog_items",
    label="Select Catalog Item",
    description="A picklist of the account's catalog items, labelled by title.",
    label_fields=("title",),
)
SELECT_COUPON = picklist(
    "get_coupons",
    label="Select Coupon",
    description="A picklist of the account's coupons, labelled by their external ID.",
    label_fields=("external_id", "description"),
)
SELECT_FLOW = picklist("get_flows", label="Select Flow", description="A picklist of the account's flows.")
SELECT_FORM = picklist("get_forms", label="Select Form", description="A picklist of the account's forms.")
SELECT_TAG = picklist("get_tags", label="Select Tag", description="A picklist of the account's tags.")
SELECT_WEB_FEED = picklist(
    "get_web_feeds", label="Select Web Feed", description="A picklist of the account's web feeds."
)

DATA_SOURCES = (SELECT_CATALOG_ITEM, SELECT_COUPON, SELECT_FLOW, SELECT_FORM, SELECT_TAG, SELECT_WEB_FEED)
