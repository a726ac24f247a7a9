"""State changes of the activity app. Views, admin actions and commands all come through here."""

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

import auditing
from accounts.models import User, UserSettings
from accounts.selectors import user_settings_get
from activity.classification import RuleSet, ruleset_for
from activity.exceptions import IllegalTransition, TrackingRefused
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
from core.ids import uuid7, uuid7_many

BULK_MAX = 5000
RUNNING_TIMER_MESSAGE = "A work timer is already running."


# --- helpers -------------------------------------------------------------------------------


def _seconds(start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _apply(instance, data: dict[str, Any], *, exclude: Iterable[str] = ()) -> None:
    for field, value in data.items():
        setattr(instance, field, value)
    instance.full_clean(exclude=list(exclude))


def _require_tracking(settings: UserSettings, *, afk: bool = False) -> None:
    if not settings.accepts_tracking:
        raise TrackingRefused()
    if afk and not settings.track_idle:
        raise TrackingRefused("Idle (AFK) tracking is off in your settings.")


# Classification results per compiled rule set, kept across requests: a tracker sends the same
# apps and window titles all day, and matching one against every rule costs about a
# millisecond. ruleset_for() builds a new RuleSet whenever rules change, so a result never
# outlives the rules it came from. Bounded: a few rule sets, a thousand results each.
_MEMO_RULESETS = 32
_MEMO_RESULTS = 1000
_memos: OrderedDict[int, tuple[RuleSet, dict]] = OrderedDict()
_memos_lock = threading.Lock()


def _memo_for(ruleset: RuleSet) -> dict:
    """The shared result memo of `ruleset` (keyed by identity: RuleSet has no weakrefs; the
    entry holds the ruleset itself, so its id is not reused while the entry lives)."""
    key = id(ruleset)
    with _memos_lock:
        hit = _memos.get(key)
        if hit is not None and hit[0] is ruleset:
            _memos.move_to_end(key)
            memo = hit[1]
            if len(memo) > _MEMO_RESULTS:
                memo.clear()
            return memo
        memo = {}
        _memos[key] = (ruleset, memo)
        if len(_memos) > _MEMO_RULESETS:
            _memos.popitem(last=False)
        return memo


def _classify(ruleset: RuleSet, memo: dict, row: dict) -> None:
    """Fill category / is_productive that the client left out, from the first matching rule."""
    need_category = not row.get("category")
    need_productive = row.get("is_productive") is None
    if not (need_category or need_productive):
        return
    key = (row["app_name"], row.get("window_title") or "", row.get("url") or "")
    if key in memo:
        rule = memo[key]
    else:
        rule = memo[key] = ruleset.classify(*key)
    if rule is None:
        return
    if need_category:
        row["category"] = rule.category
    if need_productive:
        row["is_productive"] = rule.is_productive


# --- activities ----------------------------------------------------------------------------


# The columns of a stored activity, in table order: ingest writes rows as tuples of these.
ACTIVITY_COLUMNS = tuple(field.attname for field in Activity._meta.concrete_fields)
# Their PostgreSQL types, for binary COPY (no text formatting of dates and ids in Python).
_COPY_TYPES = (
    "uuid", "uuid", "text", "text", "text", "text",
    "bool", "bool", "timestamptz", "timestamptz", "int4", "timestamptz",
)  # fmt: skip


# No savepoint: the view's request transaction already wraps this, and a failure rolls the
# whole request back.
@transaction.atomic(savepoint=False)
def activities_ingest(*, user: User, rows: list[dict[str, Any]]) -> list[tuple]:
    """Store a validated batch of activities in one statement, all or nothing.

    `rows` come from the API's input validation (types, lengths, end after start). Rules are
    fetched once per batch; AFK rows are dropped while the user's idle tracking is off. The
    batch is audited with one summary row, never one row per activity. Returns the stored
    rows as `.values_list()` would read them back: tuples in ACTIVITY_COLUMNS order.
    """
    if len(rows) > BULK_MAX:
        raise ValidationError(f"At most {BULK_MAX} activities per request.")
    settings = user_settings_get(user=user)
    _require_tracking(settings)
    if not settings.track_idle:
        rows = [row for row in rows if not row.get("is_afk")]
    if not rows:
        return []
    ruleset = ruleset_for(user.pk)
    memo = _memo_for(ruleset)
    now = timezone.now()
    values = []
    for row, pk in zip(rows, uuid7_many(len(rows)), strict=True):
        _classify(ruleset, memo, row)
        start, end = row["start_time"], row.get("end_time")
        values.append(
            (
                pk,
                user.pk,
                row["app_name"],
                row.get("window_title") or "",
                row.get("url") or "",
                row.get("category") or "",
                row.get("is_productive"),
                bool(row.get("is_afk")),
                start,
                end,
                _seconds(start, end),
                now,
            )
        )
    # Rows were validated field by field already; the database enforces the check constraints.
    _insert_activities(values)
    auditing.record_bulk(model=Activity, action="create", ids=[value[0] for value in values])
    return values


def _insert_activities(values: list[tuple]) -> None:
    """Write new activities (tuples in ACTIVITY_COLUMNS order) in one statement: binary COPY
    on PostgreSQL, bulk_create elsewhere.

    COPY streams the rows through psycopg's C code; bulk_create compiles 12 parameters per
    row in Python first, which costs several times the insert itself at thousands of rows.
    COPY runs in the surrounding transaction, so the batch stays all or nothing, and fires
    the same triggers and check constraints as an INSERT.
    """
    connection = connections[router.db_for_write(Activity)]
    if connection.vendor != "postgresql":
        Activity.objects.bulk_create([Activity(*value) for value in values], batch_size=1000)
        return
    columns = ", ".join(connection.ops.quote_name(name) for name in ACTIVITY_COLUMNS)
    table = connection.ops.quote_name(Activity._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(_COPY_TYPES)
        for value in values:
            copy.write_row(value)


def _host_blocked(url: str, websites: list) -> bool:
    if not url or not websites:
        return False
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    for site in websites:
        site = str(site).lower().strip()
        site = (urlsplit(site if "//" in site else f"//{site}").hostname or site).lstrip(".")
        if site and (host == site or host.endswith(f".{site}")):
            return True
    return False


def _settings_locked(user: User) -> UserSettings:
    """The user's settings row, locked: it serialises one user's heartbeats.

    Locking the latest activity alone is not enough: a heartbeat waiting on that lock would
    not see a row the other one just inserted, and would insert a duplicate.
    """
    queryset = UserSettings.objects.select_for_update().filter(user_id=user.pk)
    settings = queryset.first()
    if settings is None:
        user_settings_get(user=user)
        settings = queryset.get()
    return settings


def _count_distraction(user: User, app_name: str, url: str) -> None:
    """During an active focus session, switching to one of its blocked apps or websites
    counts a distraction."""
    focus = (
        FocusSession.objects.filter(user_id=user.pk, status="active")
        .values("id", "blocked_apps", "blocked_websites")
        .first()
    )
    if focus is None:
        return
    apps = {str(name).lower() for name in focus["blocked_apps"] or []}
    if app_name.lower() in apps or _host_blocked(url, focus["blocked_websites"] or []):
        FocusSession.objects.filter(pk=focus["id"], status="active").update(
            distraction_count=F("distraction_count") + 1
        )


# The two statements behind nearly every heartbeat, read the latest row and move its end, as
# SQL made once per database and run with new values. A tracker sends a heartbeat every few
# seconds, and through the ORM building each statement took longer than running it
# (measured on PostgreSQL: 1.4 against 0.8 ms for the read, 1.1 against 0.8 ms for the
# update). The read's SQL is the ORM's own; the update's names come from the model, quoted.
_HEARTBEAT_SQL: dict[str, dict[str, str]] = {}


def _heartbeat_sql(connection) -> dict[str, str]:
    statements = _HEARTBEAT_SQL.get(connection.alias)
    if statements is None:
        latest = Activity.objects.filter(user_id=uuid.UUID(int=0)).order_by("-start_time", "-id")
        sql, _ = latest[:1].query.get_compiler(connection=connection).as_sql()
        quote = connection.ops.quote_name
        table, pk = quote(Activity._meta.db_table), quote(Activity._meta.pk.column)
        end = quote(Activity._meta.get_field("end_time").column)
        duration = quote(Activity._meta.get_field("duration").column)
        statements = _HEARTBEAT_SQL[connection.alias] = {
            "latest": sql,
            "extend": (
                f"UPDATE {table} SET {end} = %s, {duration} = %s "  # noqa: S608  # nosec B608
                f"WHERE {pk} = %s AND {end} = %s"
            ),
        }
    return statements


def _latest_activity(user: User, *, lock: bool = False) -> Activity | None:
    if lock:
        queryset = Activity.objects.select_for_update().filter(user_id=user.pk)
        return queryset.order_by("-start_time", "-id").first()
    connection = connections[router.db_for_read(Activity)]
    sql = _heartbeat_sql(connection)["latest"]
    value = Activity._meta.get_field("user").get_db_prep_value(user.pk, connection)
    return next(iter(Activity.objects.db_manager(connection.alias).raw(sql, [value])), None)


def _heartbeat_end(latest: Activity | None, heartbeat: dict[str, Any]) -> datetime | None:
    """The end `latest` takes when the heartbeat continues it (same window, within
    pulsetime of its end); None when the heartbeat starts a new activity."""
    timestamp = heartbeat["timestamp"]
    if (
        latest is None
        or latest.app_name != heartbeat["app_name"]
        or latest.window_title != heartbeat["window_title"]
        or latest.url != heartbeat["url"]
        or latest.is_afk != heartbeat["is_afk"]
        or latest.start_time > timestamp
    ):
        return None
    end = latest.end_time or latest.start_time
    if end + timedelta(seconds=heartbeat["pulsetime"]) < timestamp:
        return None
    return max(end, timestamp)


def _extend(latest: Activity, end: datetime) -> bool:
    """Move the end of `latest` to `end`, unless another heartbeat moved it since it was
    read (False then). The row's own lock serialises two updates, and the second finds the
    end changed."""
    if end == latest.end_time:
        return True
    duration = _seconds(latest.start_time, end)
    if latest.end_time is None:
        moved = Activity.objects.filter(pk=latest.pk, end_time=None).update(
            end_time=end, duration=duration
        )
    else:
        connection = connections[router.db_for_write(Activity)]
        end_field = Activity._meta.get_field("end_time")
        values = [
            end_field.get_db_prep_save(end, connection),
            duration,
            Activity._meta.pk.get_db_prep_save(latest.pk, connection),
            end_field.get_db_prep_save(latest.end_time, connection),
        ]
        with connection.cursor() as cursor:
            cursor.execute(_heartbeat_sql(connection)["extend"], values)
            moved = cursor.rowcount
    if not moved:
        return False
    latest.end_time, latest.duration = end, duration
    return True


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
    """Extend the latest activity when the heartbeat continues it, else start a new one.

    Returns (activity, created). While a focus session is active, switching to one of its
    blocked apps or websites counts a distraction.

    A tracker sends one heartbeat every few seconds, nearly all of them extending the same
    row, so that is two statements and no transaction: read the latest row, then move its
    end, on condition that the end is still the one read. When the heartbeat starts a new
    activity, or another heartbeat changed the row in between, the decision is taken again
    in a transaction under the user's settings lock, where a new row is inserted.

    Call it outside any transaction (the API view is not atomic): a conditional UPDATE that
    loses a race still locks the row until its transaction ends, and holding that lock while
    waiting for the settings lock could deadlock with a heartbeat holding both.
    """
    _require_tracking(user_settings_get(user=user), afk=is_afk)
    heartbeat = {
        "app_name": app_name,
        "window_title": window_title or "",
        "url": url or "",
        "is_afk": is_afk,
        "timestamp": timestamp,
        "pulsetime": pulsetime,
    }
    latest = _latest_activity(user)
    end = _heartbeat_end(latest, heartbeat)
    if end is not None and _extend(latest, end):
        return latest, False
    return _heartbeat_locked(user, heartbeat)


@transaction.atomic
def _heartbeat_locked(user: User, heartbeat: dict[str, Any]) -> tuple[Activity, bool]:
    # Every insert by a heartbeat holds the settings lock, and the latest row is locked too,
    # so neither a new row nor a new end can appear under this decision.
    _require_tracking(_settings_locked(user), afk=heartbeat["is_afk"])
    latest = _latest_activity(user, lock=True)
    end = _heartbeat_end(latest, heartbeat)
    if end is not None:
        _extend(latest, end)
        return latest, False

    row: dict[str, Any] = {key: heartbeat[key] for key in ("app_name", "window_title", "url")}
    ruleset = ruleset_for(user.pk)
    _classify(ruleset, _memo_for(ruleset), row)
    timestamp = heartbeat["timestamp"]
    activity = Activity(
        id=uuid7(),
        user_id=user.pk,
        app_name=row["app_name"],
        window_title=row["window_title"],
        url=row["url"],
        category=row.get("category") or "",
        is_productive=row.get("is_productive"),
        is_afk=heartbeat["is_afk"],
        start_time=timestamp,
        end_time=timestamp,
        duration=0,
    )
    Activity.objects.bulk_create([activity])
    auditing.record_bulk(model=Activity, action="create", ids=[activity.pk])
    if not heartbeat["is_afk"]:
        _count_distraction(user, row["app_name"], row["url"])
    return activity, True


@transaction.atomic
def activity_update(*, activity: Activity, data: dict[str, Any]) -> Activity:
    """Edit one activity; `duration` follows start and end (audited like a batch of one)."""
    changed = sorted(field for field, value in data.items() if getattr(activity, field) != value)
    _apply(activity, data)
    activity.duration = _seconds(activity.start_time, activity.end_time)
    activity.save()
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
        row = {"app_name": activity.app_name, "window_title": activity.window_title}
        row["url"] = activity.url
        _classify(ruleset, memo, row)
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
def classification_rule_create(*, user: User | None, data: dict[str, Any]) -> ClassificationRule:
    """Create a rule for `user`, or a global rule when `user` is None (staff only)."""
    rule = ClassificationRule(user=user)
    _apply(rule, data)
    rule.save(force_insert=True)
    return rule


@transaction.atomic
def classification_rule_update(
    *, rule: ClassificationRule, data: dict[str, Any]
) -> ClassificationRule:
    """Edit a rule; patterns are validated again (RE2, length)."""
    _apply(rule, data)
    rule.save()
    return rule


@transaction.atomic
def classification_rule_delete(*, rule: ClassificationRule) -> None:
    """Delete a rule; compiled rule caches are invalidated by the model signal."""
    rule.delete()


# --- idle sessions and user activities -----------------------------------------------------


@transaction.atomic
def idle_session_start(*, user: User, data: dict[str, Any]) -> IdleSession:
    """Start an idle session (refused while tracking or idle tracking is off)."""
    _require_tracking(user_settings_get(user=user), afk=True)
    session = IdleSession(user=user, status=IdleSession.Status.ACTIVE)
    _apply(session, data)
    session.save(force_insert=True)
    return session


@transaction.atomic
def idle_session_update(*, session: IdleSession, data: dict[str, Any]) -> IdleSession:
    """Edit the name, configuration or log of an idle session."""
    _apply(session, data)
    session.save()
    return session


def _locked(instance):
    return type(instance).objects.select_for_update().get(pk=instance.pk)


def _paused_seconds_now(session, now: datetime) -> int:
    extra = _seconds(session.paused_at, now) if session.paused_at else 0
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
    elapsed = _seconds(session.start_time, now) or 0
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
    if len(rows) > BULK_MAX:
        raise ValidationError(f"At most {BULK_MAX} events per request.")
    _require_tracking(user_settings_get(user=user), afk=True)
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


def _insert_exclusive(instance, message: str) -> None:
    """Insert; a concurrent insert that won the partial unique index means 409, not 500."""
    try:
        with transaction.atomic():
            instance.save(force_insert=True)
    except IntegrityError as exc:
        raise IllegalTransition(message) from exc


@transaction.atomic
def focus_session_start(*, user: User, data: dict[str, Any]) -> FocusSession:
    """Start a focus session; 409 while another one is active or paused."""
    message = "You already have an active focus session."
    if FocusSession.objects.filter(user=user, status__in=FocusSession.OPEN).exists():
        raise IllegalTransition(message)
    session = FocusSession(user=user, status=FocusSession.Status.ACTIVE)
    for field, value in data.items():
        setattr(session, field, value)
    session.full_clean(validate_constraints=False)
    _insert_exclusive(session, message)
    return session


@transaction.atomic
def focus_session_update(*, session: FocusSession, data: dict[str, Any]) -> FocusSession:
    """Edit title, planned duration or block lists."""
    _apply(session, data)
    session.save()
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
        0, (_seconds(session.started_at, now) or 0) - session.paused_seconds
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
def work_session_create(*, user: User, data: dict[str, Any]) -> WorkSession:
    """Log a finished session, or start a timer when `ended_at` is not given (one at a time)."""
    message = "A work timer is already running; stop it first."
    session = WorkSession(user=user)
    for field, value in data.items():
        setattr(session, field, value)
    running = session.ended_at is None
    if running and WorkSession.objects.filter(user=user, ended_at__isnull=True).exists():
        raise IllegalTransition(message)
    session.duration = _seconds(session.started_at, session.ended_at)
    try:
        session.full_clean()
    except ValidationError as exc:
        # A timer started concurrently, after the check above: the same conflict.
        if running and RUNNING_TIMER_MESSAGE in exc.messages:
            raise IllegalTransition(message) from exc
        raise
    _insert_exclusive(session, message)
    return session


@transaction.atomic
def work_session_update(*, session: WorkSession, data: dict[str, Any]) -> WorkSession:
    """Edit a session; `duration` follows start and end."""
    _apply(session, data)
    session.duration = _seconds(session.started_at, session.ended_at)
    session.save()
    return session


@transaction.atomic
def work_session_stop(*, session: WorkSession) -> WorkSession:
    """Stop a running timer; 409 when it is already stopped."""
    session = _locked(session)
    if session.ended_at is not None:
        raise IllegalTransition("This work session is not running.")
    session.ended_at = max(timezone.now(), session.started_at)
    session.duration = _seconds(session.started_at, session.ended_at)
    session.save(update_fields=["ended_at", "duration"])
    return session


# --- goals ---------------------------------------------------------------------------------


@transaction.atomic
def goal_create(*, user: User, data: dict[str, Any]) -> Goal:
    """Create a goal."""
    goal = Goal(user=user)
    _apply(goal, data)
    goal.save(force_insert=True)
    return goal


@transaction.atomic
def goal_update(*, goal: Goal, data: dict[str, Any]) -> Goal:
    """Edit a goal."""
    _apply(goal, data)
    goal.save()
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
    _require_tracking(settings)
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
        shot.full_clean()
        shot.save(force_insert=True)
    except Exception:
        # A row that was not written must not leave its files behind.
        shot.file_path.delete(save=False)
        shot.thumbnail_url.delete(save=False)
        raise
    return shot


@transaction.atomic
def screenshot_update(*, screenshot: Screenshot, data: dict[str, Any]) -> Screenshot:
    """Edit a screenshot's metadata (the image itself is immutable)."""
    _apply(screenshot, data)
    screenshot.save()
    return screenshot


# --- integrations and calendar -------------------------------------------------------------


@transaction.atomic
def integration_create(*, user: User, data: dict[str, Any]) -> Integration:
    """Connect a provider (one per provider per user); tokens are stored encrypted."""
    integration = Integration(user=user)
    _apply(integration, data)
    integration.save(force_insert=True)
    return integration


@transaction.atomic
def integration_update(*, integration: Integration, data: dict[str, Any]) -> Integration:
    """Edit an integration; tokens not given are kept."""
    _apply(integration, data)
    integration.save()
    return integration


def _is_meeting(user: User, attendees) -> bool:
    own = {(user.email or "").lower()}
    for attendee in attendees or []:
        email = attendee.get("email", "") if isinstance(attendee, dict) else str(attendee)
        if email.strip().lower() not in own:
            return True
    return False


@transaction.atomic
def calendar_event_create(*, user: User, data: dict[str, Any]) -> CalendarEvent:
    """Store an event from one of the user's integrations; a meeting when others attend."""
    if data["integration"].user_id != user.pk:
        raise ValidationError({"integration": "Not one of your integrations."})
    event = CalendarEvent(user=user)
    _apply(event, data)
    event.is_meeting = _is_meeting(user, event.attendees)
    event.save(force_insert=True)
    return event


@transaction.atomic
def calendar_event_update(*, event: CalendarEvent, data: dict[str, Any]) -> CalendarEvent:
    """Edit an event; `is_meeting` follows the attendees."""
    integration = data.get("integration")
    if integration is not None and integration.user_id != event.user_id:
        raise ValidationError({"integration": "Not one of your integrations."})
    _apply(event, data)
    event.is_meeting = _is_meeting(event.user, event.attendees)
    event.save()
    return event


# --- generic -------------------------------------------------------------------------------


@transaction.atomic
def object_delete(*, instance) -> None:
    """Delete one of the app's objects (files of screenshots go with them, see signals)."""
    instance.delete()


# --- retention -----------------------------------------------------------------------------


def _purge(model, time_field: str, *, days: int, now: datetime, batch_size: int) -> int:
    cutoff = now - timedelta(days=days)
    base = model.objects.filter(
        user__settings__data_retention_days=days, **{f"{time_field}__lt": cutoff}
    )
    total = 0
    while True:
        with transaction.atomic():
            ids = list(base.values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            # Screenshots go one by one through the ORM so their files are deleted too.
            model.objects.filter(pk__in=ids).delete()
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
