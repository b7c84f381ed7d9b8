"""``python -m connector.sync KIND FILE [...]``: the sync command without the main CLI.

Example:
    >>> from connector.sync.cli import main
    >>> callable(main)
    True
"""

from __future__ import annotations

import logging
import sys

from connector.sync.cli import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())
