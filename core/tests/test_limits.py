"""The bounds of core.limits and the ground-floor pieces that apply them: the JSON parser, the
JSON, date and datetime serializer fields, and the filter sets' range check."""

import io
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.test import override_settings
from rest_framework.exceptions import ParseError, ValidationError

from core import limits
from core.fields import DateField, DateTimeField, JSONArrayField, JSONObjectField, StrictJSONField
from core.renderers import ORJSONParser

PLUS_23_59 = timezone(timedelta(hours=23, minutes=59))
MINUS_23_59 = timezone(-timedelta(hours=23, minutes=59))


def nested_lists(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "value, within",
    [
        (1, True),
        ("text", True),
        ({}, True),
        (json.loads(nested_lists(32)), True),
        (json.loads(nested_lists(33)), False),
        ({"a": [{"b": [1]}]}, True),
        ([[], [[[]]]], True),
    ],
)
def test_json_depth(value, within):
    assert limits.json_depth_within(value) is within


def test_json_depth_measures_any_depth_without_recursion():
    value: list = []
    for _ in range(100_000):
        value = [value]
    assert limits.json_depth_within(value) is False


def _parse(raw: bytes):
    return ORJSONParser().parse(io.BytesIO(raw))


def test_the_parser_refuses_bodies_nested_deeper_than_32():
    assert _parse(nested_lists(32).encode()) == json.loads(nested_lists(32))
    with pytest.raises(ParseError) as refused:
        _parse(nested_lists(33).encode())
    assert str(refused.value.detail) == limits.DEPTH_MESSAGE
    with pytest.raises(ParseError):
        _parse(nested_lists(5000).encode())  # past orjson's own limit: a parse error too


def _run(field, value):
    field.bind("value", None)
    return field.run_validation(value)


def test_json_fields_check_depth_size_and_nul():
    assert _run(StrictJSONField(), {"a": [1, "b"]}) == {"a": [1, "b"]}
    with pytest.raises(ValidationError) as deep:
        _run(StrictJSONField(), json.loads(nested_lists(40)))
    assert deep.value.detail == [limits.DEPTH_MESSAGE]
    with override_settings(JSON_FIELD_MAX_BYTES=10):
        assert _run(StrictJSONField(), "12345678") == "12345678"  # 10 bytes with the quotes
        with pytest.raises(ValidationError) as large:
            _run(StrictJSONField(), "123456789")
    assert large.value.detail == ["Larger than 10 bytes as JSON."]
    with pytest.raises(ValidationError) as nul:
        _run(StrictJSONField(), ["a\x00"])
    assert nul.value.detail == [limits.NUL_MESSAGE]
    assert _run(StrictJSONField(), ["\\u0000"]) == ["\\u0000"]
    assert _run(StrictJSONField(), 10**30) == 10**30  # past 64 bits: measured all the same


def test_json_object_and_array_fields_say_which_they_take():
    with pytest.raises(ValidationError):
        _run(JSONObjectField(), [])
    with pytest.raises(ValidationError):
        _run(JSONArrayField(), {})
    assert _run(JSONArrayField(), [{"a": 1}]) == [{"a": 1}]


@pytest.mark.parametrize(
    "value, accepted",
    [
        ("1970-01-01T00:00:00Z", True),
        ("2099-12-31T23:59:59.999999Z", True),
        ("2100-01-01T00:00:00Z", False),
        ("1969-12-31T23:59:59Z", False),
        ("1970-01-01T23:58:00+23:59", False),  # 1969-12-31T23:59Z
        ("2099-12-31T00:02:00-23:59", False),  # 2100-01-01T00:01Z
        ("9999-12-31T23:59:59-23:59", False),  # past the year 9999 in UTC
        ("0001-01-01T00:00:00+23:59", False),  # before the year 1 in UTC
        (datetime(9999, 12, 31, 23, 59, tzinfo=MINUS_23_59), False),
    ],
)
def test_datetimes_lie_between_1970_and_2100_after_their_offset(value, accepted):
    field = DateTimeField()
    if accepted:
        assert _run(field, value).tzinfo is not None
    else:
        with pytest.raises(ValidationError) as refused:
            _run(field, value)
        assert refused.value.detail == [limits.DATETIME_RANGE_MESSAGE]


def test_comparing_extreme_offsets_never_overflows():
    assert not limits.datetime_in_range(datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_23_59))
    assert not limits.datetime_in_range(datetime(1, 1, 1, tzinfo=PLUS_23_59))
    assert limits.datetime_in_range(datetime(2000, 1, 1))  # naive: read as UTC


@pytest.mark.parametrize(
    "value, accepted",
    [("1970-01-01", True), ("2099-12-31", True), ("2100-01-01", False), ("0001-01-01", False)],
)
def test_dates_lie_between_1970_and_2099(value, accepted):
    if accepted:
        assert _run(DateField(), value) == date.fromisoformat(value)
    else:
        with pytest.raises(ValidationError) as refused:
            _run(DateField(), value)
        assert refused.value.detail == [limits.DATE_RANGE_MESSAGE]


def test_the_schema_patterns_match_only_values_in_range():
    # Every value the date-time pattern matches is accepted whatever its offset; the edge
    # days, where the offset decides, are left out of the pattern.
    pattern = re.compile(limits.DATETIME_PATTERN)
    for day in (date(1970, 1, 2), date(1999, 6, 30), date(2099, 12, 30)):
        for offset in ("Z", "+23:59", "-23:59"):
            value = f"{day}T00:00:00{offset}"
            assert pattern.search(value), value
            assert _run(DateTimeField(), value)
    for value in ("1970-01-01T12:00:00Z", "2099-12-31T00:00:00Z", "2100-01-01T00:00:00Z"):
        assert not pattern.search(value)
    assert re.search(limits.DATE_PATTERN, "2099-12-31")
    assert not re.search(limits.DATE_PATTERN, "2100-01-01")


def test_range_error_reads_dates_and_datetimes():
    assert limits.range_error(datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert limits.range_error(date(1969, 1, 1)) == limits.DATE_RANGE_MESSAGE
    assert limits.range_error("not a date") is None
