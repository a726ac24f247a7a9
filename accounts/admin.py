from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
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
from core.admin import ReadOnlyInline, ReadOnlyInlineMixin, ServiceAdmin, run_for_each


class UserSettingsInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = UserSettings
    # The OpenAI key is a user's secret: staff can't read it here.
    exclude = ["openai_api_key"]


class UserRoleInline(ReadOnlyInline):
    model = UserRole
    fk_name = "user"
    fields = ["role", "assigned_at", "assigned_by"]
    readonly_fields = fields


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


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    """Users, soft-deleted ones included. Adding, editing, the password form and Delete go
    through the services; Delete is the soft delete, undone by the restore action."""

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
    change_password_form = AdminPasswordChangeForm
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

    def service_create(self, request, obj, form):
        data = form.cleaned_data
        return services.user_create(
            username=obj.username,
            email=obj.email,
            password=data["password1"] if data["set_usable_password"] else None,
        )

    def service_update(self, request, obj, data):
        services.user_update(user=obj, data=data)

    def service_delete(self, request, obj):
        services.user_soft_delete(user=obj)

    def get_deleted_objects(self, objs, request):
        # The soft delete keeps every related row, so the confirmation lists the users only.
        users = list(objs)
        return (
            [str(user) for user in users],
            {User._meta.verbose_name_plural: len(users)},
            set(),
            [],
        )

    @admin.display(boolean=True, description=_("2FA"), ordering="mfa_enabled")
    def has_mfa(self, obj):
        return obj.mfa_enabled

    @admin.action(description=_("Soft-delete selected users"), permissions=["delete"])
    def soft_delete_users(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.alive(),
            lambda user: services.user_soft_delete(user=user),
            _("users soft-deleted"),
        )

    @admin.action(description=_("Restore selected soft-deleted users"), permissions=["change"])
    def restore_users(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.deleted(),
            lambda user: services.user_restore(user=user),
            _("users restored"),
        )


@admin.register(UserSettings)
class UserSettingsAdmin(ServiceAdmin):
    """A user's settings, created with the user; staff may change them, never the OpenAI key."""

    list_display = [
        "user",
        "tracking_enabled",
        "incognito_mode",
        "screenshots_enabled",
        "data_retention_days",
        "updated_at",
    ]
    list_filter = ["tracking_enabled", "incognito_mode", "screenshots_enabled", "theme"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    date_hierarchy = "updated_at"
    exclude = ["openai_api_key"]
    readonly_fields = ["user", "created_at", "updated_at"]

    def service_update(self, request, obj, data):
        services.user_settings_update(settings=obj, data=data)


@admin.register(Role)
class RoleAdmin(ServiceAdmin):
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

    def service_create(self, request, obj, form):
        role = services.role_create(
            name=obj.name, description=obj.description, is_active=obj.is_active
        )
        # The permissions are the form's many-to-many values, which the admin saves on the
        # form's instance next: the created role.
        form.instance = role
        return role

    def service_update(self, request, obj, data):
        services.role_update(role=obj, data=data)

    def service_delete(self, request, obj):
        services.role_delete(role=obj)


@admin.register(UserRole)
class UserRoleAdmin(ServiceAdmin):
    """Role assignments: added and removed through the services, which record who assigned
    a role; an assignment is not edited in place."""

    list_display = ["user", "role", "assigned_by", "assigned_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "role__name"]
    list_select_related = ["user", "role", "assigned_by"]
    autocomplete_fields = ["user", "role"]
    readonly_fields = ["assigned_by", "assigned_at"]
    date_hierarchy = "assigned_at"

    def service_create(self, request, obj, form):
        return services.role_assign(user=obj.user, role=obj.role, assigned_by=request.user)

    def service_delete(self, request, obj):
        services.role_unassign(user=obj.user, role=obj.role)


@admin.register(UserPreference)
class UserPreferenceAdmin(ServiceAdmin):
    """A user's preferences; an existing one keeps its owner and key, only its value changes."""

    list_display = ["user", "preference_key", "updated_at"]
    search_fields = ["user__username", "preference_key"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    date_hierarchy = "updated_at"

    def get_readonly_fields(self, request, obj=None):
        return ["user", "preference_key"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.user_preference_create(
            user=obj.user, preference_key=obj.preference_key, value=obj.preference_value
        )

    def service_update(self, request, obj, data):
        if "preference_value" in data:
            services.user_preference_update(preference=obj, value=data["preference_value"])

    def service_delete(self, request, obj):
        services.user_preference_delete(preference=obj)


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceAdmin):
    """Keys can be inspected, renamed and revoked; the secret was never stored, so none is
    shown. Keys are issued to their owner (API or keys page), who alone sees the secret, so
    there is no add here; revoking keeps the row for the record, so there is no delete."""

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

    def service_update(self, request, obj, data):
        services.api_key_update(api_key=obj, data=data)

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(revoked_at__isnull=True),
            lambda api_key: services.api_key_revoke(api_key=api_key),
            _("API keys revoked"),
        )


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Tracked sessions, read-only; staff sign one out with the revoke action."""

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

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.change_usersession")

    @admin.action(description=_("Revoke selected sessions (sign them out)"), permissions=["revoke"])
    def revoke_sessions(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(is_active=True),
            lambda session: services.user_session_revoke(
                session=session, reason=UserSession.RevocationReason.STAFF
            ),
            _("sessions revoked"),
        )


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

    def has_delete_permission(self, request, obj=None):
        return False
