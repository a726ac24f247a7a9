"""State-changing operations on teams, invites and community groups.

The API, the admin and the management commands all call these. Member limits and
`member_count` are protected by a row lock on the team or group, taken before anything is
read that the decision depends on.
"""

import hmac
import secrets
from datetime import timedelta
from functools import partial
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from accounts import tokens
from accounts.models import User
from auditing import record_bulk, record_event
from social.services import notification_create
from teams import selectors
from teams.exceptions import Conflict, Gone, NotAllowed
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember, TeamRole

INVITE_TOKEN_PREFIX = "tinv_"  # noqa: S105 a visible label, not a secret
MANAGER_ROLES = (TeamRole.OWNER, TeamRole.ADMIN)


def _plan_max_members(plan: str) -> int:
    return settings.TEAMS_PLAN_MAX_MEMBERS.get(plan, settings.TEAMS_PLAN_MAX_MEMBERS["free"])


def _check_plan_limit(team: Team) -> None:
    limit = _plan_max_members(team.plan)
    if team.max_members is not None and team.max_members > limit:
        raise ValidationError(
            {"max_members": [f"The {team.plan} plan allows at most {limit} members."]}
        )


def _lock_team(team: Team) -> Team:
    return Team.objects.select_for_update().get(pk=team.pk)


def _require_team_role(*, team: Team, user, roles) -> TeamMember:
    membership = selectors.team_membership(team=team, user=user)
    if membership is None or membership.role not in roles:
        raise NotAllowed("Your role in this team does not allow this.")
    return membership


def _save(instance, fields: list[str] | None = None) -> None:
    instance.full_clean()
    instance.save(update_fields=fields)


# -- teams ---------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    owner: User,
    name: str,
    description: str = "",
    plan: str = Team.Plan.FREE,
    max_members: int | None = None,
    settings: dict[str, Any] | None = None,
) -> Team:
    """Create a team; its creator becomes its first (owner) member.

    `max_members` defaults to the plan's limit and can't exceed it.
    """
    team = Team(
        owner=owner,
        name=name,
        description=description,
        plan=plan,
        max_members=max_members or _plan_max_members(plan),
        settings=settings if settings is not None else {},
    )
    _check_plan_limit(team)
    team.full_clean()
    team.save(force_insert=True)
    membership = TeamMember(team=team, user=owner, role=TeamRole.OWNER)
    membership.full_clean()
    membership.save(force_insert=True)
    return team


@transaction.atomic
def team_update(*, team: Team, acting_user: User | None, data: dict[str, Any]) -> Team:
    """Change a team's details (owners and admins; `acting_user=None` is staff in the admin).

    `max_members` can't go below the current active member count.
    """
    team = _lock_team(team)
    if acting_user is not None:
        _require_team_role(team=team, user=acting_user, roles=MANAGER_ROLES)
    changed = [name for name, value in data.items() if getattr(team, name) != value]
    if not changed:
        return team
    for name in changed:
        setattr(team, name, data[name])
    if {"max_members", "plan"} & set(changed):
        _check_plan_limit(team)
        active = selectors.team_active_member_count(team=team)
        if team.max_members is not None and team.max_members < active:
            raise ValidationError(
                {"max_members": [f"The team already has {active} active members."]}
            )
    _save(team, [*changed, "updated_at"])
    return team


@transaction.atomic
def team_delete(*, team: Team, acting_user: User | None) -> None:
    """Delete a team with its memberships and invites (owners only)."""
    team = _lock_team(team)
    if acting_user is not None:
        _require_team_role(team=team, user=acting_user, roles=(TeamRole.OWNER,))
    team.delete()


def _reassign_primary_owner(*, team: Team, leaving_user_id) -> None:
    """Keep `team.owner` on an active owner when the current one stops being an owner."""
    if team.owner_id != leaving_user_id:
        return
    successor = (
        TeamMember.objects.filter(team=team, is_active=True, role=TeamRole.OWNER)
        .exclude(user_id=leaving_user_id)
        .order_by("joined_at", "id")
        .first()
    )
    # Callers refuse to remove the last owner, so a successor always exists here.
    team.owner_id = successor.user_id
    _save(team, ["owner", "updated_at"])


@transaction.atomic
def team_member_change_role(
    *, membership: TeamMember, acting_user: User | None, role: str
) -> TeamMember:
    """Change a member's role.

    Owners manage everyone; admins manage admins and members but can neither touch owners
    nor make anyone an owner. The last owner can't be demoted (409).
    """
    team = _lock_team(membership.team)
    membership = TeamMember.objects.select_for_update().get(pk=membership.pk)
    if role not in TeamRole.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(TeamRole.values)}."]})
    if not membership.is_active:
        raise Conflict("This person is no longer a member of the team.")
    if acting_user is not None:
        actor = _require_team_role(team=team, user=acting_user, roles=MANAGER_ROLES)
        if actor.role == TeamRole.ADMIN and TeamRole.OWNER in (membership.role, role):
            raise NotAllowed("Only owners can change owners or appoint new ones.")
    if role == membership.role:
        return membership
    if membership.role == TeamRole.OWNER and selectors.team_active_owner_count(team=team) <= 1:
        raise Conflict("The last owner can't be demoted; make someone else an owner first.")
    was_owner = membership.role == TeamRole.OWNER
    membership.role = role
    _save(membership, ["role"])
    if was_owner:
        _reassign_primary_owner(team=team, leaving_user_id=membership.user_id)
    return membership


@transaction.atomic
def team_member_remove(*, membership: TeamMember, acting_user: User | None) -> TeamMember:
    """Remove a member (or leave, when `acting_user` is the member): the row is deactivated.

    Admins can remove admins and members, owners anyone; the last owner can't leave (409).
    """
    team = _lock_team(membership.team)
    membership = TeamMember.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        raise Conflict("This person is no longer a member of the team.")
    if acting_user is not None and acting_user.pk != membership.user_id:
        actor = _require_team_role(team=team, user=acting_user, roles=MANAGER_ROLES)
        if actor.role == TeamRole.ADMIN and membership.role == TeamRole.OWNER:
            raise NotAllowed("Only owners can remove owners.")
    if membership.role == TeamRole.OWNER and selectors.team_active_owner_count(team=team) <= 1:
        raise Conflict("The last owner can't leave; make someone else an owner first.")
    membership.is_active = False
    _save(membership, ["is_active"])
    if membership.role == TeamRole.OWNER:
        _reassign_primary_owner(team=team, leaving_user_id=membership.user_id)
    return membership


@transaction.atomic
def team_transfer_ownership(*, team: Team, new_owner: User, acting_user: User | None) -> Team:
    """Make an active member the primary owner; the previous primary owner becomes an admin."""
    team = _lock_team(team)
    if acting_user is not None:
        _require_team_role(team=team, user=acting_user, roles=(TeamRole.OWNER,))
    target = (
        TeamMember.objects.select_for_update()
        .filter(team=team, user=new_owner, is_active=True)
        .first()
    )
    if target is None:
        raise ValidationError({"new_owner": ["The new owner must be an active member."]})
    if team.owner_id == new_owner.pk:
        return team
    previous = TeamMember.objects.select_for_update().get(team=team, user_id=team.owner_id)
    target.role = TeamRole.OWNER
    _save(target, ["role"])
    if previous.is_active:
        previous.role = TeamRole.ADMIN
        _save(previous, ["role"])
    previous_owner_id = team.owner_id
    team.owner = new_owner
    _save(team, ["owner", "updated_at"])
    record_event(
        action="team_ownership_transferred",
        instance=team,
        metadata={"from_user_id": str(previous_owner_id), "to_user_id": str(new_owner.pk)},
    )
    return team


# -- invites -------------------------------------------------------------------------------


def invite_accept_url(token: str) -> str:
    url = settings.TEAMS_INVITE_ACCEPT_URL.format(token=token)
    if url.startswith("/"):
        protocol = settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL
        url = f"{protocol}://{Site.objects.get_current().domain}{url}"
    return url


def _send_invite_email(*, invite_id, token: str) -> None:
    invite = TeamInvite.objects.select_related("team", "invited_by").get(pk=invite_id)
    inviter = invite.invited_by.public_name
    body = (
        f"{inviter} invited you to join the team '{invite.team.name}' on Cadence as "
        f"{invite.get_role_display().lower()}.\n\n"
        f"Accept the invitation: {invite_accept_url(token)}\n\n"
        f"Or send this token to POST /api/v1/team-invites/accept/: {token}\n\n"
        f"The invitation expires on {invite.expires_at:%Y-%m-%d %H:%M} UTC. Sign in with "
        f"{invite.email} (verified) to accept it. If you weren't expecting it, ignore this email."
    )
    EmailMessage(subject=f"Join {invite.team.name} on Cadence", body=body, to=[invite.email]).send()


def _existing_user_for_email(email: str) -> User | None:
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    return (
        User.objects.filter(email__iexact=email).first()
        or User.objects.filter(pk__in=verified).first()
    )


def _revoke_open_invites(*, team: Team, email: str, now) -> None:
    for invite in TeamInvite.objects.open().filter(team=team, email__iexact=email):
        invite.revoked_at = now
        _save(invite, ["revoked_at"])


def _issue_invite(*, team: Team, email: str, role: str, invited_by: User) -> tuple[TeamInvite, str]:
    now = timezone.now()
    _revoke_open_invites(team=team, email=email, now=now)
    token = INVITE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    invite = TeamInvite(
        team=team,
        email=email,
        role=role,
        token_hash=tokens.digest(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.TEAMS_INVITE_EXPIRY_DAYS),
    )
    invite.full_clean()
    invite.save(force_insert=True)
    invitee = _existing_user_for_email(email)
    if invitee is not None:
        notification_create(
            user=invitee,
            type="team_invite",
            title=f"{invited_by.public_name} invited you to {team.name}",
            message="Open the invitation email to accept it.",
            data={
                "team_id": str(team.pk),
                "team_name": team.name,
                "invite_id": str(invite.pk),
                "role": role,
                "invited_by": str(invited_by.pk),
                "expires_at": invite.expires_at.isoformat(),
            },
            expires_at=invite.expires_at,
        )
    # robust: a mail server outage is logged, it must not turn a committed invite into a 500.
    transaction.on_commit(
        partial(_send_invite_email, invite_id=invite.pk, token=token), robust=True
    )
    return invite, token


@transaction.atomic
def team_invite_create(
    *, team: Team, acting_user: User, email: str, role: str = TeamRole.MEMBER
) -> tuple[TeamInvite, str]:
    """Invite an email address with a role: owners may invite any role, admins only admins
    and members (they can't appoint owners).

    Returns the invite and its token; only the token's SHA-256 is stored, so this is the one
    time it can be shown. The email goes out once the transaction commits. An open invite for
    the same address is revoked.
    """
    team = _lock_team(team)
    actor = _require_team_role(team=team, user=acting_user, roles=MANAGER_ROLES)
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in TeamRole.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(TeamRole.values)}."]})
    if role == TeamRole.OWNER and actor.role != TeamRole.OWNER:
        raise NotAllowed("Only owners can invite owners.")
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    already = TeamMember.objects.filter(team=team, is_active=True, user__in=verified).exists()
    if already or team.memberships.filter(is_active=True, user__email__iexact=email).exists():
        raise Conflict("Someone with this email address is already a member.")
    return _issue_invite(team=team, email=email, role=role, invited_by=acting_user)


@transaction.atomic
def team_invite_resend(*, invite: TeamInvite, acting_user: User | None) -> tuple[TeamInvite, str]:
    """Send a fresh invite with a new token and a new expiry; the old one is revoked."""
    team = _lock_team(invite.team)
    invite = TeamInvite.objects.select_for_update().get(pk=invite.pk)
    if acting_user is not None:
        actor = _require_team_role(team=team, user=acting_user, roles=MANAGER_ROLES)
        if invite.role == TeamRole.OWNER and actor.role != TeamRole.OWNER:
            raise NotAllowed("Only owners can invite owners.")
    if invite.accepted_at is not None:
        raise Conflict("This invite has already been accepted.")
    return _issue_invite(
        team=team,
        email=invite.email,
        role=invite.role,
        invited_by=acting_user or invite.invited_by,
    )


@transaction.atomic
def team_invite_revoke(*, invite: TeamInvite, acting_user: User | None) -> TeamInvite:
    """Revoke an invite that hasn't been accepted; its token stops working at once."""
    team = _lock_team(invite.team)
    if acting_user is not None:
        _require_team_role(team=team, user=acting_user, roles=MANAGER_ROLES)
    invite = TeamInvite.objects.select_for_update().get(pk=invite.pk)
    if invite.accepted_at is not None:
        raise Conflict("This invite has already been accepted.")
    if invite.revoked_at is not None:
        raise Conflict("This invite has already been revoked.")
    invite.revoked_at = timezone.now()
    _save(invite, ["revoked_at"])
    return invite


@transaction.atomic
def team_invite_accept(*, token: str, user: User) -> TeamMember:
    """Join a team with an invite token.

    400 when the invite was sent to an address that isn't one of the user's verified emails,
    410 when it is expired, used or revoked, 409 when the user is already a member or the team
    is full. The team row is locked first, so concurrent accepts see each other's members.
    """
    token_hash = tokens.digest(token or "")
    found = TeamInvite.objects.filter(token_hash=token_hash).only("pk", "team_id").first()
    if found is None:
        raise ValidationError({"token": ["This invite token is not valid."]})
    team = Team.objects.select_for_update().get(pk=found.team_id)
    invite = TeamInvite.objects.select_for_update().get(pk=found.pk)
    if not hmac.compare_digest(invite.token_hash, token_hash):
        raise ValidationError({"token": ["This invite token is not valid."]})
    owns_address = EmailAddress.objects.filter(
        user=user, email__iexact=invite.email, verified=True
    ).exists()
    if not owns_address:
        raise ValidationError(
            {"token": ["This invite was sent to an address that isn't verified on your account."]}
        )
    if invite.status != TeamInvite.Status.PENDING:
        raise Gone(f"This invite is {invite.status}.")
    membership = TeamMember.objects.select_for_update().filter(team=team, user=user).first()
    if membership is not None and membership.is_active:
        raise Conflict("You are already a member of this team.")
    if selectors.team_active_member_count(team=team) >= team.max_members:
        raise Conflict("This team is full.")
    now = timezone.now()
    if membership is None:
        membership = TeamMember(team=team, user=user)
    membership.role = invite.role
    membership.invited_by = invite.invited_by
    membership.joined_at = now
    membership.is_active = True
    membership.full_clean()
    membership.save()
    invite.accepted_at = now
    invite.accepted_by = user
    _save(invite, ["accepted_at", "accepted_by"])
    record_event(
        action="invite_accepted",
        instance=invite,
        metadata={"team_id": str(team.pk), "user_id": str(user.pk), "role": invite.role},
    )
    return membership


# -- community groups ----------------------------------------------------------------------


def _lock_group(group: Group) -> Group:
    try:
        return Group.objects.select_for_update().get(pk=group.pk)
    except Group.DoesNotExist:
        raise Http404("No such group.") from None


def _require_group_owner(*, group: Group, user) -> None:
    if group.owner_id != user.pk:
        raise NotAllowed("Only the group's owner can do this.")


def _add_member(*, group: Group, user: User, role: str, joined_by: User | None):
    """Add or reactivate a membership and count it, in the caller's transaction."""
    membership = GroupMembership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is not None and membership.is_active:
        raise Conflict("You are already a member of this group.")
    if group.max_members is not None and group.member_count >= group.max_members:
        raise Conflict("This group is full.")
    if membership is None:
        membership = GroupMembership(group=group, user=user)
    membership.role_in_group = role
    membership.joined_by = joined_by
    membership.joined_at = timezone.now()
    membership.is_active = True
    membership.full_clean()
    membership.save()
    Group.all_objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
    group.refresh_from_db(fields=["member_count"])
    return membership


@transaction.atomic
def group_create(
    *,
    owner: User,
    name: str,
    slug: str = "",
    created_by: User | None = None,
    **fields: Any,
) -> Group:
    """Create a community group; the owner is its first member. `slug` defaults from the name."""
    group = Group(
        owner=owner,
        created_by=created_by or owner,
        name=name,
        slug=slug or slugify(name)[:100],
        **fields,
    )
    group.full_clean()
    group.save(force_insert=True)
    _add_member(group=group, user=owner, role=GroupMembership.Role.OWNER, joined_by=owner)
    return group


@transaction.atomic
def group_update(*, group: Group, acting_user: User | None, data: dict[str, Any]) -> Group:
    """Change a group's details (its owner; `acting_user=None` is staff in the admin)."""
    group = _lock_group(group)
    if acting_user is not None:
        _require_group_owner(group=group, user=acting_user)
    changed = [name for name, value in data.items() if getattr(group, name) != value]
    if not changed:
        return group
    for name in changed:
        setattr(group, name, data[name])
    if group.max_members is not None and group.max_members < group.member_count:
        raise ValidationError(
            {"max_members": [f"The group already has {group.member_count} members."]}
        )
    _save(group, [*changed, "updated_at"])
    return group


@transaction.atomic
def group_delete(*, group: Group, acting_user: User | None) -> Group:
    """Soft-delete a group (its owner); system groups can't be deleted."""
    group = _lock_group(group)
    if acting_user is not None:
        _require_group_owner(group=group, user=acting_user)
        if group.is_system:
            raise NotAllowed("System groups can't be deleted.")
    group.is_deleted = True
    group.deleted_at = timezone.now()
    group.is_active = False
    _save(group, ["is_deleted", "deleted_at", "is_active", "updated_at"])
    return group


@transaction.atomic
def group_join(*, group: Group, user: User) -> GroupMembership:
    """Join an open group (403 when closed, 409 when archived, already a member or full)."""
    group = _lock_group(group)
    if not group.is_active:
        raise Conflict("This group is archived.")
    if not group.is_open:
        raise NotAllowed("This group is closed to new members.")
    return _add_member(group=group, user=user, role=GroupMembership.Role.MEMBER, joined_by=user)


@transaction.atomic
def group_leave(*, group: Group, user: User) -> GroupMembership:
    """Leave a group; the owner can't leave their own group (409)."""
    group = _lock_group(group)
    membership = (
        GroupMembership.objects.select_for_update()
        .filter(group=group, user=user, is_active=True)
        .first()
    )
    if membership is None:
        raise Conflict("You are not a member of this group.")
    if group.owner_id == user.pk:
        raise Conflict("The owner can't leave the group; delete it instead.")
    membership.is_active = False
    _save(membership, ["is_active"])
    Group.all_objects.filter(pk=group.pk).update(member_count=F("member_count") - 1)
    return membership


@transaction.atomic
def group_recount_members(*, groups) -> list[tuple[Group, int, int]]:
    """Set `member_count` from the active memberships; returns (group, stored, actual) for
    every group whose stored count had drifted."""
    drift = []
    for group in groups:
        locked = Group.all_objects.select_for_update().get(pk=group.pk)
        actual = selectors.group_active_member_count(group=locked)
        if actual != locked.member_count:
            drift.append((locked, locked.member_count, actual))
            Group.all_objects.filter(pk=locked.pk).update(member_count=actual)
    if drift:
        # update() sends no signals, so the correction is recorded as one batch row.
        record_bulk(
            model=Group,
            action="update",
            ids=[group.pk for group, _, _ in drift],
            metadata={
                "reason": "member_count recount",
                "member_count": {str(g.pk): [old, new] for g, old, new in drift},
            },
        )
    return drift
