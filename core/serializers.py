"""The base classes of every API serializer: JSON values must already have their type.

DRF's fields coerce: `"true"`, `"1"` and `1` pass as booleans, numbers as strings, `"2.5"` as a
number. That suits HTML forms, where every value is text, but a JSON body that sends `"false"`
for a boolean is almost always a client bug, and the schema promises the types. In a JSON
body, a value of the wrong JSON type is a 400 with the field's usual message; multipart
bodies (the upload endpoints) keep DRF's coercion.
"""

from typing import TYPE_CHECKING

from django.db import models
from rest_framework import serializers
from rest_framework.utils import html

from core.fields import DateField, DateTimeField, StrictJSONField

# Field class -> the JSON types its values may have (None always passes to the field, which
# decides about nulls). The first match in this order wins; unlisted fields are left alone.
_JSON_TYPES = (
    (serializers.BooleanField, (bool,), "invalid"),
    (serializers.CharField, (str,), "invalid"),
    (serializers.IntegerField, (int,), "invalid"),
    (serializers.FloatField, (int, float), "invalid"),
    (serializers.ListField, (list,), "not_a_list"),
)


def _wrong_type(field, value) -> str | None:
    for field_class, types, message in _JSON_TYPES:
        if isinstance(field, field_class):
            if isinstance(value, bool) and bool not in types:
                return message  # True is an int to Python, not to JSON
            if isinstance(value, float) and int in types and value.is_integer():
                return None  # 25.0 is an integer to JSON Schema
            return None if isinstance(value, types) else message
    return None


def _type_errors(field, value):
    """The field's errors for a JSON value of the wrong type, as DRF words them, or None. A
    list's items are checked too ([1] is not a list of strings), with errors by index as
    DRF's ListField gives them.

    Text longer than the field's max_length is refused as it was sent: DRF measures it after
    trimming surrounding whitespace, so a value the schema calls too long would pass."""
    message = _wrong_type(field, value)
    if message:
        return [field.error_messages[message].format(input_type=type(value).__name__)]
    limit = getattr(field, "max_length", None)
    if isinstance(field, serializers.CharField) and limit is not None and len(value) > limit:
        return [field.error_messages["max_length"].format(max_length=limit)]
    if isinstance(field, serializers.ListField):
        items = {
            index: _type_errors(field.child, item)
            for index, item in enumerate(value)
            if item is not None
        }
        return {index: errors for index, errors in items.items() if errors} or None
    return None


if TYPE_CHECKING:
    _Serializer = serializers.Serializer
else:
    _Serializer = object


class _StrictJSONTypes(_Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict) and not html.is_html_input(data):
            errors = {}
            for field in self._writable_fields:
                value = data.get(field.field_name)
                if value is None:
                    continue
                field_errors = _type_errors(field, value)
                if field_errors:
                    errors[field.field_name] = field_errors
            if errors:
                raise serializers.ValidationError(errors)  # type: ignore[arg-type]
        return super().to_internal_value(data)


class Serializer(_StrictJSONTypes, serializers.Serializer):
    pass


class ModelSerializer(_StrictJSONTypes, serializers.ModelSerializer):
    # JSON `null` into a NOT NULL JSON column, a JSON value past the depth or size caps, and
    # a date or datetime out of range are a 400, not a 500 (core.fields, core.limits).
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.JSONField: StrictJSONField,
        models.DateTimeField: DateTimeField,
        models.DateField: DateField,
    }


# An empty query parameter (`?start=`) for a value that is not text: DRF and django-filter
# read it as "left out", but it is not a value of the parameter's type.
EMPTY_PARAMETER = "Enter a value, or leave the parameter out."


class QuerySerializer(Serializer):
    """A serializer of query parameters: an empty value of a parameter that is not text is a
    400, as in the filters (core.filters), instead of DRF's "left out"."""

    def to_internal_value(self, data):
        errors = {
            name: [EMPTY_PARAMETER]
            for name, field in self.fields.items()
            if not field.read_only
            and not isinstance(field, serializers.CharField)
            and data.get(name) == ""
        }
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
