"""``klaviyo-connector``: the command line for low-code steps and shell use.

Commands: ``actions``, ``manifest``, ``describe KEY``, ``run KEY``, ``source KEY`` (data sources),
``oauth login|status|logout``, ``sandbox``, ``deliver``, ``sync``, ``demo``, ``version``.

``run`` prints the result as JSON on stdout and exits 0. Any failure prints one JSON object on
stderr, ``{"error": {"type", "message", "status", "errors"}}``, and exits with:
2 input error, 3 connection/auth error, 4 API error, 5 rate-limit or transient error, 1 anything else.

Example:
    >>> main(["version"])
    klaviyo-connector 0.1.0 (Klaviyo API revision 2026-07-15)
    0
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from connector.client.errors import InputError, KlaviyoError
from connector.version import API_REVISION, __version__


def _print_json(data: Any, stream: TextIO, *, pretty: bool = True) -> None:
    text = json.dumps(data, indent=2 if pretty else None, ensure_ascii=False, default=str)
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        # A lone surrogate (echoed input, an answer's "\ud800" escape) or a stream that is not UTF-8:
        # the same JSON with every non-ASCII character escaped.
        stream.write(json.dumps(data, indent=2 if pretty else None, ensure_ascii=True, default=str) + "\n")


def _parse_inputs(args: argparse.Namespace) -> dict[str, Any]:
    """Merge ``--inputs FILE|-`` (a JSON object) and ``--input key=value`` pairs (later ones win)."""
    values: dict[str, Any] = {}
    if args.inputs:
        text = _read_stdin() if args.inputs == "-" else _read_file(args.inputs)
        values.update(_load_inputs(text))
    for pair in args.input or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--input expects key=value, got {pair!r}")
        values[key.strip()] = value
    return values


def _load_inputs(text: str) -> dict[str, Any]:
    """The ``--inputs`` document; every way it can be unreadable is an :class:`InputError`, never a crash."""
    from connector.framework.inputs import MAX_JSON_DEPTH, nested_too_deeply_at

    failure: InputError | None = None
    try:
        loaded = json.loads(text, parse_constant=_not_json) if text.strip() else {}
    except json.JSONDecodeError as exc:
        failure = InputError(f"--inputs is not valid JSON ({exc.msg} at line {exc.lineno})")
    except RecursionError:
        key = nested_too_deeply_at(text)
        where = f"the value of {key!r}" if key is not None else "the document"
        failure = InputError(f"is nested more than {MAX_JSON_DEPTH} levels deep", label=f"--inputs: {where}", key=key)
    except ValueError as exc:  # NaN/Infinity, an integer with more digits than Python converts
        failure = InputError(f"--inputs is not valid JSON ({exc})")
    if failure is not None:
        raise failure
    if not isinstance(loaded, dict):
        raise InputError("--inputs must hold a JSON object of input key to value")
    return loaded


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_stdin() -> str:
    try:
        return sys.stdin.read()
    except UnicodeDecodeError:
        raise InputError("--inputs: standard input is not UTF-8 text") from None


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"--inputs: {path} is not UTF-8 text") from None


def cmd_actions(args: argparse.Namespace) -> int:
    from connector.shell.component import COMPONENT

    for action in COMPONENT.actions():
        print(f"{action.key}\t{action.label}")
    return 0


def cmd_manifest(args: argparse.Namespace) -> int:
    from connector.framework.manifest import build_manifest
    from connector.shell.component import COMPONENT

    _print_json(build_manifest(COMPONENT), sys.stdout)
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from connector.framework.manifest import build_manifest
    from connector.shell.component import COMPONENT

    manifest = build_manifest(COMPONENT)
    for entry in manifest["actions"] + manifest["dataSources"]:
        if entry["key"] == args.key:
            _print_json(entry, sys.stdout)
            return 0
    COMPONENT.action(args.key)  # raises with close matches
    return 1


def cmd_run(args: argparse.Namespace) -> int:
    from connector.framework.definitions import to_output
    from connector.shell import env
    from connector.shell.component import COMPONENT

    action = COMPONENT.action(args.key)
    cleaned = action.clean(_parse_inputs(args))  # input errors before any connection or request
    with env.client_from_env(total_timeout=env.STEP_TIME_BUDGET) as client:
        result = action.perform(client, cleaned)
        if args.jsonl and isinstance(result, Iterator):
            for item in result:
                _print_json(item, sys.stdout, pretty=False)
            return 0
        _print_json(to_output(result), sys.stdout, pretty=not args.compact)
    return 0


def cmd_source(args: argparse.Namespace) -> int:
    from connector.shell import env
    from connector.shell.component import COMPONENT

    source = COMPONENT.data_source(args.key)
    values = _parse_inputs(args)
    with env.client_from_env(total_timeout=env.STEP_TIME_BUDGET) as client:
        _print_json(source.run(client, values), sys.stdout)
    return 0


def cmd_oauth(args: argparse.Namespace) -> int:
    from connector.shell import oauth_cli

    return oauth_cli.run(args)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from connector.sandbox import cli as sandbox_cli

    code: int = sandbox_cli.run(args)
    return code


def cmd_deliver(args: argparse.Namespace) -> int:
    from connector.shell import deliver_cli as delivery_cli

    code: int = delivery_cli.run(args)
    return code


def cmd_sync(args: argparse.Namespace) -> int:
    from connector.shell import sync_cli

    code: int = sync_cli.run(args)
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    from connector.shell import demo

    return demo.run(args)


def cmd_version(args: argparse.Namespace) -> int:
    print(f"klaviyo-connector {__version__} (Klaviyo API revision {API_REVISION})")
    return 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser.

    The ``oauth`` and ``sandbox`` subcommands' own options are only built when ``command`` names
    them (or is unknown), so ``run`` never imports the sandbox or authlib: start-up time matters
    for a low-code step that is one process per call.
    """
    full = command is None or command not in _LIGHT_COMMANDS
    parser = argparse.ArgumentParser(
        prog="klaviyo-connector",
        description="Klaviyo connector: run catalog actions as workflow steps, print the manifest, "
        "run a local Klaviyo sandbox.",
        epilog="Exit codes: 0 ok, 2 input error, 3 connection/auth error, 4 API error, "
        "5 rate-limit or transient error, 1 other.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    add("actions", cmd_actions, "List every action: key and label, one per line.")
    add("manifest", cmd_manifest, "Print the component manifest as JSON.")
    p = add("describe", cmd_describe, "Print one action's inputs and JSON Schema.")
    p.add_argument("key", help="action or data source key, e.g. createList")
    for name, handler, text in (
        ("run", cmd_run, "Run one action and print its result as JSON."),
        ("source", cmd_source, "Run one data source (picklist) and print its options as JSON."),
    ):
        p = add(name, handler, text)
        p.add_argument("key", help="action key, e.g. createList")
        p.add_argument("--input", "-i", action="append", metavar="KEY=VALUE", help="one input value (repeatable)")
        p.add_argument("--inputs", metavar="FILE|-", help="a JSON object of input key to value ('-' = stdin)")
        if name == "run":
            p.add_argument("--compact", action="store_true", help="print JSON on one line")
            p.add_argument("--jsonl", action="store_true", help="stream list results as one JSON line per record")

    p = add("oauth", cmd_oauth, "OAuth 2.0 helpers: log in (authorization code + PKCE), status, log out.")
    if full and command in (None, "oauth"):
        from connector.shell import oauth_cli

        oauth_cli.add_arguments(p)

    p = add("sandbox", cmd_sandbox, "Run the local Klaviyo sandbox server.")
    if full and command in (None, "sandbox"):
        from connector.sandbox import cli as sandbox_cli

        sandbox_cli.add_arguments(p)

    p = add("deliver", cmd_deliver, "Deliver Segment or RudderStack events (JSONL) to Klaviyo, one outcome per line.")
    if full and command in (None, "deliver"):
        from connector.shell import deliver_cli as delivery_cli

        delivery_cli.add_arguments(p)

    p = add("sync", cmd_sync, "Bulk sync a CSV/JSONL file of profiles, events or subscriptions at the rate limit.")
    if full and command in (None, "sync"):
        from connector.shell import sync_cli

        sync_cli.add_arguments(p)

    p = add("demo", cmd_demo, "Run a realistic workflow (local sandbox unless KLAVIYO_API_KEY is set).")
    p.add_argument(
        "--write-to-my-account",
        action="store_true",
        help="with KLAVIYO_API_KEY set, really create the demo list, profiles and events in that account",
    )
    add("version", cmd_version, "Print the SDK version and pinned API revision.")
    return parser


_LIGHT_COMMANDS = frozenset({"actions", "manifest", "describe", "run", "source", "version", "demo"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``klaviyo-connector`` and ``python -m connector``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in arguments if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(arguments)
    args = parser.parse_args(argv)
    debug = bool(os.environ.get("KLAVIYO_CONNECTOR_DEBUG"))
    try:
        code: int = args.handler(args)
        return code
    except KlaviyoError as exc:
        _print_json(exc.to_json(), sys.stderr, pretty=False)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # last resort: still one JSON object, never a traceback with secrets
        if debug:
            raise
        error: dict[str, Any] = {
            "error": {"type": type(exc).__name__, "message": "unexpected error", "status": None, "errors": []}
        }
        _print_json(error, sys.stderr, pretty=False)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
