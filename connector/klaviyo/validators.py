"""Validators for values Klaviyo is strict about: emails, E.164 phones, ISO 4217 currencies, external IDs.

Each raises :class:`~connector.client.errors.InputError` with the problem; the clean step adds the input's
label, so the user reads e.g. ``Phone Number: must be an E.164 number such as +15005550006``.

Example:
    >>> clean_email(" Ada@Example.com ")
    'Ada@Example.com'
    >>> clean_phone("+1 (500) 555-0006")
    '+15005550006'
    >>> clean_currency("usd")
    'USD'
"""

from __future__ import annotations

import re
from typing import Any

from connector.client.errors import InputError
from connector.framework.inputs import to_stripped

#: Klaviyo's limit for external IDs (and Segment's and RudderStack's).
EXTERNAL_ID_MAX = 255

# Deliberately simple: one @, no spaces, dot-separated parts that are never empty (no leading,
# trailing or doubled dot on either side, so ``x@gmail..com`` is refused), a top-level domain of two
# characters or more. Klaviyo has the final word; this catches the mistakes (a name in the email
# column, a missing domain, a typo'd dot) before anything is sent.
_EMAIL = re.compile(r"[^@\s.]+(?:\.[^@\s.]+)*@(?:[^@\s.]+\.)+[^@\s.]{2,}")

#: Active ISO 4217 codes (2024 list), so a typo such as "USX" is caught before Klaviyo silently keeps it.
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN
    SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG
    XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL""".split()
)


def clean_email(value: Any) -> str:
    """An email address: trimmed, one ``@``, a domain with a dot, no empty part between dots.

    Example:
        >>> clean_email("not-an-email")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: must be an email address such as ada@example.com (got 'not-an-email')
        >>> clean_email("x@gmail..com")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: must be an email address such as ada@example.com (got 'x@gmail..com')
    """
    text = to_stripped(value)
    if not _EMAIL.fullmatch(text):
        raise InputError(f"must be an email address such as ada@example.com (got {text!r})")
    return text


def clean_phone(value: Any, default_region: str | None = None) -> str:
    """An E.164 phone number, checked with ``phonenumbers`` (Google's libphonenumber).

    Numbers without ``+`` need ``default_region`` (ISO 3166 alpha-2, e.g. ``"US"``) to be converted.

    Example:
        >>> clean_phone("(500) 555-0006", default_region="US")
        '+15005550006'
    """
    import phonenumbers

    text = to_stripped(value)
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException:
        hint = "" if text.startswith("+") or default_region else " (include the + and country code)"
        raise InputError(f"must be an E.164 phone number such as +15005550006{hint} (got {text!r})") from None
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise InputError(f"is not a valid phone number for its country (got {text!r})")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def clean_currency(value: Any) -> str:
    """An ISO 4217 currency code, upper-cased.

    Example:
        >>> clean_currency("EURO")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: must be an ISO 4217 currency code such as USD (got 'EURO')
    """
    text = to_stripped(value).upper()
    if text not in ISO_4217:
        raise InputError(f"must be an ISO 4217 currency code such as USD (got {to_stripped(value)!r})")
    return text


def clean_external_id(value: Any) -> str:
    """An external ID: any text up to 255 characters (numbers are accepted and kept as text).

    Example:
        >>> clean_external_id(12345)
        '12345'
    """
    text = to_stripped(value)
    if not text:
        raise InputError("must not be blank")
    if len(text) > EXTERNAL_ID_MAX:
        raise InputError(f"must be at most {EXTERNAL_ID_MAX} characters (got {len(text)})")
    return text


def clean_url(value: Any) -> str:
    """An http(s) URL.

    Example:
        >>> clean_url("https://example.com/a.png")
        'https://example.com/a.png'
    """
    text = to_stripped(value)
    if not re.match(r"https?://[^\s/]+", text):
        raise InputError(f"must be an http(s) URL (got {text!r})")
    return text


def clean_non_blank(value: Any) -> str:
    """Text that is not only whitespace, trimmed.

    Example:
        >>> clean_non_blank("  VIP ")
        'VIP'
    """
    text = to_stripped(value)
    if not text:
        raise InputError("must not be blank")
    return text


#: Klaviyo's metric names are "less than 128 characters" (the spec says so only in prose).
METRIC_NAME_MAX = 127


def clean_metric_name(value: Any) -> str:
    """A metric (event) name: text, not blank, under 128 characters; trimmed.

    The one owner of the rule: the event actions, Track Event and ``deliver``'s mappers all call it.

    Example:
        >>> clean_metric_name(" Placed Order ")
        'Placed Order'
        >>> clean_metric_name("x" * 128)
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: must be under 128 characters (got 128)
    """
    name = clean_non_blank(value)
    if len(name) > METRIC_NAME_MAX:
        raise InputError(f"must be under 128 characters (got {len(name)})")
    return name
