"""Profiles: create, read, update and list them, list a list's members, and (un)subscribe them.

Each action is declared on its Klaviyo operation: the inputs say where their values go, and the operation
registry checks the call (attribute names and types, location keys, consent values, fields, filters, sort,
page sizes), naming the input that holds a wrong value. What is written by hand is what the spec cannot say:
a profile needs an email, a phone number or an external ID; emails and E.164 phone numbers are checked;
``consented_at`` goes with Historical Import only; and the shorthands the README promises
(``[{"email": ...}]`` for Subscribe Profiles, ``{"data": [...]}`` or the bare array). Subscribe and
Unsubscribe Profiles go through the bulk senders and report one outcome per profile (see :mod:`actions._bulk`).

``Klaviyo(...).profiles`` is :class:`Profiles`, generated from ``FACADE_METHODS``: Subscribe and Unsubscribe return
a :class:`SubscriptionSubmission` with each profile's outcome, or raise :class:`~actions._bulk.BulkRecordsError`
(its ``result`` is that submission) when some were not delivered. Python values are checked like low-code ones,
before anything is sent.

Example:
    >>> from connector.klaviyo.operation_actions import request_for
    >>> inputs = UPDATE_PROFILE.clean({"profileId": "01GDDKASAP8TKDDA2GRZDSVP4H", "firstName": "Ada", "title": None})
    >>> request_for("update_profile", inputs).body["data"]["attributes"]
    {'first_name': 'Ada', 'title': None}
    >>> profiles = clean_subscription_profiles('[{"email": "ada@example.com"}]', subscribe=True)
    >>> profiles[0]["attributes"]["subscriptions"]
    {'email': {'marketing': {'consent': 'SUBSCRIBED'}}}
    >>> from connector.framework.inputs import NULL
    >>> client = KlaviyoClient(None, base_url="http://127.0.0.1:9")  # nothing is sent below
    >>> from actions.profiles import Profiles  # the typed facade, imported on first use
    >>> Profiles(client).update("01GDDKASAP8TKDDA2GRZDSVP4H", title=NULL, email="nope")
    Traceback (most recent call last):
    ...
    connector.client.errors.InputError: Email: must be an email address such as ada@example.com (got 'nope')

Reference: https://developers.klaviyo.com/en/reference/profiles_api_overview
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from actions._bulk import BulkResult, finish, send_counted
from actions._lazy import lazy_exports
from connector import structs
from connector.client.errors import InputError
from connector.client.pipeline import KlaviyoClient
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import InputType, input_field, to_json, to_json_object, to_stripped, to_timestamp
from connector.klaviyo.bulk import senders
from connector.klaviyo.bulk.outcomes import RecordOutcome
from connector.klaviyo.bulk.senders import BatchRecord
from connector.klaviyo.operation_actions import (
    additional_fields_input,
    attribute_input,
    fields_input,
    get_action,
    id_input,
    list_action,
    operation_action,
    path_ids_first,
    picklist,
    request_for,
    switch_input,
)
from connector.klaviyo.operations.registry import Operation, operation
from connector.klaviyo.validators import clean_email, clean_external_id, clean_phone, clean_url

if TYPE_CHECKING:
    from actions._facade.models.profiles import ProfileAttributes as ProfileAttributes
    from actions._facade.profiles import Profiles as Profiles
    from connector.client.jsonapi import Resource

    Profile = Resource[ProfileAttributes]

__getattr__ = lazy_exports(__name__, "Profiles", Profile="profiles.ProfileAttributes")

PROFILE_ID_COMMENTS = "Unique identifier for the profile."
ADDITIONAL_COMMENTS = "Request additional fields not included by default in the response."
IDENTIFIER_LABELS = "Email, Phone Number, External ID"


@structs.frozen(kw_only=True)
class SubscriptionSubmission(BulkResult):
    """What Subscribe or Unsubscribe Profiles did: requests sent, profiles given, and each profile's outcome.

    Example:
        >>> list(SubscriptionSubmission.of([], requests=0, profiles=0).to_json())
        ['data', 'requests', 'profiles', 'delivered', 'rejected', 'retryable', 'records']
    """

    profiles: int = 0


# -- value rules the spec cannot express (also used by events) ------------------------------------


def _resolve(op: Operation, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = op.schemas[schema["$ref"]]
    return schema


@functools.cache
def _location_text_keys() -> frozenset[str]:
    """The ``location`` keys Klaviyo takes as text only (from the registry)."""
    op = operation("create_profile")
    attributes = _resolve(op, (op.body.attributes if op.body else None) or {})
    location = _resolve(op, (attributes.get("properties") or {}).get("location") or {})
    return frozenset(k for k, v in (location.get("properties") or {}).items() if v.get("type") == "string")


def clean_location(value: Any) -> dict[str, Any]:
    """A ``location`` object; a number given for a text key (a zip code) is kept as text.

    The keys and their types are the registry's to check (an unknown key is refused, naming the allowed ones).

    Example:
        >>> clean_location('{"city": "New York", "zip": 10017, "latitude": 40.7}')
        {'city': 'New York', 'zip': '10017', 'latitude': 40.7}
    """
    location = to_json_object(value)
    text = _location_text_keys()
    return {
        key: str(item) if key in text and isinstance(item, (int, float)) and not isinstance(item, bool) else item
        for key, item in location.items()
    }


#: Values Klaviyo is stricter about than its schema says, checked by :mod:`connector.klaviyo.validators`.
PROFILE_ATTRIBUTE_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "email": clean_email,
    "phone_number": clean_phone,
    "external_id": clean_external_id,
    "image": clean_url,
    "location": clean_location,
}


def clean_profile_attributes(attributes: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check the values of a profile-shaped object's identifiers; ``where`` (a path) prefixes errors.

    Names and types are left to the registry's check of the request.

    Example:
        >>> clean_profile_attributes({"phone_number": "+1 500 555 0006"}, "profiles[0]")
        {'phone_number': '+15005550006'}
    """
    out: dict[str, Any] = {}
    for key, value in attributes.items():
        cleaner = PROFILE_ATTRIBUTE_CLEANERS.get(key)
        if cleaner is None or value is None:
            out[key] = value
            continue
        try:
            out[key] = cleaner(value)
        except InputError as exc:
            raise InputError(f"{where}.{key}: {exc.problem}" if where else f"{key}: {exc.problem}") from None
    return out


# -- Create Profile / Update Profile ------------------------------------------------------------


EXTERNAL_ID_COMMENTS = (
    "A unique identifier used by customers to associate Klaviyo profiles with profiles in an external system, such "
    "as a point-of-sale system. Format varies based on the external system."
)
LOCATION_EXAMPLE = {"city": "New York", "region": "NY", "country": "United States", "zip": "10017"}
PROPERTIES_COMMENTS = "An object containing key/value pairs for any custom properties assigned to this profile."


@structs.frozen
class ProfileAttributeInputs:
    """The profile's attributes, as Create and Update Profile take them."""

    email: str | None = attribute_input("Email", "Individual's email address", clean_email, example="ada@example.com")
    phone_number: str | None = attribute_input(
        "Phone Number", "Individual's phone number in E.164 format", clean_phone, example="+15005550006"
    )
    external_id: str | None = attribute_input("External ID", EXTERNAL_ID_COMMENTS, clean_external_id)
    first_name: str | None = attribute_input("First Name", "Individual's first name", to_stripped)
    last_name: str | None = attribute_input("Last Name", "Individual's last name", to_stripped)
    organization: str | None = attribute_input(
        "Organization",
        "Name of the company or organization within the company for whom the individual works",
        to_stripped,
    )
    title: str | None = attribute_input("Title", "Individual's job title", to_stripped)
    image: str | None = attribute_input("Image", "URL pointing to the location of a profile image", clean_url)
    location: dict[str, Any] | None = attribute_input(
        "Location",
        "Location information for the profile.",
        clean_location,
        type=InputType.JSON,
        example=LOCATION_EXAMPLE,
    )
    properties: dict[str, Any] | None = attribute_input(
        "Properties", PROPERTIES_COMMENTS, to_json_object, type=InputType.JSON, example={"pseudonym": "Dr. Octopus"}
    )


@structs.frozen
class CreateProfileInputs(ProfileAttributeInputs):
    """Inputs of Create Profile (at least one of email, phone number or external ID)."""

    def __post_init__(self) -> None:
        # Klaviyo needs an identifier to create a profile; saying so here saves a round trip and a 400.
        if not (self.email or self.phone_number or self.external_id):
            raise InputError("at least one is required to identify the profile", label=IDENTIFIER_LABELS, key="email")


CREATE_PROFILE = operation_action("create_profile", description="Create a new profile.", inputs=CreateProfileInputs)


@structs.frozen(field_transformer=path_ids_first)
class UpdateProfileInputs(ProfileAttributeInputs):
    """Inputs of Update Profile: only the attributes given change; JSON ``null`` (or ``NULL``) clears one."""

    profile_id: str = id_input("Profile ID", PROFILE_ID_COMMENTS)


UPDATE_PROFILE = operation_action(
    "update_profile", description="Update the profile with the given profile ID.", inputs=UpdateProfileInputs
)


# -- Get Profile / List Profile / List List Profiles --------------------------------------------


def _additional_fields_input(op_id: str) -> Any:
    return additional_fields_input(op_id, "profile", label="Additional Profile Fields", comments=ADDITIONAL_COMMENTS)


GET_PROFILE = get_action(
    "get_profile",
    "Get the profile with the given profile ID.",
    PROFILE_ID_COMMENTS,
    _additional_fields_input("get_profile"),
)


LIST_PROFILE = list_action(
    "get_profiles",
    label="List Profile",
    description="Get all profiles in an account.",
    catalog={
        "fields": fields_input("get_profiles"),
        "additional_profile_fields": _additional_fields_input("get_profiles"),
    },
)


LIST_LIST_PROFILES = list_action(
    "get_profiles_for_list",
    label="List List Profiles",
    description="Get all profiles within a list with the given list ID.",
    catalog={
        "list_id": id_input("List ID", "The unique identifier of the list."),
        "additional_profile_fields": _additional_fields_input("get_profiles_for_list"),
        "fields": fields_input("get_profiles_for_list"),
    },
)


# -- Subscribe Profiles / Unsubscribe Profiles ---------------------------------------------------

SUBSCRIBED = "SUBSCRIBED"
UNSUBSCRIBED = "UNSUBSCRIBED"


@functools.cache
def _consent_kinds() -> dict[str, frozenset[str]]:
    """Channel -> the message types whose consent may carry ``consented_at`` (from the registry)."""
    op = operation("bulk_subscribe_profiles")
    attributes = _resolve(op, (op.body.attributes if op.body else None) or {})
    item = _resolve(op, attributes["properties"]["profiles"]["properties"]["data"]["items"])
    channels = _resolve(op, item["properties"]["attributes"]["properties"]["subscriptions"])
    out = {}
    for channel, schema in (channels.get("properties") or {}).items():
        kinds = (_resolve(op, schema).get("properties") or {}).items()
        out[channel] = frozenset(k for k, s in kinds if "consented_at" in (_resolve(op, s).get("properties") or {}))
    return out


def to_profile_entries(value: Any) -> list[Any]:
    """The ``profiles`` value (``{"data": [...]}``) or its bare array, as a list of entries.

    Example:
        >>> to_profile_entries('[{"email": "ada@example.com"}]')
        [{'email': 'ada@example.com'}]
    """
    parsed = to_json(value)
    if isinstance(parsed, Mapping) and "data" in parsed:
        parsed = parsed["data"]
    if isinstance(parsed, Mapping):
        parsed = [parsed]  # one profile on its own is still a clear request
    if not isinstance(parsed, list):
        raise InputError('must be a JSON array of profiles or Klaviyo\'s {"data": [...]} object')
    if not parsed:
        raise InputError("must contain at least one profile")
    return parsed


def _shorthand(entry: Mapping[str, Any], where: str, consent: str) -> tuple[Any, dict[str, Any]]:
    """``(id, attributes)`` of an entry given as attributes: ``subscriptions``, or the email/phone shorthand."""
    attributes = dict(entry)
    profile_id = attributes.pop("id", None)
    if "subscriptions" not in attributes:
        # Shorthand: marketing consent on every channel whose identifier is present.
        consented_at = attributes.pop("consented_at", None)
        params: dict[str, Any] = {"consent": consent}
        if consented_at is not None:
            params["consented_at"] = consented_at
        subscriptions: dict[str, Any] = {}
        if attributes.get("email"):
            subscriptions["email"] = {"marketing": dict(params)}
        if attributes.get("phone_number"):
            subscriptions["sms"] = {"marketing": dict(params)}
        if not subscriptions:
            raise InputError(f"{where}: needs an email or a phone_number (or a subscriptions object)")
        attributes["subscriptions"] = subscriptions
    return profile_id, attributes


def _check_consented_at(subscriptions: Any, where: str, historical: bool) -> Any:
    """``consented_at`` only with Historical Import, and then on every consent, in the past (normalised)."""
    if not isinstance(subscriptions, Mapping):
        return subscriptions  # the registry's check says what it should be
    now = dt.datetime.now(dt.timezone.utc)
    kinds = _consent_kinds()
    out: dict[str, Any] = {}
    for channel, settings in subscriptions.items():
        out[channel] = settings
        if not isinstance(settings, Mapping):
            continue
        checked = dict(settings)
        for kind, params in settings.items():
            if not isinstance(params, Mapping) or kind not in kinds.get(str(channel), ()):
                continue
            at = f"{where}.subscriptions.{channel}.{kind}.consented_at"
            consented_at = params.get("consented_at")
            if not historical:
                if consented_at is not None:
                    raise InputError(f"{at}: only allowed with Historical Import")
                continue
            if consented_at is None:
                raise InputError(f"{at}: required with Historical Import")
            try:
                stamp = to_timestamp(consented_at)
            except InputError as exc:
                raise InputError(f"{at}: {exc.problem}") from None
            if dt.datetime.fromisoformat(stamp) >= now:
                raise InputError(f"{at}: must be in the past (got {stamp})")
            checked[kind] = {**params, "consented_at": stamp}
        out[channel] = checked
    return out


def clean_subscription_profiles(value: Any, *, subscribe: bool, historical: bool = False) -> list[dict[str, Any]]:
    """Every profile as a Klaviyo resource object, its identifiers' values and ``consented_at`` checked.

    Attribute names, consent values and channels are checked by the registry when the request is built, and
    then that each profile is identified (:func:`check_identified`).

    Example:
        >>> clean_subscription_profiles('[{"email": "ada@example.com"}]', subscribe=False)[0]["attributes"]
        {'email': 'ada@example.com', 'subscriptions': {'email': {'marketing': {'consent': 'UNSUBSCRIBED'}}}}
    """
    consent = SUBSCRIBED if subscribe else UNSUBSCRIBED
    out = []
    for index, entry in enumerate(to_profile_entries(value)):
        where = f"profiles[{index}]"
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: must be a JSON object")
        if "attributes" in entry or "type" in entry:  # a resource object: the registry checks its shape
            resource = {"type": "profile", **{k: v for k, v in entry.items() if k != "attributes"}}
            profile_id, attributes = entry.get("id"), entry.get("attributes")
        else:
            profile_id, attributes = _shorthand(entry, where, consent)
            resource = {"type": "profile"} if profile_id is None else {"type": "profile", "id": profile_id}
        if isinstance(attributes, Mapping):
            attributes = clean_profile_attributes(attributes, where)
            if subscribe:
                attributes["subscriptions"] = _check_consented_at(attributes.get("subscriptions"), where, historical)
            attributes = {k: v for k, v in attributes.items() if v is not None}
        resource["attributes"] = attributes
        out.append(resource)
    return out


PROFILES_EXAMPLE = [{"email": "ada@example.com"}, {"phone_number": "+15005550006"}]


def _profiles_input(comments: str, clean: Callable[[Any], Any]) -> Any:
    return input_field(
        "Profiles",
        type=InputType.JSON,
        comments=comments,
        required=True,
        clean=clean,
        example=PROFILES_EXAMPLE,
        to="attributes:profiles",
    )


def _list_input(comments: str) -> Any:
    return id_input("List ID", comments, to="relationships:list", required=False)


@structs.frozen
class SubscribeProfilesInputs:
    """Inputs of Subscribe Profiles (the profiles are checked together with Historical Import)."""

    profiles: Any = _profiles_input("Array of profiles to subscribe.", to_profile_entries)
    list_id: str | None = _list_input(
        "Also add the profiles to this list (a double opt-in list sends a confirmation first)."
    )
    custom_source: str | None = attribute_input(
        "Custom Source",
        "A custom method detail or source to store on the consent records, e.g. Marketing Event.",
        to_stripped,
    )
    historical_import: bool | None = switch_input(
        "Historical Import",
        "Record past consent: skips double opt-in and list flows, and every consent needs consented_at.",
        to="attributes:historical_import",
    )

    def __post_init__(self) -> None:
        # The profiles' consented_at is only right or wrong given Historical Import, so check them together.
        try:
            cleaned = clean_subscription_profiles(
                self.profiles, subscribe=True, historical=bool(self.historical_import)
            )
        except InputError as exc:
            raise InputError(exc.problem, label="Profiles", key="profiles") from None
        object.__setattr__(self, "profiles", {"data": cleaned})


def _clean_unsubscribe_profiles(value: Any) -> dict[str, Any]:
    return {"data": clean_subscription_profiles(value, subscribe=False)}


@structs.frozen
class UnsubscribeProfilesInputs:
    """Inputs of Unsubscribe Profiles."""

    profiles: Any = _profiles_input("Array of profiles to unsubscribe.", _clean_unsubscribe_profiles)
    list_id: str | None = _list_input(
        "Unsubscribe from this list only; profiles not in it are unsubscribed from the channel globally."
    )


def check_identified(profiles: Sequence[Mapping[str, Any]], *, subscribe: bool) -> None:
    """Each profile names who it is: an email or a phone number (to subscribe, also an id or a push device).

    Example:
        >>> check_identified([{"type": "profile", "attributes": {"subscriptions": {}}}], subscribe=False)
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: Profiles: profiles[0]: needs an email or a phone_number
    """
    for index, profile in enumerate(profiles):
        attributes = profile.get("attributes") or {}
        has_push = "push" in (attributes.get("subscriptions") or {})
        if not (attributes.get("email") or attributes.get("phone_number") or profile.get("id") or has_push):
            problem = f"profiles[{index}]: needs an email or a phone_number" + (" or an id" if subscribe else "")
            raise InputError(problem, label="Profiles", key="profiles")


_DATA_INDEX = re.compile(r"^data\[(\d+)\](?:\.attributes)?")


def _checked_profiles(op_id: str, inputs: Any) -> list[dict[str, Any]]:
    """Every profile, checked against the registry as one request of ``op_id`` (errors say ``profiles[i]``)."""
    try:
        call = request_for(op_id, inputs)
    except InputError as exc:
        if exc.key != "profiles":
            raise
        raise InputError(_DATA_INDEX.sub(r"profiles[\1]", exc.problem), label=exc.label, key=exc.key) from None
    profiles: list[dict[str, Any]] = call.body["data"]["attributes"]["profiles"]["data"]
    check_identified(profiles, subscribe=op_id == "bulk_subscribe_profiles")
    return profiles


def _submit(
    client: KlaviyoClient,
    op_id: str,
    inputs: Any,
    send: Callable[[KlaviyoClient, Sequence[BatchRecord]], list[RecordOutcome]],
) -> SubscriptionSubmission:
    """Every profile of ``inputs``, checked as one request of ``op_id``, then sent by the bulk sender ``send``.

    One outcome per profile; raises :class:`~actions._bulk.BulkRecordsError` (with the result) unless all were
    delivered.
    """
    profiles = _checked_profiles(op_id, inputs)
    records = [BatchRecord(key=(index, None), resource=profile) for index, profile in enumerate(profiles)]
    outcomes, requests = send_counted(client, send, records)
    result = SubscriptionSubmission.of(outcomes, requests=requests, profiles=len(profiles))
    return finish(result, "profiles")


def subscribe_profiles(client: KlaviyoClient, inputs: SubscribeProfilesInputs) -> SubscriptionSubmission:
    """``POST /api/profile-subscription-bulk-create-jobs`` (``bulk_subscribe_profiles``), see :func:`_submit`."""
    historical = bool(inputs.historical_import)
    send = functools.partial(
        senders.subscribe_profiles,
        list_id=inputs.list_id,
        custom_source=inputs.custom_source,
        historical_import=historical,
    )
    return _submit(client, "bulk_subscribe_profiles", inputs, send)


SUBSCRIBE_PROFILES = operation_action(
    "bulk_subscribe_profiles",
    description="Subscribe one or more profiles to email marketing, SMS marketing, or both.",
    perform=subscribe_profiles,
)


def unsubscribe_profiles(client: KlaviyoClient, inputs: UnsubscribeProfilesInputs) -> SubscriptionSubmission:
    """``POST /api/profile-subscription-bulk-delete-jobs`` (``bulk_unsubscribe_profiles``), see :func:`_submit`."""
    send = functools.partial(senders.unsubscribe_profiles, list_id=inputs.list_id)
    return _submit(client, "bulk_unsubscribe_profiles", inputs, send)


UNSUBSCRIBE_PROFILES = operation_action(
    "bulk_unsubscribe_profiles",
    description="Unsubscribe one or more profiles to email marketing, SMS marketing, or both.",
    perform=unsubscribe_profiles,
)


# -- data source -------------------------------------------------------------------------------


SELECT_PROFILE = picklist(
    "get_profiles",
    label="Select Profile",
    description="A picklist of the account's profiles, labelled by email, phone number or id.",
    label_fields=("email", "phone_number"),
)

ACTIONS = (
    CREATE_PROFILE,
    GET_PROFILE,
    LIST_PROFILE,
    UPDATE_PROFILE,
    LIST_LIST_PROFILES,
    SUBSCRIBE_PROFILES,
    UNSUBSCRIBE_PROFILES,
)
DATA_SOURCES = (SELECT_PROFILE,)


_ADDITIONAL = {"additional_fields": "additional_profile_fields"}
FACADE_METHODS = (
    FacadeMethod(
        "create",
        CREATE_PROFILE,
        "Create a profile (raises ``ConflictError`` with ``duplicate_profile_id`` if one already matches).",
    ),
    FacadeMethod(
        "get",
        GET_PROFILE,
        'Get one profile (``additional_fields=["subscriptions"]`` adds its consent).',
        rename=_ADDITIONAL,
    ),
    FacadeMethod("list", LIST_PROFILE, "Stream every profile (one page in memory at a time).", rename=_ADDITIONAL),
    FacadeMethod(
        "update",
        UPDATE_PROFILE,
        "Change the given attributes of a profile; the others stay as they are (``NULL`` clears one).",
    ),
    FacadeMethod("list_for_list", LIST_LIST_PROFILES, "Stream the members of a list.", rename=_ADDITIONAL),
    FacadeMethod(
        "subscribe",
        SUBSCRIBE_PROFILES,
        'Subscribe profiles (``[{"email": ...}]`` means email marketing); sent 1000 per request.',
        positional=("profiles",),
        switches=("historical_import",),
        returns="SubscriptionSubmission",
    ),
    FacadeMethod(
        "unsubscribe",
        UNSUBSCRIBE_PROFILES,
        'Unsubscribe profiles (``[{"email": ...}]`` means email marketing); sent 100 per request.',
        positional=("profiles",),
        returns="SubscriptionSubmission",
    ),
)
