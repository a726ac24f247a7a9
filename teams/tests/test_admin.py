import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import UserFactory
from teams import demo, services
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember, TeamRole
from teams.tests.factories import (
    GroupFactory,
    TeamFactory,
    add_member,
    make_invite,
    verify_email,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("name", ["team", "teammember", "teaminvite", "group", "groupmembership"])
def test_changelists_and_change_pages_render(admin_client, name):
    team = TeamFactory()
    member = add_member(team)
    invite, _ = make_invite(team, "pending@example.com")
    group = GroupFactory()
    objects = {
        "team": team,
        "teammember": member,
        "teaminvite": invite,
        "group": group,
        "groupmembership": group.memberships.get(),
    }
    changelist = admin_client.get(reverse(f"admin:teams_{name}_changelist"), {"q": "e"})
    assert changelist.status_code == 200
    change = admin_client.get(reverse(f"admin:teams_{name}_change", args=[objects[name].pk]))
    assert change.status_code == 200
    assert invite.token_hash.encode() not in change.content


def test_team_page_shows_member_and_invite_inlines(admin_client):
    team = TeamFactory()
    member = add_member(team)
    make_invite(team, "inline@example.com")
    response = admin_client.get(reverse("admin:teams_team_change", args=[team.pk]))
    assert member.user.username.encode() in response.content
    assert b"inline@example.com" in response.content


def test_community_groups_are_labelled_apart_from_auth_groups(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert b"Community groups" in response.content


def test_adding_a_team_in_the_admin_makes_the_owner_a_member(admin_client, user):
    response = admin_client.post(
        reverse("admin:teams_team_add"),
        {
            "name": "Admin Made",
            "description": "",
            "owner": user.pk,
            "plan": "team",
            "max_members": 10,
            "settings": "{}",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
            "invites-TOTAL_FORMS": 0,
            "invites-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content
    team = Team.objects.get(name="Admin Made")
    assert TeamMember.objects.get(team=team).user == user


def test_resend_and_revoke_actions(admin_client):
    team = TeamFactory()
    invite, _ = make_invite(team, "again@example.com")
    url = reverse("admin:teams_teaminvite_changelist")
    mail.outbox.clear()
    admin_client.post(url, {"action": "resend_invites", "_selected_action": [invite.pk]})
    invite.refresh_from_db()
    assert invite.status == "revoked"
    fresh = TeamInvite.objects.pending().get(team=team)
    admin_client.post(url, {"action": "revoke_invites", "_selected_action": [fresh.pk]})
    fresh.refresh_from_db()
    assert fresh.status == "revoked"


def test_transfer_ownership_action(admin_client):
    team = TeamFactory()
    member = add_member(team, role=TeamRole.ADMIN)
    previous_owner = team.owner
    admin_client.post(
        reverse("admin:teams_teammember_changelist"),
        {"action": "transfer_ownership", "_selected_action": [member.pk]},
    )
    team.refresh_from_db()
    member.refresh_from_db()
    assert team.owner == member.user
    assert member.role == "owner"
    assert TeamMember.objects.get(team=team, user=previous_owner).role == "admin"


def test_removing_the_last_owner_in_the_admin_is_refused(admin_client):
    team = TeamFactory()
    owner = TeamMember.objects.get(team=team, user=team.owner)
    response = admin_client.post(
        reverse("admin:teams_teammember_changelist"),
        {"action": "remove_members", "_selected_action": [owner.pk]},
        follow=True,
    )
    assert b"last owner" in response.content
    owner.refresh_from_db()
    assert owner.is_active


def test_recount_reports_and_fixes_drift(admin_client):
    drifted = GroupFactory(name="Drifted")
    exact = GroupFactory(name="Exact")
    Group.objects.filter(pk=drifted.pk).update(member_count=7)
    response = admin_client.post(
        reverse("admin:teams_group_changelist"),
        {"action": "recount_members", "_selected_action": [drifted.pk, exact.pk]},
        follow=True,
    )
    assert "Drifted: 7 → 1".encode() in response.content
    drifted.refresh_from_db()
    assert drifted.member_count == 1


def test_recount_command(capsys):
    group = GroupFactory()
    services.group_join(group=group, user=UserFactory())
    Group.objects.filter(pk=group.pk).update(member_count=0)
    call_command("recount_group_members")
    assert f"{group.slug}: stored 0, actual 2" in capsys.readouterr().out
    group.refresh_from_db()
    assert group.member_count == GroupMembership.objects.filter(group=group).count() == 2


def test_group_delete_in_admin_is_soft(admin_client):
    group = GroupFactory()
    admin_client.post(reverse("admin:teams_group_delete", args=[group.pk]), {"post": "yes"})
    group.refresh_from_db()
    assert group.is_deleted


def test_demo_seed_is_idempotent():
    users = {
        name: UserFactory(username=name, email=f"{name}@cadence.local")
        for name in ["admin", "alice", "bob"]
    }
    verify_email(users["bob"])
    first = demo.seed(users)
    second = demo.seed(users)
    assert len(first) == len(second) == 3
    team = Team.objects.get(owner=users["alice"])
    assert TeamMember.objects.filter(team=team, is_active=True).count() == 2
    assert TeamInvite.objects.pending().filter(team=team).count() == 1
    assert Group.objects.get(slug="night-owls").is_open


def test_delete_selected_groups_is_soft(admin_client):
    group = GroupFactory()
    admin_client.post(
        reverse("admin:teams_group_changelist"),
        {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"},
    )
    group.refresh_from_db()
    assert group.is_deleted
    assert group.memberships.filter(is_active=True).count() == 1


def test_adding_a_group_in_the_admin_counts_the_owner(admin_client, staff_user, user):
    response = admin_client.post(
        reverse("admin:teams_group_add"),
        {
            "name": "Staff Made",
            "slug": "staff-made",
            "description": "",
            "is_public": "on",
            "is_open": "on",
            "is_active": "on",
            "group_type": "community",
            "tags": "",
            "settings": "{}",
            "owner": user.pk,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content
    group = Group.objects.get(slug="staff-made")
    assert (group.owner, group.created_by, group.member_count) == (user, staff_user, 1)


def _team_form(team, **changes):
    return {
        "name": team.name,
        "description": team.description,
        "plan": team.plan,
        "max_members": team.max_members,
        "settings": "{}",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        "invites-TOTAL_FORMS": 0,
        "invites-INITIAL_FORMS": 0,
        **changes,
    }


def test_changing_a_team_in_the_admin_goes_through_the_service(admin_client, staff_user):
    from auditing.models import AuditLog

    team = TeamFactory()
    url = reverse("admin:teams_team_change", args=[team.pk])
    response = admin_client.post(url, _team_form(team, name="Renamed"), follow=True)
    assert response.status_code == 200
    assert b"Renamed" in response.content
    team.refresh_from_db()
    assert team.name == "Renamed"
    row = AuditLog.objects.get(entity_type="teams.team", entity_id=str(team.pk), action="update")
    assert row.user_id == staff_user.pk


def test_a_refused_team_change_in_the_admin_is_a_message(admin_client):
    team = TeamFactory()  # free plan: at most 5 members
    url = reverse("admin:teams_team_change", args=[team.pk])
    response = admin_client.post(url, _team_form(team, max_members=50), follow=True)
    assert response.status_code == 200
    assert b"The free plan allows at most 5 members." in response.content
    team.refresh_from_db()
    assert team.max_members == 5


def test_deleting_a_team_in_the_admin_uses_the_service(admin_client):
    team = TeamFactory()
    add_member(team)
    response = admin_client.post(
        reverse("admin:teams_team_delete", args=[team.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Team.objects.filter(pk=team.pk).exists()
    assert not TeamMember.objects.filter(team_id=team.pk).exists()


@pytest.mark.parametrize("name", ["teammember", "teaminvite", "groupmembership"])
def test_membership_and_invite_pages_are_read_only(admin_client, name):
    team = TeamFactory()
    group = GroupFactory()
    obj = {
        "teammember": TeamMember.objects.get(team=team),
        "teaminvite": make_invite(team, "ro@example.com")[0],
        "groupmembership": group.memberships.get(),
    }[name]
    url = reverse(f"admin:teams_{name}_change", args=[obj.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"is_active": ""}).status_code == 403
    assert admin_client.get(reverse(f"admin:teams_{name}_add")).status_code == 403
