"""Reliability helpers (issue 9): secrets kept out of logs, clean 503s when the database is
gone, a cache that degrades instead of failing the request."""

import logging
import sys

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.db import DataError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults
from drf_spectacular.utils import extend_schema_field
from redis.exceptions import RedisError
from rest_framework import serializers

from config.redaction import redact


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


ERROR_BODY = {
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
                        "content": {"application/json": {"schema": ERROR_BODY}},
                    },
                )
            # Answered by the web server before the request reaches Cadence, in its own
            # format: gunicorn refuses request lines over `limit_request_line` bytes.
            operation["responses"].setdefault(
                "414", {"description": "URI too long (refused by the web server)."}
            )
    return result


def require_one_or_many_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: a request body given as one object or an array
    of them (`oneOf`, the bulk endpoints) is required. drf-spectacular marks a body required
    from its serializer's required fields, and has none to look at for a schema given as a
    dict."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and any(
                "oneOf" in media.get("schema", {}) for media in body["content"].values()
            ):
                body["required"] = True
    return result


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
)
class BlankableURLField(serializers.URLField):
    """A URL or the empty string (a `blank=True` URLField): the schema says both."""


# --- database faults --------------------------------------------------------------

logger = logging.getLogger("config.reliability")


def database_error_response(exc: BaseException) -> JsonResponse | None:
    """The JSON answer for a database error that is not the application's fault, or None.

    Lost or refused connections (OperationalError, InterfaceError) are a 503 the client may
    retry: with ATOMIC_REQUESTS the request's transaction was rolled back, so nothing was
    half written, and Django drops the broken connection at the end of the request, so the
    next request reconnects. A DataError is a value PostgreSQL refused (a timezone offset
    out of range, say) that validation let through: the client's input, a 400.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", type(exc).__name__)
        response = JsonResponse(
            {"detail": "The database is unavailable. Please retry shortly."}, status=503
        )
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, DataError):
        return JsonResponse({"detail": "A value in the request is out of range."}, status=400)
    return None


class DatabaseUnavailableMiddleware:
    """Turns database errors raised by views into the JSON answers above (never a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_error_response(exception)


def server_error(request, *args, **kwargs):
    """handler500: errors raised outside views (middleware: sessions, authentication) that
    are database outages still answer 503 JSON; anything else is Django's plain 500."""
    response = database_error_response(sys.exception())
    if response is not None:
        return response
    return defaults.server_error(request, *args, **kwargs)


# --- cache faults -------------------------------------------------------------------


_MISSING = object()


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, with one `redis.Redis` per connection pool instead of a
    new one for every cache call: building one costs more than a GET over loopback (seen in
    bench/ profiles). A client is safe to share between threads; each command takes its own
    connection from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    """Django's Redis cache, degraded rather than failing when Redis is unreachable.

    Throttle counters, rate limits and cached lookups are worth less than the request: a
    read answers "not cached" and a write is dropped, with a warning in the log.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    def _tolerate(name, default=None):
        method = getattr(RedisCache, name)

        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                logger.warning("cache %s failed, degraded: %s", name, type(exc).__name__)
                return default() if callable(default) else default

        wrapper.__name__ = name
        return wrapper

    _get = _tolerate("get")

    def get(self, key, default=None, version=None):
        # A miss, with the caller's default (DRF throttles pass [] for "no history").
        value = self._get(key, _MISSING, version)
        return default if value is None or value is _MISSING else value

    get_many = _tolerate("get_many", dict)
    set = _tolerate("set")
    set_many = _tolerate("set_many", list)
    add = _tolerate("add", False)
    touch = _tolerate("touch", False)
    delete = _tolerate("delete", False)
    delete_many = _tolerate("delete_many")
    has_key = _tolerate("has_key", False)
    clear = _tolerate("clear", False)
    incr = _tolerate("incr", 1)
    get_or_set = _tolerate("get_or_set")
    del _tolerate

    def count(self, key, timeout: int, version=None) -> int | None:
        """Add one to the counter at `key`, created with `timeout`, in one round trip.

        SET NX creates the counter with its expiry and INCR adds to it, in one MULTI: the
        counter never lives without its expiry, and no read-then-write race loses a count.
        None when Redis can't be reached.
        """
        key = self.make_and_validate_key(key, version=version)
        try:
            pipeline = self._cache.get_client(key, write=True).pipeline(transaction=True)
            pipeline.set(key, 0, ex=max(1, int(timeout)), nx=True).incr(key)
            return pipeline.execute()[1]
        except RedisError as exc:
            logger.warning("cache count failed, degraded: %s", type(exc).__name__)
            return None


def page_not_found(request, exception, *args, **kwargs):
    """handler404: a URL under /api/ that matches no route (an id that is not a UUID, say) is
    the same JSON 404 the API gives for a missing object, not Django's HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, *args, **kwargs)
