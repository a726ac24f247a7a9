"""No enumeration by password reset: the answer, and the work done before it is sent, are the
same for an address with an account and one without."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient, APIRequestFactory

from accounts.api.views import PasswordResetRequestView
from accounts.models import PasswordResetToken
from accounts.tests.clients import mails_to

pytestmark = pytest.mark.django_db

UNKNOWN = "nobody@example.com"


def answer(email):
    """The view's answer as the server sends it, before its close() (which servers call once
    the answer has gone out), and the queries it ran until then."""
    request = APIRequestFactory().post(
        "/api/v1/auth/password-reset/", {"email": email}, format="json"
    )
    with CaptureQueriesContext(connection) as queries:
        response = PasswordResetRequestView.as_view()(request)
        response.render()
    return response, [query["sql"] for query in queries]


def test_nothing_about_the_address_is_looked_up_before_the_answer(
    user, django_capture_on_commit_callbacks
):
    known, known_sql = answer(user.email)
    unknown, unknown_sql = answer(UNKNOWN)
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known_sql == unknown_sql == []
    assert not PasswordResetToken.objects.exists()

    # Once the answer is out, the work is done: a token and its mail, or the note. (As
    # Django's test client does, the test keeps its connection over close().)
    request_finished.disconnect(close_old_connections)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            known.close()
            unknown.close()
    finally:
        request_finished.connect(close_old_connections)
    assert PasswordResetToken.objects.filter(user=user).count() == 1
    assert len(mails_to(user.email)) == 1
    [note] = mails_to(UNKNOWN)
    assert "no account uses this address" in note.body


@override_settings(ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS=False)
def test_no_note_to_unknown_addresses_when_turned_off(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post("/api/v1/auth/password-reset/", {"email": UNKNOWN})
    assert response.status_code == 202
    assert mails_to(UNKNOWN) == []


def test_a_failure_after_the_answer_is_logged_not_raised(user, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr("accounts.services.password_reset_request", broken)
    response = APIClient().post("/api/v1/auth/password-reset/", {"email": user.email})
    assert response.status_code == 202
    assert "work after the response failed" in caplog.text
