"""``python -m connector``: the same as the ``klaviyo-connector`` command."""

import sys

from connector.shell.cli import main

sys.exit(main())
