from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import User, UserSettings


class UserSettingsInline(admin.StackedInline):
    model = UserSettings
    can_delete = False
    extra = 0
    readonly_fields = ["created_at", "updated_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [UserSettingsInline]
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = [
        "username",
        "email",
        "display_name",
        "plan",
        "is_staff",
        "is_active",
        "is_deleted",
        "created_at",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_deleted", "plan", "email_verified"]
    search_fields = ["username", "email", "display_name", "first_name", "last_name"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "last_login", "created_at", "updated_at", "is_deleted", "deleted_at"]
    actions = ["soft_delete_users", "restore_users"]
    fieldsets = [
        (None, {"fields": ["id", "username", "email", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "first_name",
                    "last_name",
                    "avatar_url",
                    "bio",
                    "profile_type",
                    "metadata",
                ]
            },
        ),
        (
            _("Plan and billing"),
            {
                "fields": [
                    "plan",
                    "trial_ends_at",
                    "is_trial_active",
                    "stripe_customer_id",
                    "stripe_subscription_id",
                    "onboarding_completed",
                ]
            },
        ),
        (
            _("Status"),
            {
                "fields": [
                    "is_active",
                    "email_verified",
                    "email_verified_at",
                    "is_deleted",
                    "deleted_at",
                ]
            },
        ),
        (
            _("Permissions"),
            {
                "classes": ["collapse"],
                "fields": ["is_staff", "is_superuser", "groups", "user_permissions"],
            },
        ),
        (_("Dates"), {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "usable_password", "password1", "password2"],
            },
        ),
    ]

    def get_inlines(self, request, obj):
        # Settings are created with the user (accounts.signals), so the add form has none.
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        # Staff see soft-deleted users too, so they can be found and restored.
        return User.all_objects.all()

    @admin.action(description=_("Soft-delete selected users"), permissions=["change"])
    def soft_delete_users(self, request, queryset):
        for user in queryset.alive():
            services.user_soft_delete(user=user)
        self.message_user(request, _("Users soft-deleted."), messages.SUCCESS)

    @admin.action(description=_("Restore selected soft-deleted users"), permissions=["change"])
    def restore_users(self, request, queryset):
        restored = 0
        for user in queryset.deleted():
            services.user_restore(user=user)
            restored += 1
        self.message_user(request, _("%d users restored.") % restored, messages.SUCCESS)
