"""User.email_verified and email_verified_at follow allauth's verification of the primary
address: confirmed through the emailed link, a new primary, an OpenID Connect sign-up."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.tests.test_oauth_tokens import (
    FakeIdentityProvider,
    claims_of,
    oidc_app,  # noqa: F401 (fixture)
    oidc_sign_in,
)
from accounts.tests.test_sessions import browser_login

pytestmark = pytest.mark.django_db


def confirmation_link() -> str:
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(0)


def follow_link(link: str, capture) -> None:
    client = Client()
    assert client.get(link).status_code == 200
    with capture(execute=True):
        assert client.post(link).status_code == 302


def reauthenticated(user) -> Client:
    client = browser_login(user)
    response = client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def test_following_the_confirmation_link_marks_the_user_verified(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
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
    user = User.objects.get(username="newbie")
    assert not user.email_verified and user.email_verified_at is None

    follow_link(confirmation_link(), django_capture_on_commit_callbacks)
    user.refresh_from_db()
    assert user.email == "newbie@example.com"
    assert user.email_verified
    assert timezone.now() - user.email_verified_at < timedelta(minutes=1)


def test_a_confirmed_new_primary_address_becomes_the_users_verified_email(
    user, django_capture_on_commit_callbacks
):
    earlier = timezone.now() - timedelta(days=30)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    User.objects.filter(pk=user.pk).update(email_verified=True, email_verified_at=earlier)
    client = reauthenticated(user)

    with django_capture_on_commit_callbacks(execute=True):
        added = client.post("/accounts/email/", {"email": "moved@example.com", "action_add": ""})
    assert added.status_code == 302
    follow_link(confirmation_link(), django_capture_on_commit_callbacks)
    if not EmailAddress.objects.get(email="moved@example.com").primary:
        with django_capture_on_commit_callbacks(execute=True):
            made = client.post(
                "/accounts/email/", {"email": "moved@example.com", "action_primary": ""}
            )
        assert made.status_code == 302

    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert user.email_verified
    assert user.email_verified_at > earlier + timedelta(days=29)


def test_an_unverified_primary_address_resets_the_verification(user):
    # Imported data: the user row says verified, allauth knows of no confirmed address.
    User.objects.filter(pk=user.pk).update(email_verified=True, email_verified_at=timezone.now())
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    EmailAddress.objects.create(user=user, email="second@example.com", verified=False)
    client = reauthenticated(user)

    response = client.post(
        "/accounts/email/", {"email": "second@example.com", "action_primary": ""}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "second@example.com"
    assert not user.email_verified and user.email_verified_at is None


@pytest.mark.usefixtures("oidc_app")
@pytest.mark.parametrize("vouched", [True, False])
def test_an_openid_connect_sign_up_takes_the_providers_word(vouched):
    provider = FakeIdentityProvider(
        tokens={"access_token": "an-access-token", "expires_in": 60},
        claims=claims_of("olivia", verified=vouched),
    )
    assert oidc_sign_in(Client(), provider).status_code == 302
    user = User.objects.get(username="olivia")
    assert user.email == "olivia@idp.example.test"
    assert user.email_verified is vouched
    assert (user.email_verified_at is not None) is vouched
