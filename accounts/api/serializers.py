from zoneinfo import available_timezones

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import selectors
from accounts.models import (
    ApiKey,
    Role,
    User,
    UserPreference,
    UserSession,
    UserSettings,
    _valid_time_zone,
)
from core.fields import BlankableURLField, JSONObjectField, StrictJSONField
from core.serializers import ModelSerializer, Serializer


class MeSerializer(ModelSerializer):
    """The signed-in user's own profile: everything they may read, a subset they may change."""

    avatar_url = BlankableURLField(max_length=512, required=False, allow_blank=True)
    metadata = JSONObjectField(required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "first_name",
            "last_name",
            "avatar_url",
            "bio",
            "profile_type",
            "plan",
            "trial_ends_at",
            "is_trial_active",
            "onboarding_completed",
            "email_verified",
            "email_verified_at",
            "metadata",
            "is_staff",
            "last_login",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "plan",
            "trial_ends_at",
            "is_trial_active",
            "email_verified",
            "email_verified_at",
            "is_staff",
            "last_login",
            "created_at",
            "updated_at",
        ]
        # Usernames are checked case-insensitively against deleted accounts too, below; the
        # model-derived validators would only see live users. A new email is not checked
        # here: the change goes through a confirmation link (MeView), and whether another
        # account uses the address is never told.
        extra_kwargs = {"username": {"validators": []}, "email": {"validators": []}}

    def validate_email(self, value: str) -> str:
        return User.all_objects.normalize_email(value.strip())

    def validate_username(self, value: str) -> str:
        if selectors.user_username_taken(username=value, exclude=self.instance):
            raise serializers.ValidationError("A user with that username already exists.")
        return value


@extend_schema_field({"type": "string", "enum": sorted(available_timezones())})
class TimeZoneField(serializers.CharField):
    """An IANA time zone name; the schema lists the names this server knows."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, validators=[_valid_time_zone], **kwargs)


class UserSettingsSerializer(ModelSerializer):
    """The user's settings; the OpenAI key can be set or cleared but never read back."""

    time_zone = TimeZoneField(required=False)

    openai_api_key = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500, trim_whitespace=True
    )
    has_openai_api_key = serializers.SerializerMethodField()

    class Meta:
        model = UserSettings
        exclude = ["user"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_has_openai_api_key(self, obj) -> bool:
        return bool(obj.openai_api_key)


class UserPreferenceSerializer(ModelSerializer):
    class Meta:
        model = UserPreference
        fields = ["id", "preference_key", "preference_value", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness per user is checked by the view (the user is not a serializer field).
        validators = []


class UserPreferenceValueSerializer(Serializer):
    """PUT /me/preferences/{preference_key}/: the value only; the key is in the path."""

    preference_value = StrictJSONField()


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": ApiKey.Scope.values},
        "minItems": 1,
    }
)
class ScopesField(serializers.MultipleChoiceField):
    """API key scopes as a JSON list of at least one (a comma-separated string is accepted
    too)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ApiKey.Scope.choices, allow_empty=False, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part.strip() for part in data.split(",") if part.strip()]
        return sorted(super().to_internal_value(data))

    def to_representation(self, value):
        return value.split(",") if isinstance(value, str) else sorted(value)


class ApiKeySerializer(ModelSerializer):
    permissions = ScopesField(required=False)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "key_name",
            "description",
            "prefix",
            "permissions",
            "expires_at",
            "last_used_at",
            "is_active",
            "revoked_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "prefix",
            "last_used_at",
            "is_active",
            "revoked_at",
            "created_at",
            "updated_at",
        ]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """The answer to a create: the only time the full key is ever shown."""

    key = serializers.CharField(read_only=True)

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class UserSessionSerializer(ModelSerializer):
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = UserSession
        fields = [
            "id",
            "kind",
            "client_ip",
            "user_agent",
            "device_fingerprint",
            "location",
            "login_method",
            "is_active",
            "last_activity",
            "expires_at",
            "request_count",
            "suspicious_activity",
            "created_at",
            "is_current",
        ]
        read_only_fields = fields

    def get_is_current(self, obj) -> bool:
        return obj.session_key_hash == self.context.get("current_session_hash")


class RoleSerializer(ModelSerializer):
    permissions = serializers.SlugRelatedField(slug_field="codename", many=True, read_only=True)

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "description",
            "is_system",
            "is_active",
            "permissions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RoleAssignmentSerializer(Serializer):
    """POST/DELETE /users/{id}/roles/: `role` is the role's name or id."""

    role = serializers.CharField(max_length=100)

    def validate_role(self, value: str) -> Role:
        lookup = {"pk": value} if _is_uuid(value) else {"name": value}
        role = Role.objects.filter(**lookup).first()
        if role is None:
            raise serializers.ValidationError("Unknown role.")
        return role


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class PublicUserSerializer(ModelSerializer):
    """What any signed-in user may see about another user."""

    avatar_url = BlankableURLField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "avatar_url"]
        read_only_fields = fields


class StaffUserSerializer(ModelSerializer):
    """Everything but the password hash, for staff."""

    roles = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = User
        exclude = ["password", "groups", "user_permissions"]
        read_only_fields = ["id"]


class PasswordResetRequestSerializer(Serializer):
    email = serializers.EmailField(max_length=255)


class PasswordResetConfirmSerializer(Serializer):
    token = serializers.CharField(max_length=200, trim_whitespace=True)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    revoke_api_keys = serializers.BooleanField(
        default=False, help_text="Also revoke every API key of the account."
    )


class EmailChangeAcceptedSerializer(Serializer):
    """PATCH /me/ with a new email: the change waits for the link sent to that address."""

    detail = serializers.CharField()
    pending_email = serializers.EmailField()


class RevokeOthersSerializer(Serializer):
    include_api_keys = serializers.BooleanField(
        default=False, help_text="Also revoke every API key of the account."
    )


class RevokeOthersResultSerializer(Serializer):
    revoked = serializers.IntegerField(help_text="Sessions signed out.")
    api_keys_revoked = serializers.IntegerField(
        required=False, help_text="API keys revoked (with `include_api_keys` only)."
    )
