"""No secret in any log line.

A representative run through the public surface, with every logger of Django, allauth and
our apps at DEBUG (SQL included): log in with a password, use the session token, create and
use an API key, reset a password, store an integration's OAuth tokens, issue and accept team
and chat invites, and try each secret where it is refused (a reused token, a revoked key).
Every captured line, with its traceback, is then searched for each secret the run created.
"""

import importlib.util
import logging
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from teams.tests.factories import verify_email

LOGGERS = ["", "django", "django.request", "django.db.backends", "django.security", "allauth"]
APP_LOGGERS = ["accounts", "activity", "social", "teams", "auditing", "config", "celery"]
NEW_PASSWORD = "a-brand-new-Secret-passphrase-77"

# Django's database session backend keys its rows by the session key itself, so the SQL log
# shows it. That logger is pinned to WARNING in settings (LOGGING) and Django writes query
# lines only with DEBUG on, so no deployed log has them; every other secret is checked in the
# SQL lines too (API keys, reset and invite tokens are stored as hashes, OAuth tokens
# encrypted).
SQL_BY_DESIGN = {("django.db.backends", "session token")}


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record):
        # factory-boy logs the fixtures' own set_password() calls: the test, not the app.
        if not record.name.startswith("factory"):
            self.lines.append((record.name, self.format(record)))


@pytest.fixture
def captured_logs():
    handler = _Collect()
    saved = {}
    for name in LOGGERS + APP_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.disabled)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    logging.getLogger().addHandler(handler)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True  # SQL with its parameters goes to the log too
    try:
        yield handler.lines
    finally:
        connection.force_debug_cursor = debug_cursor
        logging.getLogger().removeHandler(handler)
        for name, (level, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.disabled = disabled


def _app_login(user, password) -> tuple[int, str | None]:
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": password},
        content_type="application/json",
    )
    token = response.json().get("meta", {}).get("session_token")
    return response.status_code, token


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_any_log_line(captured_logs, django_capture_on_commit_callbacks):
    secrets: dict[str, str] = {"password": DEFAULT_PASSWORD, "new password": NEW_PASSWORD}
    alice, bob = UserFactory(), UserFactory()
    verify_email(bob)

    # Passwords: a failed login and a good one (the session token is a secret too).
    assert _app_login(alice, "wrong-" + DEFAULT_PASSWORD)[0] in {400, 401}
    secrets["wrong password"] = "wrong-" + DEFAULT_PASSWORD
    status, session_token = _app_login(alice, DEFAULT_PASSWORD)
    assert status == 200 and session_token
    secrets["session token"] = session_token
    by_session = APIClient(HTTP_X_SESSION_TOKEN=session_token)
    assert by_session.get("/api/v1/me/").status_code == 200

    # API keys: created, used for reads and writes, revoked, then refused.
    created = by_session.post(
        "/api/v1/me/api-keys/", {"key_name": "ci", "permissions": ["read", "write"]}
    )
    assert created.status_code == 201, created.content
    raw_key = next(v for k, v in created.json().items() if k in {"key", "api_key", "raw_key"})
    secrets["api key"] = raw_key
    by_key = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert by_key.get("/api/v1/activities/").status_code == 200
    heartbeat = {"app_name": "Code", "window_title": "main.py", "timestamp": "2026-01-05T09:00:00Z"}
    assert by_key.post("/api/v1/activities/heartbeat/", heartbeat, format="json").status_code < 300
    assert by_session.delete(f"/api/v1/me/api-keys/{created.json()['id']}/").status_code == 204
    assert by_key.get("/api/v1/activities/").status_code == 401

    # Integration OAuth tokens, stored encrypted.
    integration = {
        "provider": "github",
        "access_token": "gho_" + "s3cr3t" * 6,
        "refresh_token": "r" * 40,
    }
    secrets["oauth access token"] = integration["access_token"]
    secrets["oauth refresh token"] = integration["refresh_token"]
    assert by_session.post("/api/v1/integrations/", integration).status_code == 201

    # Team invite: issued, accepted, then reused.
    team = by_session.post("/api/v1/teams/", {"name": "Core"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        invite = by_session.post(
            f"/api/v1/teams/{team['id']}/invites/", {"email": bob.email, "role": "member"}
        )
    assert invite.status_code == 201, invite.content
    secrets["team invite token"] = invite.json()["token"]
    bob_client = APIClient()
    bob_client.force_authenticate(bob)
    accept = {"token": invite.json()["token"]}
    assert bob_client.post("/api/v1/team-invites/accept/", accept).status_code == 201
    assert bob_client.post("/api/v1/team-invites/accept/", accept).status_code >= 400

    # Chat invite: the token is in the path, so a refused reuse must not log the path raw.
    group = by_session.post("/api/v1/chat-groups/", {"name": "Room"}).json()
    chat = by_session.post(f"/api/v1/chat-groups/{group['id']}/invites/", {"single_use": True})
    assert chat.status_code == 201, chat.content
    chat_token = chat.json()["token"]
    secrets["chat invite token"] = chat_token
    assert bob_client.post(f"/api/v1/chat-invites/{chat_token}/accept/").status_code == 200
    assert bob_client.post(f"/api/v1/chat-invites/{chat_token}/accept/").status_code < 500
    assert bob_client.post(f"/api/v1/chat-invites/{chat_token}x/accept/").status_code == 404

    # Password reset: the emailed token, used once, then refused.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        requested = APIClient().post("/api/v1/auth/password-reset/", {"email": alice.email})
    assert requested.status_code == 202
    reset_token = re.search(r"^([A-Za-z0-9_-]{40,})$", mail.outbox[-1].body, re.MULTILINE)[1]
    secrets["reset token"] = reset_token
    body = {"token": reset_token, "new_password": NEW_PASSWORD}
    confirm = APIClient().post("/api/v1/auth/password-reset/confirm/", body)
    assert confirm.status_code in {200, 204}, confirm.content
    assert APIClient().post("/api/v1/auth/password-reset/confirm/", body).status_code == 400
    assert _app_login(alice, NEW_PASSWORD)[0] == 200

    assert len(captured_logs) > 50, "logging was not captured"
    leaks = [
        f"{name} in: {line[:300]}"
        for logger, line in captured_logs
        for name, secret in secrets.items()
        if secret in line and (logger, name) not in SQL_BY_DESIGN
    ]
    assert not leaks, "\n".join(leaks)


def test_redaction_keeps_the_path_shape():
    from core.redaction import redact

    assert redact("Not Found: /api/v1/chat-invites/abc_DEF-123/accept/") == (
        "Not Found: /api/v1/chat-invites/[redacted]/accept/"
    )
    assert redact("GET /team-invites/accept/?token=s3cret&x=1") == (
        "GET /team-invites/accept/?token=[redacted]&x=1"
    )
    assert redact("Not Found: /api/v1/teams/1/") == "Not Found: /api/v1/teams/1/"


def _gunicorn_settings():
    path = Path(__file__).resolve().parent.parent / "config" / "gunicorn.py"
    spec = importlib.util.spec_from_file_location("cadence_gunicorn_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gunicorn_access_log_keeps_tokens_and_credentials_out(capsys):
    from gunicorn.config import Config

    settings = _gunicorn_settings()
    config = Config()
    config.set("accesslog", "-")
    # Every part of the request a format can name: line, path, query, referer, and headers.
    config.set(
        "access_log_format",
        "%(r)s | %(U)s | %(q)s | %(f)s | %({authorization}i)s | %({cookie}i)s | "
        "%({x-session-token}i)s | %({http_authorization}e)s | %(s)s",
    )
    logger = settings.logger_class(config)
    token, key = "inv_tok_9f8e7d", "cad_abcd1234_s3cretpart"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/api/v1/chat-invites/{token}/accept/?token={token}",
        "PATH_INFO": f"/api/v1/chat-invites/{token}/accept/",
        "QUERY_STRING": f"token={token}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://cadence.example.com/invite?token={token}",
        "HTTP_AUTHORIZATION": f"Api-Key {key}",
    }
    headers = [
        ("AUTHORIZATION", f"Api-Key {key}"),
        ("COOKIE", "sessionid=sess-zz9"),
        ("X-SESSION-TOKEN", "hdl-tok-77"),
    ]
    response = SimpleNamespace(status="201 Created", sent=12, headers=[])
    request = SimpleNamespace(headers=headers)
    logger.access(response, request, environ, timedelta(milliseconds=3))
    line = capsys.readouterr().out
    assert "/api/v1/chat-invites/[redacted]/accept/" in line and "| 201" in line
    for secret in (token, key, "sess-zz9", "hdl-tok-77"):
        assert secret not in line
    assert settings.worker_class == "gthread" and settings.accesslog == "-"
