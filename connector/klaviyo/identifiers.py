"""Identifier rules shared by the destination actions and ``deliver``.

A profile needs at least one identifier (email, phone number or external ID; events also accept an
anonymous ID). Emails must look like emails, phone numbers must be E.164 (numbers without ``+`` are
converted when a default region such as ``"US"`` is given), external IDs are at most 255
characters. Every failure is an :class:`~connector.client.errors.InputError` that names the field.

Example:
    >>> check_identifiers(email=" ada@example.com ", phone_number="(500) 555-0006", default_region="US")
    Identifiers(email='ada@example.com', phone_number='+15005550006', external_id=None, anonymous_id=None)
    >>> check_identifiers(external_id="x" * 256)
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: External ID: must be at most 255 characters (got 256)
"""

from __future__ import annotations

from typing import Any

from connector import structs
from connector.client.errors import InputError
from connector.framework.inputs import to_stripped
from connector.klaviyo.validators import clean_email, clean_external_id, clean_phone

LABELS = {
    "email": "Email",
    "phone_number": "Phone Number",
    "external_id": "External ID",
    "anonymous_id": "Anonymous ID",
}


@structs.frozen
class Identifiers:
    """Checked profile identifiers (None when absent).

    Example:
        >>> Identifiers(email="a@b.co").attributes()
        {'email': 'a@b.co'}
    """

    email: str | None = None
    phone_number: str | None = None
    external_id: str | None = None
    anonymous_id: str | None = None

    def attributes(self, *, anonymous: bool = True) -> dict[str, str]:
        """The identifiers as profile attributes (``anonymous_id`` only where Klaviyo takes it: events)."""
        values = structs.asdict(self)
        if not anonymous:
            values.pop("anonymous_id")
        return {k: v for k, v in values.items() if v is not None}


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _check(key: str, value: Any, cleaner: Any) -> str | None:
    if not _present(value):
        return None
    try:
        return str(cleaner(value))
    except InputError as exc:
        raise InputError(exc.problem, label=LABELS[key], key=key) from None
    except (TypeError, ValueError) as exc:
        raise InputError(str(exc), label=LABELS[key], key=key) from None


def check_identifiers(
    *,
    email: Any = None,
    phone_number: Any = None,
    external_id: Any = None,
    anonymous_id: Any = None,
    default_region: str | None = None,
    allow_anonymous: bool = True,
) -> Identifiers:
    """Validate identifiers; raise :class:`InputError` naming the field at fault.

    ``allow_anonymous=False`` (profile imports, subscriptions) does not count the anonymous ID as an
    identifier, because Klaviyo only accepts it on events.

    Example:
        >>> check_identifiers(anonymous_id="anon-1").anonymous_id
        'anon-1'
        >>> check_identifiers(email="")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Identifiers: at least one of email, phone number, ... is required
    """
    checked = Identifiers(
        email=_check("email", email, clean_email),
        phone_number=_check("phone_number", phone_number, lambda v: clean_phone(v, default_region)),
        external_id=_check("external_id", external_id, clean_external_id),
        anonymous_id=_check("anonymous_id", anonymous_id, clean_external_id) if allow_anonymous else None,
    )
    if not checked.attributes(anonymous=allow_anonymous):
        wanted = (
            "email, phone number, external ID or anonymous ID"
            if allow_anonymous
            else ("email, phone number or external ID")
        )
        raise InputError(f"at least one of {wanted} is required", label="Identifiers", key="identifiers")
    return checked


def check_consent_identifiers(
    *, email: Any = None, phone_number: Any = None, default_region: str | None = None
) -> Identifiers:
    """Subscriptions are by email or phone number only; at least one is required.

    Example:
        >>> check_consent_identifiers(phone_number="+15005550006").phone_number
        '+15005550006'
    """
    checked = Identifiers(
        email=_check("email", email, clean_email),
        phone_number=_check("phone_number", phone_number, lambda v: clean_phone(v, default_region)),
    )
    if checked.email is None and checked.phone_number is None:
        raise InputError("an email or a phone number is required", label="Identifiers", key="identifiers")
    return checked


def stripped_or_none(value: Any) -> str | None:
    """Text trimmed, or None for missing/blank values (numbers become text).

    Example:
        >>> stripped_or_none("  "), stripped_or_none(42)
        (None, '42')
    """
    if not _present(value) or isinstance(value, (dict, list)):
        return None
    return to_stripped(value) or None
