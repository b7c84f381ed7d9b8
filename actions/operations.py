"""Every Klaviyo operation that no declared action performs, as an action derived from the operation registry.

Keys are the operation ids in camelCase (``getFlows``, ``queryMetricAggregates``), labels the spec's summaries;
inputs, checks, paging, retries and rate limits come from the registry (see
:mod:`connector.klaviyo.derived_actions`). The catalog's and the destination's actions are declared in their
own modules; ``actions/_index.py`` lists the operations they perform, and the others are derived here, one at a
time, when a step asks for one (a low-code step never builds the 300 it does not run).

Example:
    >>> find_actions("getFlows").operation_ids
    ('get_flows',)
    >>> find_actions("createList") is None  # the catalog's Create List performs that operation
    True
"""

from __future__ import annotations

from typing import Any

from actions import _index
from connector.framework.definitions import ActionDefinition
from connector.klaviyo.derived_actions import derived_action, derived_key
from connector.klaviyo.operations.registry import operation_ids


def derived_operations() -> list[str]:
    """The operations that get a derived action: every operation of the registry no declared action performs."""
    # Absent only while the index is first generated (python -m connector.shell.component runs to a fixed point).
    covered = set(getattr(_index, "COVERED_OPERATIONS", ()))
    return [op_id for op_id in operation_ids() if op_id not in covered]


def find_actions(key: str) -> ActionDefinition[Any] | None:
    """The derived action with this key, or None (built from the registry on first use)."""
    op_id = _by_key().get(key)
    return derived_action(op_id) if op_id is not None else None


def _by_key() -> dict[str, str]:
    return {derived_key(op_id): op_id for op_id in derived_operations()}


def __getattr__(name: str) -> Any:
    # ACTIONS is built only when every action is listed (the manifest, `klaviyo-connector actions`).
    if name == "ACTIONS":
        return tuple(derived_action(op_id) for op_id in derived_operations())
    raise AttributeError(name)
