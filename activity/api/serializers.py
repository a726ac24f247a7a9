import uuid
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from activity.classification import PATTERN_MAX_LENGTH, validate_pattern
from activity.ingest import ACTIVITY_COLUMNS
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
from core import fields as core_fields
from core import limits
from core.serializers import ModelSerializer, QuerySerializer, Serializer

# Items in one array body (bulk create of activities and user activities): bounds what one
# request validates and writes.
BULK_MAX = 5000


def bulk_items(data: Any, *, empty: str, too_many: str) -> tuple[list[Any], bool]:
    """The items of a body that is one object or an array of 1 to BULK_MAX of them, and
    whether it is an array. Checked before any item is validated."""
    if not isinstance(data, list):
        return [data], False
    if not data:
        raise serializers.ValidationError({"non_field_errors": [empty]})
    if len(data) > BULK_MAX:
        raise serializers.ValidationError({"non_field_errors": [too_many]})
    return data, True


# --- activities: a hand-written validator, because DRF's per-field machinery costs more than
# the INSERT itself at thousands of rows per request. The rules match ActivitySerializer.

# The longest activity: its duration in seconds is a 32-bit integer column (PostgreSQL's
# integer), and bulk ingest writes it without the model's validation.
DURATION_MAX = 2**31 - 1

_TEXT_LIMITS = {"app_name": 255, "window_title": 1000, "url": 2000, "category": 100}


def _datetime(value: Any) -> datetime | None:
    """The aware datetime `value` gives (naive ones are UTC), or None if it gives none."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            return None
    else:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def clean_activity(item: Any, *, partial: bool = False) -> tuple[dict, dict]:
    """Validate one activity object; returns (clean data, field errors)."""
    if not isinstance(item, dict):
        return {}, {"non_field_errors": ["Expected an object."]}
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, limit in _TEXT_LIMITS.items():
        if field not in item:
            if field == "app_name" and not partial:
                errors[field] = ["This field is required."]
            continue
        value = item[field]
        if value is None and field != "app_name":
            data[field] = ""
        elif not isinstance(value, str):
            errors[field] = ["Not a valid string."]
        elif field == "app_name" and not value.strip():
            errors[field] = ["This field may not be blank."]
        elif len(value) > limit or "\x00" in value:
            errors[field] = [f"Ensure this field has no more than {limit} characters."]
        else:
            data[field] = value
    for field in ("is_productive", "is_afk"):
        if field in item:
            value = item[field]
            if value is None and field == "is_productive":
                data[field] = None
            elif not isinstance(value, bool):
                errors[field] = ["Must be a valid boolean."]
            else:
                data[field] = value
    for field in ("start_time", "end_time"):
        if field not in item or (item[field] is None and field == "end_time"):
            if field == "start_time" and not partial:
                errors[field] = ["This field is required."]
            elif field == "end_time" and field in item:
                data[field] = None
            continue
        parsed = _datetime(item[field])
        if parsed is None:
            errors[field] = ["Datetime has wrong format. Use ISO 8601 with an offset."]
        elif not limits.datetime_in_range(parsed):
            # Checked before the move to UTC, which overflows near the year 1 or 9999.
            errors[field] = [limits.DATETIME_RANGE_MESSAGE]
        else:
            # Stored and shown in UTC, as DRF's DateTimeField would have it.
            data[field] = parsed.astimezone(UTC)
    start, end = data.get("start_time"), data.get("end_time")
    if start and end and end < start and "end_time" not in errors:
        errors["end_time"] = ["end_time must not be before start_time."]
    elif start and end and (end - start).total_seconds() > DURATION_MAX:
        errors["end_time"] = [
            f"end_time may be at most {DURATION_MAX} seconds (68 years) after start_time."
        ]
    return data, errors


class ActivitySerializer(ModelSerializer):
    """Reads are plain attribute reads, without DRF's per-field machinery (its cost dominates
    lists and bulk responses); ids and datetimes go to the renderer as they are, and orjson
    writes them as DRF's fields would (UTC datetimes end in Z). Writes use clean_activity."""

    class Meta:
        model = Activity
        fields = [
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
            "created_at",
        ]
        read_only_fields = ["id", "duration", "created_at"]
        # clean_activity reads null as the empty text, as trackers send it.
        extra_kwargs = {name: {"allow_null": True} for name in ("window_title", "url", "category")}

    def to_representation(self, instance: Activity) -> dict:
        return {name: getattr(instance, name) for name in self.Meta.fields}

    def to_internal_value(self, data):
        clean, errors = clean_activity(data, partial=self.partial)
        if errors:
            raise serializers.ValidationError(errors)
        return clean


def activity_rows(data: Any) -> tuple[list[dict], bool]:
    """The validated rows of a POST body that is one activity or an array of them, and
    whether it is an array. An array with a bad item is refused whole, with one error object
    per item (empty for the valid ones)."""
    items, many = bulk_items(
        data,
        empty="The array is empty.",
        too_many=f"At most {BULK_MAX} activities per request.",
    )
    rows, errors = [], []
    for item in items:
        clean, item_errors = clean_activity(item)
        rows.append(clean)
        errors.append(item_errors)
    if any(errors):
        raise serializers.ValidationError(errors if many else errors[0])
    return rows, many


def activity_representation(row: tuple) -> dict:
    """The API's view of a stored row given as a tuple in ACTIVITY_COLUMNS order (what
    activities_ingest returns)."""
    return {name: row[index] for name, index in _REPRESENTED_COLUMNS}


def activities_created(stored: list[tuple], *, many: bool) -> list[dict] | dict:
    """The answer to a bulk create: the stored rows, or for a single object the row (or a
    note that it was not stored, an AFK activity while idle tracking is off)."""
    body = [activity_representation(row) for row in stored]
    if many:
        return body
    return body[0] if body else {"detail": "Ignored: idle tracking is off."}


_REPRESENTED_COLUMNS = tuple(
    (name, ACTIVITY_COLUMNS.index(name)) for name in ActivitySerializer.Meta.fields
)


# The longest gap a heartbeat may bridge; with timestamps bounded by core.limits, timestamp +
# pulsetime stays far from the end of Python's datetimes.
PULSETIME_MAX = 86400


class HeartbeatSerializer(Serializer):
    app_name = serializers.CharField(max_length=255)
    window_title = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, default=""
    )
    url = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, allow_null=True, default=""
    )
    is_afk = serializers.BooleanField(required=False, default=False)
    timestamp = core_fields.DateTimeField()
    pulsetime = serializers.FloatField(
        required=False,
        default=60.0,
        min_value=0,
        max_value=PULSETIME_MAX,
        help_text="Seconds (default 60, at most 86400: a day).",
    )


class RangeSerializer(Serializer):
    start = core_fields.DateTimeField(required=False)
    end = core_fields.DateTimeField(required=False)

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end <= start:
            raise serializers.ValidationError({"end": "end must be after start."})
        if start and end and (end - start).days > 400:
            raise serializers.ValidationError({"end": "The range is limited to 400 days."})
        return attrs


class SummaryQuerySerializer(QuerySerializer, RangeSerializer):
    group_by = serializers.ChoiceField(
        choices=["category", "app_name", "day"], required=False, default="category"
    )


class ReclassifySerializer(RangeSerializer):
    start = core_fields.DateTimeField()
    end = core_fields.DateTimeField()


_MATCHER_REQUIRED = next(
    constraint.violation_error_message
    for constraint in ClassificationRule._meta.constraints
    if constraint.name == "classification_rules_has_a_matcher"
)


class ClassificationRuleSerializer(ModelSerializer):
    is_global = serializers.BooleanField(
        required=False, default=False, help_text="staff only: a rule for everyone (user null)"
    )

    class Meta:
        model = ClassificationRule
        fields = [
            "id",
            "user",
            "is_global",
            "app_name",
            "window_title_pattern",
            "url_pattern",
            "category",
            "is_productive",
            "priority",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "user", "created_at"]
        extra_kwargs = {"priority": {"min_value": -10000, "max_value": 10000}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["is_global"] = instance.user_id is None
        return data

    def _pattern(self, value):
        if value:
            if len(value) > PATTERN_MAX_LENGTH:
                raise serializers.ValidationError(
                    f"Ensure this field has no more than {PATTERN_MAX_LENGTH} characters."
                )
            try:
                validate_pattern(value)
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate_url_pattern(self, value):
        return self._pattern(value)

    def validate_window_title_pattern(self, value):
        return self._pattern(value)

    def validate(self, attrs):
        # The table's check constraint (classification_rules_has_a_matcher), said before the
        # insert: the service validates only the fields it is given.
        matchers = [
            attrs.get(name, getattr(self.instance, name, ""))
            for name in ("app_name", "window_title_pattern", "url_pattern")
        ]
        if not any(matchers):
            raise serializers.ValidationError({"non_field_errors": [_MATCHER_REQUIRED]})
        return attrs


class IdleSessionSerializer(ModelSerializer):
    class Meta:
        model = IdleSession
        fields = [
            "id",
            "session_name",
            "status",
            "start_time",
            "end_time",
            "total_duration",
            "session_config",
            "activity_log",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "end_time",
            "total_duration",
            "created_at",
            "updated_at",
        ]


class OwnSessionField(serializers.PrimaryKeyRelatedField):
    """An idle session of the requesting user, by id. A bulk body's ids are looked up in one
    query (`prefetch`), not one per item: thousands of items name a session each."""

    found: dict[str, IdleSession] | None = None

    def prefetch(self, ids: set[str]) -> None:
        valid = set()
        for value in ids:
            try:
                valid.add(uuid.UUID(value))
            except ValueError:
                continue
        self.found = {str(row.pk): row for row in self.get_queryset().filter(pk__in=valid)}

    def to_internal_value(self, data):
        if self.found is not None and isinstance(data, str):
            try:
                key = str(uuid.UUID(data))
            except ValueError:
                return super().to_internal_value(data)
            if key in self.found:
                return self.found[key]
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class UserActivitySerializer(ModelSerializer):
    session = OwnSessionField(queryset=IdleSession.objects.none())

    class Meta:
        model = UserActivity
        fields = [
            "id",
            "session",
            "activity_type",
            "activity_data",
            "occurred_at",
            "ip_address",
            "user_agent",
            "metadata",
        ]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated and "session" in self.fields:
            field = self.fields["session"]
            field.queryset = IdleSession.objects.filter(user=request.user)
            data = kwargs.get("data")
            if isinstance(data, list):  # the child of a bulk create sees the whole array
                field.prefetch(
                    {
                        item["session"]
                        for item in data
                        if isinstance(item, dict) and isinstance(item.get("session"), str)
                    }
                )


class FocusSessionSerializer(ModelSerializer):
    blocked_apps = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, max_length=500
    )
    blocked_websites = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=500
    )

    class Meta:
        model = FocusSession
        fields = [
            "id",
            "title",
            "duration_minutes",
            "actual_duration",
            "status",
            "blocked_apps",
            "blocked_websites",
            "distraction_count",
            "started_at",
            "ended_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "actual_duration",
            "status",
            "distraction_count",
            "started_at",
            "ended_at",
            "created_at",
        ]
        extra_kwargs = {"duration_minutes": {"min_value": 1, "max_value": 24 * 60}}


class WorkSessionSerializer(ModelSerializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=100
    )

    class Meta:
        model = WorkSession
        fields = [
            "id",
            "title",
            "description",
            "project",
            "tags",
            "started_at",
            "ended_at",
            "duration",
            "is_billable",
            "is_running",
            "created_at",
        ]
        read_only_fields = ["id", "duration", "created_at"]

    is_running = serializers.SerializerMethodField()

    def get_is_running(self, obj) -> bool:
        return obj.ended_at is None

    def validate(self, attrs):
        start = attrs.get("started_at", getattr(self.instance, "started_at", None))
        end = attrs.get("ended_at", getattr(self.instance, "ended_at", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"ended_at": "ended_at must not be before started_at."}
            )
        return attrs


class GoalSerializer(ModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "name", "type", "target_hours", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"target_hours": {"min_value": 0.01, "max_value": 24}}


class GoalProgressQuerySerializer(QuerySerializer):
    date = core_fields.DateField(required=False)


class ScreenshotSerializer(ModelSerializer):
    image = serializers.ImageField(write_only=True, help_text="multipart upload")
    cloud_url = core_fields.BlankableURLField(read_only=True)
    file_path = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Screenshot
        fields = [
            "id",
            "image",
            "file_path",
            "cloud_url",
            "thumbnail_url",
            "app_name",
            "window_title",
            "is_blurred",
            "file_size",
            "width",
            "height",
            "captured_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "cloud_url",
            "is_blurred",
            "file_size",
            "width",
            "height",
            "created_at",
        ]

    def get_file_path(self, obj) -> str | None:
        return obj.file_path.url if obj.file_path else None

    def get_thumbnail_url(self, obj) -> str | None:
        return obj.thumbnail_url.url if obj.thumbnail_url else None


class ScreenshotUpdateSerializer(ScreenshotSerializer):
    class Meta(ScreenshotSerializer.Meta):
        fields = [f for f in ScreenshotSerializer.Meta.fields if f != "image"]


class ScreenshotCreateSerializer(ScreenshotSerializer):
    # DRF's ImageField decodes the whole image to check it; the service does that with size
    # and decompression-bomb limits instead, so here the upload only has to be a file.
    image = serializers.FileField(write_only=True, help_text="multipart upload")


class IntegrationSerializer(ModelSerializer):
    access_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=4000
    )
    refresh_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=4000
    )
    has_access_token = serializers.SerializerMethodField()
    has_refresh_token = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "id",
            "provider",
            "access_token",
            "refresh_token",
            "has_access_token",
            "has_refresh_token",
            "token_expires_at",
            "provider_user_id",
            "metadata",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_has_access_token(self, obj) -> bool:
        return bool(obj.access_token)

    def get_has_refresh_token(self, obj) -> bool:
        return bool(obj.refresh_token)

    def validate_provider(self, value: str) -> str:
        value = value.strip().lower()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value


class CalendarEventSerializer(ModelSerializer):
    attendees = core_fields.JSONArrayField(required=False)

    class Meta:
        model = CalendarEvent
        fields = [
            "id",
            "integration",
            "external_id",
            "title",
            "description",
            "start_time",
            "end_time",
            "is_all_day",
            "location",
            "attendees",
            "is_meeting",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_meeting", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated and "integration" in self.fields:
            self.fields["integration"].queryset = Integration.objects.filter(user=request.user)

    def validate(self, attrs):
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end_time": "end_time must be after start_time."})
        return attrs
