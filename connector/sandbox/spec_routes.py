"""Routes for every spec operation that has no hand-made handler, chosen by the shape of its path.

The hand-made routes (:func:`.resources.all_routes`) are matched first and override these; this table is built
lazily, the first time a request matches no hand-made route, because it needs the parsed spec.

Example:
    >>> routes = spec_routes(set())
    >>> len(routes)
    345
    >>> next(r for r in routes if r.op == "tag_lists").handler.__name__
    'change_relationship'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, update_wrapper

from .openapi import SPEC, Operation
from .routing import Ctx, Route
from .wire import Response

Handler = Callable[[Ctx], Response]


def _bind(function: Callable[[Operation, Ctx], Response], op: Operation) -> Handler:
    bound = partial(function, op)
    update_wrapper(bound, function)
    return bound


def choose(op: Operation) -> Handler:
    """The handler of one operation.

    Example:
        >>> choose(SPEC.operation("get_flow_ids_for_tag")).__name__
        'get_relationship'
    """
    from .resources import actions, aggregates, client, generic, generic_jobs, reports

    special: dict[str, Callable[[Operation, Ctx], Response]] = {
        "create_campaign_clone": actions.clone_campaign,
        "clone_template": actions.clone_template,
        "render_template": actions.render_template,
        "assign_template_to_campaign_message": actions.assign_template,
        "merge_profiles": actions.merge_profiles,
        "query_metric_aggregates": aggregates.query_metric_aggregates,
        **client.HANDLERS,
    }
    if op.op_id in special:
        return _bind(special[op.op_id], op)
    segments = op.path.strip("/").split("/")
    if op.path.endswith("-reports") and op.method == "POST":
        return reports.handler(op)
    if len(segments) == 2:
        if op.method == "GET":
            return _bind(generic.list_resources, op)
        if segments[1].endswith("-jobs"):
            return _bind(generic_jobs.create_job, op)
        return _bind(generic.create_resource, op)
    if len(segments) == 3:
        by_method = {"GET": generic.get_resource, "PATCH": generic.update_resource, "DELETE": generic.delete_resource}
        return _bind(by_method[op.method], op)
    if len(segments) == 5 and segments[3] == "relationships":
        if op.method == "GET":
            return _bind(generic.get_relationship, op)
        return _bind(generic.change_relationship, op)
    return _bind(generic.get_related, op)


def spec_routes(hand_made: set[str]) -> list[Route]:
    """A :class:`~.routing.Route` for every operation whose id is not in ``hand_made``.

    Example:
        >>> [r.op for r in spec_routes(set()) if r.public][:2]
        ['get_client_review_values_reports', 'get_client_reviews']
    """
    routes = []
    for op in SPEC.operations().values():
        if op.op_id in hand_made:
            continue
        body = "multipart" if op.multipart else "json"
        routes.append(Route(op.method, op.path, op.op_id, choose(op), op.query, body, op.public))
    return routes
