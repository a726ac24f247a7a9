import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.errors import Conflict
from social import services, tasks
from social.models import ChatGroup, ChatGroupInvite, ChatGroupMember, Message, Notification
from social.tests.factories import DirectMessageFactory, add_member, chat_group, expired
from tests.api_cases import APIResourceCases, view_queries

pytestmark = pytest.mark.django_db
client_for = APIResourceCases.client_for


def _invite(client, group, **body):
    response = client.post(f"/api/v1/chat-groups/{group.pk}/invites/", body)
    assert response.status_code == 201, response.content
    return response.json()


class TestGroups:
    def test_creator_is_the_first_member(self, user):
        response = client_for(user).post("/api/v1/chat-groups/", {"name": "Core"})
        assert response.status_code == 201
        group = ChatGroup.objects.get(pk=response.json()["id"])
        assert list(group.memberships.values_list("user", flat=True)) == [user.pk]
        members = client_for(user).get(f"/api/v1/chat-groups/{group.pk}/members/").json()
        assert [m["user"]["id"] for m in members["results"]] == [str(user.pk)]
        assert "email" not in members["results"][0]["user"]

    def test_non_members_see_nothing_of_a_group(self, user, other_user):
        group = chat_group(other_user)
        Message.objects.create(sender=other_user, group=group, content="secret")
        client = client_for(user)
        for path in [
            f"/api/v1/chat-groups/{group.pk}/",
            f"/api/v1/chat-groups/{group.pk}/members/",
        ]:
            assert client.get(path).status_code == 404
        assert client.post(f"/api/v1/chat-groups/{group.pk}/invites/", {}).status_code == 404
        assert client.post(f"/api/v1/chat-groups/{group.pk}/leave/").status_code == 404
        assert client.get("/api/v1/messages/", {"group": str(group.pk)}).status_code == 404
        assert client.get("/api/v1/messages/").json()["results"] == []

    def test_leave(self, user, other_user):
        group = chat_group(other_user)
        add_member(group, user)
        client = client_for(user)
        assert client.post(f"/api/v1/chat-groups/{group.pk}/leave/").status_code == 204
        assert not ChatGroupMember.objects.filter(group=group, user=user).exists()
        assert client.get(f"/api/v1/chat-groups/{group.pk}/").status_code == 404

    def test_only_the_creator_deletes(self, user, other_user):
        group = chat_group(other_user)
        add_member(group, user)
        response = client_for(user).delete(f"/api/v1/chat-groups/{group.pk}/")
        assert response.status_code == 403
        assert response.json() == {"detail": "Only the group's creator can delete it."}
        assert ChatGroup.objects.filter(pk=group.pk).exists()

    def test_leaving_a_group_one_is_not_in_is_a_conflict(self, user, other_user):
        group = chat_group(other_user)
        with pytest.raises(Conflict):
            services.chat_group_leave(group=group, user=user)

    def test_one_primary_group(self, staff_user, user):
        client = client_for(staff_user)
        assert (
            client.post("/api/v1/chat-groups/", {"name": "Lobby", "is_primary": True}).status_code
            == 201
        )
        before = ChatGroup.objects.count()
        response = client.post("/api/v1/chat-groups/", {"name": "Lobby 2", "is_primary": True})
        assert response.status_code == 400
        assert "is_primary" in response.json()
        assert ChatGroup.objects.count() == before
        mine = client_for(user).post("/api/v1/chat-groups/", {"name": "Mine", "is_primary": True})
        assert mine.status_code == 400

    def test_the_database_refuses_a_second_primary(self, user):
        ChatGroup.objects.create(name="a", is_primary=True)
        with pytest.raises(IntegrityError), transaction.atomic():
            ChatGroup.objects.create(name="b", is_primary=True)


class TestInvites:
    def test_token_shown_once_and_stored_hashed(self, user, other_user):
        group = chat_group(user)
        body = _invite(client_for(user), group)
        invite = ChatGroupInvite.objects.get(pk=body["id"])
        assert invite.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
        assert body["token"] not in str(ChatGroupInvite.objects.values().get(pk=invite.pk))
        assert invite.single_use is True
        assert invite.expires_at > timezone.now()

    def test_accept_joins_and_notifies_the_inviter(self, user, other_user):
        group = chat_group(user, name="Design")
        token = _invite(client_for(user), group)["token"]
        response = client_for(other_user).post(f"/api/v1/chat-invites/{token}/accept/")
        assert response.status_code == 200, response.content
        assert ChatGroupMember.objects.filter(group=group, user=other_user).exists()
        note = Notification.objects.get(user=user, type="chat_invite_accepted")
        assert note.data["group"] == str(group.pk)
        assert client_for(other_user).get(f"/api/v1/chat-groups/{group.pk}/").status_code == 200

    def test_expired_invite_is_410(self, user, other_user):
        group = chat_group(user)
        body = _invite(client_for(user), group)
        expired(ChatGroupInvite.objects.get(pk=body["id"]))
        response = client_for(other_user).post(f"/api/v1/chat-invites/{body['token']}/accept/")
        assert response.status_code == 410
        assert not ChatGroupMember.objects.filter(group=group, user=other_user).exists()

    def test_single_use_admits_one_multi_use_admits_many(self, user):
        group = chat_group(user)
        client = client_for(user)
        single = _invite(client, group)["token"]
        multi = _invite(client, group, single_use=False)["token"]
        first, second, third = UserFactory(), UserFactory(), UserFactory()
        assert client_for(first).post(f"/api/v1/chat-invites/{single}/accept/").status_code == 200
        assert client_for(second).post(f"/api/v1/chat-invites/{single}/accept/").status_code == 410
        for joiner in (second, third):
            path = f"/api/v1/chat-invites/{multi}/accept/"
            assert client_for(joiner).post(path).status_code == 200
        assert group.memberships.count() == 4

    def test_accepting_as_a_member_does_not_spend_the_invite(self, user, other_user):
        group = chat_group(user)
        body = _invite(client_for(user), group)
        assert (
            client_for(user).post(f"/api/v1/chat-invites/{body['token']}/accept/").status_code
            == 200
        )
        assert (
            client_for(other_user).post(f"/api/v1/chat-invites/{body['token']}/accept/").status_code
            == 200
        )

    def test_unknown_token_is_404(self, user):
        response = client_for(user).post("/api/v1/chat-invites/nope/accept/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such invite."}

    def test_gone_invites_say_why(self, user, other_user):
        group = chat_group(user)
        client = client_for(user)
        used, old = _invite(client, group), _invite(client, group)
        assert client_for(other_user).post(f"/api/v1/chat-invites/{used['token']}/accept/")
        expired(ChatGroupInvite.objects.get(pk=old["id"]))
        late = UserFactory()
        response = client_for(late).post(f"/api/v1/chat-invites/{used['token']}/accept/")
        assert (response.status_code, response.json()) == (
            410,
            {"detail": "This invite has already been used."},
        )
        response = client_for(late).post(f"/api/v1/chat-invites/{old['token']}/accept/")
        assert (response.status_code, response.json()) == (
            410,
            {"detail": "This invite has expired."},
        )

    @pytest.mark.parametrize(
        "expires_at",
        [
            lambda: timezone.now() - timedelta(hours=1),
            lambda: timezone.now() + timedelta(days=90),
            lambda: "soon",
        ],
        ids=["past", "too-far", "garbage"],
    )
    def test_bad_expiry_is_400(self, user, expires_at):
        group = chat_group(user)
        value = expires_at()
        response = client_for(user).post(
            f"/api/v1/chat-groups/{group.pk}/invites/",
            {"expires_at": value if isinstance(value, str) else value.isoformat()},
        )
        assert response.status_code == 400
        assert not ChatGroupInvite.objects.exists()

    def test_cleanup_removes_only_expired_invites(self, user):
        group = chat_group(user)
        client = client_for(user)
        old, fresh = _invite(client, group), _invite(client, group)
        expired(ChatGroupInvite.objects.get(pk=old["id"]))
        out = StringIO()
        call_command("cleanup_expired_invites", stdout=out)
        assert "Removed 1" in out.getvalue()
        assert list(ChatGroupInvite.objects.values_list("pk", flat=True)) == [
            ChatGroupInvite.objects.get(pk=fresh["id"]).pk
        ]
        expired(ChatGroupInvite.objects.get(pk=fresh["id"]))
        assert tasks.cleanup_expired_invites() == 1
        assert not ChatGroupInvite.objects.exists()


class TestMessages:
    def test_exactly_one_of_group_or_receiver(self, user, other_user):
        group = chat_group(user)
        client = client_for(user)
        for body in [
            {"content": "both", "group": str(group.pk), "receiver": str(other_user.pk)},
            {"content": "neither"},
            {"content": "nulls", "group": None, "receiver": None},
        ]:
            response = client.post("/api/v1/messages/", body)
            assert response.status_code == 400, body
        assert not Message.objects.exists()

    def test_the_database_refuses_both_or_neither(self, user, other_user):
        group = chat_group(user)
        for fields in [{"group": group, "receiver": other_user}, {}]:
            with pytest.raises(IntegrityError), transaction.atomic():
                Message.objects.create(sender=user, content="x", **fields)

    def test_only_members_post_to_a_group(self, user, other_user):
        group = chat_group(other_user)
        response = client_for(user).post(
            "/api/v1/messages/", {"group": str(group.pk), "content": "let me in"}
        )
        assert response.status_code == 400
        assert not Message.objects.exists()

    def test_group_thread_newest_first_with_a_cursor(self, user, other_user):
        group = chat_group(user)
        add_member(group, other_user)
        client = client_for(user)
        for n in range(5):
            sender = client if n % 2 else client_for(other_user)
            sender.post("/api/v1/messages/", {"group": str(group.pk), "content": f"m{n}"})
        page = client.get("/api/v1/messages/", {"group": str(group.pk), "page_size": 3}).json()
        assert [m["content"] for m in page["results"]] == ["m4", "m3", "m2"]
        assert page["next"] and "cursor=" in page["next"]
        rest = client.get(page["next"]).json()
        assert [m["content"] for m in rest["results"]] == ["m1", "m0"]

    def test_direct_messages_are_private_to_the_two(self, user, other_user):
        stranger = UserFactory()
        response = client_for(user).post(
            "/api/v1/messages/", {"receiver": str(other_user.pk), "content": "psst"}
        )
        assert response.status_code == 201
        message_id = response.json()["id"]
        assert client_for(other_user).get(f"/api/v1/messages/{message_id}/").status_code == 200
        assert client_for(stranger).get(f"/api/v1/messages/{message_id}/").status_code == 404
        assert (
            client_for(stranger).get("/api/v1/messages/", {"with": str(user.pk)}).json()["results"]
            == []
        )
        note = Notification.objects.get(user=other_user, type="direct_message")
        assert note.data["message"] == message_id

    def test_with_returns_one_conversation(self, user, other_user):
        third = UserFactory()
        mine = DirectMessageFactory(sender=user, receiver=other_user)
        theirs = DirectMessageFactory(sender=other_user, receiver=user)
        DirectMessageFactory(sender=user, receiver=third)
        DirectMessageFactory(sender=other_user, receiver=third)
        response = client_for(user).get("/api/v1/messages/", {"with": str(other_user.pk)})
        assert [m["id"] for m in response.json()["results"]] == [str(theirs.pk), str(mine.pk)]
        assert client_for(user).get("/api/v1/messages/", {"with": "nope"}).status_code == 400

    def test_cannot_message_yourself_or_a_missing_user(self, user):
        client = client_for(user)
        assert (
            client.post(
                "/api/v1/messages/", {"receiver": str(user.pk), "content": "me"}
            ).status_code
            == 400
        )
        missing = "00000000-0000-4000-8000-000000000000"
        assert (
            client.post("/api/v1/messages/", {"receiver": missing, "content": "?"}).status_code
            == 400
        )

    def test_edit_and_delete_only_your_own(self, user, other_user):
        group = chat_group(user)
        add_member(group, other_user)
        message = Message.objects.create(sender=other_user, group=group, content="original")
        client = client_for(user)
        path = f"/api/v1/messages/{message.pk}/"
        assert client.patch(path, {"content": "hijacked"}).status_code == 403
        assert client.delete(path).status_code == 403
        message.refresh_from_db()
        assert message.content == "original" and not message.is_deleted

        owner = client_for(other_user)
        edited = owner.patch(path, {"content": "fixed typo"}).json()
        assert edited["content"] == "fixed typo" and edited["edited_at"]
        assert owner.delete(path).status_code == 204
        message.refresh_from_db()
        assert message.is_deleted and Message.objects.filter(pk=message.pk).exists()
        shown = client.get(path).json()
        assert shown["is_deleted"] is True and shown["content"] == ""
        assert owner.patch(path, {"content": "again"}).status_code == 409

    def test_editing_a_deleted_message_is_409_like_every_conflict(self, user):
        message = DirectMessageFactory(sender=user, content="gone soon")
        client = client_for(user)
        path = f"/api/v1/messages/{message.pk}/"
        assert client.delete(path).status_code == 204
        response = client.patch(path, {"content": "back again"})
        assert response.status_code == 409
        assert response.json() == {"detail": "A deleted message cannot be edited."}
        message.refresh_from_db()
        assert message.content == "gone soon"

    def test_cannot_move_a_message(self, user, other_user):
        message = DirectMessageFactory(sender=user, receiver=other_user)
        client_for(user).patch(
            f"/api/v1/messages/{message.pk}/", {"receiver": str(UserFactory().pk)}
        )
        message.refresh_from_db()
        assert message.receiver_id == other_user.pk


def test_only_staff_move_the_primary_flag(user):
    group = chat_group(user)
    response = client_for(user).patch(f"/api/v1/chat-groups/{group.pk}/", {"is_primary": True})
    assert response.status_code == 400
    group.refresh_from_db()
    assert group.is_primary is False


def test_overlong_message_is_400(user, other_user):
    response = client_for(user).post(
        "/api/v1/messages/", {"receiver": str(other_user.pk), "content": "x" * 10001}
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("params", ["group", "with", "all"])
def test_message_list_queries_do_not_grow_with_the_page(user, other_user, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group = chat_group(user)
    add_member(group, other_user)
    query = {"group": {"group": str(group.pk)}, "with": {"with": str(other_user.pk)}, "all": {}}[
        params
    ]
    client = client_for(user)

    def post_pair():
        Message.objects.create(sender=other_user, group=group, content="g")
        Message.objects.create(sender=other_user, receiver=user, content="d")

    post_pair()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/messages/", query).status_code == 200
    for _ in range(20):
        post_pair()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/messages/", {**query, "page_size": 200})
    assert len(response.json()["results"]) >= 21
    assert len(view_queries(many.captured_queries)) == len(view_queries(one.captured_queries)) <= 4


def test_cleanup_is_scheduled_hourly():
    from django.conf import settings
    from django.utils.module_loading import import_string

    entry = settings.CELERY_BEAT_SCHEDULE["social.cleanup_expired_invites"]
    assert entry["schedule"] == 3600
    assert import_string(entry["args"][0]) is tasks.cleanup_expired_invites
