"""Per-endpoint query-parameter declarations and their parsing.

Every route carries a :class:`QuerySpec`; any parameter it does not declare is answered with a 400 whose
``source.parameter`` names it, as are bad ``fields[...]`` values, unknown ``include`` or ``sort`` values and
``page[size]`` outside the endpoint's range.

Example:
    >>> spec = QuerySpec(sorts=("name",), fields={"list": frozenset({"name"})}, page=(10, 10))
    >>> q = parse_query({"sort": ["-name"], "fields[list]": ["name"]}, spec)
    >>> (q.sort, q.page_size)
    (('name', True), 10)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from . import filters
from .errors import invalid


@dataclass(frozen=True)
class QuerySpec:
    """What query parameters one endpoint accepts.

    ``page`` is ``(default, maximum)`` for ``page[size]``; ``cursor_page`` is the fixed page size of endpoints that
    page by cursor but take no ``page[size]`` (Get Metrics). ``filter_required`` names the field a filter must
    use, or is ``"*"`` when any filter will do. ``params`` are other declared parameters taken as plain strings
    (``company_id``, ``page_cursor`` ...), ``required`` the ones among them that must be sent.

    Example:
        >>> QuerySpec(page=(20, 100)).paginated
        True
    """

    filters: dict[str, filters.Rule] | None = None
    filter_required: str | None = None
    sorts: tuple[str, ...] = ()
    fields: dict[str, frozenset[str]] = field(default_factory=dict)
    include: frozenset[str] = frozenset()
    additional: dict[str, frozenset[str]] = field(default_factory=dict)
    page: tuple[int, int] | None = None
    cursor_page: int | None = None
    params: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()

    @property
    def paginated(self) -> bool:
        """True when the endpoint is a paged collection.

        Example:
            >>> QuerySpec().paginated
            False
        """
        return self.page is not None or self.cursor_page is not None


@dataclass
class Query:
    """Parsed query parameters.

    Example:
        >>> Query().wants("profile", "subscriptions")
        False
    """

    conditions: list[filters.Condition] = field(default_factory=list)
    sort: tuple[str, bool] | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    include: list[str] = field(default_factory=list)
    additional: dict[str, list[str]] = field(default_factory=dict)
    page_size: int = 0
    offset: int = 0
    params: dict[str, str] = field(default_factory=dict)

    def wants(self, kind: str, extra: str) -> bool:
        """True if ``additional-fields[kind]`` asked for ``extra``.

        Example:
            >>> Query(additional={"profile": ["subscriptions"]}).wants("profile", "subscriptions")
            True
        """
        return extra in self.additional.get(kind, [])


def encode_cursor(offset: int) -> str:
    """Opaque cursor for an offset.

    Example:
        >>> decode_cursor(encode_cursor(40))
        40
    """
    return base64.urlsafe_b64encode(f"sbx:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Offset of a cursor made by :func:`encode_cursor`; 400 on anything else.

    Example:
        >>> decode_cursor(encode_cursor(0))
        0
    """
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, number = text.split(":")
        if prefix != "sbx" or int(number) < 0:
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("Invalid page cursor.", parameter="page[cursor]") from exc


def _csv(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _bracket(key: str, prefix: str) -> str | None:
    if key.startswith(prefix + "[") and key.endswith("]"):
        return key[len(prefix) + 1 : -1]
    return None


def parse_query(raw: dict[str, list[str]], spec: QuerySpec) -> Query:
    """Validate and parse query parameters against an endpoint's :class:`QuerySpec`.

    Example:
        >>> parse_query({"bogus": ["1"]}, QuerySpec())
        Traceback (most recent call last):
        ...
        connector.sandbox.errors.ApiError: 'bogus' is not a valid query parameter for this endpoint.
    """
    q = Query()
    if spec.filter_required and "filter" not in raw:
        raise invalid(_filter_needed(spec.filter_required), parameter="filter")
    missing = sorted(spec.required - raw.keys())
    if missing:
        raise invalid(f"The query parameter '{missing[0]}' is required.", parameter=missing[0])
    for key, values in raw.items():
        if key == "filter" and spec.filters is not None:
            q.conditions = filters.parse(values[-1], spec.filters)
            wanted = spec.filter_required
            if wanted and wanted != "*" and not any(c.field == wanted for c in q.conditions):
                raise invalid(_filter_needed(wanted), parameter="filter")
        elif key == "sort" and spec.sorts:
            name = values[-1].strip()
            desc = name.startswith("-")
            if name.lstrip("-") not in spec.sorts:
                raise invalid(f"'{name}' is not a valid sort for this endpoint.", parameter="sort")
            q.sort = (name.lstrip("-"), desc)
        elif key == "include" and spec.include:
            q.include = _csv(values)
            for item in q.include:
                if item not in spec.include:
                    raise invalid(f"'{item}' is not a valid include for this endpoint.", parameter="include")
        elif (kind := _bracket(key, "fields")) is not None and kind in spec.fields:
            names = _csv(values)
            for name in names:
                if name.split(".")[0] not in spec.fields[kind]:
                    raise invalid(f"'{name}' is not a valid field for {key}.", parameter=key)
            q.fields[kind] = names
        elif (kind := _bracket(key, "additional-fields")) is not None and kind in spec.additional:
            names = _csv(values)
            for name in names:
                if name not in spec.additional[kind]:
                    raise invalid(f"'{name}' is not a valid value for {key}.", parameter=key)
            q.additional[kind] = names
        elif key == "page[size]" and spec.page is not None:
            q.page_size = _page_size(values[-1], spec.page[1])
        elif key == "page[cursor]" and spec.paginated:
            q.offset = decode_cursor(values[-1])
        elif key in spec.params:
            q.params[key] = values[-1]
        else:
            raise invalid(f"'{key}' is not a valid query parameter for this endpoint.", parameter=key)
    if not q.page_size:
        q.page_size = spec.page[0] if spec.page else spec.cursor_page or 0
    return q


def _filter_needed(field_name: str) -> str:
    return "A filter is required." if field_name == "*" else f"A filter on '{field_name}' is required."


def _page_size(text: str, maximum: int) -> int:
    try:
        size = int(text)
    except ValueError:
        size = 0
    if not 1 <= size <= maximum:
        raise invalid(f"page[size] must be an integer between 1 and {maximum}.", parameter="page[size]")
    return size
