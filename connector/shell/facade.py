"""``Klaviyo``: the typed facade for Python scripts, one property per resource group.

Every group of Klaviyo's API is a typed property (``k.lists``, ``k.flows``, ``k.metrics``, ``k.coupons``...,
generated in ``actions/_facade/groups.py``), its module imported on first use, so a script that only touches
lists never imports campaigns, while editors and ``mypy --strict`` see every group, method and argument.

Example:
    >>> k = Klaviyo(api_key="pk_" + "a" * 34, base_url="http://127.0.0.1:9")
    >>> k
    Klaviyo(base_url='http://127.0.0.1:9')
    >>> type(k.flows).__name__, "metrics" in dir(k)
    ('Flows', True)
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from connector.client.auth import Credential
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy
from connector.shell.packages import ensure_own_packages

# Another ``actions`` package first on sys.path (a Rasa project's) would break the next import obscurely.
ensure_own_packages()

from actions._facade.groups import Groups  # noqa: E402 - only once the actions package is known to be ours


class Klaviyo(Groups):
    """One object for scripts: ``Klaviyo(api_key=...).lists.create(name="VIP")``.

    Pass ``api_key`` (a private key), or any ``credential`` (e.g. an ``OAuth2Connection``), or an
    existing ``client``. Keyword options go to :class:`~connector.client.pipeline.KlaviyoClient`.
    ``base_url`` defaults to ``$KLAVIYO_BASE_URL`` (e.g. a local sandbox), else Klaviyo's host.

    Example:
        >>> Klaviyo(api_key="pk_" + "a" * 34).client.revision
        '2026-07-15'
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        credential: Credential | None = None,
        client: KlaviyoClient | None = None,
        base_url: str | None = None,
        revision: str | None = None,
        retry: RetryPolicy | None = None,
        **client_options: Any,
    ) -> None:
        if client is None:
            if api_key is not None:
                from connections.api_key import ApiKeyConnection

                credential = ApiKeyConnection(api_key)
            base_url = base_url or os.environ.get("KLAVIYO_BASE_URL", "").strip() or None
            client = KlaviyoClient(credential, base_url=base_url, revision=revision, retry=retry, **client_options)
        self.client = client
        self._groups: dict[str, Any] = {}

    def _group(self, name: str, module: str) -> Any:
        """The group object, created on first use (its module imported then)."""
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = importlib.import_module(module).FACADE(self.client)
        return group

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.GROUPS})

    def __repr__(self) -> str:
        return f"Klaviyo(base_url={self.client.base_url!r})"

    def request(self, method: str, path: str, **options: Any) -> Any:
        """A raw call through the same pipeline (auth, retries, errors); returns the decoded JSON."""
        return self.client.request(method, path, **options).json_or_none()

    def close(self) -> None:
        """Close pooled connections."""
        self.client.close()

    def __enter__(self) -> Klaviyo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
