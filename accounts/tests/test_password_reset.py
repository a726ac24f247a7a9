"""Password reset: hashed single-use tokens that expire, shared by the API and the pages."""

import re
import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services, tokens
from accounts.models import PasswordResetToken, UserSession
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from auditing.models import AuditLog

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def request_reset(email, capture):
    with capture(execute=True):
        response = APIClient().post("/api/v1/auth/password-reset/", {"email": email})
    assert response.status_code == 202
    return response


def emailed_token() -> str:
    body = mail.outbox[-1].body
    return re.search(r"^([A-Za-z0-9_-]{40,})$", body, re.MULTILINE).group(1)


def confirm(token, password=NEW_PASSWORD):
    return APIClient().post(
        "/api/v1/auth/password-reset/confirm/", {"token": token, "new_password": password}
    )


def test_unknown_and_known_addresses_get_the_same_answer(user, django_capture_on_commit_callbacks):
    known = request_reset(user.email, django_capture_on_commit_callbacks)
    unknown = request_reset("nobody@example.com", django_capture_on_commit_callbacks)
    assert known.json() == unknown.json()
    # The account gets its token; the address without one a note saying so.
    assert [message.to for message in mail.outbox] == [[user.email], ["nobody@example.com"]]
    assert "no account uses this address" in mail.outbox[1].body


def test_token_is_stored_only_as_its_sha256(user, django_capture_on_commit_callbacks):
    request_reset(user.email, django_capture_on_commit_callbacks)
    token = emailed_token()
    row = PasswordResetToken.objects.get(user=user)
    assert row.token_hash == tokens.digest(token)
    stored = " ".join(map(str, PasswordResetToken.objects.filter(pk=row.pk).values_list().get()))
    assert token not in stored
    assert row.client_ip == "127.0.0.1"
    assert abs(row.expires_at - row.created_at - timedelta(hours=1)) < timedelta(seconds=5)


def test_confirm_sets_the_password_once(user, django_capture_on_commit_callbacks):
    request_reset(user.email, django_capture_on_commit_callbacks)
    token = emailed_token()
    assert confirm(token).status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    row = PasswordResetToken.objects.get(user=user)
    assert row.use_count == 1 and row.used_at
    again = confirm(token, "yet-another-passphrase-77")
    assert again.status_code == 400 and "token" in again.json()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_expired_token_is_refused(user):
    row, token = services.password_reset_token_issue(user=user)
    PasswordResetToken.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert confirm(token).status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_new_request_revokes_the_previous_token(user):
    first_row, first = services.password_reset_token_issue(user=user)
    second_row, second = services.password_reset_token_issue(user=user)
    first_row.refresh_from_db()
    assert first_row.revoked_at and first_row.revocation_reason == "superseded"
    assert second_row.previous_token_id == first_row.pk
    assert confirm(first).status_code == 400
    assert confirm(second).status_code == 204


def test_unknown_and_foreign_shaped_tokens_are_refused(user):
    assert confirm("not-a-token").status_code == 400
    assert confirm(tokens.new_secret()).status_code == 400
    # Another user's token resets that user's password, never the requester's account.
    other = UserFactory()
    _, token = services.password_reset_token_issue(user=other)
    assert confirm(token).status_code == 204
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_weak_password_is_400_and_keeps_the_token(user):
    row, token = services.password_reset_token_issue(user=user)
    response = confirm(token, "123")
    assert response.status_code == 400 and "new_password" in response.json()
    row.refresh_from_db()
    assert row.use_count == 0
    assert confirm(token).status_code == 204


def test_reset_ends_every_session_of_the_user(user):
    client = Client()
    client.post("/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD})
    assert client.get("/api/v1/me/").status_code == 200
    _, token = services.password_reset_token_issue(user=user)
    assert confirm(token).status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert not UserSession.objects.live().filter(user=user).exists()


@override_settings(
    ACCOUNTS_THROTTLE_RATES={"password_reset": "100/hour", "password_reset_email": "2/hour"}
)
def test_requests_for_one_address_are_rate_limited(user, django_capture_on_commit_callbacks):
    request_reset(user.email, django_capture_on_commit_callbacks)
    request_reset(user.email, django_capture_on_commit_callbacks)
    response = APIClient().post("/api/v1/auth/password-reset/", {"email": user.email})
    assert response.status_code == 429


def test_bad_email_is_400():
    response = APIClient().post("/api/v1/auth/password-reset/", {"email": "nope"})
    assert response.status_code == 400


def test_the_allauth_reset_pages_use_the_same_single_use_tokens(
    user, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    row = PasswordResetToken.objects.get(user=user)
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    key = link.rstrip("/").rsplit("-", 1)[-1]
    assert key not in " ".join(
        map(str, PasswordResetToken.objects.filter(pk=row.pk).values_list().get())
    )
    page = client.get(link, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    row.refresh_from_db()
    assert row.use_count == 1
    # The same link is dead now, on the page and through the API.
    again = Client().get(link, follow=True)
    assert again.context["token_fail"] is True
    assert confirm(key).status_code == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirms_admit_exactly_one():
    user = UserFactory()
    _, token = services.password_reset_token_issue(user=user)
    results, barrier = [], threading.Barrier(4)

    def attempt(index):
        try:
            barrier.wait()
            response = confirm(token, f"racing-passphrase-{index}-xyz")
            results.append((index, response.status_code))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for _, code in results)
    assert codes == [204, 400, 400, 400]
    winner = next(index for index, code in results if code == 204)
    user.refresh_from_db()
    assert user.check_password(f"racing-passphrase-{winner}-xyz")
    assert PasswordResetToken.objects.get(user=user).use_count == 1


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down: every message is kept for the test, then refused."""

    attempted: list = []

    def send_messages(self, email_messages):
        RefusingBackend.attempted.extend(email_messages)
        raise smtplib.SMTPException("connection refused")


@pytest.mark.django_db(transaction=True)
@override_settings(MAILERS={"default": {"BACKEND": f"{__name__}.RefusingBackend"}})
def test_a_mail_server_that_is_down_does_not_fail_the_request():
    # A transactional test: the request's own commit runs the mail callback, as in production.
    user = UserFactory()
    RefusingBackend.attempted = []
    response = APIClient().post("/api/v1/auth/password-reset/", {"email": user.email})
    assert response.status_code == 202
    row = PasswordResetToken.objects.get(user=user)
    assert AuditLog.objects.filter(
        action="password_reset_requested", entity_id=str(user.pk)
    ).exists()
    [message] = RefusingBackend.attempted
    secret = re.search(r"^([A-Za-z0-9_-]{40,})$", message.body, re.MULTILINE).group(1)
    assert row.token_hash == tokens.digest(secret)
    assert confirm(secret).status_code == 204


def test_the_sign_in_pages_mail_after_commit_like_the_api(
    user, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
