"""The staff console for tracking data: every save and delete goes through activity.services,
so the admin derives and audits exactly as the API does. User activities are read-only:
events come from clients, and there is no service to edit or delete one."""

from django.contrib import admin, messages

from activity import services
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
from core.admin import ReadOnlyAdmin, ServiceAdmin, run_for_each


def _form_values(form) -> dict:
    """A create form's values of the model's fields, but the owner (the service's `user`)."""
    fields = {field.name for field in form._meta.model._meta.concrete_fields}
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in fields and name != "user"
    }


class OwnedAdmin(ServiceAdmin):
    """Rows that belong to a user: the owner is chosen when staff add one, then fixed."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if obj is None or "user" in fields else (*fields, "user")

    def service_delete(self, request, obj) -> None:
        services.object_delete(instance=obj)


@admin.register(Activity)
class ActivityAdmin(ServiceAdmin):
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
    # Activities come from trackers: staff correct or delete them, they don't add them.
    readonly_fields = ["id", "user", "duration", "created_at"]
    # Counting millions of rows for every changelist page is what makes admin lists slow.
    show_full_result_count = False
    actions = ["reclassify"]

    def service_update(self, request, obj, data) -> None:
        services.activity_update(activity=obj, data=data)

    def service_delete(self, request, obj) -> None:
        services.activity_delete(activity=obj)

    @admin.action(description="Re-apply classification rules to the selected activities")
    def reclassify(self, request, queryset):
        changed = services.activities_reclassify_selected(activities=queryset)
        self.message_user(request, f"{changed} activities reclassified.", messages.SUCCESS)


@admin.register(ClassificationRule)
class ClassificationRuleAdmin(OwnedAdmin):
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

    def service_create(self, request, obj, form) -> ClassificationRule:
        # No user: a global rule.
        return services.classification_rule_create(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.classification_rule_update(rule=obj, data=data)

    def service_delete(self, request, obj) -> None:
        services.classification_rule_delete(rule=obj)


@admin.register(IdleSession)
class IdleSessionAdmin(OwnedAdmin):
    list_display = ["__str__", "user", "status", "start_time", "end_time", "total_duration"]
    list_filter = ["status"]
    search_fields = ["session_name", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "start_time"
    # The state changes only through its transitions (the action below, the API's actions).
    readonly_fields = [
        "id",
        "status",
        "end_time",
        "total_duration",
        "paused_at",
        "paused_seconds",
        "created_at",
        "updated_at",
    ]
    actions = ["complete"]

    def service_create(self, request, obj, form) -> IdleSession:
        return services.idle_session_start(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.idle_session_update(session=obj, data=data)

    @admin.action(description="Complete the selected sessions")
    def complete(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda session: services.idle_session_complete(session=session),
            "sessions completed",
        )


@admin.register(UserActivity)
class UserActivityAdmin(ReadOnlyAdmin):
    list_display = ["activity_type", "user", "session", "occurred_at", "ip_address"]
    list_filter = ["activity_type"]
    search_fields = ["activity_type", "user__username", "ip_address"]
    list_select_related = ["user", "session"]
    autocomplete_fields = ["user", "session"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(FocusSession)
class FocusSessionAdmin(OwnedAdmin):
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
    # The state changes only through its transitions (the action below, the API's actions).
    readonly_fields = [
        "id",
        "status",
        "started_at",
        "actual_duration",
        "distraction_count",
        "paused_at",
        "paused_seconds",
        "ended_at",
        "created_at",
    ]
    actions = ["cancel"]

    def service_create(self, request, obj, form) -> FocusSession:
        return services.focus_session_start(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.focus_session_update(session=obj, data=data)

    @admin.action(description="Cancel the selected open sessions")
    def cancel(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda session: services.focus_session_cancel(session=session),
            "sessions cancelled",
        )


@admin.register(WorkSession)
class WorkSessionAdmin(OwnedAdmin):
    list_display = ["__str__", "user", "project", "is_billable", "started_at", "duration"]
    list_filter = ["is_billable", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "project", "description", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "started_at"
    readonly_fields = ["id", "duration", "created_at"]
    actions = ["stop"]

    def service_create(self, request, obj, form) -> WorkSession:
        return services.work_session_create(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.work_session_update(session=obj, data=data)

    @admin.action(description="Stop the selected running timers")
    def stop(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(ended_at__isnull=True),
            lambda session: services.work_session_stop(session=session),
            "timers stopped",
        )


@admin.register(Goal)
class GoalAdmin(OwnedAdmin):
    list_display = ["name", "user", "type", "target_hours", "is_active", "created_at"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["id", "created_at", "updated_at"]

    def service_create(self, request, obj, form) -> Goal:
        return services.goal_create(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.goal_update(goal=obj, data=data)


@admin.register(Screenshot)
class ScreenshotAdmin(OwnedAdmin):
    list_display = ["__str__", "user", "app_name", "is_blurred", "width", "height", "file_size"]
    list_filter = ["is_blurred"]
    search_fields = ["app_name", "window_title", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "captured_at"
    # Screenshots are uploaded by trackers (the image is processed on the way in): staff
    # edit their metadata or delete them.
    readonly_fields = [
        "id",
        "user",
        "file_path",
        "cloud_url",
        "thumbnail_url",
        "is_blurred",
        "file_size",
        "width",
        "height",
        "created_at",
    ]

    def service_update(self, request, obj, data) -> None:
        services.screenshot_update(screenshot=obj, data=data)


@admin.register(Integration)
class IntegrationAdmin(OwnedAdmin):
    list_display = ["provider", "user", "is_active", "token_expires_at", "updated_at"]
    list_filter = ["provider", "is_active"]
    search_fields = ["provider", "provider_user_id", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    # Tokens are secrets: never shown in the admin, not even encrypted.
    exclude = ["access_token", "refresh_token"]
    readonly_fields = ["id", "created_at", "updated_at"]

    def service_create(self, request, obj, form) -> Integration:
        return services.integration_create(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.integration_update(integration=obj, data=data)


@admin.register(CalendarEvent)
class CalendarEventAdmin(OwnedAdmin):
    list_display = ["__str__", "user", "integration", "start_time", "end_time", "is_meeting"]
    list_filter = ["is_meeting", "is_all_day"]
    search_fields = ["title", "location", "external_id", "user__username"]
    list_select_related = ["user", "integration"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["integration"]
    date_hierarchy = "start_time"
    readonly_fields = ["id", "is_meeting", "created_at", "updated_at"]

    def service_create(self, request, obj, form) -> CalendarEvent:
        return services.calendar_event_create(user=obj.user, data=_form_values(form))

    def service_update(self, request, obj, data) -> None:
        services.calendar_event_update(event=obj, data=data)
