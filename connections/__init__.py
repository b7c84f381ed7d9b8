"""Connections: turn what a user configures (an API key, or an OAuth client and tokens) into credentials.

Nothing outside this package knows how Klaviyo authentication works; the client only asks a
:class:`connector.client.auth.Credential` for the ``Authorization`` header.

Example:
    >>> from connections.api_key import ApiKeyConnection
    >>> ApiKeyConnection("pk_" + "a" * 34)
    ApiKeyConnection(key='pk_aaa********')
"""
