"""Serializer fields for JSON values the API's schema promises: never null where the column
is NOT NULL, objects where an object is expected, URLs or the empty string."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(
    {
        "description": "Any JSON value but null.",
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
    """A JSONField that refuses JSON `null` unless the column is nullable.

    Model JSONFields here are `blank=True, default=...` and NOT NULL: Django's full_clean
    skips blank values, so a `null` sent by a client reached the database as a 500.
    """

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value is None and not self.allow_null:
            self.fail("null")
        return value


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(StrictJSONField):
    """A JSON object (settings, metadata): the schema says object, and anything else is a
    400."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
)
class BlankableURLField(serializers.URLField):
    """A URL or the empty string (a `blank=True` URLField): the schema says both."""
