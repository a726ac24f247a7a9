from django.conf import settings
from django.db import models
from uuid6 import uuid7

from auditing.context import Source


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
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.SYSTEM)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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
