"""Cadence's URLs plus the bench-only views that give the measurements their references:

- the framework's ceiling for lists: the same 50 activities as the cursor-paged list, read
  with `.values()` and returned by JsonResponse;
- the floors under a heartbeat: an empty Django view, and an API view that authenticates
  and throttles like every API call and records its session-activity row, then does
  nothing. Neither opens the request transaction, just as the heartbeat doesn't.

Bench only, never in config.urls."""

from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from activity.models import Activity
from config.urls import urlpatterns as cadence_urlpatterns

FIELDS = (
    "id",
    "app_name",
    "window_title",
    "url",
    "category",
    "is_productive",
    "is_afk",
    "start_time",
    "end_time",
    "duration",
    "created_at",
)


def activities_ceiling(request):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    rows = Activity.objects.filter(user=request.user).order_by("-start_time", "-id").values(*FIELDS)
    return JsonResponse({"results": list(rows[:50])})


@csrf_exempt
def empty(request):
    return JsonResponse({})


class NoOp(APIView):
    def post(self, request):
        return Response({})


urlpatterns = [
    path("bench/ceiling/activities/", activities_ceiling),
    path("bench/floor/empty/", transaction.non_atomic_requests(empty)),
    path("bench/floor/api-noop/", transaction.non_atomic_requests(NoOp.as_view())),
    *cadence_urlpatterns,
]
