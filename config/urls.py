from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from accounts.admin_access import admin_has_permission, admin_login
from config.views import healthz, redoc, swagger_ui
from teams import views as team_views

# Staff sign in through allauth, so its rate limits and two-factor step apply to the admin.
admin.site.login = admin_login(admin.site.login)
admin.site.has_permission = admin_has_permission(admin.site.has_permission)

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False), name="home"),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("team-invites/accept/", team_views.invite_accept, name="team-invite-accept-page"),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", swagger_ui, name="api-docs"),
    path("api/redoc/", redoc, name="api-redoc"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Database outages outside views are a 503 JSON too (config/views.py).
handler500 = "config.views.server_error"
handler404 = "config.views.page_not_found"
