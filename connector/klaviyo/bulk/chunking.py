"""Split records into requests that respect Klaviyo's per-request limits (count and bytes).

Example:
    >>> [len(c) for c in chunk_by_limits([{"a": 1}] * 5, max_count=2, max_bytes=10_000)]
    [2, 2, 1]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterator, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Room kept for the request envelope around the records (type, attributes, relationships).
ENVELOPE_BYTES = 4096

# One encoder for every call: ``json.dumps`` with options builds a new JSONEncoder each time, which for
# small records costs as much as the encoding. ``encode`` keeps no state between calls (thread-safe).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_ENCODE = _ENCODER.encode
# ``JSONEncoder.encode`` builds its C encoder again on every call; this one is built once, with the same
# settings (so the same bytes), without the circular-reference bookkeeping (records come from JSON or CSV:
# no cycles; a cycle would still end in RecursionError, not a loop). None where the C module is missing.
_C_ENCODE = (
    c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True)
    if c_make_encoder is not None
    else None
)


def json_bytes(value: Any) -> bytes:
    """``value`` as the client serialises a ``json=`` body: compact UTF-8 JSON, byte for byte.

    Encode a record once and reuse the bytes both to measure it and to send it.

    Example:
        >>> json_bytes({"a": "é", "b": [1, None]})
        b'{"a":"\\xc3\\xa9","b":[1,null]}'
        >>> json_bytes("x") == _ENCODE("x").encode()
        True
    """
    if _C_ENCODE is not None and isinstance(value, dict):
        return "".join(_C_ENCODE(value, 0)).encode()
    return _ENCODE(value).encode()


def json_size(value: Any) -> int:
    """Bytes of ``value`` as the client serialises it (compact UTF-8 JSON).

    Example:
        >>> json_size({"a": "é"})
        10
    """
    return len(_ENCODE(value).encode())


class Packer(Generic[T]):
    """Packs items, as they come, into requests of at most ``max_count`` items whose sizes fit ``max_bytes``.

    The one packing algorithm: :func:`chunk_by_limits` runs it over a sequence, the sync engine feeds it one
    record at a time. Each item is measured once, by the caller, who passes its size (its encoded bytes);
    ``max_bytes`` keeps :data:`ENVELOPE_BYTES` for the request around the items and one byte per item for the
    comma between them. With ``distinct``, two items with the same (non-None) key never share a request
    (Bulk Create Events fails a whole request when a ``unique_id`` repeats in it).

    An item larger than the budget on its own still gets a request of its own: the caller decides (usually
    it was refused before this point, by a per-record limit).

    Example:
        >>> p = Packer(max_count=2, max_bytes=10_000)
        >>> p.fits(5), p.add("a", 5), p.add("b", 5), p.fits(5)
        (True, None, None, False)
        >>> p.take(), len(p)
        (['a', 'b'], 0)
    """

    __slots__ = ("budget", "items", "keys", "max_count", "used")

    def __init__(self, *, max_count: int, max_bytes: int, distinct: bool = False) -> None:
        self.max_count = max_count
        self.budget = max_bytes - ENVELOPE_BYTES if max_bytes > 2 * ENVELOPE_BYTES else max_bytes
        self.items: list[T] = []
        self.used = 0
        self.keys: set[Hashable] | None = set() if distinct else None

    def __len__(self) -> int:
        return len(self.items)

    def fits(self, size: int, key: Hashable | None = None) -> bool:
        """Whether an item of ``size`` bytes (and ``key``) can join the request being packed."""
        if not self.items:
            return True
        if len(self.items) >= self.max_count or self.used + size + 1 > self.budget:
            return False
        return key is None or self.keys is None or key not in self.keys

    def add(self, item: T, size: int, key: Hashable | None = None) -> None:
        """Add ``item`` to the request being packed (call :meth:`take` first when it does not :meth:`fits`)."""
        self.items.append(item)
        self.used += size + 1  # the comma between array items
        if key is not None and self.keys is not None:
            self.keys.add(key)

    def take(self) -> list[T]:
        """The request packed so far (possibly empty); packing starts over."""
        items, self.items, self.used = self.items, [], 0
        if self.keys:
            self.keys = set()
        return items


def chunk_by_limits(
    items: Sequence[T],
    *,
    max_count: int,
    max_bytes: int,
    size: Callable[[T], int] | None = None,
) -> Iterator[list[T]]:
    """Consecutive chunks of at most ``max_count`` items whose sizes (plus separators) fit ``max_bytes``.

    An item larger than the budget on its own still gets a chunk of its own: the caller decides
    (usually it was refused before this point, by a per-record limit).

    Example:
        >>> [len(c) for c in chunk_by_limits(["x" * 40] * 3, max_count=10, max_bytes=100, size=len)]
        [2, 1]
    """
    measure = size or json_size
    packer: Packer[T] = Packer(max_count=max_count, max_bytes=max_bytes)
    for item in items:
        weight = measure(item)
        if not packer.fits(weight):
            yield packer.take()
        packer.add(item, weight)
    if packer:
        yield packer.take()


def rounds(items: Sequence[T], key: Callable[[T], Hashable | None]) -> list[list[T]]:
    """Spread items over rounds so that no round holds two items with the same (non-None) key.

    Bulk Create Events fails a whole request when one ``unique_id`` repeats for the same profile and
    metric; sent in a later request the repeat is simply deduplicated by Klaviyo, as it should be.

    Example:
        >>> rounds(["a", "b", "a", "a"], key=lambda x: x)
        [['a', 'b'], ['a'], ['a']]
    """
    out: list[list[T]] = []
    seen: list[set[Hashable]] = []
    for item in items:
        k = key(item)
        placed = False
        for index, taken in enumerate(seen):
            if k is None or k not in taken:
                out[index].append(item)
                if k is not None:
                    taken.add(k)
                placed = True
                break
        if not placed:
            out.append([item])
            seen.append({k} if k is not None else set())
    return out
