"""Who a service acts for: a user, checked by role, or SYSTEM; never a forgotten None."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import UserFactory
from core.actors import SYSTEM
from core.errors import NotAllowed
from teams import services
from teams.models import Group, Team, TeamInvite, TeamMember, TeamRole
from teams.tests.factories import GroupFactory, TeamFactory, add_member, make_invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team = TeamFactory(name="Core")
    member = add_member(team, role=TeamRole.ADMIN)
    invite, _ = make_invite(team, "someone@example.com")
    group = GroupFactory(name="Owls")
    return {"team": team, "member": member, "invite": invite, "group": group}


CALLS = {
    "team_update": lambda w, actor: services.team_update(
        team=w["team"], acting_user=actor, data={"name": "Taken"}
    ),
    "team_delete": lambda w, actor: services.team_delete(team=w["team"], acting_user=actor),
    "team_member_change_role": lambda w, actor: services.team_member_change_role(
        membership=w["member"], acting_user=actor, role=TeamRole.MEMBER
    ),
    "team_member_remove": lambda w, actor: services.team_member_remove(
        membership=w["member"], acting_user=actor
    ),
    "team_transfer_ownership": lambda w, actor: services.team_transfer_ownership(
        team=w["team"], new_owner=w["member"].user, acting_user=actor
    ),
    "team_invite_create": lambda w, actor: services.team_invite_create(
        team=w["team"], acting_user=actor, email="new@example.com"
    ),
    "team_invite_resend": lambda w, actor: services.team_invite_resend(
        invite=w["invite"], acting_user=actor
    ),
    "team_invite_revoke": lambda w, actor: services.team_invite_revoke(
        invite=w["invite"], acting_user=actor
    ),
    "group_update": lambda w, actor: services.group_update(
        group=w["group"], acting_user=actor, data={"description": "Taken"}
    ),
    "group_delete": lambda w, actor: services.group_delete(group=w["group"], acting_user=actor),
}


def state(world) -> tuple:
    team, member, group = world["team"], world["member"], world["group"]
    invites = TeamInvite.objects.filter(team=team).order_by("pk")
    return (
        Team.objects.filter(pk=team.pk).values_list("name", "owner_id").first(),
        TeamMember.objects.filter(pk=member.pk).values_list("role", "is_active").first(),
        list(invites.values_list("email", "revoked_at")),
        Group.all_objects.filter(pk=group.pk).values_list("description", "is_deleted").first(),
    )


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("actor", [None, "anonymous"])
def test_a_missing_actor_is_refused_not_taken_for_staff(world, name, actor):
    before = state(world)
    with pytest.raises(TypeError):
        CALLS[name](world, AnonymousUser() if actor == "anonymous" else None)
    assert state(world) == before


@pytest.mark.parametrize("name", sorted(set(CALLS) - {"team_invite_create"}))
def test_system_acts_without_a_role(world, name):
    CALLS[name](world, SYSTEM)


@pytest.mark.parametrize("name", sorted(set(CALLS) - {"team_invite_create"}))
def test_a_stranger_is_refused(world, name):
    with pytest.raises(NotAllowed):
        CALLS[name](world, UserFactory())


def test_an_invite_is_sent_by_a_person_never_by_system(world):
    with pytest.raises(TypeError):
        CALLS["team_invite_create"](world, SYSTEM)
    assert not TeamInvite.objects.filter(email="new@example.com").exists()


def test_system_resends_in_the_name_of_the_original_inviter(world):
    invite, _ = services.team_invite_resend(invite=world["invite"], acting_user=SYSTEM)
    assert invite.invited_by == world["team"].owner
