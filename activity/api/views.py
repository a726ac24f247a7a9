import csv

from django.db.models import F
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from activity import selectors, services
from activity.api import filters as activity_filters
from activity.api.serializers import (
    BULK_MAX,
    ActivitySerializer,
    CalendarEventSerializer,
    ClassificationRuleSerializer,
    FocusSessionSerializer,
    GoalProgressQuerySerializer,
    GoalSerializer,
    HeartbeatSerializer,
    IdleSessionSerializer,
    IntegrationSerializer,
    ReclassifySerializer,
    ScreenshotCreateSerializer,
    ScreenshotSerializer,
    ScreenshotUpdateSerializer,
    SummaryQuerySerializer,
    UserActivitySerializer,
    WorkSessionSerializer,
    activities_created,
    activity_rows,
    bulk_items,
)
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
from core import limits
from core.client_ip import client_ip
from core.exceptions import NonAtomicActionsMixin
from core.filters import FilterBackend
from core.pagination import CursorPagination
from core.renderers import ORJSONParser
from core.schema import ERROR_BODY, ONE_OR_MANY


def _one_or_many(component: str) -> dict:
    """Schema of an answer that is one object or an array of them (bulk endpoints; their
    request bodies are marked with ONE_OR_MANY)."""
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"oneOf": [ref, {"type": "array", "items": ref}]}


# An activity while idle tracking is off is acknowledged, not stored: a 200 with a note for
# one object, an empty array for an array of them.
_IGNORED = {
    "oneOf": [
        {
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": False,
        },
        {"type": "array", "items": {}, "maxItems": 0},
    ]
}
# An array body's 400 lists one error object per item (empty for the valid ones).
_ERRORS_ONE_OR_MANY = {"oneOf": [ERROR_BODY, {"type": "array", "items": ERROR_BODY}]}
_SECONDS = {"type": "number", "minimum": 0}
_DATETIME = {"type": "string", "format": "date-time", "pattern": limits.DATETIME_PATTERN}
_SUMMARY = {
    "type": "object",
    "required": ["start", "end", "group_by", "time_zone", "total_seconds", "groups"],
    "properties": {
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "group_by": {"type": "string", "enum": ["category", "app_name", "day"]},
        "time_zone": {"type": "string"},
        "total_seconds": _SECONDS,
        "productive": _SECONDS,
        "unproductive": _SECONDS,
        "unclassified": _SECONDS,
        "productivity_score": {"type": "number", "nullable": True},
        "groups": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
}


class NewestActivityPagination(CursorPagination):
    ordering = ("-start_time", "-id")


class NewestUserActivityPagination(CursorPagination):
    ordering = ("-occurred_at", "-id")


class _Echo:
    def write(self, value):
        return value


# What a spreadsheet reads as the start of a formula (or, tab and carriage return, as a cell
# break before one) when it opens a CSV file.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` as a CSV cell a spreadsheet won't run: text that starts like a formula gets a
    leading single quote, which spreadsheets show as text. Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return value


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([csv_cell(value) for value in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class OwnedViewSet(viewsets.ModelViewSet):
    """CRUD over the requesting user's own rows; writes go through `create_service` /
    `update_service` (keyword-only services taking the instance and the validated data)."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return self.queryset.filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(
            user=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            serializer.instance, dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.object_delete(instance=instance)

    def _transition(self, service):
        instance = service(self.get_object())
        return Response(self.get_serializer(instance).data)


class ActivityViewSet(NonAtomicActionsMixin, OwnedViewSet):
    """Tracked activities. POST takes one object or an array (bulk, all-or-nothing)."""

    # A heartbeat that extends the latest row is one UPDATE, atomic on its own, and must not
    # keep that row locked while waiting for the settings lock (services.activity_heartbeat).
    non_atomic_actions = frozenset({"heartbeat"})
    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = activity_filters.ActivityFilter
    pagination_class = NewestActivityPagination
    filter_backends = [FilterBackend, filters.SearchFilter]
    search_fields = ["app_name", "window_title"]

    @extend_schema(
        request=ActivitySerializer,
        extensions={ONE_OR_MANY: BULK_MAX},
        responses={
            201: _one_or_many("Activity"),
            200: _IGNORED,
            400: _ERRORS_ONE_OR_MANY,
        },
        description="One activity object, or an array of up to 5,000 (stored all or nothing).",
    )
    def create(self, request, *args, **kwargs):
        rows, many = activity_rows(request.data)
        created = services.activities_ingest(user=request.user, rows=rows)
        return Response(
            activities_created(created, many=many),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def perform_update(self, serializer):
        serializer.instance = services.activity_update(
            activity=serializer.instance, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.activity_delete(activity=instance)

    @extend_schema(
        request=HeartbeatSerializer, responses={200: ActivitySerializer, 201: ActivitySerializer}
    )
    @action(detail=False, methods=["post"])
    def heartbeat(self, request):
        """Extend the latest activity (200) or start a new one (201)."""
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        activity, created = services.activity_heartbeat(
            user=request.user,
            app_name=data["app_name"],
            window_title=data.get("window_title") or "",
            url=data.get("url") or "",
            is_afk=data["is_afk"],
            timestamp=data["timestamp"],
            pulsetime=data["pulsetime"],
        )
        return Response(
            ActivitySerializer().to_representation(activity),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _report_query(self, request):
        """A report's query, validated: (group_by, start, end, the user's time zone)."""
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start, end, zone = selectors.report_range(
            user=request.user, start=data.get("start"), end=data.get("end")
        )
        return data["group_by"], start, end, zone

    @extend_schema(
        parameters=[SummaryQuerySerializer],
        responses={200: _SUMMARY},
        description="Seconds per group (category, app_name or day in the user's time zone), "
        "split productive / unproductive / unclassified, AFK excluded. Default: today.",
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        group_by, start, end, zone = self._report_query(request)
        return Response(
            selectors.activity_summary(
                user=request.user, start=start, end=end, group_by=group_by, zone=zone
            )
        )

    @extend_schema(parameters=[SummaryQuerySerializer], responses={(200, "text/csv"): str})
    @action(detail=False, methods=["get"], url_path="summary/export")
    def summary_export(self, request):
        """The summary as CSV, one line per group."""
        group_by, start, end, zone = self._report_query(request)
        summary = selectors.activity_summary(
            user=request.user, start=start, end=end, group_by=group_by, zone=zone
        )
        return _csv_response(selectors.summary_export_rows(summary), "activity-summary.csv")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start",
                _DATETIME,
                description=f"{limits.DATETIME_DESCRIPTION} Default: the start of today.",
            ),
            OpenApiParameter(
                "end",
                _DATETIME,
                description=f"{limits.DATETIME_DESCRIPTION} Default: start + 1 day.",
            ),
        ],
        responses={(200, "text/csv"): str},
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Activities of a range as CSV, streamed."""
        _, start, end, _ = self._report_query(request)
        rows = selectors.activity_export_rows(user=request.user, start=start, end=end)
        return _csv_response(rows, "activities.csv")


class ClassificationRuleViewSet(OwnedViewSet):
    """The user's rules plus the global ones (read-only unless staff)."""

    queryset = ClassificationRule.objects.all()
    serializer_class = ClassificationRuleSerializer
    filterset_class = activity_filters.ClassificationRuleFilter
    search_fields = ["app_name", "category", "url_pattern"]
    ordering_fields = ["priority", "created_at", "category"]

    def get_queryset(self):
        # Own rules first so they are on the first page ahead of the many global ones.
        return selectors.classification_rules_visible(user=self.request.user).order_by(
            F("user").asc(nulls_last=True), "-priority", "created_at"
        )

    def _check_writable(self, rule):
        if rule.user_id is None and not self.request.user.is_staff:
            raise PermissionDenied("Global rules are managed by staff.")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        is_global = data.pop("is_global", False)
        if is_global and not self.request.user.is_staff:
            raise PermissionDenied("Only staff can create global rules.")
        serializer.instance = services.classification_rule_create(
            user=None if is_global else self.request.user, data=data
        )

    def perform_update(self, serializer):
        self._check_writable(serializer.instance)
        data = dict(serializer.validated_data)
        data.pop("is_global", None)
        serializer.instance = services.classification_rule_update(
            rule=serializer.instance, data=data
        )

    def perform_destroy(self, instance):
        self._check_writable(instance)
        services.classification_rule_delete(rule=instance)

    @extend_schema(request=ReclassifySerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def reclassify(self, request):
        """Re-apply the rules to the user's activities in [start, end)."""
        query = ReclassifySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        updated = services.activities_reclassify(
            user=request.user,
            start=query.validated_data["start"],
            end=query.validated_data["end"],
        )
        return Response({"updated": updated})


class IdleSessionViewSet(OwnedViewSet):
    """Idle sessions: active → paused → active → completed."""

    queryset = IdleSession.objects.all()
    serializer_class = IdleSessionSerializer
    filterset_class = activity_filters.IdleSessionFilter
    search_fields = ["session_name"]
    ordering_fields = ["start_time", "created_at"]
    create_service = staticmethod(services.idle_session_start)

    @staticmethod
    def update_service(instance, data):
        return services.idle_session_update(session=instance, data=data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._transition(lambda s: services.idle_session_pause(session=s))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._transition(lambda s: services.idle_session_resume(session=s))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(lambda s: services.idle_session_complete(session=s))


class UserActivityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Events inside the user's own idle sessions; POST one object or an array."""

    queryset = UserActivity.objects.all()
    serializer_class = UserActivitySerializer
    filterset_class = activity_filters.UserActivityFilter
    pagination_class = NewestUserActivityPagination
    filter_backends = [FilterBackend]

    def get_queryset(self):
        return UserActivity.objects.filter(user=self.request.user)

    @extend_schema(
        request=UserActivitySerializer,
        extensions={ONE_OR_MANY: BULK_MAX},
        responses={201: _one_or_many("UserActivity"), 400: _ERRORS_ONE_OR_MANY},
    )
    def create(self, request, *args, **kwargs):
        message = f"Send 1 to {BULK_MAX} events."
        _, many = bulk_items(request.data, empty=message, too_many=message)
        serializer = self.get_serializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data if many else [serializer.validated_data]
        meta = request.META
        for row in rows:
            row.setdefault("ip_address", client_ip(request))
            row.setdefault("user_agent", meta.get("HTTP_USER_AGENT", "")[:1000])
        created = services.user_activities_ingest(user=request.user, rows=[dict(r) for r in rows])
        body = UserActivitySerializer(created, many=True).data
        return Response(body if many else body[0], status=status.HTTP_201_CREATED)


class FocusSessionViewSet(OwnedViewSet):
    """Focus sessions; one open per user; transitions are actions, illegal ones are 409."""

    queryset = FocusSession.objects.all()
    serializer_class = FocusSessionSerializer
    filterset_class = activity_filters.FocusSessionFilter
    search_fields = ["title"]
    ordering_fields = ["started_at", "distraction_count"]
    create_service = staticmethod(services.focus_session_start)

    @staticmethod
    def update_service(instance, data):
        return services.focus_session_update(session=instance, data=data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._transition(lambda s: services.focus_session_pause(session=s))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._transition(lambda s: services.focus_session_resume(session=s))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(lambda s: services.focus_session_complete(session=s))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(lambda s: services.focus_session_cancel(session=s))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def distraction(self, request, pk=None):
        return self._transition(lambda s: services.focus_session_distraction(session=s))


class WorkSessionViewSet(OwnedViewSet):
    """Work sessions; no `ended_at` = a running timer (one per user)."""

    queryset = WorkSession.objects.all()
    serializer_class = WorkSessionSerializer
    filterset_class = activity_filters.WorkSessionFilter
    search_fields = ["title", "description", "project"]
    ordering_fields = ["started_at", "duration", "project"]
    create_service = staticmethod(services.work_session_create)

    @staticmethod
    def update_service(instance, data):
        return services.work_session_update(session=instance, data=data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        return self._transition(lambda s: services.work_session_stop(session=s))


class GoalViewSet(OwnedViewSet):
    """Daily goals and their progress."""

    queryset = Goal.objects.all()
    serializer_class = GoalSerializer
    filterset_class = activity_filters.GoalFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "name"]
    create_service = staticmethod(services.goal_create)

    @staticmethod
    def update_service(instance, data):
        return services.goal_update(goal=instance, data=data)

    @extend_schema(parameters=[GoalProgressQuerySerializer], responses={200: dict})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """`{date, target_hours, achieved_hours, percent}` for a day (default today)."""
        goal = self.get_object()
        query = GoalProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            selectors.goal_progress(
                goal=goal, user=request.user, day=query.validated_data.get("date")
            )
        )


class ScreenshotViewSet(OwnedViewSet):
    """Screenshots: multipart `image`; the server measures, thumbnails and blurs."""

    queryset = Screenshot.objects.all()
    serializer_class = ScreenshotSerializer
    parser_classes = [ORJSONParser, MultiPartParser]
    filterset_class = activity_filters.ScreenshotFilter
    search_fields = ["app_name", "window_title"]
    ordering_fields = ["captured_at"]

    # A file comes as multipart only: JSON has no way to carry the image. A change carries
    # no file, and comes as JSON, where a value keeps its type.
    @extend_schema(request={"multipart/form-data": ScreenshotCreateSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(request={"application/json": ScreenshotUpdateSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def get_serializer_class(self):
        if self.action == "create":
            return ScreenshotCreateSerializer
        if self.action in {"update", "partial_update"}:
            return ScreenshotUpdateSerializer
        return ScreenshotSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.screenshot_create(
            user=self.request.user,
            image=data["image"],
            app_name=data.get("app_name", ""),
            window_title=data.get("window_title", ""),
            captured_at=data.get("captured_at"),
        )

    @staticmethod
    def update_service(instance, data):
        return services.screenshot_update(screenshot=instance, data=data)


class IntegrationViewSet(OwnedViewSet):
    """Connected services; tokens are write-only and encrypted at rest."""

    queryset = Integration.objects.all()
    serializer_class = IntegrationSerializer
    filterset_class = activity_filters.IntegrationFilter
    search_fields = ["provider"]
    ordering_fields = ["provider", "created_at"]
    create_service = staticmethod(services.integration_create)

    @staticmethod
    def update_service(instance, data):
        return services.integration_update(integration=instance, data=data)


class CalendarEventViewSet(OwnedViewSet):
    """Calendar events from the user's own integrations."""

    queryset = CalendarEvent.objects.all()
    serializer_class = CalendarEventSerializer
    filterset_class = activity_filters.CalendarEventFilter
    search_fields = ["title", "location"]
    ordering_fields = ["start_time"]
    create_service = staticmethod(services.calendar_event_create)

    @staticmethod
    def update_service(instance, data):
        return services.calendar_event_update(event=instance, data=data)
