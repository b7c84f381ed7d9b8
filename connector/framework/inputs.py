"""Input declarations in Prismatic's model, and the clean step that types low-code values.

An action's inputs are an attrs class; each field carries an :class:`InputSpec` in its metadata
(declared with :func:`input_field`). The spec gives the wire key (camelCase), label, type,
comments, default, example, whether it is required, a collection kind and picklist choices.
:func:`clean_inputs` turns the raw values a low-code platform sends (mostly strings) into the
typed instance, raising :class:`~connector.client.errors.InputError` naming the input's label.

Example:
    >>> from connector import structs
    >>> @structs.frozen
    ... class Inputs:
    ...     list_name: str = input_field("List Name", comments="A name.", default="Newsletter", required=True)
    ...     page_size: int | None = input_field("Page Size", type=InputType.STRING, clean=to_int)
    >>> clean_inputs(Inputs, {"pageSize": "5"})
    Inputs(list_name='Newsletter', page_size=5)
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from connector import structs
from connector.client.errors import InputError
from connector.client.json_depth import MAX_JSON_DEPTH, TOO_DEEP, json_nodes

T = TypeVar("T")
_META = "klaviyo_input"


class InputType(str, enum.Enum):
    """Prismatic's input types (``json`` is a ``code`` input holding JSON)."""

    STRING = "string"
    TEXT = "text"
    PASSWORD = "password"
    BOOLEAN = "boolean"
    CODE = "code"
    DATA = "data"
    CONNECTION = "connection"
    DATE = "date"
    TIMESTAMP = "timestamp"
    PICKLIST = "picklist"
    JSON = "json"


class Collection(str, enum.Enum):
    """Prismatic's collection kinds: a list of values, or a list of key/value pairs."""

    VALUE_LIST = "valuelist"
    KEY_VALUE_LIST = "keyvaluelist"


Cleaner = Callable[[Any], Any]

#: Where a value goes in a request (see :mod:`connector.klaviyo.operation_actions`): ``path:<name>``,
#: ``query:<name>``, ``header:<name>``, ``page:size``/``page:limit``, or a body part: ``attributes:<dotted
#: path>``, ``timeframe:<attribute>[.start|.end]``, ``relationships:<name>``, ``meta[:<dotted path>]``,
#: ``resource:id`` (the body's ``data.id``), ``data`` (relationship endpoints) or ``body``.
BODY_TARGETS = ("attributes:", "timeframe:", "relationships:", "meta", "resource:", "data", "body")


class Null:
    """The value of an input the caller cleared with JSON ``null``: sent as ``null``, which Klaviyo reads as
    "remove this value" (an input left out, or empty, is not sent at all and keeps what Klaviyo holds).

    Example:
        >>> NULL, bool(NULL)
        (NULL, False)
    """

    _instance: Null | None = None

    def __new__(cls) -> Null:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NULL"

    def __bool__(self) -> bool:
        return False


NULL: Any = Null()


@structs.frozen
class InputSpec:
    """Everything a builder UI and the clean step need to know about one input.

    Example:
        >>> InputSpec(key="listName", label="List Name").required
        False
    """

    key: str
    label: str
    type: InputType = InputType.STRING
    comments: str = ""
    default: Any = None
    example: Any = None
    required: bool = False
    collection: Collection | None = None
    choices: Sequence[str] | None = None
    clean: Cleaner | None = None
    #: Secrets are never echoed (manifest shows no default, errors show no value).
    secret: bool = False
    #: Extra JSON Schema keywords for this input (e.g. ``{"minimum": 1}``).
    schema: Mapping[str, Any] = structs.field(factory=dict)
    #: Where the value goes in the request (see ``BODY_TARGETS``); None for inputs that steer the action.
    target: str | None = None
    #: JSON ``null`` clears the value in Klaviyo (a nullable attribute an update may remove).
    nullable: bool = False
    #: The default is only what a builder UI pre-fills: at run time an empty value stays empty (the action
    #: decides what "not given" means, e.g. List Campaigns lists every channel).
    prefill: bool = False
    #: The Python type the input class declares for the value, as written (``"int | None"``); set by
    #: :func:`input_specs`, it types the value when the cleaner does not say (a lambda).
    python_type: str | None = None

    @property
    def value_type(self) -> str | None:
        """The JSON type of a cleaned value when it is a number or a boolean: ``"integer"``, ``"number"`` or
        ``"boolean"`` (None for anything else).

        Read from the cleaner's return annotation (``def clean_page_size(value) -> int``), else from the type
        the input class declares; the manifest's JSON Schema takes it from here, so it cannot drift from what
        the clean step returns.

        Example:
            >>> InputSpec(key="n", label="N", clean=to_int).value_type, InputSpec(key="s", label="S").value_type
            ('integer', None)
        """
        cleaner = self.clean or _DEFAULT_CLEANERS.get(self.type)
        declared = getattr(cleaner, "__annotations__", {}).get("return") if cleaner is not None else None
        return _json_type(declared) or _json_type(self.python_type)

    @property
    def must_be_given(self) -> bool:
        """True when a run without a value fails: required, and no default fills it in (a default never does for
        an input written to Klaviyo, see :attr:`writes`).

        Example:
            >>> InputSpec(key="name", label="Name", required=True, default="VIP").must_be_given
            False
            >>> written = InputSpec(key="name", label="Name", required=True, default="VIP", target="attributes:name")
            >>> written.must_be_given
            True
        """
        return self.required and (self.writes or self.prefill or self.default is None or _is_empty(self.default))

    @property
    def writes(self) -> bool:
        """True when the value is written to Klaviyo (a body part): such an input never takes a default at run
        time, so a default cannot cause a write the caller did not ask for (the manifest still shows it, as
        what a builder UI pre-fills)."""
        return self.target is not None and self.target.startswith(BODY_TARGETS)

    def clean_value(self, raw: Any, *, explicit_null: bool = False) -> Any:
        """Type one raw value, or raise :class:`InputError` naming this input.

        ``explicit_null`` says the caller sent JSON ``null`` (not an empty or missing value): a nullable
        input then becomes :data:`NULL`, which clears the value in Klaviyo.
        """
        if explicit_null and self.nullable:
            return NULL
        if _is_empty(raw):
            if self.default is not None and not _is_empty(self.default) and not (self.writes or self.prefill):
                raw = self.default
            elif self.required:
                raise InputError("is required", label=self.label, key=self.key)
            else:
                return [] if self.collection else None
        try:
            if self.collection is Collection.VALUE_LIST:
                return [self._clean_one(v) for v in to_value_list(raw)]
            if self.collection is Collection.KEY_VALUE_LIST:
                return [(k, self._clean_one(v)) for k, v in to_key_value_list(raw)]
            return self._clean_one(raw)
        except InputError as exc:
            if exc.label:
                raise
            raise InputError(exc.problem, label=self.label, key=self.key) from None
        except RecursionError:
            # A value nested deeper than a cleaner (or a repr in its message) can walk.
            raise InputError(
                f"is nested too deeply (at most {MAX_JSON_DEPTH} levels)", label=self.label, key=self.key
            ) from None
        except (ValueError, TypeError) as exc:
            raise InputError(str(exc), label=self.label, key=self.key) from None

    def _clean_one(self, raw: Any) -> Any:
        if self.type is InputType.DATA:
            raw = read_data_file(raw)  # ``@path`` reads a local file, whatever the input's own cleaner
        if self.choices is not None and self.clean is None:
            value = to_str(raw)
            if value not in self.choices:
                raise InputError(f"must be one of {', '.join(self.choices)} (got {value!r})")
            return value
        cleaner = self.clean or _DEFAULT_CLEANERS.get(self.type, to_str)
        return cleaner(raw)


def input_field(
    label: str,
    *,
    type: InputType = InputType.STRING,
    comments: str = "",
    default: Any = None,
    example: Any = None,
    required: bool = False,
    collection: Collection | None = None,
    choices: Sequence[str] | None = None,
    clean: Cleaner | None = None,
    key: str | None = None,
    secret: bool = False,
    schema: Mapping[str, Any] | None = None,
    to: str | None = None,
    nullable: bool = False,
    prefill: bool = False,
) -> Any:
    """Declare one input as an attrs field; the wire key defaults to the camelCase field name.

    Optional inputs default to None in Python (the catalog ``default`` applies on the wire); a
    required input with a catalog default gets that default in Python too, unless its value is written to
    Klaviyo (``to`` names a body part): then the caller must give it. ``to`` says where the value goes in the
    request (``BODY_TARGETS``); ``nullable`` lets JSON ``null`` clear it; ``prefill`` makes ``default`` a builder
    pre-fill only (never applied at run time).

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class I:
        ...     list_id: str = input_field("List ID", required=True)
        >>> input_specs(I)[0].key
        'listId'
    """
    spec_kwargs = dict(
        label=label,
        type=type,
        comments=comments,
        default=default,
        example=example,
        required=required,
        collection=collection,
        choices=tuple(choices) if choices is not None else None,
        clean=clean,
        secret=secret,
        schema=dict(schema or {}),
        target=to,
        nullable=nullable,
        prefill=prefill,
    )
    metadata = {_META: (key, spec_kwargs)}
    writes = to is not None and to.startswith(BODY_TARGETS)
    if required and (default is None or writes or prefill):
        return structs.field(metadata=metadata, kw_only=True)
    python_default: Any = None
    if required and not prefill:
        python_default = default
    if collection is not None and python_default is None:
        return structs.field(metadata=metadata, kw_only=True, factory=list)
    return structs.field(metadata=metadata, kw_only=True, default=python_default)


def camel_case(name: str) -> str:
    """``list_name`` -> ``listName``.

    Example:
        >>> camel_case("retry_delay_ms")
        'retryDelayMs'
    """
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def input_specs(cls: type[Any]) -> list[InputSpec]:
    """The :class:`InputSpec` of each declared field of an input class, in declaration order."""
    cached = cls.__dict__.get("__klaviyo_input_specs__")
    if cached is not None:
        return list(cached)
    specs: list[InputSpec] = []
    for field in structs.fields(cls):
        declared = field.metadata.get(_META)
        if declared is None:
            continue
        key, kwargs = declared
        annotation = field.type if isinstance(field.type, str) or field.type is None else _type_text(field.type)
        specs.append(InputSpec(key=key or camel_case(field.name), python_type=annotation, **kwargs))
    setattr(cls, "__klaviyo_input_specs__", tuple(specs))  # noqa: B010 - cached on the class itself
    return specs


def clean_inputs(cls: type[T], raw: Mapping[str, Any]) -> T:
    """Build the typed input object from raw wire values (keys camelCase, or Python names).

    Unknown keys are an error: a typo must not silently drop a value the user gave.

    Example:
        >>> from connector import structs
        >>> @structs.frozen
        ... class I:
        ...     flag: bool | None = input_field("Flag", type=InputType.BOOLEAN)
        >>> clean_inputs(I, {"flag": "true"}).flag
        True
    """
    by_key: dict[str, tuple[str, InputSpec]] = {}
    fields = [f for f in structs.fields(cls) if f.metadata.get(_META) is not None]
    for field, spec in zip(fields, input_specs(cls), strict=True):
        by_key[spec.key] = (field.name, spec)
        by_key[field.name] = (field.name, spec)
    unknown = sorted(k for k in raw if k not in by_key and k != "connection")
    if unknown:
        known = ", ".join(spec.key for spec in input_specs(cls))
        raise InputError(f"unknown input(s) {', '.join(unknown)}; this action takes: {known}")
    values: dict[str, Any] = {}
    for field, spec in zip(fields, input_specs(cls), strict=True):
        given = spec.key if spec.key in raw else field.name if field.name in raw else None
        supplied = raw[given] if given is not None else None
        # JSON null from a low-code step, or NULL from a Python caller (the facade drops None, keeps NULL).
        explicit_null = given is not None and (supplied is None or supplied is NULL)
        values[field.name] = spec.clean_value(None if supplied is NULL else supplied, explicit_null=explicit_null)
    return cls(**values)


# -- cleaners: each takes what a low-code platform sends (usually a string) --------------------


def _is_empty(value: Any) -> bool:
    return value is None or value is NULL or (isinstance(value, str) and value.strip() == "")


#: Lone UTF-16 surrogates: Python strings can hold them (JSON ``\ud800`` escapes, command-line bytes
#: that are not UTF-8), but they are not Unicode text and cannot be encoded to be sent.
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(value: str) -> str:
    """``value`` when it is Unicode text that can be encoded (no lone surrogate), else :class:`InputError`.

    Example:
        >>> check_text("caf\u00e9")
        'café'
        >>> check_text("a" + chr(0xD800))
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: contains '\\ud800', half of a UTF-16 surrogate pair, which is not text
    """
    found = _SURROGATE.search(value)
    if found:
        raise InputError(f"contains {found.group()!a}, half of a UTF-16 surrogate pair, which is not text")
    return value


def check_json_value(value: Any) -> Any:
    """``value`` when it can be sent as JSON: nested at most :data:`MAX_JSON_DEPTH` levels, its strings
    and keys text (see :func:`check_text`), its numbers finite. Walks iteratively, so any depth is safe.

    Example:
        >>> check_json_value({"a": [1, "x"]})
        {'a': [1, 'x']}
        >>> check_json_value({"a": float("nan")})
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: contains NaN or Infinity, which JSON cannot represent
    """
    for node, depth in json_nodes(value):
        if isinstance(node, str):
            check_text(node)
        elif isinstance(node, float) and not math.isfinite(node):
            raise InputError("contains NaN or Infinity, which JSON cannot represent")
        elif isinstance(node, (dict, list, tuple)) and depth > MAX_JSON_DEPTH:
            raise InputError(TOO_DEEP)
        elif isinstance(node, dict):
            for key in node:
                if isinstance(key, str):
                    check_text(key)
    return value


def parse_json(text: str) -> Any:
    """Parse JSON text given as an input value, checked by :func:`check_json_value`.

    JSON too deep for Python's parser, ``NaN``/``Infinity`` and numbers too long to convert are
    :class:`InputError` like any other invalid JSON.

    Example:
        >>> parse_json('{"a": [1]}')
        {'a': [1]}
        >>> parse_json("[" * 5000 + "]" * 5000)  # past the recursion limit of 3.10/3.11's parser, or not
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: is nested more than 100 levels deep
    """
    failure: InputError | None = None
    try:
        parsed = json.loads(check_text(text), parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        failure = InputError(f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except RecursionError:
        failure = InputError(TOO_DEEP)
    except ValueError as exc:  # NaN/Infinity, a lone surrogate, an integer with more digits than Python converts
        failure = InputError(f"is not valid JSON ({exc})")
    else:
        return check_json_value(parsed)  # outside the try: its InputError is a ValueError too
    raise failure


def nested_too_deeply_at(text: str) -> str | None:
    """The top-level key of a JSON object text under which nesting passes :data:`MAX_JSON_DEPTH`, if any.

    For naming the input when a whole inputs document is too deep to parse.

    Example:
        >>> nested_too_deeply_at('{"a": 1, "data": ' + "[" * 200 + "]" * 200 + "}")
        'data'
    """
    depth = 0
    key: str | None = None
    last_string: str | None = None
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token.startswith('"'):
            last_string = token
        elif token == ":" and depth == 1 and last_string is not None:
            key = _json_string(last_string)
        elif token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return key
        elif token in "]}":
            depth -= 1
    return None


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:]')


def _json_string(token: str) -> str:
    try:
        decoded = json.loads(token)
    except ValueError:
        return token[1:-1]
    return str(decoded)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def to_str(value: Any) -> str:
    """Any scalar as a string (JSON values are not silently stringified); text only (no lone surrogates)."""
    if isinstance(value, str):
        return check_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise InputError(f"must be text, got {type(value).__name__}")


def to_stripped(value: Any) -> str:
    """A string with surrounding whitespace removed (ids, names pasted from elsewhere)."""
    return to_str(value).strip()


#: The words :func:`to_bool` reads (any case, surrounding whitespace ignored).
TRUE_WORDS = ("true", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "no", "n", "0", "off")
_TRUE = set(TRUE_WORDS)
_FALSE = set(FALSE_WORDS)


def to_bool(value: Any) -> bool:
    """``true/false/yes/no/1/0/on/off`` (any case) or a real boolean.

    Example:
        >>> to_bool("Yes"), to_bool(False)
        (True, False)
    """
    if isinstance(value, bool):
        return value
    text = to_str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"must be true or false (got {value!r})")


def to_int(value: Any) -> int:
    """An integer from an int or a string of digits.

    Example:
        >>> to_int(" 42 ")
        42
    """
    if isinstance(value, bool):
        raise InputError("must be a whole number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = to_str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise InputError(f"must be a whole number (got {value!r})")


def to_number(value: Any) -> float | int:
    """A finite number from a number or a numeric string.

    Example:
        >>> to_number("9.99")
        9.99
    """
    if isinstance(value, bool):
        raise InputError("must be a number, got a boolean")
    if isinstance(value, (int, float)):
        number: float | int = value
    else:
        text = to_str(value).strip()
        try:
            if "_" in text:  # Python's digit separator, not a number anywhere else
                raise ValueError(text)
            number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise InputError(f"must be a number (got {value!r})") from None
    if isinstance(number, float) and (number != number or number in (float("inf"), float("-inf"))):
        raise InputError(f"must be a finite number (got {value!r})")
    return number


def to_json(value: Any) -> Any:
    """Parse a JSON string; already-parsed values (dict, list, number) pass through.

    Example:
        >>> to_json('{"a": 1}')
        {'a': 1}
    """
    if isinstance(value, str):
        return parse_json(value)
    return check_json_value(value)


def to_json_object(value: Any) -> dict[str, Any]:
    """A JSON object (dict), from a dict or a JSON string."""
    parsed = to_json(value)
    if not isinstance(parsed, dict):
        raise InputError(f"must be a JSON object, got {_json_kind(parsed)}")
    return parsed


def to_json_array(value: Any) -> list[Any]:
    """A JSON array, from a list or a JSON string."""
    parsed = to_json(value)
    if not isinstance(parsed, list):
        raise InputError(f"must be a JSON array, got {_json_kind(parsed)}")
    return parsed


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def to_value_list(value: Any) -> list[Any]:
    """A value list from a list, a JSON array string, or a comma/newline-separated string.

    Example:
        >>> to_value_list("name, created"), to_value_list('["a","b"]')
        (['name', 'created'], ['a', 'b'])
    """
    if isinstance(value, (list, tuple)):
        return list(value)
    text = to_str(value).strip()
    if text.startswith("["):
        return to_json_array(text)
    return [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]


def to_key_value_list(value: Any) -> list[tuple[str, Any]]:
    """Key/value pairs from ``[{"key","value"}]``, a JSON object, or ``k=v`` lines.

    Example:
        >>> to_key_value_list([{"key": "a", "value": "1"}]), to_key_value_list('{"b": 2}')
        ([('a', '1')], [('b', 2)])
    """
    parsed = value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            parsed = to_json(text)
        else:
            pairs = []
            for line in text.splitlines():
                if not line.strip():
                    continue
                if "=" not in line:
                    raise InputError(f"each line must be key=value (got {line.strip()!r})")
                k, _, v = line.partition("=")
                pairs.append((k.strip(), v.strip()))
            return pairs
    if isinstance(parsed, Mapping):
        return [(_key(k), v) for k, v in parsed.items()]
    if isinstance(parsed, list):
        out = []
        for item in parsed:
            if isinstance(item, Mapping) and "key" in item:
                out.append((_key(item["key"]), item.get("value")))
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                out.append((_key(item[0]), item[1]))
            else:
                raise InputError('each entry must be {"key": ..., "value": ...}')
        return out
    raise InputError("must be a list of key/value pairs or a JSON object")


def _key(value: Any) -> str:
    if isinstance(value, (dict, list, tuple)):
        raise InputError("each key must be text")
    return check_text(str(value))


def to_timestamp(value: Any) -> str:
    """An ISO 8601 date-time (with offset; naive times are taken as UTC), normalised.

    Example:
        >>> to_timestamp("2026-08-01T10:00:00Z")
        '2026-08-01T10:00:00+00:00'
    """
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = to_str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InputError(f"must be an ISO 8601 date-time such as 2026-08-01T10:00:00Z (got {text!r})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.isoformat()


def to_date(value: Any) -> str:
    """An ISO 8601 calendar date ``YYYY-MM-DD``.

    Example:
        >>> to_date("2026-08-01")
        '2026-08-01'
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    text = to_str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InputError(f"must be a date YYYY-MM-DD (got {text!r})") from None


def to_data(value: Any) -> bytes:
    """Binary data: bytes as they are, ``@path`` (a local file's bytes), a ``{"data": base64}`` object from a prior
    step, or other text as UTF-8 (``@@`` keeps a leading ``@`` as text).

    Example:
        >>> to_data({"data": "aGk="}), to_data("hi"), to_data("@@hi")
        (b'hi', b'hi', b'@hi')
    """
    value = read_data_file(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, Mapping) and "data" in value:
        data = value["data"]
        if isinstance(data, (bytes, bytearray)):
            return bytes(data)
        import base64

        try:
            return base64.b64decode(to_str(data), validate=True)
        except ValueError:
            raise InputError("data must be base64-encoded") from None
    return to_str(value).encode()


def read_data_file(value: Any) -> Any:
    """Resolve a local file named ``@path`` (``~`` expanded, relative to the working directory) into
    ``{"data": <bytes>, "filename": <its name>}``, also as the ``data`` of an object; ``@@text`` is the text
    ``@text``; any other value is returned as it is.

    Every DATA input takes a file this way (Raw Request's and Upload Image's File Data); a path that cannot be
    read is an :class:`InputError` (the clean step adds the input's label).

    Example:
        >>> read_data_file("@/nonexistent/hero.png")
        Traceback (most recent call last):
        ...
        connector.client.errors.InputError: cannot read the file /nonexistent/hero.png (No such file or directory)
        >>> read_data_file("@@mention"), read_data_file({"data": "aGk="})
        ('@mention', {'data': 'aGk='})
    """
    if isinstance(value, Mapping) and isinstance(value.get("data"), str) and value["data"].lstrip().startswith("@"):
        resolved = read_data_file(value["data"])
        if isinstance(resolved, Mapping):
            return {**value, "data": resolved["data"], "filename": value.get("filename") or resolved["filename"]}
        return {**value, "data": resolved}
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("@@"):
        return text[1:]
    if not text.startswith("@"):
        return value
    from pathlib import Path

    path = Path(text[1:].strip()).expanduser()
    if not text[1:].strip():
        raise InputError("'@' must be followed by the path of a local file (@hero.png)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file {path} ({exc.strerror or type(exc).__name__})") from None
    return {"data": data, "filename": path.name}


def _type_text(annotation: Any) -> str:
    """An annotation as written: ``int``, ``float | None``..."""
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def _json_type(annotation: Any) -> str | None:
    """``"integer"``, ``"number"`` or ``"boolean"`` for a scalar numeric or boolean annotation (None included).

    Example:
        >>> _json_type("float | int | None"), _json_type(bool), _json_type("list[int]"), _json_type(None)
        ('number', 'boolean', None, None)
    """
    if annotation is None:
        return None
    text = annotation if isinstance(annotation, str) else _type_text(annotation)
    if "[" in text:
        return None
    names = {part.strip() for part in text.split("|")} - {"None", ""}
    if names == {"bool"}:
        return "boolean"
    if names == {"int"}:
        return "integer"
    if names and names <= {"int", "float"}:
        return "number"
    return None


_DEFAULT_CLEANERS: dict[InputType, Cleaner] = {
    InputType.STRING: to_str,
    InputType.TEXT: to_str,
    InputType.PASSWORD: to_str,
    InputType.CODE: to_str,
    InputType.BOOLEAN: to_bool,
    InputType.JSON: to_json,
    InputType.DATE: to_date,
    InputType.TIMESTAMP: to_timestamp,
    InputType.DATA: to_data,
    InputType.PICKLIST: to_str,
    InputType.CONNECTION: lambda v: v,
}
