"""Generate the typed Python facade of every resource group (a development-time tool; its output is committed).

``python -m actions._generate_facade`` writes, from the operation registry, the spec's response schemas and the
declared action modules:

- ``actions/_facade/<group>.py``: the typed class of the group (``Klaviyo(...).flows``...), with one method per
  operation that no declared action performs (``.flows.list(...)``, ``.metrics.query_aggregates``,
  ``.coupons.create_code``...), whose keyword arguments are the derived action's inputs; a group with a declared
  module (``actions/lists.py``...) gets the methods its ``FACADE_METHODS`` declare first
  (:class:`~connector.framework.facade.FacadeMethod`: the signature from the action's input class, the result
  from its operation or its converter), and a declared module that is no group of the registry
  (``actions/destination.py``) gets a class of its own;
- ``actions/_facade/models/*.py``: the attrs models of the resources the operations return (``FlowAttributes``...;
  every field optional, since Klaviyo leaves fields out);
- ``actions/_facade/groups.py``: ``Groups``, the typed properties of ``Klaviyo`` (one per group, each imported
  on first use), so editors and ``mypy --strict`` see every group and method.

A generated method imports its declared module's action inside its body (the declared module imports the
generated class, so neither imports the other at load time). ``tests/test_facade_generated.py`` fails when the
output is stale. The output is excluded from ruff (generated text); mypy checks it like the rest.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import json
import keyword
import pkgutil
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = Path(__file__).resolve().parent / "_facade"
SPEC = PACKAGE.parents[1] / "connector" / "spec" / "stable.json"
#: The group's attribute on ``Klaviyo`` where the slug would clash (``Klaviyo.client`` is the HTTP client).
ATTRIBUTE = {"client": "client_api"}
#: Method names chosen by hand where the rule below reads badly.
METHOD_NAMES = {
    "get_flows_triggered_by_list": "list_flow_triggers",
    "get_ids_for_flows_triggered_by_list": "list_flow_trigger_ids",
    "get_flows_triggered_by_segment": "list_flow_triggers",
    "get_ids_for_flows_triggered_by_segment": "list_flow_trigger_ids",
    "get_flows_triggered_by_metric": "list_flow_triggers",
    "get_ids_for_flows_triggered_by_metric": "list_flow_trigger_ids",
    "get_profiles_for_bulk_import_profiles_job": "list_profiles_for_bulk_import_job",
    "get_all_universal_content": "list_universal_content",
}


def _reports() -> frozenset[str]:
    from connector.klaviyo import action_results

    return action_results.VALUES_REPORTS | action_results.SERIES_REPORTS | {"query_metric_aggregates"}


REPORTS = _reports()


def camel(name: str) -> str:
    """``catalog-item`` -> ``CatalogItem``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", name) if part)


def singular(word: str) -> str:
    """``categories`` -> ``category``."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def method_names(ops: list[Any]) -> dict[str, str]:
    """Operation id -> method name, unique within the group (a clash keeps the longer, plainer name)."""
    names = {op.id: method_name(op) for op in ops}
    for op in ops:
        if list(names.values()).count(names[op.id]) > 1:
            names[op.id] = method_name(op, keep_target=True)
    for op in ops:
        if list(names.values()).count(names[op.id]) > 1:
            names[op.id] = op.id
    return names


def method_name(op: Any, *, keep_target: bool = False) -> str:
    """The facade method of an operation within its group: the operation id without the group's noun.

    ``get_flows`` -> ``list``, ``create_coupon_code`` -> ``create_code``, ``get_tags_for_campaign`` ->
    ``list_tags``, ``query_metric_aggregates`` -> ``query_aggregates``; a list comes back as ``list_*``.
    """
    if op.id in METHOD_NAMES:
        return METHOD_NAMES[op.id]
    group = op.group_slug.split("_")
    one = [singular(w) for w in group]
    verb, *rest = op.id.split("_")
    for noun in (group, one):
        if rest[: len(noun)] == noun and rest[len(noun) : len(noun) + 1] != ["for"]:
            rest = rest[len(noun) :]
            break
    text = "_".join(rest)
    for noun in ("_".join(group), "_".join(one)):
        if not keep_target:
            text = re.sub(rf"(^|_)(for|to|from|of|by)_{noun}$", "", text)
        text = re.sub(rf"_for_{noun}_", "_for_", text)
    if verb == "get" and op.returns_many:
        verb = "list"
    return "_".join(part for part in (verb, text) if part)


# -- models ----------------------------------------------------------------------------------------


def _raw(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


def _properties(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    schema = _raw(spec, schema)
    out: dict[str, Any] = {}
    for part in schema.get("allOf", ()):
        out.update(_properties(spec, part))
    out.update(schema.get("properties") or {})
    return out


def resource_attributes(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource type -> its attributes' schemas, merged over every operation that returns it."""
    found: dict[str, dict[str, Any]] = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            for code, response in op["responses"].items():
                content = (response.get("content") or {}).get("application/vnd.api+json")
                if not code.startswith("2") or not content:
                    continue
                data = _properties(spec, content["schema"]).get("data")
                if data is None:
                    continue
                data = _raw(spec, data)
                if data.get("type") == "array":
                    data = _raw(spec, data.get("items") or {})
                props = _properties(spec, data)
                kind = (_raw(spec, props.get("type") or {}).get("enum") or [None])[0]
                if kind is None:
                    continue
                merged = found.setdefault(str(kind), {})
                for part in _attribute_parts(spec, data):
                    for name, schema in _properties(spec, part).items():
                        merged.setdefault(name, schema)
    return found


def _attribute_parts(spec: Mapping[str, Any], resource: Mapping[str, Any]) -> list[Any]:
    """Every ``attributes`` schema of a resource object, one per ``allOf`` part (``get_list`` adds profile_count)."""
    resource = _raw(spec, resource)
    parts = [p for part in resource.get("allOf", ()) for p in _attribute_parts(spec, part)]
    own = (resource.get("properties") or {}).get("attributes")
    return [*parts, own] if own is not None else parts


#: Nested objects deeper than this stay ``dict[str, Any]`` (their JSON is still in ``Resource.raw``).
NESTING = 3


def python_type(spec: Mapping[str, Any], schema: Mapping[str, Any], nested: str | None = None) -> str:
    """The annotation of a response attribute (every one optional); ``nested`` names an object's own class."""
    schema = _raw(spec, schema)
    kind = schema.get("type")
    if kind == "string":
        return "dt.datetime" if schema.get("format") == "date-time" else "str"
    if kind == "array":
        item = python_type(spec, schema.get("items") or {})
        return f"list[{item}]" if item in ("str", "int", "float", "bool") else "list[Any]"
    if nested is not None:
        return nested
    return {"integer": "int", "number": "float", "boolean": "bool"}.get(
        str(kind), "dict[str, Any]" if kind == "object" or "properties" in schema else "Any"
    )


def model_source(spec: Mapping[str, Any], kind: str, attributes: Mapping[str, Any]) -> str:
    """The attributes class of a resource type, with a class of its own for each nested object."""
    return "\n\n".join(_classes(spec, camel(kind) + "Attributes", f"a ``{kind}`` resource", attributes, 0))


def _plain_object(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    """An object of scalars, lists of scalars and such objects gets a class (an address, a location); one holding
    objects of varying shape (condition groups, send options) stays a dict, as Klaviyo's JSON is clearer there."""
    schema = _raw(spec, schema)
    if not schema.get("properties") or "oneOf" in schema:
        return False
    for prop in _properties(spec, schema).values():
        prop = _raw(spec, prop)
        if "oneOf" in prop and not all(_scalar(spec, branch) for branch in prop["oneOf"]):
            return False
        if prop.get("type") == "array" and python_type(spec, prop) == "list[Any]":
            return False
        if (prop.get("type") == "object" or "properties" in prop) and not _plain_object(spec, prop):
            return False
    return True


def _scalar(spec: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    return _raw(spec, schema).get("type") in ("string", "integer", "number", "boolean")


def _classes(spec: Mapping[str, Any], name: str, what: str, attributes: Mapping[str, Any], depth: int) -> list[str]:
    lines = [
        "@attrs.frozen",
        f"class {name}:",
        f'    """The attributes of {what} as Klaviyo returns them (every field may be absent)."""',
        "",
    ]
    nested_classes: list[str] = []
    for attribute in sorted(attributes):
        field = attribute.replace("-", "_")
        if not field.isidentifier() or keyword.iskeyword(field):
            continue  # kept in Resource.raw
        schema = _raw(spec, attributes[attribute])
        nested = None
        if _plain_object(spec, schema) and depth < NESTING:
            nested = name.removesuffix("Attributes") + camel(field)
            nested_classes += _classes(spec, nested, f"``{field}``", _properties(spec, schema), depth + 1)
        lines.append(f"    {field}: {python_type(spec, schema, nested)} | None = None")
    if len(lines) == 4:
        lines.append("    pass")
    return [*nested_classes, "\n".join(lines) + "\n"]


# -- methods ---------------------------------------------------------------------------------------


def answer(op: Any, model: str | None) -> str:
    """What a method returns of ``op``'s answer: ``many`` models (a list operation), ``one`` (a 200/201 document),
    or ``none`` (202/204, or a resource without a model)."""
    if model and (op.returns_many or (op.query.paged and op.method == "GET")):
        return "many"
    return "one" if model and any(status in (200, 201) for status in op.statuses) else "none"


def method_source(op: Any, model: str | None, name: str) -> str:
    from connector.klaviyo import action_results
    from connector.klaviyo.derived_actions import derived_inputs

    inputs = derived_inputs(op)
    positional = [i for i in inputs if (i.field.metadata["klaviyo_input"][1]["target"] or "").startswith("path:")]
    keywords = [i for i in inputs if i not in positional]
    required = [i for i in keywords if i.required]
    optional = [i for i in keywords if not i.required]
    params = ["self", *(f"{i.name}: {i.annotation}" for i in positional)]
    if keywords:
        params.append("*")
        params += [f"{i.name}: {i.annotation}" for i in required]
        params += [f"{i.name}: {i.annotation} = None" for i in optional]
    arguments = ", ".join(f"{i.name}={i.name}" for i in inputs)
    action = f'derived_action("{op.id}")'
    call = f"{action}, {arguments}" if arguments else action
    if op.id in REPORTS:
        rows = f"rows: Rows = self._perform({call})['data']"
        returns, body = "Rows", f"{rows}\n        return rows"
    elif action_results.job_status_operation(op) is not None:
        returns, body = "dict[str, Any]", f"job: dict[str, Any] = self._perform({call})\n        return job"
    elif answer(op, model) == "many":
        returns, body = f"Iterator[Resource[{model}]]", f"return self._many({model}, {call})"
    elif answer(op, model) == "one":
        returns, body = f"Resource[{model}]", f"return self._one({model}, {call})"
    else:
        returns, body = "None", f"self._perform({call})"
    summary = (op.summary or op.id).replace('"', "'")
    signature = f"    def {name}({', '.join(params)}) -> {returns}:"
    if len(signature) > 120:
        inner = ",\n        ".join(params)
        signature = f"    def {name}(\n        {inner},\n    ) -> {returns}:"
    doc = f'        """{summary} (``{op.method} {op.path}``, ``{op.id}``)."""'
    if len(doc) > 120:
        doc = f'        """{summary}.\n\n        ``{op.method} {op.path}`` (``{op.id}``).\n        """'
    return f"{signature}\n{doc}\n        {body}\n"


def declared_names() -> list[str]:
    """The modules of ``actions/`` that declare facade methods (a ``FACADE_METHODS`` assignment), by name."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(PACKAGE.parent)])
        if not info.name.startswith("_")
        and not info.ispkg
        and re.search(r"^FACADE_METHODS\b", (PACKAGE.parent / f"{info.name}.py").read_text(encoding="utf-8"), re.M)
    )


def declared_modules() -> dict[str, ModuleType]:
    """The declared modules, imported (each imports its generated class)."""
    return {name: importlib.import_module(f"actions.{name}") for name in declared_names()}


#: Names a generated module has without importing them from the declared module.
_KNOWN = {"Any", "Iterator", "Mapping", "Sequence", "Resource", "None", "dt", *dir(builtins)}


def declared_method_source(method: Any, module: ModuleType, models: Mapping[str, Any]) -> tuple[str, set[str]]:
    """A declared method (see :class:`~connector.framework.facade.FacadeMethod`), and the names of its module
    it needs: the action (imported in the body) and the types its signature names (imported for type checking)."""
    from connector.klaviyo.operations.registry import operation

    params = method.parameters()
    positional = [p for p in params if p.positional]
    keywords = [p for p in params if not p.positional]
    signature = ["self", *(p.source() for p in positional)]
    if keywords:
        signature += ["*", *(p.source() for p in keywords)]
    action = next(name for name, value in vars(module).items() if value is method.action and name.isupper())
    arguments = [action, *(p.argument() for p in params)]
    runtime = [action]
    if inspect.isclass(method.convert):  # built from the output's keys: ``TrackedEvent(**output)``
        returns = method.convert.__name__
        runtime.append(returns)
        body = _call("output = self._perform(", arguments) + f"\n        return {returns}(**output)"
    elif method.convert is not None:
        convert = method.convert.__qualname__  # a function, or a classmethod: ``ListMembership.of``
        runtime.append(convert.split(".")[0])
        returns = str(inspect.signature(method.convert).return_annotation)
        body = _call("output = self._perform(", arguments) + f"\n        return {convert}(output)"
    elif method.returns is not None:
        returns = method.returns
        body = _call(f"result: {returns} = self._perform(", arguments) + "\n        return result"
    else:
        op = operation(method.action.operation_ids[0])
        model = f"{camel(str(op.response_type))}Attributes" if op.response_type in models else None
        if model is not None and answer(op, model) == "many":
            returns, body = f"Iterator[Resource[{model}]]", _call("return self._many(", [model, *arguments])
        elif model is not None and answer(op, model) == "one":
            returns, body = f"Resource[{model}]", _call("return self._one(", [model, *arguments])
        else:
            returns, body = "None", _call("self._perform(", arguments)
    line = f"    def {method.name}({', '.join(signature)}) -> {returns}:"
    if len(line) > 120:
        inner = ",\n        ".join(signature)
        line = f"    def {method.name}(\n        {inner},\n    ) -> {returns}:"
    doc = f'        """{method.doc}"""'
    if "\n" in method.doc:  # a summary, then paragraphs
        doc = f'        """{method.doc.replace(chr(10), chr(10) + 8 * " ")}\n        """'.replace(8 * " " + "\n", "\n")
    imports = f"        from actions.{module.__name__.rsplit('.', 1)[-1]} import {', '.join(runtime)}\n"
    names = set(re.findall(r"[A-Za-z_]\w*", " ".join([returns, *(p.annotation for p in params)])))
    typed = {n for n in names - _KNOWN if hasattr(module, n) and not n.endswith("Attributes")}
    return f"{line}\n{doc}\n{imports}\n        {body}\n", typed


def _call(head: str, arguments: list[str]) -> str:
    """``head`` (ending in a call's opening parenthesis) and the arguments on one line, or one argument a line
    when that is longer than 120 characters."""
    text = f"{head}{', '.join(arguments)})"
    if len(text) + 8 <= 120:
        return text
    inner = "".join(f"            {a},\n" for a in arguments)
    return f"{head}\n{inner}        )"


def group_source(
    slug: str,
    ops: list[Any],
    models: Mapping[str, Any],
    spec: Mapping[str, Any],
    home: Mapping[str, str],
    declared: ModuleType | None = None,
) -> str:
    """The module of one group: the class with its declared methods, then one method per other operation."""
    title = ops[0].group if ops else camel(slug)
    cls = camel(slug)
    kinds = {op.response_type for op in ops}
    methods = list(getattr(declared, "FACADE_METHODS", ()))
    kinds |= {operation_of(m).response_type for m in methods if m.convert is None and m.returns is None}
    used = sorted(k for k in kinds if k in home)
    body = []
    if any(op.id in REPORTS for op in ops):
        body.append("#: A report's rows (a method named ``list`` would shadow the builtin inside the class).")
        body.append("Rows = list[dict[str, Any]]\n\n")
    body.append(f"class {cls}(ResourceGroup):")
    attribute = ATTRIBUTE.get(slug, slug)
    if declared is not None and not ops:
        body.append(f'    """``Klaviyo(...).{attribute}``: the actions of :mod:`{declared.__name__}`, typed."""')
    else:
        own = f" (the methods of :mod:`{declared.__name__}` first)" if declared is not None else ""
        body.append(f'    """``Klaviyo(...).{attribute}``: {title}, typed{own}."""')
    typed: set[str] = set()
    for method in methods:
        assert declared is not None
        source, needed = declared_method_source(method, declared, models)
        typed |= needed
        body += ["", source.rstrip("\n")]
    names = method_names(ops)
    clash = sorted({m.name for m in methods} & set(names.values()))
    if clash:  # pragma: no cover - a declaration mistake, caught when generating
        raise ValueError(f"{slug}: declared methods clash with derived ones: {clash}")
    for op in ops:
        model = f"{camel(op.response_type)}Attributes" if op.response_type in models else None
        body += ["", method_source(op, model, names[op.id]).rstrip("\n")]
    body += ["", "", f"FACADE = {cls}", "", "", f"__all__ = [{cls!r}]", ""]
    text = "\n".join(body)
    if declared is not None:
        what = f"the methods declared in :mod:`{declared.__name__}` (``FACADE_METHODS``)"
        line = f"{what}, then one per operation of the group they do not perform" if ops else what
    else:
        line = "one method per operation of the group"
    checking = [f"    from {declared.__name__} import {', '.join(sorted(typed))}"] if declared and typed else []
    header = [
        f'"""Generated by ``python -m actions._generate_facade``: the typed facade of {title} (do not edit).',
        "",
        f"``Klaviyo(...).{attribute}``: {line}.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *_imports(text, type_checking=bool(checking)),
        *(f"from actions._facade.models.{home[kind]} import {camel(kind)}Attributes" for kind in used),
        "from connector.framework.facade import ResourceGroup",
        *(["from connector.klaviyo.derived_actions import derived_action"] if ops else []),
        *(["", "if TYPE_CHECKING:", *checking] if checking else []),
        "",
        "",
    ]
    return "\n".join(header) + text


def operation_of(method: Any) -> Any:
    """The operation whose answer a declared method returns (its action's main operation)."""
    from connector.klaviyo.operations.registry import operation

    return operation(method.action.operation_ids[0])


def models_source(slug: str, kinds: list[str], models: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    """The models of the resources whose home is ``slug`` (models import nothing from each other: no cycles)."""
    body = "\n\n".join(model_source(spec, kind, models[kind]) for kind in kinds)
    exported = sorted(re.findall(r"^class (\w+):", body, re.M))
    header = [
        f'"""Generated by ``python -m actions._generate_facade``: models of the {slug} resources (do not edit).',
        "",
        "Every field is optional: Klaviyo leaves fields out (sparse fieldsets, additional fields), and the",
        "resource's own JSON stays in ``Resource.raw``.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *_imports(body),
        "",
    ]
    return "\n".join(header) + body + f"\n\n__all__ = [{', '.join(repr(n) for n in exported)}]\n"


def _imports(text: str, *, type_checking: bool = False) -> list[str]:
    """The standard and third-party imports the generated text uses (ruff refuses unused ones)."""
    out = []
    if "dt." in text:
        out.append("import datetime as dt")
    abc = [n for n in ("Iterator", "Mapping", "Sequence") if f"{n}[" in text]
    if abc:
        out.append(f"from collections.abc import {', '.join(abc)}")
    typing_names = ["TYPE_CHECKING"] if type_checking else []
    if "Any" in re.sub(r"\bAttributes\b", "", text):
        typing_names.append("Any")
    if typing_names:
        out.append(f"from typing import {', '.join(typing_names)}")
    out.append("")
    if "@attrs." in text:
        out += ["import attrs", ""]
    if "Resource[" in text:
        out.append("from connector.client.jsonapi import Resource")
    return out


def groups_source(slugs: list[str]) -> str:
    lines = [
        '"""Generated by ``python -m actions._generate_facade``: the typed groups of ``Klaviyo`` (do not edit).',
        "",
        "Each group is a property, imported on first use, so ``import connector`` stays fast while editors and",
        "``mypy --strict`` see every group and method.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, Any",
        "",
        "if TYPE_CHECKING:",
    ]
    entries = []
    for slug in slugs:
        entries.append((ATTRIBUTE.get(slug, slug), camel(slug), f"actions._facade.{slug}"))
    # Raw Request's one method converts its arguments (files, pairs) rather than forwarding them: written by hand.
    entries.append(("raw_request", "Raw", "actions.raw_request"))
    entries.sort()
    for _, cls, module in entries:
        lines.append(f"    from {module} import {cls}")
    lines += [
        "",
        "",
        "class Groups:",
        '    """The resource groups of ``Klaviyo(...)``: one typed property each, its module imported on first use."""',
        "",
        "    def _group(self, name: str, module: str) -> Any:",
        "        raise NotImplementedError  # Klaviyo implements it",
        "",
        f"    GROUPS = ({', '.join(repr(a) for a, _, _ in entries)})",
    ]
    for attribute, cls, module in entries:
        lines += [
            "",
            "    @property",
            f"    def {attribute}(self) -> {cls}:",
            f'        """``{module}.{cls}``."""',
            f"        group: {cls} = self._group({attribute!r}, {module!r})",
            "        return group",
        ]
    return "\n".join(lines) + "\n"


def build(*, declared: bool = True) -> dict[str, str]:
    """The generated files, by name relative to ``actions/_facade``; without the ``declared`` methods, only the
    classes the declared modules import (a first run, see :func:`main`)."""
    from actions import _index
    from connector.klaviyo.operations.registry import groups, operation

    with SPEC.open(encoding="utf-8") as handle:
        spec = json.load(handle)
    models = resource_attributes(spec)
    covered = set(_index.COVERED_OPERATIONS)
    # A model lives with the group named after its type (``tag`` in tags), else the first group returning it.
    home: dict[str, str] = {}
    for slug, ids in groups().items():
        for op_id in ids:
            kind = operation(op_id).response_type
            if kind in models:
                home.setdefault(kind, slug)
    for kind in home:
        plural = kind.replace("-", "_") + "s"
        if plural in groups():
            home[kind] = plural
    names = declared_names()
    modules = declared_modules() if declared else {}
    files = {}
    for slug, ids in groups().items():
        ops = [operation(i) for i in ids if i not in covered]
        files[f"{slug}.py"] = group_source(slug, ops, models, spec, home, modules.get(slug))
    for slug in sorted(set(names) - set(groups())):
        files[f"{slug}.py"] = group_source(slug, [], models, spec, home, modules.get(slug))
    for slug in sorted(set(home.values())):
        files[f"models/{slug}.py"] = models_source(slug, sorted(k for k, h in home.items() if h == slug), models, spec)
    files["models/__init__.py"] = '"""Generated models of Klaviyo\'s resources, one module per group."""\n'
    files["groups.py"] = groups_source(sorted({*groups(), *names}))
    return files


def _written(files: Mapping[str, str]) -> Iterator[tuple[Path, str]]:
    (PACKAGE / "models").mkdir(exist_ok=True)
    for name, text in files.items():
        yield PACKAGE / name, text


def stale() -> list[str]:
    """Generated files whose committed text differs from what the registry gives now."""
    files = _written(build())
    return sorted(str(p.name) for p, text in files if not p.exists() or p.read_text(encoding="utf-8") != text)


def main() -> int:
    try:
        files = build()
    except ImportError:
        # A group declared for the first time imports its class before it is generated: write the classes
        # without declared methods first, then with them.
        for path, text in _written(build(declared=False)):
            path.write_text(text, encoding="utf-8")
        for name in [m for m in sys.modules if m.startswith("actions.") and m != __name__]:
            del sys.modules[name]  # imported before the classes were written (or failed to)
        files = build()
    for path, text in _written(files):
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(PACKAGE.parents[1])}")
    return 0


if __name__ == "__main__":  # pragma: no cover - developer tool
    sys.exit(main())
