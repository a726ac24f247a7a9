import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from uuid6 import uuid7


class Notification(models.Model):
    """Something a user should know about (Idling.app `notifications`).

    Other apps create these only through `social.services.notification_create`.
    """

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    type = models.CharField(max_length=50)
    title = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_read = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "is_read", "-created_at"], name="idx_notifications_user_unread"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_read=False) | models.Q(read_at__isnull=False),
                name="notifications_read_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.type}: {self.title}"


def _validate_keywords(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Keywords must be a list of strings.")


EMOJI_IMAGE_MAX_BYTES = 512 * 1024
EMOJI_IMAGE_MAX_SIDE = 512
EMOJI_IMAGE_FORMATS = {"PNG", "GIF", "WEBP", "JPEG"}


def validate_emoji_image(file) -> None:
    """A real, small raster image: checked by decoding it, not by trusting its name."""
    from PIL import Image, UnidentifiedImageError

    if file.size > EMOJI_IMAGE_MAX_BYTES:
        raise ValidationError(f"The image must be at most {EMOJI_IMAGE_MAX_BYTES // 1024} KB.")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("Upload a valid PNG, GIF, WebP or JPEG image.") from exc
    finally:
        file.seek(position)
    if kind not in EMOJI_IMAGE_FORMATS:
        raise ValidationError("Upload a valid PNG, GIF, WebP or JPEG image.")
    if width > EMOJI_IMAGE_MAX_SIDE or height > EMOJI_IMAGE_MAX_SIDE:
        raise ValidationError(
            f"The image must be at most {EMOJI_IMAGE_MAX_SIDE}x{EMOJI_IMAGE_MAX_SIDE} pixels."
        )


class EmojiCategory(models.Model):
    """A group of emoji in the picker (Idling.app `emoji_categories`), with integer ids."""

    id = models.AutoField(primary_key=True)
    name = models.SlugField(max_length=100, unique=True)
    display_name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True)
    icon = models.CharField(max_length=32, blank=True)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "emoji_categories"
        ordering = ["sort_order", "id"]
        verbose_name_plural = "emoji categories"

    def __str__(self):
        return self.display_name


class Emoji(models.Model):
    """One emoji: a standard Unicode one (loaded by migration) or a custom one with an image.

    Emoji are deactivated, never deleted, so that old messages that use them still render.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(EmojiCategory, on_delete=models.PROTECT, related_name="emojis")
    unicode = models.CharField(max_length=64, blank=True)
    shortcode = models.CharField(
        max_length=100,
        unique=True,
        validators=[RegexValidator(r"^:[a-z0-9_+\-]+:$", "Use the form :name: (a-z, 0-9, _ + -).")],
    )
    name = models.CharField(max_length=255)
    description = models.CharField(max_length=255, blank=True)
    keywords = models.JSONField(default=list, blank=True, validators=[_validate_keywords])
    skin_tone = models.CharField(max_length=100, blank=True)
    base_emoji = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="skin_tone_variants",
        help_text="For a skin-tone variant, the emoji it varies.",
    )
    is_custom = models.BooleanField(default=False)
    # The seed's `image_url` column holds the stored file's name.
    image = models.ImageField(
        upload_to="emojis/", db_column="image_url", blank=True, validators=[validate_emoji_image]
    )
    unicode_version = models.CharField(max_length=10, blank=True)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "emojis"
        ordering = ["sort_order", "shortcode"]
        verbose_name_plural = "emojis"
        indexes = [
            models.Index(fields=["category", "sort_order"], name="idx_emojis_category_order"),
            models.Index(fields=["name"], name="idx_emojis_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_custom=True) & ~models.Q(image="")
                    | models.Q(is_custom=False) & ~models.Q(unicode="")
                ),
                name="emojis_custom_has_image_standard_has_unicode",
                violation_error_message=(
                    "A custom emoji needs an image; a standard emoji needs its unicode text."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.unicode or ''} {self.shortcode}".strip()


class EmojiFavorite(models.Model):
    """An emoji a user keeps at hand, with how often they use it (`user_emoji_favorites`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="emoji_favorites"
    )
    emoji = models.ForeignKey(Emoji, on_delete=models.CASCADE, related_name="favorites")
    usage_count = models.PositiveIntegerField(default=0)
    last_used = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "user_emoji_favorites"
        ordering = ["-usage_count", "-last_used", "-created_at"]
        indexes = [
            models.Index(fields=["user", "-usage_count"], name="idx_emoji_fav_user_usage"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "emoji"],
                name="user_emoji_favorites_unique",
                violation_error_message="This emoji is already a favourite.",
            ),
            models.CheckConstraint(
                condition=models.Q(usage_count__gte=0), name="emoji_fav_usage_nonnegative"
            ),
        ]

    def __str__(self):
        return f"{self.user} ♥ {self.emoji}"


class ChatGroup(models.Model):
    """A chat room (chat schema `groups`). The table is `chat_groups` because teams owns the
    users module's `groups` table for community groups."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_chat_groups",
    )
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "chat_groups"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_primary"],
                condition=models.Q(is_primary=True),
                name="chat_groups_one_primary",
                violation_error_message="Another group is already the primary group.",
            ),
        ]

    def __str__(self):
        return self.name


class ChatGroupMember(models.Model):
    """A user's membership of a chat group (`group_members`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "group_members"
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"],
                name="group_members_user_group_unique",
                violation_error_message="Already a member of this group.",
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.group}"


class ChatGroupInvite(models.Model):
    """An invitation link to a chat group (`group_invites`).

    Only the SHA-256 of the token is kept; the token itself is shown once, when created.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="invites")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_invites_sent",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    single_use = models.BooleanField(default=True)
    use_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "group_invites"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="idx_group_invites_expires")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="group_invites_expire_after_creation",
                violation_error_message="An invite must expire after it is created.",
            ),
            models.CheckConstraint(
                condition=models.Q(single_use=False) | models.Q(use_count__lte=1),
                name="group_invites_single_use_once",
            ),
        ]

    def __str__(self):
        return f"invite to {self.group}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_used_up(self) -> bool:
        return self.single_use and self.use_count >= 1


class Message(models.Model):
    """A chat message (chat schema `messages`): to a group or to one user, never both."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    content = models.TextField(max_length=10000)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages"
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="received_messages",
    )
    group = models.ForeignKey(
        ChatGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "messages"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["group", "-created_at"], name="idx_messages_group_created"),
            models.Index(
                fields=["sender", "receiver", "-created_at"], name="idx_messages_direct_created"
            ),
            models.Index(fields=["receiver", "-created_at"], name="idx_messages_receiver_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(group__isnull=False, receiver__isnull=True)
                    | models.Q(group__isnull=True, receiver__isnull=False)
                ),
                name="messages_group_xor_receiver",
                violation_error_message="A message goes to exactly one of a group or a receiver.",
            ),
            models.CheckConstraint(
                condition=models.Q(is_deleted=False) | models.Q(deleted_at__isnull=False),
                name="messages_deleted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.sender}: {self.content[:40]}"


class UserStatus(models.Model):
    """A user's presence (chat schema `user_status`): one row per user, keyed by the user."""

    class AutoStatus(models.TextChoices):
        ONLINE = "online", "Online"
        AWAY = "away", "Away"
        IDLE = "idle", "Idle"
        OFFLINE = "offline", "Offline"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="presence",
    )
    manual_status = models.CharField(max_length=255, blank=True)
    manual_status_expires_at = models.DateTimeField(null=True, blank=True)
    auto_status = models.CharField(
        max_length=10, choices=AutoStatus.choices, default=AutoStatus.OFFLINE
    )
    invisible = models.BooleanField(default=False)
    last_seen = models.DateTimeField(null=True, blank=True)
    # {device_id: {"last_seen": iso time, "user_agent": str, "is_afk": bool}}
    devices = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "user_status"
        verbose_name_plural = "user statuses"

    def __str__(self):
        return f"{self.user}: {self.auto_status}"
