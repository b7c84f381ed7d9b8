"""``klaviyo-connector``: the command line for low-code steps and shell use.

Commands: ``actions``, ``sources``, ``manifest``, ``describe KEY``, ``run KEY``, ``source KEY`` (data
sources), ``auth login|list|switch|logout|status``, ``oauth login|status|logout``, ``sandbox``, ``deliver``,
``sync``, ``demo``, ``version`` (and ``--version``).

``run`` prints the result as JSON on stdout and exits 0. Any failure, a wrong argument included, prints one
JSON object on stderr, ``{"error": {"type", "message", "status", "errors"}}``, and exits with:
2 input error, 3 connection/auth error, 4 API error, 5 rate-limit or transient error, 1 anything else.

Example:
    >>> main(["version"])
    klaviyo-connector 0.1.0 (Klaviyo API revision 2026-07-15)
    0
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TextIO

from connector.client.errors import InputError, KlaviyoError
from connector.version import API_REVISION, __version__

VERSION_TEXT = f"klaviyo-connector {__version__} (Klaviyo API revision {API_REVISION})"


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
    from connector.client.json_depth import TOO_DEEP
    from connector.framework.inputs import nested_too_deeply_at

    failure: InputError | None = None
    try:
        loaded = json.loads(text, parse_constant=_not_json) if text.strip() else {}
    except json.JSONDecodeError as exc:
        failure = InputError(f"--inputs is not valid JSON ({exc.msg} at line {exc.lineno})")
    except RecursionError:
        key = nested_too_deeply_at(text)
        where = f"the value of {key!r}" if key is not None else "the document"
        failure = InputError(TOO_DEEP, label=f"--inputs: {where}", key=key)
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
    entries = manifest["actions"] + manifest["dataSources"]
    for entry in entries:
        if entry["key"] == args.key:
            _print_json(entry, sys.stdout)
            return 0
    import difflib

    close = difflib.get_close_matches(args.key, [e["key"] for e in entries], n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "`actions` and `sources` list them"
    raise InputError(f"unknown action or data source {args.key!r}; {hint}")


def cmd_run(args: argparse.Namespace) -> int:
    from connector.shell.component import COMPONENT
    from connector.shell.env import STEP_TIME_BUDGET, client_for
    from connector.shell.reporting import reporting

    action = COMPONENT.action(args.key)
    values = _parse_inputs(args)
    connection = values.pop("connection", None)  # the step's connection: see connector.shell.env
    cleaned = action.clean(values)  # input errors before any connection or request
    with client_for(args, connection=connection, total_timeout=STEP_TIME_BUDGET) as client, reporting(client):
        _print_result(action.perform(client, cleaned), args)
    return 0


def _print_result(result: Any, args: argparse.Namespace) -> None:
    """The step's result on stdout: pretty JSON, one line (``--compact``), or JSON lines (``--jsonl``: one per
    record of a list result; any other result on one line)."""
    from connector.framework.definitions import to_output

    if args.jsonl and isinstance(result, Iterator):
        for item in result:
            _print_json(item, sys.stdout, pretty=False)
        return
    _print_json(to_output(result), sys.stdout, pretty=not (args.compact or args.jsonl))


def cmd_source(args: argparse.Namespace) -> int:
    from connector.shell.env import STEP_TIME_BUDGET, client_for
    from connector.shell.reporting import reporting

    source = _data_source(args.key)
    values = _parse_inputs(args)
    connection = values.pop("connection", None)
    with client_for(args, connection=connection, total_timeout=STEP_TIME_BUDGET) as client, reporting(client):
        output = source.run(client, values)
    if args.jsonl:
        for option in output["result"]:
            _print_json(option, sys.stdout, pretty=False)
        return 0
    _print_json(output, sys.stdout, pretty=not args.compact)
    return 0


def _data_source(key: str) -> Any:
    """The data source ``key``; an unknown key's error names data sources, not actions."""
    from connector.shell.component import COMPONENT

    try:
        return COMPONENT.data_source(key)
    except InputError:
        import difflib

        known = [d.key for d in COMPONENT.data_sources()]
        close = difflib.get_close_matches(key, known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "`klaviyo-connector sources` lists them"
        raise InputError(f"unknown data source {key!r}; {hint}") from None


def cmd_sources(args: argparse.Namespace) -> int:
    from connector.shell.component import COMPONENT

    for source in COMPONENT.data_sources():
        print(f"{source.key}\t{source.label}")
    return 0


def cmd_auth(args: argparse.Namespace) -> int:
    from connector.shell import auth_cli

    return auth_cli.run(args)


def cmd_oauth(args: argparse.Namespace) -> int:
    from connector.shell import oauth_cli

    return oauth_cli.run(args)


def cmd_sandbox(args: argparse.Namespace) -> int:
    import contextlib

    from connector.sandbox import cli as sandbox_cli

    # The sandbox reports a bad option or a busy port as a line of text: make it the CLI's JSON error.
    tap = _SandboxStderr(sys.stderr)
    with contextlib.redirect_stderr(tap):
        code: int = sandbox_cli.run(args)
    if code and tap.failure is not None:
        raise (InputError if code == 2 else KlaviyoError)(f"sandbox: {tap.failure}")
    return code


class _SandboxStderr:
    """Passes the sandbox's stderr through, except its failure line (``klaviyo-connector sandbox: ...``)."""

    PREFIX = "klaviyo-connector sandbox: "

    def __init__(self, target: TextIO) -> None:
        self.target = target
        self.failure: str | None = None
        self._line_end = False

    def write(self, text: str) -> int:
        if text.startswith(self.PREFIX):
            self.failure, self._line_end = text[len(self.PREFIX) :].strip(), True
            return len(text)
        if self._line_end and text == "\n":
            self._line_end = False
            return len(text)
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()


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
    print(VERSION_TEXT)
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are the CLI's one JSON error object on stderr (exit 2), like every
    other failure, instead of usage text."""

    def error(self, message: str) -> NoReturn:
        error = InputError(f"{self.prog}: {message}{_argument_hint(message)}")
        payload = error.to_json()
        payload["error"]["usage"] = " ".join(self.format_usage().split())
        _print_json(payload, sys.stderr, pretty=False)
        self.exit(2)


def _argument_hint(message: str) -> str:
    """``run createList listName=x``: say how inputs are given."""
    if message.startswith("unrecognized arguments:") and "=" in message:
        pair = next(word for word in message.split(":", 1)[1].split() if "=" in word)
        return f" (inputs are given as --input KEY=VALUE: --input {pair})"
    return ""


#: Commands that talk to Klaviyo take ``--account NAME`` (a stored account, see ``auth``).
_CONNECTED = frozenset({"run", "source", "auth", "oauth", "deliver", "sync", "demo"})


_STEP_HELP = {
    "run": (
        "action key, e.g. createList (`klaviyo-connector actions` lists them)",
        "list results as one JSON line per record (any other result on one line)",
    ),
    "source": (
        "data source key, e.g. selectList (`klaviyo-connector sources` lists them)",
        "one JSON line per option",
    ),
}


def _step_options(p: argparse.ArgumentParser, name: str) -> None:
    """``run`` and ``source``: a workflow step's two commands, with the same inputs and output options."""
    key_help, jsonl_help = _STEP_HELP[name]
    p.add_argument("key", help=key_help)
    p.add_argument("--input", "-i", action="append", metavar="KEY=VALUE", help="one input value (repeatable)")
    p.add_argument(
        "--inputs", metavar="FILE|-", help="a JSON object of input key to value, 'connection' too ('-' = stdin)"
    )
    p.add_argument("--compact", action="store_true", help="print JSON on one line")
    p.add_argument("--jsonl", action="store_true", help=jsonl_help)
    p.add_argument(
        "--token-file", metavar="FILE", help="OAuth token file to use, and where a step's rotated token is written"
    )


def _describe_options(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("key", help="action or data source key, e.g. createList or selectList")


def _demo_options(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument(
        "--write-to-my-account",
        action="store_true",
        help="with KLAVIYO_API_KEY set, really create the demo list, profiles and events in that account",
    )


def _own_module_options(p: argparse.ArgumentParser, name: str) -> None:
    importlib.import_module(_OWN_OPTIONS[name][2]).add_arguments(p)


def _no_options(p: argparse.ArgumentParser, name: str) -> None:
    pass


def _commands() -> list[tuple[str, Callable[[argparse.Namespace], int], str, Callable[..., None]]]:
    """Each command: its name, handler, help and what adds its options, in the order ``--help`` lists them."""
    return [
        ("actions", cmd_actions, "List every action: key and label, one per line.", _no_options),
        ("sources", cmd_sources, "List every data source (picklist): key and label, one per line.", _no_options),
        ("manifest", cmd_manifest, "Print the component manifest as JSON.", _no_options),
        ("describe", cmd_describe, "Print one action's or data source's inputs and JSON Schema.", _describe_options),
        ("run", cmd_run, "Run one action and print its result as JSON.", _step_options),
        (
            "source",
            cmd_source,
            'Run one data source (picklist) and print its options as JSON: {"result": [{"label", "key"}]}.',
            _step_options,
        ),
        *((name, handler, text, _own_module_options) for name, (handler, text, _) in _OWN_OPTIONS.items()),
        ("demo", cmd_demo, "Run a realistic workflow (local sandbox unless KLAVIYO_API_KEY is set).", _demo_options),
        ("version", cmd_version, "Print the SDK version and pinned API revision.", _no_options),
    ]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, with only what ``command`` needs.

    A known command gets only its own subparser, with its options: building all fourteen (argparse looks up
    translations and the terminal size for each) was ~10 ms of a ~140 ms step. With no command (``--help``) or
    an unknown one every command is listed, without options; a command whose options live in their own module
    (``sync``, ``sandbox``, ``oauth``...) imports it only when it runs, so ``run`` never imports the sandbox,
    authlib or the sync engine.
    """
    parser = _Parser(
        prog="klaviyo-connector",
        description="Klaviyo connector: run catalog actions as workflow steps, print the manifest, "
        "run a local Klaviyo sandbox.",
        epilog="Exit codes: 0 ok, 2 input error, 3 connection/auth error, 4 API error, "
        "5 rate-limit or transient error, 1 other. Every failure prints one JSON object on stderr.",
    )
    parser.add_argument("--version", action="version", version=VERSION_TEXT)
    parser.add_argument("--account", metavar="NAME", help="use this stored account (see `auth`; KLAVIYO_ACCOUNT)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    commands = _commands()
    known = command in {name for name, *_ in commands}
    for name, handler, help_text, add_options in commands:
        if known and name != command:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        if name in _CONNECTED:  # SUPPRESS: a --account given before the command is kept
            p.add_argument("--account", metavar="NAME", default=argparse.SUPPRESS, help="use this stored account")
        if known:
            add_options(p, name)
    return parser


def _command_of(arguments: Sequence[str]) -> str | None:
    """The command word of an argument list (``--account NAME`` may come before it); None when ``-h`` comes
    first (the top-level help lists every command)."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == "--account":
            skip = True
        elif argument in ("-h", "--help"):
            return None
        elif not argument.startswith("-"):
            return argument
    return None


#: Commands whose options live in their own module, imported only when that command runs (``run`` never
#: imports the sandbox, authlib or the sync engine: start-up time matters for a one-process-per-call step).
_OWN_OPTIONS: dict[str, tuple[Callable[[argparse.Namespace], int], str, str]] = {
    "auth": (
        cmd_auth,
        "Named accounts: log in with a private API key, list, switch, log out, status.",
        "connector.shell.auth_cli",
    ),
    "oauth": (
        cmd_oauth,
        "OAuth 2.0 helpers: log in (authorization code + PKCE), status, log out.",
        "connector.shell.oauth_cli",
    ),
    "sandbox": (cmd_sandbox, "Run the local Klaviyo sandbox server.", "connector.sandbox.cli"),
    "deliver": (
        cmd_deliver,
        "Deliver Segment or RudderStack events (JSONL) to Klaviyo, one outcome per line.",
        "connector.shell.deliver_cli",
    ),
    "sync": (
        cmd_sync,
        "Bulk sync a CSV/JSONL file of profiles, events or subscriptions at the rate limit.",
        "connector.shell.sync_cli",
    ),
}


#: The one-shot step commands: a low-code platform starts a process for each step.
_STEP_COMMANDS = frozenset({"run", "source"})

#: Allocations between two young-generation collections in a step process (CPython's default is 700 up to 3.12).
#: While a step's modules load, the default ran the cyclic collector about 50 times (~9 ms of a ~140 ms step,
#: walking objects that all live until exit); at this size start-up finishes without a collection, and a long
#: listing still collects, every 50,000 allocations.
STEP_GC_THRESHOLD = 50_000


def _tune_collector_for_a_step() -> None:
    import gc

    gc.set_threshold(STEP_GC_THRESHOLD, *gc.get_threshold()[1:])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``klaviyo-connector`` and ``python -m connector``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(arguments)
    if command in _STEP_COMMANDS:
        _tune_collector_for_a_step()
    parser = build_parser(command)
    args = parser.parse_args(arguments)
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
