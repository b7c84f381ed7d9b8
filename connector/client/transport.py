"""The HTTP transport: a requests adapter whose connections a per-attempt watchdog can cut.

Connect and read timeouts bound each socket operation, not a call: a server that drips its answer one
byte at a time, each byte inside the read timeout, holds a call for as long as it likes. A total time
budget is therefore enforced as a deadline. :class:`Watchdog` is entered around one attempt; every
connection the attempt uses registers itself (the connection classes below do it when they connect,
send and read), and when the deadline passes the watchdog shuts their sockets down. The blocked read
returns at once, requests raises, and the client reports the spent budget.

Only the client's own session uses these classes; a caller-supplied session keeps per-read timeouts.

Example:
    >>> with Watchdog(None) as watch:  # no budget: nothing is started
    ...     pass
    >>> watch.expired
    False
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()


class Watchdog:
    """Shuts down the sockets of one attempt once ``seconds`` have passed (None: never)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.expired = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Watchdog:
        if self.seconds is not None:
            _local.watchdog = self
            self._timer = threading.Timer(self.seconds, self._expire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
            _local.watchdog = None
        with self._lock:
            self._connections.clear()

    def attach(self, connection: HTTPConnection) -> None:
        """Watch ``connection`` for the rest of the attempt (cut it now if the deadline already passed)."""
        with self._lock:
            if connection not in self._connections:
                self._connections.append(connection)
            expired = self.expired
        if expired:
            _cut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _cut(connection)


def _cut(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        # The plain socket's shutdown (not SSLSocket's) wakes a reader blocked in another thread;
        # OSError: already closed.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watch(connection: HTTPConnection) -> None:
    watchdog: Watchdog | None = getattr(_local, "watchdog", None)
    if watchdog is not None:
        watchdog.attach(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watch(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watch(self)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose pools make connections a :class:`Watchdog` can cut."""

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }
