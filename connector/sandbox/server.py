"""The HTTP layer: a ThreadingHTTPServer speaking HTTP/1.1 keep-alive, tuned for loopback latency.

Accepted sockets get ``TCP_NODELAY`` and each response (status line, headers, body) is written with a single
``send`` so small responses are not held back by Nagle/delayed-ACK interplay. A dropped-connection fault
closes the socket with ``SO_LINGER`` 0, which the client sees as a connection reset.

A body larger than its operation accepts (:mod:`.limits`) is answered 413 before it is read into memory: a
moderately oversized one is drained in small chunks so the client gets a clean answer on a reusable
connection; an absurd ``Content-Length`` (over ``DRAIN_MAX``) is not read at all and the connection is closed.

Example:
    >>> from .app import App
    >>> srv = make_server(App(), "127.0.0.1", 0)
    >>> srv.server_address[1] > 0
    True
    >>> srv.server_close()
"""

from __future__ import annotations

import socket
import struct
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .app import App
from .errors import ApiError
from .limits import SMALLEST_BODY_LIMIT
from .wire import Request, Response

DRAIN_MAX = 16 * 1024 * 1024
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The request body is over its operation's cap; ``drained`` says whether it was read off the socket.

    Example:
        >>> BodyTooLarge(10, True).limit
        10
    """

    def __init__(self, limit: int, drained: bool) -> None:
        super().__init__(f"body over {limit} bytes")
        self.limit = limit
        self.drained = drained


class SandboxHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that owns an :class:`App` and sets TCP_NODELAY on every accepted socket.

    Example:
        >>> SandboxHTTPServer.daemon_threads
        True
    """

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection with Nagle disabled.

        Example:
            >>> SandboxHTTPServer.get_request.__name__
            'get_request'
        """
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KlaviyoSandbox/1.0"
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return  # per-request logging to stderr would dominate loopback latency and clutter test output

    def _read_body(self, path: str) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(self.server.app.body_limit(self.command, path))
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > SMALLEST_BODY_LIMIT:
            limit = self.server.app.body_limit(self.command, path)
            if length > limit:
                drained = length <= DRAIN_MAX
                if drained:
                    self._discard(length)
                raise BodyTooLarge(limit, drained)
        return self.rfile.read(length) if length > 0 else b""

    def _discard(self, length: int) -> None:
        while length > 0:
            got = len(self.rfile.read(min(_CHUNK, length)))
            if not got:
                return
            length -= got

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            total += size
            if total > limit:
                raise BodyTooLarge(limit, False)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        try:
            body = self._read_body(unquote(url.path))
        except BodyTooLarge as exc:
            self.close_connection = not exc.drained
            detail = f"The request body is larger than the {exc.limit} bytes this operation accepts."
            error = ApiError(413, "payload_too_large", detail, pointer="/data")
            self._write(Response(413, error.document()))
            return
        except ValueError:
            # an unreadable length leaves the stream position unknown, so the connection cannot be reused
            self.close_connection = True
            error = ApiError(400, "invalid", "Invalid Content-Length or chunked body.")
            self._write(Response(400, error.document()))
            return
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        req = Request(
            method=self.command,
            path=unquote(url.path),
            query=parse_qs(url.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
            base_url=f"http://{host}",
            raw_query=url.query,
        )
        response = self.server.app.handle(req)
        if response is None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        body = response.encode()
        status = HTTPStatus(response.status)
        lines = [
            f"HTTP/1.1 {status.value} {status.phrase}",
            f"Server: {self.server_version}",
            f"Date: {formatdate(usegmt=True)}",
        ]
        if body:
            lines.append(f"Content-Type: {response.content_type}")
        if response.status not in (204, 304):
            lines.append(f"Content-Length: {len(body)}")
        lines.extend(f"{k}: {v}" for k, v in response.headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        if self.command == "HEAD":
            body = b""  # a HEAD answer carries the headers only, or the next response on the connection breaks
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = _serve


def make_server(app: App, host: str, port: int) -> SandboxHTTPServer:
    """Bind a server for ``app`` (port 0 picks a free port).

    Example:
        >>> make_server.__name__
        'make_server'
    """
    return SandboxHTTPServer((host, port), app)
