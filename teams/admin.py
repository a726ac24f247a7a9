from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from rest_framework.exceptions import APIException

from teams import services
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember


def _report(modeladmin, request, done: int, errors: list[str], verb: str) -> None:
    if done:
        modeladmin.message_user(request, f"{done} {verb}.", messages.SUCCESS)
    for error in errors:
        modeladmin.message_user(request, error, messages.ERROR)


class ReadOnlyInline(admin.TabularInline):
    """Membership and invite rows change only through services (admin actions, the API)."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TeamMemberInline(ReadOnlyInline):
    model = TeamMember
    fields = ["user", "role", "invited_by", "joined_at", "is_active"]
    readonly_fields = fields


class TeamInviteInline(ReadOnlyInline):
    model = TeamInvite
    fields = ["email", "role", "status", "invited_by", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = fields


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "plan", "active_members", "max_members", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "owner__username", "owner__email"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [TeamMemberInline, TeamInviteInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                active_member_count=Count("memberships", filter=Q(memberships__is_active=True))
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # The owner changes through the "transfer ownership" action on team members.
        return [*self.readonly_fields, "owner"] if obj is not None else self.readonly_fields

    @admin.display(description="active members", ordering="active_member_count")
    def active_members(self, obj):
        return obj.active_member_count

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            services.team_update(team=obj, acting_user=None, data=data)
        else:
            team = services.team_create(
                owner=obj.owner,
                name=obj.name,
                description=obj.description,
                plan=obj.plan,
                max_members=obj.max_members,
                settings=obj.settings,
            )
            obj.pk = team.pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        services.team_delete(team=obj, acting_user=None)

    def delete_queryset(self, request, queryset):
        for team in queryset:
            services.team_delete(team=team, acting_user=None)


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "is_active", "invited_by", "joined_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["team__name", "user__username", "user__email"]
    list_select_related = ["team", "user", "invited_by"]
    autocomplete_fields = ["team", "user", "invited_by"]
    date_hierarchy = "joined_at"
    readonly_fields = ["id", "team", "user", "role", "invited_by", "joined_at", "is_active"]
    actions = ["transfer_ownership", "remove_members"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Every field is read-only here; changes go through the actions."""

    @admin.action(
        description="Transfer team ownership to the selected member", permissions=["change"]
    )
    def transfer_ownership(self, request, queryset):
        done, errors = 0, []
        for membership in queryset.select_related("team", "user"):
            try:
                services.team_transfer_ownership(
                    team=membership.team, new_owner=membership.user, acting_user=None
                )
                done += 1
            except (APIException, ValidationError) as error:
                errors.append(f"{membership}: {error}")
        _report(self, request, done, errors, "ownership transfers")

    @admin.action(description="Remove the selected members (deactivate)", permissions=["change"])
    def remove_members(self, request, queryset):
        done, errors = 0, []
        for membership in queryset.filter(is_active=True).select_related("team"):
            try:
                services.team_member_remove(membership=membership, acting_user=None)
                done += 1
            except APIException as error:
                errors.append(f"{membership}: {error}")
        _report(self, request, done, errors, "members removed")


@admin.register(TeamInvite)
class TeamInviteAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "team",
        "role",
        "status",
        "invited_by",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "created_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "team__name"]
    list_select_related = ["team", "invited_by"]
    autocomplete_fields = ["team", "invited_by", "accepted_by"]
    date_hierarchy = "created_at"
    # The token hash is of no use to anyone reading it and stays off every page.
    exclude = ["token_hash"]
    readonly_fields = [
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
    actions = ["resend_invites", "revoke_invites"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Every field is read-only here; changes go through the actions."""

    @admin.action(description="Resend the selected invites (new token)", permissions=["change"])
    def resend_invites(self, request, queryset):
        done, errors = 0, []
        for invite in queryset.select_related("team"):
            try:
                services.team_invite_resend(invite=invite, acting_user=None)
                done += 1
            except APIException as error:
                errors.append(f"{invite}: {error}")
        _report(self, request, done, errors, "invites resent")

    @admin.action(description="Revoke the selected invites", permissions=["change"])
    def revoke_invites(self, request, queryset):
        done, errors = 0, []
        for invite in queryset.select_related("team"):
            try:
                services.team_invite_revoke(invite=invite, acting_user=None)
                done += 1
            except APIException as error:
                errors.append(f"{invite}: {error}")
        _report(self, request, done, errors, "invites revoked")


class GroupMembershipInline(ReadOnlyInline):
    model = GroupMembership
    fields = ["user", "role_in_group", "joined_by", "joined_at", "is_active"]
    readonly_fields = fields


@admin.register(Group)
class CommunityGroupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "group_type",
        "is_public",
        "is_open",
        "is_system",
        "member_count",
        "max_members",
        "owner",
        "is_deleted",
        "created_at",
    ]
    list_filter = ["is_public", "is_open", "is_system", "is_deleted", "group_type"]
    search_fields = ["name", "slug", "description", "tags"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]
    date_hierarchy = "created_at"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "id",
        "member_count",
        "created_by",
        "is_deleted",
        "deleted_at",
        "created_at",
        "updated_at",
    ]
    inlines = [GroupMembershipInline]
    actions = ["recount_members"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "owner"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            services.group_update(group=obj, acting_user=None, data=data)
            return
        fields = {
            name: getattr(obj, name)
            for name in [
                "description",
                "is_public",
                "is_open",
                "is_system",
                "is_active",
                "group_type",
                "tags",
                "settings",
                "max_members",
            ]
        }
        group = services.group_create(
            owner=obj.owner, created_by=request.user, name=obj.name, slug=obj.slug, **fields
        )
        obj.pk = group.pk
        obj._state.adding = False

    def get_deleted_objects(self, objs, request):
        # A soft delete keeps memberships, so confirming lists only the groups themselves.
        objs = list(objs)
        return [str(obj) for obj in objs], {self.opts.verbose_name_plural: len(objs)}, set(), []

    # Deleting from the admin is the same soft delete as in the API.
    def delete_model(self, request, obj):
        services.group_delete(group=obj, acting_user=None)

    def delete_queryset(self, request, queryset):
        for group in queryset.filter(is_deleted=False):
            services.group_delete(group=group, acting_user=None)

    @admin.action(description="Recount members (report and fix drift)", permissions=["change"])
    def recount_members(self, request, queryset):
        drift = services.group_recount_members(groups=list(queryset))
        if not drift:
            self.message_user(
                request, f"{queryset.count()} groups checked: no drift.", messages.SUCCESS
            )
            return
        details = "; ".join(f"{group.name}: {stored} → {actual}" for group, stored, actual in drift)
        self.message_user(
            request, f"Drift fixed in {len(drift)} groups: {details}.", messages.WARNING
        )


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "role_in_group", "is_active", "joined_at"]
    list_filter = ["role_in_group", "is_active"]
    search_fields = ["group__name", "group__slug", "user__username", "user__email"]
    list_select_related = ["group", "user"]
    autocomplete_fields = ["group", "user", "joined_by"]
    date_hierarchy = "joined_at"
    readonly_fields = [
        "id",
        "group",
        "user",
        "joined_by",
        "role_in_group",
        "joined_at",
        "is_active",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Memberships change only by joining and leaving, which keeps member_count exact."""
