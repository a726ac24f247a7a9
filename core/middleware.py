"""Middleware of the ground floor.

Database faults as JSON answers: an outage is a 503 the client may retry, a value the
database refused is a 400, never a 500. Cache headers on API answers: what a signed-in
client was sent is never kept by a browser or proxy cache.
"""

import logging

from django.db import DataError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.cache import patch_vary_headers

logger = logging.getLogger("core.middleware")


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


# The headers an API caller is identified by: a cached answer is never reused across them.
CREDENTIAL_HEADERS = ("Authorization", "Cookie", "X-Session-Token")
# Everything under /api/, and allauth's headless API, whose answers carry session tokens.
API_PREFIXES = ("/api/", "/_allauth/")


class ApiCacheHeadersMiddleware:
    """`Vary: Authorization, Cookie, X-Session-Token` on every API answer, and
    `Cache-Control: no-store` on those to an authenticated caller (and on allauth's headless
    answers, which hand out session tokens): a shared cache or the browser's back button
    never shows one person's data to another.

    DRF authenticates inside the view and copies the user onto the Django request, so the
    user is read here, on the way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(API_PREFIXES):
            return response
        patch_vary_headers(response, CREDENTIAL_HEADERS)
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        if authenticated or request.path_info.startswith("/_allauth/"):
            response["Cache-Control"] = "no-store"
        return response
