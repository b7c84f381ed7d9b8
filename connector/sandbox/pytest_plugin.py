"""pytest fixtures: ``sandbox`` (a started :class:`Sandbox` per test) and ``sandbox_factory``.

Installing the package registers this plugin with pytest (a ``pytest11`` entry point named
``connector.sandbox.pytest_plugin``), so the fixtures are available in any project that installs
``klaviyo-connector``: no ``pytest_plugins`` line is needed (an existing one is harmless: pytest finds the plugin
registered under that name already). With ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` set, enable it with
``-p connector.sandbox.pytest_plugin``.

Example::

    def test_lists(sandbox):
        r = requests.get(sandbox.url + "/api/lists", headers=sandbox.headers())
        assert r.status_code == 200

    def test_throttled(sandbox_factory):
        sb = sandbox_factory(rate_limits="scale=1000")

    def test_polling(sandbox_factory):
        sb = sandbox_factory(job_latency=0.5)   # bulk jobs stay queued/processing for 0.5 s
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .sandbox import Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A started sandbox with default options, stopped after the test.

    Example::

        def test_accounts(sandbox):
            assert sandbox.url.startswith("http://127.0.0.1:")
    """
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with options (same keywords as :class:`Sandbox`); all are stopped after the test.

    Example::

        def test_faults(sandbox_factory):
            sb = sandbox_factory(fail_rate=0.5, seed=3)
            slow = sandbox_factory(job_latency=0.2)
    """
    started: list[Sandbox] = []

    def start(**options: Any) -> Sandbox:
        sb = Sandbox(**options).start()
        started.append(sb)
        return sb

    yield start
    for sb in reversed(started):
        sb.stop()
