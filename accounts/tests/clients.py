"""Clients that authenticate the ways real callers do: an API key, a browser session, an app's
X-Session-Token, each with or without a recent re-authentication."""

import re

from django.core import mail
from rest_framework.test import APIClient

from accounts import services
from accounts.tests.factories import DEFAULT_PASSWORD


def key_client(key: str, **extra) -> APIClient:
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def new_key(user, scopes: list[str] | None = None, name: str = "tracker") -> str:
    _, key = services.api_key_create(user=user, key_name=name, permissions=scopes)
    return key


def browser_session(user, *, reauthenticated: bool = True) -> APIClient:
    """Signed in through the sign-in page (a session cookie), and re-authenticated on allauth's
    page when asked to."""
    client = APIClient()
    response = client.post(
        "/accounts/login/",
        {"login": user.username, "password": DEFAULT_PASSWORD},
        format="multipart",
    )
    assert response.status_code == 302, response.content
    if reauthenticated:
        response = client.post(
            "/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD}, format="multipart"
        )
        assert response.status_code == 302, response.content
    return client


def app_session(user, *, reauthenticated: bool = True) -> APIClient:
    """Signed in through allauth headless, sending its X-Session-Token like an app."""
    client = APIClient()
    response = client.post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    token = response.json()["meta"]["session_token"]
    # Only the token: no cookie may stand in for it.
    client.cookies.clear()
    client.credentials(HTTP_X_SESSION_TOKEN=token)
    if reauthenticated:
        response = client.post(
            "/_allauth/app/v1/auth/reauthenticate", {"password": DEFAULT_PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
    return client


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def confirmation_link(message) -> str:
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert found, message.body
    return found.group(0)
