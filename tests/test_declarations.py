"""The shared declarations of the actions layer: input and action factories, and facade methods declared as data."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from actions import _generate_facade
from connector import structs
from connector.framework.definitions import ActionDefinition
from connector.framework.facade import FacadeMethod
from connector.framework.inputs import Collection, InputType, input_field, input_specs
from connector.klaviyo.operation_actions import (
    additional_field_switch,
    attribute_input,
    delete_action,
    get_action,
    id_input,
    label_key,
    list_action,
    listing_inputs,
    name_input,
    operation_action,
    path_ids_first,
    profile_count_input,
    request_for,
    switch_input,
)

ROOT = Path(__file__).resolve().parents[1]


# -- action factories ------------------------------------------------------------------------------


@structs.frozen
class RenameInputs:
    list_id: str = id_input("List ID", "The list.")


def rename_list(client: Any, inputs: RenameInputs) -> None:
    del client, inputs


def test_keys_and_labels_are_derived_from_labels_operations_and_performs() -> None:
    assert label_key("Remove Profile From List") == "removeProfileFromList"
    by_operation = operation_action("update_list", description="", inputs=RenameInputs)
    assert (by_operation.key, by_operation.label) == ("updateList", "Update List")

    by_perform = operation_action("update_list", description="", perform=rename_list)
    assert (by_perform.key, by_perform.label, by_perform.inputs) == ("renameList", "Rename List", RenameInputs)
    given = operation_action("update_list", key="rename", label="Rename", description="", inputs=RenameInputs)
    assert (given.key, given.label) == ("rename", "Rename")


def test_a_switch_target_sends_its_value_only_when_on() -> None:
    get = get_action("get_list", "", "The list.", profile_count_input("get_list"))
    on = request_for("get_list", get.clean({"listId": "Y6nRLr", "includeProfileCount": "true"}))
    off = request_for("get_list", get.clean({"listId": "Y6nRLr", "includeProfileCount": "false"}))
    default = request_for("get_list", get.clean({"listId": "Y6nRLr"}))
    assert on.params == {"additional-fields[list]": ["profile_count"]}
    assert off.params == default.params == {}


def test_a_switch_joins_the_values_another_input_gives_the_same_parameter() -> None:
    @structs.frozen
    class Inputs:
        additional: list[str] = input_field(
            "Additional", collection=Collection.VALUE_LIST, to="query:additional-fields[profile]"
        )
        predictive: bool | None = additional_field_switch(
            "get_profiles", "predictive_analytics", label="Predictive", comments=""
        )

    call = request_for("get_profiles", Inputs(additional=["subscriptions"], predictive=True))
    assert call.params["additional-fields[profile]"] == ["subscriptions", "predictive_analytics"]


def test_an_additional_field_the_registry_does_not_list_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="'profile_count' is not an additional field of template"):
        additional_field_switch("get_template", "profile_count", label="X", comments="")


def test_get_action_names_its_extra_inputs_after_their_labels() -> None:
    get = get_action("get_segment", "Get one.", "The segment.", profile_count_input("get_segment"))
    assert (get.key, get.label, get.description) == ("getSegment", "Get Segment", "Get one.")
    assert [f.name for f in structs.fields(get.inputs)] == ["segment_id", "fields", "include_profile_count"]
    assert get.inputs.__annotations__ == {
        "segment_id": "str",
        "fields": "list[str]",
        "include_profile_count": "bool | None",
    }


def test_list_action_takes_filter_sort_and_page_size_only_where_the_operation_has_them() -> None:
    assert list(listing_inputs("get_accounts")) == ["max_records"]
    accounts = list_action("get_accounts", label="List Accounts", description="")
    assert [s.key for s in accounts.input_specs()] == ["connection", "fields", "maxRecords"]
    templates = list_action(
        "get_templates", label="List Templates", description="", include_definition=switch_input("Include Definition")
    )
    assert [s.key for s in templates.input_specs()][1:] == [
        "fields",
        "filter",
        "sort",
        "includeDefinition",
        "maxRecords",
        "pageSize",
    ]
    annotations = templates.inputs.__annotations__
    assert (annotations["filter"], annotations["max_records"], annotations["page_size"]) == (
        "str | None",
        "int | None",
        "int | None",
    )


def test_delete_action_is_one_id_and_the_operations_delete() -> None:
    delete = delete_action("delete_template", "Delete it.", "The template.")
    assert (delete.key, delete.label, delete.operation_ids) == (
        "deleteTemplate",
        "Delete Template",
        ("delete_template",),
    )
    assert [(s.label, s.comments, s.target) for s in input_specs(delete.inputs)] == [
        ("Template ID", "The template.", "path:id")
    ]


# -- input factories -------------------------------------------------------------------------------


def test_attribute_name_and_switch_inputs_say_where_their_values_go() -> None:
    @structs.frozen
    class Inputs:
        opt_in_process: str | None = attribute_input("Opt-in Process", "How.", type=InputType.PICKLIST, choices=("a",))
        time: str | None = attribute_input("Event Time", "When.", attribute="time")
        list_name: str = name_input("List Name", "A name.", required=True, default="Newsletter")
        backfill: bool | None = switch_input("Backfill", "Quietly.", to="attributes:backfill")

    specs = input_specs(Inputs)
    assert [s.target for s in specs] == [
        "attributes:opt_in_process",
        "attributes:time",
        "attributes:name",
        "attributes:backfill",
    ]
    name, backfill = specs[2], specs[3]
    assert name.must_be_given and name.default == "Newsletter"  # a written input never takes its default
    assert (backfill.type, backfill.default, backfill.writes) == (InputType.BOOLEAN, "false", True)


def test_path_ids_first_puts_an_updates_id_before_the_inherited_inputs() -> None:
    from actions.profiles import CREATE_PROFILE, UPDATE_PROFILE

    create = [s.label for s in CREATE_PROFILE.input_specs()][1:]
    update = [s.label for s in UPDATE_PROFILE.input_specs()][1:]
    assert update == ["Profile ID", *create]

    @structs.frozen
    class Base:
        name: str | None = input_field("Name")

    @structs.frozen(field_transformer=path_ids_first)
    class Update(Base):
        item_id: str = id_input("Item ID", "The item.")

    assert Update(item_id="1", name="x") == Update(name="x", item_id="1")
    assert [f.name for f in structs.fields(Update)] == ["item_id", "name"]


# -- facade methods --------------------------------------------------------------------------------


@structs.frozen
class _Inputs:
    list_id: str = id_input("List ID", "The list.")
    list_name: str | None = input_field("List Name", to="attributes:name")
    tags: list[str] = input_field("Tags", collection=Collection.VALUE_LIST)
    location: dict[str, Any] | None = input_field("Location", type=InputType.JSON)
    include_profile_count: bool | None = input_field("Include Profile Count", type=InputType.BOOLEAN)
    backfill: bool | None = input_field("Backfill", type=InputType.BOOLEAN)
    max_records: int | None = input_field("Max Records")
    page_size: int | None = input_field("Page Size")
    body: dict[str, Any] = input_field("Body", type=InputType.JSON, required=True)


_ACTION: ActionDefinition[Any] = ActionDefinition("x", "X", "", _Inputs, lambda client, inputs: None)


def _sources(method: FacadeMethod) -> list[str]:
    return [p.source() for p in method.parameters()]


def test_a_facade_method_reads_its_signature_from_the_inputs() -> None:
    method = FacadeMethod("update", _ACTION, "Update.", prefix="list_", switches=("backfill",))
    assert _sources(method) == [
        "list_id: str",  # a path id comes first, positional
        "name: str | None = None",  # prefix
        "tags: Sequence[str] | None = None",  # a value list takes any sequence
        "location: Mapping[str, Any] | None = None",  # a JSON object any mapping
        "profile_count: bool = False",  # include_<x> is the switch <x>
        "backfill: bool = False",
        "limit: int | None = None",  # Max Records is limit; Page Size is not offered
        "body: Mapping[str, Any]",  # must be given: required
    ]
    assert [p.argument() for p in method.parameters()][4:7] == [
        "include_profile_count=profile_count or None",
        "backfill=backfill or None",
        "max_records=limit",
    ]
    assert [p.name for p in method.parameters() if p.positional] == ["list_id"]


def test_renames_types_omissions_and_positional_parameters() -> None:
    method = FacadeMethod(
        "update",
        _ACTION,
        "Update.",
        rename={"title": "list_name", "count": "include_profile_count"},
        positional=("body",),
        types={"location": "Mapping[str, Any]", "body": "Any"},
        omit=("tags", "backfill"),
    )
    assert _sources(method) == [
        "list_id: str",
        "body: Any",
        "title: str | None = None",
        "location: Mapping[str, Any]",  # an annotation without None makes it required
        "count: bool | None = None",  # renamed: no longer the include switch
        "limit: int | None = None",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rename": {"x": "nope"}}, "has no input nope"),
        ({"omit": ("nope",)}, "has no input nope"),
        ({"types": {"nope": "str"}}, "no parameter nope"),
        ({"positional": ("location",)}, "a positional parameter must be required"),
    ],
)
def test_a_declaration_mistake_is_refused_when_generating(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FacadeMethod("m", _ACTION, "", **changes).parameters()


# -- the generated facade --------------------------------------------------------------------------

#: The typed methods scripts call on the declared groups (README "From Python scripts"): generated from
#: FACADE_METHODS, they keep the names, positional parameters, defaults and results users have.
DECLARED_SIGNATURES = {
    "Lists.create": "(self, name: str, *, opt_in_process: str | None = None) -> Resource[ListAttributes]",
    "Lists.get": "(self, list_id: str, *, fields: Sequence[str] | None = None, profile_count: bool = False)"
    " -> Resource[ListAttributes]",
    "Lists.delete": "(self, list_id: str) -> None",
    "Profiles.subscribe": "(self, profiles: Any, *, list_id: str | None = None, custom_source: str | None = None,"
    " historical_import: bool = False) -> SubscriptionSubmission",
    "Profiles.list_for_list": "(self, list_id: str, *, additional_fields: Sequence[str] | None = None, fields:"
    " Sequence[str] | None = None, filter: str | None = None, sort: str | None = None, limit: int | None = None)"
    " -> Iterator[Resource[ProfileAttributes]]",
    "Events.create": "(self, metric_name: str, profile: Mapping[str, Any] | str, *, properties: Mapping[str, Any]"
    " | None = None, time: str | dt.datetime | None = None, value: float | int | None = None, value_currency: str"
    " | None = None, unique_id: str | None = None, backfill: bool = False) -> None",
    "Events.list": "(self, *, event_fields: Sequence[str] | None = None, metric_fields: Sequence[str] | None = None,"
    " profile_fields: Sequence[str] | None = None, filter: str | None = None, sort: str | None = None, limit: int"
    " | None = None) -> Iterator[Event]",
    "Segments.create": "(self, name: str, condition_groups: ConditionGroups, *, starred: bool | None = None)"
    " -> Resource[SegmentAttributes]",
    "Templates.get": "(self, template_id: str, *, fields: Sequence[str] | None = None, definition: bool = False)"
    " -> Resource[TemplateAttributes]",
    "Campaigns.list": "(self, *, filter: str | None = None, fields: Sequence[str] | None = None, channel: str"
    " | None = None, sort: str | None = None, limit: int | None = None) -> Iterator[Resource[CampaignAttributes]]",
    "Images.upload": "(self, *, url: str | None = None, name: str | None = None, data: bytes | str | Mapping[str,"
    " Any] | None = None, hidden: bool | None = None) -> Resource[ImageAttributes]",
    "Accounts.list": "(self, *, fields: Sequence[str] | None = None, limit: int | None = None)"
    " -> Iterator[Resource[AccountAttributes]]",
    "Destination.order_completed": "(self, *, email: str | None = None, phone_number: str | None = None,"
    " country_code: str | None = None, external_id: str | None = None, anonymous_id: str | None = None,"
    " properties: Mapping[str, Any], time: str | None = None, value: float | None = None, value_currency: str"
    " | None = None, unique_id: str | None = None, products: list[Any] | None = None, event_name: str | None ="
    " None, product_event_name: str | None = None) -> TrackedOrder",
    "Destination.remove_profile": "(self, list_id: str, *, email: str | None = None, phone_number: str | None ="
    " None, country_code: str | None = None, external_id: str | None = None) -> ListMembership",
}


@pytest.mark.parametrize(("method", "signature"), sorted(DECLARED_SIGNATURES.items()))
def test_declared_methods_keep_their_signatures(method: str, signature: str) -> None:
    cls, name = method.split(".")
    group = __import__(f"actions._facade.{_generate_facade.ATTRIBUTE.get(cls.lower(), cls.lower())}", fromlist=[cls])
    assert str(inspect.signature(getattr(getattr(group, cls), name))).replace("'", "") == signature


def test_the_declared_modules_export_their_generated_classes() -> None:
    from actions import destination, lists
    from actions._facade.destination import Destination
    from actions._facade.lists import Lists

    assert lists.Lists is Lists and destination.Destination is Destination
    assert _generate_facade.declared_names() == [
        "accounts",
        "campaigns",
        "destination",
        "events",
        "images",
        "lists",
        "profiles",
        "segments",
        "templates",
    ]


def test_a_generated_class_imports_its_declared_module_only_when_a_method_runs() -> None:
    code = (
        "import sys; import actions._facade.lists as g; "
        "print('actions.lists' in sys.modules, g.FACADE.__name__, 'derived_action' in dir(g))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "Lists", "True"]


def test_a_first_run_writes_the_classes_before_their_declared_methods() -> None:
    bare = _generate_facade.build(declared=False)
    assert "class Lists(ResourceGroup):" in bare["lists.py"] and "def create(" not in bare["lists.py"]
    assert "class Destination(ResourceGroup):" in bare["destination.py"]


@pytest.mark.parametrize("key", ["listLists", "getProfile", "createEvent", "getAccount", "subscribeProfile"])
def test_a_low_code_step_never_imports_the_typed_facade(key: str) -> None:
    # The facade classes and their resource models are for Python callers; a step only needs the declarations.
    code = (
        "import sys; from connector.shell.component import COMPONENT; "
        f"COMPONENT.action({key!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('actions._facade') and m != 'actions._facade'"
        " and not m.startswith('actions._facade.models')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_the_facade_class_is_still_importable_from_its_declared_module() -> None:
    from actions import lists

    assert lists.Lists.__module__ == "actions._facade.lists"
    with pytest.raises(AttributeError, match="has no attribute 'Listz'"):
        lists.Listz  # noqa: B018 - the attribute access is the test
