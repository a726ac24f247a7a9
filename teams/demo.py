"""Demo data: alice's team with bob in it, a pending invite, and an open community group."""

from teams import services
from teams.models import Group, Team, TeamInvite, TeamMember, TeamRole

TEAM_NAME = "Cadence Demo Team"
INVITEE = "carol@cadence.local"
GROUP_SLUG = "night-owls"


def seed(users: dict) -> list[str]:
    alice, bob = users["alice"], users["bob"]
    team = Team.objects.filter(name=TEAM_NAME, owner=alice).first()
    if team is None:
        team = services.team_create(
            owner=alice, name=TEAM_NAME, description="Alice's demo team.", plan=Team.Plan.TEAM
        )
    if not TeamMember.objects.filter(team=team, user=bob, is_active=True).exists():
        # Through an invite, as in real life: seed_demo gives bob a verified email address.
        _, token = services.team_invite_create(
            team=team, acting_user=alice, email=bob.email, role=TeamRole.MEMBER
        )
        services.team_invite_accept(token=token, user=bob)
    lines = [f"Team:      {team.name} (owner alice, member bob)"]
    if not TeamInvite.objects.pending().filter(team=team, email=INVITEE).exists():
        services.team_invite_create(
            team=team, acting_user=alice, email=INVITEE, role=TeamRole.MEMBER
        )
    # The token exists only in the invite email (printed by the console mail backend).
    lines.append(f"Invite:    {INVITEE} pending (token in the invite email)")

    group = Group.all_objects.filter(slug=GROUP_SLUG).first()
    if group is None:
        group = services.group_create(
            owner=alice,
            name="Night Owls",
            slug=GROUP_SLUG,
            description="People who do their best work after dark.",
            is_public=True,
            is_open=True,
            tags="focus,late-night",
        )
    lines.append(f"Group:     {group.name} (/api/v1/groups/{group.slug}/), public and open")
    return lines
