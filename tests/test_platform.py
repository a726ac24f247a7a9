"""The platform pieces every client relies on: health, schema, docs, auth challenge, settings."""

import io
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError
from PIL import Image
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts import services
from config.settings.base import _mailer_from_url
from social.models import EmojiCategory

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
    # DRF reads the rates once, into the throttle class; patch them there. The clock is
    # fixed inside one window: a minute boundary between the requests would start a new count.
    with (
        mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"}),
        mock.patch("core.throttling.UserThrottle.timer", return_value=630.0),
    ):
        codes = [user_client.get("/api/v1/me/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.django_db
def test_the_user_throttle_counts_per_window(user_client, user):
    with mock.patch.object(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/min", "user": "3/min"}
    ):
        with mock.patch("core.throttling.UserThrottle.timer", return_value=600.0):
            codes = [user_client.get("/api/v1/me/").status_code for _ in range(4)]
            refused = user_client.get("/api/v1/me/")
            # One counter per window (600 s // 60 = window 10), refused requests included.
            assert cache.get(f"throttle_user_{user.pk}:10") == 5
        # 429 says when the window ends; the next window starts a new count.
        assert int(refused["Retry-After"]) == 60
        assert refused.json()["detail"]
        with mock.patch("core.throttling.UserThrottle.timer", return_value=659.5):
            assert user_client.get("/api/v1/me/").status_code == 429
        with mock.patch("core.throttling.UserThrottle.timer", return_value=660.0):
            assert user_client.get("/api/v1/me/").status_code == 200
            assert cache.get(f"throttle_user_{user.pk}:11") == 1
    assert codes == [200, 200, 200, 429]


@pytest.mark.django_db
def test_anonymous_throttle_applies():
    client = APIClient()
    with (
        mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"}),
        mock.patch("core.throttling.AnonThrottle.timer", return_value=630.0),
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


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["abc", "0", "-3", "2.5", "null", ""])
def test_a_page_size_that_is_no_positive_integer_is_a_400(user_client, size):
    for path in ("/api/v1/emojis/", "/api/v1/activities/"):
        response = user_client.get(path, {"page_size": size})
        assert response.status_code == 400, (path, size)
        assert "page_size" in response.json()


@pytest.mark.django_db
def test_a_page_size_past_the_maximum_counts_as_the_maximum(user_client):
    response = user_client.get("/api/v1/emojis/", {"page_size": 500})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert len(user_client.get("/api/v1/emojis/", {"page_size": 7}).json()["results"]) == 7


@pytest.mark.django_db
def test_bodies_are_json_except_on_the_upload_endpoints(user_client, user):
    form = user_client.post(
        "/api/v1/activities/",
        "app_name=Code&start_time=2026-03-02T09:00:00Z",
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 415
    assert not user.activities.exists()
    multipart = user_client.post("/api/v1/activities/", {"app_name": "Code"}, format="multipart")
    assert multipart.status_code == 415
    # The schema advertises what is accepted: JSON, and multipart for uploads only.
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    assert set(paths["/api/v1/activities/"]["post"]["requestBody"]["content"]) == {
        "application/json"
    }
    assert "multipart/form-data" in paths["/api/v1/screenshots/"]["post"]["requestBody"]["content"]


@pytest.mark.django_db
def test_the_schema_marks_public_app_settings_reads_as_needing_no_credentials():
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    assert {} in paths["/api/v1/app-settings/"]["get"]["security"]
    assert {} not in paths["/api/v1/app-settings/"]["post"]["security"]
    assert {} not in paths["/api/v1/activities/"]["get"]["security"]
    assert APIClient().get("/api/v1/app-settings/").status_code == 200


@pytest.mark.django_db
def test_the_schema_documents_the_web_servers_414(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert "414" in paths["/api/v1/activities/"]["get"]["responses"]
    assert "content" not in paths["/api/v1/activities/"]["get"]["responses"]["414"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["maybe", "null", "2", "[true]"])
def test_a_boolean_filter_refuses_what_is_not_a_boolean(user_client, value):
    for path, name in (
        ("/api/v1/me/api-keys/", "is_active"),  # made from filterset_fields
        ("/api/v1/notifications/", "is_read"),  # declared in a filter set
        ("/api/v1/work-sessions/", "is_running"),  # declared on a related lookup
        ("/api/v1/activities/", "is_productive"),
    ):
        response = user_client.get(path, {name: value})
        assert response.status_code == 400, (path, value)
        assert name in response.json()


@pytest.mark.django_db
def test_a_boolean_filter_still_filters(user_client, user):
    services.api_key_create(user=user, key_name="live")
    revoked, _ = services.api_key_create(user=user, key_name="old")
    services.api_key_revoke(api_key=revoked)
    for value, names in (("true", ["live"]), ("False", ["old"]), ("1", ["live"])):
        response = user_client.get("/api/v1/me/api-keys/", {"is_active": value})
        assert response.status_code == 200
        got = sorted(item["key_name"] for item in response.json()["results"])
        assert got == names


@pytest.mark.django_db
def test_an_empty_value_is_refused_where_the_filter_is_not_text(user_client):
    for path, name in (
        ("/api/v1/me/api-keys/", "is_active"),
        ("/api/v1/work-sessions/", "started_at_before"),
        ("/api/v1/user-activities/", "session"),
        ("/api/v1/activities/", "start_time_after"),
        # Query parameters read by a serializer too.
        ("/api/v1/activities/summary/", "start"),
        ("/api/v1/activities/summary/export/", "end"),
        ("/api/v1/activities/summary/", "group_by"),
    ):
        response = user_client.get(path, {name: ""})
        assert response.status_code == 400, path
        assert response.json() == {name: ["Enter a value, or leave the parameter out."]}
    # A text filter still reads an empty value as no filter.
    assert user_client.get("/api/v1/activities/", {"category": ""}).status_code == 200


@pytest.mark.django_db
def test_a_400_is_always_an_object_or_for_an_array_body_an_array_of_objects(user_client):
    # DRF's SearchFilter refuses a NUL with a bare list of messages; clients get an object.
    response = user_client.get("/api/v1/roles/", {"search": "admin\x00"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Null characters are not allowed."]}
    bulk = user_client.post(
        "/api/v1/activities/",
        [{"app_name": "Code", "start_time": "2026-03-02T09:00:00Z"}, {"app_name": ""}],
        format="json",
    )
    assert bulk.status_code == 400
    assert bulk.json()[0] == {} and "app_name" in bulk.json()[1]
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    bulk_error = paths["/api/v1/activities/"]["post"]["responses"]["400"]
    assert "oneOf" in bulk_error["content"]["application/json"]["schema"]
    put = paths["/api/v1/me/preferences/{preference_key}/"]["put"]["responses"]
    assert {"200", "201"} <= set(put)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "/api/v1/work-sessions/",
            {"started_at": "2026-03-02T09:00:00Z", "is_billable": "true"},
            "is_billable",
            "Must be a valid boolean.",
        ),
        (
            "/api/v1/activities/heartbeat/",
            {"app_name": "Code", "timestamp": "2026-03-02T09:00:00Z", "url": 5},
            "url",
            "Not a valid string.",
        ),
        (
            "/api/v1/activities/heartbeat/",
            {"app_name": "Code", "timestamp": "2026-03-02T09:00:00Z", "pulsetime": "60"},
            "pulsetime",
            "A valid number is required.",
        ),
        (
            "/api/v1/activities/heartbeat/",
            {"app_name": "Code", "timestamp": "2026-03-02T09:00:00Z", "is_afk": 1},
            "is_afk",
            "Must be a valid boolean.",
        ),
        (
            "/api/v1/focus-sessions/",
            {"duration_minutes": True},
            "duration_minutes",
            "A valid integer is required.",
        ),
    ],
)
def test_a_json_value_of_the_wrong_type_is_a_400_and_writes_nothing(
    user_client, user, path, body, field, message
):
    response = user_client.post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field] == [message]
    assert not user.activities.exists()
    assert not user.work_sessions.exists()


@pytest.mark.django_db
def test_a_list_item_of_the_wrong_json_type_is_a_400_by_index(user_client, user):
    body = {"started_at": "2026-03-02T09:00:00Z", "tags": ["ok", 0, "x", True]}
    response = user_client.post("/api/v1/work-sessions/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"tags": {"1": ["Not a valid string."], "3": ["Not a valid string."]}}
    assert not user.work_sessions.exists()
    body["tags"] = ["ok", "fine"]
    assert user_client.post("/api/v1/work-sessions/", body, format="json").status_code == 201


@pytest.mark.django_db
def test_an_integral_number_is_an_integer_as_json_schema_has_it(user_client):
    response = user_client.post(
        "/api/v1/focus-sessions/", {"duration_minutes": 25.0}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["duration_minutes"] == 25
    half = user_client.post("/api/v1/focus-sessions/", {"duration_minutes": 25.5}, format="json")
    assert half.status_code == 400


@pytest.mark.django_db
def test_multipart_uploads_keep_forms_text_values(staff_client):
    # In a multipart body every value is text: "false" is still a boolean there.
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    image.seek(0)
    image.name = "party.png"
    response = staff_client.post(
        "/api/v1/emojis/",
        {
            "category": EmojiCategory.objects.order_by("sort_order").first().pk,
            "shortcode": ":cadence_party:",
            "name": "party",
            "sort_order": "7",
            "is_active": "false",
            "image": image,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_active"] is False and response.json()["sort_order"] == 7


@pytest.mark.django_db
def test_the_schema_says_what_the_api_refuses(user_client):
    """Where the API refuses a body, the schema says so, so that schema-valid requests are
    accepted (schemathesis' positive-data check)."""
    schema = APIClient().get("/api/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    # Bulk bodies: required, an object or an array of 1 to 5,000.
    for path in ("/api/v1/activities/", "/api/v1/user-activities/"):
        body = paths[path]["post"]["requestBody"]
        assert body["required"] is True
        array = body["content"]["application/json"]["schema"]["oneOf"][1]
        assert (array["minItems"], array["maxItems"]) == (1, 5000)
        assert user_client.post(path, [], format="json").status_code == 400
        assert user_client.post(path).status_code == 400
    # Settings and metadata are JSON objects.
    for component, field in (("TeamRequest", "settings"), ("PatchedMeRequest", "metadata")):
        assert components[component]["properties"][field]["type"] == "object"
    team = user_client.post("/api/v1/teams/", {"name": "x", "settings": []}, format="json")
    assert team.json() == {"settings": ["Must be a JSON object."]}
    me = user_client.patch("/api/v1/me/", {"metadata": "x"}, format="json")
    assert me.json() == {"metadata": ["Must be a JSON object."]}
    # An API key has at least one scope.
    assert components["ApiKeyRequest"]["properties"]["permissions"]["minItems"] == 1
    key = user_client.post("/api/v1/me/api-keys/", {"key_name": "k", "permissions": []})
    assert key.status_code == 400
    # A time zone is one of the names the server knows.
    zones = components["TimeZoneEnum"]["enum"]
    assert "Europe/Paris" in zones and "UTC" in zones
    tz = user_client.patch("/api/v1/me/settings/", {"time_zone": "Mars/Olympus"}, format="json")
    assert tz.status_code == 400 and "Mars/Olympus" not in zones
    # PATCH of a preference takes its value only.
    patch = paths["/api/v1/me/preferences/{preference_key}/"]["patch"]["requestBody"]
    ref = patch["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(components[ref]["properties"]) == {"preference_value"}
