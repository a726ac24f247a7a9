from rest_framework import serializers

from accounts.api.serializers import PublicUserSerializer
from core.fields import JSONObjectField
from core.serializers import ModelSerializer, Serializer
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember, TeamRole


class TeamSerializer(ModelSerializer):
    my_role = serializers.CharField(read_only=True)
    member_count = serializers.IntegerField(source="active_member_count", read_only=True)
    max_members = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    settings = JSONObjectField(required=False)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "plan",
            "max_members",
            "settings",
            "my_role",
            "member_count",
            "created_at",
            "updated_at",
        ]
        # The plan follows billing; staff change it in the admin.
        read_only_fields = ["id", "owner", "plan", "created_at", "updated_at"]


class TeamMemberSerializer(ModelSerializer):
    user = PublicUserSerializer(read_only=True)
    role = serializers.ChoiceField(choices=TeamRole.choices)

    class Meta:
        model = TeamMember
        fields = ["id", "team", "user", "role", "invited_by", "joined_at", "is_active"]
        read_only_fields = ["id", "team", "user", "invited_by", "joined_at", "is_active"]


class TeamInviteSerializer(ModelSerializer):
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.MEMBER)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = TeamInvite
        fields = [
            "id",
            "team",
            "email",
            "role",
            "status",
            "invited_by",
            "expires_at",
            "accepted_at",
            "accepted_by",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "team",
            "invited_by",
            "expires_at",
            "accepted_at",
            "accepted_by",
            "revoked_at",
            "created_at",
        ]


class TeamInviteIssuedSerializer(TeamInviteSerializer):
    """The invite as its creator sees it once: with the token and the link that was emailed."""

    token = serializers.CharField(read_only=True)
    accept_url = serializers.CharField(read_only=True)

    class Meta(TeamInviteSerializer.Meta):
        fields = [*TeamInviteSerializer.Meta.fields, "token", "accept_url"]


class TeamInviteAcceptSerializer(Serializer):
    token = serializers.CharField(max_length=200, trim_whitespace=True)


class GroupSerializer(ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=False)
    is_member = serializers.BooleanField(read_only=True)
    settings = JSONObjectField(required=False)
    max_members = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )

    class Meta:
        model = Group
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "is_public",
            "is_open",
            "is_system",
            "is_active",
            "group_type",
            "tags",
            "settings",
            "owner",
            "created_by",
            "member_count",
            "max_members",
            "is_member",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "is_system",
            "is_active",
            "owner",
            "created_by",
            "member_count",
            "created_at",
            "updated_at",
        ]
        # Uniqueness (case-insensitive name, slug) is checked by the model's constraints.
        validators = []

    def validate_slug(self, value):
        if value != value.lower():
            raise serializers.ValidationError("Use lowercase letters, digits and hyphens.")
        return value


class GroupMembershipSerializer(ModelSerializer):
    user = PublicUserSerializer(read_only=True)

    class Meta:
        model = GroupMembership
        fields = ["id", "group", "user", "role_in_group", "joined_by", "joined_at", "is_active"]
        read_only_fields = fields
