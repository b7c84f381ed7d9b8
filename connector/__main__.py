"""``python -m connector``: the same as the ``klaviyo-connector`` command."""

import sys

from connector.cli import main

sys.exit(main())
