"""One client-IP rule (core.client_ip) for every limit: a client can't pose as many clients
by writing X-Forwarded-For itself, and the header is honoured behind configured proxies."""

import itertools

import pytest
from rest_framework.test import APIClient

from core.throttling import AnonThrottle

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def _reset_requests(client, count, forwarded):
    return [
        client.post(
            "/api/v1/auth/password-reset/",
            {"email": f"nobody{n}@example.com"},
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded(),
        ).status_code
        for n in range(count)
    ]


@pytest.fixture
def reset_limit(settings):
    settings.ACCOUNTS_THROTTLE_RATES = {
        **settings.ACCOUNTS_THROTTLE_RATES,
        "password_reset": "3/hour",
    }


@pytest.fixture
def anon_limit(monkeypatch):
    monkeypatch.setattr(
        AnonThrottle, "THROTTLE_RATES", {**AnonThrottle.THROTTLE_RATES, "anon": "3/hour"}
    )


@pytest.mark.django_db
def test_rotating_x_forwarded_for_gets_past_no_throttle_without_proxies(reset_limit):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    statuses = _reset_requests(client, 5, lambda: next(_addresses))
    assert statuses == [202, 202, 202, 429, 429]


@pytest.mark.django_db
def test_the_anonymous_throttle_ignores_a_client_written_header(anon_limit):
    client = APIClient(REMOTE_ADDR="203.0.113.8")
    statuses = [
        client.get("/api/v1/app-settings/", HTTP_X_FORWARDED_FOR=next(_addresses)).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_behind_a_configured_proxy_each_forwarded_client_is_counted_apart(reset_limit, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR="10.0.0.2")  # the proxy
    statuses = _reset_requests(client, 5, lambda: next(_addresses))
    assert statuses == [202] * 5


@pytest.mark.django_db
def test_behind_a_proxy_only_the_entry_it_wrote_counts(reset_limit, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    # The client rotates what it sends; the proxy appends the one address it saw.
    statuses = _reset_requests(client, 5, lambda: f"{next(_addresses)}, 192.0.2.50")
    assert statuses == [202, 202, 202, 429, 429]


@pytest.mark.django_db
def test_a_trusted_header_names_the_client(reset_limit, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    statuses = [
        client.post(
            "/api/v1/auth/password-reset/",
            {"email": f"someone{n}@example.com"},
            format="json",
            HTTP_X_REAL_IP=next(_addresses),
            HTTP_X_FORWARDED_FOR="192.0.2.1",
        ).status_code
        for n in range(5)
    ]
    assert statuses == [202] * 5
