"""Recovery ends what leaked: signing other sessions out and resetting the password can revoke
every API key, and the reset and password-changed mails list the keys that still work."""

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiKey, PasswordResetToken
from accounts.tests.clients import app_session, browser_session, key_client, mails_to
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def keys_of(user, *names):
    return [services.api_key_create(user=user, key_name=name) for name in names]


def works(key: str) -> bool:
    return key_client(key).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("login", [browser_session, app_session], ids=["browser", "app"])
def test_revoke_others_with_include_api_keys_revokes_every_key(user, login):
    (_, leaked), (_, tracker) = keys_of(user, "leaked", "tracker")
    other_browser = browser_session(user, reauthenticated=False)
    client = login(user, reauthenticated=False)

    response = client.post(
        "/api/v1/me/sessions/revoke-others/", {"include_api_keys": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"revoked": 1, "api_keys_revoked": 2}
    assert not works(leaked) and not works(tracker)
    assert other_browser.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 200  # the caller's own session stays
    assert not ApiKey.objects.usable().filter(user=user).exists()


def test_revoke_others_without_the_flag_leaves_keys_alone(user):
    [(_, key)] = keys_of(user, "ci")
    client = browser_session(user, reauthenticated=False)
    response = client.post("/api/v1/me/sessions/revoke-others/", {}, format="json")
    assert response.json() == {"revoked": 0}
    assert works(key)


def test_revoke_others_refuses_a_bad_flag(user):
    client = browser_session(user, reauthenticated=False)
    response = client.post(
        "/api/v1/me/sessions/revoke-others/", {"include_api_keys": "perhaps"}, format="json"
    )
    assert response.status_code == 400 and "include_api_keys" in response.json()


def test_the_sessions_page_can_revoke_every_key_too(user):
    [(_, key)] = keys_of(user, "ci")
    client = Client()
    client.post("/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD})
    client.post("/accounts/sessions/revoke-others/", {"include_api_keys": "on"})
    assert not works(key)


def reset_token_mail(user, capture) -> str:
    with capture(execute=True):
        response = APIClient().post("/api/v1/auth/password-reset/", {"email": user.email})
    assert response.status_code == 202
    [message] = mails_to(user.email)
    return message.body


def token_in(body: str) -> str:
    return re.search(r"^([A-Za-z0-9_-]{40,})$", body, re.MULTILINE).group(1)


def test_the_reset_mail_lists_the_keys_that_still_work(user, django_capture_on_commit_callbacks):
    (dead, _), (live, _) = keys_of(user, "old laptop", "tracker")
    services.api_key_revoke(api_key=dead)
    body = reset_token_mail(user, django_capture_on_commit_callbacks)
    assert "tracker" in body and live.prefix in body
    assert "old laptop" not in body
    assert "revoke_api_keys" in body


def test_reset_confirm_with_revoke_api_keys_ends_every_key(
    user, django_capture_on_commit_callbacks
):
    # The attack: after a leak the owner resets the password; the leaked key must die too.
    (_, leaked), (_, tracker) = keys_of(user, "leaked", "tracker")
    token = token_in(reset_token_mail(user, django_capture_on_commit_callbacks))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/auth/password-reset/confirm/",
            {"token": token, "new_password": NEW_PASSWORD, "revoke_api_keys": True},
            format="json",
        )
    assert response.status_code == 204
    assert not works(leaked) and not works(tracker)
    [changed] = mails_to(user.email)
    assert "No API key of your account works any more" in changed.body


def test_reset_confirm_keeps_keys_unless_asked_and_says_which_still_work(
    user, django_capture_on_commit_callbacks
):
    [(_, key)] = keys_of(user, "tracker")
    token = token_in(reset_token_mail(user, django_capture_on_commit_callbacks))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/auth/password-reset/confirm/",
            {"token": token, "new_password": NEW_PASSWORD},
            format="json",
        )
    assert response.status_code == 204
    assert works(key)
    [changed] = mails_to(user.email)
    assert "password of your Cadence account was just changed" in changed.body
    assert "tracker" in changed.body


def test_a_bad_revoke_flag_is_400_and_spends_nothing(user):
    row, token = services.password_reset_token_issue(user=user)
    response = APIClient().post(
        "/api/v1/auth/password-reset/confirm/",
        {"token": token, "new_password": NEW_PASSWORD, "revoke_api_keys": "maybe"},
        format="json",
    )
    assert response.status_code == 400 and "revoke_api_keys" in response.json()
    row.refresh_from_db()
    assert row.use_count == 0


def reset_page(client, user, capture):
    with capture(execute=True):
        client.post("/accounts/password/reset/", {"email": user.email})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    return page


@pytest.mark.parametrize("revoke", [True, False])
def test_the_reset_page_offers_a_checked_box_to_revoke_every_key(
    user, revoke, django_capture_on_commit_callbacks
):
    [(_, key)] = keys_of(user, "tracker")
    client = Client()
    page = reset_page(client, user, django_capture_on_commit_callbacks)
    box = re.search(rb'<input[^>]*name="revoke_api_keys"[^>]*>', page.content).group(0)
    assert b'type="checkbox"' in box and b"checked" in box
    assert b"tracker" in page.content  # the keys it would revoke are named
    form_url = page.redirect_chain[-1][0]
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    if revoke:
        data["revoke_api_keys"] = "on"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(form_url, data)
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert works(key) is not revoke
    assert PasswordResetToken.objects.get(user=user).use_count == 1
    [changed] = mails_to(user.email)
    assert ("tracker" in changed.body) is not revoke
