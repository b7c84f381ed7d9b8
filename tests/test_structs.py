"""``connector.structs``: value classes that behave as attrs' did, and a step's path that never imports attrs."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from typing import Any, ClassVar, Generic, TypeVar

import attrs
import pytest

from connector import structs

A = TypeVar("A")


@structs.frozen
class Point:
    x: int
    y: int = 0
    tags: list[str] = structs.field(factory=list, eq=False)
    note: str = structs.field(default="", repr=False)
    scale: float = structs.field(default=1.0, kw_only=True)
    unit: ClassVar[str] = "px"


@structs.define
class Counter:
    name: str
    count: int = 0
    _seen: set[str] = structs.field(factory=set, init=False, repr=False, eq=False)


@structs.frozen
class Base(Generic[A]):
    value: A
    label: str = "base"

    def describe(self) -> str:
        return f"{self.label}:{self.value}"


@structs.frozen
class Child(Base[int]):
    extra: int = 1
    label: str = "child"  # a redeclared field keeps its place and takes the new default

    def describe(self) -> str:
        return "child " + super().describe()  # zero-argument super() still works in the rebuilt (slotted) class


@structs.frozen
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low above high")


def test_constructor_binds_positional_keyword_defaults_and_fresh_factories() -> None:
    first, second = Point(1), Point(2, 3, ["a"], scale=2.0)
    assert (first.x, first.y, first.tags, first.note, first.scale) == (1, 0, [], "", 1.0)
    assert (second.x, second.y, second.tags, second.scale) == (2, 3, ["a"], 2.0)
    assert Point(1).tags is not Point(1).tags  # a factory runs per instance
    assert Point.unit == "px" and "unit" not in structs.fields_dict(Point)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Point(), "missing 1 required positional argument: 'x'"),
        (lambda: Point(1, 2, [], "n", 3.0), "Point.__init__() takes from 2 to 5 positional arguments but 6"),
        (lambda: Point(1, x=2), "multiple values for argument 'x'"),
        (lambda: Point(1, colour="red"), "unexpected keyword argument 'colour'"),
        (lambda: Counter("c", _seen=set()), "unexpected keyword argument '_seen'"),
    ],
)
def test_constructor_refuses_what_a_dataclass_would(call: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_frozen_compares_and_hashes_by_its_compared_fields_and_refuses_assignment() -> None:
    assert Point(1, 2, ["a"]) == Point(1, 2, ["b"])  # tags: eq=False
    assert Point(1, 2) != Point(1, 3) and Point(1) != (1, 0)
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2, ["b"]))
    assert len({Point(1), Point(1), Point(2)}) == 2

    @structs.frozen
    class Empty:
        pass

    assert Empty() == Empty() and hash(Empty()) == hash(Empty()) and Empty() != Point(1)
    point = Point(1)
    with pytest.raises(structs.FrozenInstanceError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.x
    with pytest.raises(AttributeError):
        point.other = 1  # type: ignore[attr-defined]  # slotted: no __dict__ to put it in


def test_mutable_struct_assigns_compares_and_is_unhashable() -> None:
    counter = Counter("c")
    counter.count += 1
    counter._seen.add("x")
    assert counter == Counter("c", 1) and counter != Counter("c", 2)
    with pytest.raises(TypeError):
        hash(counter)


def test_repr_shows_fields_in_order_without_hidden_ones() -> None:
    assert repr(Point(1, 2, ["a"], "secret")) == "Point(x=1, y=2, tags=['a'], scale=1.0)"
    assert repr(Counter("c")) == "Counter(name='c', count=0)"

    @structs.frozen
    class Masked:
        token: str = structs.field(repr=lambda value: "***")

    assert repr(Masked("pk_live")) == "Masked(token=***)"


def test_inheritance_generic_bases_and_super() -> None:
    child = Child(5)
    assert [f.name for f in structs.fields(Child)] == ["value", "label", "extra"]
    assert (child.value, child.label, child.extra) == (5, "child", 1)
    assert child.describe() == "child child:5"
    assert Base[int] is not Base and Base("v").describe() == "base:v"


def test_post_init_validates_every_new_instance_evolve_included() -> None:
    with pytest.raises(ValueError, match="low above high"):
        Checked(3, 1)
    checked = Checked(1, 3)
    assert structs.evolve(checked, high=5) == Checked(1, 5)
    with pytest.raises(ValueError, match="low above high"):
        structs.evolve(checked, low=9)
    with pytest.raises(TypeError, match="no field 'middle'"):
        structs.evolve(checked, middle=2)


def test_asdict_converts_nested_structs_and_collections() -> None:
    @structs.frozen
    class Line:
        start: Point
        points: tuple[Point, ...]
        meta: dict[str, Any]

    line = Line(Point(1), (Point(2),), {"p": Point(3)})
    assert structs.asdict(line) == {
        "start": {"x": 1, "y": 0, "tags": [], "note": "", "scale": 1.0},
        "points": [{"x": 2, "y": 0, "tags": [], "note": "", "scale": 1.0}],
        "meta": {"p": {"x": 3, "y": 0, "tags": [], "note": "", "scale": 1.0}},
    }


def test_pickle_and_copy_round_trip_frozen_structs() -> None:
    point = Point(1, 2, ["a"], "n", scale=3.0)
    for clone in (pickle.loads(pickle.dumps(point)), copy.copy(point), copy.deepcopy(point)):
        assert clone == point and clone.note == "n" and clone.tags == ["a"]


def test_make_class_and_field_transformer() -> None:
    made = structs.make_class("Made", {"b": structs.field(default=2), "a": structs.field()}, kw_only=True)
    assert repr(made(a=1)) == "Made(b=2, a=1)"
    with pytest.raises(TypeError, match="positional"):
        made(1)

    def ids_first(cls: type[Any], fields: list[structs.Field]) -> list[structs.Field]:
        return sorted(fields, key=lambda f: not f.name.endswith("_id"))

    @structs.frozen(kw_only=True, field_transformer=ids_first)
    class Update:
        name: str = ""
        list_id: str = ""

    assert [f.name for f in structs.fields(Update)] == ["list_id", "name"]


def test_declaration_errors() -> None:
    with pytest.raises(ValueError, match="'b' without a default follows a field with one"):

        @structs.frozen
        class Bad:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="a default or a factory, not both"):
        structs.field(default=[], factory=list)
    with pytest.raises(TypeError, match="not a struct class"):
        structs.fields(int)


def test_fields_also_reads_attrs_classes() -> None:
    @attrs.frozen
    class Declared:
        name: str = attrs.field(metadata={"k": 1})

    assert [(f.name, f.metadata["k"]) for f in structs.fields(Declared)] == [("name", 1)]
    assert structs.has(Point) and not structs.has(Declared)


def test_generic_and_compiled_methods_agree() -> None:
    """A class's methods are generic for its first COMPILE_AFTER calls, then compiled: nothing observable changes."""

    @structs.frozen
    class Pair:
        left: int
        right: list[int] = structs.field(factory=list, eq=False)
        seen: int = structs.field(default=0, init=False)

        def __post_init__(self) -> None:
            if self.left < 0:
                raise ValueError("negative")

    def observed() -> tuple[Any, ...]:
        pair = Pair(1)
        return (pair, pair.seen, Pair(1) == Pair(1), Pair(1) != Pair(2), hash(Pair(2, [])) == hash(Pair(2)))

    before, stored = observed(), {Pair(5, [])}
    with pytest.raises(ValueError, match="negative"):
        Pair(-1)  # __post_init__ runs on the generic path
    assert Pair.__init__.__name__ == "method"  # still the generic one
    for n in range(structs.COMPILE_AFTER + 1):
        assert Pair(n) == Pair(n) and hash(Pair(n)) == hash(Pair(n))
    assert Pair.__init__.__name__ == "__init__"  # compiled now
    assert observed() == before and Pair(5) in stored  # a hash taken before compiling still finds it
    with pytest.raises(ValueError, match="negative"):
        Pair(-1)


def test_arguments_that_do_not_bind_get_pythons_own_error() -> None:
    @structs.frozen
    class Single:
        value: int

    with pytest.raises(TypeError) as raised:
        Single()  # type: ignore[call-arg]
    assert str(raised.value).endswith("Single.__init__() missing 1 required positional argument: 'value'")


def test_a_low_code_step_path_imports_neither_attrs_nor_cattrs() -> None:
    """Building a step's action, cleaning its inputs and its client costs no attrs import (``cold_start.py``)."""
    code = (
        "import sys\n"
        "from connector.shell.component import COMPONENT\n"
        "from connector.shell.env import client_for\n"
        "for key in ('listLists', 'getMetrics', 'createProfile', 'listEvents'):\n"
        "    COMPONENT.action(key)\n"
        "COMPONENT.action('listLists').clean({'maxRecords': '1'})\n"
        "import connector.client.pipeline, connector.shell.cli, connector.shell.reporting\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'attr', 'attrs', 'cattrs', 'dataclasses'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_typed_resources_import_their_models_when_named() -> None:
    """``actions.lists`` declares its actions without the attrs models; naming a typed resource imports them."""
    code = (
        "import sys\n"
        "import actions.events, actions.lists\n"
        "before = 'actions._facade.models.lists' in sys.modules\n"
        "from actions.lists import KlaviyoList, ListAttributes\n"
        "from actions.events import Metric, MetricAttributes, EventAttributes, ProfileAttributes\n"
        "print(before, KlaviyoList.__args__[0] is ListAttributes, Metric.__args__[0] is MetricAttributes,\n"
        "      EventAttributes.__name__, ProfileAttributes.__module__)\n"
        "try:\n"
        "    actions.lists.NoSuchName\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "False True True EventAttributes actions._facade.models.profiles",
        "module 'actions.lists' has no attribute 'NoSuchName'",
    ]


def test_one_declaration_can_serve_several_classes() -> None:
    """``make_class`` (derived actions) may hand the same field declarations to classes with other options."""
    shared = {"a": structs.field(default=1)}
    keyword = structs.make_class("Keyword", shared, kw_only=True)
    positional = structs.make_class("Positional", shared)
    assert positional(2).a == 2 and keyword(a=3).a == 3
    with pytest.raises(TypeError):
        keyword(2)


def test_a_plain_subclass_hashes_the_same_before_and_after_compiling() -> None:
    @structs.frozen
    class Key:
        name: str

    class Named(Key):  # not a struct itself
        pass

    stored = {Named("x")}
    for n in range(structs.COMPILE_AFTER + 1):
        hash(Key(str(n)))
    assert Key.__hash__.__name__ == "__hash__" and Named("x") in stored


def test_an_evaluated_classvar_annotation_is_no_field() -> None:
    namespace = {"__annotations__": {"x": int, "unit": ClassVar[str]}, "unit": "px"}
    made = structs.frozen(type("Evaluated", (), namespace))
    assert [f.name for f in structs.fields(made)] == ["x"] and made.unit == "px"
