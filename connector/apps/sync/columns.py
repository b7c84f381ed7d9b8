"""The columns sync reads, per kind: one table of fields and the header names read as them.

This table is the one place that says which column is which field: :mod:`~connector.apps.sync.records`
reads rows through it, ``klaviyo-connector sync --help`` prints it and a test keeps the README's copy
current.

CSV headers are matched after :func:`normalise` (any case; spaces, hyphens and dots read as underscores),
against a field's own name and its aliases, so ``E-mail``, ``EMAIL`` and ``Email Address`` are all
``email``. ``location.x`` and ``properties.x`` are paths (a location field, a custom property ``x``).
``--map COLUMN=FIELD`` (:attr:`SyncOptions.column_map`) overrides the table for a column. Any other
column keeps its header as written: a custom property of a profile, a property of an event, ignored for
subscriptions. JSON lines are read by their keys as they are (the field names, and the older synonyms
``event``, ``timestamp``, ``event_id`` and ``messageId``).

CSV cells of custom properties are typed by :func:`auto_type` unless ``--types`` names their column
(:mod:`~connector.apps.sync.cells`); standard fields are sent as written.

Example:
    >>> plan = Columns.for_header("profiles", ["E-mail", "Given Name", "Zip Code", "Plan"])
    >>> [plan.routes[name][:2] for name in plan.header]
    [(0, 'email'), (1, 'first_name'), (2, 'zip'), (3, 'Plan')]
    >>> plan.sources["email"]
    ('E-mail',)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from connector.apps.sync.cells import CONVERTERS, Memo, auto_type
from connector.client.errors import InputError

KINDS = ("profiles", "events", "subscriptions")

# Where a column's value goes. Plain ints: the mapping compares them on every cell.
IDENTIFIER, ATTRIBUTE, LOCATION, PROPERTY, FIELD, SKIP = range(6)

#: What one column becomes: (place, name there, converter of its cells or None to send them as they are).
Route = tuple[int, str, Callable[[Any], Any] | None]

_P, _E, _S = ("profiles",), ("events",), ("subscriptions",)


@attrs.frozen
class Field:
    """A field sync reads: its ``name``, the ``kinds`` that have it, where it goes, and ``aliases`` for CSV headers.

    ``synonyms`` are other JSON keys read as this field (names older versions accepted).

    Example:
        >>> next(f for f in FIELDS if f.name == "zip").aliases
        ('Zip Code', 'Postal Code', 'Postcode')
    """

    name: str
    place: int
    kinds: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("email", IDENTIFIER, KINDS, ("Email", "E-mail", "Email Address")),
    Field("phone_number", IDENTIFIER, KINDS, ("Phone", "Phone Number", "Mobile")),
    Field("external_id", IDENTIFIER, _P + _E, ("User ID", "Customer ID", "External ID")),
    Field("anonymous_id", IDENTIFIER, _E),
    Field("first_name", ATTRIBUTE, _P, ("First Name", "FirstName", "Given Name")),
    Field("last_name", ATTRIBUTE, _P, ("Last Name", "LastName", "Surname")),
    Field("organization", ATTRIBUTE, _P, ("Company", "Organisation", "Organization")),
    Field("title", ATTRIBUTE, _P, ("Job Title",)),
    Field("locale", ATTRIBUTE, _P),
    Field("image", ATTRIBUTE, _P),
    Field("address1", LOCATION, _P, ("Address", "Address 1", "Street")),
    Field("address2", LOCATION, _P, ("Address 2",)),
    Field("city", LOCATION, _P),
    Field("region", LOCATION, _P, ("State", "Province")),
    Field("zip", LOCATION, _P, ("Zip Code", "Postal Code", "Postcode")),
    Field("country", LOCATION, _P),
    Field("timezone", LOCATION, _P),
    Field("latitude", LOCATION, _P),
    Field("longitude", LOCATION, _P),
    Field("ip", LOCATION, _P),
    Field("metric", FIELD, _E, ("Event", "Metric Name"), synonyms=("event",)),
    Field("time", FIELD, _E, ("Timestamp", "Date"), synonyms=("timestamp",)),
    Field("value", FIELD, _E, ("Revenue",)),
    Field("value_currency", FIELD, _E, ("Currency",)),
    Field("unique_id", FIELD, _E, ("Event ID", "Message ID", "messageId"), synonyms=("event_id", "messageId")),
    Field("channels", FIELD, _S, ("Channels",)),
    Field("consented_at", FIELD, _S, ("Consented At",)),
)

LOCATION_FIELDS = frozenset(f.name for f in FIELDS if f.place == LOCATION)
#: Where each kind sends a column that is none of its fields (subscriptions ignore them).
OTHERS = {"profiles": PROPERTY, "events": PROPERTY, "subscriptions": SKIP}
#: What each kind does with the columns that are none of its fields (the help and the README say it).
OTHER_COLUMNS = {
    "profiles": "location.FIELD: a location field; properties.NAME, and any other column: a custom property "
    "(named as the header is written)",
    "events": "properties.NAME, and any other column: a property of the event (named as the header is written)",
    "subscriptions": "any other column is ignored",
}
#: The dotted paths of CSV headers and ``--map`` targets, per kind.
PATHS = {"profiles": ("location", "properties"), "events": ("properties",), "subscriptions": ()}

#: JSON keys holding an object the mapping reads whole, per kind.
_NESTED = {"profiles": ("location", "properties"), "events": ("profile", "properties"), "subscriptions": ()}

_SEPARATORS = re.compile(r"[\s.\-]+")


def normalise(header: str) -> str:
    """A header as it is matched: trimmed, lower case, runs of spaces, hyphens and dots as one underscore.

    Example:
        >>> normalise(" E-mail "), normalise("Zip  Code"), normalise("Address.1"), normalise("FirstName")
        ('e_mail', 'zip_code', 'address_1', 'firstname')
    """
    return _SEPARATORS.sub("_", header.strip().lower()).strip("_")


def fields(kind: str) -> list[Field]:
    """The fields of ``kind``, in the table's order.

    Example:
        >>> [f.name for f in fields("subscriptions")]
        ['email', 'phone_number', 'channels', 'consented_at']
    """
    return [f for f in FIELDS if kind in f.kinds]


@functools.cache
def _lookup(kind: str) -> dict[str, Field]:
    """Normalised names and aliases of ``kind``'s fields, to the field."""
    found: dict[str, Field] = {}
    for field in fields(kind):
        for name in (field.name, *field.aliases):
            found[normalise(name)] = field
    return found


def _dotted(kind: str, text: str, *, any_case: bool = False) -> tuple[str, str] | None:
    """``("location" | "properties", rest)`` when ``text`` is a dotted path ``kind`` takes, else None: the one
    reading of ``location.x`` / ``properties.x`` for headers (``any_case``), JSON keys and ``--map`` targets.

    Example:
        >>> _dotted("profiles", "Properties.Plan", any_case=True), _dotted("profiles", "Properties.Plan")
        (('properties', 'Plan'), None)
    """
    head, dot, tail = text.partition(".")
    group = head.strip().lower() if any_case else head
    if not dot or not tail.strip() or group not in PATHS[kind]:
        return None
    return group, tail


def _path(kind: str, header: str) -> Route | None:
    """The route of a ``location.x`` / ``properties.x`` header (prefix in any case), else None."""
    dotted = _dotted(kind, header, any_case=True)
    if dotted is None:
        return None
    group, tail = dotted
    if group == "properties":
        return PROPERTY, tail, None
    known = normalise(tail)
    field = _lookup(kind).get(known)
    if field is not None and field.place == LOCATION:
        return LOCATION, field.name, None
    return LOCATION, tail, None  # an unknown location field goes as written (Klaviyo names it if refused)


def header_route(kind: str, header: str) -> Route:
    """Where a CSV column of ``kind`` goes, from its header alone (the table; no ``--map``, no typing).

    Example:
        >>> header_route("events", "Metric Name"), header_route("profiles", "location.Postal Code")
        ((4, 'metric', None), (2, 'zip', None))
        >>> header_route("profiles", "Plan"), header_route("subscriptions", "Plan")
        ((3, 'Plan', None), (5, 'Plan', None))
    """
    path = _path(kind, header)
    if path is not None:
        return path
    field = _lookup(kind).get(normalise(header))
    if field is not None:
        return field.place, field.name, None
    return (SKIP if not header.strip() else OTHERS[kind]), header, None


def key_route(kind: str, key: str) -> Route:
    """Where a JSON key of ``kind`` goes (exact names: a field, a synonym, a dotted path; else a property).

    Example:
        >>> key_route("events", "event"), key_route("profiles", "Email"), key_route("profiles", "location")
        ((4, 'event', None), (3, 'Email', None), (5, 'location', None))
    """
    if key in _NESTED[kind]:
        return SKIP, key, None  # an object read as a whole by the mapping
    for field in fields(kind):
        if key == field.name or key in field.synonyms:
            return field.place, key, None
    dotted = _dotted(kind, key)
    if dotted is not None:
        return (PROPERTY if dotted[0] == "properties" else LOCATION), dotted[1], None
    return OTHERS[kind], key, None


def map_target(kind: str, target: str) -> Route:
    """The route a ``--map`` target names: a field of ``kind``, ``location.x`` or ``properties.x``.

    Example:
        >>> map_target("profiles", "properties.plan"), map_target("profiles", "zip")
        ((3, 'plan', None), (2, 'zip', None))
        >>> map_target("events", "zip")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: --map: unknown field 'zip' for events; use one of metric, time, value, \
value_currency, unique_id, email, phone_number, external_id, anonymous_id or properties.NAME
    """
    for field in fields(kind):
        if target == field.name:
            return field.place, field.name, None
    dotted = _dotted(kind, target)
    if dotted is not None and dotted[0] == "properties":
        return PROPERTY, dotted[1], None
    if dotted is not None and dotted[1] in LOCATION_FIELDS:
        return LOCATION, dotted[1], None
    names = [f.name for f in sorted(fields(kind), key=lambda f: f.place == IDENTIFIER)]
    names += [f"{group}.NAME" if group == "properties" else f"{group}.FIELD" for group in PATHS[kind]]
    raise InputError(
        f"unknown field {target!r} for {kind}; use one of {', '.join(names[:-1])} or {names[-1]}",
        label="--map",
        key="map",
    )


class _Routes(dict[str, Route]):
    """Routes by column name; a name not seen yet is routed by ``learn`` once, then remembered."""

    def __init__(self, known: Mapping[str, Route], learn: Callable[[str], Route]) -> None:
        super().__init__(known)
        self.learn = learn

    def __missing__(self, name: str) -> Route:
        route = self.learn(name)
        if len(self) < 4096:  # JSON keys can be anything: remember the usual ones, not every one
            self[name] = route
        return route


@attrs.frozen
class Columns:
    """How one input's columns are read: each column's route, each field's source columns, the key column.

    Build it with :meth:`for_header` (CSV: every rule checked before any request) or :meth:`for_objects`
    (JSON lines). ``routes[name]`` is ``(place, name there, converter)``; ``sources[field]`` the columns
    holding a field, the first non-empty one wins; ``key`` the ``--key`` (prefix, column).

    Example:
        >>> Columns.for_objects("events").sources["metric"]
        ('metric', 'event')
    """

    kind: str
    routes: dict[str, Route]
    sources: dict[str, tuple[str, ...]]
    key: tuple[str, str] | None = None
    header: tuple[str, ...] | None = None
    #: (identifier, its column) of a profile's identifiers, email, phone number, external id in that order.
    identifiers: tuple[tuple[str, str], ...] = attrs.field(init=False)
    #: (column, place, name there) of the CSV columns read otherwise than by their exact name, as versions
    #: before the table read every header: the rows of a file synced before are sent differently now.
    reread: tuple[tuple[str, int, str], ...] = attrs.field(init=False)

    @identifiers.default
    def _identifiers(self) -> tuple[tuple[str, str], ...]:
        named = [f.name for f in fields(self.kind) if f.place == IDENTIFIER and f.name in self.sources]
        return tuple((name, self.sources[name][0]) for name in named)

    @reread.default
    def _reread(self) -> tuple[tuple[str, int, str], ...]:
        routes = [(name, self.routes[name][:2]) for name in self.header or ()]
        return tuple((name, *route) for name, route in routes if route != key_route(self.kind, name)[:2])

    @classmethod
    def for_objects(cls, kind: str, *, key: str | None = None) -> Columns:
        """The columns of JSON lines of ``kind``: keys read as they are, values sent as they are."""
        return _objects(kind, key)

    @classmethod
    def for_header(
        cls,
        kind: str,
        header: Iterable[str],
        *,
        column_map: Mapping[str, str] | None = None,
        column_types: Mapping[str, str] | None = None,
        key: str | None = None,
    ) -> Columns:
        """The columns of a CSV file of ``kind`` with ``header``; :class:`InputError` for a mistake in them.

        Refused: two columns read as the same field or property, a ``--map``/``--types``/``--key`` column
        the header lacks, a ``--map`` target that is no field, a ``--types`` type that is unknown or given
        to a standard field.

        Example:
            >>> Columns.for_header("profiles", ["Email", "E-mail"])
            Traceback (most recent call last):
            ...
            connector.client.errors.InputError: Columns: 'Email' and 'E-mail' are both read as email; \
remove one, or read one as something else with --map COLUMN=FIELD
        """
        names = tuple(header)
        # A plain dict (a CSV row has only the header's names): the interpreter's fast path for dict lookups.
        routes = {name: header_route(kind, name) for name in names}
        for column, target in (column_map or {}).items():
            routes[find_column(names, column, "--map")] = map_target(kind, target)
        converters: dict[str, Callable[[str], Any] | None] = {}
        for column, type_name in (column_types or {}).items():
            name = find_column(names, column, "--types")
            converters[name] = _forced(kind, name, routes[name], type_name)
        _refuse_collisions(names, routes)
        for name, (place, _target, _) in routes.items():
            if place == PROPERTY:  # a CSV cell is text: custom properties are typed
                routes[name] = _typed(routes, name, converters.get(name, auto_type))
        sources: dict[str, tuple[str, ...]] = {
            route[1]: (name,) for name, route in routes.items() if route[0] in (IDENTIFIER, FIELD)
        }
        found = _key(names, sources, key) if key else None
        return cls(kind, routes, sources, found, names)

    def first(self, values: Mapping[str, Any], field: str) -> Any:
        """The first truthy value of ``field`` in a row (None when it has none).

        Example:
            >>> Columns.for_objects("events").first({"metric": "", "event": "Viewed"}, "metric")
            'Viewed'
        """
        for name in self.sources.get(field, ()):
            value = values.get(name)
            if value:
                return value
        return None

    def source(self, field: str) -> str | None:
        """The one column holding ``field`` (its own name in JSON lines), or None.

        Example:
            >>> Columns.for_header("profiles", ["Mobile"]).source("phone_number")
            'Mobile'
        """
        found = self.sources.get(field)
        return found[0] if found else None


def find_column(header: tuple[str, ...], column: str, option: str) -> str:
    """The header name ``column`` names: exactly, else in any case; :class:`InputError` when none or two do.

    Example:
        >>> find_column(("Email", "Plan"), "plan", "--types")
        'Plan'
    """
    if column in header:
        return column
    matches = [name for name in header if name.casefold() == column.strip().casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(f"{column!r} matches the columns {_listed(matches)}: give it exactly", label=option)
    raise InputError(f"no column {column!r} in the header ({_listed(header)})", label=option)


def _listed(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _typed(routes: dict[str, Route], name: str, convert: Callable[[str], Any] | None) -> Route:
    """Column ``name``'s route (a custom property) with ``convert`` for its cells (None: sent as written).

    The converter remembers the cells it typed (:class:`~connector.apps.sync.cells.Memo`); for a column
    of ever new cells it gives way, in ``routes``, to ``convert`` itself.
    """
    place, field, _ = routes[name]
    if convert is None:
        return place, field, None

    def direct() -> None:
        routes[name] = place, field, convert

    return place, field, Memo(convert, on_full=direct).__getitem__


def _forced(kind: str, column: str, route: Route, type_name: str) -> Callable[[str], Any] | None:
    """The converter ``--types`` gives ``column`` (None for ``string``); refused unless it is a custom property."""
    if type_name not in CONVERTERS:
        raise InputError(f"{column}: unknown type {type_name!r}; use {', '.join(CONVERTERS)}", label="--types")
    if route[0] != PROPERTY:
        what = f"is read as the standard field {route[1]!r}" if route[0] != SKIP else f"is not read by {kind}"
        raise InputError(f"{column} {what}; --types is for custom properties", label="--types")
    return CONVERTERS[type_name]


def _refuse_collisions(header: tuple[str, ...], routes: Mapping[str, Route]) -> None:
    """:class:`InputError` naming the first two columns read as the same field or property (or named alike:
    a row keeps one cell per name)."""
    seen: dict[tuple[int, str], int] = {}
    for index, name in enumerate(header):
        place, target, _ = routes[name]
        if place == SKIP:
            continue
        first = seen.setdefault((place, target), index)
        if first != index:
            what = {PROPERTY: f"property {target!r}", LOCATION: f"location.{target}"}.get(place, target)
            raise InputError(
                f"{header[first]!r} and {name!r} are both read as {what}; remove one, or read one as something "
                "else with --map COLUMN=FIELD",
                label="Columns",
            )


def _key(header: tuple[str, ...], sources: Mapping[str, tuple[str, ...]], key: str) -> tuple[str, str]:
    """``--key``'s (prefix, column): a header (exactly, else in any case), else the column of a field."""
    try:
        return key, find_column(header, key, "--key")
    except InputError:
        if key in sources:
            return key, sources[key][0]
        raise


@functools.lru_cache(maxsize=64)
def _objects(kind: str, key: str | None) -> Columns:
    sources = {f.name: (f.name, *f.synonyms) for f in fields(kind) if f.place in (IDENTIFIER, FIELD)}
    return Columns(kind, _Routes({}, lambda name: key_route(kind, name)), sources, (key, key) if key else None)
