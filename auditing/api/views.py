from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework import viewsets

from auditing.api.filters import AuditLogFilter, SessionActivityFilter, SessionAnalyticsFilter
from auditing.api.serializers import (
    AuditLogSerializer,
    SessionActivitySerializer,
    SessionAnalyticsSerializer,
)
from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from core.pagination import CursorPagination

# Staff endpoints let in whom the admin lets in (two-factor when ADMIN_REQUIRE_MFA is on).
# The class is accounts', named in settings as the user model is: accounts records its own
# events through auditing, so auditing doesn't import accounts.
StaffWithMFA = import_string(settings.STAFF_API_PERMISSION)


class LoginTimeCursorPagination(CursorPagination):
    ordering = ("-login_time", "-id")


class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, staff only and read-only for everyone."""

    queryset = AuditLog.objects.all()
    serializer_class = AuditLogSerializer
    permission_classes = [StaffWithMFA]
    pagination_class = CursorPagination
    filterset_class = AuditLogFilter
    search_fields = ["entity_id", "actor_label", "request_id"]
    ordering_fields = ["created_at"]


class MyAuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    """Audit rows where the signed-in user is the actor."""

    serializer_class = AuditLogSerializer
    pagination_class = CursorPagination
    filterset_class = AuditLogFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditLog.objects.none()
        return AuditLog.objects.filter(user=self.request.user)


class SessionActivityViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SessionActivity.objects.all()
    serializer_class = SessionActivitySerializer
    permission_classes = [StaffWithMFA]
    pagination_class = CursorPagination
    filterset_class = SessionActivityFilter
    ordering_fields = ["created_at"]


class SessionAnalyticsViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SessionAnalytics.objects.all()
    serializer_class = SessionAnalyticsSerializer
    permission_classes = [StaffWithMFA]
    pagination_class = LoginTimeCursorPagination
    filterset_class = SessionAnalyticsFilter
    ordering_fields = ["login_time"]
