import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from core.actors import SYSTEM
from teams import services
from teams.models import Group, GroupMembership
from teams.tests.factories import GroupFactory
from tests.api_cases import APIResourceCases


def client_for(user):
    return APIResourceCases.client_for(user)


class TestGroupAPI(APIResourceCases):
    base_path = "/api/v1/groups/"
    model = Group
    owner_field = "owner"
    invalid_create_data = {"name": "", "settings": "nope"}
    update_data = {"description": "Quiet hours only.", "is_open": False}
    invalid_update_data = {"slug": "Not A Slug!", "max_members": 0}

    def create_data(self, user):
        return {"name": "Early Birds", "tags": "morning", "settings": {"emoji": "bird"}}

    def make_object(self, user):
        # Private, so that another user's group is invisible (404) rather than public.
        return GroupFactory(owner=user, is_public=False)

    def detail_path(self, obj) -> str:
        return f"{self.base_path}{obj.slug}/"

    def assert_deleted(self, obj) -> None:
        obj.refresh_from_db()
        assert obj.is_deleted and obj.deleted_at is not None
        assert not Group.objects.filter(pk=obj.pk).exists()


@pytest.mark.django_db
class TestGroupRules:
    def path(self, group, action=""):
        return f"/api/v1/groups/{group.slug}/{action + '/' if action else ''}"

    def test_creator_is_owner_and_first_member(self, user):
        response = client_for(user).post("/api/v1/groups/", {"name": "Deep Work Club"})
        assert response.status_code == 201
        body = response.json()
        assert body["slug"] == "deep-work-club"
        assert (body["member_count"], body["is_member"]) == (1, True)
        assert body["owner"] == body["created_by"] == str(user.pk)
        membership = GroupMembership.objects.get(group_id=body["id"])
        assert (membership.user, membership.role_in_group) == (user, "owner")

    @pytest.mark.parametrize("name", ["Deep Work", "deep work"])
    def test_name_and_slug_are_unique(self, user, name):
        GroupFactory(name="Deep Work")
        response = client_for(user).post("/api/v1/groups/", {"name": name})
        assert response.status_code == 400
        assert Group.objects.count() == 1

    def test_deleted_groups_keep_their_slug(self, user):
        group = GroupFactory(name="Gone")
        services.group_delete(group=group, acting_user=SYSTEM)
        assert client_for(user).post("/api/v1/groups/", {"name": "Gone"}).status_code == 400

    def test_public_group_visible_private_group_hidden(self, user):
        public = GroupFactory(is_public=True)
        private = GroupFactory(is_public=False)
        client = client_for(user)
        slugs = {g["slug"] for g in client.get("/api/v1/groups/").json()["results"]}
        assert public.slug in slugs
        assert private.slug not in slugs
        assert client.get(self.path(private)).status_code == 404
        assert client.get(self.path(private, "members")).status_code == 404
        assert client.post(self.path(private, "join")).status_code == 404
        assert client.get(self.path(public, "members")).status_code == 200

    def test_join_open_group_counts_and_leave_uncounts(self, user):
        group = GroupFactory(is_open=True)
        client = client_for(user)
        response = client.post(self.path(group, "join"))
        assert response.status_code == 201
        group.refresh_from_db()
        assert group.member_count == 2
        members = client.get(self.path(group, "members")).json()["results"]
        assert {m["user"]["id"] for m in members} == {str(user.pk), str(group.owner_id)}
        assert client.post(self.path(group, "join")).status_code == 409
        assert client.post(self.path(group, "leave")).status_code == 204
        assert client.post(self.path(group, "leave")).status_code == 409
        group.refresh_from_db()
        assert group.member_count == 1
        assert client.post(self.path(group, "join")).status_code == 201
        assert GroupMembership.objects.filter(group=group, user=user).count() == 1

    def test_closed_public_group_is_403(self, user):
        group = GroupFactory(is_open=False)
        assert client_for(user).post(self.path(group, "join")).status_code == 403
        group.refresh_from_db()
        assert group.member_count == 1

    def test_private_group_member_sees_it_after_joining_by_staff(self, user):
        group = GroupFactory(is_public=False, is_open=True)
        assert client_for(user).get(self.path(group)).status_code == 404
        services.group_join(group=group, user=user)
        assert client_for(user).get(self.path(group)).json()["is_member"] is True

    def test_full_group_is_409(self, user):
        group = GroupFactory(max_members=1)
        assert client_for(user).post(self.path(group, "join")).status_code == 409

    def test_owner_cannot_leave(self, user):
        group = GroupFactory(owner=user)
        assert client_for(user).post(self.path(group, "leave")).status_code == 409

    def test_only_owner_edits_and_deletes(self, user):
        group = GroupFactory()
        services.group_join(group=group, user=user)
        client = client_for(user)
        assert client.patch(self.path(group), {"description": "mine"}).status_code == 403
        assert client.delete(self.path(group)).status_code == 403
        group.refresh_from_db()
        assert (group.description, group.is_deleted) == ("", False)

    def test_system_group_cannot_be_deleted(self, user):
        group = GroupFactory(owner=user, is_system=True)
        assert client_for(user).delete(self.path(group)).status_code == 403

    def test_max_members_below_count_is_400(self, user):
        group = GroupFactory(owner=user)
        services.group_join(group=group, user=UserFactory())
        response = client_for(user).patch(self.path(group), {"max_members": 1})
        assert response.status_code == 400
        assert "max_members" in response.json()

    def test_deleted_group_is_gone(self, user):
        group = GroupFactory(owner=user)
        client = client_for(user)
        assert client.delete(self.path(group)).status_code == 204
        assert client.get(self.path(group)).status_code == 404
        assert client.post(self.path(group, "join")).status_code == 404

    def test_members_query_count_is_bounded(self, user):
        group = GroupFactory()
        client = client_for(user)
        with CaptureQueriesContext(connection) as one:
            client.get(self.path(group, "members"))
        for _ in range(5):
            services.group_join(group=group, user=UserFactory())
        with CaptureQueriesContext(connection) as six:
            client.get(self.path(group, "members"))
        assert len(six) == len(one) <= 8


@pytest.mark.django_db
def test_archived_group_refuses_joins(user):
    group = GroupFactory()
    services.group_update(group=group, acting_user=SYSTEM, data={"is_active": False})
    response = client_for(user).post(f"/api/v1/groups/{group.slug}/join/")
    assert response.status_code == 409
