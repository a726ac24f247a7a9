from datetime import timedelta

import pytest
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
