"""Fixtures for the sandbox tests: the plugin's ``sandbox``/``sandbox_factory`` and a validating ``api`` client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector.sandbox import Sandbox

from .spec import check

# The ``sandbox`` / ``sandbox_factory`` fixtures come from connector.sandbox.pytest_plugin, registered by the
# package's pytest11 entry point (tests/conftest.py registers it when that did not happen).


class Api:
    """A keep-alive ``requests`` session for one sandbox that checks every exchange against the spec."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.session = requests.Session()
        self.session.headers.update(sb.headers())

    def call(self, method: str, path: str, *, validate: bool = True, validate_request: bool = True,
             **kwargs: Any) -> requests.Response:
        if "json" in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/vnd.api+json"
        resp = self.session.request(method, path if path.startswith("http") else self.sb.url + path,
                                    timeout=10, **kwargs)
        if validate:
            check(resp, request=validate_request)
        return resp

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[Api]:
    client = Api(sandbox)
    yield client
    client.session.close()


def make_list(api: Api, name: str = "Newsletter", **attrs: Any) -> str:
    resp = api.post("/api/lists", json={"data": {"type": "list", "attributes": {"name": name, **attrs}}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])


def make_profile(api: Api, **attrs: Any) -> str:
    resp = api.post("/api/profiles", json={"data": {"type": "profile", "attributes": attrs}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["data"]["id"])
