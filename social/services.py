"""State-changing operations of the social app. Views, the admin and commands all call these."""

import contextlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import tokens
from accounts.selectors import user_settings_get
from auditing import record_bulk
from core.actors import SYSTEM
from core.errors import Conflict, Gone, NotAllowed, NotFound
from core.mail import Mail, mail_after_commit
from core.updates import update_fields, validate_fields
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


def _acts_as_staff(actor) -> bool:
    """Staff, or SYSTEM (the admin, commands and jobs): may do what only staff may."""
    return actor is SYSTEM or bool(actor.is_staff)


# --- notifications ------------------------------------------------------------------------

# Fields of a new notification that come from the caller; the user is an instance the caller
# holds and the read state starts unread, so neither is checked again.
_NOTIFICATION_INPUT = ("type", "title", "message", "data", "priority", "expires_at")


@transaction.atomic
def notification_create(
    *,
    user,
    type: str,
    title: str,
    message: str = "",
    data: dict[str, Any] | None = None,
    priority: str = Notification.Priority.MEDIUM,
    expires_at: datetime | None = None,
) -> Notification:
    """Notify `user`. The one entry point other apps (teams, activity) use.

    A high-priority notification is also emailed once the transaction commits, unless the
    user has no email address or has turned notifications off in their settings.
    """
    notification = Notification(
        user=user,
        type=type,
        title=title,
        message=message,
        data=data or {},
        priority=priority,
        expires_at=expires_at,
    )
    validate_fields(notification, _NOTIFICATION_INPUT)
    notification.save(force_insert=True)
    if (
        notification.priority == Notification.Priority.HIGH
        and user.email
        and user_settings_get(user=user).notifications_enabled
    ):
        mail_after_commit(
            Mail(subject=f"[Cadence] {title}", body=message or title, to=[user.email])
        )
    return notification


@transaction.atomic
def notification_set_read(*, notification: Notification, is_read: bool) -> Notification:
    """Mark one notification read (stamping `read_at`) or unread again."""
    if notification.is_read != is_read:
        update_fields(
            notification,
            {"is_read": is_read, "read_at": timezone.now() if is_read else None},
        )
    return notification


@transaction.atomic
def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    queryset = Notification.objects.filter(user=user, is_read=False)
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return 0
    changed = Notification.objects.filter(pk__in=ids, is_read=False).update(
        is_read=True, read_at=timezone.now()
    )
    record_bulk(model=Notification, action="update", ids=ids, count=changed)
    return changed


# --- emoji --------------------------------------------------------------------------------

# The fields of the check that a custom emoji has an image and a standard one its unicode
# text: validated together whenever one of them changes, so the database never has to refuse.
_EMOJI_KIND_FIELDS = ("is_custom", "image", "unicode")


@transaction.atomic
def emoji_category_create(*, data: dict[str, Any]) -> EmojiCategory:
    """Add an emoji category (staff)."""
    category = EmojiCategory(**data)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def emoji_category_update(*, category: EmojiCategory, data: dict[str, Any]) -> EmojiCategory:
    """Change an emoji category (staff); deactivating it hides it from pickers."""
    update_fields(category, data)
    return category


@transaction.atomic
def emoji_create_custom(*, data: dict[str, Any]) -> Emoji:
    """Add a custom emoji with an uploaded image (staff)."""
    emoji = Emoji(**{**data, "is_custom": True})
    emoji.full_clean()
    emoji.save()
    return emoji


@transaction.atomic
def emoji_update(*, emoji: Emoji, data: dict[str, Any]) -> Emoji:
    """Change an emoji (staff). The unicode text of a standard emoji is fixed."""
    if not emoji.is_custom and "unicode" in data and data["unicode"] != emoji.unicode:
        raise ValidationError({"unicode": "The unicode text of a standard emoji is fixed."})
    kind_changes = any(
        name in data and data[name] != getattr(emoji, name) for name in _EMOJI_KIND_FIELDS
    )
    update_fields(emoji, data, also=_EMOJI_KIND_FIELDS if kind_changes else ())
    return emoji


@transaction.atomic
def emoji_deactivate(*, emoji: Emoji) -> Emoji:
    """Hide an emoji from pickers and search, keeping the row so old messages still render."""
    update_fields(emoji, {"is_active": False})
    return emoji


@transaction.atomic
def emoji_favorite_add(*, user, emoji: Emoji) -> EmojiFavorite:
    """Make `emoji` one of the user's favourites."""
    if not emoji.is_active:
        raise ValidationError({"emoji": "This emoji is no longer available."})
    favorite = EmojiFavorite(user=user, emoji=emoji)
    favorite.full_clean()
    try:
        with transaction.atomic():
            favorite.save(force_insert=True)
    except IntegrityError as exc:
        # A concurrent request added it first; the unique constraint caught it.
        raise ValidationError({"emoji": "This emoji is already a favourite."}) from exc
    return favorite


@transaction.atomic
def emoji_favorite_remove(*, favorite: EmojiFavorite) -> None:
    """Stop keeping an emoji as a favourite."""
    favorite.delete()


@transaction.atomic
def emoji_favorite_use(*, favorite: EmojiFavorite) -> EmojiFavorite:
    """Count one use of a favourite.

    The row is locked while it is read and written, so concurrent uses queue up and every
    one of them is counted (and the audit trail sees plain numbers, not expressions).
    """
    locked = EmojiFavorite.objects.select_for_update().get(pk=favorite.pk)
    locked.usage_count += 1
    locked.last_used = timezone.now()
    locked.save(update_fields=["usage_count", "last_used"])
    return locked


# --- chat groups ----------------------------------------------------------------------------

INVITE_DEFAULT_LIFETIME = timedelta(days=7)
INVITE_MAX_LIFETIME = timedelta(days=30)


@contextlib.contextmanager
def _one_primary_group() -> Iterator[None]:
    """Turn the partial unique index's refusal into the field error validation gives:
    two groups made primary at the same moment both pass validation, one save fails."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError(
            {"is_primary": "Another group is already the primary group."}
        ) from exc


@transaction.atomic
def chat_group_create(
    *, creator, name: str, description: str = "", is_primary: bool = False
) -> ChatGroup:
    """Create a chat group; its creator is its first member. Only staff make it primary."""
    if is_primary and not creator.is_staff:
        raise ValidationError({"is_primary": "Only staff can choose the primary group."})
    group = ChatGroup(name=name, description=description, is_primary=is_primary, created_by=creator)
    group.full_clean()
    with _one_primary_group():
        group.save()
    ChatGroupMember.objects.create(group=group, user=creator)
    return group


@transaction.atomic
def chat_group_update(*, group: ChatGroup, acting_user, data: dict[str, Any]) -> ChatGroup:
    """Rename or describe a group (members); only staff (or SYSTEM) move the primary flag."""
    if (
        "is_primary" in data
        and data["is_primary"] != group.is_primary
        and not _acts_as_staff(acting_user)
    ):
        raise ValidationError({"is_primary": "Only staff can choose the primary group."})
    with _one_primary_group():
        update_fields(group, data)
    return group


@transaction.atomic
def chat_group_delete(*, group: ChatGroup, acting_user) -> None:
    """Delete a group with its memberships, invites and messages: its creator, staff or
    SYSTEM only."""
    if not _acts_as_staff(acting_user) and group.created_by_id != acting_user.pk:
        raise NotAllowed("Only the group's creator can delete it.")
    group.delete()


@transaction.atomic
def chat_group_leave(*, group: ChatGroup, user) -> None:
    """Take `user` out of a group (they leave, or staff remove them in the admin). The group
    and its history stay for the remaining members."""
    deleted, _ = ChatGroupMember.objects.filter(group=group, user=user).delete()
    if not deleted:
        raise Conflict("You are not a member of this group.")


@dataclass(frozen=True)
class IssuedInvite:
    invite: ChatGroupInvite
    token: str


@transaction.atomic
def chat_group_invite_create(
    *,
    group: ChatGroup,
    created_by,
    expires_at: datetime | None = None,
    single_use: bool = True,
) -> IssuedInvite:
    """Issue an invite link; the returned token is shown once and stored only as a hash."""
    now = timezone.now()
    expires_at = expires_at or now + INVITE_DEFAULT_LIFETIME
    if expires_at <= now:
        raise ValidationError({"expires_at": "Must be in the future."})
    if expires_at > now + INVITE_MAX_LIFETIME:
        raise ValidationError({"expires_at": "Invites last at most 30 days."})
    token = secrets.token_urlsafe(32)
    invite = ChatGroupInvite(
        group=group,
        created_by=created_by,
        token_hash=tokens.digest(token),
        single_use=single_use,
        created_at=now,
        expires_at=expires_at,
    )
    invite.full_clean()
    invite.save(force_insert=True)
    return IssuedInvite(invite=invite, token=token)


@transaction.atomic
def chat_group_invite_accept(*, token: str, user) -> ChatGroupMember:
    """Join the invite's group.

    NotFound for an unknown token, Gone when it expired or a single-use invite was already
    used. The invite row is locked, so a single-use invite admits exactly one user however
    many accept at once.
    """
    digest = tokens.digest(token)
    invite = (
        ChatGroupInvite.objects.select_for_update(of=("self",))
        .select_related("group", "created_by")
        .filter(token_hash=digest)
        .first()
    )
    # The lookup is by digest; compare again in constant time so timing says nothing more.
    if invite is None or not hmac.compare_digest(invite.token_hash, digest):
        raise NotFound("No such invite.")
    if invite.is_expired:
        raise Gone("This invite has expired.")
    existing = ChatGroupMember.objects.filter(group=invite.group, user=user).first()
    if existing is not None:
        # Already in: nothing to do, and a single-use invite is not spent on it.
        return existing
    if invite.is_used_up:
        raise Gone("This invite has already been used.")
    member = ChatGroupMember(group=invite.group, user=user)
    try:
        with transaction.atomic():
            member.save(force_insert=True)
    except IntegrityError:
        # The same user joined through another invite at the same moment.
        return ChatGroupMember.objects.get(group=invite.group, user=user)
    # The row lock taken above makes this read-modify-write safe.
    invite.use_count += 1
    invite.save(update_fields=["use_count"])
    if invite.created_by is not None and invite.created_by_id != user.pk:
        notification_create(
            user=invite.created_by,
            type="chat_invite_accepted",
            title=f"{user.public_name} joined {invite.group.name}",
            data={"group": str(invite.group.pk), "user": str(user.pk)},
        )
    return member


@transaction.atomic
def chat_group_invite_expire(*, invite: ChatGroupInvite) -> ChatGroupInvite:
    """End an invite now (staff action); it can no longer be accepted."""
    now = timezone.now()
    if invite.expires_at > now:
        # An invite must expire after it was created, even one created a moment ago.
        update_fields(
            invite, {"expires_at": max(now, invite.created_at + timedelta(microseconds=1))}
        )
    return invite


@transaction.atomic
def cleanup_expired_invites(*, now: datetime | None = None) -> int:
    """Delete invites whose time is up (the chat schema's `cleanup_expired_invites()`)."""
    now = now or timezone.now()
    expired = ChatGroupInvite.objects.filter(expires_at__lte=now)
    ids = list(expired.values_list("pk", flat=True))
    if not ids:
        return 0
    deleted, _ = ChatGroupInvite.objects.filter(pk__in=ids).delete()
    record_bulk(model=ChatGroupInvite, action="delete", ids=ids, count=deleted)
    return deleted


# --- messages -------------------------------------------------------------------------------


@transaction.atomic
def message_send(*, sender, content: str, group: ChatGroup | None = None, receiver=None) -> Message:
    """Post a message to a group the sender belongs to, or directly to another user."""
    if (group is None) == (receiver is None):
        raise ValidationError({"non_field_errors": ["Give exactly one of group or receiver."]})
    if group is not None and not ChatGroupMember.objects.filter(group=group, user=sender).exists():
        raise ValidationError({"group": "You are not a member of this group."})
    if receiver is not None and receiver.pk == sender.pk:
        raise ValidationError({"receiver": "You cannot message yourself."})
    message = Message(sender=sender, content=content, group=group, receiver=receiver)
    # Sender, group and receiver are instances checked above; only the text is new input.
    validate_fields(message, ["content"])
    message.save(force_insert=True)
    if receiver is not None:
        notification_create(
            user=receiver,
            type="direct_message",
            title=f"New message from {sender.public_name}",
            message=content[:200],
            data={"message": str(message.pk), "sender": str(sender.pk)},
        )
    return message


@transaction.atomic
def message_edit(*, message: Message, editor, content: str) -> Message:
    """Change the text of one's own message."""
    if message.sender_id != editor.pk:
        raise NotAllowed("Only the sender can edit a message.")
    if message.is_deleted:
        raise Conflict("A deleted message cannot be edited.")
    if content != message.content:
        update_fields(message, {"content": content, "edited_at": timezone.now()})
    return message


@transaction.atomic
def message_delete(*, message: Message, editor) -> Message:
    """Soft-delete a message: the row stays so threads keep their shape. The sender deletes
    their own; SYSTEM (staff moderating in the admin) deletes any."""
    if editor is not SYSTEM and message.sender_id != editor.pk:
        raise NotAllowed("Only the sender can delete a message.")
    if not message.is_deleted:
        update_fields(message, {"is_deleted": True, "deleted_at": timezone.now()})
    return message


# --- presence -------------------------------------------------------------------------------

MAX_DEVICES = 20


def _status_row(user) -> UserStatus:
    status, _ = UserStatus.objects.select_for_update().get_or_create(user=user)
    return status


@transaction.atomic
def user_status_heartbeat(
    *, user, device_id: str, user_agent: str = "", is_afk: bool = False
) -> UserStatus:
    """Record that a device of `user` is connected now.

    `last_seen` moves with every heartbeat (the seed's trigger), except while the user is
    invisible: then it stays frozen where others last saw it.
    """
    from social.selectors import auto_status_from

    now = timezone.now()
    status = _status_row(user)
    devices = dict(status.devices or {})
    devices[device_id] = {
        "last_seen": now.isoformat(),
        "user_agent": user_agent[:500],
        "is_afk": is_afk,
    }
    if len(devices) > MAX_DEVICES:
        # Keep the most recently seen devices; old browser sessions drop off.
        newest = sorted(devices.items(), key=lambda item: item[1]["last_seen"], reverse=True)
        devices = dict(newest[:MAX_DEVICES])
    # The locked row's state, computed here: nothing the client sent needs validating.
    status.devices = devices
    status.auto_status = auto_status_from(devices=devices, now=now)
    fields = ["devices", "auto_status", "updated_at"]
    if not status.invisible:
        status.last_seen = now
        fields.append("last_seen")
    status.save(update_fields=fields)
    return status


@transaction.atomic
def user_status_update(*, user, data: dict[str, Any]) -> UserStatus:
    """Set the manual status text (with an optional expiry) and invisibility.

    A visible user changing their status is active now, so `last_seen` moves; an invisible
    one's stays frozen (and going invisible freezes it at this moment).
    """
    now = timezone.now()
    status = _status_row(user)
    changes = dict(data)
    if not changes.get("manual_status", status.manual_status):
        changes["manual_status_expires_at"] = None
    expires_at = changes.get("manual_status_expires_at", status.manual_status_expires_at)
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"manual_status_expires_at": "Must be in the future."})
    also = []
    if not status.invisible:
        status.last_seen = now
        also.append("last_seen")
    update_fields(status, changes, also=also)
    return status
