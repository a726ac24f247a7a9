import django_filters

from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from core.filters import FilterSet, IsoDateTimeFilter, requester_unless_staff


class AuditLogFilter(FilterSet):
    user = django_filters.ModelChoiceFilter(queryset=requester_unless_staff)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["entity_type", "entity_id", "user", "action", "source", "request_id"]


class SessionActivityFilter(FilterSet):
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SessionActivity
        fields = ["user", "session_id", "activity_type", "method", "response_status"]


class SessionAnalyticsFilter(FilterSet):
    login_time_after = IsoDateTimeFilter(field_name="login_time", lookup_expr="gte")
    login_time_before = IsoDateTimeFilter(field_name="login_time", lookup_expr="lt")

    class Meta:
        model = SessionAnalytics
        fields = ["user", "session_id", "device_type", "is_suspicious"]
