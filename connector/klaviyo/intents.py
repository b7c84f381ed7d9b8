"""What a spec event asks of Klaviyo, before batching: upsert a profile, record an event, change consent.

Mappers (``mapping/segment.py``, ``mapping/rudderstack.py``) turn one input line into a list of
intents; the engine groups intents of many lines into bulk requests.

Example:
    >>> ev = EventIntent(metric="Signed Up", profile={"email": "a@b.co"}, properties={}, unique_id="m1")
    >>> ev.record_resource()["type"], ev.dedupe_key()
    ('event-bulk-create', ('email:a@b.co', 'Signed Up', 'm1'))
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from connector import structs
from connector.klaviyo.bodies import consent_profile, event_body, event_bulk_item


@structs.frozen
class ProfileIntent:
    """Create or update a profile (Bulk Profile Import), optionally adding it to ``list_id``.

    ``meta`` (``{"patch_properties": {"append"?, "unappend"?, "unset"?}}``) patches list properties
    instead of overwriting them. Bulk import jobs take no ``meta``, so such a profile goes through
    the single Create or Update Profile (``POST /api/profile-import``) instead.

    Example:
        >>> ProfileIntent({"email": "a@b.co"}).record_resource()
        {'type': 'profile', 'attributes': {'email': 'a@b.co'}}
    """

    attributes: dict[str, Any]
    list_id: str | None = None
    meta: dict[str, Any] | None = None

    def record_resource(self) -> dict[str, Any]:
        """The item of ``profiles.data`` (bulk import: without ``meta``)."""
        return {"type": "profile", "attributes": self.attributes}


@structs.frozen
class EventIntent:
    """Record one event; ``followers`` (an order's product events) are sent only once this one is accepted.

    Example:
        >>> EventIntent("X", {"external_id": "u"}, {}, unique_id="o1").followers
        ()
    """

    metric: str
    profile: dict[str, Any]
    properties: dict[str, Any]
    time: str | None = None
    value: float | None = None
    value_currency: str | None = None
    unique_id: str | None = None
    followers: tuple[EventIntent, ...] = ()
    #: The profile's ``meta.patch_properties``; Bulk Create Events has no place for it, so such an event
    #: is sent alone (:meth:`body`, ``POST /api/events``), where the profile's attributes take ``meta``.
    profile_meta: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        """The body of ``POST /api/events`` for this event, with the profile's ``meta`` when there is one.

        Example:
            >>> e = EventIntent("X", {"email": "a@b.co"}, {}, profile_meta={"patch_properties": {"unset": ["t"]}})
            >>> e.body()["data"]["attributes"]["profile"]["data"]["attributes"]["meta"]
            {'patch_properties': {'unset': ['t']}}
        """
        profile = {**self.profile, "meta": self.profile_meta} if self.profile_meta else self.profile
        return event_body(
            self.metric,
            profile,
            self.properties,
            time=self.time,
            value=self.value,
            value_currency=self.value_currency,
            unique_id=self.unique_id,
        )

    def record_resource(self) -> dict[str, Any]:
        """The ``event-bulk-create`` entry."""
        return event_bulk_item(
            self.metric,
            self.profile,
            self.properties,
            time=self.time,
            value=self.value,
            value_currency=self.value_currency,
            unique_id=self.unique_id,
        )

    def dedupe_key(self) -> Hashable | None:
        """(profile identity, metric, unique id): Klaviyo refuses a bulk request repeating one."""
        if not self.unique_id:
            return None
        for key in ("email", "phone_number", "external_id", "anonymous_id"):
            if self.profile.get(key):
                return (f"{key}:{str(self.profile[key]).lower()}", self.metric, self.unique_id)
        return None


@structs.frozen
class ConsentIntent:
    """Subscribe (or unsubscribe) an email and/or phone number, optionally to/from ``list_id``.

    Unsubscribing withdraws marketing consent on ``channels``; SMS transactional consent only with
    ``revoke_transactional``.

    Example:
        >>> ConsentIntent(True, email="a@b.co").group()
        (True, None, False, None)
    """

    subscribe: bool
    email: str | None = None
    phone_number: str | None = None
    channels: tuple[str, ...] = ("email", "sms")
    list_id: str | None = None
    historical_import: bool = False
    consented_at: str | None = None
    custom_source: str | None = None
    #: An unsubscribe also withdraws SMS transactional consent (Segment's Unsubscribe Profile); by default
    #: it is a marketing opt-out and order and shipping texts stay allowed.
    revoke_transactional: bool = False

    def group(self) -> tuple[bool, str | None, bool, str | None]:
        """Intents that can share one request: same direction, list, import mode and source."""
        return (self.subscribe, self.list_id, self.historical_import, self.custom_source)

    def targets(self) -> tuple[tuple[str, str], ...]:
        """``(channel, address)`` pairs this change applies to (emails lower-cased).

        Example:
            >>> ConsentIntent(False, email="A@b.co", phone_number="+15005550006").targets()
            (('email', 'a@b.co'), ('sms', '+15005550006'))
        """
        out: list[tuple[str, str]] = []
        if "email" in self.channels and self.email:
            out.append(("email", self.email.strip().lower()))
        if "sms" in self.channels and self.phone_number:
            out.append(("sms", self.phone_number.strip()))
        return tuple(out)

    def record_resource(self) -> dict[str, Any]:
        """The item of ``profiles.data``."""
        return consent_profile(
            subscribe=self.subscribe,
            email=self.email,
            phone_number=self.phone_number,
            channels=self.channels,
            consented_at=self.consented_at if self.historical_import else None,
            revoke_transactional=self.revoke_transactional,
        )


@structs.frozen
class MembershipIntent:
    """Add a profile to (or remove it from) a list, by list id or by an audience's name.

    ``identifiers`` (email / phone_number / external_id) find the profile; ``list_id`` names the
    list, else ``audience`` does (the list named after the audience: created on the first add,
    reused later). Additions only ever reach Klaviyo with a resolved profile id.

    Example:
        >>> m = MembershipIntent(add=True, identifiers={"email": "a@b.co"}, audience="vip_users")
        >>> m.target(), m.identity()
        (('audience', 'vip_users'), (('email', 'a@b.co'),))
    """

    add: bool
    identifiers: dict[str, str]
    list_id: str | None = None
    audience: str | None = None

    def target(self) -> tuple[str, str]:
        """``("list", id)`` or ``("audience", name)``: where the membership changes."""
        if self.list_id:
            return ("list", self.list_id)
        if self.audience:
            return ("audience", self.audience)
        raise ValueError("a membership needs a list id or an audience name")

    def identity(self) -> tuple[tuple[str, str], ...]:
        """The identifiers as a hashable key (emails lower-cased), to spot repeats of one person."""
        return tuple(sorted((k, v.lower() if k == "email" else v) for k, v in self.identifiers.items() if v))


Intent = ProfileIntent | EventIntent | ConsentIntent | MembershipIntent

#: The attributes by which Klaviyo finds (and merges) a profile.
IDENTIFIERS = ("email", "phone_number", "external_id", "anonymous_id")


def people(intent: Intent) -> frozenset[str]:
    """Who an intent concerns, as ``identifier:value`` (emails lower-cased).

    Two intents that share one may reach the same Klaviyo profile, so they must reach Klaviyo in the order
    of their lines; intents that share none can go in any order.

    Example:
        >>> sorted(people(ConsentIntent(True, email="A@b.co", phone_number="+15005550006")))
        ['email:a@b.co', 'phone_number:+15005550006']
        >>> people(EventIntent("X", {"external_id": "u1"}, {}))
        frozenset({'external_id:u1'})
    """
    if isinstance(intent, ProfileIntent):
        found: dict[str, Any] = intent.attributes
    elif isinstance(intent, EventIntent):
        found = intent.profile
    elif isinstance(intent, ConsentIntent):
        found = {"email": intent.email, "phone_number": intent.phone_number}
    else:
        found = intent.identifiers
    return frozenset(
        f"{name}:{str(value).strip().lower() if name == 'email' else str(value).strip()}"
        for name in IDENTIFIERS
        if (value := found.get(name))
    )


@structs.frozen
class ConsentPlan:
    """How one window's consent changes are sent so that the last change per person wins.

    ``rounds`` are sent one after the other (each round may be grouped into bulk requests freely);
    each entry is ``(index of the intent in the input, the intent narrowed to the channels still
    sent)``. ``superseded`` maps an input index to the indexes of the later changes that replaced
    (some of) its channels: its outcome for those channels is theirs.
    """

    rounds: list[list[tuple[int, ConsentIntent]]]
    superseded: dict[int, tuple[int, ...]]


def plan_consents(intents: Sequence[ConsentIntent]) -> ConsentPlan:
    """Order one window's consent changes as if the lines had been sent one by one.

    Klaviyo's bulk subscribe and unsubscribe are separate requests, so grouping a window by
    direction used to let an earlier unsubscribe land after a later subscribe. Here:

    - per ``(list, channel, address)`` only the last change is sent; earlier ones are superseded
      (their channel is dropped, and a change left with no channel is not sent at all);
    - one exception keeps the result independent of the window size: when the last change is an
      unsubscribe from a list, the latest earlier subscribe to that list is still sent first,
      because Klaviyo unsubscribes a list *member* from that list only but a non-member from
      everything;
    - changes still sent that touch the same channel and address in opposite directions go to
      successive rounds (a global unsubscribe then a subscribe to a list stays in that order).

    Example:
        >>> sub, unsub = ConsentIntent(True, email="a@b.co"), ConsentIntent(False, email="a@b.co")
        >>> plan = plan_consents([sub, unsub, sub])
        >>> [[i for i, _ in r] for r in plan.rounds], plan.superseded
        ([[2]], {0: (2,), 1: (2,)})
        >>> off_everywhere = ConsentIntent(False, email="a@b.co")
        >>> on_list = ConsentIntent(True, email="a@b.co", list_id="L")
        >>> [[i for i, _ in r] for r in plan_consents([off_everywhere, on_list]).rounds]
        [[0], [1]]
    """
    last: dict[tuple[str | None, str, str], int] = {}
    for index, intent in enumerate(intents):
        for target in intent.targets():
            last[(intent.list_id, target[0], target[1])] = index
    # A list unsubscribe that wins keeps the latest subscribe to the same list before it.
    kept_for: dict[tuple[int, str], int] = {}
    for (list_id, channel, address), winner in last.items():
        if list_id is None or intents[winner].subscribe:
            continue
        for earlier in range(winner - 1, -1, -1):
            candidate = intents[earlier]
            same = candidate.list_id == list_id and (channel, address) in candidate.targets()
            if same and candidate.subscribe:
                kept_for[(earlier, channel)] = winner
                break
    superseded: dict[int, tuple[int, ...]] = {}
    sent: list[tuple[int, ConsentIntent]] = []
    for index, intent in enumerate(intents):
        live: list[str] = []
        winners: list[int] = []
        for channel, address in intent.targets():
            winner = last[(intent.list_id, channel, address)]
            if winner == index:
                live.append(channel)
                continue
            winners.append(winner)
            if kept_for.get((index, channel)) == winner:
                live.append(channel)
        if winners:
            superseded[index] = tuple(dict.fromkeys(winners))
        if not intent.targets():  # nothing to compare: sent as it is, Klaviyo answers for it
            sent.append((index, intent))
        elif live:
            narrowed = intent if len(live) == len(intent.targets()) else structs.evolve(intent, channels=tuple(live))
            sent.append((index, narrowed))
    rounds: list[list[tuple[int, ConsentIntent]]] = []
    latest: dict[tuple[str, str], tuple[int, bool]] = {}
    for index, intent in sent:
        number = 0
        for target in intent.targets():
            if target in latest:
                before, direction = latest[target]
                number = max(number, before + (direction != intent.subscribe))
        for target in intent.targets():
            latest[target] = (number, intent.subscribe)
        while len(rounds) <= number:
            rounds.append([])
        rounds[number].append((index, intent))
    return ConsentPlan(rounds, superseded)
