"""The Klaviyo component: the connector's actions, data sources and connections, composed from their packages.

The shell is the one composition root: this is where the ``actions`` and ``connections`` packages are named.
``python -m connector.shell.component`` regenerates ``actions/_index.py``, the action-to-module index that
lets a low-code step import one action group instead of all of them.

Example:
    >>> COMPONENT.key, COMPONENT.action_package
    ('klaviyo', 'actions')
"""

from __future__ import annotations

import importlib
import pathlib
import sys

from connector.framework.component import Component
from connector.shell.packages import ensure_own_packages

# The component names the ``actions`` and ``connections`` packages: make sure they are the connector's own.
ensure_own_packages()

COMPONENT = Component(
    key="klaviyo",
    label="Klaviyo",
    description=(
        "Klaviyo is a cloud based email marketing solution that enables e-commerce businesses to create, "
        "send, and analyze email and SMS campaigns."
    ),
    action_package="actions",
    connection_module="connections.definitions",
)


def write_index() -> pathlib.Path:
    """Regenerate ``actions/_index.py`` from the declarations; returns the file written.

    The derived actions (``actions/operations.py``) are those of the operations the index does not list as
    covered, so the index is written until it no longer changes (twice at most).
    """
    package = importlib.import_module(COMPONENT.action_package)
    target = pathlib.Path(package.__path__[0]) / "_index.py"
    for _ in range(3):
        text = COMPONENT.build_index()
        if target.exists() and target.read_text(encoding="utf-8") == text:
            break
        target.write_text(text, encoding="utf-8")
        for name in (f"{COMPONENT.action_package}._index", f"{COMPONENT.action_package}.operations"):
            if name in sys.modules:
                importlib.reload(sys.modules[name])
    return target


if __name__ == "__main__":  # pragma: no cover - developer tool
    print(f"wrote {write_index()}")
