from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("me/preferences", views.UserPreferenceViewSet, basename="preference")
router.register("me/api-keys", views.ApiKeyViewSet, basename="api-key")
router.register("me/sessions", views.UserSessionViewSet, basename="session")
router.register("users", views.UserViewSet, basename="user")
router.register("roles", views.RoleViewSet, basename="role")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("me/settings/", views.MeSettingsView.as_view(), name="me-settings"),
    path("auth/password-reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    *router.urls,
]
