"""A raw HTTP server on 127.0.0.1 for socket-level tests: it records the bytes of every request it reads.

Each test gives it a ``respond(conn, request)`` function that writes whatever answer the test needs: a
normal response, one byte at a time (a drip), or nothing at all (a silent server, held until the
server stops). Nothing here leaves the loopback interface.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Responder = Callable[[socket.socket, bytes], None]


class LoopbackServer:
    """Accepts connections on 127.0.0.1; reads one request per connection; calls ``respond``."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.requests: list[bytes] = []
        self.stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn:
            try:
                request = _read_request(conn)
            except OSError:
                return
            if not request:
                return
            self.requests.append(request)
            # OSError: the client hung up (a budget ran out), which is what some tests want.
            with contextlib.suppress(OSError):
                self.respond(conn, request)

    def hold(self) -> None:
        """Block a responder until the server stops (a silent server)."""
        self.stopped.wait(10)

    def close(self) -> None:
        self.stopped.set()
        self._listener.close()
        self._thread.join(1)


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def answer(status: int = 200, body: bytes = b'{"data": []}', headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 response."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def drip(every: float, payload: bytes | None = None) -> Responder:
    """A responder that sends ``payload`` (a normal 200 by default) one byte every ``every`` seconds."""
    data = payload if payload is not None else answer(body=b'{"data": [' + b" " * 200 + b"]}")

    def respond(conn: socket.socket, _request: bytes) -> None:
        for i in range(len(data)):
            conn.sendall(data[i : i + 1])
            time.sleep(every)

    return respond


@contextmanager
def loopback(respond: Responder) -> Iterator[LoopbackServer]:
    server = LoopbackServer(respond)
    try:
        yield server
    finally:
        server.close()


def header_of(request: bytes, name: str) -> str | None:
    """The value of one header in a recorded request (None when absent)."""
    head = request.partition(b"\r\n\r\n")[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
