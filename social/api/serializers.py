from rest_framework import serializers

from accounts.api.serializers import PublicUserSerializer
from accounts.models import User
from core.fields import DateTimeField
from core.serializers import ModelSerializer, Serializer
from social import selectors
from social.models import (
    ChatGroup,
    ChatGroupInvite,
    ChatGroupMember,
    Emoji,
    EmojiCategory,
    EmojiFavorite,
    Message,
    Notification,
    UserStatus,
)


class EmojiCategorySerializer(ModelSerializer):
    class Meta:
        model = EmojiCategory
        fields = [
            "id",
            "name",
            "display_name",
            "description",
            "icon",
            "sort_order",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class EmojiSerializer(ModelSerializer):
    image = serializers.ImageField(write_only=True, required=False)
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Emoji
        fields = [
            "id",
            "category",
            "unicode",
            "shortcode",
            "name",
            "description",
            "keywords",
            "skin_tone",
            "base_emoji",
            "is_custom",
            "image",
            "image_url",
            "unicode_version",
            "sort_order",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "base_emoji",
            "is_custom",
            "unicode_version",
            "created_at",
            "updated_at",
        ]

    def get_image_url(self, emoji: Emoji) -> str | None:
        if not emoji.image:
            return None
        request = self.context.get("request")
        url = emoji.image.url
        return request.build_absolute_uri(url) if request else url

    def validate(self, attrs):
        if self.instance is None and not attrs.get("image"):
            raise serializers.ValidationError({"image": ["A custom emoji needs an image."]})
        return attrs


class EmojiBriefSerializer(ModelSerializer):
    class Meta:
        model = Emoji
        fields = ["id", "unicode", "shortcode", "name", "is_custom", "is_active"]


class EmojiFavoriteSerializer(ModelSerializer):
    emoji = serializers.PrimaryKeyRelatedField(queryset=Emoji.objects.all())
    emoji_detail = EmojiBriefSerializer(source="emoji", read_only=True)

    class Meta:
        model = EmojiFavorite
        fields = ["id", "emoji", "emoji_detail", "usage_count", "last_used", "created_at"]
        read_only_fields = ["id", "usage_count", "last_used", "created_at"]


class NotificationSerializer(ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "title",
            "message",
            "data",
            "priority",
            "is_read",
            "read_at",
            "expires_at",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f != "is_read"]
        extra_kwargs = {"is_read": {"required": True}}


class ChatGroupSerializer(ModelSerializer):
    class Meta:
        model = ChatGroup
        fields = [
            "id",
            "name",
            "description",
            "is_primary",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]


class ChatGroupMemberSerializer(ModelSerializer):
    user = PublicUserSerializer(read_only=True)

    class Meta:
        model = ChatGroupMember
        fields = ["id", "user", "group", "joined_at"]


class ChatGroupInviteSerializer(ModelSerializer):
    class Meta:
        model = ChatGroupInvite
        fields = [
            "id",
            "group",
            "single_use",
            "use_count",
            "created_by",
            "created_at",
            "expires_at",
        ]
        read_only_fields = ["id", "group", "use_count", "created_by", "created_at"]
        extra_kwargs = {"expires_at": {"required": False}}


class IssuedChatInviteSerializer(ChatGroupInviteSerializer):
    """A new invite with its token: the only time the token is ever shown."""

    token = serializers.CharField(read_only=True)

    class Meta(ChatGroupInviteSerializer.Meta):
        fields = [*ChatGroupInviteSerializer.Meta.fields, "token"]


class MessageSerializer(ModelSerializer):
    group = serializers.PrimaryKeyRelatedField(
        queryset=ChatGroup.objects.all(), required=False, allow_null=True
    )
    receiver = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "content",
            "sender",
            "receiver",
            "group",
            "edited_at",
            "is_deleted",
            "deleted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "sender",
            "edited_at",
            "is_deleted",
            "deleted_at",
            "created_at",
            "updated_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # A group you are not in does not exist as far as you can tell.
            self.fields["group"].queryset = selectors.chat_groups_of(user=request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["group"].read_only = True
            self.fields["receiver"].read_only = True

    def validate(self, attrs):
        if self.instance is None and (attrs.get("group") is None) == (
            attrs.get("receiver") is None
        ):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give exactly one of group or receiver."]}
            )
        return attrs

    def to_representation(self, message):
        data = super().to_representation(message)
        if message.is_deleted:
            data["content"] = ""
        return data


class PresenceHeartbeatSerializer(Serializer):
    device_id = serializers.CharField(max_length=100)
    is_afk = serializers.BooleanField(required=False, default=False)


class MyStatusSerializer(ModelSerializer):
    id = serializers.UUIDField(source="user_id", read_only=True)
    auto_status = serializers.SerializerMethodField()
    manual_status = serializers.CharField(max_length=255, required=False, allow_blank=True)

    class Meta:
        model = UserStatus
        fields = [
            "id",
            "user",
            "manual_status",
            "manual_status_expires_at",
            "auto_status",
            "invisible",
            "last_seen",
            "devices",
            "updated_at",
        ]
        read_only_fields = ["user", "auto_status", "last_seen", "devices", "updated_at"]

    def get_auto_status(self, status: UserStatus) -> str:
        return selectors.auto_status_from(devices=status.devices)

    def to_representation(self, status):
        data = super().to_representation(status)
        data["manual_status"] = selectors.manual_status_current(status)
        return data


class UserStatusSerializer(Serializer):
    """What others see: an invisible user is offline, with the last_seen they froze."""

    id = serializers.UUIDField(source="user_id")
    user = serializers.UUIDField(source="user_id")
    manual_status = serializers.SerializerMethodField()
    auto_status = serializers.SerializerMethodField()
    last_seen = DateTimeField()

    def get_manual_status(self, status: UserStatus) -> str:
        return "" if status.invisible else selectors.manual_status_current(status)

    def get_auto_status(self, status: UserStatus) -> str:
        if status.invisible:
            return UserStatus.AutoStatus.OFFLINE
        return selectors.auto_status_from(devices=status.devices)
