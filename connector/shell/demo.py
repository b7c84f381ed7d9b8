"""``klaviyo-connector demo``: a realistic workflow through the public actions, printed step by step.

With no ``KLAVIYO_API_KEY`` set it starts the built-in local sandbox in-process, so it runs on a fresh
machine with no account. With a key set it refuses to write to that (real) account unless
``--write-to-my-account`` is given, because it creates a list, profiles, consent and events.

Example:
    >>> import argparse, io
    >>> out = io.StringIO()
    >>> run(argparse.Namespace(write_to_my_account=False), out)  # the local sandbox: no KLAVIYO_API_KEY here
    0
    >>> "sandbox" in out.getvalue().lower()
    True
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from connector.client.errors import ConflictError, ConnectionConfigError
from connector.client.pipeline import KlaviyoClient
from connector.shell.component import COMPONENT


class _Printer:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.step = 0

    def __call__(self, text: str) -> None:
        self.step += 1
        print(f"{self.step:>2}. {text}", file=self.stream, flush=True)

    def detail(self, text: str) -> None:
        print(f"      {text}", file=self.stream, flush=True)


@contextlib.contextmanager
def _target(args: argparse.Namespace, say: Callable[[str], None]) -> Iterator[KlaviyoClient]:
    from connector.shell.env import client_for, connection_options, resolve_connection

    resolved = resolve_connection(**connection_options(args))
    if resolved.credential is not None:
        if not args.write_to_my_account:
            raise ConnectionConfigError(
                f"A Klaviyo connection is configured ({resolved.source}): the demo would create a list, profiles, "
                "consent and events in that real account. Re-run with --write-to-my-account to do that, or unset "
                "it (KLAVIYO_API_KEY, --account, `auth logout`) to use the local sandbox."
            )
        with client_for(args) as client:
            say(f"Using the configured Klaviyo account at {client.base_url}")
            yield client
        return
    from connections.api_key import ApiKeyConnection
    from connector.sandbox import Sandbox

    with Sandbox() as sandbox, KlaviyoClient(ApiKeyConnection(sandbox.api_key), base_url=sandbox.url) as client:
        say(f"No KLAVIYO_API_KEY set: started the local Klaviyo sandbox at {sandbox.url}")
        yield client


def _run(client: KlaviyoClient, key: str, **inputs: Any) -> Any:
    return COMPONENT.action(key).run(client, inputs)


def run(args: argparse.Namespace, stream: TextIO | None = None) -> int:
    """Run the demo workflow; returns the exit code."""
    out = _Printer(stream or sys.stdout)
    suffix = uuid.uuid4().hex[:6]
    email = f"ada.{suffix}@example.com"
    with _target(args, out) as client:
        list_id = _create_list(client, out, suffix)
        _create_profile_twice(client, out, email)
        subscribed = _run(
            client,
            "subscribeProfiles",
            profiles=[{"email": email, "phone_number": "+15005550006"}],
            listId=list_id,
            customSource="Connector demo",
        )
        out(
            f"Subscribe Profiles: email + SMS marketing consent, added to the list "
            f"({subscribed.get('requests', 1)} request)"
        )
        _track_an_order(client, out, email, suffix)
        _read_back(client, out, list_id)
    out("Done. Every step above went through the same actions a workflow step or script uses.")
    return 0


def _create_list(client: KlaviyoClient, out: _Printer, suffix: str) -> str:
    created = _run(client, "createList", listName=f"Demo newsletter {suffix}")
    list_id: str = created["data"]["id"]
    out(f"Create List: '{created['data']['attributes']['name']}' -> id {list_id}")
    return list_id


def _create_profile_twice(client: KlaviyoClient, out: _Printer, email: str) -> None:
    """Create a profile, then again with the same email: Klaviyo's 409 names the profile to update instead."""
    profile = _run(
        client,
        "createProfile",
        email=email,
        phoneNumber="+15005550006",
        firstName="Ada",
        lastName="Lovelace",
        location={"city": "London", "country": "United Kingdom"},
        properties={"plan": "pro", "source": "demo"},
    )
    out(f"Create Profile: {email} -> id {profile['data']['id']}")
    try:
        _run(client, "createProfile", email=email, firstName="Augusta")
    except ConflictError as exc:
        out("Create Profile again with the same email: Klaviyo answers 409 duplicate_profile")
        out.detail(f"the existing profile is {exc.duplicate_profile_id}; updating it instead (upsert)")
        updated = _run(
            client, "updateProfile", profileId=exc.duplicate_profile_id, firstName="Augusta", title="Countess"
        )
        attrs = updated["data"]["attributes"]
        out.detail(f"Update Profile: first_name={attrs.get('first_name')!r}, title={attrs.get('title')!r}")
    else:
        out("Create Profile again: no 409 (unexpected for the same email)")


def _track_an_order(client: KlaviyoClient, out: _Printer, email: str, suffix: str) -> None:
    """A viewed product, then an order and its products (unique ids, so a re-run does not double them)."""
    _run(
        client,
        "createEvent",
        eventName="Viewed Product",
        eventProfile={"email": email},
        eventProperties={"ProductName": "Analytical Engine", "ProductID": "AE-1"},
    )
    out("Create Event: 'Viewed Product'")
    order_id = f"ORDER-{suffix}"
    _run(
        client,
        "createEvent",
        eventName="Placed Order",
        eventProfile={"email": email},
        eventProperties={"OrderId": order_id, "Items": ["AE-1", "NOTE-G"]},
        eventValue="1843.50",
        eventValueCurrency="GBP",
        eventUniqueId=order_id,
    )
    products = [("AE-1", 1800), ("NOTE-G", 43.5)]
    bulk = _run(
        client,
        "bulkCreateEvents",
        eventsArray=[
            {
                "metric": "Ordered Product",
                "profile": {"email": email},
                "value": value,
                "unique_id": f"{order_id}_{sku}",
                "properties": {"OrderId": order_id, "ProductID": sku},
            }
            for sku, value in products
        ],
    )
    out(
        f"Order: 'Placed Order' {order_id} (GBP 1843.50) and {bulk.get('events', 2)} 'Ordered Product' "
        f"events in {bulk.get('requests', 1)} bulk request"
    )


def _read_back(client: KlaviyoClient, out: _Printer, list_id: str) -> None:
    members = _wait_for_members(client, list_id)
    out(
        f"List List Profiles: {len(members)} member(s) of the list: "
        + ", ".join(str((m.get("attributes") or {}).get("email")) for m in members)
    )
    lists = _run(client, "listLists", maxRecords="10")
    out(f"List Lists: {len(lists['data'])} list(s) in the account")
    events = _run(client, "listEvents", maxRecords="10")
    out(f"List Events: {len(events['data'])} event(s) so far (events are processed asynchronously)")


def _wait_for_members(client: KlaviyoClient, list_id: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Subscription jobs are asynchronous (202): poll briefly until the list shows its member."""
    deadline = time.monotonic() + timeout
    while True:
        members: list[dict[str, Any]] = _run(client, "listListProfiles", listId=list_id)["data"]
        if members or time.monotonic() > deadline:
            return members
        time.sleep(0.1)
