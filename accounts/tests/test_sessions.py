"""Tracked sessions: created at login, hashed, listed, and ended at once when revoked."""

import pytest
from django.conf import settings
from django.test import Client

from accounts import tokens
from accounts.models import UserSession
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def browser_login(user, client=None, **extra) -> Client:
    client = client or Client(**extra)
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.content
    return client


def app_login(client: Client, user) -> str:
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_login_creates_a_tracked_session_keyed_by_a_hash(user):
    client = browser_login(user, HTTP_USER_AGENT="Firefox/140")
    key = session_key(client)
    session = UserSession.objects.get(user=user)
    assert session.session_key_hash == tokens.digest(key)
    assert session.kind == "browser" and session.login_method == "password"
    assert session.client_ip == "127.0.0.1" and session.user_agent == "Firefox/140"
    assert session.is_active and session.expires_at
    stored = " ".join(map(str, UserSession.objects.filter(pk=session.pk).values_list().get()))
    assert key not in stored


def test_login_issues_a_new_session_key(user):
    client = Client()
    store = client.session
    store["visited"] = True
    store.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    before = store.session_key
    browser_login(user, client)
    assert session_key(client) != before


def test_requests_are_counted_on_the_session(user):
    client = browser_login(user)
    client.get("/api/v1/me/")
    client.get("/api/v1/me/")
    assert UserSession.objects.get(user=user).request_count >= 2


def test_revoked_browser_session_stops_working_on_its_next_request(user):
    phone, laptop = browser_login(user), browser_login(user)
    assert phone.get("/api/v1/me/").status_code == 200
    phone_session = UserSession.objects.get(session_key_hash=tokens.digest(session_key(phone)))
    assert laptop.delete(f"/api/v1/me/sessions/{phone_session.pk}/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert phone.get("/accounts/profile/").status_code == 302
    assert laptop.get("/api/v1/me/").status_code == 200


def test_revoked_app_token_stops_working_on_its_next_request(user):
    client = Client()
    token = app_login(client, user)
    headers = {"HTTP_X_SESSION_TOKEN": token}
    assert Client().get("/api/v1/me/", **headers).status_code == 200
    session = UserSession.objects.get(session_key_hash=tokens.digest(token))
    assert session.kind == "app"
    other = browser_login(user)
    assert other.delete(f"/api/v1/me/sessions/{session.pk}/").status_code == 204
    assert Client().get("/api/v1/me/", **headers).status_code == 401
    assert Client().get("/_allauth/app/v1/auth/session", **headers).status_code in {401, 410}


def test_revoke_others_keeps_only_the_current_session(user):
    current, other, third = browser_login(user), browser_login(user), browser_login(user)
    response = current.post("/api/v1/me/sessions/revoke-others/")
    assert response.status_code == 200 and response.json() == {"revoked": 2}
    assert current.get("/api/v1/me/").status_code == 200
    assert other.get("/api/v1/me/").status_code == 401
    assert third.get("/api/v1/me/").status_code == 401
    listed = current.get("/api/v1/me/sessions/").json()["results"]
    assert len(listed) == 1 and listed[0]["is_current"] is True


def test_is_current_marks_the_requesting_session(user):
    current, _ = browser_login(user), browser_login(user)
    flags = sorted(
        item["is_current"] for item in current.get("/api/v1/me/sessions/").json()["results"]
    )
    assert flags == [False, True]


def test_logout_closes_the_session(user):
    client = browser_login(user)
    client.post("/accounts/logout/")
    session = UserSession.objects.get(user=user)
    assert not session.is_active and session.revocation_reason == "logout"


def test_another_users_session_cannot_be_revoked(user, other_user):
    mine = browser_login(user)
    theirs = browser_login(other_user)
    their_session = UserSession.objects.get(user=other_user)
    assert mine.delete(f"/api/v1/me/sessions/{their_session.pk}/").status_code == 404
    assert mine.post(f"/accounts/sessions/{their_session.pk}/revoke/").status_code == 404
    assert theirs.get("/api/v1/me/").status_code == 200


def test_password_change_ends_the_other_sessions(user):
    current, other = browser_login(user), browser_login(user)
    response = current.post(
        "/accounts/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a-new-long-passphrase-9",
            "password2": "a-new-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert other.get("/api/v1/me/").status_code == 401
    assert current.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    ("records", "method"),
    [
        ([], "password"),
        ([{"method": "password"}], "password"),
        ([{"method": "socialaccount", "provider": "github"}], "github"),
        ([{"method": "password"}, {"method": "mfa", "type": "totp"}], "mfa"),
    ],
)
def test_login_method_comes_from_allauths_records(rf, records, method):
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.selectors import login_method_of

    request = rf.get("/")
    request.session = SessionStore()
    request.session["account_authentication_methods"] = records
    assert login_method_of(request) == method


def test_a_request_from_another_address_flags_the_session(user):
    client = browser_login(user)
    client.get("/api/v1/me/")
    assert not UserSession.objects.get(user=user).suspicious_activity
    client.get("/api/v1/me/", REMOTE_ADDR="203.0.113.9")
    assert UserSession.objects.get(user=user).suspicious_activity
