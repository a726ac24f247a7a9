import smtplib

import pytest
from django.core import mail as outbox
from django.db import transaction

from core import mail
from core.mail import Mail, mail_after_commit


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


MESSAGE = Mail(subject="Hello", body="secret-token-123", to=["a@example.com"])


@pytest.mark.django_db(transaction=True)
def test_sent_after_commit_and_not_on_rollback():
    with transaction.atomic():
        mail_after_commit(MESSAGE)
        assert outbox.outbox == []
    assert [m.subject for m in outbox.outbox] == ["Hello"]

    with pytest.raises(RuntimeError), transaction.atomic():
        mail_after_commit(Mail(subject="Never", body="", to=["b@example.com"]))
        raise RuntimeError
    assert [m.subject for m in outbox.outbox] == ["Hello"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_server_is_logged_not_raised(settings, caplog):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    with transaction.atomic():
        mail_after_commit(MESSAGE)
    assert "mail not sent: 'Hello' to 1 recipient(s)" in caplog.text
    assert "secret-token-123" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_queued_when_a_broker_is_configured(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(mail.send_mail_task, "delay", queued.append)
    with transaction.atomic():
        mail_after_commit(MESSAGE)
    assert queued == [
        {
            "subject": "Hello",
            "body": "secret-token-123",
            "to": ["a@example.com"],
            "html_body": "",
            "from_email": None,
            "headers": {},
        }
    ]
    assert outbox.outbox == []
    mail.send_mail_task.run(queued[0])  # what the worker does with it
    assert [m.to for m in outbox.outbox] == [["a@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_sent_inline_when_the_broker_is_down(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(message):
        raise ConnectionRefusedError

    monkeypatch.setattr(mail.send_mail_task, "delay", broker_down)
    with transaction.atomic():
        mail_after_commit(MESSAGE)
    assert [m.subject for m in outbox.outbox] == ["Hello"]
