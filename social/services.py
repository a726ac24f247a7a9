"""State-changing operations of the social app."""

from datetime import datetime
from typing import Any

from django.db import transaction

from social.models import Notification


@transaction.atomic
def notification_create(
    *,
    user,
    type: str,
    title: str,
    message: str = "",
    data: dict[str, Any] | None = None,
    priority: str = Notification.Priority.MEDIUM,
    expires_at: datetime | None = None,
) -> Notification:
    """Notify `user`. The one entry point other apps (teams, activity) use."""
    notification = Notification(
        user=user,
        type=type,
        title=title,
        message=message,
        data=data or {},
        priority=priority,
        expires_at=expires_at,
    )
    notification.full_clean()
    notification.save(force_insert=True)
    return notification
