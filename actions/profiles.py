"""Profiles: create, read, update and list them, list a list's members, and (un)subscribe them.

Example:
    >>> # from connector import Klaviyo
    >>> # ada = Klaviyo(api_key="pk_...").profiles.create(email="ada@example.com")

Reference: https://developers.klaviyo.com/en/reference/profiles_api_overview
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from actions._facade.profiles import ProfilesOperations
from actions._shared import (
    clean_id,
    fields_input,
    filter_input,
    get_document,
    id_input,
    list_resources,
    max_records_input,
    page_size_input,
    query,
    sort_input,
    sparse_fields,
)
from connector.client.errors import InputError, KlaviyoError
from connector.client.jsonapi import Resource, relationship, resource_body
from connector.client.pipeline import KlaviyoClient
from connector.framework.definitions import ActionDefinition
from connector.framework.inputs import InputType, input_field, to_json, to_json_object, to_stripped, to_timestamp
from connector.klaviyo.operation_actions import picklist as registry_picklist
from connector.klaviyo.validators import clean_email, clean_external_id, clean_phone, clean_url

PROFILE_FIELDS = (
    "created",
    "email",
    "external_id",
    "first_name",
    "id",
    "image",
    "last_event_date",
    "last_name",
    "locale",
    "location",
    "organization",
    "phone_number",
    "predictive_analytics",
    "properties",
    "subscriptions",
    "title",
    "updated",
)
#: Members of a list also carry the date they joined it.
LIST_MEMBER_FIELDS = tuple(sorted((*PROFILE_FIELDS, "joined_group_at")))
ADDITIONAL_FIELDS = ("subscriptions", "predictive_analytics")
#: Klaviyo's ``location`` attribute, key for key.
LOCATION_KEYS = (
    "address1",
    "address2",
    "city",
    "country",
    "region",
    "zip",
    "timezone",
    "ip",
    "latitude",
    "longitude",
)
PROFILE_PAGE_MAX = 100
#: Klaviyo's per-request limits of the bulk subscription jobs.
SUBSCRIBE_BATCH = 1000
UNSUBSCRIBE_BATCH = 100

PROFILE_ID_COMMENTS = "Unique identifier for the profile."
ADDITIONAL_COMMENTS = "Request additional fields not included by default in the response."
IDENTIFIER_LABELS = "Email, Phone Number, External ID"


@attrs.frozen
class ProfileLocation:
    """A profile's ``location`` (latitude/longitude come as text or numbers).

    Example:
        >>> ProfileLocation(city="New York").city
        'New York'
    """

    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    country: str | None = None
    region: str | None = None
    zip: str | None = None
    timezone: str | None = None
    ip: str | None = None
    latitude: Any = None
    longitude: Any = None


@attrs.frozen
class ProfileAttributes:
    """A profile's attributes as Klaviyo returns them (every field may be absent).

    ``subscriptions`` and ``predictive_analytics`` only come back when asked for as additional fields.

    Example:
        >>> ProfileAttributes(email="ada@example.com").email
        'ada@example.com'
    """

    email: str | None = None
    phone_number: str | None = None
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    organization: str | None = None
    locale: str | None = None
    title: str | None = None
    image: str | None = None
    created: dt.datetime | None = None
    updated: dt.datetime | None = None
    last_event_date: dt.datetime | None = None
    joined_group_at: dt.datetime | None = None
    location: ProfileLocation | None = None
    properties: dict[str, Any] | None = None
    subscriptions: dict[str, Any] | None = None
    predictive_analytics: dict[str, Any] | None = None


Profile = Resource[ProfileAttributes]


@attrs.frozen
class SubscriptionSubmission:
    """What a (un)subscribe call sent: Klaviyo answers 202 with no body, so the counts are all there is.

    Example:
        >>> SubscriptionSubmission(requests=2, profiles=1001).requests
        2
    """

    requests: int
    profiles: int


# -- cleaners shared by profile-shaped inputs (also used by events) ----------------------------


def clean_location(value: Any) -> dict[str, Any]:
    """Klaviyo's ``location`` object; unknown keys are refused so a typo is not silently dropped.

    Example:
        >>> clean_location('{"city": "New York", "zip": 10017}')
        {'city': 'New York', 'zip': '10017'}
    """
    location = to_json_object(value)
    unknown = sorted(k for k in location if k not in LOCATION_KEYS)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(LOCATION_KEYS)}")
    out: dict[str, Any] = {}
    for key, item in location.items():
        if item is None or isinstance(item, str):
            out[key] = item
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            # Coordinates may be numbers; a zip code pasted as a number is kept as text.
            out[key] = item if key in ("latitude", "longitude") else str(item)
        else:
            raise InputError(f"{key} must be text or a number")
    return out


def clean_properties(value: Any) -> dict[str, Any]:
    """A JSON object of custom properties."""
    return to_json_object(value)


def _clean_text(value: Any) -> str:
    return to_stripped(value)


#: Cleaners of the profile attributes Klaviyo checks strictly, keyed by attribute name.
PROFILE_ATTRIBUTE_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "email": clean_email,
    "phone_number": clean_phone,
    "external_id": clean_external_id,
    "image": clean_url,
    "location": clean_location,
    "properties": clean_properties,
}


def clean_profile_attributes(
    attributes: Mapping[str, Any], where: str, allowed: Sequence[str] | None = None
) -> dict[str, Any]:
    """Check the identifiers and typed attributes of a profile-shaped object; ``where`` (a path) prefixes errors.

    Example:
        >>> clean_profile_attributes({"phone_number": "+1 500 555 0006"}, "profiles[0]")
        {'phone_number': '+15005550006'}
    """
    if allowed is not None:
        unknown = sorted(k for k in attributes if k not in allowed)
        if unknown:
            problem = f"unknown attribute(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
            raise InputError(f"{where}: {problem}" if where else problem)
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


def note_progress(error: KlaviyoError, sent: int, total: int) -> KlaviyoError:
    """Say in a failed batch's error how many earlier requests Klaviyo already accepted (they are not undone)."""
    if total > 1:
        error.message = f"{error.message} (request {sent + 1} of {total}; the {sent} before it were accepted)"
        error.args = (error.message,)
    return error


# -- Create Profile / Update Profile ------------------------------------------------------------


def _email_input() -> Any:
    return input_field("Email", comments="Individual's email address", clean=clean_email, example="ada@example.com")


def _phone_input() -> Any:
    return input_field(
        "Phone Number",
        comments="Individual's phone number in E.164 format",
        clean=clean_phone,
        example="+15005550006",
    )


def _external_id_input() -> Any:
    return input_field(
        "External ID",
        comments=(
            "A unique identifier used by customers to associate Klaviyo profiles with profiles in an external "
            "system, such as a point-of-sale system. Format varies based on the external system."
        ),
        clean=clean_external_id,
    )


def _text_input(label: str, comments: str) -> Any:
    return input_field(label, comments=comments, clean=_clean_text)


def _image_input() -> Any:
    return input_field("Image", comments="URL pointing to the location of a profile image", clean=clean_url)


def _location_input() -> Any:
    return input_field(
        "Location",
        type=InputType.JSON,
        comments="Location information for the profile.",
        clean=clean_location,
        example={"city": "New York", "region": "NY", "country": "United States", "zip": "10017"},
    )


def _properties_input() -> Any:
    return input_field(
        "Properties",
        type=InputType.JSON,
        comments="An object containing key/value pairs for any custom properties assigned to this profile.",
        clean=clean_properties,
        example={"pseudonym": "Dr. Octopus"},
    )


FIRST_NAME_COMMENTS = "Individual's first name"
LAST_NAME_COMMENTS = "Individual's last name"
ORGANIZATION_COMMENTS = "Name of the company or organization within the company for whom the individual works"
TITLE_COMMENTS = "Individual's job title"


@attrs.frozen
class CreateProfileInputs:
    """Inputs of Create Profile (at least one of email, phone number or external ID)."""

    email: str | None = _email_input()
    phone_number: str | None = _phone_input()
    external_id: str | None = _external_id_input()
    first_name: str | None = _text_input("First Name", FIRST_NAME_COMMENTS)
    last_name: str | None = _text_input("Last Name", LAST_NAME_COMMENTS)
    organization: str | None = _text_input("Organization", ORGANIZATION_COMMENTS)
    title: str | None = _text_input("Title", TITLE_COMMENTS)
    image: str | None = _image_input()
    location: dict[str, Any] | None = _location_input()
    properties: dict[str, Any] | None = _properties_input()

    def __attrs_post_init__(self) -> None:
        # Klaviyo needs an identifier to create a profile; saying so here saves a round trip and a 400.
        if not (self.email or self.phone_number or self.external_id):
            raise InputError("at least one is required to identify the profile", label=IDENTIFIER_LABELS, key="email")


def _profile_attributes(inputs: CreateProfileInputs | UpdateProfileInputs) -> dict[str, Any]:
    return {
        "email": inputs.email,
        "phone_number": inputs.phone_number,
        "external_id": inputs.external_id,
        "first_name": inputs.first_name,
        "last_name": inputs.last_name,
        "organization": inputs.organization,
        "title": inputs.title,
        "image": inputs.image,
        "location": inputs.location,
        "properties": inputs.properties,
    }


def create_profile(client: KlaviyoClient, inputs: CreateProfileInputs) -> Any:
    """``POST /api/profiles`` (``create_profile``): create a profile and return its document.

    Raises :class:`~connector.client.errors.ConflictError` (``duplicate_profile_id``) when the email, phone number
    or external ID already belongs to a profile.

    Example:
        >>> # create_profile(client, CreateProfileInputs(email="ada@example.com"))
    """
    body = resource_body("profile", _profile_attributes(inputs))
    return client.request("POST", "/api/profiles", json=body).json()


CREATE_PROFILE = ActionDefinition(
    key="createProfile",
    label="Create Profile",
    description="Create a new profile.",
    inputs=CreateProfileInputs,
    perform=create_profile,
    operation_ids=("create_profile",),
)


@attrs.frozen
class UpdateProfileInputs:
    """Inputs of Update Profile: only the attributes given are sent (the others stay as they are)."""

    profile_id: str = id_input("Profile ID", PROFILE_ID_COMMENTS)
    email: str | None = _email_input()
    phone_number: str | None = _phone_input()
    external_id: str | None = _external_id_input()
    first_name: str | None = _text_input("First Name", FIRST_NAME_COMMENTS)
    last_name: str | None = _text_input("Last Name", LAST_NAME_COMMENTS)
    organization: str | None = _text_input("Organization", ORGANIZATION_COMMENTS)
    title: str | None = _text_input("Title", TITLE_COMMENTS)
    image: str | None = _image_input()
    location: dict[str, Any] | None = _location_input()
    properties: dict[str, Any] | None = _properties_input()


def update_profile(client: KlaviyoClient, inputs: UpdateProfileInputs) -> Any:
    """``PATCH /api/profiles/{id}`` (``update_profile``); omitted attributes are left unchanged.

    Example:
        >>> # update_profile(client, UpdateProfileInputs(profile_id="01H...", first_name="Ada"))
    """
    body = resource_body("profile", _profile_attributes(inputs), resource_id=inputs.profile_id)
    # Setting the same attribute values twice leaves the profile as one call would, so a repeat is harmless.
    return client.request("PATCH", f"/api/profiles/{inputs.profile_id}", json=body, retry_safe=True).json()


UPDATE_PROFILE = ActionDefinition(
    key="updateProfile",
    label="Update Profile",
    description="Update the profile with the given profile ID.",
    inputs=UpdateProfileInputs,
    perform=update_profile,
    operation_ids=("update_profile",),
)


# -- Get Profile / List Profile / List List Profiles --------------------------------------------


def _additional_fields_input() -> Any:
    return fields_input(ADDITIONAL_FIELDS, label="Additional Profile Fields", comments=ADDITIONAL_COMMENTS)


def _profile_query(fields: Sequence[str], additional: Sequence[str]) -> dict[str, Any]:
    return {**sparse_fields("profile", fields), **query(**{"additional-fields[profile]": list(additional)})}


@attrs.frozen
class GetProfileInputs:
    """Inputs of Get Profile."""

    profile_id: str = id_input("Profile ID", PROFILE_ID_COMMENTS)
    fields: list[str] = fields_input(PROFILE_FIELDS)
    additional_profile_fields: list[str] = _additional_fields_input()


def get_profile(client: KlaviyoClient, inputs: GetProfileInputs) -> Any:
    """``GET /api/profiles/{id}`` (``get_profile``).

    Example:
        >>> # get_profile(client, GetProfileInputs(profile_id="01H...", additional_profile_fields=["subscriptions"]))
    """
    params = _profile_query(inputs.fields, inputs.additional_profile_fields)
    return get_document(client, f"/api/profiles/{inputs.profile_id}", params)


GET_PROFILE = ActionDefinition(
    key="getProfile",
    label="Get Profile",
    description="Get the profile with the given profile ID.",
    inputs=GetProfileInputs,
    perform=get_profile,
    operation_ids=("get_profile",),
)


PROFILE_SORTS = (
    "created",
    "email",
    "id",
    "subscriptions.email.marketing.list_suppressions.timestamp",
    "subscriptions.email.marketing.suppression.timestamp",
    "updated",
)


@attrs.frozen
class ListProfileInputs:
    """Inputs of List Profile."""

    fields: list[str] = fields_input(PROFILE_FIELDS)
    additional_profile_fields: list[str] = _additional_fields_input()
    filter: str | None = filter_input(
        'Klaviyo filter, e.g. equals(email,"ada@example.com"); fields: id, email, phone_number, external_id '
        "(any/equals), _kx (equals), created, updated (greater-than/less-than), "
        "subscriptions.email.marketing.suppression.* and list_suppressions.*."
    )
    sort: str | None = sort_input(PROFILE_SORTS)
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(PROFILE_PAGE_MAX)


def list_profiles(client: KlaviyoClient, inputs: ListProfileInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/profiles`` (``get_profiles``), following every page; streams resources.

    Example:
        >>> # for p in list_profiles(client, ListProfileInputs(max_records=5)): print(p["id"])
    """
    params = {
        **_profile_query(inputs.fields, inputs.additional_profile_fields),
        **query(filter=inputs.filter, sort=inputs.sort),
    }
    return list_resources(
        client,
        "/api/profiles",
        params,
        page_size=inputs.page_size,
        default_page_size=PROFILE_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_PROFILE = ActionDefinition(
    key="listProfile",
    label="List Profile",
    description="Get all profiles in an account.",
    inputs=ListProfileInputs,
    perform=list_profiles,
    operation_ids=("get_profiles",),
)


@attrs.frozen
class ListListProfilesInputs:
    """Inputs of List List Profiles."""

    list_id: str = id_input("List ID", "The unique identifier of the list.")
    additional_profile_fields: list[str] = _additional_fields_input()
    fields: list[str] = fields_input(LIST_MEMBER_FIELDS)
    filter: str | None = filter_input(
        'Klaviyo filter, e.g. equals(email,"ada@example.com"); fields: email, phone_number, push_token '
        "(any/equals), _kx (equals), joined_group_at (greater-than/less-than and -or-equal)."
    )
    sort: str | None = sort_input(("joined_group_at",))
    max_records: int | None = max_records_input()
    page_size: int | None = page_size_input(PROFILE_PAGE_MAX)


def list_list_profiles(client: KlaviyoClient, inputs: ListListProfilesInputs) -> Iterator[dict[str, Any]]:
    """``GET /api/lists/{id}/profiles`` (``get_profiles_for_list``), following every page.

    Example:
        >>> # list(list_list_profiles(client, ListListProfilesInputs(list_id="Y6nRLr")))
    """
    params = {
        **_profile_query(inputs.fields, inputs.additional_profile_fields),
        **query(filter=inputs.filter, sort=inputs.sort),
    }
    return list_resources(
        client,
        f"/api/lists/{inputs.list_id}/profiles",
        params,
        page_size=inputs.page_size,
        default_page_size=PROFILE_PAGE_MAX,
        limit=inputs.max_records,
    )


LIST_LIST_PROFILES = ActionDefinition(
    key="listListProfiles",
    label="List List Profiles",
    description="Get all profiles within a list with the given list ID.",
    inputs=ListListProfilesInputs,
    perform=list_list_profiles,
    operation_ids=("get_profiles_for_list",),
)


# -- Subscribe Profiles / Unsubscribe Profiles ---------------------------------------------------

SUBSCRIBED = "SUBSCRIBED"
UNSUBSCRIBED = "UNSUBSCRIBED"
#: Message types inside a channel whose consent may carry ``consented_at`` (open tracking has none).
_CONSENT_KINDS = ("marketing", "transactional", "conversational")
_SUBSCRIBE_ATTRIBUTES = ("email", "phone_number", "subscriptions", "age_gated_date_of_birth")
_UNSUBSCRIBE_ATTRIBUTES = ("email", "phone_number", "subscriptions")


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


def _profile_entry(entry: Any, where: str, consent: str) -> tuple[str | None, dict[str, Any]]:
    """``(id, attributes)`` of one entry: a resource object, its attributes, or the email/phone shorthand."""
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: must be a JSON object")
    if "attributes" in entry or entry.get("type") == "profile":
        if entry.get("type", "profile") != "profile":
            raise InputError(f"{where}.type: must be 'profile' (got {entry.get('type')!r})")
        attributes = entry.get("attributes")
        if not isinstance(attributes, Mapping):
            raise InputError(f"{where}.attributes: must be a JSON object")
        profile_id = entry.get("id")
        return (None if profile_id is None else str(profile_id)), dict(attributes)
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
    return (None if profile_id is None else str(profile_id)), attributes


def _check_consents(subscriptions: Any, where: str, consent: str, historical: bool | None) -> dict[str, Any]:
    """Check each channel's consent value and, on subscribe, ``consented_at`` against Historical Import."""
    if not isinstance(subscriptions, Mapping) or not subscriptions:
        raise InputError(f"{where}.subscriptions: must be an object naming at least one channel")
    now = dt.datetime.now(dt.timezone.utc)
    out: dict[str, Any] = {}
    for channel, settings in subscriptions.items():
        if settings is None:
            continue
        if not isinstance(settings, Mapping):
            raise InputError(f"{where}.subscriptions.{channel}: must be an object")
        checked = dict(settings)
        for kind, params in settings.items():
            if not isinstance(params, Mapping) or "consent" not in params:
                continue
            at = f"{where}.subscriptions.{channel}.{kind}"
            if params["consent"] != consent:
                raise InputError(f"{at}.consent: must be {consent!r} here (got {params['consent']!r})")
            if historical is None or kind not in _CONSENT_KINDS:
                continue
            consented_at = params.get("consented_at")
            if not historical:
                if consented_at is not None:
                    raise InputError(f"{at}.consented_at: only allowed with Historical Import")
                continue
            if consented_at is None:
                raise InputError(f"{at}.consented_at: required with Historical Import")
            try:
                stamp = to_timestamp(consented_at)
            except InputError as exc:
                raise InputError(f"{at}.consented_at: {exc.problem}") from None
            if dt.datetime.fromisoformat(stamp) >= now:
                raise InputError(f"{at}.consented_at: must be in the past (got {stamp})")
            checked[kind] = {**params, "consented_at": stamp}
        out[str(channel)] = checked
    return out


def clean_subscription_profiles(value: Any, *, subscribe: bool, historical: bool = False) -> list[dict[str, Any]]:
    """Every profile as a spec-shaped resource object, checked before anything is sent.

    Example:
        >>> clean_subscription_profiles('[{"email": "ada@example.com"}]', subscribe=False)[0]["attributes"]
        {'email': 'ada@example.com', 'subscriptions': {'email': {'marketing': {'consent': 'UNSUBSCRIBED'}}}}
    """
    consent = SUBSCRIBED if subscribe else UNSUBSCRIBED
    allowed = _SUBSCRIBE_ATTRIBUTES if subscribe else _UNSUBSCRIBE_ATTRIBUTES
    out = []
    for index, entry in enumerate(to_profile_entries(value)):
        where = f"profiles[{index}]"
        profile_id, attributes = _profile_entry(entry, where, consent)
        attributes = clean_profile_attributes(attributes, where, allowed)
        attributes["subscriptions"] = _check_consents(
            attributes.get("subscriptions"), where, consent, historical if subscribe else None
        )
        if profile_id is not None and not subscribe:
            raise InputError(f"{where}.id: Unsubscribe Profiles identifies profiles by email or phone_number only")
        has_push = "push" in attributes["subscriptions"]
        if not (attributes.get("email") or attributes.get("phone_number") or profile_id or has_push):
            raise InputError(f"{where}: needs an email or a phone_number" + (" or an id" if subscribe else ""))
        resource: dict[str, Any] = {"type": "profile"}
        if profile_id is not None:
            resource["id"] = profile_id
        resource["attributes"] = {k: v for k, v in attributes.items() if v is not None}
        out.append(resource)
    return out


PROFILES_EXAMPLE = [{"email": "ada@example.com"}, {"phone_number": "+15005550006"}]


@attrs.frozen
class SubscribeProfilesInputs:
    """Inputs of Subscribe Profiles (the profiles are checked together with Historical Import)."""

    profiles: Any = input_field(
        "Profiles",
        type=InputType.JSON,
        comments="Array of profiles to subscribe.",
        required=True,
        clean=to_profile_entries,
        example=PROFILES_EXAMPLE,
    )
    list_id: str | None = input_field(
        "List ID",
        comments="Also add the profiles to this list (a double opt-in list sends a confirmation first).",
        clean=clean_id,
        example="Y6nRLr",
    )
    custom_source: str | None = input_field(
        "Custom Source",
        comments="A custom method detail or source to store on the consent records, e.g. Marketing Event.",
        clean=_clean_text,
    )
    historical_import: bool | None = input_field(
        "Historical Import",
        type=InputType.BOOLEAN,
        comments="Record past consent: skips double opt-in and list flows, and every consent needs consented_at.",
        default="false",
    )

    def __attrs_post_init__(self) -> None:
        # The profiles' consented_at is only right or wrong given Historical Import, so check them together.
        try:
            cleaned = clean_subscription_profiles(
                self.profiles, subscribe=True, historical=bool(self.historical_import)
            )
        except InputError as exc:
            raise InputError(exc.problem, label="Profiles", key="profiles") from None
        object.__setattr__(self, "profiles", cleaned)


@attrs.frozen
class UnsubscribeProfilesInputs:
    """Inputs of Unsubscribe Profiles."""

    profiles: Any = input_field(
        "Profiles",
        type=InputType.JSON,
        comments="Array of profiles to unsubscribe.",
        required=True,
        clean=lambda v: clean_subscription_profiles(v, subscribe=False),
        example=PROFILES_EXAMPLE,
    )
    list_id: str | None = input_field(
        "List ID",
        comments="Unsubscribe from this list only; profiles not in it are unsubscribed from the channel globally.",
        clean=clean_id,
        example="Y6nRLr",
    )


def _bulk_subscription(
    client: KlaviyoClient,
    path: str,
    job_type: str,
    profiles: list[dict[str, Any]],
    batch: int,
    attributes: Mapping[str, Any],
    list_id: str | None,
) -> dict[str, Any]:
    chunks = [profiles[i : i + batch] for i in range(0, len(profiles), batch)]
    relationships = {"list": relationship("list", list_id)} if list_id else None
    for sent, chunk in enumerate(chunks):
        body = resource_body(job_type, {**attributes, "profiles": {"data": chunk}}, relationships=relationships)
        try:
            client.request("POST", path, json=body)
        except KlaviyoError as exc:
            raise note_progress(exc, sent, len(chunks)) from None
    return {"data": None, "requests": len(chunks), "profiles": len(profiles)}


def subscribe_profiles(client: KlaviyoClient, inputs: SubscribeProfilesInputs) -> dict[str, Any]:
    """``POST /api/profile-subscription-bulk-create-jobs`` (``bulk_subscribe_profiles``), 1000 profiles a request.

    Example:
        >>> # subscribe_profiles(client, SUBSCRIBE_PROFILES.clean({"profiles": '[{"email": "a@b.co"}]'}))
    """
    attributes = {
        "custom_source": inputs.custom_source,
        "historical_import": True if inputs.historical_import else None,
    }
    return _bulk_subscription(
        client,
        "/api/profile-subscription-bulk-create-jobs",
        "profile-subscription-bulk-create-job",
        inputs.profiles,
        SUBSCRIBE_BATCH,
        attributes,
        inputs.list_id,
    )


SUBSCRIBE_PROFILES = ActionDefinition(
    key="subscribeProfiles",
    label="Subscribe Profiles",
    description="Subscribe one or more profiles to email marketing, SMS marketing, or both.",
    inputs=SubscribeProfilesInputs,
    perform=subscribe_profiles,
    operation_ids=("bulk_subscribe_profiles",),
)


def unsubscribe_profiles(client: KlaviyoClient, inputs: UnsubscribeProfilesInputs) -> dict[str, Any]:
    """``POST /api/profile-subscription-bulk-delete-jobs`` (``bulk_unsubscribe_profiles``), 100 profiles a request.

    Example:
        >>> # unsubscribe_profiles(client, UNSUBSCRIBE_PROFILES.clean({"profiles": '[{"email": "a@b.co"}]'}))
    """
    return _bulk_subscription(
        client,
        "/api/profile-subscription-bulk-delete-jobs",
        "profile-subscription-bulk-delete-job",
        inputs.profiles,
        UNSUBSCRIBE_BATCH,
        {},
        inputs.list_id,
    )


UNSUBSCRIBE_PROFILES = ActionDefinition(
    key="unsubscribeProfiles",
    label="Unsubscribe Profiles",
    description="Unsubscribe one or more profiles to email marketing, SMS marketing, or both.",
    inputs=UnsubscribeProfilesInputs,
    perform=unsubscribe_profiles,
    operation_ids=("bulk_unsubscribe_profiles",),
)


# -- data source -------------------------------------------------------------------------------


SELECT_PROFILE = registry_picklist(
    op_id="get_profiles",
    key="selectProfile",
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


class Profiles(ProfilesOperations):
    """``Klaviyo(...).profiles``: typed access to profiles and their consent.

    Example:
        >>> # k = Klaviyo(api_key="pk_...")
        >>> # ada = k.profiles.create(email="ada@example.com", first_name="Ada")
        >>> # k.profiles.subscribe([{"email": "ada@example.com"}], list_id="Y6nRLr")
    """

    def create(
        self,
        *,
        email: str | None = None,
        phone_number: str | None = None,
        external_id: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        organization: str | None = None,
        title: str | None = None,
        image: str | None = None,
        location: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> Profile:
        """Create a profile (raises ``ConflictError`` with ``duplicate_profile_id`` if one already matches)."""
        return self._one(
            ProfileAttributes,
            CREATE_PROFILE,
            email=email,
            phone_number=phone_number,
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            organization=organization,
            title=title,
            image=image,
            location=location,
            properties=properties,
        )

    def get(
        self, profile_id: str, *, fields: Sequence[str] | None = None, additional_fields: Sequence[str] | None = None
    ) -> Profile:
        """Get one profile (``additional_fields=["subscriptions"]`` adds its consent)."""
        return self._one(
            ProfileAttributes,
            GET_PROFILE,
            profile_id=profile_id,
            fields=fields,
            additional_profile_fields=additional_fields,
        )

    def list(
        self,
        *,
        fields: Sequence[str] | None = None,
        additional_fields: Sequence[str] | None = None,
        filter: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Profile]:
        """Stream every profile (one page in memory at a time)."""
        return self._many(
            ProfileAttributes,
            LIST_PROFILE,
            fields=fields,
            additional_profile_fields=additional_fields,
            filter=filter,
            sort=sort,
            max_records=limit,
        )

    def update(
        self,
        profile_id: str,
        *,
        email: str | None = None,
        phone_number: str | None = None,
        external_id: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        organization: str | None = None,
        title: str | None = None,
        image: str | None = None,
        location: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> Profile:
        """Change the given attributes of a profile; the others stay as they are."""
        return self._one(
            ProfileAttributes,
            UPDATE_PROFILE,
            profile_id=profile_id,
            email=email,
            phone_number=phone_number,
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            organization=organization,
            title=title,
            image=image,
            location=location,
            properties=properties,
        )

    def list_for_list(
        self,
        list_id: str,
        *,
        fields: Sequence[str] | None = None,
        additional_fields: Sequence[str] | None = None,
        filter: str | None = None,
        sort: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Profile]:
        """Stream the members of a list."""
        return self._many(
            ProfileAttributes,
            LIST_LIST_PROFILES,
            list_id=list_id,
            fields=fields,
            additional_profile_fields=additional_fields,
            filter=filter,
            sort=sort,
            max_records=limit,
        )

    def subscribe(
        self,
        profiles: Any,
        *,
        list_id: str | None = None,
        custom_source: str | None = None,
        historical_import: bool = False,
    ) -> SubscriptionSubmission:
        """Subscribe profiles (``[{"email": ...}]`` means email marketing); sent 1000 per request."""
        result = self._perform(
            SUBSCRIBE_PROFILES,
            profiles=profiles,
            list_id=list_id,
            custom_source=custom_source,
            historical_import=historical_import,
        )
        return SubscriptionSubmission(requests=result["requests"], profiles=result["profiles"])

    def unsubscribe(self, profiles: Any, *, list_id: str | None = None) -> SubscriptionSubmission:
        """Unsubscribe profiles (``[{"email": ...}]`` means email marketing); sent 100 per request."""
        result = self._perform(UNSUBSCRIBE_PROFILES, profiles=profiles, list_id=list_id)
        return SubscriptionSubmission(requests=result["requests"], profiles=result["profiles"])


FACADE = Profiles
