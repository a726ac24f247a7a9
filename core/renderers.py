"""JSON in and out of the API through orjson.

A bulk request carries up to thousands of activities and its answer returns every stored row,
so JSON is encoded and decoded per row on the API's busiest paths. orjson does that job in C
and writes datetimes, dates, times and UUIDs itself, so a serializer may hand them over as they
are instead of turning each into text first.
Output matches DRF's JSONRenderer: UTF-8 without escapes, UTC datetimes ending in `Z`.
"""

import orjson
from django.utils.functional import Promise
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from core import limits

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
_fallback = JSONEncoder()


def _default(value):
    """What orjson can't write natively: lazy translations, Decimal, timedelta, sets, ...
    (DRF's encoder knows them all; it raises TypeError for the rest, as orjson expects)."""
    if isinstance(value, Promise):
        return str(value)
    return _fallback.default(value)


class ORJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        options = _OPTIONS
        if self.get_indent(accepted_media_type, renderer_context):
            options |= orjson.OPT_INDENT_2  # the browsable API's pretty print
        try:
            return orjson.dumps(data, default=_default, option=options)
        except orjson.JSONEncodeError:
            # Integers past 64 bits and other rarities: the standard encoder takes them.
            return super().render(data, accepted_media_type, renderer_context)


class ORJSONParser(JSONParser):
    """Bodies nested deeper than limits.JSON_MAX_DEPTH are a 400 here, before any field,
    encoder or audit diff walks them (recursively)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = orjson.loads(stream.read())
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if not limits.json_depth_within(data):
            raise ParseError(limits.DEPTH_MESSAGE)
        return data
