from rest_framework import serializers

from accounts import selectors
from accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user's own profile: everything they may read, a subset they may change."""

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
        # Uniqueness is checked case-insensitively against deleted accounts too, below;
        # the model-derived validators would only see live users.
        extra_kwargs = {"username": {"validators": []}, "email": {"validators": []}}

    def validate_email(self, value: str) -> str:
        value = User.all_objects.normalize_email(value)
        if selectors.user_email_taken(email=value, exclude=self.instance):
            raise serializers.ValidationError("A user with that email already exists.")
        return value

    def validate_username(self, value: str) -> str:
        if selectors.user_username_taken(username=value, exclude=self.instance):
            raise serializers.ValidationError("A user with that username already exists.")
        return value

    def validate_metadata(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value
