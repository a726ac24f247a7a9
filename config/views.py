import sys

from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.middleware import database_error_response


# Not inside ATOMIC_REQUESTS: opening the request's transaction would fail before the check runs.
@transaction.non_atomic_requests
@never_cache
@require_safe
def healthz(request):
    """Liveness and readiness in one: 200 when the database answers a query, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request, *args, **kwargs):
    """handler500: errors raised outside views (middleware: sessions, authentication) that
    are database outages still answer 503 JSON; anything else is Django's plain 500."""
    response = database_error_response(sys.exception())
    if response is not None:
        return response
    return defaults.server_error(request, *args, **kwargs)


def page_not_found(request, exception, *args, **kwargs):
    """handler404: a URL under /api/ that matches no route (an id that is not a UUID, say) is
    the same JSON 404 the API gives for a missing object, not Django's HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception, *args, **kwargs)
