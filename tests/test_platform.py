"""The platform pieces every client relies on: health, schema, docs, auth challenge, settings."""

import os
import subprocess
import sys
from unittest import mock

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from config.settings.base import _mailer_from_url

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.django_db
def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_healthz_503_when_database_is_down(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz/").status_code == 405


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.django_db
def test_anonymous_api_request_is_401_with_a_challenge():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"]
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.django_db
def test_unknown_session_token_is_401():
    response = APIClient().get("/api/v1/me/", HTTP_X_SESSION_TOKEN="not-a-real-token")
    assert response.status_code == 401


@pytest.mark.django_db
def test_api_answers_json_only_outside_local(user_client):
    response = user_client.get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406


@pytest.mark.django_db
def test_user_throttle_applies(user_client):
    # DRF reads the rates once, into the throttle class; patch them there.
    with mock.patch.object(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"}
    ):
        codes = [user_client.get("/api/v1/me/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.django_db
def test_anonymous_throttle_applies():
    client = APIClient()
    with mock.patch.object(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"}
    ):
        codes = [client.get("/api/schema/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def _run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "x" * 24 + "a-long-random-production-secret-value-Q9",
            "ALLOWED_HOSTS": "cadence.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_settings_require_a_secret_key():
    result = _run_manage(
        "check",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "ALLOWED_HOSTS": "cadence.example.com",
        },
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("consolemail://", "django.core.mail.backends.console.EmailBackend", {}),
        (
            "smtp+tls://mailer:s3cret@smtp.example.com:587",
            "django.core.mail.backends.smtp.EmailBackend",
            {"host": "smtp.example.com", "port": 587, "username": "mailer", "use_tls": True},
        ),
    ],
)
def test_email_url_becomes_a_mailer(url, backend, options):
    mailer = _mailer_from_url(url)
    assert mailer["BACKEND"] == backend
    assert options.items() <= mailer["OPTIONS"].items()
