"""stub."""

from ..routing import Route

ROUTES: list[Route] = []
