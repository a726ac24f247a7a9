from django.contrib import admin, messages
from django.utils.html import format_html

from social import services
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


@admin.register(EmojiCategory)
class EmojiCategoryAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "name", "icon", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "display_name"]
    ordering = ["sort_order", "id"]


@admin.register(Emoji)
class EmojiAdmin(admin.ModelAdmin):
    list_display = [
        "preview",
        "shortcode",
        "name",
        "category",
        "skin_tone",
        "is_custom",
        "is_active",
    ]
    list_filter = ["is_custom", "is_active", "category"]
    list_select_related = ["category"]
    search_fields = ["shortcode", "name", "unicode", "keywords"]
    autocomplete_fields = ["category", "base_emoji"]
    readonly_fields = ["preview", "created_at", "updated_at"]
    actions = ["deactivate"]

    @admin.display(description="emoji")
    def preview(self, emoji: Emoji):
        if emoji.image:
            return format_html(
                '<img src="{}" alt="{}" style="height:24px;width:24px">',
                emoji.image.url,
                emoji.shortcode,
            )
        return emoji.unicode

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: messages that used an emoji must keep rendering it.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_custom:
            # A standard emoji's text comes from Unicode; only its presentation is editable.
            fields += ["unicode", "is_custom"]
        return fields

    @admin.action(description="Deactivate selected emoji")
    def deactivate(self, request, queryset):
        for emoji in queryset:
            services.emoji_deactivate(emoji=emoji)
        self.message_user(request, f"Deactivated {queryset.count()} emoji.", messages.SUCCESS)


@admin.register(EmojiFavorite)
class EmojiFavoriteAdmin(admin.ModelAdmin):
    list_display = ["user", "emoji", "usage_count", "last_used", "created_at"]
    list_select_related = ["user", "emoji"]
    search_fields = ["user__username", "user__email", "emoji__shortcode"]
    list_filter = ["emoji__is_custom"]
    autocomplete_fields = ["user", "emoji"]
    date_hierarchy = "created_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "type", "priority", "is_read", "expires_at", "created_at"]
    list_filter = ["is_read", "priority", "type"]
    list_select_related = ["user"]
    search_fields = ["title", "message", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "read_at"]
    actions = ["mark_read"]

    @admin.action(description="Mark selected notifications read")
    def mark_read(self, request, queryset):
        count = 0
        for notification in queryset.filter(is_read=False):
            services.notification_set_read(notification=notification, is_read=True)
            count += 1
        self.message_user(request, f"Marked {count} notification(s) read.", messages.SUCCESS)


class ChatGroupMemberInline(admin.TabularInline):
    model = ChatGroupMember
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["joined_at"]


@admin.register(ChatGroup)
class ChatGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "is_primary", "created_by", "created_at"]
    list_filter = ["is_primary"]
    list_select_related = ["created_by"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["created_by"]
    date_hierarchy = "created_at"
    inlines = [ChatGroupMemberInline]


@admin.register(ChatGroupMember)
class ChatGroupMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "joined_at"]
    list_select_related = ["user", "group"]
    search_fields = ["user__username", "group__name"]
    list_filter = ["group__is_primary"]
    autocomplete_fields = ["user", "group"]
    date_hierarchy = "joined_at"


@admin.register(ChatGroupInvite)
class ChatGroupInviteAdmin(admin.ModelAdmin):
    list_display = ["group", "created_by", "single_use", "use_count", "expires_at", "created_at"]
    list_filter = ["single_use"]
    list_select_related = ["group", "created_by"]
    search_fields = ["group__name", "created_by__username"]
    autocomplete_fields = ["group", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = ["token_hash", "use_count", "created_at"]
    actions = ["expire"]

    def has_add_permission(self, request):
        # Tokens are shown once to whoever creates them: that happens through the API.
        return False

    @admin.action(description="Expire selected invites now")
    def expire(self, request, queryset):
        for invite in queryset:
            services.chat_group_invite_expire(invite=invite)
        self.message_user(request, f"Expired {queryset.count()} invite(s).", messages.SUCCESS)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["short_content", "sender", "receiver", "group", "is_deleted", "created_at"]
    list_filter = ["is_deleted"]
    list_select_related = ["sender", "receiver", "group"]
    search_fields = ["content", "sender__username", "receiver__username", "group__name"]
    autocomplete_fields = ["sender", "receiver", "group"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at", "edited_at", "deleted_at"]

    @admin.display(description="content")
    def short_content(self, message: Message) -> str:
        return message.content[:80]


@admin.register(UserStatus)
class UserStatusAdmin(admin.ModelAdmin):
    list_display = ["user", "auto_status", "manual_status", "invisible", "last_seen", "updated_at"]
    list_filter = ["auto_status", "invisible"]
    list_select_related = ["user"]
    search_fields = ["user__username", "manual_status"]
    autocomplete_fields = ["user"]
    readonly_fields = ["last_seen", "updated_at", "devices"]
