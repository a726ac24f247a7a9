from django.contrib import admin
from django.contrib.auth import get_user_model

from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from core.admin import ReadOnlyAdmin


class ActorFilter(admin.SimpleListFilter):
    """Staff actors and "system", without a DISTINCT over the whole audit table."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        staff = get_user_model()._default_manager.filter(is_staff=True).order_by("username")
        return [("system", "System (no actor)")] + [
            (str(user.pk), user.get_username()) for user in staff[:100]
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "system":
            return queryset.filter(user__isnull=True)
        if value:
            return queryset.filter(user_id=value)
        return queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "action",
        "entity_type",
        "entity_id",
        "actor_label",
        "source",
        "ip_address",
    ]
    list_filter = ["action", "source", "entity_type", ActorFilter]
    search_fields = ["entity_id", "actor_label", "request_id", "=ip_address"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditLog._meta.fields]


@admin.register(SessionActivity)
class SessionActivityAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "method", "endpoint", "response_status", "client_ip"]
    list_filter = ["activity_type", "method", "response_status"]
    search_fields = ["endpoint", "session_id", "request_id", "user__username", "=client_ip"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(SessionAnalytics)
class SessionAnalyticsAdmin(ReadOnlyAdmin):
    list_display = [
        "login_time",
        "user",
        "device_type",
        "browser",
        "os",
        "page_views",
        "api_calls",
        "security_score",
        "is_suspicious",
    ]
    list_filter = ["is_suspicious", "device_type", "browser", "os"]
    search_fields = ["session_id", "user__username", "=ip_address"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "login_time"
