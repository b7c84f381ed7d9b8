"""Secret values (API keys, client secrets, tokens) that never print themselves.

A :class:`Secret` wraps a string so that ``repr``, ``str``, f-strings, logging and
tracebacks show ``'********'`` instead of the value. Code that must send the value
calls :meth:`Secret.reveal` at the last moment.

Example:
    >>> key = Secret("pk_live_abcdef")
    >>> f"{key}"
    '********'
    >>> key.reveal()
    'pk_live_abcdef'
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = "********"


class Secret:
    """A string that hides itself everywhere except :meth:`reveal`.

    Example:
        >>> Secret("s3cret")
        Secret('********')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the real value; call only where it is sent to Klaviyo.

        Example:
            >>> Secret("x").reveal()
            'x'
        """
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy the value somewhere we cannot scrub; refuse.
        raise TypeError("Secret values cannot be pickled")


def redact(text: str, secrets: Iterable[str | Secret | None]) -> str:
    """Replace every occurrence of each secret in ``text`` with the mask.

    Used on anything that might echo a credential back: error bodies, URLs,
    exception messages from libraries.

    Example:
        >>> redact("key pk_abc rejected", ["pk_abc"])
        'key ******** rejected'
    """
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        # Very short values would mask unrelated text; real credentials are long.
        if value and len(value) >= 6:
            text = text.replace(value, MASK)
    return text
