"""The social app's staff console. Every add, change and delete calls the service the API
calls (core.admin.ServiceAdmin); what has no service is read-only here."""

from django.contrib import admin
from django.utils.html import format_html

from core.actors import SYSTEM
from core.admin import ReadOnlyInline, ServiceAdmin, run_for_each
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
class EmojiCategoryAdmin(ServiceAdmin):
    """Categories are deactivated, not deleted: their emoji keep rendering."""

    list_display = ["id", "display_name", "name", "icon", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "display_name"]
    ordering = ["sort_order", "id"]
    actions = ["deactivate"]

    def service_create(self, request, obj, form):
        return services.emoji_category_create(data=form.cleaned_data)

    def service_update(self, request, obj, data):
        services.emoji_category_update(category=obj, data=data)

    @admin.action(description="Deactivate selected categories")
    def deactivate(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda category: services.emoji_category_update(
                category=category, data={"is_active": False}
            ),
            "categories deactivated",
        )


@admin.register(Emoji)
class EmojiAdmin(ServiceAdmin):
    """Staff add custom emoji here; emoji are deactivated, never deleted, so that messages
    that used one keep rendering it."""

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

    def get_exclude(self, request, obj=None):
        # What is added here is a custom emoji; standard ones come from the Unicode catalogue.
        return ["is_custom"] if obj is None else super().get_exclude(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Custom or standard is fixed, as in the API; a standard emoji's text comes from
            # Unicode, so only its presentation is editable.
            fields += ["is_custom"] if obj.is_custom else ["is_custom", "unicode"]
        return fields

    def service_create(self, request, obj, form):
        return services.emoji_create_custom(data=form.cleaned_data)

    def service_update(self, request, obj, data):
        if data.get("image") is False:
            # The form's "clear" box: no file (which a custom emoji may not be without).
            data = {**data, "image": ""}
        services.emoji_update(emoji=obj, data=data)

    @admin.action(description="Deactivate selected emoji")
    def deactivate(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda emoji: services.emoji_deactivate(emoji=emoji),
            "emoji deactivated",
        )


@admin.register(EmojiFavorite)
class EmojiFavoriteAdmin(ServiceAdmin):
    list_display = ["user", "emoji", "usage_count", "last_used", "created_at"]
    list_select_related = ["user", "emoji"]
    search_fields = ["user__username", "user__email", "emoji__shortcode"]
    list_filter = ["emoji__is_custom"]
    autocomplete_fields = ["user", "emoji"]
    date_hierarchy = "created_at"
    readonly_fields = ["usage_count", "last_used", "created_at"]

    def service_create(self, request, obj, form):
        return services.emoji_favorite_add(
            user=form.cleaned_data["user"], emoji=form.cleaned_data["emoji"]
        )

    def service_delete(self, request, obj):
        services.emoji_favorite_remove(favorite=obj)


@admin.register(Notification)
class NotificationAdmin(ServiceAdmin):
    """Staff send a notification here (mailed like any other when high priority); on an
    existing one only the read state changes."""

    list_display = ["title", "user", "type", "priority", "is_read", "expires_at", "created_at"]
    list_filter = ["is_read", "priority", "type"]
    list_select_related = ["user"]
    search_fields = ["title", "message", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"
    actions = ["mark_read"]

    content_fields = ["user", "type", "title", "message", "data", "priority", "expires_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.content_fields
        return [*self.content_fields, "is_read", "read_at", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.content_fields, "read_at", "created_at"]

    def service_create(self, request, obj, form):
        return services.notification_create(**form.cleaned_data)

    def service_update(self, request, obj, data):
        if "is_read" in data:
            services.notification_set_read(notification=obj, is_read=data["is_read"])

    @admin.action(description="Mark selected notifications read")
    def mark_read(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(is_read=False),
            lambda notification: services.notification_set_read(
                notification=notification, is_read=True
            ),
            "notification(s) marked read",
        )


class ChatGroupMemberInline(ReadOnlyInline):
    """Who is in the group: people join through invites."""

    model = ChatGroupMember
    fields = ["user", "joined_at"]
    readonly_fields = ["user", "joined_at"]


@admin.register(ChatGroup)
class ChatGroupAdmin(ServiceAdmin):
    """A group added here has the staff member who adds it as creator and first member."""

    list_display = ["name", "is_primary", "created_by", "created_at"]
    list_filter = ["is_primary"]
    list_select_related = ["created_by"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [ChatGroupMemberInline]

    def service_create(self, request, obj, form):
        return services.chat_group_create(creator=request.user, **form.cleaned_data)

    def service_update(self, request, obj, data):
        services.chat_group_update(group=obj, acting_user=SYSTEM, data=data)

    def service_delete(self, request, obj):
        services.chat_group_delete(group=obj, acting_user=SYSTEM)


@admin.register(ChatGroupMember)
class ChatGroupMemberAdmin(ServiceAdmin):
    """Memberships: staff remove a member here; people join through invites."""

    list_display = ["user", "group", "joined_at"]
    list_select_related = ["user", "group"]
    search_fields = ["user__username", "group__name"]
    list_filter = ["group__is_primary"]
    autocomplete_fields = ["user", "group"]
    date_hierarchy = "joined_at"

    def service_delete(self, request, obj):
        services.chat_group_leave(group=obj.group, user=obj.user)


@admin.register(ChatGroupInvite)
class ChatGroupInviteAdmin(ServiceAdmin):
    """Read-only but for expiring: tokens are shown once to whoever creates them, through
    the API."""

    list_display = ["group", "created_by", "single_use", "use_count", "expires_at", "created_at"]
    list_filter = ["single_use"]
    list_select_related = ["group", "created_by"]
    search_fields = ["group__name", "created_by__username"]
    autocomplete_fields = ["group", "created_by"]
    date_hierarchy = "created_at"
    actions = ["expire"]

    @admin.action(description="Expire selected invites now")
    def expire(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda invite: services.chat_group_invite_expire(invite=invite),
            "invite(s) expired",
        )


@admin.register(Message)
class MessageAdmin(ServiceAdmin):
    """Read-only: people's words are theirs. Moderation soft-deletes, as the sender would."""

    list_display = ["short_content", "sender", "receiver", "group", "is_deleted", "created_at"]
    list_filter = ["is_deleted"]
    list_select_related = ["sender", "receiver", "group"]
    search_fields = ["content", "sender__username", "receiver__username", "group__name"]
    autocomplete_fields = ["sender", "receiver", "group"]
    date_hierarchy = "created_at"
    actions = ["soft_delete"]

    @admin.display(description="content")
    def short_content(self, message: Message) -> str:
        return message.content[:80]

    @admin.action(description="Delete selected messages (kept as deleted in their threads)")
    def soft_delete(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda message: services.message_delete(message=message, editor=SYSTEM),
            "message(s) deleted",
        )


@admin.register(UserStatus)
class UserStatusAdmin(ServiceAdmin):
    """Read-only: presence is set by its user and their devices' heartbeats."""

    list_display = ["user", "auto_status", "manual_status", "invisible", "last_seen", "updated_at"]
    list_filter = ["auto_status", "invisible"]
    list_select_related = ["user"]
    search_fields = ["user__username", "manual_status"]
    autocomplete_fields = ["user"]
