"""The examples in the sandbox's docstrings run and stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import connector.sandbox

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(connector.sandbox.__path__, "connector.sandbox.")
    if not name.endswith("pytest_plugin")  # its examples are test functions, not doctests
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
