"""Credential changes need a person, recently: no API key changes the email address, a session
must have re-authenticated, and the address changes only when the link sent to it is followed.
A taken address is never confirmed, nor told apart."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.clients import (
    app_session,
    browser_session,
    confirmation_link,
    key_client,
    mails_to,
    new_key,
)
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW = "ada.new@example.com"


def patch_me(client, data, capture):
    with capture(execute=True):
        return client.patch("/api/v1/me/", data, format="json")


def follow(link: str, capture) -> None:
    client = Client()
    assert client.get(link).status_code == 200
    with capture(execute=True):
        assert client.post(link).status_code == 302


def test_a_read_write_api_key_cannot_change_the_email(user, django_capture_on_commit_callbacks):
    # The attack: a leaked tracker key sets the address, then a password reset goes there.
    key = new_key(user, ["read", "write"])
    response = patch_me(
        key_client(key),
        {"email": "attacker@evil.test", "display_name": "Owned"},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 403
    assert "API keys can't" in response.json()["detail"]
    user.refresh_from_db()
    assert user.email != "attacker@evil.test"
    assert user.display_name != "Owned"  # nothing of a refused request is written
    assert not EmailAddress.objects.filter(email="attacker@evil.test").exists()
    assert mail.outbox == []
    # So a reset asked for that address finds no account: no token goes there.
    with django_capture_on_commit_callbacks(execute=True):
        APIClient().post("/api/v1/auth/password-reset/", {"email": "attacker@evil.test"})
    [note] = mails_to("attacker@evil.test")
    assert "no account uses this address" in note.body


def test_an_api_key_may_still_change_other_profile_fields(user):
    response = key_client(new_key(user)).patch("/api/v1/me/", {"display_name": "Ada"})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Ada"


@pytest.mark.parametrize("login", [browser_session, app_session], ids=["browser", "app"])
def test_a_session_that_did_not_reauthenticate_gets_403_saying_how(
    user, login, django_capture_on_commit_callbacks
):
    client = login(user, reauthenticated=False)
    response = patch_me(client, {"email": NEW}, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "/_allauth/app/v1/auth/reauthenticate" in detail
    assert "/accounts/reauthenticate/" in detail
    user.refresh_from_db()
    assert user.email != NEW
    assert mail.outbox == []


@pytest.mark.parametrize("login", [browser_session, app_session], ids=["browser", "app"])
def test_a_reauthenticated_session_gets_202_and_the_email_changes_only_when_the_link_is_followed(
    user, login, django_capture_on_commit_callbacks
):
    old = user.email
    client = login(user)
    response = patch_me(
        client, {"email": NEW, "display_name": "Ada N."}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 202, response.content
    assert response.json()["pending_email"] == NEW
    user.refresh_from_db()
    assert user.email == old  # not yet
    assert user.display_name == "Ada N."  # the other fields are saved at once

    [notice] = mails_to(old)
    assert NEW in notice.body and "/accounts/confirm-email/" not in notice.body
    [link_mail] = mails_to(NEW)
    follow(confirmation_link(link_mail), django_capture_on_commit_callbacks)

    user.refresh_from_db()
    assert user.email == NEW
    assert user.email_verified and user.email_verified_at is not None
    # One truth: the confirmed address is the user's one allauth address, and primary.
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "primary")) == [
        (NEW, True)
    ]
    assert client.get("/api/v1/me/").json()["email"] == NEW


def test_the_reauthentication_expires(user, django_capture_on_commit_callbacks):
    client = browser_session(user)
    with override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=0):
        response = patch_me(client, {"email": NEW}, django_capture_on_commit_callbacks)
    assert response.status_code == 403


@pytest.mark.parametrize("taken_by", ["live", "deleted", "verified-address"])
def test_a_taken_address_gets_the_same_answer_and_is_never_confirmed(
    user, taken_by, django_capture_on_commit_callbacks
):
    taken = "taken@example.com"
    if taken_by == "live":
        UserFactory(email=taken)
    elif taken_by == "deleted":
        UserFactory(email=taken, is_deleted=True, deleted_at="2026-01-01T00:00:00Z")
    else:
        other = UserFactory()
        EmailAddress.objects.create(user=other, email=taken, verified=True, primary=False)
    client = browser_session(user)

    free = patch_me(client, {"email": "free@example.com"}, django_capture_on_commit_callbacks)
    answer = patch_me(client, {"email": taken}, django_capture_on_commit_callbacks)

    assert answer.status_code == free.status_code == 202
    assert answer.json().keys() == free.json().keys()
    assert answer.json()["detail"].replace(taken, "X") == free.json()["detail"].replace(
        "free@example.com", "X"
    )
    assert mails_to(taken) == []  # no link, so nothing that could ever confirm it
    assert not EmailAddress.objects.filter(user=user, email=taken).exists()
    # Asking for the taken address dropped the pending free one: only the latest counts.
    assert not EmailAddress.objects.filter(user=user, email="free@example.com").exists()
    user.refresh_from_db()
    assert user.email != taken


def test_a_new_email_that_the_database_would_refuse_is_400(
    user, django_capture_on_commit_callbacks
):
    client = browser_session(user)
    response = patch_me(client, {"email": "ada@localhost"}, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "email" in response.json()
    assert mail.outbox == []


def test_the_same_address_in_another_case_is_no_change(user):
    response = key_client(new_key(user)).patch("/api/v1/me/", {"email": user.email.upper()})
    assert response.status_code == 200
    assert response.json()["email"] == user.email


def test_api_keys_are_no_credentials_for_allauths_account_endpoints(user):
    # allauth's own endpoints for email, password and two-factor take a session only: with a
    # key the caller is anonymous (401, or 409 where allauth means "no sign-up under way").
    client = key_client(new_key(user))
    for method, path in [
        ("post", "/_allauth/app/v1/account/email"),
        ("post", "/_allauth/app/v1/account/password/change"),
        ("get", "/_allauth/app/v1/account/authenticators"),
        ("post", "/_allauth/app/v1/account/authenticators/totp"),
    ]:
        response = getattr(client, method)(path, {"email": NEW}, format="json")
        assert response.status_code in (401, 409), (path, response.status_code)
    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_the_email_page_needs_a_recent_reauthentication(user):
    client = browser_session(user, reauthenticated=False)
    response = client.post("/accounts/email/", {"email": NEW, "action_add": ""}, format="multipart")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email=NEW).exists()


def test_the_email_page_never_confirms_a_taken_address(user, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.com")
    client = browser_session(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/email/",
            {"email": "taken@example.com", "action_add": ""},
            format="multipart",
        )
    assert response.status_code == 302
    assert mails_to("taken@example.com") == []
    assert not EmailAddress.objects.filter(user=user, email="taken@example.com").exists()
    assert User.objects.get(pk=user.pk).email == user.email
