"""State changes of the activity app. Views, admin and commands all come through here.

The tracker's hot path (batches of activities, heartbeats) is implemented in
`activity.ingest`; its entry points here check the user's settings and call in there.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

import auditing
from accounts.models import User, UserSettings
from accounts.selectors import user_settings_get
from activity import ingest
from activity.classification import ruleset_for
from activity.exceptions import IllegalTransition, TrackingRefused
from activity.ingest import require_tracking, seconds_between
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
from core.updates import update_fields, validate_fields

RUNNING_TIMER_MESSAGE = "A work timer is already running."

# --- activities ----------------------------------------------------------------------------


# No savepoint: the view's request transaction already wraps this, and a failure rolls the
# whole request back.
@transaction.atomic(savepoint=False)
def activities_ingest(*, user: User, rows: list[dict[str, Any]]) -> list[tuple]:
    """Store a validated batch of activities in one statement, all or nothing.

    `rows` come from input validation (types, lengths, end after start; the API's
    `bulk_items` bounds how many). Rules are fetched once per batch; AFK rows are dropped while the
    user's idle tracking is off. The batch is audited with one summary row, never one row
    per activity. Returns the stored rows as `.values_list()` would read them back: tuples
    in `ingest.ACTIVITY_COLUMNS` order.
    """
    settings = user_settings_get(user=user)
    require_tracking(settings)
    if not settings.track_idle:
        rows = [row for row in rows if not row.get("is_afk")]
    if not rows:
        return []
    return ingest.activities_store(user=user, rows=rows)


def activity_heartbeat(
    *,
    user: User,
    app_name: str,
    timestamp: datetime,
    window_title: str = "",
    url: str = "",
    is_afk: bool = False,
    pulsetime: float = 60.0,
) -> tuple[Activity, bool]:
    """Extend the latest activity when the heartbeat continues it (same app, window, URL and
    AFK state, within `pulsetime` seconds of its end), else start a new one.

    Returns (activity, created). While a focus session is active, switching to one of its
    blocked apps or websites counts a distraction. Call it outside any transaction (the API
    view is not atomic): see `ingest.heartbeat_apply`.
    """
    require_tracking(user_settings_get(user=user), afk=is_afk)
    heartbeat = {
        "app_name": app_name,
        "window_title": window_title or "",
        "url": url or "",
        "is_afk": is_afk,
        "timestamp": timestamp,
        "pulsetime": pulsetime,
    }
    return ingest.heartbeat_apply(user=user, heartbeat=heartbeat)


_END_BEFORE_START = "end_time must not be before start_time."


@transaction.atomic
def activity_update(*, activity: Activity, data: Mapping[str, Any]) -> Activity:
    """Edit one activity; `duration` follows start and end (audited like a batch of one)."""
    start = data.get("start_time", activity.start_time)
    end = data.get("end_time", activity.end_time)
    if end is not None and end < start:
        # The check constraint's own message (its other field may be unchanged, and an
        # update validates only what changes).
        raise ValidationError(_END_BEFORE_START)
    saved = update_fields(activity, {**data, "duration": seconds_between(start, end)})
    changed = sorted(name for name in saved if name in data)
    if changed:
        auditing.record_bulk(
            model=Activity, action="update", ids=[activity.pk], metadata={"fields": changed}
        )
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    """Delete one activity (audited like a batch of one: activities are telemetry)."""
    pk = activity.pk
    Activity.objects.filter(pk=pk).delete()
    auditing.record_bulk(model=Activity, action="delete", ids=[pk])


def _reclassify(queryset: QuerySet[Activity], *, user_id) -> int:
    ruleset = ruleset_for(user_id)
    memo: dict = {}
    changed = []
    fields = ("id", "app_name", "window_title", "url", "category", "is_productive")
    queryset = queryset.select_related(None).order_by().only(*fields)
    for activity in queryset.iterator(chunk_size=2000):
        row: dict[str, Any] = {
            "app_name": activity.app_name,
            "window_title": activity.window_title,
            "url": activity.url,
        }
        ingest.classify_row(ruleset, memo, row)
        category, productive = row.get("category") or "", row.get("is_productive")
        if (category, productive) != (activity.category, activity.is_productive):
            activity.category, activity.is_productive = category, productive
            changed.append(activity)
    for start in range(0, len(changed), 1000):
        Activity.objects.bulk_update(changed[start : start + 1000], ["category", "is_productive"])
    if changed:
        auditing.record_bulk(
            model=Activity,
            action="update",
            ids=[a.pk for a in changed],
            metadata={"reason": "reclassify"},
        )
    return len(changed)


@transaction.atomic
def activities_reclassify(*, user: User, start: datetime, end: datetime) -> int:
    """Re-apply the user's rules (and global ones) to their activities in [start, end).

    Client-given categories are overwritten too: the rules are the source of truth on request.
    Returns how many activities changed.
    """
    queryset = Activity.objects.filter(user=user, start_time__gte=start, start_time__lt=end)
    return _reclassify(queryset, user_id=user.pk)


@transaction.atomic
def activities_reclassify_selected(*, activities: QuerySet[Activity]) -> int:
    """Admin path: re-apply rules to chosen activities, each with its owner's rules."""
    total = 0
    for user_id in activities.order_by().values_list("user_id", flat=True).distinct():
        total += _reclassify(activities.filter(user_id=user_id), user_id=user_id)
    return total


# --- classification rules ------------------------------------------------------------------


@transaction.atomic
def classification_rule_create(*, user: User | None, data: Mapping[str, Any]) -> ClassificationRule:
    """Create a rule for `user`, or a global rule when `user` is None (staff only)."""
    rule = ClassificationRule(user=user, **data)
    validate_fields(rule, data)
    rule.save(force_insert=True)
    return rule


@transaction.atomic
def classification_rule_update(
    *, rule: ClassificationRule, data: Mapping[str, Any]
) -> ClassificationRule:
    """Edit a rule; patterns are validated again (RE2, length)."""
    update_fields(rule, data)
    return rule


@transaction.atomic
def classification_rule_delete(*, rule: ClassificationRule) -> None:
    """Delete a rule; compiled rule caches are invalidated by the model signal."""
    rule.delete()


# --- idle sessions and user activities -----------------------------------------------------


@transaction.atomic
def idle_session_start(*, user: User, data: Mapping[str, Any]) -> IdleSession:
    """Start an idle session (refused while tracking or idle tracking is off)."""
    require_tracking(user_settings_get(user=user), afk=True)
    session = IdleSession(user=user, status=IdleSession.Status.ACTIVE, **data)
    validate_fields(session, data)
    session.save(force_insert=True)
    return session


@transaction.atomic
def idle_session_update(*, session: IdleSession, data: Mapping[str, Any]) -> IdleSession:
    """Edit the name, start, configuration or log of an idle session."""
    update_fields(session, data)
    return session


def _locked[M: models.Model](instance: M) -> M:
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def _paused_seconds_now(session: IdleSession | FocusSession, now: datetime) -> int:
    extra = seconds_between(session.paused_at, now) if session.paused_at else 0
    return session.paused_seconds + (extra or 0)


@transaction.atomic
def idle_session_pause(*, session: IdleSession) -> IdleSession:
    """active → paused."""
    session = _locked(session)
    if session.status != IdleSession.Status.ACTIVE:
        raise IllegalTransition(f"Only an active session can be paused (it is {session.status}).")
    session.status, session.paused_at = IdleSession.Status.PAUSED, timezone.now()
    session.save(update_fields=["status", "paused_at", "updated_at"])
    return session


@transaction.atomic
def idle_session_resume(*, session: IdleSession) -> IdleSession:
    """paused → active; the pause is added to the time not counted."""
    session = _locked(session)
    if session.status != IdleSession.Status.PAUSED:
        raise IllegalTransition(f"Only a paused session can be resumed (it is {session.status}).")
    session.paused_seconds = _paused_seconds_now(session, timezone.now())
    session.status, session.paused_at = IdleSession.Status.ACTIVE, None
    session.save(update_fields=["status", "paused_at", "paused_seconds", "updated_at"])
    return session


@transaction.atomic
def idle_session_complete(*, session: IdleSession) -> IdleSession:
    """active|paused → completed; `total_duration` is the elapsed time less pauses."""
    session = _locked(session)
    if session.status == IdleSession.Status.COMPLETED:
        raise IllegalTransition("The session is already completed.")
    now = max(timezone.now(), session.start_time)
    session.paused_seconds = _paused_seconds_now(session, now)
    elapsed = seconds_between(session.start_time, now) or 0
    session.total_duration = max(0, elapsed - session.paused_seconds)
    session.status, session.end_time, session.paused_at = IdleSession.Status.COMPLETED, now, None
    session.save(
        update_fields=[
            "status",
            "end_time",
            "paused_at",
            "paused_seconds",
            "total_duration",
            "updated_at",
        ]
    )
    return session


@transaction.atomic
def user_activities_ingest(*, user: User, rows: list[dict[str, Any]]) -> list[UserActivity]:
    """Store validated events (each in one of the user's own idle sessions) in one INSERT."""
    require_tracking(user_settings_get(user=user), afk=True)
    objects = []
    for row in rows:
        if row["session"].user_id != user.pk:
            raise ValidationError({"session": "Not one of your idle sessions."})
        objects.append(UserActivity(user_id=user.pk, **row))
    UserActivity.objects.bulk_create(objects, batch_size=1000)
    if objects:
        auditing.record_bulk(model=UserActivity, action="create", ids=[o.pk for o in objects])
    return objects


# --- focus sessions ------------------------------------------------------------------------


def _insert_exclusive(instance: models.Model, message: str) -> None:
    """Insert; a concurrent insert that won the partial unique index means 409, not 500."""
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError as exc:
        raise IllegalTransition(message) from exc


@transaction.atomic
def focus_session_start(*, user: User, data: Mapping[str, Any]) -> FocusSession:
    """Start a focus session; 409 while another one is active or paused."""
    message = "You already have an active focus session."
    if FocusSession.objects.filter(user=user, status__in=FocusSession.OPEN).exists():
        raise IllegalTransition(message)
    session = FocusSession(user=user, status=FocusSession.Status.ACTIVE, **data)
    # The one-open rule was checked above; the partial unique index stands behind it.
    validate_fields(session, data, validate_constraints=False)
    _insert_exclusive(session, message)
    return session


@transaction.atomic
def focus_session_update(*, session: FocusSession, data: Mapping[str, Any]) -> FocusSession:
    """Edit title, planned duration or block lists."""
    update_fields(session, data)
    return session


@transaction.atomic
def focus_session_pause(*, session: FocusSession) -> FocusSession:
    """active → paused."""
    session = _locked(session)
    if session.status != FocusSession.Status.ACTIVE:
        raise IllegalTransition(f"Only an active session can be paused (it is {session.status}).")
    session.status, session.paused_at = FocusSession.Status.PAUSED, timezone.now()
    session.save(update_fields=["status", "paused_at"])
    return session


@transaction.atomic
def focus_session_resume(*, session: FocusSession) -> FocusSession:
    """paused → active."""
    session = _locked(session)
    if session.status != FocusSession.Status.PAUSED:
        raise IllegalTransition(f"Only a paused session can be resumed (it is {session.status}).")
    session.paused_seconds = _paused_seconds_now(session, timezone.now())
    session.status, session.paused_at = FocusSession.Status.ACTIVE, None
    session.save(update_fields=["status", "paused_at", "paused_seconds"])
    return session


def _focus_finish(session: FocusSession, status: str) -> FocusSession:
    session = _locked(session)
    if session.status not in FocusSession.OPEN:
        raise IllegalTransition(f"The session is already {session.status}.")
    now = max(timezone.now(), session.started_at)
    session.paused_seconds = _paused_seconds_now(session, now)
    session.actual_duration = max(
        0, (seconds_between(session.started_at, now) or 0) - session.paused_seconds
    )
    session.status, session.ended_at, session.paused_at = status, now, None
    session.save(
        update_fields=["status", "ended_at", "paused_at", "paused_seconds", "actual_duration"]
    )
    return session


@transaction.atomic
def focus_session_complete(*, session: FocusSession) -> FocusSession:
    """active|paused → completed, and tell the user."""
    from social.services import notification_create

    session = _focus_finish(session, FocusSession.Status.COMPLETED)
    minutes = round((session.actual_duration or 0) / 60)
    notification_create(
        user=session.user,
        type="focus_session_completed",
        title="Focus session completed",
        message=f"{session.title or 'Focus session'}: {minutes} min focused, "
        f"{session.distraction_count} distraction(s).",
        data={
            "focus_session_id": str(session.pk),
            "actual_duration": session.actual_duration,
            "distraction_count": session.distraction_count,
        },
    )
    return session


@transaction.atomic
def focus_session_cancel(*, session: FocusSession) -> FocusSession:
    """active|paused → cancelled."""
    return _focus_finish(session, FocusSession.Status.CANCELLED)


@transaction.atomic
def focus_session_distraction(*, session: FocusSession) -> FocusSession:
    """Count one distraction; a single UPDATE keeps the counter exact under concurrency."""
    updated = FocusSession.objects.filter(pk=session.pk, status=FocusSession.Status.ACTIVE).update(
        distraction_count=F("distraction_count") + 1
    )
    if not updated:
        raise IllegalTransition("Distractions are counted only during an active session.")
    session.refresh_from_db()
    return session


# --- work sessions -------------------------------------------------------------------------


@transaction.atomic
def work_session_create(*, user: User, data: Mapping[str, Any]) -> WorkSession:
    """Log a finished session, or start a timer when `ended_at` is not given (one at a time)."""
    message = "A work timer is already running; stop it first."
    session = WorkSession(user=user, **data)
    running = session.ended_at is None
    if running and WorkSession.objects.filter(user=user, ended_at__isnull=True).exists():
        raise IllegalTransition(message)
    session.duration = seconds_between(session.started_at, session.ended_at)
    try:
        validate_fields(session, (*data, "duration", "user"))
    except ValidationError as exc:
        # A timer started concurrently, after the check above: the same conflict.
        if running and RUNNING_TIMER_MESSAGE in exc.messages:
            raise IllegalTransition(message) from exc
        raise
    _insert_exclusive(session, message)
    return session


@transaction.atomic
def work_session_update(*, session: WorkSession, data: Mapping[str, Any]) -> WorkSession:
    """Edit a session; `duration` follows start and end."""
    start = data.get("started_at", session.started_at)
    end = data.get("ended_at", session.ended_at)
    update_fields(session, {**data, "duration": seconds_between(start, end)})
    return session


@transaction.atomic
def work_session_stop(*, session: WorkSession) -> WorkSession:
    """Stop a running timer; 409 when it is already stopped."""
    session = _locked(session)
    if session.ended_at is not None:
        raise IllegalTransition("This work session is not running.")
    session.ended_at = max(timezone.now(), session.started_at)
    session.duration = seconds_between(session.started_at, session.ended_at)
    session.save(update_fields=["ended_at", "duration"])
    return session


# --- goals ---------------------------------------------------------------------------------


@transaction.atomic
def goal_create(*, user: User, data: Mapping[str, Any]) -> Goal:
    """Create a goal."""
    goal = Goal(user=user, **data)
    validate_fields(goal, data)
    goal.save(force_insert=True)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, data: Mapping[str, Any]) -> Goal:
    """Edit a goal."""
    update_fields(goal, data)
    return goal


# --- screenshots ---------------------------------------------------------------------------


@transaction.atomic
def screenshot_create(
    *,
    user: User,
    image,
    app_name: str = "",
    window_title: str = "",
    captured_at: datetime | None = None,
) -> Screenshot:
    """Validate an uploaded image with Pillow, blur it when the user asks, store it and a
    thumbnail through the default storage. Refused while screenshots are off or incognito."""
    from activity.images import ImageRejected, process_screenshot

    settings = user_settings_get(user=user)
    require_tracking(settings)
    if not settings.screenshots_enabled:
        raise TrackingRefused("Screenshots are off in your settings.")
    try:
        processed = process_screenshot(image, blur=settings.blur_screenshots)
    except ImageRejected as exc:
        raise ValidationError({"image": str(exc)}) from exc
    shot = Screenshot(
        user=user,
        app_name=app_name,
        window_title=window_title,
        captured_at=captured_at or timezone.now(),
        is_blurred=processed.blurred,
        width=processed.width,
        height=processed.height,
        file_size=processed.image.size,
    )
    shot.file_path.save("screenshot.png", processed.image, save=False)
    shot.thumbnail_url.save("thumb.jpg", processed.thumbnail, save=False)
    try:
        validate_fields(
            shot,
            (
                "file_path",
                "thumbnail_url",
                "app_name",
                "window_title",
                "captured_at",
                "is_blurred",
                "width",
                "height",
                "file_size",
            ),
        )
        shot.save(force_insert=True)
    except Exception:
        # A row that was not written must not leave its files behind.
        shot.file_path.delete(save=False)
        shot.thumbnail_url.delete(save=False)
        raise
    return shot


@transaction.atomic
def screenshot_update(*, screenshot: Screenshot, data: Mapping[str, Any]) -> Screenshot:
    """Edit a screenshot's metadata (the image itself is immutable)."""
    update_fields(screenshot, data)
    return screenshot


# --- integrations and calendar -------------------------------------------------------------


@transaction.atomic
def integration_create(*, user: User, data: Mapping[str, Any]) -> Integration:
    """Connect a provider (one per provider per user); tokens are stored encrypted."""
    integration = Integration(user=user, **data)
    validate_fields(integration, (*data, "user"))
    integration.save(force_insert=True)
    return integration


@transaction.atomic
def integration_update(*, integration: Integration, data: Mapping[str, Any]) -> Integration:
    """Edit an integration; tokens not given are kept."""
    update_fields(integration, data)
    return integration


def _is_meeting(user: User, attendees) -> bool:
    own = {(user.email or "").lower()}
    for attendee in attendees or []:
        email = attendee.get("email", "") if isinstance(attendee, dict) else str(attendee)
        if email.strip().lower() not in own:
            return True
    return False


def _check_integration(data: Mapping[str, Any], user_id) -> None:
    integration = data.get("integration")
    if integration is not None and integration.user_id != user_id:
        raise ValidationError({"integration": "Not one of your integrations."})


@transaction.atomic
def calendar_event_create(*, user: User, data: Mapping[str, Any]) -> CalendarEvent:
    """Store an event from one of the user's integrations; a meeting when others attend."""
    _check_integration(data, user.pk)
    event = CalendarEvent(user=user, **data)
    event.is_meeting = _is_meeting(user, event.attendees)
    validate_fields(event, data)
    event.save(force_insert=True)
    return event


@transaction.atomic
def calendar_event_update(*, event: CalendarEvent, data: Mapping[str, Any]) -> CalendarEvent:
    """Edit an event; `is_meeting` follows the attendees."""
    _check_integration(data, event.user_id)
    attendees = data.get("attendees", event.attendees)
    update_fields(event, {**data, "is_meeting": _is_meeting(event.user, attendees)})
    return event


# --- generic -------------------------------------------------------------------------------


@transaction.atomic
def object_delete(*, instance: models.Model) -> None:
    """Delete one of the app's objects (files of screenshots go with them, see signals)."""
    instance.delete()


# --- retention -----------------------------------------------------------------------------


def _purge(
    model: type[models.Model], time_field: str, *, days: int, now: datetime, batch_size: int
) -> int:
    cutoff = now - timedelta(days=days)
    base = model._default_manager.filter(
        user__settings__data_retention_days=days, **{f"{time_field}__lt": cutoff}
    )
    total = 0
    while True:
        with transaction.atomic():
            ids = list(base.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            # Screenshots go one by one through the ORM so their files are deleted too.
            model._default_manager.filter(pk__in=ids).delete()
            auditing.record_bulk(
                model=model, action="delete", ids=ids, metadata={"reason": "retention"}
            )
        total += len(ids)


def purge_expired(*, batch_size: int = 5000, now: datetime | None = None) -> dict[str, int]:
    """Delete activities, user activities and screenshots older than each owner's
    `data_retention_days`, in batches, each batch in its own transaction and audit row."""
    now = now or timezone.now()
    totals = {"activities": 0, "user_activities": 0, "screenshots": 0}
    retention_values = (
        UserSettings.objects.values_list("data_retention_days", flat=True)
        .distinct()
        .order_by("data_retention_days")
    )
    for days in retention_values:
        totals["activities"] += _purge(
            Activity, "start_time", days=days, now=now, batch_size=batch_size
        )
        totals["user_activities"] += _purge(
            UserActivity, "occurred_at", days=days, now=now, batch_size=batch_size
        )
        totals["screenshots"] += _purge(
            Screenshot, "captured_at", days=days, now=now, batch_size=min(batch_size, 500)
        )
    return totals
