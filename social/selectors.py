"""Read queries of the social app shared by the API, the admin and the services."""

from datetime import datetime, timedelta

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from social.models import ChatGroup, ChatGroupMember, Emoji, Message, Notification, UserStatus

# A device that sent a heartbeat this recently is connected; between that and OFFLINE_AFTER
# the user is idle (tab in the background, laptop lid closing); after it, offline.
ONLINE_WITHIN = timedelta(minutes=2)
OFFLINE_AFTER = timedelta(minutes=15)


def emoji_search(*, queryset: QuerySet[Emoji], term: str) -> QuerySet[Emoji]:
    """Emoji whose name, shortcode or keywords contain `term`, best matches first:
    the exact shortcode, then an exact name, then shortcodes starting with the term."""
    term = term.strip().strip(":").strip()
    if not term:
        return queryset
    shortcode = f":{term.lower().replace(' ', '_')}:"
    return (
        queryset.filter(
            Q(shortcode__icontains=term)
            | Q(name__icontains=term)
            | Q(keywords__icontains=term)
            | Q(shortcode=shortcode)
        )
        .annotate(
            rank=Case(
                When(shortcode=shortcode, then=Value(0)),
                When(name__iexact=term, then=Value(1)),
                When(shortcode__istartswith=f":{term}", then=Value(2)),
                When(name__istartswith=term, then=Value(3)),
                default=Value(4),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "sort_order", "shortcode")
    )


def notifications_visible(*, user, now: datetime | None = None) -> QuerySet[Notification]:
    """The user's notifications that have not expired."""
    now = now or timezone.now()
    return Notification.objects.filter(user=user).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def notification_unread_count(*, user) -> int:
    """Unread, unexpired notifications of `user`: one query."""
    return notifications_visible(user=user).filter(is_read=False).count()


def chat_groups_of(*, user) -> QuerySet[ChatGroup]:
    """The chat groups `user` is a member of."""
    return ChatGroup.objects.filter(memberships__user=user)


def messages_visible(*, user) -> QuerySet[Message]:
    """Messages `user` may read: in their groups, or sent to or by them directly."""
    member_of = ChatGroupMember.objects.filter(user=user).values("group_id")
    return Message.objects.filter(
        Q(group_id__in=member_of)
        | Q(group__isnull=True, sender=user)
        | Q(group__isnull=True, receiver=user)
    )


def conversation(*, user, other_id) -> QuerySet[Message]:
    """The direct messages between `user` and the user with id `other_id`."""
    return Message.objects.filter(group__isnull=True).filter(
        Q(sender=user, receiver_id=other_id) | Q(sender_id=other_id, receiver=user)
    )


def _last_heartbeat(devices: dict) -> tuple[datetime | None, bool]:
    latest, afk = None, False
    for info in (devices or {}).values():
        seen = parse_datetime(str(info.get("last_seen", "")))
        if seen is not None and (latest is None or seen > latest):
            latest, afk = seen, bool(info.get("is_afk"))
    return latest, afk


def auto_status_from(*, devices: dict, now: datetime | None = None) -> str:
    """online / away / idle / offline from the newest device heartbeat and its AFK flag."""
    now = now or timezone.now()
    latest, afk = _last_heartbeat(devices)
    if latest is None or now - latest >= OFFLINE_AFTER:
        return UserStatus.AutoStatus.OFFLINE
    if now - latest >= ONLINE_WITHIN:
        return UserStatus.AutoStatus.IDLE
    return UserStatus.AutoStatus.AWAY if afk else UserStatus.AutoStatus.ONLINE


def manual_status_current(status: UserStatus, now: datetime | None = None) -> str:
    """The manual status text, or "" once its expiry has passed."""
    now = now or timezone.now()
    expires = status.manual_status_expires_at
    if expires is not None and expires <= now:
        return ""
    return status.manual_status


def user_status_for(*, user) -> UserStatus:
    """The user's status row, unsaved and offline if they never sent a heartbeat."""
    return UserStatus.objects.filter(user=user).first() or UserStatus(user=user)
