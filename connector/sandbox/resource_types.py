"""What the spec says about each resource type: its URL segment, relationships, canonical schema, origin.

Derived once from the operation tables of :mod:`.openapi`:

* the collection segment of a type (``catalog-item`` lives under ``/api/catalog-items``);
* its relationships, from ``/relationships/{name}`` and ``/{id}/{name}`` operations and from the
  ``relationships`` blocks of response schemas (target type, to-one or to-many);
* its canonical resource schema (from Get X, else the list, else the create answer), which fills in the
  attributes a created resource was not given;
* whether a request can create it. Types nothing creates (flow actions, form versions, webhook topics ...) are
  *system-made*: the sandbox builds them from the spec's examples when they are first read.

Example:
    >>> TYPES.segment("catalog-item")
    'catalog-items'
    >>> TYPES.relation("catalog-item", "categories")
    Relation(name='categories', target='catalog-category', many=True)
    >>> TYPES.system_made("flow-action"), TYPES.system_made("tag")
    (True, False)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from .openapi import SPEC, Operation, Spec
from .schema import Schema


@dataclass(frozen=True)
class Relation:
    """A named relationship of a resource type.

    Example:
        >>> Relation("tags", "tag", True).many
        True
    """

    name: str
    target: str
    many: bool


def data_schema(spec: Spec, document: Schema | None) -> tuple[list[Schema], bool]:
    """The resource-object schemas under a document's ``data`` and whether ``data`` is an array.

    Example:
        >>> schemas, many = data_schema(SPEC, SPEC.operation("get_tags").response())
        >>> many, resource_type(SPEC, schemas[0])
        (True, 'tag')
    """
    if document is None:
        return [], False
    data = spec.flat(document).get("properties", {}).get("data")
    if data is None:
        return [], False
    data = spec.flat(data)
    many = data.get("type") == "array"
    if many:
        data = spec.flat(data.get("items", {}))
    branches = data.get("oneOf") or data.get("anyOf")
    return ([spec.flat(b) for b in branches] if branches else [data]), many


def resource_type(spec: Spec, resource: Schema) -> str | None:
    """The single ``type`` a resource-object schema allows, or None.

    Example:
        >>> resource_type(SPEC, {"properties": {"type": {"enum": ["tag"]}}})
        'tag'
    """
    kind = spec.flat(resource.get("properties", {}).get("type", {}))
    values = [v for v in kind.get("enum", []) if v is not None]
    return str(values[0]) if len(values) == 1 else None


def _segments(op: Operation) -> list[str]:
    return op.path.strip("/").split("/")


class ResourceTypes:
    """The type catalog, built on first use.

    Example:
        >>> ResourceTypes(SPEC).segment("tag")
        'tags'
    """

    def __init__(self, spec: Spec) -> None:
        self._spec = spec
        self._lock = threading.Lock()
        self._built = False
        self._segment: dict[str, str] = {}
        self._kind_at: dict[str, str] = {}
        self._relations: dict[str, dict[str, Relation]] = {}
        self._schemas: dict[str, Schema] = {}
        self._creatable: set[str] = set()
        self._listable: set[str] = set()
        self._additional: dict[str, set[str]] = {}
        self._seen: set[str] = set()

    def _ensure(self) -> None:
        if self._built:
            return
        with self._lock:
            if not self._built:
                self._build()
                self._built = True

    def _build(self) -> None:
        ops = list(self._spec.operations().values())
        # GETs first: a type's home is where it is read (``campaign-messages``), not an action endpoint that
        # happens to take it (``campaign-message-assign-template``).
        for op in sorted(ops, key=lambda o: (o.method != "GET", len(_segments(o)))):
            self._learn_segment(op)
        for op in ops:
            self._learn_relations(op)
            self._learn_creation(op)
            for kind, names in op.query.additional.items():
                self._additional.setdefault(kind, set()).update(names)
        for kind in self._seen:
            self._schemas.setdefault(kind, {})

    def _types_of(self, document: Schema | None) -> tuple[list[tuple[str, Schema]], bool]:
        schemas, many = data_schema(self._spec, document)
        found = [(kind, s) for s in schemas if (kind := resource_type(self._spec, s))]
        for kind, schema in found:
            self._seen.add(kind)
            self._learn_schema_relations(kind, schema)
        return found, many

    def _learn_segment(self, op: Operation) -> None:
        segs = _segments(op)
        if len(segs) not in (2, 3) or (len(segs) == 3 and not segs[2].startswith("{")):
            return
        body = op.response() if op.method == "GET" else op.request
        found, _ = self._types_of(body)
        if len(found) != 1:
            return
        kind, schema = found[0]
        if op.method == "GET" and len(segs) == 2:
            self._listable.add(kind)
        self._kind_at.setdefault(segs[1], kind)
        self._segment.setdefault(kind, segs[1])
        # Prefer Get X (item), then List X, then the create answer as the canonical shape of a type.
        if op.method == "GET" and (len(segs) == 3 or kind not in self._schemas):
            self._schemas[kind] = schema
        if op.method == "POST":
            created, _ = self._types_of(op.response())
            for ckind, cschema in created:
                self._schemas.setdefault(ckind, cschema)

    def _learn_relations(self, op: Operation) -> None:
        segs = _segments(op)
        if len(segs) < 4 or not segs[2].startswith("{"):
            return
        owner = self._kind_at.get(segs[1])
        name = segs[4] if segs[3] == "relationships" and len(segs) == 5 else segs[3]
        if owner is None or (segs[3] != "relationships" and len(segs) != 4):
            return
        found, many = self._types_of(op.response() if op.method == "GET" else op.request)
        if len(found) == 1 and (op.method == "GET" or name not in self._relations.get(owner, {})):
            self._relations.setdefault(owner, {})[name] = Relation(name, found[0][0], many)

    def _learn_schema_relations(self, owner: str, resource: Schema) -> None:
        rels = self._spec.flat(resource.get("properties", {}).get("relationships", {}))
        for name, rel in rels.get("properties", {}).items():
            found, many = data_schema(self._spec, rel)
            kinds = [k for s in found if (k := resource_type(self._spec, s))]
            if len(kinds) == 1:
                self._relations.setdefault(owner, {}).setdefault(name, Relation(name, kinds[0], many))

    def _learn_creation(self, op: Operation) -> None:
        # Only POSTs to a collection or action path create; relationship POSTs only link existing resources.
        if op.method != "POST" or op.request is None or len(_segments(op)) != 2:
            return
        found, _ = self._types_of(op.request)
        self._creatable.update(kind for kind, _ in found)
        for _, schema in found:
            self._creatable.update(
                self._nested_types(self._spec.flat(schema.get("properties", {}).get("attributes", {})))
            )

    def _nested_types(self, attrs: Schema) -> set[str]:
        """Types of resource arrays inside a job's attributes (``items.data[]`` of a catalog bulk create ...)."""
        out: set[str] = set()
        for prop in attrs.get("properties", {}).values():
            found, many = data_schema(self._spec, self._spec.flat(prop))
            out.update(k for s in found if many and (k := resource_type(self._spec, s)))
        return out

    # lookups --------------------------------------------------------------------------------------------

    def segment(self, kind: str) -> str | None:
        """The URL segment of a type's collection or items (``catalog-items``), None if it has none.

        Example:
            >>> TYPES.segment("flow-action")
            'flow-actions'
        """
        self._ensure()
        return self._segment.get(kind)

    def kind_at(self, segment: str) -> str | None:
        """The type served under a URL segment.

        Example:
            >>> TYPES.kind_at("tag-groups")
            'tag-group'
        """
        self._ensure()
        return self._kind_at.get(segment)

    def relation(self, kind: str, name: str) -> Relation | None:
        """One relationship of a type.

        Example:
            >>> TYPES.relation("tag", "tag-group")
            Relation(name='tag-group', target='tag-group', many=False)
        """
        self._ensure()
        return self._relations.get(kind, {}).get(name)

    def relations(self, kind: str) -> dict[str, Relation]:
        """Every relationship of a type.

        Example:
            >>> sorted(TYPES.relations("coupon-code"))
            ['coupon', 'profile']
        """
        self._ensure()
        return dict(self._relations.get(kind, {}))

    def schema(self, kind: str) -> Schema:
        """The canonical resource-object schema of a type ({} if the spec never answers with it).

        Example:
            >>> "attributes" in TYPES.schema("tag")["properties"]
            True
        """
        self._ensure()
        return self._schemas.get(kind, {})

    def attributes_schema(self, kind: str) -> Schema:
        """The ``attributes`` schema of a type's canonical resource object.

        Example:
            >>> "name" in TYPES.attributes_schema("tag")["properties"]
            True
        """
        return self._spec.flat(self.schema(kind).get("properties", {}).get("attributes", {}))

    def system_made(self, kind: str) -> bool:
        """True for types no request creates (the sandbox makes them from the spec's examples).

        Example:
            >>> TYPES.system_made("webhook-topic")
            True
        """
        self._ensure()
        return kind in self._seen and kind not in self._creatable

    def additional(self, kind: str) -> frozenset[str]:
        """Attributes of a type returned only when ``additional-fields[type]`` asks for them.

        Example:
            >>> sorted(TYPES.additional("flow"))
            ['definition']
        """
        self._ensure()
        return frozenset(self._additional.get(kind, ()))

    def listable(self, kind: str) -> bool:
        """True if some ``GET`` lists resources of this type.

        Example:
            >>> TYPES.listable("tag"), TYPES.listable("ip-allowlist")
            (True, False)
        """
        self._ensure()
        return kind in self._listable

    def known(self, kind: str) -> bool:
        """True if the spec answers with this type anywhere.

        Example:
            >>> TYPES.known("tag"), TYPES.known("nope")
            (True, False)
        """
        self._ensure()
        return kind in self._seen

    def describe(self) -> dict[str, Any]:
        """A summary for debugging: types, how many relationships, which are system-made.

        Example:
            >>> TYPES.describe()["types"] > 50
            True
        """
        self._ensure()
        return {
            "types": len(self._seen),
            "relations": sum(len(r) for r in self._relations.values()),
            "system_made": sorted(k for k in self._seen if k not in self._creatable),
        }


TYPES = ResourceTypes(SPEC)
