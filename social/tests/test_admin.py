from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from social import services
from social.models import (
    ChatGroup,
    ChatGroupInvite,
    ChatGroupMember,
    Emoji,
    EmojiCategory,
    EmojiFavorite,
    Message,
    Notification,
    UserStatus,
)
from social.tests.factories import (
    CustomEmojiFactory,
    DirectMessageFactory,
    EmojiFavoriteFactory,
    NotificationFactory,
    add_member,
    chat_group,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


MODELS = [
    EmojiCategory,
    Emoji,
    EmojiFavorite,
    Notification,
    ChatGroup,
    ChatGroupMember,
    ChatGroupInvite,
    Message,
    UserStatus,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_render_and_search(admin_client, user, model):
    CustomEmojiFactory()
    EmojiFavoriteFactory(user=user)
    NotificationFactory(user=user)
    group = chat_group(user)
    services.chat_group_invite_create(group=group, created_by=user)
    DirectMessageFactory(sender=user)
    UserStatus.objects.create(user=user)
    url = reverse(f"admin:social_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "custom"}).status_code == 200


def test_emoji_change_page_shows_the_image(admin_client):
    emoji = CustomEmojiFactory()
    response = admin_client.get(reverse("admin:social_emoji_change", args=[emoji.pk]))
    assert response.status_code == 200
    assert b"<img" in response.content


def test_group_change_page_has_member_inline(admin_client, user):
    group = chat_group(user)
    response = admin_client.get(reverse("admin:social_chatgroup_change", args=[group.pk]))
    assert response.status_code == 200
    assert b"memberships" in response.content


def test_bulk_mark_read(admin_client, user):
    notes = NotificationFactory.create_batch(3, user=user)
    admin_client.post(
        reverse("admin:social_notification_changelist"),
        {"action": "mark_read", "_selected_action": [n.pk for n in notes]},
    )
    assert not Notification.objects.filter(is_read=False).exists()
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_expire_invites_action(admin_client, user):
    group = chat_group(user)
    invite = services.chat_group_invite_create(group=group, created_by=user).invite
    admin_client.post(
        reverse("admin:social_chatgroupinvite_changelist"),
        {"action": "expire", "_selected_action": [invite.pk]},
    )
    invite.refresh_from_db()
    assert invite.expires_at <= timezone.now()
    assert invite.expires_at < timezone.now() + timedelta(seconds=1)


def test_emoji_deactivate_action_and_no_delete(admin_client):
    emoji = CustomEmojiFactory()
    admin_client.post(
        reverse("admin:social_emoji_changelist"),
        {"action": "deactivate", "_selected_action": [emoji.pk]},
    )
    emoji.refresh_from_db()
    assert emoji.is_active is False
    assert (
        admin_client.get(reverse("admin:social_emoji_delete", args=[emoji.pk])).status_code == 403
    )


def test_message_search(admin_client, user):
    DirectMessageFactory(sender=user, content="quarterly planning")
    DirectMessageFactory(sender=user, content="lunch")
    response = admin_client.get(reverse("admin:social_message_changelist"), {"q": "quarterly"})
    assert response.context["cl"].result_count == 1


def test_staff_add_a_custom_emoji_in_the_admin(admin_client):
    from social.tests.factories import EmojiCategoryFactory, png_file

    category = EmojiCategoryFactory()
    form = {
        "category": category.pk,
        "shortcode": ":admin_made:",
        "name": "admin made",
        "keywords": "[]",
        "is_custom": "on",
        "is_active": "on",
        "sort_order": 0,
    }
    url = reverse("admin:social_emoji_add")
    bad = admin_client.post(url, {**form, "image": png_file(size=(2000, 2000))})
    assert bad.status_code == 200 and not Emoji.objects.filter(shortcode=":admin_made:").exists()
    good = admin_client.post(url, {**form, "image": png_file()})
    assert good.status_code == 302, good.context["adminform"].form.errors
    assert Emoji.objects.get(shortcode=":admin_made:").image


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_group_added_in_the_admin_has_its_creator_as_first_member(admin_client, staff_user):
    response = admin_client.post(
        reverse("admin:social_chatgroup_add"),
        {
            "name": "Staff room",
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    group = ChatGroup.objects.get(name="Staff room")
    assert group.created_by == staff_user
    assert list(group.memberships.values_list("user", flat=True)) == [staff_user.pk]


def _group_form(admin_client, group, **changes):
    """The change form's POST body as the page would send it, with `changes`."""
    response = admin_client.get(reverse("admin:social_chatgroup_change", args=[group.pk]))
    data = {"name": group.name, "description": group.description}
    if group.is_primary:
        data["is_primary"] = "on"
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_choose_the_primary_group_in_the_admin(admin_client, user):
    group = chat_group(user, name="Lobby")
    url = reverse("admin:social_chatgroup_change", args=[group.pk])
    response = admin_client.post(url, _group_form(admin_client, group, is_primary="on"))
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.is_primary is True

    other = chat_group(user, name="Other")
    url = reverse("admin:social_chatgroup_change", args=[other.pk])
    response = admin_client.post(url, _group_form(admin_client, other, is_primary="on"))
    assert response.status_code == 200
    assert b"Another group is already the primary group." in response.content
    other.refresh_from_db()
    assert other.is_primary is False


def test_staff_remove_a_member_in_the_admin(admin_client, user, other_user):
    group = chat_group(user)
    add_member(group, other_user)
    membership = ChatGroupMember.objects.get(group=group, user=other_user)
    response = admin_client.post(
        reverse("admin:social_chatgroupmember_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ChatGroupMember.objects.filter(pk=membership.pk).exists()
    assert ChatGroup.objects.filter(pk=group.pk).exists()


def test_messages_are_moderated_by_soft_delete_only(admin_client, user):
    message = DirectMessageFactory(sender=user, content="rude")
    assert (
        admin_client.get(reverse("admin:social_message_delete", args=[message.pk])).status_code
        == 403
    )
    admin_client.post(
        reverse("admin:social_message_changelist"),
        {"action": "soft_delete", "_selected_action": [message.pk]},
    )
    message.refresh_from_db()
    assert message.is_deleted and message.deleted_at is not None


def test_a_high_priority_notification_sent_from_the_admin_is_mailed(
    admin_client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:social_notification_add"),
            {
                "user": user.pk,
                "type": "maintenance",
                "title": "Downtime tonight",
                "message": "From 22:00 UTC.",
                "data": "{}",
                "priority": "high",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Notification.objects.filter(user=user, title="Downtime tonight").exists()
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_only_the_read_state_of_a_notification_changes_in_the_admin(admin_client, user):
    note = NotificationFactory(user=user, title="Original")
    response = admin_client.post(
        reverse("admin:social_notification_change", args=[note.pk]),
        {"title": "Changed", "is_read": "on"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.title == "Original"
    assert note.is_read and note.read_at is not None


def test_clearing_a_custom_emojis_image_is_refused_with_a_message(admin_client):
    emoji = CustomEmojiFactory()
    url = reverse("admin:social_emoji_change", args=[emoji.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"category": emoji.category_id, "keywords": '["custom"]', "image-clear": "on"})
    data.pop("image", None)
    data.pop("base_emoji", None)
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert any("needs an image" in text for text in _messages(response))
    emoji.refresh_from_db()
    assert emoji.image


def test_read_only_pages_offer_no_writes(admin_client, user):
    group = chat_group(user)
    invite = services.chat_group_invite_create(group=group, created_by=user).invite
    status = UserStatus.objects.create(user=user)
    for name, pk in [("chatgroupinvite", invite.pk), ("userstatus", status.pk)]:
        change = reverse(f"admin:social_{name}_change", args=[pk])
        assert admin_client.get(change).status_code == 200
        assert admin_client.post(change, {}).status_code == 403
        delete = reverse(f"admin:social_{name}_delete", args=[pk])
        assert admin_client.get(delete).status_code == 403
