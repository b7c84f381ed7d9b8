"""The shell: the command line, the environment, the demo and the Python facade.

The one composition root: the only layer that reads ``KLAVIYO_*`` and names the ``actions`` and
``connections`` packages.
"""
