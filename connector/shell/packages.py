"""The ``actions`` and ``connections`` packages in use must be the ones installed beside ``connector``.

Both are top-level package names, and common ones: a Rasa project keeps its custom actions in an ``actions/``
package, for example. When another package of that name comes first on ``sys.path`` (the working directory
with ``python -m``, ``PYTHONPATH``), Python imports it instead of this connector's, and the failure surfaces far
from its cause (``No module named 'actions._facade'``, or ``unknown action`` for every action). The shell checks
where each package comes from before using it and says clearly what shadows it.

Example:
    >>> ensure_own_packages()  # nothing shadows them here
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from connector.client.errors import KlaviyoError

#: The top-level packages the connector ships beside ``connector``.
SIBLINGS = ("actions", "connections")

_checked: set[str] = set()


class ShadowedPackageError(KlaviyoError, ImportError):
    """Another package named ``actions`` or ``connections`` comes before the connector's own on ``sys.path``.

    Example:
        >>> ShadowedPackageError("actions", Path("/app/actions"), Path("/venv/site-packages/actions")).path
        '/app/actions'
    """

    def __init__(self, name: str, found: Path, expected: Path) -> None:
        where = found.parent
        message = (
            f"klaviyo-connector cannot load its {name!r} package: the {name!r} package at {found} comes first on "
            f"sys.path and shadows the connector's own ({expected}); another project's package of that name (a "
            f"Rasa project's actions/, for example) in the working directory or on PYTHONPATH does this. Run from "
            f"another directory, take {where} off PYTHONPATH, or install klaviyo-connector in a virtual "
            f"environment of its own."
        )
        KlaviyoError.__init__(self, message)
        self.name = name
        self.path = str(found)


def _location(name: str) -> Path | None:
    """Where ``name`` is (or would be) imported from: its package directory, or None when it cannot be told."""
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None) if module is not None else importlib.util.find_spec(name)
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if locations:
        return Path(locations[0])
    if spec.origin and spec.origin not in ("built-in", "frozen", "namespace"):
        return Path(spec.origin).parent if Path(spec.origin).name == "__init__.py" else Path(spec.origin)
    return None


def ensure_own_packages(names: tuple[str, ...] = SIBLINGS) -> None:
    """Raise :class:`ShadowedPackageError` when ``actions`` or ``connections`` is not the connector's own.

    The connector's own are the directories of those names beside the ``connector`` package (site-packages,
    or the source tree of an editable install). Checked once per process for each name that passes.
    """
    home = Path(__file__).resolve().parents[2]
    for name in names:
        if name in _checked:
            continue
        found = _location(name)
        expected = home / name
        if found is None or not expected.is_dir():
            continue  # a frozen or zipped install: nothing to compare, so nothing to say
        if found.resolve() != expected.resolve():
            raise ShadowedPackageError(name, found, expected)
        _checked.add(name)
