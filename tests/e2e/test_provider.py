"""The loopback provider speaks the protocol on its own: discovery, JWKS, the authorization
code flow with PKCE through its pages, and an ID token signed with a key from its JWKS."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests

from tests.e2e.fixtures import OIDC_CLIENT, OIDC_PROVIDER_ID


def test_discovery_jwks_and_a_bad_code_refused(stack):
    discovery = requests.get(f"{stack.provider_url}/.well-known/openid-configuration", timeout=10)
    discovery = discovery.json()
    assert discovery["issuer"] == stack.provider_url
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert "code" in discovery["response_types_supported"]

    jwks = requests.get(discovery["jwks_uri"], timeout=10).json()
    assert jwks["keys"]
    assert jwks["keys"][0]["kty"] == "RSA"

    refused = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": "made-up",
            "redirect_uri": "http://127.0.0.1/nowhere",
            "client_id": OIDC_CLIENT["id"],
            "client_secret": OIDC_CLIENT["secret"],
        },
        timeout=10,
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_code_flow_with_pkce_gives_an_id_token_signed_by_a_jwks_key(page, stack):
    discovery = requests.get(
        f"{stack.provider_url}/.well-known/openid-configuration", timeout=10
    ).json()
    person = stack.provider_people["pia"]
    redirect_uri = f"{stack.cadence_url}/accounts/oidc/{OIDC_PROVIDER_ID}/login/callback/"
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)

    # The browser plays the user. Cadence's callback answers the redirect without a token
    # request (it never started this flow: no state of its own), so the code stays unspent.
    redirected: list[str] = []
    page.on(
        "request",
        lambda request: (
            redirected.append(request.url) if request.url.startswith(redirect_uri) else None
        ),
    )
    page.goto(
        discovery["authorization_endpoint"]
        + "?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": OIDC_CLIENT["id"],
                "redirect_uri": redirect_uri,
                "scope": "openid profile email",
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
    )
    page.fill("input[name=login]", person["username"])
    page.fill("input[name=password]", person["password"])
    page.locator("form:has(input[name=password]) button[type=submit]:not([form])").click()
    page.locator("button[value=grant]").click()
    page.wait_for_url(f"{redirect_uri}**")
    query = parse_qs(urlsplit(redirected[0]).query)
    assert query["state"] == [state]
    code = query["code"][0]

    token_request = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": OIDC_CLIENT["id"],
        "client_secret": OIDC_CLIENT["secret"],
    }
    # Without the verifier the code is worthless (PKCE), and it stays unspent.
    refused = requests.post(discovery["token_endpoint"], data=token_request, timeout=10)
    assert refused.status_code == 400
    tokens = requests.post(
        discovery["token_endpoint"], data={**token_request, "code_verifier": verifier}, timeout=10
    )
    assert tokens.status_code == 200, tokens.text
    id_token = tokens.json()["id_token"]

    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(id_token)
    claims = jwt.decode(
        id_token,
        signing_key.key,
        algorithms=discovery["id_token_signing_alg_values_supported"],
        audience=OIDC_CLIENT["id"],
        issuer=stack.provider_url,
    )
    assert claims["nonce"] == nonce
    assert claims["email"] == person["email"]

    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        timeout=10,
    )
    assert userinfo.json()["sub"] == claims["sub"]

    # A code is good once.
    again = requests.post(
        discovery["token_endpoint"], data={**token_request, "code_verifier": verifier}, timeout=10
    )
    assert again.status_code == 400
