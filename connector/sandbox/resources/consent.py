"""Per-profile consent state, shaped like the ``subscriptions`` attribute of a profile response.

The state lives in the profile document under ``"consent"`` as ``{channel: {kind: {"consent", "timestamp",
"method_detail", ...}}}`` and is rendered by :func:`view`. Subscribe sets ``SUBSCRIBED`` and lifts
UNSUBSCRIBE / SPAM_REPORT / USER_SUPPRESSED suppressions; unsubscribe sets ``UNSUBSCRIBED`` and (for email)
adds an ``UNSUBSCRIBE`` suppression.

Example:
    >>> doc = {"email": "a@b.com"}
    >>> set_consent(doc, "email", "marketing", "SUBSCRIBED", "2024-01-01T00:00:00+00:00", "Signup")
    >>> view(doc)["email"]["marketing"]["consent"]
    'SUBSCRIBED'
"""

from __future__ import annotations

from typing import Any

# Channel names as the subscribe body spells them -> as the profile response spells them.
CHANNELS = {"email": "email", "sms": "sms", "whatsapp": "whatsapp", "push": "mobile_push"}
KINDS = {
    "email": ("marketing",),
    "sms": ("marketing", "transactional"),
    "whatsapp": ("marketing", "transactional", "conversational"),
    "mobile_push": ("marketing",),
}
LIFTED = ("UNSUBSCRIBE", "SPAM_REPORT", "USER_SUPPRESSED")


def set_consent(
    doc: dict[str, Any], channel: str, kind: str, consent: str, stamp: str, detail: str | None = None
) -> None:
    """Record a consent decision for one channel/kind on a profile document.

    Example:
        >>> d = {}; set_consent(d, "sms", "marketing", "UNSUBSCRIBED", "t"); d["consent"]["sms"]["marketing"]["consent"]
        'UNSUBSCRIBED'
    """
    state = doc.setdefault("consent", {}).setdefault(channel, {})
    state[kind] = {"consent": consent, "timestamp": stamp, "method_detail": detail}
    if channel == "email" and kind == "marketing":
        supp = doc.setdefault("suppression", [])
        if consent == "SUBSCRIBED":
            doc["suppression"] = [s for s in supp if s["reason"] not in LIFTED]
        elif not any(s["reason"] == "UNSUBSCRIBE" for s in supp):
            supp.append({"reason": "UNSUBSCRIBE", "timestamp": stamp})


def list_suppress(doc: dict[str, Any], list_id: str, stamp: str) -> None:
    """Record that a profile unsubscribed from one list only.

    Example:
        >>> d = {}; list_suppress(d, "L", "t"); d["list_suppressions"][0]["list_id"]
        'L'
    """
    doc.setdefault("list_suppressions", []).append({"list_id": list_id, "reason": "UNSUBSCRIBE", "timestamp": stamp})


def consent_of(doc: dict[str, Any], channel: str, kind: str) -> str:
    """Current consent value, ``NEVER_SUBSCRIBED`` if none recorded.

    Example:
        >>> consent_of({}, "email", "marketing")
        'NEVER_SUBSCRIBED'
    """
    return str(doc.get("consent", {}).get(channel, {}).get(kind, {}).get("consent", "NEVER_SUBSCRIBED"))


def _entry(doc: dict[str, Any], channel: str, kind: str) -> dict[str, Any]:
    return dict(doc.get("consent", {}).get(channel, {}).get(kind) or {})


def view(doc: dict[str, Any]) -> dict[str, Any]:
    """Render the ``subscriptions`` attribute of a profile response.

    Example:
        >>> sorted(view({}))
        ['email', 'mobile_push', 'sms', 'whatsapp']
    """
    out: dict[str, Any] = {}
    email = _entry(doc, "email", "marketing")
    consent = email.get("consent", "NEVER_SUBSCRIBED")
    suppression = list(doc.get("suppression", []))
    out["email"] = {
        "marketing": {
            "can_receive_email_marketing": bool(doc.get("email")) and consent != "UNSUBSCRIBED" and not suppression,
            "consent": consent,
            "consent_timestamp": email.get("timestamp"),
            "last_updated": email.get("timestamp"),
            "method": "API" if email else None,
            "method_detail": email.get("method_detail") or "",
            "custom_method_detail": None,
            "double_optin": email.get("double_optin"),
            "suppression": suppression,
            "list_suppressions": list(doc.get("list_suppressions", [])),
        }
    }
    sms: dict[str, Any] = {}
    for kind in KINDS["sms"]:
        entry = _entry(doc, "sms", kind)
        value = entry.get("consent", "NEVER_SUBSCRIBED")
        sms[kind] = {
            f"can_receive_sms_{kind}": bool(doc.get("phone_number")) and value == "SUBSCRIBED",
            "consent": value,
            "consent_timestamp": entry.get("timestamp"),
            "method": "API" if entry else None,
            "method_detail": entry.get("method_detail") or "",
            "last_updated": entry.get("timestamp"),
        }
    out["sms"] = sms
    push = _entry(doc, "mobile_push", "marketing")
    out["mobile_push"] = {
        "marketing": {
            "can_receive_push_marketing": push.get("consent") == "SUBSCRIBED",
            "consent": push.get("consent", "NEVER_SUBSCRIBED"),
            "consent_timestamp": push.get("timestamp"),
        }
    }
    whatsapp: dict[str, Any] = {}
    for kind in KINDS["whatsapp"]:
        entry = _entry(doc, "whatsapp", kind)
        whatsapp[kind] = {
            "consent": entry.get("consent", "NEVER_SUBSCRIBED"),
            "consent_timestamp": entry.get("timestamp"),
            "last_updated": entry.get("timestamp"),
            "created_timestamp": entry.get("timestamp"),
            "metadata": None,
            "can_receive": entry.get("consent") == "SUBSCRIBED",
            "valid_until": None,
            "phone_number": doc.get("phone_number"),
        }
    out["whatsapp"] = whatsapp
    return out
