"""Version of the SDK and the Klaviyo API revision it is pinned to.

Example:
    >>> from connector.version import __version__, API_REVISION
    >>> API_REVISION
    '2026-07-15'
"""

__version__ = "0.1.0"

#: The Klaviyo API revision every request sends unless a client or call overrides it.
#: It matches the official OpenAPI spec the SDK is tested against.
API_REVISION = "2026-07-15"

USER_AGENT = f"klaviyo-connector-python/{__version__}"
