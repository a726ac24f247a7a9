"""The loopback provider speaks the protocol: discovery, JWKS, and a token endpoint that
refuses a made-up code."""

import requests

from tests.e2e.fixtures import OIDC_CLIENT


def test_discovery_jwks_and_token_endpoint(stack):
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
