"""Every sign-in page renders in the site layout; the account pages do their jobs."""

import re

import pytest
from django.test import Client

from accounts.models import ApiKey, UserSession
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LAYOUT_MARK = b'<a class="brand" href="/">Cadence</a>'


def signed_in(user) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/password/reset/key/done/",
    ],
)
def test_anonymous_pages_render_in_the_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert LAYOUT_MARK in response.content
    assert b"cadence.css" in response.content
    assert b"https://" not in response.content.split(b"<body")[0]  # nothing loaded from a CDN


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/profile/",
        "/accounts/sessions/",
        "/accounts/api-keys/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/logout/",
        "/accounts/3rdparty/",
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
    ],
)
def test_signed_in_pages_render_in_the_layout(user, path):
    response = signed_in(user).get(path)
    assert response.status_code == 200, path
    assert LAYOUT_MARK in response.content


def test_totp_setup_page_after_reauthentication(user):
    client = signed_in(user)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 302
    client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    assert LAYOUT_MARK in response.content and b"data:image/svg+xml" in response.content


def test_account_pages_need_sign_in(client):
    for path in ["/accounts/profile/", "/accounts/sessions/", "/accounts/api-keys/"]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_page_offers_configured_oauth_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "github": {"APPS": [{"client_id": "abc", "secret": "def"}], "OAUTH_PKCE_ENABLED": True},
    }
    response = client.get("/accounts/login/")
    assert b"GitHub" in response.content


def test_signup_creates_a_user_with_the_user_role(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newbie@example.com",
            "username": "newbie",
            "password1": "a-long-signup-passphrase-1",
            "password2": "a-long-signup-passphrase-1",
        },
    )
    assert response.status_code == 302
    from accounts.models import User

    user = User.objects.get(username="newbie")
    assert list(user.roles.values_list("name", flat=True)) == ["user"]
    assert user.settings.theme == "system"


def test_profile_page_saves_profile_and_settings(user):
    client = signed_in(user)
    response = client.post(
        "/accounts/profile/",
        {"save_profile": "1", "profile-display_name": "Ada", "profile-bio": "hi"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Ada"
    form = client.get("/accounts/profile/").context["settings_form"]
    data = {
        f"settings-{name}": value
        for name, value in form.initial.items()
        if value not in (None, False)
    }
    data.update(
        {"save_settings": "1", "settings-theme": "dark", "settings-openai_api_key": "sk-abc"}
    )
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 302, response.context["settings_form"].errors
    user.settings.refresh_from_db()
    assert user.settings.theme == "dark" and user.settings.openai_api_key == "sk-abc"
    assert b"sk-abc" not in client.get("/accounts/profile/").content


def test_api_keys_page_shows_a_new_key_once_then_revokes_it(user):
    client = signed_in(user)
    response = client.post("/accounts/api-keys/", {"key_name": "script", "access": "read"})
    assert response.status_code == 200
    key = re.search(rb'value="(cad_[^"]+)"', response.content).group(1).decode()
    api_key = ApiKey.objects.get(user=user)
    assert api_key.permissions == "read"
    assert key.encode() not in client.get("/accounts/api-keys/").content
    assert Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/me/").status_code == 200
    response = client.post(f"/accounts/api-keys/{api_key.pk}/revoke/")
    assert response.status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Api-Key {key}").get("/api/v1/me/").status_code == 401


def test_sessions_page_lists_and_revokes(user):
    current, other = signed_in(user), signed_in(user)
    page = current.get("/accounts/sessions/")
    assert page.content.count(b"Sign out</button>") == 1  # not offered for this session
    assert b"this session" in page.content
    other_row = UserSession.objects.exclude(pk=page.context["current_id"]).get(user=user)
    assert current.post(f"/accounts/sessions/{other_row.pk}/revoke/").status_code == 302
    assert other.get("/api/v1/me/").status_code == 401
    signed_in(user)
    assert current.post("/accounts/sessions/revoke-others/").status_code == 302
    assert UserSession.objects.live().filter(user=user).count() == 1


def test_login_by_email_or_username(user):
    for login in (user.email, user.username.upper()):
        client = Client()
        response = client.post("/accounts/login/", {"login": login, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, login
        assert client.get("/api/v1/me/").status_code == 200


def test_failed_logins_are_rate_limited_per_account(user, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "100/m/ip,3/5m/key",
    }
    client = Client()
    for _ in range(3):
        response = client.post("/accounts/login/", {"login": user.username, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert client.get("/api/v1/me/").status_code == 401
    assert b"Too many failed login attempts" in response.content


def test_oauth_providers_are_installed_with_pkce(settings):
    for provider in ("google", "github", "twitch", "openid_connect"):
        assert f"allauth.socialaccount.providers.{provider}" in settings.INSTALLED_APPS
        assert settings.SOCIALACCOUNT_PROVIDERS[provider]["OAUTH_PKCE_ENABLED"] is True
    assert settings.SOCIALACCOUNT_STORE_TOKENS is True
