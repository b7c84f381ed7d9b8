"""Read-only views of the sandbox's state for tests, as plain dicts (see the package docstring).

Example:
    >>> from .store import Store
    >>> State(Store()).lists()
    []
"""

from __future__ import annotations

from typing import Any

from .jobs import JobQueue
from .resources import consent
from .resources.imports import KIND as IMPORT_KIND
from .store import Store

JOB_KINDS = (
    IMPORT_KIND,
    "profile-subscription-bulk-create-job",
    "profile-subscription-bulk-delete-job",
    "event-bulk-create-job",
)


class State:
    """Inspect what the sandbox holds; every method returns fresh copies.

    Example:
        >>> State(Store()).profiles()
        []
    """

    def __init__(self, store: Store, jobs: JobQueue | None = None) -> None:
        self._store = store
        self._jobs = jobs

    def lists(self) -> list[dict[str, Any]]:
        """All lists: ``{"id", "name", "opt_in_process", "created", "updated"}``.

        Example:
            >>> State(Store()).lists()
            []
        """
        return self._store.all("list")

    def profiles(self) -> list[dict[str, Any]]:
        """All profiles: ``id``, identifiers, names, ``location``, ``properties``, timestamps, raw consent.

        Example:
            >>> State(Store()).profiles()
            []
        """
        return self._store.all("profile")

    def profile(self, profile_id: str) -> dict[str, Any] | None:
        """One profile or None.

        Example:
            >>> State(Store()).profile("x") is None
            True
        """
        return self._store.get("profile", profile_id)

    def events(self) -> list[dict[str, Any]]:
        """All events: ``id``, ``metric_id``, ``profile_id``, ``datetime``, ``timestamp``, ``event_properties``,
        ``unique_id``, ``value``, ``uuid``.

        Example:
            >>> State(Store()).events()
            []
        """
        return self._store.all("event")

    def metrics(self) -> list[dict[str, Any]]:
        """All metrics: ``id``, ``name``, ``integration``, timestamps.

        Example:
            >>> State(Store()).metrics()
            []
        """
        return self._store.all("metric")

    def list_members(self, list_id: str) -> list[dict[str, Any]]:
        """Members of a list in join order: ``{"profile_id", "joined_group_at"}``.

        Example:
            >>> State(Store()).list_members("L")
            []
        """
        return [{"profile_id": p, "joined_group_at": j} for p, j in self._store.members(list_id)]

    def subscriptions(self, profile_id: str) -> dict[str, Any]:
        """A profile's consent as the ``subscriptions`` attribute shows it ({} for an unknown profile).

        Example:
            >>> State(Store()).subscriptions("nope")
            {}
        """
        doc = self._store.get("profile", profile_id)
        return {} if doc is None else consent.view(doc)

    def jobs(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Jobs of every kind (or one ``kind``), each with ``id``, ``status`` and counts, as clients see them now
        (non-final during the job latency).

        Kinds: ``profile-bulk-import-job``, ``profile-subscription-bulk-create-job``,
        ``profile-subscription-bulk-delete-job``, ``event-bulk-create-job`` and every job type of the spec
        (``catalog-item-bulk-create-job``, ``profile-suppression-bulk-create-job`` ...).

        Example:
            >>> State(Store()).jobs()
            []
        """
        kinds = (kind,) if kind else sorted(set(JOB_KINDS) | {k for k in self._store.kinds() if k.endswith("-job")})
        docs = [doc for k in kinds for doc in self._store.all(k)]
        if self._jobs is not None:
            docs = [self._jobs.view(doc) for doc in docs]
        docs = [{k: v for k, v in doc.items() if not k.startswith("_")} for doc in docs]
        return sorted(docs, key=lambda d: str(d.get("created_at", "")))

    def resources(self, kind: str) -> list[dict[str, Any]]:
        """Every stored resource of a type of the spec-driven store (``tag``, ``catalog-item``, ``flow`` ...),
        attributes flattened, plus ``id``.

        Example:
            >>> State(Store()).resources("tag")
            []
        """
        return [{k: v for k, v in doc.items() if not k.startswith("_")} for doc in self._store.all(kind)]

    def import_errors(self, job_id: str) -> list[dict[str, Any]]:
        """Per-record errors of a bulk import job: ``{"id", "code", "title", "detail", "source",
        "original_payload"}``.

        Example:
            >>> State(Store()).import_errors("J")
            []
        """
        doc = self._store.get(IMPORT_KIND, job_id)
        return [] if doc is None else list(doc.get("errors", []))

    def segments(self) -> list[dict[str, Any]]:
        """All segments with their stored ``definition``.

        Example:
            >>> State(Store()).segments()
            []
        """
        return self._store.all("segment")

    def templates(self) -> list[dict[str, Any]]:
        """All templates.

        Example:
            >>> State(Store()).templates()
            []
        """
        return self._store.all("template")

    def campaigns(self) -> list[dict[str, Any]]:
        """All campaigns (message ids under ``message_ids``).

        Example:
            >>> State(Store()).campaigns()
            []
        """
        return self._store.all("campaign")

    def campaign_messages(self) -> list[dict[str, Any]]:
        """All campaign messages.

        Example:
            >>> State(Store()).campaign_messages()
            []
        """
        return self._store.all("campaign-message")

    def images(self) -> list[dict[str, Any]]:
        """All images (metadata; bytes are served at ``image_url``).

        Example:
            >>> State(Store()).images()
            []
        """
        return self._store.all("image")
