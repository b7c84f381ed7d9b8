"""OAuth: authorization code with PKCE S256, refresh-token rotation, revoke, Bearer access to /api."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import requests

from connector.sandbox import Sandbox

from .spec import check

REDIRECT = "http://localhost:8765/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize(sb: Sandbox, challenge: str, **overrides: str) -> requests.Response:
    params = {"response_type": "code", "client_id": sb.oauth_client_id, "redirect_uri": REDIRECT,
              "scope": "lists:read profiles:read", "state": "xyz", "code_challenge_method": "S256",
              "code_challenge": challenge, **overrides}
    return requests.get(sb.url + "/oauth/authorize", params=params, allow_redirects=False, timeout=5)


def token(sb: Sandbox, secret: str | None = None, **form: str) -> requests.Response:
    return requests.post(sb.url + "/oauth/token", data=form, timeout=5,
                         auth=(sb.oauth_client_id, secret or sb.oauth_client_secret))


def get_code(sb: Sandbox, challenge: str) -> str:
    resp = authorize(sb, challenge)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def bearer_get(sb: Sandbox, access: str) -> requests.Response:
    return requests.get(sb.url + "/api/lists", timeout=5,
                        headers={"Authorization": f"Bearer {access}", "revision": "2026-07-15"})


def test_full_pkce_flow_with_refresh_rotation(sandbox: Sandbox) -> None:
    verifier, challenge = pkce()
    code = get_code(sandbox, challenge)
    resp = token(sandbox, grant_type="authorization_code", code=code, code_verifier=verifier,
                 redirect_uri=REDIRECT)
    assert resp.status_code == 200, resp.text
    tokens = resp.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert tokens["scope"] == "lists:read profiles:read"
    api_resp = bearer_get(sandbox, tokens["access_token"])
    assert api_resp.status_code == 200
    check(api_resp, request=False)  # the spec only declares the API-key scheme

    # the code is single use
    again = token(sandbox, grant_type="authorization_code", code=code, code_verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    sandbox.expire_access_tokens()
    assert bearer_get(sandbox, tokens["access_token"]).status_code == 401
    refreshed = token(sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert bearer_get(sandbox, new["access_token"]).status_code == 200
    reused = token(sandbox, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    revoke = requests.post(sandbox.url + "/oauth/revoke", data={"token": new["refresh_token"],
                           "token_type_hint": "refresh_token"},
                           auth=(sandbox.oauth_client_id, sandbox.oauth_client_secret), timeout=5)
    assert revoke.status_code == 200
    assert bearer_get(sandbox, new["access_token"]).status_code == 401
    after = token(sandbox, grant_type="refresh_token", refresh_token=new["refresh_token"])
    assert after.json()["error"] == "invalid_grant"


def test_wrong_verifier_is_invalid_grant(sandbox: Sandbox) -> None:
    _, challenge = pkce()
    code = get_code(sandbox, challenge)
    resp = token(sandbox, grant_type="authorization_code", code=code, code_verifier=pkce()[0])
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_grant"


def test_bad_client_credentials_are_invalid_client(sandbox: Sandbox) -> None:
    verifier, challenge = pkce()
    code = get_code(sandbox, challenge)
    resp = token(sandbox, secret="wrong", grant_type="authorization_code", code=code, code_verifier=verifier)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    no_auth = requests.post(sandbox.url + "/oauth/token", data={"grant_type": "refresh_token"}, timeout=5)
    assert no_auth.status_code == 401


def test_authorize_validation(sandbox: Sandbox) -> None:
    _, challenge = pkce()
    assert authorize(sandbox, challenge, client_id="unknown").status_code == 400
    assert authorize(sandbox, challenge, redirect_uri="not a url").status_code == 400
    for override in ({"code_challenge_method": "plain"}, {"response_type": "token"}, {"state": ""}):
        resp = authorize(sandbox, challenge, **override)
        assert resp.status_code == 302
        assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["invalid_request"]


def test_registered_client_only_accepts_its_redirect_uri(sandbox: Sandbox) -> None:
    sandbox.register_oauth_client("my-app", "my-secret", [REDIRECT])
    _, challenge = pkce()
    assert authorize(sandbox, challenge, client_id="my-app").status_code == 302
    assert authorize(sandbox, challenge, client_id="my-app",
                     redirect_uri="http://localhost:9/other").status_code == 400


def test_unsupported_grant_type(sandbox: Sandbox) -> None:
    resp = token(sandbox, grant_type="password")
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"
