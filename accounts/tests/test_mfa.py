"""Two-factor sign-in (TOTP and recovery codes) and the admin's 2FA rule."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client, override_settings

from accounts import crypto
from accounts.models import UserSession
from accounts.tests.factories import DEFAULT_PASSWORD, StaffUserFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), written here so the test doesn't trust allauth's."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def password_step(user) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Half signed in is not signed in.
    assert client.get("/api/v1/me/").status_code == 401
    return client


def second_step(client: Client, code: str):
    return client.post("/accounts/2fa/authenticate/", {"code": code})


@pytest.fixture
def totp_user(user):
    TOTP.activate(user, SECRET)
    return user


def test_totp_secret_is_encrypted_at_rest(totp_user):
    stored = Authenticator.objects.get(user=totp_user, type="totp").data["secret"]
    assert SECRET not in stored
    assert crypto.decrypt(stored) == SECRET


def test_totp_login_with_a_computed_code(totp_user):
    client = password_step(totp_user)
    response = second_step(client, totp_code(SECRET))
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["id"] == str(totp_user.pk)
    assert UserSession.objects.get(user=totp_user).login_method == "mfa"


def test_wrong_code_is_refused(totp_user):
    client = password_step(totp_user)
    good = totp_code(SECRET)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = second_step(client, wrong)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/api/v1/me/").status_code == 401


def test_a_used_code_is_refused_the_second_time(totp_user):
    code = totp_code(SECRET)
    first = password_step(totp_user)
    assert second_step(first, code).status_code == 302
    again = password_step(totp_user)
    response = second_step(again, code)
    assert response.status_code == 200
    assert again.get("/api/v1/me/").status_code == 401


def test_recovery_code_works_once(totp_user):
    codes = RecoveryCodes.activate(totp_user).get_unused_codes()
    assert codes
    seed = Authenticator.objects.get(user=totp_user, type="recovery_codes").data["seed"]
    assert crypto.decrypt(seed)  # stored encrypted with our key
    first = password_step(totp_user)
    assert second_step(first, codes[0]).status_code == 302
    assert first.get("/api/v1/me/").status_code == 200
    again = password_step(totp_user)
    assert second_step(again, codes[0]).status_code == 200
    assert again.get("/api/v1/me/").status_code == 401


def test_headless_app_login_with_totp(totp_user):
    client = Client()
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"username": totp_user.username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 401
    token = response.json()["meta"]["session_token"]
    assert any(flow["id"] == "mfa_authenticate" for flow in response.json()["data"]["flows"])
    response = client.post(
        "/_allauth/app/v1/auth/2fa/authenticate",
        {"code": totp_code(SECRET)},
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=token,
    )
    assert response.status_code == 200
    token = response.json()["meta"]["session_token"]
    assert Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token).status_code == 200


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_admin_refuses_staff_without_2fa_when_required():
    staff = StaffUserFactory()
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/admin/accounts/user/").status_code == 302


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_admin_admits_staff_with_2fa():
    staff = StaffUserFactory()
    TOTP.activate(staff, SECRET)
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_production_settings_require_2fa_for_the_admin():
    import importlib
    import os

    env = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.com"}
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        production = importlib.import_module("config.settings.production")
        production = importlib.reload(production)
        assert production.ADMIN_REQUIRE_MFA is True
        assert production.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
