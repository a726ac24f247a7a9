"""Periodic jobs, plain functions; each is also a management command."""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from auditing import services
from auditing.models import SessionActivity, SessionAnalytics


def session_analytics_refresh(*, window: timedelta = timedelta(days=1)) -> int:
    """Fold recent session activities into their sessions' analytics; returns rows folded.

    Run every minute or so. Only sessions with activity inside `window` are looked at.
    """
    since = timezone.now() - window
    latest = dict(
        SessionActivity.objects.filter(created_at__gte=since)
        .exclude(session_id="")
        .values_list("session_id")
        .annotate(latest=Max("created_at"))
    )
    folded = 0
    stale = SessionAnalytics.objects.filter(session_id__in=list(latest))
    for analytics in stale:
        if latest[analytics.session_id] > analytics.last_activity:
            folded += services.session_analytics_fold(analytics=analytics)
    return folded


def session_activities_prune(*, days: int) -> int:
    """Retention for the request log: one bulk delete, one summary audit row."""
    return services.session_activities_prune(older_than=timedelta(days=days))


def audit_logs_prune(*, days: int) -> int:
    """Retention: delete audit rows older than `days` days (see services.audit_logs_prune)."""
    return services.audit_logs_prune(older_than=timedelta(days=days))
