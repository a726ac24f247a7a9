"""The app API answers a rate-limited login or two-factor code with 429 and Retry-After, as
HTTP says, not with a 400 that reads like a wrong password."""

import pytest
from django.test import Client, override_settings

from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.test_mfa import SECRET, totp_code

pytestmark = pytest.mark.django_db

LIMITS = {"login_failed": "3/m/ip,3/5m/key"}


def app_post(path, body, **headers):
    return Client().post(path, body, content_type="application/json", **headers)


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_a_rate_limited_app_login_is_429_with_retry_after(user):
    wrong = {"username": user.username, "password": "not-the-password"}
    codes = [app_post("/_allauth/app/v1/auth/login", wrong).status_code for _ in range(3)]
    assert codes == [400, 400, 400]
    response = app_post(
        "/_allauth/app/v1/auth/login", {"username": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@override_settings(ACCOUNT_RATE_LIMITS=LIMITS)
def test_rate_limited_two_factor_codes_are_429_with_retry_after(user):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, SECRET)
    client = Client()
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    token = response.json()["meta"]["session_token"]
    codes = [
        client.post(
            "/_allauth/app/v1/auth/2fa/authenticate",
            {"code": "000000"},
            content_type="application/json",
            HTTP_X_SESSION_TOKEN=token,
        ).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [400, 400, 400]
    assert codes[3] == 429
    response = client.post(
        "/_allauth/app/v1/auth/2fa/authenticate",
        {"code": totp_code(SECRET)},
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=token,
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
