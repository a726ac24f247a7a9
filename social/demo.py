"""Demo data for the social app: a chat between alice and bob, a favourite, a notification."""

from social import services
from social.models import ChatGroup, ChatGroupMember, Emoji, EmojiFavorite, Message, Notification

DEMO_GROUP = "Demo: alice & bob"


def seed(users: dict) -> list[str]:
    alice, bob = users["alice"], users["bob"]
    group = ChatGroup.objects.filter(name=DEMO_GROUP, created_by=alice).first()
    if group is None:
        group = services.chat_group_create(creator=alice, name=DEMO_GROUP)
    if not ChatGroupMember.objects.filter(group=group, user=bob).exists():
        issued = services.chat_group_invite_create(group=group, created_by=alice)
        services.chat_group_invite_accept(token=issued.token, user=bob)
    if not Message.objects.filter(group=group).exists():
        services.message_send(sender=alice, group=group, content="Morning! Stand-up at ten?")
        services.message_send(sender=bob, group=group, content="Sounds good, see you there.")
        services.message_send(sender=alice, receiver=bob, content="Got a minute after?")

    emoji = Emoji.objects.filter(shortcode=":thumbs_up:").first() or Emoji.objects.first()
    if emoji is not None and not EmojiFavorite.objects.filter(user=alice, emoji=emoji).exists():
        services.emoji_favorite_use(favorite=services.emoji_favorite_add(user=alice, emoji=emoji))

    if not Notification.objects.filter(user=alice, type="welcome").exists():
        services.notification_create(
            user=alice,
            type="welcome",
            title="Welcome to Cadence",
            message="Chat, emoji and presence are ready to try.",
        )
    return [f"Social:    chat group '{DEMO_GROUP}' with alice and bob, a favourite emoji"]
