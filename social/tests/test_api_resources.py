"""Generated contract tests for every social API resource (tests/api_cases.py)."""

from accounts.tests.factories import UserFactory
from social.models import (
    ChatGroup,
    ChatGroupInvite,
    EmojiCategory,
    EmojiFavorite,
    Message,
    Notification,
    UserStatus,
)
from social.models import Emoji as EmojiModel
from social.tests.factories import (
    CustomEmojiFactory,
    DirectMessageFactory,
    EmojiCategoryFactory,
    EmojiFavoriteFactory,
    NotificationFactory,
    chat_group,
)
from tests.api_cases import APIResourceCases


class TestEmojiCategoryAPI(APIResourceCases):
    base_path = "/api/v1/emoji-categories/"
    model = EmojiCategory
    owned = False
    actions = {"list", "retrieve"}
    max_queries = 4

    def make_object(self, user):
        return EmojiCategoryFactory()


class TestEmojiAPI(APIResourceCases):
    base_path = "/api/v1/emojis/"
    model = EmojiModel
    owned = False
    actions = {"list", "retrieve"}
    max_queries = 4

    def make_object(self, user):
        return CustomEmojiFactory()


class TestEmojiFavoriteAPI(APIResourceCases):
    base_path = "/api/v1/emoji-favorites/"
    model = EmojiFavorite
    actions = {"list", "retrieve", "create", "delete"}
    invalid_create_data = {"emoji": "not-a-uuid"}
    max_queries = 4

    def make_object(self, user):
        return EmojiFavoriteFactory(user=user)

    def create_data(self, user):
        return {"emoji": str(CustomEmojiFactory().pk)}


class TestNotificationAPI(APIResourceCases):
    base_path = "/api/v1/notifications/"
    model = Notification
    actions = {"list", "retrieve", "update"}
    update_data = {"is_read": True}
    invalid_update_data = {"is_read": "perhaps"}
    max_queries = 3

    def make_object(self, user):
        return NotificationFactory(user=user)


class TestChatGroupAPI(APIResourceCases):
    base_path = "/api/v1/chat-groups/"
    model = ChatGroup
    owner_field = "created_by"
    invalid_create_data = {"name": ""}
    update_data = {"name": "Renamed", "description": "Where we plan"}
    invalid_update_data = {"name": ""}
    max_queries = 4

    def make_object(self, user):
        return chat_group(user, name="Planning")

    def create_data(self, user):
        return {"name": "Core", "description": "Core team chat"}


class TestMessageAPI(APIResourceCases):
    base_path = "/api/v1/messages/"
    model = Message
    owner_field = "sender"
    invalid_create_data = {"content": "to nobody"}
    update_data = {"content": "edited text"}
    invalid_update_data = {"content": ""}
    max_queries = 4

    def make_object(self, user):
        return DirectMessageFactory(sender=user)

    def create_data(self, user):
        return {"receiver": str(UserFactory().pk), "content": "hello"}

    def assert_deleted(self, obj):
        # Soft delete: the row stays, marked deleted.
        obj.refresh_from_db()
        assert obj.is_deleted and obj.deleted_at is not None


class TestMyStatusAPI(APIResourceCases):
    base_path = "/api/v1/me/status/"
    model = UserStatus
    singleton = True
    actions = {"retrieve", "update"}
    update_data = {"manual_status": "Deep work", "invisible": True}
    invalid_update_data = {"manual_status": "x" * 300}
    max_queries = 4
    # Presence is telemetry, excluded from per-row auditing (AUDIT_EXCLUDE_MODELS).
    audit = None

    def make_object(self, user):
        return UserStatus.objects.get_or_create(user=user)[0]


class TestHeartbeatAPI(APIResourceCases):
    base_path = "/api/v1/me/status/heartbeat/"
    model = UserStatus
    singleton = True
    actions: set[str] = set()

    def make_object(self, user):
        return UserStatus.objects.get_or_create(user=user)[0]


class TestUserStatusAPI(APIResourceCases):
    base_path = "/api/v1/users/00000000-0000-4000-8000-000000000000/status/"
    model = UserStatus
    singleton = True
    owned = False
    actions = {"retrieve"}
    max_queries = 4

    def make_object(self, user):
        return UserStatus.objects.get_or_create(user=UserFactory())[0]

    def detail_path(self, obj):
        return f"/api/v1/users/{obj.user_id}/status/"


class TestChatInviteAcceptAPI(APIResourceCases):
    base_path = "/api/v1/chat-invites/some-token/accept/"
    model = ChatGroupInvite
    singleton = True
    actions: set[str] = set()

    def make_object(self, user):
        return None
