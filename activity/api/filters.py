import json

import django_filters
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

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
from core.filters import BooleanFilter, FilterSet, IsoDateTimeFilter, requesters_own


def _range(field: str, name: str):
    return {
        f"{name}_after": IsoDateTimeFilter(field_name=field, lookup_expr="gte"),
        f"{name}_before": IsoDateTimeFilter(field_name=field, lookup_expr="lt"),
    }


class ActivityFilter(FilterSet):
    locals().update(_range("start_time", "start_time"))
    locals().update(_range("end_time", "end_time"))

    class Meta:
        model = Activity
        fields = ["app_name", "category", "is_productive", "is_afk"]


class ClassificationRuleFilter(FilterSet):
    is_global = BooleanFilter(field_name="user", lookup_expr="isnull")

    class Meta:
        model = ClassificationRule
        fields = ["app_name", "category", "is_productive", "is_active"]


class IdleSessionFilter(FilterSet):
    locals().update(_range("start_time", "start_time"))

    class Meta:
        model = IdleSession
        fields = ["status"]


class UserActivityFilter(FilterSet):
    locals().update(_range("occurred_at", "occurred_at"))
    session = django_filters.ModelChoiceFilter(queryset=requesters_own(IdleSession))

    class Meta:
        model = UserActivity
        fields = ["session", "activity_type"]


class FocusSessionFilter(FilterSet):
    locals().update(_range("started_at", "started_at"))

    class Meta:
        model = FocusSession
        fields = ["status"]


class WorkSessionFilter(FilterSet):
    locals().update(_range("started_at", "started_at"))
    tags = django_filters.CharFilter(method="filter_tags", help_text="sessions with this tag")
    is_running = BooleanFilter(field_name="ended_at", lookup_expr="isnull")

    class Meta:
        model = WorkSession
        fields = ["project", "is_billable"]

    def filter_tags(self, queryset, name, value):
        if connection.vendor == "postgresql":
            return queryset.filter(tags__contains=[value])
        # SQLite has no JSON containment; the JSON text holds each tag as a quoted string.
        return queryset.annotate(tags_text=Cast("tags", TextField())).filter(
            tags_text__contains=json.dumps(value)
        )


class GoalFilter(FilterSet):
    class Meta:
        model = Goal
        fields = ["type", "is_active"]


class ScreenshotFilter(FilterSet):
    locals().update(_range("captured_at", "captured_at"))

    class Meta:
        model = Screenshot
        fields = ["app_name", "is_blurred"]


class IntegrationFilter(FilterSet):
    class Meta:
        model = Integration
        fields = ["provider", "is_active"]


class CalendarEventFilter(FilterSet):
    locals().update(_range("start_time", "start_time"))
    integration = django_filters.ModelChoiceFilter(queryset=requesters_own(Integration))

    class Meta:
        model = CalendarEvent
        fields = ["integration", "is_meeting", "is_all_day"]
