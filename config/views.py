from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


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
