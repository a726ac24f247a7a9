from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import UserChangeForm, UserCreationForm
from accounts.models import (
    ApiKey,
    PasswordResetToken,
    Role,
    User,
    UserPreference,
    UserRole,
    UserSession,
    UserSettings,
)


class UserSettingsInline(admin.StackedInline):
    model = UserSettings
    can_delete = False
    extra = 0
    # The OpenAI key is a user's secret: staff can't read it here.
    exclude = ["openai_api_key"]
    readonly_fields = ["created_at", "updated_at"]


class UserRoleInline(admin.TabularInline):
    model = UserRole
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["role"]
    readonly_fields = ["assigned_at", "assigned_by"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UserSessionInline(ReadOnlyInline):
    model = UserSession
    fields = ["kind", "login_method", "client_ip", "last_activity", "is_active", "revoked_at"]
    readonly_fields = fields
    ordering = ["-last_activity"]


class ApiKeyInline(ReadOnlyInline):
    model = ApiKey
    fields = ["key_name", "prefix", "permissions", "expires_at", "last_used_at", "is_active"]
    readonly_fields = fields


class SocialAccountInline(ReadOnlyInline):
    model = SocialAccount
    fields = ["provider", "uid", "last_login", "date_joined"]
    readonly_fields = fields


class AuthenticatorInline(ReadOnlyInline):
    """Two-factor authenticators: the type and dates only, never the secret."""

    model = Authenticator
    fields = ["type", "created_at", "last_used_at"]
    readonly_fields = fields
    can_delete = True


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [
        UserSettingsInline,
        UserRoleInline,
        AuthenticatorInline,
        SocialAccountInline,
        UserSessionInline,
        ApiKeyInline,
    ]
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
        "has_mfa",
        "created_at",
    ]
    list_filter = [
        "roles",
        "is_staff",
        "is_superuser",
        "is_active",
        "is_deleted",
        "plan",
        "email_verified",
    ]
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
        return User.all_objects.annotate(
            mfa_enabled=Exists(Authenticator.objects.filter(user=OuterRef("pk")))
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not UserRole:
            return super().save_formset(request, form, formset, change)
        # Role changes go through the services, which record who assigned a role.
        for user_role in formset.save(commit=False):
            if user_role._state.adding:
                services.role_assign(
                    user=form.instance, role=user_role.role, assigned_by=request.user
                )
            else:
                user_role.save()
        for user_role in formset.deleted_objects:
            services.role_unassign(user=user_role.user, role=user_role.role)
        return None

    @admin.display(boolean=True, description=_("2FA"), ordering="mfa_enabled")
    def has_mfa(self, obj):
        return obj.mfa_enabled

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


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "description", "is_system", "is_active", "created_at"]
    list_filter = ["is_system", "is_active"]
    search_fields = ["name", "description"]
    filter_horizontal = ["permissions"]
    readonly_fields = ["is_system", "created_at", "updated_at"]
    fields = ["name", "description", "is_active", "is_system", "permissions"]

    def has_delete_permission(self, request, obj=None):
        # Built-in roles are referenced by code (every new user gets `user`).
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_system:
            return [*self.readonly_fields, "name"]
        return self.readonly_fields

    def delete_model(self, request, obj):
        services.role_delete(role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            try:
                services.role_delete(role=role)
            except ValidationError as exc:
                self.message_user(request, f"{role}: {exc.messages[0]}", messages.ERROR)


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "assigned_by", "assigned_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "role__name"]
    list_select_related = ["user", "role", "assigned_by"]
    autocomplete_fields = ["user", "role"]
    readonly_fields = ["assigned_by", "assigned_at"]
    date_hierarchy = "assigned_at"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            form.instance = services.role_assign(
                user=obj.user, role=obj.role, assigned_by=request.user
            )

    def delete_model(self, request, obj):
        services.role_unassign(user=obj.user, role=obj.role)

    def delete_queryset(self, request, queryset):
        for user_role in queryset.select_related("user", "role"):
            services.role_unassign(user=user_role.user, role=user_role.role)


@admin.register(UserPreference)
class UserPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "preference_key", "updated_at"]
    search_fields = ["user__username", "preference_key"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "updated_at"


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys can be inspected and revoked; the secret was never stored, so none is shown."""

    list_display = [
        "key_name",
        "prefix",
        "user",
        "permissions",
        "is_active",
        "expires_at",
        "last_used_at",
        "created_at",
    ]
    list_filter = ["is_active", "permissions"]
    search_fields = ["key_name", "prefix", "user__username", "user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"
    exclude = ["key_hash"]
    readonly_fields = [
        "id",
        "user",
        "prefix",
        "last_used_at",
        "revoked_at",
        "is_active",
        "created_at",
        "updated_at",
    ]
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        # Keys are issued to their owner (API or keys page), who alone sees the secret.
        return False

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(api_key=api_key)
        self.message_user(request, _("API keys revoked."), messages.SUCCESS)


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "kind",
        "login_method",
        "client_ip",
        "last_activity",
        "request_count",
        "is_active",
        "revocation_reason",
        "suspicious_activity",
    ]
    list_filter = ["is_active", "kind", "login_method", "suspicious_activity", "revocation_reason"]
    search_fields = ["user__username", "user__email", "client_ip", "user_agent"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"
    exclude = ["session_key_hash"]
    readonly_fields = [
        "user",
        "kind",
        "client_ip",
        "user_agent",
        "device_fingerprint",
        "login_method",
        "is_active",
        "last_activity",
        "expires_at",
        "revoked_at",
        "revocation_reason",
        "request_count",
        "session_data",
        "created_at",
        "updated_at",
    ]
    actions = ["revoke_sessions"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke selected sessions (sign them out)"), permissions=["change"])
    def revoke_sessions(self, request, queryset):
        for session in queryset.filter(is_active=True):
            services.user_session_revoke(session=session, reason=UserSession.RevocationReason.STAFF)
        self.message_user(request, _("Sessions revoked."), messages.SUCCESS)


@admin.register(PasswordResetToken)
class PasswordResetTokenAdmin(admin.ModelAdmin):
    list_display = ["email", "user", "created_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["revocation_reason"]
    search_fields = ["email", "user__username", "client_ip"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
