"""The local OAuth login flow: authorize URL, redirect caught on 127.0.0.1, code exchange, token saved.

Example:
    >>> # token = login(OAuth2Connection(client_id="...", client_secret="..."), port=8765)
"""

from __future__ import annotations

import http.server
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connections.oauth2 import OAuth2Connection
from connector.client.errors import ConnectionConfigError

CALLBACK_PATH = "/callback"
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>Klaviyo connector</title>"
    "<p>{message}</p><p>You can close this window.</p>"
)


class _Callback:
    """What the redirect brought back (filled in by the handler thread)."""

    def __init__(self) -> None:
        self.params: dict[str, str] = {}
        self.done = threading.Event()


def _handler_for(callback: _Callback) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != CALLBACK_PATH:
                self.send_error(404)
                return
            callback.params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            ok = "code" in callback.params
            message = "Authorized. The token is saved." if ok else "Authorization failed."
            body = _PAGE.format(message=message).encode()
            self.send_response(200 if ok else 400)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            callback.done.set()

        def log_message(self, format: str, *args: Any) -> None:
            # The query holds the authorization code; keep it out of the terminal.
            return

    return Handler


def login(
    connection: OAuth2Connection,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    timeout: float = 300.0,
    announce: Callable[[str], None] = print,
    open_browser: bool = False,
) -> dict[str, Any]:
    """Run the authorization-code + PKCE flow for a local user and return the token.

    ``announce`` receives the authorize URL to show the user. The redirect URI is
    ``http://127.0.0.1:<port>/callback``; register exactly that on the Klaviyo app.
    """
    callback = _Callback()
    server = http.server.ThreadingHTTPServer((host, port), _handler_for(callback))
    redirect_uri = f"http://{host}:{server.server_address[1]}{CALLBACK_PATH}"
    state = secrets.token_urlsafe(24)
    url, state, verifier = connection.authorization_url(redirect_uri, state=state)
    thread = threading.Thread(target=server.serve_forever, name="oauth-callback", daemon=True)
    thread.start()
    try:
        announce(url)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        if not callback.done.wait(timeout):
            raise ConnectionConfigError(f"OAuth login timed out after {timeout:g}s waiting for the redirect")
    finally:
        server.shutdown()
        server.server_close()
    params = callback.params
    if params.get("error"):
        raise ConnectionConfigError(
            f"OAuth login refused: {params.get('error')} {params.get('error_description', '')}".strip()
        )
    if not secrets.compare_digest(params.get("state", ""), state):
        raise ConnectionConfigError("OAuth login failed: the redirect's state does not match (possible forgery)")
    return connection.exchange_code(params["code"], redirect_uri=redirect_uri, code_verifier=verifier)
