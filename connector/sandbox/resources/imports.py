"""stub."""
from ..routing import Route
from ..store import Store

KIND = "profile-bulk-import-job"
ROUTES: list[Route] = []
def process(store: Store, job_id: str) -> None: ...
