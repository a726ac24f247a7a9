"""Reports over activities, shared by the API, the admin and exports."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_settings_get
from activity.models import Activity, ClassificationRule, Goal

GROUPS = ("category", "app_name", "day")


def classification_rules_visible(*, user: User) -> QuerySet[ClassificationRule]:
    """The user's own rules and the global ones."""
    return ClassificationRule.objects.filter(Q(user=user) | Q(user__isnull=True))


def user_zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user_settings_get(user=user).time_zone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def today(zone: ZoneInfo) -> date:
    """The date it is now in `zone`."""
    return timezone.localtime(timezone.now(), zone).date()


def report_range(
    *, user: User, start: datetime | None = None, end: datetime | None = None
) -> tuple[datetime, datetime, ZoneInfo]:
    """The [start, end) a report covers and the user's time zone: today in that zone when
    neither bound is given, else one day from the bound that is."""
    zone = user_zone(user)
    if start is None:
        start = day_bounds(today(zone), zone)[0] if end is None else end - timedelta(days=1)
    if end is None:
        end = start + timedelta(days=1)
    if end <= start:
        raise ValidationError({"end": ["end must be after start."]})
    return start, end, zone


def _score(productive: int, unproductive: int) -> float | None:
    classified = productive + unproductive
    return round(100 * productive / classified, 1) if classified else None


def activity_summary(
    *, user: User, start: datetime, end: datetime, group_by: str, zone: ZoneInfo
) -> dict:
    """Seconds per group split productive / unproductive / unclassified, AFK excluded.

    One aggregate query over the (user_id, start_time) index; the totals are summed from the
    (few) groups, not from rows.
    """
    seconds = Coalesce(F("duration"), Value(0))
    key = TruncDate("start_time", tzinfo=zone) if group_by == "day" else F(group_by)
    rows = (
        Activity.objects.filter(user=user, start_time__gte=start, start_time__lt=end, is_afk=False)
        .annotate(key=key)
        .values("key")
        .annotate(
            total=Sum(seconds),
            productive=Sum(seconds, filter=Q(is_productive=True)),
            unproductive=Sum(seconds, filter=Q(is_productive=False)),
            unclassified=Sum(seconds, filter=Q(is_productive__isnull=True)),
            activities=Count("id"),
        )
        .order_by()
    )
    groups = []
    totals = {"total_seconds": 0, "productive": 0, "unproductive": 0, "unclassified": 0}
    for row in rows:
        productive, unproductive = row["productive"] or 0, row["unproductive"] or 0
        unclassified = row["unclassified"] or 0
        key_value = row["key"]
        groups.append(
            {
                "key": key_value.isoformat() if isinstance(key_value, date) else key_value,
                "total_seconds": row["total"] or 0,
                "productive": productive,
                "unproductive": unproductive,
                "unclassified": unclassified,
                "activities": row["activities"],
                "productivity_score": _score(productive, unproductive),
            }
        )
        totals["total_seconds"] += row["total"] or 0
        totals["productive"] += productive
        totals["unproductive"] += unproductive
        totals["unclassified"] += unclassified
    if group_by == "day":
        groups.sort(key=lambda g: g["key"])
    else:
        groups.sort(key=lambda g: (-g["total_seconds"], g["key"] or ""))
    return {
        "start": start,
        "end": end,
        "group_by": group_by,
        "time_zone": str(zone),
        **totals,
        "productivity_score": _score(totals["productive"], totals["unproductive"]),
        "groups": groups,
    }


def summary_export_rows(summary: dict) -> list[list]:
    """An activity summary as CSV rows: a header, then one line per group."""
    columns = ["total_seconds", "productive", "unproductive", "unclassified"]
    rows: list[list] = [[summary["group_by"], *columns, "productivity_score"]]
    rows += [
        [group["key"], *(group[column] for column in columns), group["productivity_score"]]
        for group in summary["groups"]
    ]
    return rows


def goal_progress(*, goal: Goal, user: User, day: date | None = None) -> dict:
    """Hours of non-AFK activity of the goal's kind on `day` (default today) in the time
    zone of `user`, the goal's owner."""
    zone = user_zone(user)
    day = day or today(zone)
    start, end = day_bounds(day, zone)
    productive = goal.type == Goal.Type.DAILY_PRODUCTIVE
    seconds = Activity.objects.filter(
        user_id=goal.user_id,
        start_time__gte=start,
        start_time__lt=end,
        is_afk=False,
        is_productive=productive,
    ).aggregate(seconds=Coalesce(Sum("duration"), 0))["seconds"]
    achieved = round(seconds / 3600, 2)
    percent = round(100 * seconds / (goal.target_hours * 3600), 1) if goal.target_hours else 0.0
    met = achieved >= goal.target_hours if productive else achieved <= goal.target_hours
    return {
        "goal": str(goal.pk),
        "type": goal.type,
        "date": day.isoformat(),
        "time_zone": str(zone),
        "target_hours": goal.target_hours,
        "achieved_hours": achieved,
        "percent": percent,
        "met": met,
    }


def activities_in_range(*, user: User, start: datetime, end: datetime) -> QuerySet[Activity]:
    return Activity.objects.filter(user=user, start_time__gte=start, start_time__lt=end).order_by(
        "start_time", "id"
    )


EXPORT_COLUMNS = [
    "id",
    "app_name",
    "window_title",
    "url",
    "category",
    "is_productive",
    "is_afk",
    "start_time",
    "end_time",
    "duration",
]


def activity_export_rows(*, user: User, start: datetime, end: datetime) -> Iterator[list]:
    """Rows for a CSV export, read in chunks with a server-side cursor where available."""
    yield EXPORT_COLUMNS
    queryset = activities_in_range(user=user, start=start, end=end).values_list(*EXPORT_COLUMNS)
    for row in queryset.iterator(chunk_size=2000):
        yield [
            value.isoformat() if isinstance(value, datetime) else ("" if value is None else value)
            for value in row
        ]
