"""``klaviyo-connector deliver``: deliver a JSONL file of Segment or RudderStack events to Klaviyo.

Prints the summary as JSON on stdout. Exit codes: 0 every line delivered or skipped (valid, but the
settings send nothing for it, such as a ``page`` call with page delivery off), 4 some lines rejected
(and none retryable), 5 some lines retryable (run the retryable lines again), 2 bad arguments.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> args = parser.parse_args(["events.jsonl", "--format", "rudderstack", "--list-id", "Y6nRLr"])
    >>> settings_from_args(args).list_id
    'Y6nRLr'
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from connector.apps.delivery.mapping import FORMATS
from connector.client.errors import EXIT_API, EXIT_TRANSIENT, InputError

_FLAGS = (
    ("--subscribe", "subscribe", "subscribe identified profiles (to the list, if any) unless an event says otherwise"),
    ("--sms-consent", "sms_consent", "also subscribe phone numbers to SMS"),
    ("--enforce-email", "enforce_email", "email is the primary identifier; the user id is never the external ID"),
    ("--fallback-on-anonymous-id", "fallback_on_anonymous_id", "use the anonymous ID when there is no user id"),
    ("--send-page-as-track", "send_page_as_track", "send page calls as 'Viewed <name> page' events"),
    ("--additional-page-info", "additional_page_info", "include page properties in those events"),
    ("--flatten-properties", "flatten_properties", "flatten nested custom properties to dotted keys"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``deliver``'s arguments to its subcommand parser.

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p); p.parse_args(["x.jsonl"]).format
        'segment'
    """
    parser.add_argument("events", help="JSONL file of spec events (one JSON object per line; '-' = stdin)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="segment",
        help="event format (rudderstack = its default v1 API, ecommerce events renamed; rudderstack-v2 keeps names)",
    )
    parser.add_argument("--report", metavar="FILE", help="write one JSON outcome per input line to FILE")
    parser.add_argument("--settings", metavar="FILE", help="a JSON object of delivery settings (flags win)")
    parser.add_argument("--list-id", help="default list for identify calls")
    parser.add_argument(
        "--no-confirm-optin",
        dest="confirm_optin",
        action="store_false",
        default=None,
        help="import consent as already given (no double opt-in email); only with explicit permission",
    )
    parser.add_argument("--consent", help="consent channels, comma-separated: email,sms (default email)")
    parser.add_argument("--placed-order", action="store_true", default=None, help="send orders as 'Placed Order'")
    parser.add_argument("--order-event-name", help="metric of Order Completed events (default 'Order Completed')")
    parser.add_argument("--product-event-name", help="metric of product events (default 'Ordered Product')")
    parser.add_argument(
        "--no-product-events", dest="product_events", action="store_false", default=None, help="no product events"
    )
    parser.add_argument("--default-region", help="region for phone numbers without + (ISO 3166, e.g. US)")
    parser.add_argument("--custom-source", help="custom_source of subscriptions")
    from connector.apps.delivery.deliver import WINDOW, WINDOWS_IN_FLIGHT

    parser.add_argument("--window", type=int, default=WINDOW, help=f"lines mapped and sent together ({WINDOW})")
    parser.add_argument(
        "--windows-in-flight",
        type=int,
        default=WINDOWS_IN_FLIGHT,
        help=f"windows read ahead while earlier ones wait for Klaviyo's import jobs ({WINDOWS_IN_FLIGHT}; "
        "1 = no overlap); memory grows with window x windows",
    )
    parser.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="limits' windows are F times shorter (for the sandbox's --rate-limits scale=F)",
    )
    for flag, dest, text in _FLAGS:
        parser.add_argument(flag, dest=dest, action="store_true", default=None, help=text)


def settings_from_args(args: argparse.Namespace) -> Any:
    """The :class:`DeliverySettings` of the parsed arguments (``--settings`` file, then flags)."""
    from connector.apps.delivery.settings import DeliverySettings

    values: dict[str, Any] = {}
    if getattr(args, "settings", None):
        try:
            with open(args.settings, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read settings file {args.settings}: {exc}", label="Settings") from None
        if not isinstance(loaded, dict):
            raise InputError("must hold a JSON object", label="Settings")
        values.update(loaded)
    names = ["list_id", "confirm_optin", "consent", "placed_order", "order_event_name", "product_event_name"]
    names += ["product_events", "default_region", "custom_source", *(dest for _, dest, _ in _FLAGS)]
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            values[name] = value
    return DeliverySettings.from_mapping(values)


def run(args: argparse.Namespace) -> int:
    """Run ``deliver`` with the environment's client; print the summary; return the exit code."""
    from connector.apps.delivery.deliver import deliver
    from connector.shell.env import client_for

    settings = settings_from_args(args)
    source: Any = sys.stdin if args.events == "-" else args.events
    with client_for(args) as client:
        try:
            summary = deliver(
                source,
                format=args.format,
                settings=settings,
                client=client,
                report=args.report,
                window=args.window,
                windows_in_flight=args.windows_in_flight,
                rate_scale=args.rate_scale,
            )
        except OSError as exc:  # the events file or the report cannot be read or written: the CLI's JSON error
            if exc.filename is None:
                raise
            raise InputError(f"deliver: cannot use {exc.filename} ({exc.strerror})") from None
    json.dump(summary.to_json(), sys.stdout)
    sys.stdout.write("\n")
    if summary.retryable:
        return EXIT_TRANSIENT
    if summary.rejected:
        return EXIT_API
    return 0
