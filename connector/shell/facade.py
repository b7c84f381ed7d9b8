"""``Klaviyo``: the typed facade for Python scripts, one attribute per resource group.

Example:
    >>> k = Klaviyo(api_key="pk_" + "a" * 34, base_url="http://127.0.0.1:9")
    >>> k
    Klaviyo(base_url='http://127.0.0.1:9')
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from connector.client.auth import Credential
from connector.client.pipeline import KlaviyoClient
from connector.client.retry import RetryPolicy

if TYPE_CHECKING:
    from actions.accounts import Accounts
    from actions.campaigns import Campaigns
    from actions.destination import Destination
    from actions.events import Events
    from actions.images import Images
    from actions.lists import Lists
    from actions.profiles import Profiles
    from actions.raw_request import Raw
    from actions.segments import Segments
    from actions.templates import Templates


class Klaviyo:
    """One object for scripts: ``Klaviyo(api_key=...).lists.create(name="VIP")``.

    Pass ``api_key`` (a private key), or any ``credential`` (e.g. an ``OAuth2Connection``), or an
    existing ``client``. Keyword options go to :class:`~connector.client.pipeline.KlaviyoClient`.
    ``base_url`` defaults to ``$KLAVIYO_BASE_URL`` (e.g. a local sandbox), else Klaviyo's host.

    Example:
        >>> Klaviyo(api_key="pk_" + "a" * 34).client.revision
        '2026-07-15'
    """

    # Resource groups, imported on first use (see __getattr__); declared here for type checkers.
    accounts: Accounts
    campaigns: Campaigns
    destination: Destination
    events: Events
    images: Images
    lists: Lists
    profiles: Profiles
    raw_request: Raw
    segments: Segments
    templates: Templates

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

    def __getattr__(self, name: str) -> Any:
        # Groups are found by convention (module actions.<name> declares FACADE) and imported on
        # first use, so a script that only touches lists never imports campaigns.
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            module = importlib.import_module(f"actions.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"Klaviyo has no resource group {name!r}") from None
        facade = getattr(module, "FACADE", None)
        if facade is None:
            raise AttributeError(f"Klaviyo has no resource group {name!r}")
        group = facade(self.client)
        setattr(self, name, group)
        return group

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
