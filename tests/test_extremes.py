"""Extreme input through the public API: never a 500, and a 400 naming the field for values
outside the documented bounds (core.limits): JSON nested deeper than 32 or larger than the
JSON field cap, dates and times outside 1970-01-01 to 2100-01-01 after their offset, filter
values that are not what the filter reads, a heartbeat pulsetime past a day. CSV exports
don't hand a spreadsheet a formula. Runs on SQLite and PostgreSQL."""

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from accounts.models import UserPreference
from activity.models import Activity, CalendarEvent, WorkSession
from activity.tests.factories import (
    ActivityFactory,
    GoalFactory,
    IdleSessionFactory,
    IntegrationFactory,
)
from core import limits
from core.fields import StrictJSONField
from teams.models import Team
from teams.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
ACTIVITIES = f"{API}/activities/"
RANGE_MESSAGE = [limits.DATETIME_RANGE_MESSAGE]
LATE = "9999-12-31T23:59:59-23:59"  # 10000-01-01 in UTC
EARLY = "0001-01-01T00:00:00+23:59"  # year 0 in UTC


def nested(depth: int):
    """A JSON object nested `depth` deep (`{}` is 1 deep)."""
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


# --- JSON: depth and size --------------------------------------------------------------------

DEEP_JSON_WRITES = [
    ("put", f"{API}/me/preferences/theme/", "preference_value"),
    ("patch", f"{API}/me/", "metadata"),
    ("post", f"{API}/teams/", "settings"),
]


def _nothing_written(user):
    user.refresh_from_db()
    return (
        not UserPreference.objects.filter(user=user).exists()
        and user.metadata == {}
        and not Team.objects.exists()
    )


@pytest.mark.parametrize("method, path, field", DEEP_JSON_WRITES)
@pytest.mark.parametrize("depth", [1000, 33])
def test_json_nested_too_deep_is_a_400_and_writes_nothing(
    user, user_client, method, path, field, depth
):
    body = {"name": "Deep", field: nested(depth)}
    response = getattr(user_client, method)(path, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": limits.DEPTH_MESSAGE}
    assert _nothing_written(user)


@pytest.mark.parametrize("method, path, field", DEEP_JSON_WRITES)
def test_json_nested_as_deep_as_allowed_is_stored(user_client, method, path, field):
    # The body is one level more than the field's value.
    value = nested(limits.JSON_MAX_DEPTH - 1)
    response = getattr(user_client, method)(path, {"name": "Deep", field: value}, format="json")
    assert response.status_code in (200, 201), response.content
    assert response.json()[field] == value


def test_the_json_field_checks_depth_itself_for_form_bodies(user):
    # A multipart or form body carries JSON fields as text, which the parser never sees.
    field = StrictJSONField()
    field.bind("value", None)
    text = field.get_value(_FormData({"value": "[" * 100_000 + "]" * 100_000}))
    with pytest.raises(ValidationError) as refused:
        field.run_validation(text)
    assert refused.value.detail == [limits.DEPTH_MESSAGE]


class _FormData(dict):
    """A QueryDict look-alike: DRF reads it as HTML form input."""

    def getlist(self, key):
        return [self[key]]


def test_a_ten_megabyte_preference_is_a_400_and_not_stored(user, user_client):
    response = user_client.put(
        f"{API}/me/preferences/big/", {"preference_value": "x" * 10_000_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"preference_value": ["Larger than 65536 bytes as JSON."]}
    assert not UserPreference.objects.filter(user=user).exists()


def test_json_values_up_to_the_cap_are_stored_and_the_cap_is_a_setting(user, user_client):
    at_cap = "x" * (limits.JSON_FIELD_MAX_BYTES - 2)  # the quotes make up the rest
    response = user_client.put(
        f"{API}/me/preferences/big/", {"preference_value": at_cap}, format="json"
    )
    assert response.status_code == 201, response.content
    with override_settings(JSON_FIELD_MAX_BYTES=100):
        refused = user_client.post(
            f"{API}/teams/", {"name": "T", "settings": {"note": "y" * 100}}, format="json"
        )
    assert refused.status_code == 400
    assert refused.json() == {"settings": ["Larger than 100 bytes as JSON."]}


def test_a_nul_character_in_json_is_a_400_on_every_database(user, user_client):
    # PostgreSQL's jsonb refuses it: the field says so first, the same on SQLite.
    response = user_client.patch(f"{API}/me/", {"metadata": {"a\x00": "b"}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"metadata": [limits.NUL_MESSAGE]}
    escaped = user_client.patch(f"{API}/me/", {"metadata": {"path": "\\u0000"}}, format="json")
    assert escaped.status_code == 200  # a backslash and the text u0000: no NUL


# --- dates and times in bodies ---------------------------------------------------------------


@pytest.mark.parametrize("value", [LATE, EARLY, "1969-12-31T23:59:59Z", "2100-01-01T00:00:00Z"])
def test_activity_times_out_of_range_are_a_400_one_or_bulk(user, user_client, value):
    one = user_client.post(ACTIVITIES, {"app_name": "Code", "start_time": value}, format="json")
    assert one.status_code == 400
    assert one.json() == {"start_time": RANGE_MESSAGE}
    good = {"app_name": "Code", "start_time": "2026-03-02T09:00:00Z"}
    bulk = user_client.post(ACTIVITIES, [good, {**good, "end_time": value}], format="json")
    assert bulk.status_code == 400
    assert bulk.json() == [{}, {"end_time": RANGE_MESSAGE}]
    activity = ActivityFactory(user=user)
    patched = user_client.patch(f"{ACTIVITIES}{activity.pk}/", {"end_time": value}, format="json")
    assert patched.status_code == 400
    assert patched.json() == {"end_time": RANGE_MESSAGE}
    assert Activity.objects.filter(user=user).count() == 1


def test_activity_times_at_the_edges_are_stored(user_client):
    body = [
        {"app_name": "Code", "start_time": "1970-01-01T00:00:00Z"},
        # 2100-01-01T00:00:00Z is the first instant refused; one second before is taken.
        {"app_name": "Code", "start_time": "2099-12-31T23:59:59-00:00"},
        {"app_name": "Code", "start_time": "1970-01-01T23:58:59+23:58"},
    ]
    response = user_client.post(ACTIVITIES, body, format="json")
    assert response.status_code == 201, response.content
    assert [row["start_time"] for row in response.json()] == [
        "1970-01-01T00:00:00Z",
        "2099-12-31T23:59:59Z",
        "1970-01-01T00:00:59Z",
    ]


def test_an_activity_longer_than_its_duration_column_holds_is_a_400(user, user_client):
    # 1971 to 2099 in seconds overflows PostgreSQL's integer: COPY stored it wrapped to a
    # negative number, which the check constraint refused (a 500).
    body = {"app_name": "Code", "start_time": "1971-01-01T00:00:00Z"}
    response = user_client.post(
        ACTIVITIES, [{**body, "end_time": "2099-12-30T22:50:00Z"}], format="json"
    )
    assert response.status_code == 400
    assert response.json() == [
        {"end_time": ["end_time may be at most 2147483647 seconds (68 years) after start_time."]}
    ]
    assert not Activity.objects.filter(user=user).exists()
    longest = {**body, "end_time": "2039-01-19T03:14:07Z"}  # 2**31 - 1 seconds later
    stored = user_client.post(ACTIVITIES, longest, format="json")
    assert stored.status_code == 201, stored.content
    assert stored.json()["duration"] == 2**31 - 1


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_model_datetimes_out_of_range_are_a_400_naming_the_field(user, user_client, value):
    work = user_client.post(
        f"{API}/work-sessions/", {"title": "Edge", "started_at": value}, format="json"
    )
    assert work.status_code == 400
    assert work.json() == {"started_at": RANGE_MESSAGE}
    integration = IntegrationFactory(user=user)
    event = user_client.post(
        f"{API}/calendar-events/",
        {
            "integration": str(integration.pk),
            "external_id": "e1",
            "title": "Edge",
            "start_time": "2026-03-02T09:00:00Z",
            "end_time": value,
        },
        format="json",
    )
    assert event.status_code == 400
    assert event.json() == {"end_time": RANGE_MESSAGE}
    assert not WorkSession.objects.exists() and not CalendarEvent.objects.exists()


def test_a_heartbeat_out_of_range_is_a_400_and_one_at_the_edge_extends(user, user_client):
    beat = {"app_name": "Code", "timestamp": "9999-12-31T23:59:59Z", "pulsetime": 86400}
    for _ in range(2):
        response = user_client.post(f"{ACTIVITIES}heartbeat/", beat, format="json")
        assert response.status_code == 400
        assert response.json() == {"timestamp": RANGE_MESSAGE}
    assert not Activity.objects.filter(user=user).exists()
    # The last second in range with the longest pulsetime: timestamp + pulsetime stays
    # far from the end of Python's datetimes.
    edge = {**beat, "timestamp": "2099-12-31T23:59:59Z"}
    assert user_client.post(f"{ACTIVITIES}heartbeat/", edge, format="json").status_code == 201
    assert user_client.post(f"{ACTIVITIES}heartbeat/", edge, format="json").status_code == 200


@pytest.mark.parametrize("pulsetime", [86400.5, 10**40, -1])
def test_heartbeat_pulsetime_is_bounded(user_client, pulsetime):
    beat = {"app_name": "Code", "timestamp": "2026-03-02T09:00:00Z", "pulsetime": pulsetime}
    response = user_client.post(f"{ACTIVITIES}heartbeat/", beat, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["pulsetime"]


# --- dates and times in query parameters -------------------------------------------------------


@pytest.mark.parametrize(
    "path, parameter, value",
    [
        ("summary/", "start", "9999-12-31T00:00:00Z"),
        ("export/", "start", "9999-12-31T00:00:00Z"),
        ("summary/export/", "start", "9999-12-31T00:00:00Z"),
        ("summary/", "end", "0001-01-01T12:00:00Z"),
        ("export/", "end", "0001-01-01T12:00:00Z"),
        ("summary/export/", "end", "0001-01-01T12:00:00Z"),
        ("summary/", "start", LATE),
    ],
)
def test_report_ranges_out_of_range_are_a_400(user_client, path, parameter, value):
    response = user_client.get(f"{ACTIVITIES}{path}", {parameter: value})
    assert response.status_code == 400
    assert response.json() == {parameter: RANGE_MESSAGE}


def test_report_ranges_at_the_edges_answer(user_client):
    last = user_client.get(f"{ACTIVITIES}summary/", {"start": "2099-12-31T23:59:59Z"})
    assert last.status_code == 200, last.content
    first = user_client.get(f"{ACTIVITIES}export/", {"end": "1970-01-01T00:00:00Z"})
    assert first.status_code == 200


@pytest.mark.parametrize("day, status", [("9999-12-31", 400), ("0001-01-01", 400)])
def test_goal_progress_on_a_day_out_of_range_is_a_400(user, user_client, day, status):
    goal = GoalFactory(user=user)
    response = user_client.get(f"{API}/goals/{goal.pk}/progress/", {"date": day})
    assert response.status_code == status
    assert response.json() == {"date": [limits.DATE_RANGE_MESSAGE]}
    for edge in ("1970-01-01", "2099-12-31"):
        answered = user_client.get(f"{API}/goals/{goal.pk}/progress/", {"date": edge})
        assert answered.status_code == 200
        assert answered.json()["date"] == edge


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("activities", "start_time_after"),
        ("calendar-events", "start_time_before"),
        ("teams", "created_after"),
        ("notifications", "created_before"),
        ("me/audit-logs", "created_after"),
    ],
)
@pytest.mark.parametrize("value", [LATE, EARLY])
def test_filter_datetimes_out_of_range_are_a_400(user_client, path, parameter, value):
    response = user_client.get(f"{API}/{path}/", {parameter: value})
    assert response.status_code == 400
    assert response.json() == {parameter: RANGE_MESSAGE}


def test_a_time_filter_the_list_does_not_have_is_a_400_not_ignored(user, user_client):
    ActivityFactory(user=user)
    response = user_client.get(ACTIVITIES, {"created_after": "notadate"})
    assert response.status_code == 400
    assert response.json() == {
        "created_after": [
            "Not a filter of this list; its time filters are end_time_after, end_time_before, "
            "start_time_after, start_time_before."
        ]
    }
    # With a valid value too: an ignored filter would answer the whole list.
    assert user_client.get(ACTIVITIES, {"created_after": "2030-01-01T00:00:00Z"}).status_code == 400
    none = user_client.get(f"{API}/goals/", {"created_before": "2030-01-01T00:00:00Z"})
    assert none.status_code == 400
    assert none.json() == {
        "created_before": ["Not a filter of this list, which has no time filters."]
    }


def test_time_filters_a_list_has_still_filter(user, user_client):
    TeamFactory(owner=user)
    bad = user_client.get(f"{API}/teams/", {"created_after": "notadate"})
    assert bad.status_code == 400
    assert bad.json() == {"created_after": ["Enter a valid date/time."]}
    future = user_client.get(f"{API}/teams/", {"created_after": "2099-01-01T00:00:00Z"})
    assert future.status_code == 200
    assert future.json()["results"] == []
    past = user_client.get(f"{API}/teams/", {"created_before": "2099-01-01T00:00:00Z"})
    assert len(past.json()["results"]) == 1


def test_filter_offsets_past_fifteen_hours_reach_the_database_in_utc(user, user_client):
    # PostgreSQL refuses a UTC offset past 15:59 in a query parameter (a 400 for a valid
    # value); the filter hands it the same instant in UTC.
    ActivityFactory(user=user, start_time=datetime(2026, 3, 2, 9, tzinfo=UTC))
    query = {"start_time_after": "2026-03-02T08:00:00-23:30"}  # 2026-03-03T07:30Z
    assert user_client.get(ACTIVITIES, query).json()["results"] == []
    query = {"start_time_after": "2026-03-03T08:00:00+23:30"}  # 2026-03-02T08:30Z
    assert len(user_client.get(ACTIVITIES, query).json()["results"]) == 1


def test_a_classification_rule_without_a_matcher_is_a_400_not_a_500(user, user_client):
    path = f"{API}/classification-rules/"
    response = user_client.post(path, {"category": "x", "is_productive": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Give at least one of app_name, window_title_pattern, url_pattern."]
    }
    rule = user_client.post(
        path, {"app_name": "Code", "category": "x", "is_productive": True}, format="json"
    ).json()
    cleared = user_client.patch(f"{path}{rule['id']}/", {"app_name": ""}, format="json")
    assert cleared.status_code == 400


def test_a_bulk_of_events_looks_its_sessions_up_once(user, user_client):
    # Thousands of items each naming a session were a query apiece: a 5,000-item body
    # held a worker for seconds, found or not.
    session = IdleSessionFactory(user=user)
    path = f"{API}/user-activities/"
    with CaptureQueriesContext(connection) as missing:
        body = [{"session": str(uuid.uuid4()), "activity_type": "click"}] * 500
        refused = user_client.post(path, body, format="json")
    assert refused.status_code == 400
    assert len(missing.captured_queries) < 20
    with CaptureQueriesContext(connection) as found:
        body = [{"session": str(session.pk), "activity_type": "click"}] * 500
        stored = user_client.post(path, body, format="json")
    assert stored.status_code == 201, stored.content
    assert len(found.captured_queries) < 40
    other = IdleSessionFactory()  # another user's session is refused as a missing one
    body = [{"session": str(other.pk), "activity_type": "click"}]
    assert user_client.post(path, body, format="json").json()["0"] == {
        "session": [f'Invalid pk "{other.pk}" - object does not exist.']
    }


def test_text_is_measured_as_sent(user_client):
    # DRF measures text after trimming it; the schema's maxLength is the length as sent.
    title = " " * 5 + "x" * 255
    response = user_client.post(f"{API}/focus-sessions/", {"title": title}, format="json")
    assert response.status_code == 400
    assert response.json() == {"title": ["Ensure this field has no more than 255 characters."]}


def test_an_empty_page_number_is_a_400(user_client):
    response = user_client.get(f"{API}/goals/", {"page": ""})
    assert response.status_code == 400
    assert response.json() == {"page": ["Enter a value, or leave the parameter out."]}


# --- CSV -------------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.test","x")', "+1+1", "-2+3", "@SUM(A1)", "\tX", "\rY"]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_exports_escape_cells_a_spreadsheet_would_run(user, user_client):
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for index, text in enumerate(FORMULAS):
        ActivityFactory(
            user=user,
            app_name=text,
            window_title=text,
            url=text,
            category=text,
            start_time=start + timedelta(minutes=index),
            end_time=start + timedelta(minutes=index, seconds=30),
            duration=30,
        )
    ActivityFactory(user=user, app_name="Code", start_time=start + timedelta(hours=1))
    query = {"start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z"}
    header, *rows = _csv(user_client.get(f"{ACTIVITIES}export/", query))
    columns = [header.index(name) for name in ("app_name", "window_title", "url", "category")]
    escaped = sorted(f"'{text}" for text in FORMULAS)
    formula_rows = [row for row in rows if row[columns[0]] != "Code"]
    for column in columns:
        assert sorted(row[column] for row in formula_rows) == escaped
    # Numbers are numbers, not text to escape.
    assert {row[header.index("duration")] for row in rows} == {"30", "300"}
    _, *groups = _csv(
        user_client.get(f"{ACTIVITIES}summary/export/", {**query, "group_by": "app_name"})
    )
    assert sorted(group[0] for group in groups) == sorted([*escaped, "Code"])


# --- the schema says so ----------------------------------------------------------------------


def test_the_schema_documents_the_bounds(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    started_at = components["WorkSessionRequest"]["properties"]["started_at"]
    assert started_at["format"] == "date-time"
    assert started_at["pattern"] == limits.DATETIME_PATTERN
    # Answers may hold an edge day the request pattern leaves out.
    assert "pattern" not in components["WorkSession"]["properties"]["started_at"]
    heartbeat = components["HeartbeatRequest"]["properties"]
    assert heartbeat["timestamp"]["pattern"] == limits.DATETIME_PATTERN
    assert heartbeat["pulsetime"]["maximum"] == 86400
    assert "65536 bytes" in components["TeamRequest"]["properties"]["settings"]["description"]
    parameters = {
        (path, parameter["name"]): parameter["schema"]
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
    }
    for key in [
        (f"{ACTIVITIES}export/", "start"),
        (f"{ACTIVITIES}summary/", "end"),
        (ACTIVITIES, "start_time_after"),
        (f"{API}/teams/", "created_before"),
    ]:
        assert parameters[key]["pattern"] == limits.DATETIME_PATTERN, key
    assert parameters[(f"{API}/goals/{{id}}/progress/", "date")]["pattern"] == limits.DATE_PATTERN
    attendees = components["CalendarEventRequest"]["properties"]["attendees"]
    assert attendees["type"] == "array"
    # Transitions take no body; an upload is multipart only.
    assert "requestBody" not in schema["paths"][f"{API}/focus-sessions/{{id}}/cancel/"]["post"]
    upload = schema["paths"][f"{API}/screenshots/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    change = schema["paths"][f"{API}/screenshots/{{id}}/"]["patch"]["requestBody"]["content"]
    assert list(change) == ["application/json"]
    # Required text needs a character DRF doesn't trim away.
    tag = components["WorkSessionRequest"]["properties"]["tags"]["items"]
    assert re.search(tag["pattern"], "a") and not re.search(tag["pattern"], " \x1c\u3000")


# --- property: extreme values into every date, number and JSON field ----------------------


class Nested(int):
    """A nested JSON object drawn by its depth: Hypothesis prints the depth when it reports a
    failing example (printing the object itself would recurse too deep)."""

    def __repr__(self):
        return f"nested({int(self)})"


def _json(value):
    return nested(value) if isinstance(value, Nested) else value


OFFSETS = [
    UTC,
    timezone(timedelta(hours=23, minutes=59)),
    timezone(-timedelta(hours=23, minutes=59)),
]
EDGE_DATETIMES = [
    LATE,
    EARLY,
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "1970-01-01T00:00:00+00:01",
    "2099-12-31T23:59:59Z",
    "2099-12-31T23:59:59-00:01",
    "2100-01-01T00:00:00Z",
    "2026-03-02T09:00:00",
    "2026-02-30T09:00:00Z",
    "2026-03-02T24:00:00Z",
    "2026-03-02T09:00:00+24:00",
    "",
    "now",
    "\x00",
]
datetimes = st.one_of(
    st.sampled_from(EDGE_DATETIMES),
    st.builds(
        lambda moment, offset: moment.replace(tzinfo=offset).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        st.sampled_from(OFFSETS),
    ),
    st.integers(),
    st.none(),
)
dates = st.one_of(
    st.sampled_from(
        [
            "0001-01-01",
            "1969-12-31",
            "1970-01-01",
            "2099-12-31",
            "2100-01-01",
            "9999-12-31",
            "2026-02-29",
            "",
            "x",
        ]
    ),
    st.dates().map(str),
)
numbers = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            1,
            2**31,
            2**63,
            -(2**63),
            10**40,
            -(10**40),
            1e308,
            -1e308,
            5e-324,
            0.5,
            86400,
            86400.0001,
        ]
    ),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.booleans(),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.one_of(
    st.recursive(
        json_scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        ),
        max_leaves=20,
    ),
    st.integers(min_value=30, max_value=40).map(Nested),
    st.just(Nested(1000)),
    st.just("x" * (limits.JSON_FIELD_MAX_BYTES + 1)),
    st.just(["y" * 1000] * 70),
)
FEW = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _expect(response, value) -> None:
    """Never a 500; a datetime or date the server reads, but out of range, is a 400."""
    assert response.status_code < 500, response.content
    parsed = None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is not None and limits.range_error(parsed):
        assert response.status_code == 400, response.content


@FEW
@given(start=datetimes, end=datetimes, many=st.booleans())
@example(start=LATE, end=None, many=True)
def test_property_activity_times(user_client, start, end, many):
    body = {"app_name": "Code", "start_time": start, "end_time": end}
    response = user_client.post(ACTIVITIES, [body, body] if many else body, format="json")
    _expect(response, start)


@FEW
@given(timestamp=datetimes, pulsetime=numbers)
@example(timestamp="9999-12-31T23:59:59Z", pulsetime=86400)
def test_property_heartbeat(user_client, timestamp, pulsetime):
    for _ in range(2):
        response = user_client.post(
            f"{ACTIVITIES}heartbeat/",
            {"app_name": "Code", "timestamp": timestamp, "pulsetime": pulsetime},
            format="json",
        )
        _expect(response, timestamp)


@FEW
@given(started=datetimes, ended=datetimes, tags=json_values)
@example(started=LATE, ended=None, tags=[])
def test_property_work_sessions(user_client, started, ended, tags):
    response = user_client.post(
        f"{API}/work-sessions/",
        {"title": "T", "started_at": started, "ended_at": ended, "tags": _json(tags)},
        format="json",
    )
    _expect(response, started)


@FEW
@given(start=datetimes, end=datetimes, attendees=json_values)
@example(start=EARLY, end=LATE, attendees=Nested(1000))
def test_property_calendar_events(user, user_client, start, end, attendees):
    integration = IntegrationFactory(user=user)
    body = {
        "integration": str(integration.pk),
        "external_id": "e",
        "title": "T",
        "start_time": start,
        "end_time": end,
        "attendees": _json(attendees),
    }
    response = user_client.post(f"{API}/calendar-events/", body, format="json")
    _expect(response, start)


@FEW
@given(day=dates)
@example(day="9999-12-31")
def test_property_goal_progress(user, user_client, day):
    goal = GoalFactory(user=user)
    response = user_client.get(f"{API}/goals/{goal.pk}/progress/", {"date": day})
    _expect(response, day)


@FEW
@given(value=json_values, metadata=json_values, settings_=json_values, members=numbers)
@example(value=Nested(1000), metadata=Nested(1000), settings_=Nested(1000), members=10**40)
def test_property_json_fields(user_client, value, metadata, settings_, members):
    put = user_client.put(
        f"{API}/me/preferences/p/", {"preference_value": _json(value)}, format="json"
    )
    assert put.status_code < 500, put.content
    me = user_client.patch(f"{API}/me/", {"metadata": _json(metadata)}, format="json")
    assert me.status_code < 500, me.content
    team = user_client.post(
        f"{API}/teams/",
        {"name": "T", "settings": _json(settings_), "max_members": members},
        format="json",
    )
    assert team.status_code < 500, team.content


@FEW
@given(start=datetimes, end=datetimes, group_by=st.sampled_from(["category", "day", "x"]))
@example(start="9999-12-31T00:00:00Z", end=None, group_by="category")
@example(start=None, end="0001-01-01T12:00:00Z", group_by="day")
def test_property_report_queries(user_client, start, end, group_by):
    query = {
        key: value
        for key, value in {"start": start, "end": end, "group_by": group_by}.items()
        if value is not None
    }
    for path in ("summary/", "export/", "summary/export/"):
        response = user_client.get(f"{ACTIVITIES}{path}", query)
        _expect(response, query.get("start"))


@FEW
@given(after=datetimes, before=datetimes)
@example(after=LATE, before=EARLY)
def test_property_time_filters(user_client, after, before):
    query = {"start_time_after": after, "start_time_before": before}
    query = {key: value for key, value in query.items() if value is not None}
    response = user_client.get(ACTIVITIES, query)
    _expect(response, query.get("start_time_after"))
