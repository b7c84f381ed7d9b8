"""``klaviyo-connector sync profiles|events|subscriptions FILE``: the command line of :func:`connector.apps.sync.sync`.

Prints the summary as JSON on stdout (and writes it to ``--report``). Exit codes: 0 every record
delivered, 4 some rejected (see the dead letter file), 5 some still pending after retries (run the
same command again: it resumes), 2 bad arguments (a mistake in the CSV header, ``--map`` or ``--types``
among them, found before any request).

``sync --help`` ends with the columns each kind reads and how CSV cells are typed, from the one table
(:mod:`connector.apps.sync.columns`).

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_arguments(parser)
    >>> args = parser.parse_args(["profiles", "export.csv", "--list-id", "Y6nRLr", "--state", "sync.db"])
    >>> args.kind, args.list_id, args.state
    ('profiles', 'Y6nRLr', 'sync.db')
"""

from __future__ import annotations

import argparse
import json
import textwrap

from connector.apps.sync.cells import RULE
from connector.apps.sync.columns import KINDS, OTHER_COLUMNS, fields
from connector.apps.sync.options import SyncOptions
from connector.client.errors import EXIT_API, EXIT_TRANSIENT, InputError
from connector.klaviyo.bulk.limits import MAX_JOBS_IN_FLIGHT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``sync``'s arguments to its (sub)command parser.

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p); p.parse_args(["events", "e.jsonl"]).concurrency
        8
    """
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # the epilog's columns stay in columns
    parser.epilog = columns_help()
    parser.add_argument("kind", choices=KINDS, help="what the file holds")
    parser.add_argument("file", help="CSV (header line first) or JSONL file")
    parser.add_argument(
        "--list-id",
        help="profiles: add to (and in reverse-ETL mode remove from) this list; subscriptions: subscribe to it",
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="SQLite state file: reverse-ETL mode (send only changes, undo deletions since the last successful sync)",
    )
    parser.add_argument("--report", metavar="FILE", help="also write the JSON summary to FILE")
    parser.add_argument("--dead-letter", metavar="FILE", help="rejected records as JSONL (default FILE.rejected.jsonl)")
    parser.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="checkpoint file without --state (default FILE.sync-checkpoint.sqlite, removed when the run completes)",
    )
    _add_column_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=8, help="most requests in flight per endpoint (8)")
    parser.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="limits' windows are F times shorter (for the sandbox's --rate-limits scale=F)",
    )
    parser.add_argument("--batch-size", type=int, help="fewer records per request than Klaviyo allows")
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=8,
        help="sends of a failing record before it is left pending for the next run (8)",
    )
    parser.add_argument(
        "--historical-import",
        action="store_true",
        help="subscriptions: import past consent (uses consented_at; no opt-in email)",
    )
    parser.add_argument("--custom-source", help="subscriptions: the consent's custom source")
    parser.add_argument(
        "--max-jobs-in-flight",
        type=int,
        default=MAX_JOBS_IN_FLIGHT,
        metavar="N",
        help=f"profiles: import jobs Klaviyo accepted that the sync follows at once ({MAX_JOBS_IN_FLIGHT}); more "
        "keep it fast when Klaviyo's jobs take long (each costs about 0.5 MB while Klaviyo runs it)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")


def _add_column_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags saying how the input's columns are read."""
    parser.add_argument("--format", choices=("csv", "jsonl"), help="input format (default from the file name)")
    parser.add_argument("--key", help="profiles: the column that identifies a row (default external_id/email/phone)")
    parser.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="read a CSV column as FIELD (a field below, location.FIELD or properties.NAME); repeatable",
    )
    parser.add_argument(
        "--types",
        action="append",
        metavar="COLUMN=TYPE,...",
        help="send a CSV column's cells as string, number, boolean or date (see below); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    """Run the sync described by parsed ``args``; print the summary; return the exit code.

    Example:
        >>> # run(parser.parse_args(["events", "events.jsonl"]))
    """
    from connector.apps.sync.engine import sync
    from connector.shell.env import client_for

    if args.concurrency < 1 or args.rate_scale <= 0 or (args.batch_size is not None and args.batch_size < 1):
        raise InputError("sync: --concurrency and --batch-size must be at least 1, --rate-scale positive")
    try:
        # Enough pooled connections for every concurrent request, plus job polls.
        with client_for(args, pool_size=args.concurrency * 2 + 4) as client:
            summary = sync(
                args.kind,
                args.file,
                client=client,
                options=options_from(args),  # its validators refuse bad values (ValueError: exit 2)
            )
    except InputError:
        raise  # the CLI's JSON error, naming the input
    except (OSError, ValueError) as exc:  # an unreadable file, a bad option: the CLI's JSON error, exit 2
        raise InputError(f"sync: {exc}") from None
    text = json.dumps(summary.to_json(), indent=2)
    print(text)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    if summary.pending:
        return EXIT_TRANSIENT
    return EXIT_API if summary.rejected else 0


def options_from(args: argparse.Namespace) -> SyncOptions:
    """The :class:`~connector.apps.sync.options.SyncOptions` the parsed ``args`` ask for.

    Example:
        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> options_from(p.parse_args(["events", "e.jsonl", "--max-jobs-in-flight", "20"])).max_jobs_in_flight
        20
    """
    return SyncOptions(
        list_id=args.list_id,
        state=args.state,
        checkpoint=args.checkpoint,
        dead_letter=args.dead_letter,
        key=args.key,
        column_map=pairs(args.map, "--map"),
        column_types=pairs(args.types, "--types"),
        format=args.format,
        concurrency=args.concurrency,
        rate_scale=args.rate_scale,
        batch_size=args.batch_size,
        max_attempts=args.max_attempts,
        max_jobs_in_flight=args.max_jobs_in_flight,
        historical_import=args.historical_import,
        custom_source=args.custom_source,
        progress=False if args.no_progress else None,
    )


def pairs(given: list[str] | None, flag: str) -> dict[str, str]:
    """``COLUMN=VALUE`` flags (each may hold several, separated by commas) as a dict; :class:`InputError` if malformed.

    A flag whose pieces do not all hold ``=`` is one pair (a header with a comma in it).

    Example:
        >>> pairs(["plan=string,score=number", "Name, First=first_name"], "--types")
        {'plan': 'string', 'score': 'number', 'Name, First': 'first_name'}
    """
    found: dict[str, str] = {}
    for text in given or []:
        pieces = text.split(",")
        for piece in pieces if all("=" in p for p in pieces) else [text]:
            column, equals, value = piece.rpartition("=")
            column, value = column.strip(), value.strip()
            if not equals or not column or not value:
                raise InputError(f"expected COLUMN=VALUE, not {piece!r}", label=flag)
            if column in found:
                raise InputError(f"{column!r} is given twice", label=flag)
            found[column] = value
    return found


def columns_help() -> str:
    """The end of ``sync --help``: the columns each kind reads, from the table, and how CSV cells are typed.

    Example:
        >>> print(columns_help().splitlines()[3])
            email            Email, E-mail, Email Address
    """
    lines = [
        "columns (CSV headers: a field's name or an alias, in any case, with spaces, hyphens or dots for",
        "underscores; --map COLUMN=FIELD for any other):",
    ]
    for kind in KINDS:
        lines.append(f"  {kind}:")
        for field in fields(kind):
            lines.append(f"    {field.name:<16} {', '.join(field.aliases)}".rstrip())
        lines += textwrap.wrap(OTHER_COLUMNS[kind], 100, initial_indent="    ", subsequent_indent="      ")
    lines += ["", *textwrap.wrap(RULE, 104)]
    return "\n".join(lines)
