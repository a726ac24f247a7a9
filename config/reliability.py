"""Reliability helpers (issue 9): secrets kept out of logs, clean 503s when the database is
gone, a cache that degrades instead of failing the request."""

import logging
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Paths that carry a secret in a segment (the API contract fixes them): the chat invite token.
_SECRET_PATH = re.compile(r"(/chat-invites/)[^/\s]+")
_SECRET_QUERY = re.compile(r"([?&](?:token|key)=)[^&\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    return _SECRET_QUERY.sub(r"\1[redacted]", _SECRET_PATH.sub(r"\1[redacted]", text))


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message with secret path segments and query values redacted.

    django.request logs every 4xx/5xx with the request path, which for an invite accept holds
    the token itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


# --- API input and schema ---------------------------------------------------------


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


_ERROR_BODY = {
    "type": "object",
    "description": "`detail` for general errors, or field names mapping to messages.",
    "additionalProperties": True,
}
_ERRORS = {
    "400": "Invalid input; field errors name the fields.",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "Not found (another user's object is a 404 too).",
    "405": "Method not allowed.",
    "409": "Illegal state transition.",
    "410": "Gone: the token or invite has expired or been used.",
    "415": "Unsupported media type.",
    "429": "Throttled.",
    "503": "Service unavailable: the database could not be reached; retry.",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the JSON error answers
    every view can give (DRF's exceptions and the 503 of DatabaseUnavailableMiddleware)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in _ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": _ERROR_BODY}},
                    },
                )
    return result


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
)
class BlankableURLField(serializers.URLField):
    """A URL or the empty string (a `blank=True` URLField): the schema says both."""
