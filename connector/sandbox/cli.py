"""``klaviyo-connector sandbox``: run the local Klaviyo-like server from the command line.

The first line on stdout is the base URL (flushed at once, so a parent process can read it); a short help
text with the API key and OAuth client goes to stderr. The server runs until Ctrl-C or SIGTERM, then shuts
down cleanly and exits 0.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> parser.parse_args(["--rate-limits", "scale=60"]).rate_limits
    'scale=60'
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .ratelimit import parse_mode
from .sandbox import Sandbox


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox options to a parser (used by the main CLI and ``python -m connector.sandbox``).

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p); p.parse_args([]).port
        0
    """
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument(
        "--data", default=None, metavar="FILE", help="SQLite file that keeps state across restarts (default: in memory)"
    )
    parser.add_argument(
        "--rate-limits",
        default="off",
        metavar="klaviyo|off|scale=F",
        help="enforce Klaviyo's per-endpoint limits, disable them (default), or enforce them "
        "with windows F times shorter",
    )
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, metavar="F", help="fraction of API requests answered with a 5xx error"
    )
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N", help="delay added to every API request")
    parser.add_argument(
        "--reset-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="fraction of API requests whose connection is dropped without a response",
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="seed that makes faults reproducible")
    parser.add_argument(
        "--job-latency",
        type=float,
        default=0.0,
        metavar="S",
        help="keep every bulk job queued/processing for S real seconds after creation (default 0; not scaled "
        "by --rate-limits scale=F)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit status (0 after a clean shutdown, 2 on bad options).

    Example:
        >>> run(argparse.Namespace(host="127.0.0.1", port=0, data=None, rate_limits="sometimes", fail_rate=0.0,
        ...                        latency_ms=0, reset_rate=0.0, seed=None, job_latency=0.0))
        2
    """
    try:
        parse_mode(args.rate_limits)
        sandbox = Sandbox(
            host=args.host,
            port=args.port,
            data=args.data,
            rate_limits=args.rate_limits,
            fail_rate=args.fail_rate,
            latency_ms=args.latency_ms,
            reset_rate=args.reset_rate,
            seed=args.seed,
            job_latency=getattr(args, "job_latency", 0.0),
        )
    except ValueError as exc:
        print(f"klaviyo-connector sandbox: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        sandbox.start()
    except OSError as exc:
        print(f"klaviyo-connector sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(sandbox.url, flush=True)
        print(
            f"API key: {sandbox.api_key} (any 'pk_' + 20 letters/digits works)\n"
            f"OAuth client: {sandbox.oauth_client_id} / {sandbox.oauth_client_secret}\n"
            "Serving Klaviyo API revision 2026-07-15; press Ctrl-C to stop.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
