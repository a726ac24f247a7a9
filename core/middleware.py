"""Database faults as JSON answers: an outage is a 503 the client may retry, a value the
database refused is a 400, never a 500."""

import logging

from django.db import DataError, InterfaceError, OperationalError
from django.http import JsonResponse

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
