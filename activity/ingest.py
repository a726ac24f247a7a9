"""The tracker's hot path: storing batches of activities and applying heartbeats.

A tracker sends a heartbeat every few seconds and batches of thousands of activities, so
this module is written for the database round trips it saves: batches go in as one binary
COPY, heartbeats are two statements of SQL made once per database, and classification
results are remembered across requests. `activity.services` holds the entry points
(`activities_ingest`, `activity_heartbeat`), which check the user's settings and call in here.
"""

import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

import auditing
from accounts.models import User, UserSettings
from accounts.selectors import user_settings_get
from activity.classification import CompiledRule, RuleSet, ruleset_for
from activity.exceptions import TrackingRefused
from activity.models import Activity, FocusSession
from core.ids import uuid7, uuid7_many

# The columns of a stored activity, in table order: ingest writes rows as tuples of these.
ACTIVITY_COLUMNS = tuple(field.attname for field in Activity._meta.concrete_fields)
# Their PostgreSQL types, for binary COPY (no text formatting of dates and ids in Python).
_COPY_TYPES = (
    "uuid", "uuid", "text", "text", "text", "text",
    "bool", "bool", "timestamptz", "timestamptz", "int4", "timestamptz",
)  # fmt: skip


def seconds_between(start: datetime, end: datetime | None) -> int | None:
    """Whole seconds from `start` to `end` (never negative); None while `end` is open."""
    if end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def require_tracking(settings: UserSettings, *, afk: bool = False) -> None:
    """Refuse while the user's tracking is off or incognito (and idle data while idle
    tracking is off)."""
    if not settings.accepts_tracking:
        raise TrackingRefused()
    if afk and not settings.track_idle:
        raise TrackingRefused("Idle (AFK) tracking is off in your settings.")


# --- classification memo -------------------------------------------------------------------

# Classification results per compiled rule set, kept across requests: a tracker sends the same
# apps and window titles all day, and each would otherwise be matched against every rule again.
# ruleset_for() builds a new RuleSet whenever rules change, so a result never outlives the
# rules it came from. Bounded: a few rule sets, a thousand results each.
_MEMO_RULESETS = 32
_MEMO_RESULTS = 1000
_memos: OrderedDict[int, tuple[RuleSet, dict]] = OrderedDict()
_memos_lock = threading.Lock()


def memo_for(ruleset: RuleSet) -> dict:
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


def classify_row(ruleset: RuleSet, memo: dict, row: dict[str, Any]) -> None:
    """Fill category / is_productive that the client left out, from the first matching rule."""
    need_category = not row.get("category")
    need_productive = row.get("is_productive") is None
    if not (need_category or need_productive):
        return
    key = (row["app_name"], row.get("window_title") or "", row.get("url") or "")
    rule: CompiledRule | None
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


# --- batches -------------------------------------------------------------------------------


def activities_store(*, user: User, rows: list[dict[str, Any]]) -> list[tuple]:
    """Classify and write validated rows in one statement, with one audit row for the batch.

    Call inside a transaction. Returns the stored rows as `.values_list()` would read them
    back: tuples in ACTIVITY_COLUMNS order.
    """
    ruleset = ruleset_for(user.pk)
    memo = memo_for(ruleset)
    now = timezone.now()
    values = []
    for row, pk in zip(rows, uuid7_many(len(rows)), strict=True):
        classify_row(ruleset, memo, row)
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
                seconds_between(start, end),
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

    COPY streams the rows through psycopg's C code, where bulk_create would first compile 12
    parameters per row in Python. COPY runs in the surrounding transaction, so the batch stays
    all or nothing, and fires the same triggers and check constraints as an INSERT.
    """
    connection = connections[router.db_for_write(Activity)]
    if connection.vendor != "postgresql":
        # Positional construction, in ACTIVITY_COLUMNS order (the stubs cannot type *value).
        objects = [Activity(*value) for value in values]  # type: ignore[misc]
        Activity.objects.bulk_create(objects, batch_size=1000)
        return
    columns = ", ".join(connection.ops.quote_name(name) for name in ACTIVITY_COLUMNS)
    table = connection.ops.quote_name(Activity._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types(_COPY_TYPES)
        for value in values:
            copy.write_row(value)


# --- heartbeats ----------------------------------------------------------------------------


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
# SQL made once per database and run with new values: through the ORM, building each
# statement costs more than running it. The read's SQL is the ORM's own; the update's names
# come from the model, quoted.
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


def _heartbeat_end(latest: Activity, heartbeat: dict[str, Any]) -> datetime | None:
    """The end `latest` takes when the heartbeat continues it (same window, within
    pulsetime of its end); None when the heartbeat starts a new activity."""
    timestamp = heartbeat["timestamp"]
    if (
        latest.app_name != heartbeat["app_name"]
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
    duration = seconds_between(latest.start_time, end)
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


def heartbeat_apply(*, user: User, heartbeat: dict[str, Any]) -> tuple[Activity, bool]:
    """Extend the latest activity when the heartbeat continues it, else start a new one;
    returns (activity, created).

    Nearly every heartbeat extends the same row, so that is two statements and no
    transaction: read the latest row, then move its end, on condition that the end is still
    the one read. When the heartbeat starts a new activity, or another heartbeat changed the
    row in between, the decision is taken again in a transaction under the user's settings
    lock, where a new row is inserted.

    Call it outside any transaction: a conditional UPDATE that loses a race still locks the
    row until its transaction ends, and holding that lock while waiting for the settings lock
    could deadlock with a heartbeat holding both.
    """
    latest = _latest_activity(user)
    if latest is not None:
        end = _heartbeat_end(latest, heartbeat)
        if end is not None and _extend(latest, end):
            return latest, False
    return _heartbeat_locked(user, heartbeat)


@transaction.atomic
def _heartbeat_locked(user: User, heartbeat: dict[str, Any]) -> tuple[Activity, bool]:
    # Every insert by a heartbeat holds the settings lock, and the latest row is locked too,
    # so neither a new row nor a new end can appear under this decision.
    require_tracking(_settings_locked(user), afk=heartbeat["is_afk"])
    latest = _latest_activity(user, lock=True)
    if latest is not None:
        end = _heartbeat_end(latest, heartbeat)
        if end is not None:
            _extend(latest, end)
            return latest, False

    row: dict[str, Any] = {key: heartbeat[key] for key in ("app_name", "window_title", "url")}
    ruleset = ruleset_for(user.pk)
    classify_row(ruleset, memo_for(ruleset), row)
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
