"""The bounds every API input is held to before anything else looks at it.

JSON: a body nested deeper than JSON_MAX_DEPTH is refused by the parser, and a JSON field's
value larger than `settings.JSON_FIELD_MAX_BYTES` (encoded as JSON) by the field. Deep
values exhaust Python's recursion (in the audit trail's diffs, in json.dumps) and large ones
are stored and audited whole, so both are a 400 at the door.

Dates and times: from EARLIEST up to LATEST, after applying the offset. Python's datetimes
end at the year 9999, and a value near either end overflows as soon as it is moved to UTC or
a day is added to it; no tracked time lies outside these bounds.

The schema patterns say the same to clients and to schema-driven fuzzers. A pattern can't
apply an offset, so the date-time pattern leaves out the two edge days (1970-01-01 and
2099-12-31), where the offset decides: every value it matches is in range.
"""

from datetime import UTC, date, datetime
from typing import Any

import orjson
from django.conf import settings
from rest_framework.utils.encoders import JSONEncoder

JSON_MAX_DEPTH = 32
JSON_FIELD_MAX_BYTES = 64 * 1024  # the default of settings.JSON_FIELD_MAX_BYTES

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive

DATETIME_RANGE_MESSAGE = (
    "Must be from 1970-01-01T00:00:00Z up to (not including) 2100-01-01T00:00:00Z, "
    "after applying the offset."
)
DATE_RANGE_MESSAGE = "Must be from 1970-01-01 to 2099-12-31."
DEPTH_MESSAGE = f"JSON nested deeper than {JSON_MAX_DEPTH} levels."
# PostgreSQL's jsonb can't hold the NUL character; SQLite can, so it is refused on both.
NUL_MESSAGE = "JSON text may not contain the NUL character (\\u0000)."

_DAY = r"(0[1-9]|[12][0-9]|3[01])"
_MONTH_DAY = rf"(0[1-9]|1[0-2])-{_DAY}"
_YEARS_WITHIN = r"(197[1-9]|19[89][0-9]|20[0-8][0-9]|209[0-8])"  # 1971 to 2098
_DATE_WITHIN = (
    rf"({_YEARS_WITHIN}-{_MONTH_DAY}"
    rf"|1970-(0[2-9]|1[0-2])-{_DAY}|1970-01-(0[2-9]|[12][0-9]|3[01])"
    rf"|2099-(0[1-9]|1[01])-{_DAY}|2099-12-(0[1-9]|[12][0-9]|30))"
)
# The time as RFC 3339 writes it (Python reads a lowercase separator, not a lowercase Z).
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DATE_PATTERN = rf"^(19[7-9][0-9]|20[0-9][0-9])-{_MONTH_DAY}$"
DATETIME_PATTERN = rf"^{_DATE_WITHIN}[Tt]{_TIME}{_OFFSET}$"
DATETIME_DESCRIPTION = (
    "ISO 8601 date and time with an offset, from 1970-01-01T00:00:00Z up to "
    "2100-01-01T00:00:00Z after applying the offset."
)
DATE_DESCRIPTION = "ISO 8601 date, from 1970-01-01 to 2099-12-31."


def json_field_max_bytes() -> int:
    return getattr(settings, "JSON_FIELD_MAX_BYTES", JSON_FIELD_MAX_BYTES)


def json_size_message() -> str:
    return f"Larger than {json_field_max_bytes()} bytes as JSON."


def json_depth_within(value: Any, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether arrays and objects in `value` nest at most `limit` deep (a scalar is 0 deep,
    `[]` 1). Level by level, without recursion, so any depth can be measured."""
    level = [value] if type(value) in (dict, list) else []
    for _ in range(limit):
        if not level:
            return True
        inner = []
        for container in level:
            for item in container.values() if type(container) is dict else container:
                kind = type(item)
                if kind is dict or kind is list:
                    inner.append(item)
        level = inner
    return not level


def json_encoded(value: Any) -> bytes:
    """`value` written as JSON (TypeError or ValueError when it can't be)."""
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        # Integers past 64 bits and other rarities: the standard encoder takes them.
        return JSONEncoder().encode(value).encode()


def datetime_in_range(value: datetime) -> bool:
    """Whether `value` lies in [EARLIEST, LATEST); a naive value is read as UTC. Comparing
    aware datetimes never converts them, so this holds for any offset without overflow."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    return EARLIEST <= value < LATEST


def date_in_range(value: date) -> bool:
    return EARLIEST.date() <= value < LATEST.date()


def range_error(value: Any) -> str | None:
    """The range message for a date or datetime outside the bounds, else None."""
    if isinstance(value, datetime):
        return None if datetime_in_range(value) else DATETIME_RANGE_MESSAGE
    if isinstance(value, date):
        return None if date_in_range(value) else DATE_RANGE_MESSAGE
    return None
