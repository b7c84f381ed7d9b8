"""A local server that behaves like Klaviyo's REST API (revision 2026-07-15), for tests and demos.

It is an independent second implementation written from Klaviyo's OpenAPI spec, using only the standard
library; it imports nothing from the SDK's client, so a mistake shared by both cannot pass every test.

Start one::

    from connector.sandbox import Sandbox

    with Sandbox(rate_limits="scale=100", seed=1) as sb:
        requests.get(sb.url + "/api/lists", headers=sb.headers())

Options: ``Sandbox(host="127.0.0.1", port=0, data=None, rate_limits="off"|"klaviyo"|"scale=F", fail_rate=0.0,
latency_ms=0, reset_rate=0.0, seed=None, job_latency=0.0)``; ``data`` is a SQLite file that keeps state across
restarts; ``job_latency`` keeps every bulk job ``queued``/``processing`` for that many real seconds.

Credentials: any ``Authorization: Klaviyo-API-Key pk_`` + at least 20 letters/digits is accepted
(``sb.api_key`` is one; ``sb.headers()`` builds a full header set), as is ``Authorization: Bearer <token>`` for
a token from the sandbox's OAuth server (``/oauth/authorize``, ``/oauth/token``, ``/oauth/revoke``; client
``sb.oauth_client_id`` / ``sb.oauth_client_secret``, more via ``sb.register_oauth_client``).

State inspection (``sb.state``, plain dicts, fresh copies):

* ``lists()``, ``profiles()``, ``profile(id)``, ``events()``, ``metrics()``, ``segments()``, ``templates()``,
  ``campaigns()``, ``campaign_messages()``, ``images()`` - stored documents (attributes flattened, plus ``id``);
* ``list_members(list_id)`` - ``[{"profile_id", "joined_group_at"}]`` in join order;
* ``subscriptions(profile_id)`` - consent per channel, shaped like a profile's ``subscriptions`` attribute;
* ``jobs(kind=None)`` - bulk jobs (``profile-bulk-import-job``, ``profile-subscription-bulk-create-job``,
  ``profile-subscription-bulk-delete-job``, ``event-bulk-create-job`` and the spec's other jobs) with
  ``status`` and counts, as clients see them;
* ``resources(kind)`` - resources of the spec-driven store (``tag``, ``catalog-item``, ``flow`` ...);
* ``import_errors(job_id)`` - per-record errors of a bulk profile import.

``sb.wait_for_jobs()`` blocks until the background worker has processed every bulk import.

Example:
    >>> with Sandbox() as sb:
    ...     sb.state.lists()
    []
"""

from __future__ import annotations

from .sandbox import Sandbox

__all__ = ["Sandbox"]
