"""Cadence's URLs plus the framework's ceiling: the same 50 activities as the cursor-paged
list, read with `.values()` and returned by JsonResponse. Bench only, never in config.urls."""

from django.http import JsonResponse
from django.urls import path

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


urlpatterns = [
    path("bench/ceiling/activities/", activities_ceiling),
    *cadence_urlpatterns,
]
