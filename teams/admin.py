from django.contrib import admin, messages
from django.db.models import Count, Q

from core.actors import SYSTEM
from core.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    errors_as_messages,
    run_for_each,
)
from teams import services
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember


class TeamMemberInline(ReadOnlyInline):
    model = TeamMember
    fields = ["user", "role", "invited_by", "joined_at", "is_active"]
    readonly_fields = fields


class TeamInviteInline(ReadOnlyInline):
    model = TeamInvite
    fields = ["email", "role", "status", "invited_by", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = fields


@admin.register(Team)
class TeamAdmin(ServiceAdmin):
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

    def get_deleted_objects(self, objs, request):
        # The service deletes the team's memberships and invites with it, rows that staff
        # never delete one by one; the confirmation lists them without asking for that right.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description="active members", ordering="active_member_count")
    def active_members(self, obj):
        return obj.active_member_count

    def service_create(self, request, obj, form):
        return services.team_create(
            owner=obj.owner,
            name=obj.name,
            description=obj.description,
            plan=obj.plan,
            max_members=obj.max_members,
            settings=obj.settings,
        )

    def service_update(self, request, obj, data):
        team = services.team_update(team=obj, acting_user=SYSTEM, data=data)
        for name in data:
            setattr(obj, name, getattr(team, name))

    def service_delete(self, request, obj):
        services.team_delete(team=obj, acting_user=SYSTEM)


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["user", "team", "role", "is_active", "invited_by", "joined_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["team__name", "user__username", "user__email"]
    list_select_related = ["team", "user", "invited_by"]
    autocomplete_fields = ["team", "user", "invited_by"]
    date_hierarchy = "joined_at"
    readonly_fields = ["id", "team", "user", "role", "invited_by", "joined_at", "is_active"]
    actions = ["transfer_ownership", "remove_members"]

    @admin.action(
        description="Transfer team ownership to the selected member", permissions=["manage"]
    )
    def transfer_ownership(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.select_related("team", "user"),
            lambda membership: services.team_transfer_ownership(
                team=membership.team, new_owner=membership.user, acting_user=SYSTEM
            ),
            "ownership transfers",
        )

    @admin.action(description="Remove the selected members (deactivate)", permissions=["manage"])
    def remove_members(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(is_active=True).select_related("team", "user"),
            lambda membership: services.team_member_remove(
                membership=membership, acting_user=SYSTEM
            ),
            "members removed",
        )


@admin.register(TeamInvite)
class TeamInviteAdmin(ReadOnlyAdmin):
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

    @admin.action(description="Resend the selected invites (new token)", permissions=["manage"])
    def resend_invites(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.select_related("team"),
            lambda invite: services.team_invite_resend(invite=invite, acting_user=SYSTEM),
            "invites resent",
        )

    @admin.action(description="Revoke the selected invites", permissions=["manage"])
    def revoke_invites(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.select_related("team"),
            lambda invite: services.team_invite_revoke(invite=invite, acting_user=SYSTEM),
            "invites revoked",
        )


class GroupMembershipInline(ReadOnlyInline):
    model = GroupMembership
    fields = ["user", "role_in_group", "joined_by", "joined_at", "is_active"]
    readonly_fields = fields


_GROUP_CREATE_FIELDS = [
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


@admin.register(Group)
class CommunityGroupAdmin(ServiceAdmin):
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

    def get_deleted_objects(self, objs, request):
        # A soft delete keeps memberships, so confirming lists only the groups themselves.
        objs = list(objs)
        return [str(obj) for obj in objs], {self.opts.verbose_name_plural: len(objs)}, set(), []

    def service_create(self, request, obj, form):
        fields = {name: getattr(obj, name) for name in _GROUP_CREATE_FIELDS}
        return services.group_create(
            owner=obj.owner, created_by=request.user, name=obj.name, slug=obj.slug, **fields
        )

    def service_update(self, request, obj, data):
        group = services.group_update(group=obj, acting_user=SYSTEM, data=data)
        for name in data:
            setattr(obj, name, getattr(group, name))

    def service_delete(self, request, obj):
        # Deleting is the same soft delete as in the API; a deleted group stays as it is.
        if not obj.is_deleted:
            services.group_delete(group=obj, acting_user=SYSTEM)

    @admin.action(description="Recount members (report and fix drift)", permissions=["change"])
    def recount_members(self, request, queryset):
        with errors_as_messages(self, request):
            drift = services.group_recount_members(groups=list(queryset))
            if not drift:
                self.message_user(
                    request, f"{queryset.count()} groups checked: no drift.", messages.SUCCESS
                )
                return
            details = "; ".join(f"{g.name}: {stored} → {actual}" for g, stored, actual in drift)
            self.message_user(
                request, f"Drift fixed in {len(drift)} groups: {details}.", messages.WARNING
            )


@admin.register(GroupMembership)
class GroupMembershipAdmin(ReadOnlyAdmin):
    """Memberships change only by joining and leaving, which keeps member_count exact."""

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
