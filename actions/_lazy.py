"""The typed facade class of a declared action module, imported only when a Python caller asks for it.

A low-code step imports ``actions.lists`` for its declarations and never uses ``Lists``: importing the generated
facade (and the resource models of every group its methods return) there cost about a fifth of the step's start.
Each declared module binds ``__getattr__ = facade_class(__name__, "Lists")`` and imports the class under
``TYPE_CHECKING`` only, so ``from actions.lists import Lists`` still works and type-checks.

Example:
    >>> getattr_ = facade_class("actions.lists", "Lists")
    >>> getattr_("Lists").__name__
    'Lists'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def facade_class(module: str, name: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``actions._facade.<group>.<name>`` on first use."""
    group = module.rsplit(".", 1)[-1]

    def __getattr__(attribute: str) -> Any:
        if attribute == name:
            return getattr(importlib.import_module(f"actions._facade.{group}"), name)
        raise AttributeError(f"module {module!r} has no attribute {attribute!r}")

    return __getattr__
