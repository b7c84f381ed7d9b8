"""The sandbox's hand-written tables agree with the spec: routes, rate limits and filter allow-lists."""

from __future__ import annotations

from connector.sandbox.ratelimit_table import LIMITS
from connector.sandbox.resources import all_routes

from .spec import spec_dict


def operations() -> dict[str, tuple[str, str, dict]]:  # type: ignore[type-arg]
    out = {}
    for path, item in spec_dict()["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out[op["operationId"]] = (path, method.upper(), op)
    return out


def per(text: str) -> int:
    return int(text.split("/")[0])


def test_every_route_is_a_spec_operation_on_the_same_path_and_method() -> None:
    ops = operations()
    for route in all_routes():
        path, method, _ = ops[route.op]
        assert (route.path, route.method) == (path, method), route.op


def test_rate_limit_table_equals_the_spec() -> None:
    ops = operations()
    for op_id, limits in LIMITS.items():
        spec = ops[op_id][2]["x-klaviyo-ratelimit"]
        daily = per(spec["daily"]) if "daily" in spec else None
        assert (limits.burst, limits.steady, limits.daily) == (per(spec["burst"]), per(spec["steady"]), daily), op_id
    assert {r.op for r in all_routes()} <= set(LIMITS)


def test_filter_allow_lists_equal_the_spec() -> None:
    ops = operations()
    for route in all_routes():
        spec_filters = ops[route.op][2].get("x-klaviyo-filters")
        ours = route.query.filters
        if spec_filters is None:
            assert ours is None, route.op
            continue
        assert ours is not None, route.op
        assert set(ours) == set(spec_filters), route.op
        for field, rule in ours.items():
            allowed = {o for group in spec_filters[field]["operators"].values() for o in group}
            assert rule.ops == allowed, (route.op, field)


def test_page_size_limits_equal_the_spec() -> None:
    ops = operations()
    for route in all_routes():
        params = {p["name"]: p for p in ops[route.op][2].get("parameters", [])}
        size = params.get("page[size]")
        if size is None:
            assert route.query.page is None, route.op
        else:
            schema = size["schema"]
            assert route.query.page == (schema["default"], schema["maximum"]), route.op


def test_sort_include_and_fieldsets_equal_the_spec() -> None:
    ops = operations()
    for route in all_routes():
        params = {p["name"]: p for p in ops[route.op][2].get("parameters", [])}
        sort = params.get("sort")
        expected = {s.lstrip("-") for s in sort["schema"]["enum"]} if sort else set()
        assert set(route.query.sorts) == expected, route.op
        include = params.get("include")
        assert route.query.include == (set(include["schema"]["items"]["enum"]) if include else set()), route.op
        fieldsets = {name[len("fields["):-1]: p for name, p in params.items() if name.startswith("fields[")}
        assert set(route.query.fields) == set(fieldsets), route.op
        for kind, param in fieldsets.items():
            top = {name.split(".")[0] for name in param["schema"]["items"]["enum"]}
            assert route.query.fields[kind] == top, (route.op, kind)
