from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts import tokens
from accounts.tests.factories import UserFactory
from auditing.models import AuditLog
from core import mail as core_mail
from core.actors import SYSTEM
from social.models import Notification
from teams import services
from teams.models import Team, TeamInvite, TeamMember, TeamRole
from teams.tests.factories import TeamFactory, add_member, make_invite, verify_email
from tests.api_cases import APIResourceCases

PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def client_for(user):
    return APIResourceCases.client_for(user)


def add_owner(team, user=None) -> TeamMember:
    membership = add_member(team, user, role=TeamRole.ADMIN)
    return services.team_member_change_role(
        membership=membership, acting_user=team.owner, role=TeamRole.OWNER
    )


class TestTeamAPI(APIResourceCases):
    base_path = "/api/v1/teams/"
    model = Team
    owner_field = "owner"
    create_data = staticmethod(lambda user: {"name": "Core", "settings": {"week_starts": "mon"}})
    invalid_create_data = {"name": "", "max_members": 0}
    update_data = {"name": "Renamed", "description": "Now with a description."}
    invalid_update_data = {"max_members": 0, "settings": [1]}

    def make_object(self, user):
        return TeamFactory(owner=user)


class _TeamScoped:
    """Resources under /teams/{id}/: the path depends on the requesting user's team."""

    @pytest.fixture(autouse=True)
    def _bind_user(self, user):
        self._user = user
        self._teams = {}

    def team_of(self, user) -> Team:
        if user.pk not in self._teams:
            self._teams[user.pk] = TeamFactory(owner=user, plan="team", max_members=50)
        return self._teams[user.pk]

    def list_path(self) -> str:
        return self.base_path.replace(PLACEHOLDER, str(self.team_of(self._user).pk))


class TestTeamMemberAPI(_TeamScoped, APIResourceCases):
    base_path = f"/api/v1/teams/{PLACEHOLDER}/members/"
    model = TeamMember
    actions = {"list", "retrieve", "update", "delete"}
    update_data = {"role": "admin"}
    invalid_update_data = {"role": "boss"}

    def make_object(self, user):
        return add_member(self.team_of(user))

    def detail_path(self, obj) -> str:
        return f"/api/v1/teams/{obj.team_id}/members/{obj.user_id}/"

    def assert_deleted(self, obj) -> None:
        obj.refresh_from_db()
        assert obj.is_active is False


class TestTeamInviteAPI(_TeamScoped, APIResourceCases):
    base_path = f"/api/v1/teams/{PLACEHOLDER}/invites/"
    model = TeamInvite
    actions = {"list", "retrieve", "create", "delete"}
    owner_field = "invited_by"
    invalid_create_data = {"email": "not-an-email", "role": "member"}

    def create_data(self, user):
        return {"email": "newcomer@example.com", "role": "member"}

    def make_object(self, user):
        invite, _ = make_invite(self.team_of(user), f"{UserFactory.build().username}@example.org")
        return invite

    def detail_path(self, obj) -> str:
        return f"/api/v1/teams/{obj.team_id}/invites/{obj.pk}/"

    def assert_deleted(self, obj) -> None:
        obj.refresh_from_db()
        assert obj.revoked_at is not None


class TestTeamInviteAcceptAPI(APIResourceCases):
    base_path = "/api/v1/team-invites/accept/"
    model = TeamMember
    actions = {"create"}
    owned = False
    invalid_create_data = {"token": ""}

    def make_object(self, user):
        return None

    def detail_path(self, obj) -> str:
        return self.base_path

    def create_data(self, user):
        verify_email(user)
        _, token = make_invite(TeamFactory(), user.email)
        return {"token": token}


# -- teams -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestTeamRules:
    def test_creator_is_owner_member(self, user):
        response = client_for(user).post("/api/v1/teams/", {"name": "Core"})
        assert response.status_code == 201
        body = response.json()
        assert body["owner"] == str(user.pk)
        assert body["my_role"] == "owner"
        assert body["member_count"] == 1
        assert TeamMember.objects.get(team_id=body["id"], user=user).role == "owner"

    def test_plain_member_cannot_edit_or_delete(self, user):
        team = TeamFactory()
        add_member(team, user)
        client = client_for(user)
        assert client.patch(f"/api/v1/teams/{team.pk}/", {"name": "Mine"}).status_code == 403
        assert client.delete(f"/api/v1/teams/{team.pk}/").status_code == 403
        team.refresh_from_db()
        assert team.name != "Mine"

    def test_admin_edits_but_cannot_delete(self, user):
        team = TeamFactory()
        add_member(team, user, role=TeamRole.ADMIN)
        client = client_for(user)
        assert client.patch(f"/api/v1/teams/{team.pk}/", {"name": "Ours"}).status_code == 200
        assert client.delete(f"/api/v1/teams/{team.pk}/").status_code == 403
        assert Team.objects.filter(pk=team.pk).exists()

    def test_max_members_cannot_drop_below_active_members(self, user):
        team = TeamFactory(owner=user)
        add_member(team)
        response = client_for(user).patch(f"/api/v1/teams/{team.pk}/", {"max_members": 1})
        assert response.status_code == 400
        assert "max_members" in response.json()
        team.refresh_from_db()
        assert team.max_members == 5

    def test_plan_is_read_only(self, user):
        team = TeamFactory(owner=user)
        client_for(user).patch(f"/api/v1/teams/{team.pk}/", {"plan": "team"})
        team.refresh_from_db()
        assert team.plan == "free"

    def test_removed_member_no_longer_sees_the_team(self, user):
        team = TeamFactory()
        membership = add_member(team, user)
        services.team_member_remove(membership=membership, acting_user=team.owner)
        assert client_for(user).get(f"/api/v1/teams/{team.pk}/").status_code == 404

    @pytest.mark.parametrize("bad", ["not-a-uuid", PLACEHOLDER])
    def test_unknown_team_ids_are_404(self, user, bad):
        client = client_for(user)
        assert client.get(f"/api/v1/teams/{bad}/").status_code == 404
        assert client.get(f"/api/v1/teams/{bad}/members/").status_code == 404
        assert client.get(f"/api/v1/teams/{bad}/invites/").status_code == 404


# -- members ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestMemberRules:
    def path(self, membership):
        return f"/api/v1/teams/{membership.team_id}/members/{membership.user_id}/"

    def owner_membership(self, team):
        return TeamMember.objects.get(team=team, user=team.owner)

    def test_last_owner_cannot_leave(self, user):
        team = TeamFactory(owner=user)
        response = client_for(user).delete(self.path(self.owner_membership(team)))
        assert response.status_code == 409
        assert self.owner_membership(team).is_active

    def test_last_owner_cannot_be_demoted(self, user):
        team = TeamFactory(owner=user)
        response = client_for(user).patch(self.path(self.owner_membership(team)), {"role": "admin"})
        assert response.status_code == 409
        assert self.owner_membership(team).role == "owner"

    def test_owner_can_leave_when_another_owner_remains(self, user):
        team = TeamFactory(owner=user)
        second = add_owner(team)
        response = client_for(user).delete(self.path(self.owner_membership(team)))
        assert response.status_code == 204
        team.refresh_from_db()
        assert team.owner_id == second.user_id

    def test_member_can_leave(self, user):
        team = TeamFactory()
        membership = add_member(team, user)
        assert client_for(user).delete(self.path(membership)).status_code == 204
        membership.refresh_from_db()
        assert membership.is_active is False

    def test_member_cannot_manage_others(self, user):
        team = TeamFactory()
        add_member(team, user)
        other = add_member(team)
        client = client_for(user)
        assert client.patch(self.path(other), {"role": "admin"}).status_code == 403
        assert client.delete(self.path(other)).status_code == 403
        other.refresh_from_db()
        assert (other.role, other.is_active) == ("member", True)

    def test_member_cannot_promote_self(self, user):
        team = TeamFactory()
        mine = add_member(team, user)
        assert client_for(user).patch(self.path(mine), {"role": "owner"}).status_code == 403
        mine.refresh_from_db()
        assert mine.role == "member"

    def test_admin_manages_members_but_not_owners(self, user):
        team = TeamFactory()
        add_member(team, user, role=TeamRole.ADMIN)
        member = add_member(team)
        client = client_for(user)
        assert client.patch(self.path(member), {"role": "admin"}).status_code == 200
        assert client.patch(self.path(member), {"role": "owner"}).status_code == 403
        owner = self.owner_membership(team)
        assert client.patch(self.path(owner), {"role": "member"}).status_code == 403
        assert client.delete(self.path(owner)).status_code == 403
        assert client.delete(self.path(member)).status_code == 204

    def test_owner_promotes_to_owner(self, user):
        team = TeamFactory(owner=user)
        member = add_member(team)
        response = client_for(user).patch(self.path(member), {"role": "owner"})
        assert response.status_code == 200
        assert response.json()["role"] == "owner"

    def test_history_is_kept_and_listable(self, user):
        team = TeamFactory(owner=user)
        member = add_member(team)
        client_for(user).delete(self.path(member))
        client = client_for(user)
        active = client.get(f"/api/v1/teams/{team.pk}/members/").json()["results"]
        assert [m["user"]["id"] for m in active] == [str(user.pk)]
        gone = client.get(f"/api/v1/teams/{team.pk}/members/?is_active=false").json()["results"]
        assert [m["user"]["id"] for m in gone] == [str(member.user_id)]
        assert gone[0]["invited_by"] == str(user.pk)


# -- invites ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestInviteIssue:
    def test_token_shown_once_hash_stored_email_sent_on_commit(self, user):
        team = TeamFactory(owner=user)
        response = client_for(user).post(
            f"/api/v1/teams/{team.pk}/invites/", {"email": "Dana@Example.com", "role": "admin"}
        )
        assert response.status_code == 201
        body = response.json()
        token = body["token"]
        invite = TeamInvite.objects.get(pk=body["id"])
        assert invite.email == "dana@example.com"
        assert invite.token_hash == tokens.digest(token)
        assert token not in invite.token_hash
        assert body["status"] == "pending"
        assert invite.expires_at - invite.created_at == timedelta(days=7)
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["dana@example.com"]
        assert body["accept_url"] in mail.outbox[0].body
        assert token in body["accept_url"]
        listed = client_for(user).get(f"/api/v1/teams/{team.pk}/invites/").json()["results"]
        assert "token" not in listed[0]
        assert "token_hash" not in listed[0]

    def test_invite_email_is_queued_when_a_broker_is_configured(self, user, settings, monkeypatch):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        queued = []
        monkeypatch.setattr(core_mail.send_mail_task, "delay", queued.append)
        team = TeamFactory(owner=user)
        mail.outbox.clear()
        response = client_for(user).post(
            f"/api/v1/teams/{team.pk}/invites/", {"email": "queued@example.com"}
        )
        assert response.status_code == 201
        assert mail.outbox == []
        assert [message["to"] for message in queued] == [["queued@example.com"]]
        assert response.json()["accept_url"] in queued[0]["body"]

    def test_refused_invite_sends_nothing(self, user):
        team = TeamFactory()
        add_member(team, user, role=TeamRole.ADMIN)
        mail.outbox.clear()
        response = client_for(user).post(
            f"/api/v1/teams/{team.pk}/invites/", {"email": "x@example.com", "role": "owner"}
        )
        assert response.status_code == 403
        assert mail.outbox == []
        assert not TeamInvite.objects.filter(email="x@example.com").exists()

    def test_owner_invites_an_owner(self, user):
        team = TeamFactory(owner=user)
        invitee = UserFactory()
        verify_email(invitee)
        response = client_for(user).post(
            f"/api/v1/teams/{team.pk}/invites/", {"email": invitee.email, "role": "owner"}
        )
        assert response.status_code == 201
        accepted = client_for(invitee).post(
            "/api/v1/team-invites/accept/", {"token": response.json()["token"]}
        )
        assert accepted.json()["role"] == "owner"
        team.refresh_from_db()
        assert team.owner == user


@pytest.mark.django_db
class TestInviteRules:
    def test_existing_user_is_notified(self, user):
        invitee = UserFactory()
        team = TeamFactory(owner=user)
        invite, _ = make_invite(team, invitee.email.upper())
        note = Notification.objects.get(user=invitee)
        assert note.type == "team_invite"
        assert note.data["team_id"] == str(team.pk)
        assert note.data["invite_id"] == str(invite.pk)

    def test_plain_member_cannot_invite_or_list(self, user):
        team = TeamFactory()
        add_member(team, user)
        client = client_for(user)
        path = f"/api/v1/teams/{team.pk}/invites/"
        assert client.post(path, {"email": "a@example.com", "role": "member"}).status_code == 403
        assert client.get(path).status_code == 403
        assert not TeamInvite.objects.filter(email="a@example.com").exists()

    def test_admin_can_invite(self, user):
        team = TeamFactory()
        add_member(team, user, role=TeamRole.ADMIN)
        response = client_for(user).post(
            f"/api/v1/teams/{team.pk}/invites/", {"email": "a@example.com", "role": "member"}
        )
        assert response.status_code == 201

    def test_inviting_a_member_is_409(self, user):
        team = TeamFactory(owner=user)
        member = add_member(team)
        response = client_for(user).post(
            f"/api/v1/teams/{team.pk}/invites/", {"email": member.user.email, "role": "member"}
        )
        assert response.status_code == 409

    def test_reinvite_revokes_the_open_invite(self, user):
        team = TeamFactory(owner=user)
        first, _ = make_invite(team, "b@example.com")
        second, _ = make_invite(team, "B@example.com")
        first.refresh_from_db()
        assert first.status == "revoked"
        assert second.status == "pending"

    def test_resend_issues_new_token_and_revokes_old(self, user):
        team = TeamFactory(owner=user)
        invite, old_token = make_invite(team, "c@example.com")
        response = client_for(user).post(f"/api/v1/teams/{team.pk}/invites/{invite.pk}/resend/")
        assert response.status_code == 201
        new_token = response.json()["token"]
        assert new_token != old_token
        invite.refresh_from_db()
        assert invite.status == "revoked"
        invitee = UserFactory(email="c@example.com")
        verify_email(invitee)
        accept = client_for(invitee)
        assert accept.post("/api/v1/team-invites/accept/", {"token": old_token}).status_code == 410
        assert accept.post("/api/v1/team-invites/accept/", {"token": new_token}).status_code == 201

    def test_revoke_twice_is_409(self, user):
        team = TeamFactory(owner=user)
        invite, _ = make_invite(team, "d@example.com")
        path = f"/api/v1/teams/{team.pk}/invites/{invite.pk}/"
        assert client_for(user).delete(path).status_code == 204
        assert client_for(user).delete(path).status_code == 409


@pytest.mark.django_db
class TestAccept:
    url = "/api/v1/team-invites/accept/"

    def invited(self, team=None, **kwargs):
        invitee = UserFactory()
        verify_email(invitee)
        invite, token = make_invite(team or TeamFactory(), invitee.email, **kwargs)
        return invitee, invite, token

    def test_accept_joins_with_the_invited_role(self):
        invitee, invite, token = self.invited(role=TeamRole.ADMIN)
        response = client_for(invitee).post(self.url, {"token": token})
        assert response.status_code == 201
        membership = TeamMember.objects.get(pk=response.json()["id"])
        assert (membership.user, membership.role) == (invitee, "admin")
        assert membership.invited_by == invite.invited_by
        invite.refresh_from_db()
        assert invite.accepted_by == invitee
        assert invite.status == "accepted"

    def test_used_token_is_410(self):
        invitee, _, token = self.invited()
        client = client_for(invitee)
        assert client.post(self.url, {"token": token}).status_code == 201
        again = client.post(self.url, {"token": token})
        assert again.status_code == 410
        assert again.json() == {"detail": "This invite is accepted."}

    def test_accept_with_an_api_key_runs_at_most_20_queries(self):
        # Real API-key authentication, as a script would send it: the key lookup and its
        # last-used stamp, the request log and three audit rows (the membership, the
        # invite's update and the invite_accepted event) count too.
        invitee, _, token = self.invited()
        _, key = account_services.api_key_create(user=invitee, key_name="script")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        audited = set(AuditLog.objects.values_list("id", flat=True))
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(self.url, {"token": token})
        assert response.status_code == 201, response.content
        assert AuditLog.objects.exclude(id__in=audited).count() == 3
        queries = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
        assert len(queries) <= 20, "\n".join(queries)

    def test_expired_token_is_410(self):
        invitee, invite, token = self.invited()
        TeamInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now())
        assert client_for(invitee).post(self.url, {"token": token}).status_code == 410
        assert not TeamMember.objects.filter(user=invitee).exists()

    def test_revoked_token_is_410(self):
        invitee, invite, token = self.invited()
        services.team_invite_revoke(invite=invite, acting_user=SYSTEM)
        assert client_for(invitee).post(self.url, {"token": token}).status_code == 410

    def test_foreign_token_is_400(self, user):
        _, _, token = self.invited()
        verify_email(user)
        response = client_for(user).post(self.url, {"token": token})
        assert response.status_code == 400
        assert "token" in response.json()
        assert not TeamMember.objects.filter(user=user).exists()

    def test_unverified_address_is_400(self):
        invitee = UserFactory()
        _, token = make_invite(TeamFactory(), invitee.email)
        assert client_for(invitee).post(self.url, {"token": token}).status_code == 400

    def test_secondary_verified_address_is_accepted(self, user):
        verify_email(user, "work@example.net")
        _, token = make_invite(TeamFactory(), "Work@Example.net")
        assert client_for(user).post(self.url, {"token": token}).status_code == 201

    @pytest.mark.parametrize("token", ["nope", "tinv_" + "x" * 43, "x" * 200])
    def test_unknown_token_is_400(self, user, token):
        assert client_for(user).post(self.url, {"token": token}).status_code == 400

    def test_too_long_token_is_400(self, user):
        assert client_for(user).post(self.url, {"token": "x" * 5000}).status_code == 400

    def test_full_team_is_409(self):
        team = TeamFactory(max_members=2)
        add_member(team)
        invitee, _, token = self.invited(team=team)
        response = client_for(invitee).post(self.url, {"token": token})
        assert response.status_code == 409
        assert response.json() == {"detail": "This team is full."}
        assert TeamMember.objects.filter(team=team, is_active=True).count() == 2

    def test_already_member_is_409(self):
        team = TeamFactory()
        membership = add_member(team)
        invite, token = make_invite(TeamFactory(), membership.user.email)
        TeamInvite.objects.filter(pk=invite.pk).update(team=team)
        assert client_for(membership.user).post(self.url, {"token": token}).status_code == 409

    def test_former_member_rejoins_on_the_same_row(self):
        team = TeamFactory()
        membership = add_member(team)
        services.team_member_remove(membership=membership, acting_user=team.owner)
        _, token = make_invite(team, membership.user.email)
        response = client_for(membership.user).post(self.url, {"token": token})
        assert response.status_code == 201
        assert response.json()["id"] == str(membership.pk)


@pytest.mark.django_db
class TestPlanLimits:
    def test_free_plan_caps_max_members(self, user):
        response = client_for(user).post("/api/v1/teams/", {"name": "Big", "max_members": 6})
        assert response.status_code == 400
        assert "max_members" in response.json()
        assert not Team.objects.filter(name="Big").exists()

    def test_new_team_gets_the_plan_limit(self, user):
        response = client_for(user).post("/api/v1/teams/", {"name": "Default"})
        assert response.json()["max_members"] == 5

    def test_raising_max_members_beyond_the_plan_is_400(self, user):
        team = TeamFactory(owner=user, max_members=3)
        response = client_for(user).patch(f"/api/v1/teams/{team.pk}/", {"max_members": 50})
        assert response.status_code == 400
        team.refresh_from_db()
        assert team.max_members == 3


@pytest.mark.django_db
def test_accept_and_transfer_are_recorded_as_domain_events(user):
    team = TeamFactory(owner=user)
    member = add_member(team)
    services.team_transfer_ownership(team=team, new_owner=member.user, acting_user=user)
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"invite_accepted", "team_ownership_transferred"} <= actions


@pytest.mark.django_db
class TestLookups:
    def test_bad_member_and_invite_ids_are_404(self, user):
        team = TeamFactory(owner=user)
        client = client_for(user)
        for bad in ["nope", PLACEHOLDER]:
            assert client.get(f"/api/v1/teams/{team.pk}/members/{bad}/").status_code == 404
            assert client.delete(f"/api/v1/teams/{team.pk}/invites/{bad}/").status_code == 404

    def test_invites_filter_by_status(self, user):
        team = TeamFactory(owner=user)
        pending, _ = make_invite(team, "p@example.com")
        revoked, _ = make_invite(team, "r@example.com")
        services.team_invite_revoke(invite=revoked, acting_user=user)
        expired, _ = make_invite(team, "e@example.com")
        TeamInvite.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
        client = client_for(user)
        for status, invite in [("pending", pending), ("revoked", revoked), ("expired", expired)]:
            body = client.get(f"/api/v1/teams/{team.pk}/invites/?status={status}").json()
            assert [i["id"] for i in body["results"]] == [str(invite.pk)]
        assert client.get(f"/api/v1/teams/{team.pk}/invites/?status=bogus").status_code == 400

    def test_invite_of_another_team_is_404(self, user):
        mine = TeamFactory(owner=user)
        invite, _ = make_invite(TeamFactory(), "z@example.com")
        path = f"/api/v1/teams/{mine.pk}/invites/{invite.pk}/"
        assert client_for(user).delete(path).status_code == 404
        invite.refresh_from_db()
        assert invite.status == "pending"


@pytest.mark.django_db
def test_revoking_an_invite_whose_team_was_deleted_meanwhile_is_a_404(monkeypatch):
    # The view finds the invite, a concurrent request deletes the team, and the service's
    # lock on the team finds nothing. That is a 404, not a 500.
    team = TeamFactory()
    invite, _ = make_invite(team, "late@example.com")
    revoke = services.team_invite_revoke

    def after_a_concurrent_delete(**kwargs):
        Team.objects.filter(pk=team.pk).delete()
        return revoke(**kwargs)

    monkeypatch.setattr(services, "team_invite_revoke", after_a_concurrent_delete)
    response = client_for(team.owner).delete(f"/api/v1/teams/{team.pk}/invites/{invite.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_membership_ended_between_two_lookups_is_a_404_not_a_500(monkeypatch):
    """The team is found among the user's, then a concurrent request ends the membership
    before the view reads the user's role."""
    owner = UserFactory()
    team = services.team_create(owner=owner, name="Racing")
    monkeypatch.setattr("teams.api.views.selectors.team_membership", lambda **kwargs: None)
    response = client_for(owner).get(f"/api/v1/teams/{team.pk}/invites/")
    assert response.status_code == 404
