"""State-changing operations on teams, invites and community groups.

The API, the admin and the management commands all call these. Member limits and
`member_count` are protected by a row lock on the team or group, taken before anything is
read that the decision depends on; invites are locked after their team, always in that order.

Services that authorize take `acting_user`: a user, whose role in the team (or ownership of
the group) is checked, or `SYSTEM` for staff in the admin, commands and jobs, which skips
the role check. Anything else, `None` included, is a `TypeError`.
"""

import secrets
from datetime import datetime, timedelta
from typing import Any, TypeIs

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Case, F, Manager, Model, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.text import slugify

from accounts import tokens
from accounts.models import User
from auditing import record_bulk, record_event
from core.actors import SystemActor
from core.mail import Mail, mail_after_commit
from core.updates import update_fields, validate_fields
from social.services import notification_create
from teams import selectors
from teams.exceptions import Conflict, InviteGone, NotAllowed, NotFound, RoleRequired
from teams.models import Group, GroupMembership, Team, TeamInvite, TeamMember, TeamRole

INVITE_TOKEN_PREFIX = "tinv_"  # noqa: S105 a visible label, not a secret
MANAGER_ROLES = (TeamRole.OWNER, TeamRole.ADMIN)

Actor = User | SystemActor


def _is_system(acting_user: object) -> TypeIs[SystemActor]:
    """True for SYSTEM (no role check), False for a user (checked by role). Anything else is
    a caller's mistake and refused, so a forgotten actor never passes as staff."""
    if isinstance(acting_user, SystemActor):
        return True
    if isinstance(acting_user, User):
        return False
    raise TypeError(f"acting_user must be a User or SYSTEM, not {acting_user!r}")


def _lock[M: Model](queryset: QuerySet[M] | Manager[M], pk: Any) -> M:
    """The row `pk` of `queryset`, locked for the rest of the transaction (rows joined by
    select_related are read, not locked). A row deleted since the caller found it is a
    NotFound."""
    try:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    except ObjectDoesNotExist:
        raise NotFound() from None


def _plan_max_members(plan: str) -> int:
    return settings.TEAMS_PLAN_MAX_MEMBERS.get(plan, settings.TEAMS_PLAN_MAX_MEMBERS["free"])


def _check_plan_limit(*, plan: str, max_members: int | None) -> None:
    limit = _plan_max_members(plan)
    if max_members is not None and max_members > limit:
        raise ValidationError({"max_members": [f"The {plan} plan allows at most {limit} members."]})


def _check_role(role: str) -> None:
    if role not in TeamRole.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(TeamRole.values)}."]})


def _authorize(*, team: Team, acting_user: Actor, roles) -> TeamMember | None:
    """The acting user's active membership, which must have one of `roles`; None for SYSTEM."""
    if _is_system(acting_user):
        return None
    membership = selectors.team_membership(team=team, user=acting_user)
    if membership is None or membership.role not in roles:
        raise RoleRequired()
    return membership


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
    _check_plan_limit(plan=team.plan, max_members=team.max_members)
    validate_fields(team, ["name", "description", "plan", "max_members", "settings"])
    team.save(force_insert=True)
    TeamMember(team=team, user=owner, role=TeamRole.OWNER).save(force_insert=True)
    return team


@transaction.atomic
def team_update(*, team: Team, acting_user: Actor, data: dict[str, Any]) -> Team:
    """Change a team's details (its owners and admins, or SYSTEM).

    `max_members` can't exceed the plan's limit nor go below the active member count.
    """
    team = _lock(Team.objects, team.pk)
    _authorize(team=team, acting_user=acting_user, roles=MANAGER_ROLES)
    plan = data.get("plan", team.plan)
    max_members = data.get("max_members", team.max_members)
    if (plan, max_members) != (team.plan, team.max_members):
        _check_plan_limit(plan=plan, max_members=max_members)
        active = selectors.team_active_member_count(team=team)
        if max_members is not None and max_members < active:
            raise ValidationError(
                {"max_members": [f"The team already has {active} active members."]}
            )
    update_fields(team, data)
    return team


@transaction.atomic
def team_delete(*, team: Team, acting_user: Actor) -> None:
    """Delete a team with its memberships and invites (its owners, or SYSTEM)."""
    team = _lock(Team.objects, team.pk)
    _authorize(team=team, acting_user=acting_user, roles=(TeamRole.OWNER,))
    team.delete()


def _reassign_primary_owner(*, team: Team, leaving_user_id) -> None:
    """Keep `team.owner` on an active owner when the current one stops being an owner."""
    if team.owner_id != leaving_user_id:
        return
    successor = (
        TeamMember.objects.filter(team=team, is_active=True, role=TeamRole.OWNER)
        .exclude(user_id=leaving_user_id)
        .order_by("joined_at", "id")
        .values_list("user_id", flat=True)
        .first()
    )
    if successor is None:
        raise Conflict("The team would have no owner left.")
    team.owner_id = successor
    team.save(update_fields=["owner", "updated_at"])


def _lock_membership(membership: TeamMember) -> tuple[Team, TeamMember]:
    """Lock the membership's team, then the membership (with its user, for the answer)."""
    team = _lock(Team.objects, membership.team_id)
    locked = _lock(TeamMember.objects.select_related("user"), membership.pk)
    return team, locked


@transaction.atomic
def team_member_change_role(*, membership: TeamMember, acting_user: Actor, role: str) -> TeamMember:
    """Change a member's role.

    Owners manage everyone; admins manage admins and members but can neither touch owners
    nor make anyone an owner. The last owner can't be demoted (409).
    """
    team, membership = _lock_membership(membership)
    _check_role(role)
    if not membership.is_active:
        raise Conflict("This person is no longer a member of the team.")
    actor = _authorize(team=team, acting_user=acting_user, roles=MANAGER_ROLES)
    if (
        actor is not None
        and actor.role == TeamRole.ADMIN
        and TeamRole.OWNER
        in (
            membership.role,
            role,
        )
    ):
        raise NotAllowed("Only owners can change owners or appoint new ones.")
    if role == membership.role:
        return membership
    was_owner = membership.role == TeamRole.OWNER
    if was_owner and selectors.team_active_owner_count(team=team) <= 1:
        raise Conflict("The last owner can't be demoted; make someone else an owner first.")
    membership.role = role
    membership.save(update_fields=["role"])
    if was_owner:
        _reassign_primary_owner(team=team, leaving_user_id=membership.user_id)
    return membership


@transaction.atomic
def team_member_remove(*, membership: TeamMember, acting_user: Actor) -> TeamMember:
    """Remove a member (or leave, when `acting_user` is the member): the row is deactivated.

    Admins can remove admins and members, owners anyone; the last owner can't leave (409).
    """
    team, membership = _lock_membership(membership)
    if not membership.is_active:
        raise Conflict("This person is no longer a member of the team.")
    leaving = not _is_system(acting_user) and acting_user.pk == membership.user_id
    if not leaving:
        actor = _authorize(team=team, acting_user=acting_user, roles=MANAGER_ROLES)
        if actor is not None and actor.role == TeamRole.ADMIN and membership.role == TeamRole.OWNER:
            raise NotAllowed("Only owners can remove owners.")
    if membership.role == TeamRole.OWNER and selectors.team_active_owner_count(team=team) <= 1:
        raise Conflict("The last owner can't leave; make someone else an owner first.")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    if membership.role == TeamRole.OWNER:
        _reassign_primary_owner(team=team, leaving_user_id=membership.user_id)
    return membership


@transaction.atomic
def team_transfer_ownership(*, team: Team, new_owner: User, acting_user: Actor) -> Team:
    """Make an active member the primary owner; the previous primary owner becomes an admin."""
    team = _lock(Team.objects, team.pk)
    _authorize(team=team, acting_user=acting_user, roles=(TeamRole.OWNER,))
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
    target.save(update_fields=["role"])
    if previous.is_active:
        previous.role = TeamRole.ADMIN
        previous.save(update_fields=["role"])
    previous_owner_id = team.owner_id
    team.owner = new_owner
    team.save(update_fields=["owner", "updated_at"])
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


def _invite_mail(*, invite: TeamInvite, team: Team, inviter: User, token: str) -> Mail:
    body = (
        f"{inviter.public_name} invited you to join the team '{team.name}' on Cadence as "
        f"{invite.get_role_display().lower()}.\n\n"
        f"Accept the invitation: {invite_accept_url(token)}\n\n"
        f"Or send this token to POST /api/v1/team-invites/accept/: {token}\n\n"
        f"The invitation expires on {invite.expires_at:%Y-%m-%d %H:%M} UTC. Sign in with "
        f"{invite.email} (verified) to accept it. If you weren't expecting it, ignore this email."
    )
    return Mail(subject=f"Join {team.name} on Cadence", body=body, to=[invite.email])


def _existing_user_for_email(email: str) -> User | None:
    """The user whose address this is: by their primary email first, else a verified one."""
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    return (
        User.objects.filter(Q(email__iexact=email) | Q(pk__in=verified))
        .order_by(Case(When(email__iexact=email, then=Value(0)), default=Value(1)), "pk")
        .first()
    )


def _revoke_open_invites(*, team: Team, email: str, now: datetime) -> None:
    for invite in (
        TeamInvite.objects.open().select_for_update().filter(team=team, email__iexact=email)
    ):
        invite.revoked_at = now
        invite.save(update_fields=["revoked_at"])


def _issue_invite(*, team: Team, email: str, role: str, invited_by: User) -> tuple[TeamInvite, str]:
    """Revoke the address's open invite, create a new one, notify the invitee if they have
    an account and email the token once the transaction commits."""
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
    validate_fields(invite, ["email"], validate_unique=False, validate_constraints=False)
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
    mail_after_commit(_invite_mail(invite=invite, team=team, inviter=invited_by, token=token))
    return invite, token


@transaction.atomic
def team_invite_create(
    *, team: Team, acting_user: User, email: str, role: str = TeamRole.MEMBER
) -> tuple[TeamInvite, str]:
    """Invite an email address with a role: owners may invite any role, admins only admins
    and members (they can't appoint owners). The inviter is a member, so never SYSTEM.

    Returns the invite and its token; only the token's SHA-256 is stored, so this is the one
    time it can be shown. The email goes out once the transaction commits. An open invite for
    the same address is revoked.
    """
    if not isinstance(acting_user, User):
        raise TypeError(f"acting_user must be a User, not {acting_user!r}")
    team = _lock(Team.objects, team.pk)
    actor = _authorize(team=team, acting_user=acting_user, roles=MANAGER_ROLES)
    email = User.objects.normalize_email(email.strip()).lower()
    _check_role(role)
    if role == TeamRole.OWNER and actor is not None and actor.role != TeamRole.OWNER:
        raise NotAllowed("Only owners can invite owners.")
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    already = (
        TeamMember.objects.filter(team=team, is_active=True)
        .filter(Q(user__in=verified) | Q(user__email__iexact=email))
        .exists()
    )
    if already:
        raise Conflict("Someone with this email address is already a member.")
    return _issue_invite(team=team, email=email, role=role, invited_by=acting_user)


@transaction.atomic
def team_invite_resend(*, invite: TeamInvite, acting_user: Actor) -> tuple[TeamInvite, str]:
    """Send a fresh invite with a new token and a new expiry; the old one is revoked. Sent in
    the name of the acting user, or of the original inviter when SYSTEM resends it."""
    team = _lock(Team.objects, invite.team_id)
    invite = _lock(TeamInvite.objects.select_related("invited_by"), invite.pk)
    actor = _authorize(team=team, acting_user=acting_user, roles=MANAGER_ROLES)
    if invite.role == TeamRole.OWNER and actor is not None and actor.role != TeamRole.OWNER:
        raise NotAllowed("Only owners can invite owners.")
    if invite.accepted_at is not None:
        raise Conflict("This invite has already been accepted.")
    inviter = invite.invited_by if _is_system(acting_user) else acting_user
    return _issue_invite(team=team, email=invite.email, role=invite.role, invited_by=inviter)


@transaction.atomic
def team_invite_revoke(*, invite: TeamInvite, acting_user: Actor) -> TeamInvite:
    """Revoke an invite that hasn't been accepted; its token stops working at once."""
    team = _lock(Team.objects, invite.team_id)
    _authorize(team=team, acting_user=acting_user, roles=MANAGER_ROLES)
    invite = _lock(TeamInvite.objects, invite.pk)
    if invite.accepted_at is not None:
        raise Conflict("This invite has already been accepted.")
    if invite.revoked_at is not None:
        raise Conflict("This invite has already been revoked.")
    invite.revoked_at = timezone.now()
    invite.save(update_fields=["revoked_at"])
    return invite


@transaction.atomic
def team_invite_accept(*, token: str, user: User) -> TeamMember:
    """Join a team with an invite token.

    400 when the invite was sent to an address that isn't one of the user's verified emails,
    410 when it is expired, used or revoked, 409 when the user is already a member or the team
    is full. The team row is locked first, so concurrent accepts see each other's members.
    """
    token_hash = tokens.digest(token or "")
    of_token = TeamInvite.objects.filter(token_hash=token_hash)
    team = Team.objects.select_for_update().filter(pk__in=of_token.values("team_id")).first()
    invite = of_token.select_for_update().filter(team=team).first() if team else None
    if team is None or invite is None:
        raise ValidationError({"token": ["This invite token is not valid."]})
    owns_address = EmailAddress.objects.filter(
        user=user, email__iexact=invite.email, verified=True
    ).exists()
    if not owns_address:
        raise ValidationError(
            {"token": ["This invite was sent to an address that isn't verified on your account."]}
        )
    if invite.status != TeamInvite.Status.PENDING:
        raise InviteGone(f"This invite is {invite.status}.")
    membership = TeamMember.objects.select_for_update().filter(team=team, user=user).first()
    if membership is not None and membership.is_active:
        raise Conflict("You are already a member of this team.")
    if selectors.team_active_member_count(team=team) >= team.max_members:
        raise Conflict("This team is full.")
    now = timezone.now()
    joined = {
        "role": invite.role,
        "invited_by_id": invite.invited_by_id,
        "joined_at": now,
        "is_active": True,
    }
    if membership is None:
        membership = TeamMember(team=team, user=user, **joined)
        membership.save(force_insert=True)
    else:
        for name, value in joined.items():
            setattr(membership, name, value)
        membership.save(update_fields=["role", "invited_by", "joined_at", "is_active"])
    invite.accepted_at = now
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    record_event(
        action="invite_accepted",
        instance=invite,
        metadata={"team_id": str(team.pk), "user_id": str(user.pk), "role": invite.role},
    )
    return membership


# -- community groups ----------------------------------------------------------------------


def _lock_group(group: Group) -> Group:
    """The group locked; a group deleted meanwhile is a NotFound."""
    return _lock(Group.objects, group.pk)


def _authorize_group_owner(*, group: Group, acting_user: Actor) -> None:
    if not _is_system(acting_user) and group.owner_id != acting_user.pk:
        raise RoleRequired("Only the group's owner can do this.")


def _add_member(*, group: Group, user: User, role: str, joined_by: User) -> GroupMembership:
    """Add or reactivate a membership of the locked `group` and count it."""
    membership = GroupMembership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is not None and membership.is_active:
        raise Conflict("You are already a member of this group.")
    if group.max_members is not None and group.member_count >= group.max_members:
        raise Conflict("This group is full.")
    joined = {"role_in_group": role, "joined_by": joined_by, "joined_at": timezone.now()}
    if membership is None:
        membership = GroupMembership(group=group, user=user, is_active=True, **joined)
        membership.save(force_insert=True)
    else:
        for name, value in joined.items():
            setattr(membership, name, value)
        membership.is_active = True
        membership.save(update_fields=[*joined, "is_active"])
    Group.all_objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
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
        member_count=1,
        **fields,
    )
    validate_fields(group, ["name", "slug", *fields])
    group.save(force_insert=True)
    GroupMembership(
        group=group,
        user=owner,
        role_in_group=GroupMembership.Role.OWNER,
        joined_by=owner,
        is_active=True,
    ).save(force_insert=True)
    return group


@transaction.atomic
def group_update(*, group: Group, acting_user: Actor, data: dict[str, Any]) -> Group:
    """Change a group's details (its owner, or SYSTEM)."""
    group = _lock_group(group)
    _authorize_group_owner(group=group, acting_user=acting_user)
    max_members = data.get("max_members", group.max_members)
    if max_members is not None and max_members < group.member_count:
        raise ValidationError(
            {"max_members": [f"The group already has {group.member_count} members."]}
        )
    update_fields(group, data)
    return group


@transaction.atomic
def group_delete(*, group: Group, acting_user: Actor) -> Group:
    """Soft-delete a group (its owner, or SYSTEM); only SYSTEM deletes system groups."""
    group = _lock_group(group)
    _authorize_group_owner(group=group, acting_user=acting_user)
    if group.is_system and not _is_system(acting_user):
        raise NotAllowed("System groups can't be deleted.")
    group.is_deleted = True
    group.deleted_at = timezone.now()
    group.is_active = False
    group.save(update_fields=["is_deleted", "deleted_at", "is_active", "updated_at"])
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
    membership.save(update_fields=["is_active"])
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
