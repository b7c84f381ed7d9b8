"""The connection and client a CLI run takes from the environment.

Order: ``KLAVIYO_API_KEY`` (private key); else ``KLAVIYO_ACCESS_TOKEN``; else the token file that
``klaviyo-connector oauth login`` wrote (``KLAVIYO_TOKEN_FILE`` or the default path), refreshed
with ``KLAVIYO_CLIENT_ID`` / ``KLAVIYO_CLIENT_SECRET`` and rewritten when the token rotates.
``KLAVIYO_BASE_URL`` overrides the host, ``KLAVIYO_REVISION`` the API revision.

A workflow step (``run``, ``source``) gives every request a total time budget of
:data:`STEP_TIME_BUDGET` seconds (all attempts, waits and the whole answer), so a silent or dripping
server cannot hold a step for minutes; the library default has none (per-read timeouts only).

Example:
    >>> credential_from_env({"KLAVIYO_API_KEY": "pk_" + "a" * 34})
    ApiKeyConnection(key='pk_aaa********')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from connector.client.auth import Credential

#: Seconds a request of a CLI workflow step may take in total, retries and waits included (README, "Security").
STEP_TIME_BUDGET = 120.0

if TYPE_CHECKING:
    from connector.client.pipeline import KlaviyoClient


def credential_from_env(environ: Mapping[str, str] | None = None) -> Credential | None:
    """The credential the environment configures, or None when it configures none."""
    env = os.environ if environ is None else environ
    api_key = env.get("KLAVIYO_API_KEY", "").strip()
    if api_key:
        from connections.api_key import ApiKeyConnection

        return ApiKeyConnection(api_key)
    base_url = (env.get("KLAVIYO_BASE_URL") or "").strip() or None
    access_token = env.get("KLAVIYO_ACCESS_TOKEN", "").strip()
    if access_token:
        from connections.oauth2 import OAuth2Connection

        return OAuth2Connection(client_id=env.get("KLAVIYO_CLIENT_ID", ""), token={"access_token": access_token})
    from connections.token_store import TokenFile

    store = TokenFile(env.get("KLAVIYO_TOKEN_FILE") or None)
    token = store.load() if store.path.exists() else None
    if token:
        from connections.oauth2 import OAuth2Connection

        stored_base = token.get("base_url")
        return OAuth2Connection(
            client_id=env.get("KLAVIYO_CLIENT_ID") or str(token.get("client_id") or ""),
            client_secret=env.get("KLAVIYO_CLIENT_SECRET", ""),
            token=token,
            base_url=base_url or (str(stored_base) if stored_base else "https://a.klaviyo.com"),
            on_token_updated=lambda fresh: store.save(
                {**fresh, "client_id": token.get("client_id"), "base_url": stored_base}
            ),
        )
    return None


def client_from_env(
    environ: Mapping[str, str] | None = None, *, pool_size: int = 16, total_timeout: float | None = None
) -> KlaviyoClient:
    """A client configured from the environment (credential may be None: calls then fail clearly).

    ``total_timeout`` is the default time budget of each request, in seconds (None: per-read timeouts only).
    """
    from connector.client.pipeline import KlaviyoClient
    from connector.client.retry import RetryPolicy

    env = os.environ if environ is None else environ
    return KlaviyoClient(
        credential_from_env(env),
        base_url=(env.get("KLAVIYO_BASE_URL") or "").strip() or None,
        revision=(env.get("KLAVIYO_REVISION") or "").strip() or None,
        pool_size=pool_size,
        retry=RetryPolicy(total_timeout=total_timeout),
    )
