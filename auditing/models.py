from django.conf import settings
from django.db import models
from uuid6 import uuid7

from auditing.context import Source


class ImmutableAuditLogError(Exception):
    """Audit rows are written once; pruning goes through `manage.py prune_audit_logs`."""


class AuditLogQuerySet(models.QuerySet):
    # Bulk paths would bypass the per-row guards below, so they are refused outright.
    def update(self, **kwargs):
        raise ImmutableAuditLogError("Audit rows cannot be changed.")

    def delete(self):
        raise ImmutableAuditLogError("Audit rows cannot be deleted; use prune_audit_logs.")

    update.queryset_only = True
    delete.queryset_only = True


class AuditLog(models.Model):
    """One change to one object (or one batch of objects), by whom, from where: immutable.

    The union of the Idling.app and SmartHub `audit_logs` tables. `old_values`/`new_values`
    hold changed fields only for updates and a full snapshot for create and delete; secrets
    are masked before they get here.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        BULK_CREATE = "bulk_create", "Bulk create"
        BULK_UPDATE = "bulk_update", "Bulk update"
        BULK_DELETE = "bulk_delete", "Bulk delete"
        M2M_ADD = "m2m_add", "Relation added"
        M2M_REMOVE = "m2m_remove", "Relation removed"
        M2M_CLEAR = "m2m_clear", "Relations cleared"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No database constraint and no cascade: audit rows are immutable (a trigger refuses
    # UPDATE on PostgreSQL), so deleting a user must not touch them; `actor_label` keeps
    # the name readable after the user is gone.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(
        max_length=255, blank=True, help_text="Who acted, kept if the user is later deleted."
    )
    api_key_id = models.UUIDField(null=True, blank=True)
    # Free text, not choices: services also record named domain events (login, ...).
    action = models.CharField(max_length=50, db_index=True)
    entity_type = models.CharField(max_length=100, help_text="app_label.model")
    entity_id = models.CharField(max_length=64, blank=True)
    old_values = models.JSONField(null=True, blank=True)
    new_values = models.JSONField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True)
    request_id = models.CharField(max_length=100, blank=True, db_index=True)
    client_request_id = models.CharField(
        max_length=100, blank=True, help_text="The X-Request-ID the client sent, if any."
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.SYSTEM)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        db_table = "audit_logs"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entity_type", "entity_id"], name="idx_audit_logs_entity"),
            models.Index(fields=["user"], name="idx_audit_logs_user_id"),
            models.Index(models.F("created_at").desc(), name="idx_audit_logs_created_at"),
        ]

    def __str__(self):
        return f"{self.action} {self.entity_type}:{self.entity_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableAuditLogError("Audit rows cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableAuditLogError("Audit rows cannot be deleted; use prune_audit_logs.")


class SessionActivity(models.Model):
    """One authenticated request: who, which session, which route, with what result.

    The users module's `session_activities`. Written by `SessionActivityMiddleware` with a
    single INSERT per request; never audited per row (it is itself the request log).
    `session_id` is the SHA-256 hex of the Django session key (which is also allauth's
    X-Session-Token), the same digest accounts.UserSession stores; blank for API-key requests.
    """

    class Type(models.TextChoices):
        API_CALL = "api_call", "API call"
        PAGE_VIEW = "page_view", "Page view"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    session_id = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_activities"
    )
    activity_type = models.CharField(max_length=50, choices=Type.choices)
    endpoint = models.CharField(max_length=255, blank=True, help_text="URL route, not raw path")
    method = models.CharField(max_length=10, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    client_request_id = models.CharField(
        max_length=100, blank=True, help_text="The X-Request-ID the client sent, if any."
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    extra_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "session_activities"
        verbose_name_plural = "session activities"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                "user", models.F("created_at").desc(), name="idx_session_act_user_created"
            ),
            models.Index(fields=["session_id", "created_at"], name="idx_session_act_session"),
            models.Index(models.F("created_at").desc(), name="idx_session_act_created_at"),
        ]

    def __str__(self):
        return f"{self.method} {self.endpoint} ({self.response_status})"


class SessionAnalytics(models.Model):
    """Per login session: device, counters and a security score (users module `sessionanalytics`).

    Created at login; counters are folded in from `SessionActivity` by
    `auditing.tasks.session_analytics_refresh` with F() expressions, so a request never pays
    for them. `security_score` starts at 100 and loses points for each signal in
    `risk_signals` (see `auditing.analytics.SIGNAL_PENALTIES`) and for failed actions;
    below `SUSPICIOUS_BELOW` the session is marked suspicious.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    session_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_analytics"
    )
    device_type = models.CharField(max_length=20, blank=True)
    browser = models.CharField(max_length=100, blank=True)
    os = models.CharField(max_length=100, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    login_time = models.DateTimeField()
    last_activity = models.DateTimeField()
    logout_time = models.DateTimeField(null=True, blank=True)
    session_duration = models.PositiveIntegerField(null=True, blank=True, help_text="seconds")
    page_views = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    last_page = models.CharField(max_length=255, blank=True)
    last_endpoint = models.CharField(max_length=255, blank=True)
    is_suspicious = models.BooleanField(default=False)
    security_score = models.PositiveSmallIntegerField(default=100)
    failed_actions = models.PositiveIntegerField(default=0)
    risk_signals = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "sessionanalytics"
        verbose_name_plural = "session analytics"
        ordering = ["-login_time", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(security_score__gte=0, security_score__lte=100),
                name="sessionanalytics_score_range",
            ),
        ]
        indexes = [
            models.Index("user", models.F("login_time").desc(), name="idx_sessionanalytics_user"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.browser} on {self.os}"
