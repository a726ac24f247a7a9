"""Tracking and productivity: the Productify Pro activity tables and Idling.app's idle sessions.

Activities and user activities are high-volume telemetry: time-ordered UUIDv7 keys keep their
primary-key index append-only, and the `(user_id, start_time)` index serves every per-user read
(list, heartbeat, summary, goals), so a separate single-column user index would only slow ingest.
"""

import uuid

import uuid6
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.crypto import EncryptedTextField


class Activity(models.Model):
    """A span of time spent in one app/window/URL, from the desktop tracker."""

    id = models.UUIDField(primary_key=True, default=uuid6.uuid7, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="activities",
        # The composite (user_id, start_time) index below leads with user_id.
        db_index=False,
    )
    app_name = models.CharField(max_length=255)
    window_title = models.CharField(max_length=1000, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    category = models.CharField(max_length=100, blank=True)
    is_productive = models.BooleanField(null=True, blank=True)
    is_afk = models.BooleanField(default=False)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="seconds")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "activities"
        verbose_name_plural = "activities"
        ordering = ["-start_time", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gte=models.F("start_time")),
                name="activities_end_after_start",
                violation_error_message="end_time must not be before start_time.",
            ),
            models.CheckConstraint(
                condition=Q(duration__isnull=True) | Q(duration__gte=0),
                name="activities_duration_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "start_time"], name="ix_activities_user_start"),
            models.Index(fields=["start_time"], name="ix_activities_start_time"),
            models.Index(fields=["app_name"], name="ix_activities_app_name"),
        ]

    def __str__(self):
        return f"{self.app_name} @ {self.start_time:%Y-%m-%d %H:%M}"


class ClassificationRule(models.Model):
    """Maps app names, window titles and URLs to a category and productivity.

    `user` null means a global rule (staff-managed). Patterns are RE2 regular expressions,
    matched in linear time; `app_name` is a case-insensitive exact name or shell glob.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="classification_rules",
        null=True,
        blank=True,
        db_index=False,
    )
    app_name = models.CharField(max_length=255, blank=True, help_text="exact name or glob")
    window_title_pattern = models.CharField(max_length=500, blank=True, help_text="RE2 regex")
    url_pattern = models.CharField(max_length=500, blank=True, help_text="RE2 regex")
    category = models.CharField(max_length=100)
    is_productive = models.BooleanField()
    priority = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "classification_rules"
        ordering = ["-priority", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(app_name="") | ~Q(window_title_pattern="") | ~Q(url_pattern=""),
                name="classification_rules_has_a_matcher",
                violation_error_message=(
                    "Give at least one of app_name, window_title_pattern, url_pattern."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(category=""), name="classification_rules_category_not_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["user"], name="ix_class_rules_user_id"),
            models.Index(fields=["app_name"], name="ix_class_rules_app_name"),
        ]

    def __str__(self):
        return f"{self.app_name or self.url_pattern or self.window_title_pattern} → {self.category}"

    def clean(self):
        from activity.classification import validate_pattern

        super().clean()
        errors = {}
        for field in ("url_pattern", "window_title_pattern"):
            value = getattr(self, field)
            if value:
                try:
                    validate_pattern(value)
                except ValueError as exc:
                    errors[field] = [str(exc)]
        if errors:
            raise ValidationError(errors)


class IdleSession(models.Model):
    """An Idling.app session: active → paused → active → completed; paused time not counted."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idle_sessions",
        db_index=False,
    )
    session_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    start_time = models.DateTimeField(default=timezone.now)
    end_time = models.DateTimeField(null=True, blank=True)
    total_duration = models.PositiveIntegerField(default=0, help_text="seconds, pauses excluded")
    session_config = models.JSONField(default=dict, blank=True)
    activity_log = models.JSONField(default=list, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_seconds = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "idle_sessions"
        ordering = ["-start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gte=models.F("start_time")),
                name="idle_sessions_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(total_duration__gte=0), name="idle_sessions_duration_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="ix_idle_sessions_user_created"),
            models.Index(fields=["user", "start_time"], name="ix_idle_sessions_user_start"),
        ]

    def __str__(self):
        return self.session_name or f"Idle session {self.start_time:%Y-%m-%d %H:%M}"


class UserActivity(models.Model):
    """One event (click, scroll, ...) inside one of the user's idle sessions."""

    id = models.UUIDField(primary_key=True, default=uuid6.uuid7, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="user_activities",
        db_index=False,
    )
    session = models.ForeignKey(
        IdleSession, on_delete=models.CASCADE, related_name="user_activities"
    )
    activity_type = models.CharField(max_length=50)
    activity_data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=1000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "user_activities"
        verbose_name_plural = "user activities"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["user", "occurred_at"], name="ix_user_activities_user_time"),
        ]

    def __str__(self):
        return f"{self.activity_type} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class FocusSession(models.Model):
    """A focus (Pomodoro) session; at most one open (active or paused) per user."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (Status.ACTIVE, Status.PAUSED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="focus_sessions",
        db_index=False,
    )
    title = models.CharField(max_length=255, blank=True)
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    actual_duration = models.PositiveIntegerField(
        null=True, blank=True, help_text="seconds focused, pauses excluded"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    blocked_apps = models.JSONField(default=list, blank=True)
    blocked_websites = models.JSONField(default=list, blank=True)
    distraction_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_seconds = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "focus_sessions"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["active", "paused"]),
                name="focus_sessions_one_open_per_user",
                violation_error_message="You already have an active focus session.",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0), name="focus_sessions_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(distraction_count__gte=0),
                name="focus_sessions_distractions_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="focus_sessions_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["user"], name="ix_focus_sessions_user_id"),
            models.Index(fields=["status"], name="ix_focus_sessions_status"),
        ]

    def __str__(self):
        return self.title or f"Focus {self.started_at:%Y-%m-%d %H:%M}"


class WorkSession(models.Model):
    """Manually tracked work; no `ended_at` means a running timer (one per user)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="work_sessions",
        db_index=False,
    )
    title = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    project = models.CharField(max_length=255, blank=True)
    tags = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="seconds")
    is_billable = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "work_sessions"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(ended_at__isnull=True),
                name="work_sessions_one_running_per_user",
                violation_error_message="A work timer is already running.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="work_sessions_end_after_start",
                violation_error_message="ended_at must not be before started_at.",
            ),
            models.CheckConstraint(
                condition=Q(duration__isnull=True) | Q(duration__gte=0),
                name="work_sessions_duration_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["user"], name="ix_work_sessions_user_id"),
            models.Index(fields=["started_at"], name="ix_work_sessions_started_at"),
        ]

    def __str__(self):
        return self.title or self.project or f"Work {self.started_at:%Y-%m-%d %H:%M}"


class Goal(models.Model):
    """A daily target: productive hours to reach, or distracted hours not to exceed."""

    class Type(models.TextChoices):
        DAILY_PRODUCTIVE = "daily_productive", "Daily productive hours"
        DAILY_DISTRACTION = "daily_distraction", "Daily distraction ceiling"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals", db_index=False
    )
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=50, choices=Type.choices)
    target_hours = models.FloatField(validators=[MinValueValidator(0.0)])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "goals"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_hours__gt=0) & Q(target_hours__lte=24),
                name="goals_target_hours_in_day",
                violation_error_message="target_hours must be more than 0 and at most 24.",
            ),
        ]
        indexes = [models.Index(fields=["user"], name="ix_goals_user_id")]

    def __str__(self):
        return self.name


def _screenshot_path(instance, filename):
    return f"screenshots/{instance.user_id}/{timezone.now():%Y/%m}/{instance.id}.png"


def _thumbnail_path(instance, filename):
    return f"screenshots/{instance.user_id}/{timezone.now():%Y/%m}/{instance.id}-thumb.jpg"


class Screenshot(models.Model):
    """A captured screen image stored through Django's storage API, with a thumbnail."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="screenshots",
        db_index=False,
    )
    file_path = models.FileField(upload_to=_screenshot_path, max_length=1000)
    cloud_url = models.URLField(max_length=2000, blank=True)
    thumbnail_url = models.FileField(upload_to=_thumbnail_path, max_length=2000, blank=True)
    app_name = models.CharField(max_length=255, blank=True)
    window_title = models.CharField(max_length=1000, blank=True)
    is_blurred = models.BooleanField(default=False)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    captured_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        db_table = "screenshots"
        ordering = ["-captured_at"]
        indexes = [
            models.Index(fields=["user", "captured_at"], name="ix_screenshots_user_id"),
            models.Index(fields=["captured_at"], name="ix_screenshots_captured_at"),
        ]

    def __str__(self):
        return f"Screenshot {self.captured_at:%Y-%m-%d %H:%M}"


class Integration(models.Model):
    """A connected third-party service; OAuth tokens encrypted at rest, never shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="integrations",
        db_index=False,
    )
    provider = models.CharField(max_length=50, help_text="github, slack, google, ...")
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    provider_user_id = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "integrations"
        ordering = ["provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"],
                name="integrations_user_provider_unique",
                violation_error_message="You already have an integration for this provider.",
            ),
        ]

    def __str__(self):
        return f"{self.provider} for {self.user}"


class CalendarEvent(models.Model):
    """An event synced from a calendar integration; a meeting when others attend."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_events",
        db_index=False,
    )
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="calendar_events"
    )
    external_id = models.CharField(max_length=255)
    title = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    is_all_day = models.BooleanField(default=False)
    location = models.CharField(max_length=500, blank=True)
    attendees = models.JSONField(default=list, blank=True)
    is_meeting = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "calendar_events"
        ordering = ["-start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="calendar_events_end_after_start",
                violation_error_message="end_time must be after start_time.",
            ),
            models.UniqueConstraint(
                fields=["integration", "external_id"],
                name="calendar_events_external_id_unique",
                violation_error_message="This event is already synced.",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "start_time"], name="ix_calendar_events_user_id"),
            models.Index(fields=["start_time"], name="ix_calendar_events_start_time"),
        ]

    def __str__(self):
        return self.title or self.external_id
