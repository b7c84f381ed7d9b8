"""The component: the connector as a whole, registering its connections, actions and data sources.

Action groups are imported lazily (``import connector`` stays fast); each module of
``actions/`` lists its definitions in ``ACTIONS`` and ``DATA_SOURCES``.

The Klaviyo component itself is composed in the shell (:mod:`connector.shell.component`), the one place
that names the ``actions`` and ``connections`` packages.

Example:
    >>> Component(key="k", label="K", description="", action_package="").data_sources()
    []
"""

from __future__ import annotations

import importlib
from typing import Any

from connector import structs
from connector.client.errors import InputError
from connector.framework.definitions import ActionDefinition, ConnectionDefinition, DataSourceDefinition


@structs.define
class Component:
    """Registers definitions and finds them by key.

    Example:
        >>> c = Component(key="x", label="X", description="", action_package="")
        >>> c.actions()
        []
    """

    key: str
    label: str
    description: str
    #: Package whose public modules each declare ``ACTIONS`` / ``DATA_SOURCES``.
    action_package: str
    #: Module declaring ``CONNECTIONS``.
    connection_module: str = ""
    _actions: dict[str, ActionDefinition[Any]] | None = structs.field(default=None, init=False)
    _data_sources: dict[str, DataSourceDefinition[Any]] | None = structs.field(default=None, init=False)

    def _load(self) -> None:
        if self._actions is not None:
            return
        actions: dict[str, ActionDefinition[Any]] = {}
        sources: dict[str, DataSourceDefinition[Any]] = {}
        for name in self.action_module_names():
            module = importlib.import_module(name)
            for action in getattr(module, "ACTIONS", ()):
                if action.key in actions:
                    raise RuntimeError(f"duplicate action key {action.key!r} in {name}")
                actions[action.key] = action
            for source in getattr(module, "DATA_SOURCES", ()):
                if source.key in sources:
                    raise RuntimeError(f"duplicate data source key {source.key!r} in {name}")
                sources[source.key] = source
        self._actions = dict(sorted(actions.items(), key=lambda kv: kv[1].label))
        self._data_sources = dict(sorted(sources.items()))

    def action_module_names(self) -> list[str]:
        """Module names of the action groups, found in the package (no hand-kept list to drift)."""
        if not self.action_package:
            return []
        import pkgutil  # only when every group is loaded (a step's run reads the generated index instead)

        package = importlib.import_module(self.action_package)
        return sorted(
            f"{self.action_package}.{info.name}"
            for info in pkgutil.iter_modules(package.__path__)
            if not info.name.startswith("_") and not info.ispkg
        )

    def actions(self) -> list[ActionDefinition[Any]]:
        """Every action, sorted by label (as the catalog lists them)."""
        self._load()
        assert self._actions is not None
        return list(self._actions.values())

    def action(self, key: str) -> ActionDefinition[Any]:
        """The action with this key; an :class:`InputError` listing close matches otherwise.

        Looks in the generated index first so a low-code step imports one action group, not all of them.
        """
        found = self._from_index("ACTION_MODULES", "ACTIONS", key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        self._load()
        assert self._actions is not None
        if key in self._actions:
            return self._actions[key]
        raise InputError(_unknown("action", key, list(self._actions)))

    def data_sources(self) -> list[DataSourceDefinition[Any]]:
        """Every data source, sorted by key."""
        self._load()
        assert self._data_sources is not None
        return list(self._data_sources.values())

    def data_source(self, key: str) -> DataSourceDefinition[Any]:
        """The data source with this key."""
        found = self._from_index("DATA_SOURCE_MODULES", "DATA_SOURCES", key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        self._load()
        assert self._data_sources is not None
        if key in self._data_sources:
            return self._data_sources[key]
        raise InputError(_unknown("data source", key, list(self._data_sources)))

    def _from_index(self, table: str, attribute: str, key: str) -> Any:
        """A definition found through ``<action_package>._index`` (None when the index does not know the key)."""
        if not self.action_package:
            return None
        try:
            index = importlib.import_module(f"{self.action_package}._index")
        except ModuleNotFoundError:
            return None
        module_name = getattr(index, table, {}).get(key)
        if module_name is None:
            return None
        module = importlib.import_module(module_name)
        # A module that derives its definitions (the registry's operations) finds one without building all.
        find = getattr(module, "find_" + attribute.lower(), None)
        if find is not None:
            return find(key)
        # The index is only a shortcut: the module's own declarations stay the truth.
        return next((d for d in getattr(module, attribute, ()) if d.key == key), None)

    def build_index(self) -> str:
        """The source of ``<action_package>/_index.py``: which module declares each action and data source."""
        # The module whose ACTIONS/DATA_SOURCES lists a definition declares it (its perform may be shared).
        declared: dict[str, dict[str, str]] = {"ACTIONS": {}, "DATA_SOURCES": {}}
        covered: set[str] = set()
        for name in self.action_module_names():
            module = importlib.import_module(name)
            for attribute, table in declared.items():
                table.update({d.key: name for d in getattr(module, attribute, ())})
            covered.update(op for a in getattr(module, "ACTIONS", ()) if a.covers_operations for op in a.operation_ids)
        lines = [
            '"""Generated by ``python -m connector.shell.component``: the module declaring each action and data',
            "source.",
            "",
            "A shortcut so a low-code step imports one action group instead of all; tests/test_component.py fails",
            "when it is stale. The declarations in each module remain the truth.",
            '"""',
            "",
            "ACTION_MODULES = {",
            *(f'    "{key}": "{module}",' for key, module in sorted(declared["ACTIONS"].items())),
            "}",
            "",
            "DATA_SOURCE_MODULES = {",
            *(f'    "{key}": "{module}",' for key, module in sorted(declared["DATA_SOURCES"].items())),
            "}",
            "",
            "#: Operations a declared action performs as such; every other operation gets a derived action.",
            "COVERED_OPERATIONS = (",
            *(f'    "{op}",' for op in sorted(covered)),
            ")",
            "",
        ]
        return "\n".join(lines)

    def connections(self) -> list[ConnectionDefinition]:
        """The connection definitions (API key, OAuth 2.0)."""
        if not self.connection_module:
            return []
        module = importlib.import_module(self.connection_module)
        return list(module.CONNECTIONS)


def _unknown(kind: str, key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `klaviyo-connector actions` lists them"
    return f"unknown {kind} {key!r}{hint}"
