from django.contrib import admin, messages

from activity import services
from activity.exceptions import IllegalTransition
from activity.models import (
    Activity,
    CalendarEvent,
    ClassificationRule,
    FocusSession,
    Goal,
    IdleSession,
    Integration,
    Screenshot,
    UserActivity,
    WorkSession,
)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "app_name",
        "user",
        "category",
        "is_productive",
        "is_afk",
        "start_time",
        "duration",
    ]
    list_filter = ["is_productive", "is_afk", "category"]
    search_fields = ["app_name", "window_title", "url", "user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "start_time"
    readonly_fields = ["id", "duration", "created_at"]
    # Counting millions of rows for every changelist page is what makes admin lists slow.
    show_full_result_count = False
    actions = ["reclassify"]

    @admin.action(description="Re-apply classification rules to the selected activities")
    def reclassify(self, request, queryset):
        changed = services.activities_reclassify_selected(activities=queryset)
        self.message_user(request, f"{changed} activities reclassified.", messages.SUCCESS)


@admin.register(ClassificationRule)
class ClassificationRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "user",
        "app_name",
        "url_pattern",
        "category",
        "is_productive",
        "priority",
        "is_active",
    ]
    list_filter = ["is_active", "is_productive", "category", ("user", admin.EmptyFieldListFilter)]
    search_fields = ["app_name", "url_pattern", "window_title_pattern", "category"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["id", "created_at"]


@admin.register(IdleSession)
class IdleSessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "status", "start_time", "end_time", "total_duration"]
    list_filter = ["status"]
    search_fields = ["session_name", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "start_time"
    readonly_fields = ["id", "total_duration", "paused_at", "paused_seconds", "created_at"]
    actions = ["complete"]

    @admin.action(description="Complete the selected sessions")
    def complete(self, request, queryset):
        done = 0
        for session in queryset:
            try:
                services.idle_session_complete(session=session)
                done += 1
            except IllegalTransition:
                pass
        self.message_user(request, f"{done} sessions completed.", messages.SUCCESS)


@admin.register(UserActivity)
class UserActivityAdmin(admin.ModelAdmin):
    list_display = ["activity_type", "user", "session", "occurred_at", "ip_address"]
    list_filter = ["activity_type"]
    search_fields = ["activity_type", "user__username", "ip_address"]
    list_select_related = ["user", "session"]
    autocomplete_fields = ["user", "session"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["id"]
    show_full_result_count = False


@admin.register(FocusSession)
class FocusSessionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "user",
        "status",
        "duration_minutes",
        "actual_duration",
        "distraction_count",
        "started_at",
    ]
    list_filter = ["status"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "id",
        "actual_duration",
        "distraction_count",
        "paused_at",
        "paused_seconds",
        "ended_at",
        "created_at",
    ]
    actions = ["cancel"]

    @admin.action(description="Cancel the selected open sessions")
    def cancel(self, request, queryset):
        done = 0
        for session in queryset:
            try:
                services.focus_session_cancel(session=session)
                done += 1
            except IllegalTransition:
                pass
        self.message_user(request, f"{done} sessions cancelled.", messages.SUCCESS)


@admin.register(WorkSession)
class WorkSessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "project", "is_billable", "started_at", "duration"]
    list_filter = ["is_billable", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "project", "description", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "started_at"
    readonly_fields = ["id", "duration", "created_at"]
    actions = ["stop"]

    @admin.action(description="Stop the selected running timers")
    def stop(self, request, queryset):
        done = 0
        for session in queryset.filter(ended_at__isnull=True):
            services.work_session_stop(session=session)
            done += 1
        self.message_user(request, f"{done} timers stopped.", messages.SUCCESS)


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "type", "target_hours", "is_active", "created_at"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(Screenshot)
class ScreenshotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "app_name", "is_blurred", "width", "height", "file_size"]
    list_filter = ["is_blurred"]
    search_fields = ["app_name", "window_title", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "captured_at"
    readonly_fields = [
        "id",
        "file_path",
        "thumbnail_url",
        "is_blurred",
        "file_size",
        "width",
        "height",
        "created_at",
    ]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["provider", "user", "is_active", "token_expires_at", "updated_at"]
    list_filter = ["provider", "is_active"]
    search_fields = ["provider", "provider_user_id", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    # Tokens are secrets: never shown in the admin, not even encrypted.
    exclude = ["access_token", "refresh_token"]
    readonly_fields = ["id", "created_at", "updated_at"]


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "integration", "start_time", "end_time", "is_meeting"]
    list_filter = ["is_meeting", "is_all_day"]
    search_fields = ["title", "location", "external_id", "user__username"]
    list_select_related = ["user", "integration"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["integration"]
    date_hierarchy = "start_time"
    readonly_fields = ["id", "is_meeting", "created_at", "updated_at"]
