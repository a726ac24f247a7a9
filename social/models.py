from django.conf import settings
from django.db import models
from uuid6 import uuid7


class Notification(models.Model):
    """Something a user should know about (Idling.app `notifications`).

    Other apps create these only through `social.services.notification_create`.
    """

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_read = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "is_read", "-created_at"], name="idx_notifications_user_unread"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_read=False) | models.Q(read_at__isnull=False),
                name="notifications_read_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.type}: {self.title}"
