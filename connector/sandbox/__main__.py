"""``python -m connector.sandbox``: the same as ``klaviyo-connector sandbox``.

Example::

    python -m connector.sandbox --port 8080 --rate-limits scale=60 --seed 1
"""

from __future__ import annotations

import argparse
import sys

from .cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    """Parse options and run the sandbox.

    Example:
        >>> main(["--rate-limits", "bogus"])
        2
    """
    parser = argparse.ArgumentParser(
        prog="python -m connector.sandbox", description="A local server that behaves like Klaviyo's REST API."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
