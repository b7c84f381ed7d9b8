"""Structs: the project's small typed value classes, declared like attrs classes, cheap to declare.

Why not attrs or dataclasses for these: both compile a fresh ``__init__``, ``__repr__``, ``__eq__`` and
``__hash__`` for every class when its module is imported (about 0.45 ms a class with attrs, more with
dataclasses), and attrs' own import pulls in ``inspect`` and ``ast``. A low-code step is one process per call, and
the ~50 classes on its path were a third of its start-up (``benchmarks/cold_start.py``). Here ``__init__``,
``__eq__`` and ``__hash__`` are shared functions reading the class's field table until the class has been used
:data:`COMPILE_AFTER` times, then compiled for it (``__repr__`` always reads the table): declaring a class costs a
few microseconds, a short-lived step compiles nothing, and a record made per row in a sync is as fast as attrs'.

Type checkers see :func:`frozen` and :func:`define` as dataclass decorators (PEP 681 ``dataclass_transform``):
constructors, defaults, ``kw_only`` and frozenness are checked as for a dataclass.

The names and semantics are attrs' (``frozen``, ``define``, ``field``, ``fields``, ``evolve``, ``asdict``,
``make_class``, ``field_transformer``): slotted classes; ``__eq__`` compares the fields of two instances of the
same class; frozen structs hash by their fields and refuse assignment (:class:`FrozenInstanceError`); mutable
ones are unhashable. A field's name is its ``__init__`` parameter's (no underscore stripping), and the hook that
runs after the fields are set is ``__post_init__``. :func:`fields` also reads attrs classes, so an input class
a user declared with attrs still works.

Example:
    >>> @frozen
    ... class Point:
    ...     x: int
    ...     y: int = 0
    ...     tags: list[str] = field(factory=list, eq=False)
    >>> Point(1), Point(1) == Point(1, 0), evolve(Point(1), y=2)
    (Point(x=1, y=0, tags=[]), True, Point(x=1, y=2, tags=[]))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda decorated: decorated


T = TypeVar("T")
_SPEC = "__struct_spec__"


class FrozenInstanceError(AttributeError):
    """An attribute of a frozen struct was assigned or deleted."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: "No default": the field must be given.
MISSING: Any = _Missing()


class Field:
    """One field of a struct: its name, annotation (as written), default or factory, and options."""

    __slots__ = ("default", "eq", "factory", "init", "kw_only", "metadata", "name", "repr", "type")

    def __init__(
        self,
        *,
        default: Any = MISSING,
        factory: Callable[[], Any] | None = None,
        init: bool = True,
        kw_only: bool = False,
        repr: bool | Callable[[Any], str] = True,
        eq: bool = True,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if default is not MISSING and factory is not None:
            raise ValueError("a field takes a default or a factory, not both")
        self.name = ""
        self.type: Any = None
        self.default = default
        self.factory = factory
        self.init = init
        self.kw_only = kw_only
        self.repr = repr
        self.eq = eq
        self.metadata: Mapping[str, Any] = dict(metadata or {})

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.factory is None

    def initial(self) -> Any:
        """The value when none is given: the default, or a fresh one from the factory."""
        return self.factory() if self.factory is not None else self.default

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, type={self.type!r}, default={self.default!r})"


def field(
    *,
    default: Any = MISSING,
    factory: Callable[[], Any] | None = None,
    init: bool = True,
    kw_only: bool = False,
    repr: bool | Callable[[Any], str] = True,
    eq: bool = True,
    metadata: Mapping[str, Any] | None = None,
) -> Any:
    """Declare a field with options (``x: list[int] = field(factory=list)``)."""
    return Field(default=default, factory=factory, init=init, kw_only=kw_only, repr=repr, eq=eq, metadata=metadata)


class _Spec:
    """A struct class's field table, computed once when the class is declared."""

    __slots__ = ("all", "compared", "keyword", "no_init", "positional", "salt", "shown")

    def __init__(self, all_fields: tuple[Field, ...], salt: str) -> None:
        self.all = all_fields
        #: What a hash mixes in with the fields (the class's name): the same before and after ``__hash__`` is
        #: compiled, whatever class an instance is of.
        self.salt = salt
        init = [f for f in all_fields if f.init]
        self.keyword = {f.name: f for f in init}
        self.positional = tuple(f.name for f in init if not f.kw_only)
        self.no_init = tuple(f for f in all_fields if not f.init)
        self.compared = tuple(f.name for f in all_fields if f.eq)
        self.shown = tuple((f.name, f.repr if callable(f.repr) else repr) for f in all_fields if f.repr)


def _spec(instance: Any) -> _Spec:
    spec: _Spec = getattr(type(instance), _SPEC)
    return spec


def _init_source(cls: type[Any], spec: _Spec) -> tuple[str, dict[str, Any]]:
    """The source of ``cls``'s ``__init__`` (as a dataclass would write it) and the names it reads."""
    names: dict[str, Any] = {"_set": object.__setattr__, "_MISSING": MISSING}
    params, keyword, body = ["self"], list[str](), list[str]()
    for f in spec.keyword.values():
        if f.required:
            param = f.name
        elif f.factory is not None:
            names[f"_factory_{f.name}"] = f.factory
            param = f"{f.name}=_MISSING"
        else:
            names[f"_default_{f.name}"] = f.default
            param = f"{f.name}=_default_{f.name}"
        (keyword if f.kw_only else params).append(param)
        value = f"_factory_{f.name}() if {f.name} is _MISSING else {f.name}" if f.factory is not None else f.name
        body.append(f"    _set(self, {f.name!r}, {value})")
    for f in spec.no_init:
        names[f"_initial_{f.name}"] = f.initial
        body.append(f"    _set(self, {f.name!r}, _initial_{f.name}())")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    signature = ", ".join(params + (["*", *keyword] if keyword else []))
    return f"def __init__({signature}):\n" + "\n".join(body or ["    pass"]), names


def _eq_source(cls: type[Any], spec: _Spec) -> tuple[str, dict[str, Any]]:
    mine = "".join(f"self.{name}, " for name in spec.compared)
    theirs = "".join(f"other.{name}, " for name in spec.compared)
    return (
        "def __eq__(self, other):\n"
        "    if other.__class__ is not self.__class__:\n"
        "        return NotImplemented\n"
        f"    return ({mine}) == ({theirs})\n",
        {},
    )


def _hash_source(cls: type[Any], spec: _Spec) -> tuple[str, dict[str, Any]]:
    values = "".join(f", self.{name}" for name in spec.compared)
    return f"def __hash__(self):\n    return hash((_salt{values}))\n", {"_salt": spec.salt}


#: Calls a method serves field by field before its class gets the compiled one: a class a run uses a few times
#: never pays a compile (~0.25 ms, as much as ~80 generic calls); one it uses per record does, soon.
COMPILE_AFTER = 64

#: What a generic method returns when it cannot serve the call (arguments that do not bind): the compiled method
#: then takes it, and raises Python's own ``TypeError``.
_UNSERVED: Any = object()


def _generic_init(self: Any, *args: Any, **kwargs: Any) -> Any:
    spec = _spec(self)
    given = dict(zip(spec.positional, args, strict=False))
    if len(args) > len(spec.positional) or any(k not in spec.keyword or k in given for k in kwargs):
        return _UNSERVED
    given.update(kwargs)
    if any(f.required and name not in given for name, f in spec.keyword.items()):
        return _UNSERVED
    for name, f in spec.keyword.items():
        object.__setattr__(self, name, given[name] if name in given else f.initial())
    for f in spec.no_init:
        object.__setattr__(self, f.name, f.initial())
    if hasattr(self, "__post_init__"):
        self.__post_init__()
    return None


def _generic_eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = _spec(self).compared
    return tuple(getattr(self, name) for name in names) == tuple(getattr(other, name) for name in names)


def _generic_hash(self: Any) -> int:
    spec = _spec(self)
    return hash((spec.salt, *(getattr(self, name) for name in spec.compared)))


def _compiled_when_used(
    cls: type[Any], name: str, source: Callable[..., tuple[str, dict[str, Any]]], generic: Callable[..., Any]
) -> Any:
    """A method served by ``generic`` for its first :data:`COMPILE_AFTER` calls, then compiled from ``source``
    (as attrs and dataclasses write it) and put on the class in its place.

    Compiling at declaration is what made attrs classes cost ~0.45 ms each at import; compiling only what a run
    uses a lot costs a short-lived step nothing, and leaves the hot paths (a record per row) as fast as attrs'.
    """
    calls = 0

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls <= COMPILE_AFTER:
            served = generic(self, *args, **kwargs)
            if served is not _UNSERVED:
                return served
        text, names = source(cls, cls.__dict__[_SPEC])
        # The source is ours, written from the field names the class declares.
        exec(compile(text, f"<struct {cls.__qualname__}.{name}>", "exec"), names)
        compiled = names[name]
        compiled.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, compiled)
        return compiled(self, *args, **kwargs)

    return method


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={show(getattr(self, name, MISSING))}" for name, show in _spec(self).shown)
    return f"{type(self).__qualname__.rsplit('>.', 1)[-1]}({shown})"


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r} of frozen {type(self).__name__}")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r} of frozen {type(self).__name__}")


def _getstate(self: Any) -> dict[str, Any]:
    return {f.name: getattr(self, f.name) for f in _spec(self).all if hasattr(self, f.name)}


def _setstate(self: Any, state: Mapping[str, Any]) -> None:
    for name, value in state.items():
        object.__setattr__(self, name, value)  # frozen structs too: this is (un)pickling and copying


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)  # typing.ClassVar[int] when evaluated
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _own_fields(cls: type[Any], kw_only: bool) -> list[Field]:
    """The fields ``cls`` itself annotates, in order; their ``Field`` declarations leave the class body."""
    own: list[Field] = []
    # Not inspect.get_annotations: importing inspect is part of the start-up cost this module avoids.
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
        if _is_class_var(annotation):
            continue
        declared = cls.__dict__.get(name, MISSING)
        own.append(
            _placed(declared if isinstance(declared, Field) else Field(default=declared), name, annotation, kw_only)
        )
    return own


def _placed(declared: Field, name: str, annotation: Any, kw_only: bool) -> Field:
    """A copy of ``declared`` named and typed for one class: one declaration may serve several (``make_class``)."""
    placed = Field(
        default=declared.default,
        factory=declared.factory,
        init=declared.init,
        kw_only=declared.kw_only or kw_only,
        repr=declared.repr,
        eq=declared.eq,
        metadata=declared.metadata,
    )
    placed.name, placed.type = name, annotation
    return placed


def _check_order(cls: type[Any], all_fields: tuple[Field, ...]) -> None:
    seen_default = False
    for f in all_fields:
        if not f.init or f.kw_only:
            continue
        if seen_default and f.required:
            raise ValueError(f"{cls.__name__}: field {f.name!r} without a default follows a field with one")
        seen_default = seen_default or not f.required


def _slotted(cls: type[Any], own: list[Field]) -> type[Any]:
    """``cls`` rebuilt with ``__slots__`` for its own fields (as attrs does), fixing ``super()``'s cell."""
    body = {k: v for k, v in cls.__dict__.items() if k not in {"__dict__", "__weakref__"} | {f.name for f in own}}
    body["__qualname__"] = cls.__qualname__
    inherited = {name for base in cls.__mro__[1:] for name in getattr(base, "__slots__", ())}
    has_weakref = any("__weakref__" in getattr(base, "__dict__", {}) for base in cls.__mro__[1:])
    weakref_slot = () if has_weakref else ("__weakref__",)
    body["__slots__"] = tuple(f.name for f in own if f.name not in inherited) + weakref_slot
    metaclass: Any = type(cls)
    new: type[Any] = metaclass(cls.__name__, cls.__bases__, body)
    for value in body.values():
        function = getattr(value, "__func__", value)
        for member in (function, getattr(value, "fget", None), getattr(value, "fset", None)):
            for cell in getattr(member, "__closure__", None) or ():
                if cell.cell_contents is cls:
                    cell.cell_contents = new
    return new


#: Reorders (or rewrites) a class's fields once they are collected, base classes' first (attrs' hook of that name).
FieldTransformer = Callable[[type[Any], list[Field]], list[Field]]


def _build(cls: type[T], frozen: bool, options: dict[str, Any]) -> type[T]:
    kw_only, eq, repr, slots = options["kw_only"], options["eq"], options["repr"], options["slots"]
    own = _own_fields(cls, kw_only)
    inherited = [f for base in reversed(cls.__mro__[1:]) if _SPEC in base.__dict__ for f in base.__dict__[_SPEC].all]
    by_name = {f.name: f for f in inherited}
    by_name.update({f.name: f for f in own})
    transform: FieldTransformer | None = options.get("field_transformer")
    all_fields = tuple(transform(cls, list(by_name.values())) if transform else by_name.values())
    _check_order(cls, all_fields)
    built = _slotted(cls, own) if slots else cls
    if not slots:
        for f in own:  # plain defaults stay class attributes (as in dataclasses); declarations do not
            if isinstance(cls.__dict__.get(f.name), Field):
                delattr(cls, f.name)
    methods: dict[str, Any] = {_SPEC: _Spec(all_fields, cls.__qualname__)}
    methods["__init__"] = _compiled_when_used(built, "__init__", _init_source, _generic_init)
    methods.update({"__getstate__": _getstate, "__setstate__": _setstate})
    if repr:
        methods["__repr__"] = _repr
    if eq:
        methods["__eq__"] = _compiled_when_used(built, "__eq__", _eq_source, _generic_eq)
        methods["__hash__"] = _compiled_when_used(built, "__hash__", _hash_source, _generic_hash) if frozen else None
    if frozen:
        methods.update({"__setattr__": _refuse_set, "__delattr__": _refuse_delete})
    for name, method in methods.items():
        setattr(built, name, method)
    return built


def _decorate(
    maybe_cls: type[T] | None, frozen: bool, options: dict[str, Any]
) -> type[T] | Callable[[type[T]], type[T]]:
    """``@frozen`` / ``@define`` with or without options: the class built, or the decorator that builds it."""

    def build(cls: type[T]) -> type[T]:
        return _build(cls, frozen, options)

    return build(maybe_cls) if maybe_cls is not None else build


@overload
def frozen(maybe_cls: type[T], /) -> type[T]: ...


@overload
def frozen(
    *,
    kw_only: bool = False,
    eq: bool = True,
    repr: bool = True,
    slots: bool = True,
    field_transformer: FieldTransformer | None = None,
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def frozen(
    maybe_cls: type[T] | None = None,
    /,
    *,
    kw_only: bool = False,
    eq: bool = True,
    repr: bool = True,
    slots: bool = True,
    field_transformer: FieldTransformer | None = None,
) -> type[T] | Callable[[type[T]], type[T]]:
    """An immutable, hashable struct class: ``@frozen`` or ``@frozen(kw_only=True, ...)``."""
    options = {"kw_only": kw_only, "eq": eq, "repr": repr, "slots": slots, "field_transformer": field_transformer}
    return _decorate(maybe_cls, True, options)


@overload
def define(maybe_cls: type[T], /) -> type[T]: ...


@overload
def define(
    *,
    kw_only: bool = False,
    eq: bool = True,
    repr: bool = True,
    slots: bool = True,
    field_transformer: FieldTransformer | None = None,
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field, Field))
def define(
    maybe_cls: type[T] | None = None,
    /,
    *,
    kw_only: bool = False,
    eq: bool = True,
    repr: bool = True,
    slots: bool = True,
    field_transformer: FieldTransformer | None = None,
) -> type[T] | Callable[[type[T]], type[T]]:
    """A mutable struct class (unhashable when it compares by value): ``@define`` or ``@define(eq=False, ...)``."""
    options = {"kw_only": kw_only, "eq": eq, "repr": repr, "slots": slots, "field_transformer": field_transformer}
    return _decorate(maybe_cls, False, options)


def has(cls: Any) -> bool:
    """Whether ``cls`` is a struct class."""
    return isinstance(cls, type) and hasattr(cls, _SPEC)


def fields(cls: type[Any]) -> tuple[Any, ...]:
    """The fields of a struct class (or of an attrs class), in order; each has ``name``, ``type``, ``metadata``."""
    spec = getattr(cls, _SPEC, None)
    if spec is not None:
        return tuple(spec.all)
    if hasattr(cls, "__attrs_attrs__"):
        import attrs  # an input class a user declared with attrs

        return tuple(attrs.fields(cls))
    raise TypeError(f"{cls!r} is not a struct class")


def fields_dict(cls: type[Any]) -> dict[str, Any]:
    """The fields of a struct class by name."""
    return {f.name: f for f in fields(cls)}


def evolve(instance: T, **changes: Any) -> T:
    """A copy of ``instance`` with ``changes`` (validated again by ``__post_init__``, as a new instance is)."""
    spec = _spec(instance)
    values = {f.name: getattr(instance, f.name) for f in spec.keyword.values()}
    for key in changes:
        if key not in spec.keyword:
            raise TypeError(f"{type(instance).__name__} has no field {key!r} to change")
    values.update(changes)
    return type(instance)(**values)


def asdict(instance: Any) -> dict[str, Any]:
    """The fields of ``instance`` as a dict, nested structs and collections converted too (as ``attrs.asdict``)."""
    return {f.name: _plain(getattr(instance, f.name)) for f in _spec(instance).all}


def _plain(value: Any) -> Any:
    if has(type(value)):
        return asdict(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def make_class(name: str, declared: Mapping[str, Field], *, frozen: bool = True, kw_only: bool = False) -> type[Any]:
    """A struct class built at run time from named fields (``make_class("Inputs", {"x": field()})``)."""
    body: dict[str, Any] = {"__annotations__": dict.fromkeys(declared, "Any"), **declared}
    options = {"kw_only": kw_only, "eq": True, "repr": True, "slots": True}
    built: type[Any] = _build(type(name, (), body), frozen, options)
    return built
