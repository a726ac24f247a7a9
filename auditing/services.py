"""Writing audit rows. Receivers use these for per-object changes; services call
`record_bulk` for paths that bypass signals and `record_event` for named domain events."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from auditing.changes import entity_type_of
from auditing.context import get_context
from auditing.models import AuditLog, SessionActivity, SessionAnalytics

# Ids listed in a batch row; the count is always exact.
BULK_IDS_LIMIT = 100


def _stamp(**fields: Any) -> AuditLog:
    """An unsaved audit row carrying who and where from the current context."""
    context = get_context()
    actor = context.actor
    return AuditLog(
        user_id=getattr(actor, "pk", None),
        actor_label=(actor.get_username() if actor is not None else "")[:255],
        api_key_id=context.actor_api_key_id,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:1000],
        request_id=context.request_id,
        client_request_id=context.client_request_id,
        source=context.source,
        **fields,
    )


def record_event(
    *,
    action: str,
    instance: models.Model | None = None,
    entity_type: str = "",
    entity_id: str = "",
    metadata: dict[str, Any] | None = None,
) -> AuditLog:
    """Record a named domain event (`login`, `invite_accepted`, ...) in the audit log."""
    if instance is not None:
        entity_type, entity_id = entity_type_of(type(instance)), str(instance.pk)
    row = _stamp(
        action=action, entity_type=entity_type, entity_id=entity_id, metadata=metadata or {}
    )
    row.save(force_insert=True)
    return row


def record_bulk(
    *,
    model: type[models.Model],
    action: str,
    ids: Iterable[Any] = (),
    count: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditLog:
    """One summary row for a batch written with bulk_create / update() / delete().

    `action` is create, update or delete; the row's action is `bulk_<action>`.
    """
    ids = ids if isinstance(ids, list | tuple) else list(ids)
    listed = [str(pk) for pk in ids[:BULK_IDS_LIMIT]]
    summary = {"count": count if count is not None else len(ids), "ids": listed}
    row = _stamp(
        action=f"bulk_{action}",
        entity_type=entity_type_of(model),
        entity_id="",
        metadata=summary | (metadata or {}),
    )
    row.save(force_insert=True)
    return row


# -- session analytics -------------------------------------------------------------------


@transaction.atomic
def session_analytics_start(*, request, user) -> SessionAnalytics | None:
    """Open the analytics row for the session a login just created."""
    from auditing.analytics import parse_user_agent
    from auditing.middleware import session_hash
    from core.client_ip import client_ip

    key = session_hash(request)
    if not key:
        return None
    now = timezone.now()
    user_agent = request.headers.get("User-Agent", "")[:512] if hasattr(request, "headers") else ""
    analytics, _ = SessionAnalytics.objects.update_or_create(
        session_id=key,
        defaults={
            "user": user,
            "user_agent": user_agent,
            "ip_address": client_ip(request),
            "login_time": now,
            "last_activity": now,
            **parse_user_agent(user_agent),
        },
    )
    return analytics


@transaction.atomic
def session_analytics_end(*, session_id: str, at) -> int:
    """Close a session's analytics at logout: logout time and duration in seconds."""
    rows = SessionAnalytics.objects.select_for_update().filter(
        session_id=session_id, logout_time__isnull=True
    )
    for analytics in rows:
        analytics.logout_time = at
        analytics.session_duration = max(0, int((at - analytics.login_time).total_seconds()))
        analytics.save(update_fields=["logout_time", "session_duration"])
    return len(rows)


@transaction.atomic
def session_analytics_fold(*, analytics: SessionAnalytics) -> int:
    """Fold the session's activities newer than `last_activity` into its counters and score.

    Counters move with F() expressions so that concurrent folds add up rather than overwrite.
    Returns how many activities were folded in.
    """
    from auditing.analytics import SUSPICIOUS_BELOW, TRAVEL_WINDOW, network_of, security_score

    analytics = SessionAnalytics.objects.select_for_update().get(pk=analytics.pk)
    activities = list(
        SessionActivity.objects.filter(
            session_id=analytics.session_id, created_at__gt=analytics.last_activity
        )
        .order_by("created_at", "id")
        .values(
            "activity_type", "endpoint", "client_ip", "user_agent", "response_status", "created_at"
        )
    )
    if not activities:
        return 0
    signals = list(analytics.risk_signals)
    previous_ip, previous_at = analytics.ip_address, analytics.last_activity
    for row in activities:
        ip = row["client_ip"]
        if analytics.ip_address and ip and ip != analytics.ip_address:
            signals.append("new_ip")
        if analytics.user_agent and row["user_agent"] and row["user_agent"] != analytics.user_agent:
            signals.append("new_user_agent")
        if (
            previous_ip
            and ip
            and network_of(ip) != network_of(previous_ip)
            and row["created_at"] - previous_at < TRAVEL_WINDOW
        ):
            signals.append("impossible_travel")
        previous_ip, previous_at = ip or previous_ip, row["created_at"]
    signals = sorted(set(signals))
    pages = [r for r in activities if r["activity_type"] == SessionActivity.Type.PAGE_VIEW]
    calls = [r for r in activities if r["activity_type"] == SessionActivity.Type.API_CALL]
    failed = sum(1 for r in activities if (r["response_status"] or 0) >= 400)
    score = security_score(signals=signals, failed_actions=analytics.failed_actions + failed)
    updates = {
        "page_views": models.F("page_views") + len(pages),
        "api_calls": models.F("api_calls") + len(calls),
        "failed_actions": models.F("failed_actions") + failed,
        "last_activity": activities[-1]["created_at"],
        "risk_signals": signals,
        "security_score": score,
        "is_suspicious": score < SUSPICIOUS_BELOW,
    }
    if pages:
        updates["last_page"] = pages[-1]["endpoint"]
    if calls:
        updates["last_endpoint"] = calls[-1]["endpoint"]
    SessionAnalytics.objects.filter(pk=analytics.pk).update(**updates)
    return len(activities)


# -- retention ---------------------------------------------------------------------------


@transaction.atomic
def session_activities_prune(*, older_than: timedelta) -> int:
    """Delete request-log rows older than `older_than`; recorded as one batch row."""
    cutoff = timezone.now() - older_than
    deleted, _ = SessionActivity.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        record_bulk(
            model=SessionActivity,
            action="delete",
            count=deleted,
            metadata={"cutoff": cutoff.isoformat()},
        )
    return deleted


PRUNE_SETTING = "cadence.audit_prune"


@transaction.atomic
def audit_logs_prune(*, older_than: timedelta) -> int:
    """Delete audit rows older than `older_than`, then record that it was done.

    On PostgreSQL the immutability trigger lets a DELETE through only while the transaction
    has set `cadence.audit_prune` (SET LOCAL: it ends with this transaction), so nothing
    else can use the opening. The row recording the prune is written in the same transaction.
    """
    if older_than < timedelta(days=1):
        raise ValidationError("Keep at least one day of audit rows.")
    cutoff = timezone.now() - older_than
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [PRUNE_SETTING])
        # Bandit's B608 (string-built SQL) is a false alarm: the table name is the model's own
        # constant and the cutoff is passed as a parameter.
        cursor.execute(
            f"DELETE FROM {AuditLog._meta.db_table} WHERE created_at < %s",  # noqa: S608 # nosec B608
            [cutoff],
        )
        deleted = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'off', true)", [PRUNE_SETTING])
    record_event(
        action="audit_prune",
        entity_type=entity_type_of(AuditLog),
        metadata={"deleted": deleted, "cutoff": cutoff.isoformat()},
    )
    return deleted
