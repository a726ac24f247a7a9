"""Sessions at rest: a copy of django_session holds no usable session key and no readable
session data (signed-in user, a TOTP secret being set up)."""

import base64
import zlib

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import async_to_sync
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import tokens
from accounts.models import UserSession
from accounts.sessions import SessionStore, stored_key
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.test_mfa import totp_code
from accounts.tests.test_sessions import app_login, browser_login, session_key

pytestmark = pytest.mark.django_db


def dumped_rows() -> list[tuple[str, str]]:
    """django_session as a database dump shows it."""
    return list(Session.objects.values_list("session_key", "session_data"))


def readable(session_data: str) -> str:
    """What a row's data gives away without any key: Django's signed encoding is base64
    (zlib-compressed when marked with a dot) JSON in front of its signature."""
    payload = session_data.split(":", 1)[0]
    body = payload.removeprefix(".")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if payload.startswith("."):
            raw = zlib.decompress(raw)
    except (ValueError, zlib.error):
        return session_data
    return raw.decode("utf-8", "replace")


def test_a_signed_in_session_is_stored_under_a_digest_with_unreadable_data(user):
    client = browser_login(user)
    key = session_key(client)
    rows = dumped_rows()
    assert rows
    for stored, data in rows:
        assert stored != key and key not in stored
        assert key not in data and key not in readable(data)
        # The data names the signed-in user in Django's encoding; here it can't be read.
        assert str(user.pk) not in readable(data)
    assert Session.objects.filter(session_key=stored_key(key)).exists()
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/accounts/profile/").status_code == 200


def test_a_key_copied_from_the_table_is_no_session(user):
    browser_login(user)
    app_login(Client(), user)
    rows = dumped_rows()
    assert len(rows) == 2
    for stored, _ in rows:
        thief = Client()
        thief.cookies["sessionid"] = stored
        assert thief.get("/api/v1/me/").status_code == 401
        assert thief.get("/accounts/profile/").status_code == 302
        assert Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=stored).status_code == 401
        headless = Client().get("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=stored)
        assert headless.status_code in {401, 410}


def test_an_app_session_token_is_not_stored_and_still_works(user):
    token = app_login(Client(), user)
    for stored, data in dumped_rows():
        assert token not in stored and token not in data and token not in readable(data)
    assert Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token).status_code == 200
    session = Client().get("/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token)
    assert session.status_code == 200


def test_a_revoked_session_stops_working_and_its_row_is_gone(user):
    phone, laptop = browser_login(user), browser_login(user)
    token = app_login(Client(), user)
    phone_key = session_key(phone)
    for key in (phone_key, token):
        tracked = UserSession.objects.get(session_key_hash=tokens.digest(key))
        assert laptop.delete(f"/api/v1/me/sessions/{tracked.pk}/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert Client().get("/api/v1/me/", HTTP_X_SESSION_TOKEN=token).status_code == 401
    assert not Session.objects.filter(session_key=stored_key(phone_key)).exists()
    assert not Session.objects.filter(session_key=stored_key(token)).exists()
    assert laptop.get("/api/v1/me/").status_code == 200


def test_logout_deletes_the_row(user):
    client = browser_login(user)
    key = session_key(client)
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=stored_key(key)).exists()
    assert client.get("/api/v1/me/").status_code == 401


def test_tampered_session_data_is_an_empty_session_not_an_error(user):
    client = browser_login(user)
    Session.objects.filter(session_key=stored_key(session_key(client))).update(
        session_data="not-encrypted"
    )
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/accounts/profile/").status_code == 302


def test_an_abandoned_totp_setup_leaves_no_readable_secret(user):
    client = browser_login(user)
    reauthenticated = client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert reauthenticated.status_code == 302
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret
    for _, data in dumped_rows():
        assert secret not in data and secret not in readable(data)
    # The pending secret is still there for the person finishing the set-up.
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()


def test_the_async_interface_keys_rows_by_the_digest_too():
    async def round_trip() -> dict:
        store = SessionStore()
        store["pending"] = "value"
        await store.asave()
        key = store.session_key
        assert not await Session.objects.filter(session_key=key).aexists()
        assert await Session.objects.filter(session_key=stored_key(key)).aexists()
        loaded = await SessionStore(key).aload()
        await SessionStore(key).adelete()
        assert not await SessionStore().aexists(key)
        return loaded

    assert async_to_sync(round_trip)() == {"pending": "value"}
    assert not Session.objects.exists()
