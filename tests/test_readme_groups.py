"""The README's per-group table is computed from the registry and the component, so it cannot drift.

``python -m tests.test_readme_groups`` prints the table to paste between the README's markers.
"""

from __future__ import annotations

import re
from pathlib import Path

from connector.klaviyo.operations import registry
from connector.shell.component import COMPONENT
from connector.shell.facade import Klaviyo

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- groups:start -->", "<!-- groups:end -->"


def _attribute(slug: str) -> str:
    """The ``Klaviyo`` property that exposes a registry group (``client`` is ``client_api``: ``k.client`` is taken)."""
    return next(name for name in (slug, f"{slug}_api") if name in Klaviyo.GROUPS)


def group_rows() -> list[str]:
    """One Markdown row per Klaviyo group: operations, catalog actions, derived actions, Python property."""
    catalog: dict[str, set[str]] = {}
    for action in COMPONENT.actions():
        if action.covers_operations:
            for op in action.operation_ids:
                catalog.setdefault(op, set()).add(action.key)
    rows = []
    for slug, ops in sorted(registry.groups().items()):
        declared = sorted({key for op in ops for key in catalog.get(op, ())})
        derived = [op for op in ops if op not in catalog]
        first = registry.operation(ops[0])
        rows.append(
            f"| {first.group} | {len(ops)} | {len(declared)} | {len(derived)} | `k.{_attribute(slug)}` "
            f"| [{ops[0]}]({first.docs_url}) |"
        )
    return rows


def table() -> str:
    """The whole table, header included."""
    header = [
        "| Klaviyo group | Operations | Catalog actions | Derived actions | Python | Reference (first operation) |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    return "\n".join([*header, *group_rows()])


def test_readme_group_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README lacks the {START} … {END} markers"
    assert found.group(1) == table(), "README group table is stale; regenerate: python -m tests.test_readme_groups"


def test_every_operation_is_counted_once() -> None:
    counted = sum(int(row.split("|")[2]) for row in group_rows())
    assert counted == len(registry.operation_ids())


if __name__ == "__main__":
    print(table())
