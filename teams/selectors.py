"""Read queries shared by the API, the admin and the services."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from accounts import tokens
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember, TeamRole


def teams_of_user(*, user) -> QuerySet[Team]:
    """Teams the user is an active member of, with their role and active member count."""
    my_role = TeamMember.objects.filter(team=OuterRef("pk"), user=user, is_active=True).values(
        "role"
    )[:1]
    return (
        Team.objects.filter(
            pk__in=TeamMember.objects.filter(user=user, is_active=True).values("team_id")
        )
        .annotate(
            my_role=Subquery(my_role),
            active_member_count=Count(
                "memberships", filter=Q(memberships__is_active=True), distinct=True
            ),
        )
        .select_related("owner")
        .order_by("name", "id")
    )


def team_membership(*, team: Team, user) -> TeamMember | None:
    """The user's active membership of the team, if any."""
    return TeamMember.objects.filter(team=team, user=user, is_active=True).first()


def team_active_member_count(*, team: Team) -> int:
    return TeamMember.objects.filter(team=team, is_active=True).count()


def team_active_owner_count(*, team: Team) -> int:
    return TeamMember.objects.filter(team=team, is_active=True, role=TeamRole.OWNER).count()


def team_invites(*, team: Team) -> QuerySet[TeamInvite]:
    return TeamInvite.objects.filter(team=team).select_related("invited_by", "accepted_by")


def groups_visible_to(*, user) -> QuerySet[Group]:
    """Public groups plus the private groups the user belongs to; soft-deleted ones hidden."""
    return Group.objects.visible_to(user).select_related("owner", "created_by")


def group_membership(*, group: Group, user) -> GroupMembership | None:
    return GroupMembership.objects.filter(group=group, user=user, is_active=True).first()


def group_active_member_count(*, group: Group) -> int:
    return GroupMembership.objects.filter(group=group, is_active=True).count()


def team_invite_for_token(*, token: str) -> TeamInvite | None:
    """The invite a raw token belongs to (with its team), or None; for the accept page."""
    return (
        TeamInvite.objects.select_related("team", "invited_by")
        .filter(token_hash=tokens.digest(token or ""))
        .first()
    )
