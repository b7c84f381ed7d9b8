"""stub."""
from ..routing import Route
from ..store import Store
from ..wire import Response

ROUTES: list[Route] = []
def media(store: Store, path: str) -> Response:
    return Response(404)
