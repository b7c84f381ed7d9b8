"""What a declared action module offers Python callers, imported only when one asks for it.

A low-code step imports ``actions.lists`` for its declarations and never uses the typed facade ``Lists`` nor the
typed resource ``KlaviyoList``: importing the generated facade and the resource models (attrs classes, with attrs
itself) there cost about a third of the step's start. Each declared module binds
``__getattr__ = lazy_exports(__name__, "Lists", KlaviyoList="lists.ListAttributes")`` and declares the names under
``TYPE_CHECKING`` only, so ``from actions.lists import Lists, KlaviyoList`` still works and type-checks.

Example:
    >>> getattr_ = lazy_exports("actions.lists", "Lists", KlaviyoList="lists.ListAttributes")
    >>> getattr_("Lists").__name__, getattr_("KlaviyoList").__args__[0] is getattr_("ListAttributes")
    ('Lists', True)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def resource_model(where: str) -> Any:
    """The attrs model ``"group.ClassName"`` of ``actions._facade.models``, imported on first use."""
    group, name = where.split(".")
    return getattr(importlib.import_module(f"actions._facade.models.{group}"), name)


def lazy_exports(module: str, name: str, *models: str, **resources: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that, on first use, imports ``actions._facade.<group>.<name>``, builds each typed
    resource alias (``KlaviyoList="lists.ListAttributes"`` is ``Resource[ListAttributes]``), and imports the models
    those aliases and ``models`` (``"events.EventAttributes"``) name, by their class name."""
    group = module.rsplit(".", 1)[-1]
    by_name = {where.rsplit(".", 1)[-1]: where for where in (*models, *resources.values())}

    def __getattr__(attribute: str) -> Any:
        if attribute == name:
            return getattr(importlib.import_module(f"actions._facade.{group}"), name)
        if attribute in resources:
            from connector.client.jsonapi import Resource

            return Resource[resource_model(resources[attribute])]  # type: ignore[misc]
        if attribute in by_name:
            return resource_model(by_name[attribute])
        raise AttributeError(f"module {module!r} has no attribute {attribute!r}")

    return __getattr__
