"""The one way Cadence sends mail: after the transaction commits, never failing the request.

A service composes the message while it has the data at hand and calls `mail_after_commit`;
if the transaction rolls back, nothing is sent. Once it commits, the message goes to a
Celery worker when a broker is configured (`REDIS_URL`: CELERY_TASK_ALWAYS_EAGER is off),
which retries a mail server that is down; otherwise it is sent inline. Either way a failure
is logged (recipient count and subject only: bodies carry tokens) and never reaches the
client.
"""

import logging
import smtplib
from dataclasses import asdict, dataclass, field

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger("core.mail")


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    to: list[str]
    html_body: str = ""
    from_email: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _deliver(mail: Mail) -> None:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_email or settings.DEFAULT_FROM_EMAIL,
        to=mail.to,
        headers=mail.headers or None,
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    message.send()


def _deliver_logged(mail: Mail) -> None:
    try:
        _deliver(mail)
    except Exception:
        logger.exception("mail not sent: %r to %d recipient(s)", mail.subject, len(mail.to))


@shared_task(
    name="cadence.send_mail",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_mail_task(mail: dict) -> None:
    """Celery's side of `mail_after_commit`: retried with backoff while the server is down."""
    _deliver(Mail(**mail))


def _dispatch(mail: Mail) -> None:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        _deliver_logged(mail)
        return
    try:
        send_mail_task.delay(asdict(mail))
    except Exception:
        # The broker is unreachable: send now rather than lose the message.
        logger.exception("mail not queued, sending inline: %r", mail.subject)
        _deliver_logged(mail)


def mail_after_commit(mail: Mail, *, using: str | None = None) -> None:
    """Send `mail` once the current transaction commits (at once outside a transaction)."""
    if not mail.to:
        return
    transaction.on_commit(lambda: _dispatch(mail), using=using)
