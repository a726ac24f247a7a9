"""The one API router: every app contributes its `api/urls.py` under /api/v1/."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("activity.api.urls")),
    path("", include("social.api.urls")),
    path("", include("teams.api.urls")),
    path("", include("auditing.api.urls")),
    path("", include("config.api.urls")),
]
