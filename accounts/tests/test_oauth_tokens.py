"""Third-party OAuth tokens: kept with their expiry after an OpenID Connect sign-in through
the pages, encrypted at rest, and read back with accounts.crypto."""

import json
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.test import Client
from django.utils import timezone

from accounts import crypto
from auditing.models import AuditLog

pytestmark = pytest.mark.django_db

PROVIDER_ID = "testidp"
DISCOVERY_URL = "https://idp.example.test/.well-known/openid-configuration"
OPENID_CONFIGURATION = {
    "issuer": "https://idp.example.test",
    "authorization_endpoint": "https://idp.example.test/authorize",
    "token_endpoint": "https://idp.example.test/token",
    "userinfo_endpoint": "https://idp.example.test/userinfo",
    "jwks_uri": "https://idp.example.test/jwks",
    "token_endpoint_auth_methods_supported": ["client_secret_post"],
}
ACCESS_TOKEN = "idp-access-token-6f1d2c9a8b7e4f30a1b2c3d4e5f60718"
REFRESH_TOKEN = "idp-refresh-token-0a9b8c7d6e5f40312233445566778899"


class _Response:
    def __init__(self, payload: dict):
        self._payload = payload
        self.status_code = 200
        self.headers = {"content-type": "application/json"}
        self.text = json.dumps(payload)
        self.content = self.text.encode()

    def json(self) -> dict:
        return self._payload

    def raise_for_status(self) -> None:
        return None


class FakeIdentityProvider:
    """The provider's side, answering allauth's requests: discovery, the code exchange at
    the token endpoint (no ID token, so the claims come from userinfo)."""

    def __init__(self, *, tokens: dict, claims: dict):
        self.tokens = tokens
        self.claims = claims

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def request(self, method, url, **kwargs):
        answers = {
            DISCOVERY_URL: OPENID_CONFIGURATION,
            OPENID_CONFIGURATION["token_endpoint"]: self.tokens,
            OPENID_CONFIGURATION["userinfo_endpoint"]: self.claims,
        }
        return _Response(answers[url])


@pytest.fixture
def oidc_app(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": "Test identity provider",
                    "client_id": "cadence",
                    "secret": "client-secret",
                    "settings": {"server_url": DISCOVERY_URL},
                }
            ],
        },
    }


def claims_of(username: str, *, verified: bool = True) -> dict:
    return {
        "sub": f"sub-{username}",
        "preferred_username": username,
        "email": f"{username}@idp.example.test",
        "email_verified": verified,
    }


def oidc_sign_in(client: Client, provider: FakeIdentityProvider):
    """Start at Cadence's login button and come back through the callback page."""
    with mock.patch(
        "allauth.socialaccount.adapter.DefaultSocialAccountAdapter.get_requests_session",
        lambda adapter: provider,
    ):
        start = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/")
        assert start.status_code == 302, start.content
        state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
        return client.get(
            f"/accounts/oidc/{PROVIDER_ID}/login/callback/", {"code": "the-code", "state": state}
        )


def test_oauth_tokens_are_stored_encrypted_with_their_expiry(oidc_app):
    client = Client()
    provider = FakeIdentityProvider(
        tokens={
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "expires_in": 3600,
            "token_type": "Bearer",
        },
        claims=claims_of("olivia"),
    )
    assert oidc_sign_in(client, provider).status_code == 302
    assert client.get("/api/v1/me/").json()["username"] == "olivia"

    account = SocialAccount.objects.get(provider=PROVIDER_ID)
    token = SocialToken.objects.get(account=account)
    stored = SocialToken.objects.filter(pk=token.pk).values_list().get()
    assert ACCESS_TOKEN not in str(stored) and REFRESH_TOKEN not in str(stored)
    assert crypto.decrypt(token.token) == ACCESS_TOKEN
    assert crypto.decrypt(token.token_secret) == REFRESH_TOKEN
    expected = timezone.now() + timedelta(hours=1)
    assert abs(token.expires_at - expected) < timedelta(minutes=1)
    audit = AuditLog.objects.filter(entity_type="socialaccount.socialtoken")
    assert audit.exists()
    assert ACCESS_TOKEN not in str(list(audit.values()))


def test_a_later_sign_in_replaces_the_access_token_and_keeps_the_refresh_token(oidc_app):
    first = FakeIdentityProvider(
        tokens={"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "expires_in": 60},
        claims=claims_of("olivia"),
    )
    assert oidc_sign_in(Client(), first).status_code == 302
    # Many providers send no new refresh token; the stored one stays, encrypted once.
    later = FakeIdentityProvider(
        tokens={"access_token": "idp-access-token-second", "expires_in": 7200},
        claims=claims_of("olivia"),
    )
    client = Client()
    assert oidc_sign_in(client, later).status_code == 302
    assert client.get("/api/v1/me/").json()["username"] == "olivia"

    token = SocialToken.objects.get(account__provider=PROVIDER_ID)
    assert crypto.decrypt(token.token) == "idp-access-token-second"
    assert crypto.decrypt(token.token_secret) == REFRESH_TOKEN
    assert token.expires_at > timezone.now() + timedelta(hours=1)
