"""Serializer fields for values the API's schema promises: JSON values that are never null
where the column is NOT NULL, objects where an object is expected, within the depth and size
caps; dates and times within the range every input is held to; URLs or the empty string.

The bounds live in core.limits; ModelSerializer (core.serializers) maps model date, datetime
and JSON fields to these, so every endpoint applies them.
"""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits

# A NUL character as JSON writes it: `\u0000` preceded by an even number of backslashes
# (after an odd number, the backslash itself is escaped and "u0000" is text).
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")

_JSON_CAPS = (
    f"At most {limits.json_field_max_bytes()} bytes as JSON, nested at most "
    f"{limits.JSON_MAX_DEPTH} deep."
)


@extend_schema_field(
    {
        "description": f"Any JSON value but null. {_JSON_CAPS}",
        "anyOf": [
            {"type": "object", "additionalProperties": True},
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
        ],
    }
)
class StrictJSONField(serializers.JSONField):
    """A JSONField that refuses JSON `null` unless the column is nullable, and values nested
    deeper than limits.JSON_MAX_DEPTH, larger than settings.JSON_FIELD_MAX_BYTES, or holding
    a NUL character (which PostgreSQL's jsonb refuses).

    Model JSONFields here are `blank=True, default=...` and NOT NULL: Django's full_clean
    skips blank values, so a `null` sent by a client would reach the database as a 500. A
    deep value would exhaust the recursion of the JSON encoder and of the audit trail's diff,
    and a large one would be stored and audited whole. The depth is checked before anything
    encodes the value.
    """

    default_error_messages = {
        "too_deep": limits.DEPTH_MESSAGE,
        "too_large": "Larger than {max_bytes} bytes as JSON.",
        "nul": limits.NUL_MESSAGE,
    }

    def to_internal_value(self, data):
        if self.binary or getattr(data, "is_json_string", False):
            # A form field's text, decoded by the standard library, which recurses.
            try:
                value = super().to_internal_value(data)
            except RecursionError:
                self.fail("too_deep")
        else:
            value = data
        if not limits.json_depth_within(value):
            self.fail("too_deep")
        try:
            encoded = limits.json_encoded(value)
        except (TypeError, ValueError):
            self.fail("invalid")
        max_bytes = limits.json_field_max_bytes()
        if len(encoded) > max_bytes:
            self.fail("too_large", max_bytes=max_bytes)
        if _NUL.search(encoded):
            self.fail("nul")
        if value is None and not self.allow_null:
            self.fail("null")
        return value


@extend_schema_field(
    {"type": "object", "additionalProperties": True, "description": f"A JSON object. {_JSON_CAPS}"}
)
class JSONObjectField(StrictJSONField):
    """A JSON object (settings, metadata): the schema says object, and anything else is a
    400."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value


@extend_schema_field({"type": "array", "items": {}, "description": f"A JSON array. {_JSON_CAPS}"})
class JSONArrayField(StrictJSONField):
    """A JSON array (attendees, say): the schema says array, and anything else is a 400."""

    default_error_messages = {"not_array": "Must be a JSON array."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            self.fail("not_array")
        return value


@extend_schema_field(
    {
        "type": "string",
        "format": "date-time",
        "pattern": limits.DATETIME_PATTERN,
        "description": limits.DATETIME_DESCRIPTION,
    }
)
class DateTimeField(serializers.DateTimeField):
    """A datetime from limits.EARLIEST up to limits.LATEST after applying its offset; any
    other is a 400 naming the field (DRF's own "overflow", near the year 1 or 9999, too)."""

    default_error_messages = {"out_of_range": limits.DATETIME_RANGE_MESSAGE}

    def to_internal_value(self, value):
        try:
            parsed = super().to_internal_value(value)
        except serializers.ValidationError as exc:
            if exc.get_codes() == ["overflow"]:
                self.fail("out_of_range")
            raise
        if not limits.datetime_in_range(parsed):
            self.fail("out_of_range")
        return parsed


@extend_schema_field(
    {
        "type": "string",
        "format": "date",
        "pattern": limits.DATE_PATTERN,
        "description": limits.DATE_DESCRIPTION,
    }
)
class DateField(serializers.DateField):
    """A date from 1970-01-01 to 2099-12-31; any other is a 400 naming the field."""

    default_error_messages = {"out_of_range": limits.DATE_RANGE_MESSAGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not limits.date_in_range(parsed):
            self.fail("out_of_range")
        return parsed


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
)
class BlankableURLField(serializers.URLField):
    """A URL or the empty string (a `blank=True` URLField): the schema says both."""
