"""Database and cache faults answer cleanly; the live runs are `make soak`."""

import contextlib
import socket

import pytest
from django.core.cache import caches
from django.db import DataError, InterfaceError, OperationalError
from django.test import RequestFactory, override_settings

from activity.api.views import ActivityViewSet
from config.views import server_error
from core.middleware import DatabaseUnavailableMiddleware
from tests.api_cases import APIResourceCases


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_lost_database_is_a_503_with_a_json_body(error, user, monkeypatch):
    def broken(self, request, *args, **kwargs):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(ActivityViewSet, "list", broken)
    response = APIResourceCases.client_for(user).get("/api/v1/activities/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert response["Retry-After"]


def test_a_value_the_database_refuses_is_a_400(user, monkeypatch):
    def refused(self, request, *args, **kwargs):
        raise DataError('time zone displacement out of range: "0286-04-26 22:00:49+20:53"')

    monkeypatch.setattr(ActivityViewSet, "list", refused)
    response = APIResourceCases.client_for(user).get("/api/v1/activities/")
    assert response.status_code == 400 and response.json()["detail"]


def test_errors_outside_views_go_through_handler500():
    request = RequestFactory().get("/api/v1/me/")
    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


def test_other_exceptions_are_left_alone():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/"), ValueError()) is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_api_keeps_serving_when_redis_is_down(user):
    unreachable = {
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        cache = caches.create_connection("default")
        assert cache.get("x") is None
        cache.set("x", 1)
        assert cache.add("y", 1) is False
        assert cache.get_many(["x", "y"]) == {}
        assert cache.count("z", 60) is None
        caches._settings = caches.settings = unreachable
        with contextlib.suppress(AttributeError):
            del caches._connections.default
        client = APIResourceCases.client_for(user)
        assert client.get("/api/v1/me/").status_code == 200
        assert client.get("/api/v1/activities/").status_code == 200


def test_an_api_url_matching_no_route_is_a_json_404(user):
    client = APIResourceCases.client_for(user)
    response = client.get("/api/v1/goals/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    assert "json" not in client.get("/no-such-page/")["Content-Type"]
