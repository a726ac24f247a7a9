import sys

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.utils.csp import CSP
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

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


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI from the installed package files; its inline style and start-up script
    carry the request's CSP nonce, so the site-wide policy holds."""

    template_name = "api/swagger_ui.html"


class RedocView(SpectacularRedocView):
    """Redoc from the installed package files, without web fonts from Google."""

    template_name = "api/redoc.html"


# Redoc styles its page by inserting <style> elements at run time (styled-components), which
# no nonce can reach, and searches in a worker started from a blob: URL. Its page alone
# allows inline styles and blob: workers; scripts still come only from Cadence.
REDOC_CSP = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}
swagger_ui = SwaggerView.as_view(url_name="api-schema")
redoc = csp_override(REDOC_CSP)(RedocView.as_view(url_name="api-schema"))
